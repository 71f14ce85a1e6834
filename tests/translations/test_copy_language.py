"""The language each envelope declares is the language of the text it carries (TRN-01, TRN-04,
TRN-08, VOI-01): a call's voice and an email's Content-Language follow the script and body
actually sent, never only the delivery's recorded language."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient

from channels.base import ChannelKind
from channels.email.format import compose_email
from channels.translators.base import TranslatorPermanent
from channels.translators.none import NoTranslator
from channels.translators.base import TranslatorConfig
from domain.delivery.sending.envelopes import voice_content_url
from fan_out_steps import contacts_in, dispatch_all, hand_on_with, languages_of, recording_registry, send
from helpers import set_district
from homeroom.routes.voice import voice_router
from homeroom.settings import get_settings
from jobs.runtime import current
from models.db import session_scope
from models.translations import MessageTranslation, TranslationOrigin
from test_machine_fan_out import ShoutingTranslator, translations_on  # noqa: F401  (fixture)

CHANNELS = ("EMAIL", "SMS", "VOICE")


def sent(engine, message_id, translator):
    _, jobs = hand_on_with(engine, message_id, translator)
    registry, plugins = recording_registry()
    dispatch_all(engine, jobs, registry)
    return {kind: plugins[kind].envelopes for kind in (ChannelKind.EMAIL, ChannelKind.SMS, ChannelKind.VOICE)}


def content_languages(envelope) -> set[str]:
    """The Content-Language the composed email declares (on whichever part carries it)."""
    composed = compose_email(envelope, from_address="school@example.org", message_id_domain="example.org")
    return {part["Content-Language"] for part in composed.walk()} - {None}


def twiml_of(engine, call) -> str:
    settings = get_settings().model_copy(update={"speech_plugin": "twilio-say",
                                                 "public_base_url": "https://hr.example.org"})
    app = FastAPI()
    app.include_router(voice_router(settings, engine))
    return TestClient(app).post(urlsplit(voice_content_url(int(call.reference), "https://hr.example.org",
                                                           current().links.keys)).path).text


def test_trn08_voi01_without_the_add_on_the_english_script_is_spoken_in_english(engine, translations_on):
    """TRN-08: without the add-on a Spanish reader's copies are the original, so the call speaks
    the English script in an English voice and the email and SMS declare English; the delivery
    still records the reader's language."""
    set_district(engine, addon_translations=False)
    students = contacts_in(engine, ["es"])
    message_id = send(engine, students, channels=CHANNELS, subject="Snow day", html_body="<p>Stay home.</p>",
                      sms_text="Snow day, stay home", call_text="School is closed today.")
    envelopes = sent(engine, message_id, ShoutingTranslator())
    [email], [sms], [call] = envelopes[ChannelKind.EMAIL], envelopes[ChannelKind.SMS], envelopes[ChannelKind.VOICE]
    assert (email.language, sms.language, call.language) == ("en", "en", "en")
    assert content_languages(email) == {"en"}
    twiml = twiml_of(engine, call)
    assert '<Say language="en-US">' in twiml and "School is closed today." in twiml
    assert set(languages_of(engine, message_id).values()) == {"es"}


def test_trn01_the_none_translator_and_a_permanent_failure_leave_the_call_in_english(engine, translations_on):
    """TRN-01: with the ``none`` translator, or a permanent failure for the language, the call's
    script is the original and is spoken in the original's voice."""
    none_message = send(engine, contacts_in(engine, ["es"]), channels=("VOICE",), call_text="No school.")
    [call] = sent(engine, none_message, NoTranslator(TranslatorConfig()))[ChannelKind.VOICE]
    assert call.script == "No school." and call.language == "en"
    assert '<Say language="en-US">' in twiml_of(engine, call)

    failed = send(engine, contacts_in(engine, ["vi"]), channels=("VOICE", "SMS"), call_text="No school.",
                  sms_text="No school")
    envelopes = sent(engine, failed, ShoutingTranslator(fail_with=[TranslatorPermanent("UNSUPPORTED_LANGUAGE")]))
    [call], [sms] = envelopes[ChannelKind.VOICE], envelopes[ChannelKind.SMS]
    assert (call.script, call.language, sms.text, sms.language) == ("No school.", "en", "No school", "en")


def test_trn04_a_manual_translation_without_call_text_speaks_the_original_script_in_english(engine, translations_on):
    """TRN-04: a manual Spanish text with a subject and body but no call or SMS text: the email
    is Spanish and says so; the message's own call script is English and spoken in English; the
    SMS, made from the translated subject and body, is Spanish."""
    students = contacts_in(engine, ["es"])
    message_id = send(engine, students, channels=CHANNELS, subject="Field trip", html_body="<p>Bring lunch.</p>",
                      call_text="Bring lunch tomorrow.")
    with session_scope(engine) as session:
        session.add(MessageTranslation(message_id=message_id, language="es", origin=TranslationOrigin.MANUAL,
                                       subject="Excursión", html_body="<p>Traigan almuerzo.</p>"))
    envelopes = sent(engine, message_id, ShoutingTranslator())
    [email], [sms], [call] = envelopes[ChannelKind.EMAIL], envelopes[ChannelKind.SMS], envelopes[ChannelKind.VOICE]
    assert email.subject == "Excursión" and email.language == "es"
    assert content_languages(email) == {"es"}
    assert sms.text.startswith("Excursión: Traigan almuerzo.") and sms.language == "es"
    assert call.script == "Bring lunch tomorrow." and call.language == "en"
    assert '<Say language="en-US">' in twiml_of(engine, call)
