"""Machine translation at fan-out (TRN-01, TRN-02, TRN-03 storage, TRN-04 precedence, TRN-06,
TRN-07, TRN-08): each recipient's language chosen by the district setting and fixed on the delivery,
each (message, language) translated once before dispatch, each copy sent in its language."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from channels.base import ChannelKind
from channels.translators.base import TranslatorConfig, TranslatorPermanent, TranslatorPlugin, TranslatorRetryable
from channels.translators.none import NoTranslator
from domain.delivery.sending.envelopes import voice_content_url
from domain.translations.machine import MAX_TRANSLATION_ATTEMPTS
from factories import add_contact, add_student, add_user, email, first_school_id
from fan_out_steps import (
    SENT,
    contacts_in,
    dispatch_all,
    hand_on_with,
    languages_of,
    recording_registry,
    send,
    statuses,
    translations_of,
)
from helpers import set_district
from homeroom.routes.voice import voice_router
from homeroom.settings import get_settings
from jobs.runtime import current
from models.db import session_scope
from models.directory import Contact, TranslationLanguageSource, User
from models.messaging import Delivery
from models.translations import MessageTranslation, TranslationOrigin
from resolve import resolve

_KEPT_OR_MARKUP = re.compile(r'(<span[^>]*translate="no"[^>]*>.*?</span>|<[^>]*>|&\w+;)', re.DOTALL)


class ShoutingTranslator(TranslatorPlugin):
    """Unit-test translator: "translates" by upper-casing every character the service may touch
    (not markup, entities or runs marked translate="no") behind a [language] tag; records calls."""

    name = "shouting"

    def __init__(self, config=None, *, fail_with=None):
        super().__init__(config or TranslatorConfig())
        self.calls: list[tuple[str, list[str]]] = []
        self.fail_with = list(fail_with or [])  # errors raised by the next calls, in order

    def translate(self, texts, *, source, target, html):
        assert html and source == "en"
        self.calls.append((target, list(texts)))
        if self.fail_with:
            failure = self.fail_with.pop(0)
            if failure is not None:
                raise failure
        return [f"[{target}] " + "".join(part if _KEPT_OR_MARKUP.fullmatch(part) else part.upper()
                                         for part in _KEPT_OR_MARKUP.split(text)) for text in texts]

    def languages_called(self) -> Counter:
        return Counter(target for target, _ in self.calls)


@pytest.fixture
def translations_on(engine):
    previous = set_district(engine, addon_translations=True, translation_glossary=["Lincoln High"],
                            translation_language_source=TranslationLanguageSource.DISPLAY_LANGUAGE)
    yield
    set_district(engine, **previous)


# --- TRN-01: the language each copy is in ------------------------------------------------------

def test_trn01_setting_1_reads_each_account_language_else_the_card(engine, translations_on):
    """TRN-01 setting 1: a contact's linked account's language, else the card's; a student's own
    account's, else the card's; staff their own; unsupported codes the original; codes canonical.
    TRN-03 (what is stored): the inbox rows record the same language as the emails."""
    school = first_school_id(engine)
    parent_account = add_user(engine, "PARENT", profile="Parent", language="vi")
    with_account = add_student(engine, school, language="so", primary_email=email("kid"))
    student_account = add_user(engine, "STUDENT", profile="Student", language="fr", student_id=with_account)
    without_account = add_student(engine, school, language="ES", primary_email=email("kid"))
    linked = add_contact(engine, with_account, email=email("p"), language="es", user_id=parent_account)
    card_only = add_contact(engine, without_account, email=email("p"), language="ar")
    odd = add_contact(engine, without_account, email=email("p"), language="xx-unknown", sort_order=2)
    staff = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher", email=email("staff"), language="zh-hans")
    rows, _ = resolve(engine, "admin", "STUDENTS_AND_ALL_CONTACTS", [with_account, without_account],
                      staff_ids=(staff,))
    language = {(row["recipient_kind"], row["recipient_id"]): row["language"] for row in rows
                if row["channel"] == "EMAIL"}
    assert language[("CONTACT", linked)] == "vi"
    assert language[("CONTACT", card_only)] == "ar"
    assert language[("CONTACT", odd)] == "en"
    assert language[("STUDENT", with_account)] == "fr"
    assert language[("STUDENT", without_account)] == "es"
    assert language[("USER", staff)] == "zh-Hans"
    inbox = {row["address"]: row["language"] for row in rows if row["channel"] == "INAPP"}
    assert inbox[f"user:{parent_account}"] == "vi" and inbox[f"user:{student_account}"] == "fr"


def test_trn01_setting_2_reads_the_students_primary_language_for_student_and_contacts(engine, translations_on):
    """TRN-01 setting 2: the student's primary-language field, for the student and every contact
    of that student, whatever their accounts or cards say; staff keep their own."""
    set_district(engine, translation_language_source=TranslationLanguageSource.STUDENT_PRIMARY_LANGUAGE)
    kid = add_student(engine, first_school_id(engine), language="so", primary_email=email("kid"))
    add_user(engine, "STUDENT", language="fr", student_id=kid)
    contact = add_contact(engine, kid, email=email("p"), language="es", user_id=add_user(engine, "PARENT", language="vi"))
    staff = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher", email=email("staff"), language="ht")
    rows, _ = resolve(engine, "admin", "STUDENTS_AND_ALL_CONTACTS", [kid], staff_ids=(staff,))
    language = {(row["recipient_kind"], row["recipient_id"]): row["language"] for row in rows
                if row["channel"] == "EMAIL"}
    assert language == {("STUDENT", kid): "so", ("CONTACT", contact): "so", ("USER", staff): "ht"}


# --- translate once, send each copy in its language ----------------------------------------------

def test_trn01_trn02_each_language_translated_once_before_dispatch_and_fixed_at_send(engine, translations_on):
    """TRN-01: one translation per language (never per recipient), written before any chunk is
    handed to dispatch, each email sent in its recipient's language with insert fields and glossary
    names untouched. TRN-02: the original's language is not translated; a later change of a
    recipient's language re-translates nothing and the recorded language stays."""
    students = contacts_in(engine, ["es", "es", "vi", "en", "so", "vi"])
    message_id = send(engine, students, subject="Picture day at Lincoln High",
                      html_body="<p>Dear {{student.first_name}}, picture day is at Lincoln High.</p>")
    translator = ShoutingTranslator()
    wait, jobs = hand_on_with(engine, message_id, translator)
    assert wait is None
    assert translator.languages_called() == Counter({"es": 1, "vi": 1, "so": 1})
    stored = translations_of(engine, message_id)
    assert set(stored) == {"es", "vi", "so"} and {row.origin for row in stored.values()} == {"MACHINE"}
    spanish = stored["es"]
    assert spanish.subject == "[es] PICTURE DAY AT Lincoln High"
    assert spanish.html_body == "[es] <p>DEAR {{student.first_name}}, PICTURE DAY IS AT Lincoln High.</p>"
    assert "DEAR {{student.first_name}}, PICTURE DAY" in spanish.text_body and spanish.sms_text is None

    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    sent = plugins[ChannelKind.EMAIL].envelopes
    assert len(sent) == 6 and statuses(engine, message_id) == Counter({SENT: 6})
    by_language = {envelope.language: envelope for envelope in sent}
    assert by_language["es"].subject.startswith("[es] PICTURE DAY") and "[es] <p>DEAR Kid," in by_language["es"].html_body
    assert by_language["en"].subject == "Picture day at Lincoln High"
    assert by_language["so"].text_body.startswith("[so]") and "DEAR Kid, PICTURE DAY" in by_language["so"].text_body

    with session_scope(engine) as session:  # TRN-02: the language is fixed when sent
        session.execute(update(Contact).where(Contact.student_id.in_(students)).values(language="ar"))
    again, more = hand_on_with(engine, message_id, translator)
    assert again is None and more.dispatched == [] and len(translator.calls) == 3
    assert set(languages_of(engine, message_id).values()) == {"es", "vi", "en", "so"}


