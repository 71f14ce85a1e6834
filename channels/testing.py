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

Two optional hooks fit the kit to plugins whose provider decides by the envelope rather than by
where the plugin points: :meth:`address` aims each envelope at the peer (a push subscription at a
receiver, a dead number, an address no email can carry), and :attr:`outcomes` names the answers
the provider can give at all (``outbox`` and ``discard`` never fail for a while, so they leave out
"retryable"). The kit then runs only the checks that apply: a built-in plugin never skips one.

What it checks:

- config: the valid config builds; each invalid one is refused with a ValidationError; unknown
  keys are refused; secrets are SecretStr, redacted by ``redacted()`` and absent from ``repr``;
- declaration: a name, at least one channel kind, a sane ``max_batch``;
- outcomes: a batch gets exactly one outcome per envelope, matched by reference, of the type the
  provider's answer calls for (Sent / Retryable with a code / PermanentFailure with a code), for
  each answer in ``outcomes``;
- batches: a full batch (up to ``batch_size_to_check``) is answered envelope by envelope;
- kinds: an envelope of every kind the plugin serves is sent, and one of a kind it does not serve
  is a PermanentFailure, not an error;
- reconcile: what the plugin sent is never reported NOT_SENT (it would be sent twice), and what
  it never saw is never reported SENT (it would never be sent);
- webhooks: when the capabilities declare status callbacks or inbound messages, each entry of
  ``webhook_fixtures`` parses to the expected events and each of ``forged_webhooks`` is
  rejected with WebhookRejected; when they declare neither, the plugin does not parse webhooks
  either (the core routes a webhook to a plugin only by what it declares).

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
    Reconciled,
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
    #: The answers the plugin's provider can give; each is checked with :meth:`plugin_for`.
    outcomes: ClassVar[Sequence[str]] = ("sent", "retryable", "permanent")

    def plugin_for(self, outcome: str) -> ChannelPlugin:
        """A plugin whose provider answers every send with ``outcome`` ("sent", "retryable",
        "permanent")."""
        raise NotImplementedError("implement plugin_for(outcome) against a local fake of your provider")

    def address(self, envelope: Envelope, outcome: str) -> Envelope:
        """``envelope`` aimed so that the provider answers ``outcome``; by default unchanged (the
        plugin from :meth:`plugin_for` decides)."""
        return envelope

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Runs the outcome check once per answer in :attr:`outcomes` (pytest calls this hook on
        the test class)."""
        if "answer" in metafunc.fixturenames:
            metafunc.parametrize("answer", list(self.outcomes))

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def kind(self) -> ChannelKind:
        return sorted(self.plugin_class.kinds, key=lambda k: k.value)[0]

    def _envelopes(self, outcome: str, kind: ChannelKind, count: int, *, start: int = 1) -> list[Envelope]:
        return [self.address(envelope, outcome) for envelope in sample_envelopes(kind, count, start=start)]

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
    def test_each_answer_is_its_outcome(self, answer):
        """Sent; Retryable with a code; PermanentFailure with a code."""
        assert answer in ("sent", "retryable", "permanent"), f"unknown answer {answer!r} in outcomes"
        expected = {"sent": Sent, "retryable": Retryable, "permanent": PermanentFailure}[answer]
        outcomes = self._send(self.plugin_for(answer), self._envelopes(answer, self.kind, 3 if answer == "sent" else 2))
        assert all(isinstance(o, expected) for o in outcomes.values()), f"{answer}: {list(outcomes.values())}"
        if answer != "sent":
            assert all(o.code for o in outcomes.values()), "a failure carries a code"

    def test_a_full_batch_is_answered_envelope_by_envelope(self):
        size = min(self.plugin_class.capabilities.max_batch, self.batch_size_to_check)
        outcomes = self._send(self.plugin_for("sent"), self._envelopes("sent", self.kind, size, start=1000))
        assert len(outcomes) == size

    def test_every_kind_is_sent_or_refused(self):
        """A served kind is sent; an unserved one is a PermanentFailure, not an error."""
        plugin = self.plugin_for("sent")
        for number, kind in enumerate(ChannelKind, start=5000):
            [envelope] = self._envelopes("sent", kind, 1, start=number)
            outcome = self._send(plugin, [envelope])[str(number)]
            if kind in self.plugin_class.kinds:
                assert isinstance(outcome, Sent), f"{kind.value}: {outcome}"
            else:
                assert isinstance(outcome, PermanentFailure), f"{kind.value}: {outcome}"

    def test_reconcile_never_contradicts_what_was_sent(self):
        plugin = self.plugin_for("sent")
        sent = list(self._send(plugin, self._envelopes("sent", self.kind, 3, start=7000)))
        never_seen = ["7999", "8000"]
        known = plugin.reconcile([*sent, *never_seen])
        assert set(known) <= {*sent, *never_seen}, "reconcile answers only for the references asked"
        assert all(known.get(reference) is not Reconciled.NOT_SENT for reference in sent)
        assert all(known.get(reference) is not Reconciled.SENT for reference in never_seen)

    # -- webhooks ----------------------------------------------------------------------------------
    def test_webhooks_parse_and_forgeries_are_rejected(self):
        capabilities = self.plugin_class.capabilities
        if not (capabilities.status_callbacks or capabilities.inbound_messages):
            assert self.plugin_class.parse_webhook is ChannelPlugin.parse_webhook, (
                "a plugin that parses webhooks declares status_callbacks or inbound_messages, "
                "or the core never routes one to it")
            assert not self.webhook_fixtures, "webhook_fixtures for a plugin that declares no webhooks"
            return
        assert self.webhook_fixtures, "declare webhook_fixtures for a plugin that takes webhooks"
        plugin = self.plugin_class.from_mapping(dict(self.valid_config))
        for headers, body, url, expected in self.webhook_fixtures:
            assert plugin.parse_webhook(headers, body, url) == expected
        for headers, body, url in self.forged_webhooks:
            with pytest.raises(WebhookRejected):
                plugin.parse_webhook(headers, body, url)
