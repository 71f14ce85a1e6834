"""The conformance suite every translator plugin should pass: ``channels.translators.testing``.

Subclass :class:`TranslatorConformance` in your plugin's tests (pytest collects it as a test class)
and fill in the class attributes and :meth:`plugin_for`::

    from channels.translators.testing import TranslatorConformance

    class TestMyTranslator(TranslatorConformance):
        plugin_class = MyTranslator
        valid_config = {"endpoint": "https://example.org", "key": "k3y"}
        invalid_configs = [{}, {"endpoint": "not a url", "key": "x"}]
        secret_fields = ("key",)

        def plugin_for(self, answer):
            # A plugin whose service answers ``answer``: "translated", "retryable" or "permanent".
            # Point it at a local fake of your service that answers that way.
            ...

What it checks:

- config: the valid config builds; each invalid one, and one with an unknown key, is refused with
  a ValidationError; secrets are SecretStr, redacted by ``redacted()`` and absent from ``repr``;
  the limits are positive;
- translation: no texts cost nothing; every text comes back, in order (each carries a number
  that survives translation); HTML keeps its elements in order; an element marked
  ``translate="no"`` or class ``notranslate`` comes back unchanged (the core wraps insert-field
  tokens and the district glossary in one); a full request (up to ``texts_to_check``, within the
  character limit) is answered text by text;
- errors: a busy or failing service is TranslatorRetryable with a code, a refusal is
  TranslatorPermanent with a code, and neither carries a secret or the text sent.

A plugin with ``translates = False`` (``none``) must give every text back unchanged.
Nothing here talks to Homeroom's database or queue: a plugin is tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr, ValidationError

from channels.translators.base import (
    TranslatorConfig,
    TranslatorError,
    TranslatorPermanent,
    TranslatorPlugin,
    TranslatorRetryable,
)

SOURCE = "en"
TARGET = "es"
PLAIN_TEXTS = ["Good morning, families. School starts at 8:15 on Monday 3.",
               "Bring 2 pencils and 1 notebook.", "", "Room 104 is closed."]
HTML_TEXT = ('<p>Dear <span translate="no">Ada Lovelace</span>,</p>'
             '<p>The <b>science fair</b> at <span class="notranslate">Lincoln Elementary</span> is on '
             '<a href="https://example.org/fair">Friday</a>.</p><ul><li>Bring a poster</li></ul>')
#: Verbatim in every translation of HTML_TEXT.
PROTECTED = ("Ada Lovelace", "Lincoln Elementary", 'href="https://example.org/fair"')
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")


def element_sequence(html: str) -> list[str]:
    """The elements of ``html`` in order, as "p", "/p", …: what a translation must keep."""
    return [closing + name.lower() for closing, name in _TAG.findall(html)]


class TranslatorConformance:
    """Mix into a pytest test class; see the module's docstring."""

    plugin_class: ClassVar[type[TranslatorPlugin]]
    valid_config: ClassVar[dict[str, Any]]
    invalid_configs: ClassVar[Sequence[dict[str, Any]]] = ()
    secret_fields: ClassVar[Sequence[str]] = ()
    texts_to_check: ClassVar[int] = 100
    #: The answers the plugin's service can give; each is checked with :meth:`plugin_for`.
    outcomes: ClassVar[Sequence[str]] = ("translated", "retryable", "permanent")

    def plugin_for(self, answer: str) -> TranslatorPlugin:
        """A plugin whose service answers every request with ``answer`` ("translated",
        "retryable", "permanent")."""
        raise NotImplementedError("implement plugin_for(answer) against a local fake of your service")

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "failure" in metafunc.fixturenames:
            metafunc.parametrize("failure", [answer for answer in self.outcomes if answer != "translated"])

    def _translate(self, texts: Sequence[str], *, html: bool) -> list[str]:
        answer = self.plugin_for("translated").translate(list(texts), source=SOURCE, target=TARGET, html=html)
        assert isinstance(answer, list) and all(isinstance(text, str) for text in answer), "a list of str"
        assert len(answer) == len(texts), "exactly one translation per text"
        if not self.plugin_class.translates:
            assert answer == list(texts), "a plugin that does not translate gives every text back"
        return answer

    # -- config ------------------------------------------------------------------------------------
    def test_declares_a_name_a_config_with_limits_and_translate(self):
        assert isinstance(self.plugin_class.name, str) and self.plugin_class.name
        assert issubclass(self.plugin_class.Config, TranslatorConfig)
        assert "translate" not in getattr(self.plugin_class, "__abstractmethods__", ())
        limits = self.plugin_class.from_mapping(dict(self.valid_config)).limits
        assert limits.max_texts_per_request >= 1 and limits.max_characters_per_request >= 1

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
            for printed in (repr(plugin), repr(plugin.config), str(plugin.config), str(shown)):
                assert value.get_secret_value() not in printed

    # -- translation -------------------------------------------------------------------------------
    def test_no_texts_cost_nothing(self):
        assert self.plugin_for("translated").translate([], source=SOURCE, target=TARGET, html=False) == []

    def test_every_text_comes_back_in_order(self):
        answer = self._translate(PLAIN_TEXTS, html=False)
        for sent, received in zip(PLAIN_TEXTS, answer):
            for number in re.findall(r"\d+", sent):
                assert number in received, f"{received!r} is not the translation of {sent!r}"
        assert answer[2] == "", "an empty text stays empty"

    def test_html_keeps_its_elements_and_the_do_not_translate_spans(self):
        [answer] = self._translate([HTML_TEXT], html=True)
        assert element_sequence(answer) == element_sequence(HTML_TEXT), answer
        for protected in PROTECTED:
            assert protected in answer, f"{protected!r} must come back unchanged: {answer!r}"

    def test_a_full_request_is_answered_text_by_text(self):
        limits = self.plugin_class.from_mapping(dict(self.valid_config)).limits
        count = min(limits.max_texts_per_request, self.texts_to_check)
        texts = [f"Reminder {number}." for number in range(count)]
        answer = self._translate(texts, html=False)
        assert all(str(number) in text for number, text in enumerate(answer))

    # -- errors ------------------------------------------------------------------------------------
    def test_each_failure_is_its_error_without_secrets_or_text(self, failure):
        expected = {"retryable": TranslatorRetryable, "permanent": TranslatorPermanent}[failure]
        plugin = self.plugin_for(failure)
        with pytest.raises(TranslatorError) as raised:
            plugin.translate(PLAIN_TEXTS, source=SOURCE, target=TARGET, html=False)
        assert isinstance(raised.value, expected), f"{failure}: {raised.value!r}"
        assert raised.value.code, "an error carries a code"
        shown = f"{raised.value} {raised.value!r} {raised.value.detail}"
        for field in self.secret_fields:
            assert getattr(plugin.config, field).get_secret_value() not in shown
        assert not any(text and text in shown for text in PLAIN_TEXTS), "the text sent is never in an error"
