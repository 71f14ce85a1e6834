"""Machine translation at fan-out through the ``azure`` translator plugin and the local Translator
stand-in (issue 19 acceptance): a 2,000-recipient message in four languages makes one batch set per
language; a 429 delays and succeeds; nothing is sent twice."""

from __future__ import annotations

from collections import Counter

import pytest

from channels.base import ChannelKind
from channels.translators.azure import AzureTranslator
from fan_out_steps import SENT, bulk_families, dispatch_all, hand_on_with, recording_registry, send, statuses
from fan_out_steps import translations_of
from helpers import set_district
from models.directory import TranslationLanguageSource

LANGUAGES = ["es", "vi", "so", "ar"]


@pytest.fixture
def translations_on(engine):
    previous = set_district(engine, addon_translations=True, translation_glossary=["Lincoln High"],
                            translation_language_source=TranslationLanguageSource.DISPLAY_LANGUAGE)
    yield
    set_district(engine, **previous)


def test_trn01_trn02_2000_recipients_in_four_languages_one_batch_set_each_a_429_delays_nothing_twice(
        engine, translations_on, translator_service):
    """TRN-01, TRN-02: 2,000 contacts reading Spanish, Vietnamese, Somali and Arabic. The first
    request meets a 429 with Retry-After: the hand-on job hands nothing to dispatch and asks to run
    again after the service's delay. The next run translates each language in one request (subject
    and body together; one batch set per language, never per recipient), then hands out every
    delivery; each email carries its language's text with the insert field and the glossary name
    untouched; a further run sends nothing twice (the sink and the ledger agree)."""
    students = bulk_families(engine, LANGUAGES, per_language=500)
    message_id = send(engine, students, subject="Lincoln High open house",
                      html_body="<p>Dear {{student.first_name}}, welcome to Lincoln High.</p>")
    translator = AzureTranslator.from_mapping(translator_service.plugin_config())
    translator_service.fail_next(1, "429", retry_after="2")

    wait, jobs = hand_on_with(engine, message_id, translator)
    assert wait == 2.0 and jobs.dispatched == [] and translations_of(engine, message_id) == {}
    assert statuses(engine, message_id) == Counter({"QUEUED": 2000})

    wait, jobs = hand_on_with(engine, message_id, translator, attempt=1)
    assert wait is None and translator_service.refusals == []
    assert translator_service.requests_per_language() == {language: 1 for language in LANGUAGES}
    assert all(request.text_type == "html" and len(request.texts) == 2 for request in translator_service.requests)
    stored = translations_of(engine, message_id)
    assert set(stored) == set(LANGUAGES) and {row.origin for row in stored.values()} == {"MACHINE"}

    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    _, rerun = hand_on_with(engine, message_id, translator)
    dispatch_all(engine, rerun, registry)
    sent = plugins[ChannelKind.EMAIL].envelopes
    assert Counter(Counter(envelope.reference for envelope in sent).values()) == Counter({1: 2000})
    assert statuses(engine, message_id) == Counter({SENT: 2000})
    assert Counter(envelope.language for envelope in sent) == Counter({language: 500 for language in LANGUAGES})
    somali = next(envelope for envelope in sent if envelope.language == "so")
    assert somali.subject == "Lincoln High [so] open house"  # the name kept, untranslated
    assert somali.html_body == "<p>[so] Dear Kid[so] , welcome to Lincoln High[so] .</p>"  # field filled in after
    assert sum(translator_service.requests_per_language().values()) == 4  # the rerun asked for nothing