def test_trn01_sms_and_call_in_the_language_and_the_call_in_its_voice(engine, translations_on):
    """TRN-01: the SMS text and the call script are translated too, and the call's TwiML speaks
    the translated script in the delivery's language's voice."""
    students = contacts_in(engine, ["es"])
    message_id = send(engine, students, channels=("SMS", "VOICE"), sms_text="No school tomorrow",
                      call_text="School is closed tomorrow, {{student.first_name}}.")
    translator = ShoutingTranslator()
    wait, jobs = hand_on_with(engine, message_id, translator)
    assert wait is None and translator.languages_called() == Counter({"es": 1})
    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    [sms] = plugins[ChannelKind.SMS].envelopes
    assert sms.text == "[es] NO SCHOOL TOMORROW" and sms.language == "es"
    [call] = plugins[ChannelKind.VOICE].envelopes
    assert call.script == "[es] SCHOOL IS CLOSED TOMORROW, Kid." and call.language == "es"

    settings = get_settings().model_copy(update={"speech_plugin": "twilio-say",
                                                 "public_base_url": "https://hr.example.org"})
    app = FastAPI()
    app.include_router(voice_router(settings, engine))
    twiml = TestClient(app).post(urlsplit(voice_content_url(int(call.reference), "https://hr.example.org",
                                                            current().links.keys)).path).text
    assert '<Say language="es-' in twiml and "[es] SCHOOL IS CLOSED TOMORROW, Kid." in twiml


