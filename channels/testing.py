"""The conformance suite every channel plugin should pass: ``channels.testing``.

Subclass :class:`PluginConformance` in your plugin's tests (pytest collects it as a test class)
and fill in the class attributes and :meth:`plugin_for`::

    from channels.testing import PluginConformance

    class TestMyChannel(PluginConformance):
        plugin_class = MyChannel
        valid_config = {"server_url": "https://example.org", "token": "t0ken"}
        invalid_configs = [{}, {"server_url": "not a url", "token": "x"}]
        secret_fields = ("token",)

        def plugin_for(self, outcome):
            # A plugin whose provider answers ``outcome``: "sent", "retryable" or "permanent".
            # Point it at a local fake of your provider that answers that way.
            ...

What it checks:

- config: the valid config builds; each invalid one is refused with a ValidationError; unknown
  keys are refused; secrets are SecretStr, redacted by ``redacted()`` and absent from ``repr``;
- declaration: a name, at least one channel kind, a sane ``max_batch``;
- outcomes: a batch gets exactly one outcome per envelope, matched by reference, of the type the
  provider's answer calls for (Sent / Retryable with a code / PermanentFailure with a code);
- batches: a full batch (up to ``batch_size_to_check``) is answered envelope by envelope;
- kinds: an envelope of a kind the plugin does not serve is a PermanentFailure, not an error;
- webhooks: when the capabilities declare status callbacks or inbound messages, each entry of
  ``webhook_fixtures`` parses to the expected events and each of ``forged_webhooks`` is
  rejected with WebhookRejected.

Nothing here talks to Homeroom's database or queue: a plugin is tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr, ValidationError

from channels.base import (
    ChannelKind,
    ChannelPlugin,
    EmailEnvelope,
    Envelope,
    PermanentFailure,
    PushEnvelope,
    Retryable,
    Sent,
    SmsEnvelope,
    VoiceEnvelope,
    WebhookRejected,
)


def sample_envelopes(kind: ChannelKind, count: int, *, start: int = 1, emergency: bool = False) -> list[Envelope]:
    """``count`` envelopes of one kind with references start, start+1, …"""
    made: list[Envelope] = []
    for n in range(start, start + count):
        common = dict(reference=str(n), message_id=1, recipient_name=f"Recipient {n}", language="en",
                      emergency=emergency)
        if kind is ChannelKind.EMAIL:
            made.append(EmailEnvelope(**common, to=f"recipient{n}@families.example.org", from_name="Lincoln High",
                                      subject="Picture day", html_body="<p>Picture day</p>", text_body="Picture day"))
        elif kind is ChannelKind.SMS:
            made.append(SmsEnvelope(**common, to=f"+1555010{n % 10000:04d}", text="Picture day is Friday"))
        elif kind is ChannelKind.VOICE:
            made.append(VoiceEnvelope(**common, to=f"+1555010{n % 10000:04d}", script="Picture day is Friday."))
        else:
            made.append(PushEnvelope(**common, to=f"user:{n}", title="New message from Lincoln High",
                                     notification_id=str(n)))
    return made


class PluginConformance:
    """Mix into a pytest test class; see the module's docstring."""

    plugin_class: ClassVar[type[ChannelPlugin]]
    valid_config: ClassVar[dict[str, Any]]
    invalid_configs: ClassVar[Sequence[dict[str, Any]]] = ()
    secret_fields: ClassVar[Sequence[str]] = ()
    batch_size_to_check: ClassVar[int] = 50
    #: (headers, body, url, expected events) tuples, for plugins that take webhooks.
    webhook_fixtures: ClassVar[Sequence[tuple[dict, bytes, str, list]]] = ()
    #: (headers, body, url) tuples that must be rejected as not genuine.
    forged_webhooks: ClassVar[Sequence[tuple[dict, bytes, str]]] = ()

    def plugin_for(self, outcome: str) -> ChannelPlugin:
        """A plugin whose provider answers every send with ``outcome`` ("sent", "retryable",
        "permanent")."""
        raise NotImplementedError("implement plugin_for(outcome) against a local fake of your provider")

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def kind(self) -> ChannelKind:
        return sorted(self.plugin_class.kinds, key=lambda k: k.value)[0]

    def _send(self, plugin: ChannelPlugin, envelopes: list[Envelope]):
        outcomes = plugin.send(envelopes)
        assert len(outcomes) == len(envelopes), "send must return exactly one outcome per envelope"
        by_reference = {outcome.reference: outcome for outcome in outcomes}
        assert set(by_reference) == {e.reference for e in envelopes}, "outcomes must carry the envelopes' references"
        return by_reference

    # -- config ------------------------------------------------------------------------------------
    def test_declares_a_name_kinds_and_capabilities(self):
        assert isinstance(self.plugin_class.name, str) and self.plugin_class.name
        assert self.plugin_class.kinds and set(self.plugin_class.kinds) <= set(ChannelKind)
        assert self.plugin_class.capabilities.max_batch >= 1

    def test_valid_config_builds(self):
        plugin = self.plugin_class.from_mapping(dict(self.valid_config))
        assert isinstance(plugin, self.plugin_class)

    def test_invalid_configs_are_refused(self):
        for raw in [*self.invalid_configs, {**self.valid_config, "no_such_option": 1}]:
            with pytest.raises(ValidationError):
                self.plugin_class.from_mapping(dict(raw))

    def test_secrets_are_secret_and_redacted(self):
        plugin = self.plugin_class.from_mapping(dict(self.valid_config))
        shown = plugin.config.redacted()
        for field in self.secret_fields:
            value = getattr(plugin.config, field)
            assert isinstance(value, SecretStr), f"{field} must be a SecretStr"
            assert shown[field] == "**********"
            assert value.get_secret_value() not in repr(plugin.config)
            assert value.get_secret_value() not in str(shown)

    # -- outcomes ----------------------------------------------------------------------------------
    def test_success_is_sent(self):
        outcomes = self._send(self.plugin_for("sent"), sample_envelopes(self.kind, 3))
        assert all(isinstance(o, Sent) for o in outcomes.values())

    def test_temporary_failure_is_retryable_with_a_code(self):
        outcomes = self._send(self.plugin_for("retryable"), sample_envelopes(self.kind, 2))
        assert all(isinstance(o, Retryable) and o.code for o in outcomes.values())

    def test_permanent_failure_is_permanent_with_a_code(self):
        outcomes = self._send(self.plugin_for("permanent"), sample_envelopes(self.kind, 2))
        assert all(isinstance(o, PermanentFailure) and o.code for o in outcomes.values())

    def test_a_full_batch_is_answered_envelope_by_envelope(self):
        size = min(self.plugin_class.capabilities.max_batch, self.batch_size_to_check)
        outcomes = self._send(self.plugin_for("sent"), sample_envelopes(self.kind, size, start=1000))
        assert len(outcomes) == size

    def test_an_unserved_kind_is_a_permanent_failure(self):
        others = [kind for kind in ChannelKind if kind not in self.plugin_class.kinds]
        if not others:
            pytest.skip("the plugin serves every kind")
        outcomes = self._send(self.plugin_for("sent"), sample_envelopes(others[0], 1, start=5000))
        assert isinstance(outcomes["5000"], PermanentFailure)

    # -- webhooks ----------------------------------------------------------------------------------
    def test_webhooks_parse_and_forgeries_are_rejected(self):
        capabilities = self.plugin_class.capabilities
        if not (capabilities.status_callbacks or capabilities.inbound_messages):
            pytest.skip("the plugin takes no webhooks")
        assert self.webhook_fixtures, "declare webhook_fixtures for a plugin that takes webhooks"
        plugin = self.plugin_class.from_mapping(dict(self.valid_config))
        for headers, body, url, expected in self.webhook_fixtures:
            assert plugin.parse_webhook(headers, body, url) == expected
        for headers, body, url in self.forged_webhooks:
            with pytest.raises(WebhookRejected):
                plugin.parse_webhook(headers, body, url)
