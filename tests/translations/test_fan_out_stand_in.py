"""Machine translation at fan-out through the ``azure`` translator plugin and the local Translator
stand-in (issue 19 acceptance): a 2,000-recipient message in four languages makes one batch set per
language; a 429 delays and succeeds; nothing is sent twice."""

from __future__ import annotations

from collections import Counter

import pytest

from channels.base import ChannelKind
from channels.translators.azure import AzureTranslator
from fan_out_steps import SENT, bulk_families, dispatch_all, hand_on_with, recording_registry, send, statuses
from fan_out_steps import contacts_in, translations_of
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


def test_trn01_the_hand_on_job_runs_again_after_the_services_retry_after(
        engine, runtime, translations_on, translator_service):
    """TRN-01, the job's side: when the service answers 429, the hand-on actor hands out nothing
    and enqueues itself again with the service's Retry-After as the delay and the attempt counted;
    that run translates and hands every delivery to dispatch. (A StubBroker stands in for Redis so
    no worker of the session takes the jobs; the actors, the plugin and the stand-in are real.)"""
    import dataclasses

    import jobs.runtime as installed
    from dramatiq import Message
    from dramatiq.brokers.stub import StubBroker

    from domain.delivery.lanes import Lane
    from jobs.hand_on import HAND_ON

    stub = StubBroker()
    translator = AzureTranslator.from_mapping(translator_service.plugin_config())
    installed.install(dataclasses.replace(runtime, broker=stub, jobs=dataclasses.replace(runtime.jobs, broker=stub),
                                          translator=translator))
    try:
        students = bulk_families(engine, LANGUAGES, per_language=5)
        message_id = send(engine, students, subject="Half day")
        translator_service.fail_next(1, "429", retry_after="4")
        HAND_ON[Lane.NORMAL].fn(message_id)
        assert stub.queues["deliveries_normal"].qsize() == 0
        [again] = [Message.decode(stub.queues["hand_on_normal.DQ"].get_nowait())]
        assert again.args == (message_id, 1) and again.options["eta"] - again.message_timestamp >= 4000
        HAND_ON[Lane.NORMAL].fn(*again.args)
        handed = [Message.decode(stub.queues["deliveries_normal"].get_nowait())
                  for _ in range(stub.queues["deliveries_normal"].qsize())]
    finally:
        installed.install(runtime)
    assert sum(len(job.args[0]) for job in handed) == 20
    assert translator_service.requests_per_language() == {language: 1 for language in LANGUAGES}
    assert set(translations_of(engine, message_id)) == set(LANGUAGES)


def test_trn01_what_the_service_answers_is_untrusted_bodies_are_sanitised_plain_texts_lose_markup(
        engine, translations_on, translator_service):
    """TRN-01: a translation comes from outside. The body the service returns goes through the
    policy every stored body does (no script, no event handler), and a subject, SMS or call script
    keeps no tag at all, before anything is stored or sent."""
    students = contacts_in(engine, ["es"])
    message_id = send(engine, students, channels=("EMAIL", "SMS"), subject="Picture day",
                      html_body="<p>Picture day is <b>Friday</b>.</p>", sms_text="Picture day Friday")
    translator = AzureTranslator.from_mapping(translator_service.plugin_config())
    translator_service.fail_next(1, "markup")
    wait, jobs = hand_on_with(engine, message_id, translator)
    assert wait is None and translator_service.attempts == 1
    spanish = translations_of(engine, message_id)["es"]
    for stored in (spanish.html_body, spanish.subject, spanish.sms_text):
        assert "<script" not in stored and "onerror" not in stored and "alert(1)" not in stored
    assert "<b>Friday</b>" in spanish.html_body  # what the policy allows an author's body stays
    assert spanish.subject == "[es] Picture day" and spanish.sms_text == "[es] Picture day Friday"
    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    [mail] = plugins[ChannelKind.EMAIL].envelopes
    assert "<script" not in mail.html_body and "onerror" not in mail.html_body and mail.subject == "[es] Picture day"


@pytest.mark.parametrize(("retry_after", "emergency"), [("600", False), ("2", True)], ids=["past-budget", "emergency"])
def test_trn01_a_busy_translator_never_holds_sending_past_its_budget_nor_an_emergency_at_all(
        engine, translations_on, translator_service, retry_after, emergency):
    """TRN-01: a 429 whose Retry-After would hold the message past SEND_WAIT_BUDGET (well inside the
    queue run's 10-minute rescue of stale deliveries), or any wait for an emergency, is not waited
    for: the deliveries go out at once in the original, each once, and nothing is left for a rescue
    to hand out again."""
    students = contacts_in(engine, ["es", "vi"])
    message_id = send(engine, students, channels=("EMAIL", "SMS"), subject="Closing early",
                      html_body="<p>School closes at noon.</p>", sms_text="School closes at noon", emergency=emergency)
    translator = AzureTranslator.from_mapping(translator_service.plugin_config())
    translator_service.fail_next(1, "429", retry_after=retry_after)
    wait, jobs = hand_on_with(engine, message_id, translator)
    assert wait is None and translations_of(engine, message_id) == {}
    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    sent = plugins[ChannelKind.EMAIL].envelopes
    assert [envelope.subject for envelope in sent] == ["Closing early", "Closing early"]
    assert [envelope.text for envelope in plugins[ChannelKind.SMS].envelopes] == ["School closes at noon"] * 2
    assert statuses(engine, message_id) == Counter({SENT: 2}) == statuses(engine, message_id, "SMS")