def test_trn04_a_manual_translation_wins_for_its_language_others_are_machine_translated(engine, translations_on):
    """TRN-04 (what fan-out does with it): the manual Spanish text is sent to Spanish readers and
    Spanish is not machine-translated; Vietnamese still is."""
    students = contacts_in(engine, ["es", "vi"])
    message_id = send(engine, students, subject="Field trip", html_body="<p>Bring lunch.</p>")
    with session_scope(engine) as session:
        session.add(MessageTranslation(message_id=message_id, language="es", origin=TranslationOrigin.MANUAL,
                                       subject="Excursión", html_body="<p>Traigan almuerzo.</p>"))
    translator = ShoutingTranslator()
    _, jobs = hand_on_with(engine, message_id, translator)
    assert translator.languages_called() == Counter({"vi": 1})
    assert translations_of(engine, message_id)["es"].origin == "MANUAL"
    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    by_language = {envelope.language: envelope for envelope in plugins[ChannelKind.EMAIL].envelopes}
    assert by_language["es"].subject == "Excursión" and by_language["es"].text_body == "Traigan almuerzo."
    assert by_language["vi"].subject == "[vi] FIELD TRIP"


def test_trn08_without_the_add_on_every_copy_is_the_original(engine, translations_on):
    """TRN-08: without the Translations add-on nothing is translated and every copy (even one
    whose language has a stored text) is the original."""
    set_district(engine, addon_translations=False)
    students = contacts_in(engine, ["es", "vi"])
    message_id = send(engine, students, subject="Snow day", html_body="<p>Stay home.</p>")
    with session_scope(engine) as session:
        session.add(MessageTranslation(message_id=message_id, language="es", subject="Día de nieve"))
    translator = ShoutingTranslator()
    _, jobs = hand_on_with(engine, message_id, translator)
    assert translator.calls == [] and set(translations_of(engine, message_id)) == {"es"}
    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    assert {envelope.subject for envelope in plugins[ChannelKind.EMAIL].envelopes} == {"Snow day"}


def test_trn01_the_none_translator_translates_nothing(engine, translations_on):
    """TRN-01 with the offline ``none`` translator: no translation is written; the original goes."""
    message_id = send(engine, contacts_in(engine, ["es"]), subject="Concert")
    wait, jobs = hand_on_with(engine, message_id, NoTranslator(TranslatorConfig()))
    assert wait is None and translations_of(engine, message_id) == {} and jobs.dispatched


