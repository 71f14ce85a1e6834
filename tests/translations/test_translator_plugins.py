"""The ``homeroom.translators`` plugins (issue 19 point 6; TRN-01): the built-in ``none`` and ``azure``
pass the translator conformance kit (channels.translators.testing); ``azure`` speaks Translator Text
v3 over real HTTP to the local stand-in (tests/peers/translator.py), which checks every header,
query parameter and body; the core's batching keeps within the declared limits; failures are
retryable (with the Retry-After) or permanent (with the service's code); the key is never printed.
Start-up and ``homeroom plugins`` are in test_translator_settings.py.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import socket
import uuid

import pytest
from peers.smtp_sink import free_port
from peers.translator import KEY, REGION, fake_translation

from channels.translators.azure import AzureTranslator, AzureTranslatorConfig, retry_after
from channels.translators.base import TranslatorLimits, TranslatorPermanent, TranslatorRetryable
from channels.translators.loading import NAMESPACE, discover_translators
from channels.translators.none import NoTranslator
from channels.translators.testing import TranslatorConformance
from domain.translations.batching import TEXT_TOO_LONG, batches, translate_in_batches


def azure_for(stand_in, **overrides) -> AzureTranslator:
    return AzureTranslator.from_mapping(stand_in.plugin_config(**overrides))


class TestNoneConformance(TranslatorConformance):
    plugin_class = NoTranslator
    valid_config = {}
    invalid_configs = [{"max_texts_per_request": 0}]
    outcomes = ("translated",)

    def plugin_for(self, answer):
        return NoTranslator.from_mapping({})


class TestAzureConformance(TranslatorConformance):
    plugin_class = AzureTranslator
    valid_config = {"key": KEY, "region": REGION}
    invalid_configs = [{}, {"key": KEY, "endpoint": "ftp://example.org"}, {"key": KEY, "region": "West Europe"},
                       {"key": KEY, "endpoint": "https://user:pw@example.org"},
                       {"key": KEY, "max_texts_per_request": 1001}, {"key": KEY, "max_characters_per_request": 50_001}]
    secret_fields = ("key",)

    @pytest.fixture(autouse=True)
    def _stand_in(self, translator_service):
        self.service = translator_service

    def plugin_for(self, answer):
        if answer == "retryable":
            self.service.fail_next(1, "503")
        if answer == "permanent":  # a key the service does not know
            return azure_for(self.service, key="wrong-" + KEY)
        return azure_for(self.service)


def test_both_built_in_translators_are_registered_in_the_namespace():
    assert NAMESPACE == "homeroom.translators"
    found = {plugin.name: plugin for plugin in discover_translators()}
    assert found["none"].plugin_class is NoTranslator and found["azure"].plugin_class is AzureTranslator
    assert all(plugin.load_error is None for plugin in found.values())


def test_trn01_azure_sends_the_key_region_trace_and_texts_as_translator_v3_expects(translator_service):
    texts = ["School is closed <b>today</b>.", '<span class="notranslate">Lincoln Elementary</span> reopens.']
    translated = azure_for(translator_service).translate(texts, source="en", target="es", html=True)
    assert translated == [fake_translation(text, "es", html=True) for text in texts]
    assert translated[0] == "[es] School is closed <b>[es] today</b>[es] ."
    assert translated[1].startswith('<span class="notranslate">Lincoln Elementary</span>')
    (sent,) = translator_service.requests
    assert translator_service.refusals == []
    assert sent.query == {"api-version": "3.0", "from": "en", "to": "es", "textType": "html"}
    assert sent.texts == texts
    assert sent.headers["ocp-apim-subscription-key"] == KEY
    assert sent.headers["ocp-apim-subscription-region"] == REGION
    assert sent.headers["content-type"] == "application/json; charset=UTF-8"
    uuid.UUID(sent.headers["x-clienttraceid"])


def test_trn01_plain_text_a_category_and_a_global_resource(translator_service):
    translator_service.region = None  # a global resource: no region header
    plugin = azure_for(translator_service, region=None, category="a1b2-GENERAL")
    assert plugin.translate(["Bring 2 pencils."], source="en", target="vi", html=False) == ["[vi] Bring 2 pencils."]
    (sent,) = translator_service.requests
    assert sent.query["textType"] == "plain" and sent.query["category"] == "a1b2-GENERAL"
    assert "ocp-apim-subscription-region" not in sent.headers


def test_the_service_refuses_a_request_without_the_right_headers(translator_service):
    """The stand-in is strict: a wrong region is refused as the service refuses it (401000)."""
    with pytest.raises(TranslatorPermanent) as raised:
        azure_for(translator_service, region="eastus").translate(["Hi"], source="en", target="es", html=False)
    assert raised.value.code == "401000" and "the key is missing or not valid" in raised.value.detail
    assert translator_service.requests == [] and translator_service.refusals


def test_trn01_a_message_in_four_languages_is_one_batch_set_per_language_within_the_limits(translator_service):
    """The core's batching (domain.translations.batching) against the limits the plugin declares:
    each request within both, the answers back in order, one batch set per language."""
    translator_service.max_texts, translator_service.max_characters = 3, 40
    plugin = azure_for(translator_service, max_texts_per_request=3, max_characters_per_request=40)
    texts = ["Field trip on Friday.", "Lunch is pizza.", "", "Wear boots.", "Picture day: smile!", "Bus 12 is late."]
    expected_requests = batches(texts, plugin.limits)
    assert expected_requests == [[0, 1, 2], [3, 4], [5]]
    for language in ("es", "vi", "ar", "zh-Hans"):
        answer = translate_in_batches(plugin, texts, source="en", target=language, html=False)
        assert answer == [fake_translation(text, language, html=False) for text in texts]
    assert translator_service.refusals == []
    assert translator_service.requests_per_language() == {"es": 3, "vi": 3, "ar": 3, "zh-Hans": 3}
    for request in translator_service.requests:
        assert len(request.texts) <= 3 and sum(map(len, request.texts)) <= 40


def test_batches_fill_each_request_up_to_either_limit():
    limits = TranslatorLimits(max_texts_per_request=2, max_characters_per_request=10)
    assert batches([], limits) == []
    assert batches(["a", "b", "c", "d", "e"], limits) == [[0, 1], [2, 3], [4]]
    assert batches(["12345", "12345", "1"], limits) == [[0, 1], [2]]  # exactly at the limit fits
    assert batches(["123456", "12345", "", ""], limits) == [[0], [1, 2], [3]]
    assert batches(["1234567890"], limits) == [[0]]
    with pytest.raises(TranslatorPermanent) as raised:
        batches(["ok", "12345678901"], limits)
    assert raised.value.code == TEXT_TOO_LONG and "text 2" in raised.value.detail and "12345678901" not in str(raised.value)


def test_the_default_limits_are_the_services_documented_ones():
    limits = AzureTranslator.from_mapping({"key": KEY}).limits
    assert limits == TranslatorLimits(max_texts_per_request=1000, max_characters_per_request=50_000)
    texts = ["x" * 100] * 1200
    assert [len(request) for request in batches(texts, limits)] == [500, 500, 200]


@pytest.mark.parametrize(("failure", "error", "code"), [
    ("429", TranslatorRetryable, "RATE_LIMITED"),
    ("500", TranslatorRetryable, "HTTP_500"),
    ("503", TranslatorRetryable, "HTTP_503"),
    ("400", TranslatorPermanent, "400036"),
    ("401", TranslatorPermanent, "401000"),
    ("malformed", TranslatorPermanent, "BAD_RESPONSE"),
    ("short", TranslatorPermanent, "BAD_RESPONSE"),
])
def test_failures_are_retryable_or_permanent_with_a_code(translator_service, failure, error, code):
    translator_service.fail_next(1, failure, retry_after="7")
    plugin = azure_for(translator_service)
    texts = ["Confidential: Jamie's results.", "Second text"]
    with pytest.raises(error) as raised:
        plugin.translate(texts, source="en", target="es", html=False)
    assert type(raised.value) is error and raised.value.code == code
    assert getattr(raised.value, "delay_seconds", None) == (7.0 if failure == "429" else None)
    shown = f"{raised.value} {raised.value!r} {raised.value.detail}"
    assert KEY not in shown and "Jamie" not in shown and "Second text" not in shown
    assert translator_service.attempts == 1  # no retry inside the plugin: the core owns retries
    # The next request is answered again.
    assert plugin.translate(texts, source="en", target="es", html=False)[1] == "[es] Second text"


def test_a_429_with_an_http_date_delays_until_that_time(translator_service):
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    translator_service.fail_next(1, "429", retry_after=email.utils.format_datetime(when, usegmt=True))
    with pytest.raises(TranslatorRetryable) as raised:
        azure_for(translator_service).translate(["Hi"], source="en", target="es", html=False)
    assert 100 <= raised.value.delay_seconds <= 120


def test_retry_after_reads_seconds_and_dates_and_ignores_nonsense():
    now = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
    assert retry_after({"retry-after": "30"}, now=now) == 30.0
    assert retry_after({"retry-after": "Sun, 06 Dec 2026 08:01:30 GMT"}, now=now) == 90.0
    assert retry_after({"retry-after": "Sun, 06 Dec 2026 07:00:00 GMT"}, now=now) == 0.0  # already past
    for nonsense in ("soon", "-5", "nan", "inf", "99999999"):
        assert retry_after({"retry-after": nonsense}, now=now) is None
    assert retry_after({}, now=now) is None


def test_an_unreachable_or_silent_service_is_retryable():
    unreachable = AzureTranslator.from_mapping({"key": KEY, "endpoint": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(TranslatorRetryable) as raised:
        unreachable.translate(["Hi"], source="en", target="es", html=False)
    assert raised.value.code == "UNREACHABLE"
    assert unreachable.check().startswith("Translator unreachable")
    with socket.socket() as silent:  # accepts the connection (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        plugin = AzureTranslator.from_mapping({"key": KEY, "timeout_seconds": 0.5,
                                               "endpoint": f"http://127.0.0.1:{silent.getsockname()[1]}"})
        with pytest.raises(TranslatorRetryable) as raised:
            plugin.translate(["Hi"], source="en", target="es", html=False)
    assert raised.value.code == "TIMEOUT"


def test_check_asks_the_language_list(translator_service):
    assert azure_for(translator_service).check() is None
    assert translator_service.language_checks == 1
    assert translator_service.attempts == 0  # no translation (no characters billed) to check readiness


def test_the_key_is_never_in_a_repr_the_redacted_config_an_error_or_a_log(translator_service, caplog):
    plugin = azure_for(translator_service)
    for shown in (repr(plugin), repr(plugin.config), str(plugin.config), str(plugin.config.redacted()),
                  repr(plugin.config.model_dump())):
        assert KEY not in shown
    assert plugin.config.redacted()["key"] == "**********"
    with caplog.at_level(logging.DEBUG):
        plugin.translate(["Private note for the Lee family"], source="en", target="es", html=False)
        translator_service.fail_next(1, "401")
        with pytest.raises(TranslatorPermanent):
            plugin.translate(["Private note for the Lee family"], source="en", target="es", html=False)
    assert caplog.records, "httpx logs each request"
    assert KEY not in caplog.text and "Lee family" not in caplog.text


def test_the_endpoint_may_be_a_custom_domain_path():
    config = AzureTranslatorConfig.model_validate(
        {"key": KEY, "endpoint": "https://homeroom-tr.cognitiveservices.azure.com/translator/text/v3.0/"})
    assert config.endpoint == "https://homeroom-tr.cognitiveservices.azure.com/translator/text/v3.0"