def test_trn06_trn07_copy_self_stays_original_and_the_cc_rides_on_the_translated_email(engine, translations_on):
    """TRN-06: the sender's own copy is the original (recorded in the original's language), even
    for a sender who reads Spanish. TRN-07: the Cc goes with the first email, translated as that
    email is."""
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
        previous = admin.language, admin.email
        admin.language, admin.email = "es", admin.email or email("admin")
    try:
        students = contacts_in(engine, ["es"])
        message_id = send(engine, students, subject="Early release", copy_self=True, cc=("board@example.org",),
                          cc_first_only=True)
        translator = ShoutingTranslator()
        _, jobs = hand_on_with(engine, message_id, translator)
        registry, plugins = recording_registry()
        dispatch_all(engine, jobs, registry)
    finally:
        with session_scope(engine) as session:
            session.execute(update(User).where(User.login == "admin").values(language=previous[0], email=previous[1]))
    with session_scope(engine) as session:
        own = session.execute(select(Delivery.id, Delivery.language).where(
            Delivery.message_id == message_id, Delivery.recipient_kind == "USER", Delivery.channel == "EMAIL")).one()
    assert own.language == "en"
    by_reference = {int(envelope.reference): envelope for envelope in plugins[ChannelKind.EMAIL].envelopes}
    assert by_reference[own.id].subject == "Early release" and by_reference[own.id].cc == ()
    [with_cc] = [envelope for envelope in by_reference.values() if envelope.cc]
    assert with_cc.cc == ("board@example.org",) and with_cc.subject == "[es] EARLY RELEASE"


# --- failures -------------------------------------------------------------------------------------

def test_trn01_a_busy_translator_delays_dispatch_then_succeeds_and_nothing_is_sent_twice(engine, translations_on):
    """TRN-01: a retryable failure (the service's 429 with Retry-After) hands nothing to dispatch
    and asks the job to run again after the service's delay; the next run translates only what is
    missing, then dispatches; a further run sends nothing again."""
    students = contacts_in(engine, ["es", "vi", "so"])
    message_id = send(engine, students, subject="Bus delay")
    translator = ShoutingTranslator(fail_with=[None, TranslatorRetryable("RATE_LIMITED", delay_seconds=2.5)])
    wait, jobs = hand_on_with(engine, message_id, translator)
    assert wait == 2.5 and jobs.dispatched == []
    assert set(translations_of(engine, message_id)) == {"es"}  # the first language, kept
    wait, jobs = hand_on_with(engine, message_id, translator, attempt=1)
    assert wait is None and translator.languages_called() == Counter({"es": 1, "so": 2, "vi": 1})
    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    _, rerun = hand_on_with(engine, message_id, translator, attempt=0)
    dispatch_all(engine, rerun, registry)
    references = Counter(envelope.reference for envelope in plugins[ChannelKind.EMAIL].envelopes)
    assert len(references) == 3 and set(references.values()) == {1}
    assert statuses(engine, message_id) == Counter({SENT: 3})
    assert all(envelope.subject.startswith(f"[{envelope.language}] ")
               for envelope in plugins[ChannelKind.EMAIL].envelopes)


def test_trn01_a_permanent_failure_sends_that_language_the_original(engine, translations_on, caplog):
    """TRN-01: a permanent failure for one language leaves it the original (logged with its code,
    never the text); the other languages are translated; after the last attempt a busy service
    no longer holds the message back."""
    message_id = send(engine, contacts_in(engine, ["es", "vi"]), subject="Secret plans for Friday")
    translator = ShoutingTranslator(fail_with=[TranslatorPermanent("UNSUPPORTED_LANGUAGE")])
    with caplog.at_level("WARNING"):
        wait, jobs = hand_on_with(engine, message_id, translator)
    assert wait is None and set(translations_of(engine, message_id)) == {"vi"}
    assert "UNSUPPORTED_LANGUAGE" in caplog.text and "Secret plans" not in caplog.text
    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    # The Spanish reader's email is the original and declares the original's language.
    assert {e.language: e.subject for e in plugins[ChannelKind.EMAIL].envelopes} == {
        "en": "Secret plans for Friday", "vi": "[vi] SECRET PLANS FOR FRIDAY"}

    busy = send(engine, contacts_in(engine, ["so"]), subject="Busy")
    always = ShoutingTranslator(fail_with=[TranslatorRetryable("BUSY")] * 10)
    wait, _ = hand_on_with(engine, busy, always, attempt=0)
    assert wait is not None and wait > 0
    wait, last = hand_on_with(engine, busy, always, attempt=MAX_TRANSLATION_ATTEMPTS - 1)
    assert wait is None and last.dispatched and translations_of(engine, busy) == {}
