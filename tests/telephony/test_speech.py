"""Speech for calls: espeak-ng audio in a telephone format, played from an unguessable URL and
kept once per message, language and script, deleted with the message; Azure through the real
SDK against a local stand-in for its speech service: escaped SSML, audio, and failures."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from channels.speech.synthesis import SpeechFailed, load_speech_plugin
from channels.speech.azure import AzureSpeech, AzureSpeechConfig, ssml_for
from domain.delivery.sending.envelopes import voice_content_url
from domain.telephony.speech_audio import audio_for
from factories import add_contact, add_student, first_school_id, phone
from helpers import set_district
from homeroom.settings import get_settings
from homeroom.routes.voice import voice_router
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Delivery, Message
from models.speech import SpeechAudio
from models.translations import MessageTranslation, TranslationOrigin
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from resolve import request, viewer_for
from peers.azure_speech import azure_speech  # noqa: F401  (fixture)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (Debian: apt install espeak-ng; .ci/run does)")


def mulaw_header(data: bytes) -> tuple[int, int, int, int]:
    """(format, channels, rate, bits) of a WAV file's fmt chunk."""
    import struct

    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and data[12:16] == b"fmt "
    audio_format, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[20:36])
    return audio_format, channels, rate, bits


@needs_espeak
def test_espeak_speaks_in_telephone_format():
    """espeak-ng's audio becomes 8 kHz mono G.711 µ-law, about as long as it speaks."""
    audio = load_speech_plugin("espeak", {}).synthesize("Mañana no hay clases. Gracias.", "es")
    assert mulaw_header(audio) == (7, 1, 8000, 8)
    seconds = (len(audio) - 58) / 8000
    assert 1.0 < seconds < 6.0


@needs_espeak
def test_calls_play_audio_kept_once_per_script_and_deleted_with_the_message(engine):
    """Two recipients of one script get one synthesized audio; the TwiML plays it from a signed
    URL that serves the audio, and a guessed one 404s; deleting the message deletes its audio."""
    kids = [add_student(engine, first_school_id(engine)) for _ in range(2)]
    for kid in kids:
        add_contact(engine, kid, custodial=True, mobile_phone=phone())
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", kids, channels=("VOICE",), call_text="The buses leave at noon today."))
        fan_out(session, message.id)
        calls = list(session.execute(select(Delivery.id).where(Delivery.message_id == message.id)).scalars())
    settings = get_settings().model_copy(update={"speech_plugin": "espeak", "public_base_url": "https://hr.example.org"})
    app = FastAPI()
    app.include_router(voice_router(settings, engine))
    provider = TestClient(app)
    played = set()
    for delivery_id in calls:
        url = voice_content_url(delivery_id, "https://hr.example.org", current().links.keys)
        twiml = provider.post(urlsplit(url).path).text
        assert "<Play>https://hr.example.org/voice/audio/" in twiml
        played.add(twiml.split("<Play>")[1].split("</Play>")[0])
    assert len(played) == 1
    audio = provider.get(urlsplit(played.pop()).path)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert mulaw_header(audio.content) == (7, 1, 8000, 8)
    assert provider.get("/voice/audio/1.AAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(SpeechAudio).where(
            SpeechAudio.message_id == message.id)).scalar_one() == 1
        draft = Message(sender_id=message.sender_id, subject="x", html_body="x", text_body="x")
        session.add(draft)
        session.flush()
        audio_for(session, load_speech_plugin("espeak", {}), draft.id, "en", "Goodbye.")
        session.execute(delete(Message).where(Message.id == draft.id))
        assert session.execute(select(SpeechAudio.id).where(SpeechAudio.message_id == draft.id)).first() is None


def test_azure_ssml_escapes_the_text_so_it_cannot_add_markup():
    """Message text with SSML in it is read out as text: no element of it survives."""
    ssml = ssml_for('Hi <break time="10s"/> & <voice name="evil">x</voice>', "es")
    assert ssml.count("<voice ") == 1 and "es-US-PalomaNeural" in ssml and 'xml:lang="es-US"' in ssml
    assert "&lt;break time=\"10s\"/&gt; &amp; &lt;voice" in ssml


def test_azure_failure_in_the_result_is_surfaced_without_the_key():
    """The real SDK reports a failed synthesis in its result, not as an exception: against an
    endpoint that answers nothing the plugin raises SpeechFailed with Azure's error code, never the key."""
    plugin = AzureSpeech(AzureSpeechConfig(key="azure-secret-key-123", endpoint="ws://127.0.0.1:9/tts"))
    with pytest.raises(SpeechFailed) as failure:
        plugin.synthesize("Hello", "en")
    assert "ConnectionFailure" in str(failure.value) and "azure-secret-key-123" not in str(failure.value)


AZURE_KEY = "azure-secret-key-456"


def azure(endpoint: str) -> AzureSpeech:
    return AzureSpeech(AzureSpeechConfig(key=AZURE_KEY, endpoint=endpoint))


def test_azure_synthesis_through_the_sdk_gives_escaped_ssml_and_telephone_audio(azure_speech):
    """The real SDK against a local stand-in for Azure's speech service: the service receives one
    SSML document with the language's neural voice and the message text escaped inside it, asked
    for 8 kHz PCM with the key in the connection's header only; what comes back is µ-law telephone
    audio as long as the service spoke."""
    text = 'Bus 12 is late <break time="9s"/> & "early" pickup'
    audio = azure(azure_speech.url).synthesize(text, "es")
    assert mulaw_header(audio) == (7, 1, 8000, 8)
    assert abs((len(audio) - 58) / 8000 - azure_speech.seconds) < 0.05
    [ssml] = azure_speech.ssml
    assert ssml == ssml_for(text, "es")
    document = ElementTree.fromstring(ssml)
    [voice] = list(document)
    assert voice.get("name") == "es-US-PalomaNeural" and list(voice) == [] and voice.text == text
    assert azure_speech.output_formats == ["raw-8khz-16bit-mono-pcm"]
    assert azure_speech.connection_headers[0]["ocp-apim-subscription-key"] == AZURE_KEY


def test_azure_service_error_is_surfaced_with_its_code_and_without_the_key(azure_speech):
    """The service closing the connection with an error (1007, a bad SSML document) comes back
    from the SDK as a cancelled result; the plugin turns it into SpeechFailed with Azure's reason,
    code and details, and never the key."""
    azure_speech.close_with = (1007, "Invalid SSML: the voice does not exist")
    with pytest.raises(SpeechFailed) as failure:
        azure(azure_speech.url).synthesize("Hello", "en")
    message = str(failure.value)
    assert "Error" in message and "1007" in message and "Invalid SSML" in message
    assert AZURE_KEY not in message


@pytest.fixture
def translations_add_on(engine):
    previous = set_district(engine, addon_translations=True)
    yield
    set_district(engine, **previous)


def test_a_call_plays_azure_audio_synthesized_once_and_falls_back_to_say(engine, azure_speech, caplog,
                                                                         translations_add_on):
    """With `azure` as the speech plugin, two Spanish-speaking recipients of one Spanish script
    (the message's Spanish call text, TRN-01) cost one synthesis; the call's TwiML plays the
    telephone audio from a signed URL. When the service fails, the call reads the script with
    <Say> in the language instead, and the log never holds the key."""
    kids = [add_student(engine, first_school_id(engine)) for _ in range(2)]
    for kid in kids:
        add_contact(engine, kid, custodial=True, mobile_phone=phone(), language="es")
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", kids, channels=("VOICE",), call_text="No school tomorrow."))
        session.add(MessageTranslation(message_id=message.id, language="es", origin=TranslationOrigin.MANUAL,
                                       call_text="Mañana no hay clases."))
        session.flush()
        fan_out(session, message.id)
        calls = list(session.execute(select(Delivery.id).where(Delivery.message_id == message.id)).scalars())

    def provider(endpoint):
        settings = get_settings().model_copy(update={
            "speech_plugin": "azure", "speech_config": {"key": AZURE_KEY, "endpoint": endpoint},
            "public_base_url": "https://hr.example.org"})
        app = FastAPI()
        app.include_router(voice_router(settings, engine))
        return TestClient(app)

    def twiml_of(client, delivery_id):
        return client.post(urlsplit(voice_content_url(delivery_id, "https://hr.example.org",
                                                      current().links.keys)).path).text

    client = provider(azure_speech.url)
    played = {twiml_of(client, delivery_id).split("<Play>")[1].split("</Play>")[0] for delivery_id in calls}
    assert len(played) == 1 and len(azure_speech.ssml) == 1 and "es-US-PalomaNeural" in azure_speech.ssml[0]
    audio = client.get(urlsplit(played.pop()).path)
    assert audio.status_code == 200 and mulaw_header(audio.content) == (7, 1, 8000, 8)

    with session_scope(engine) as session:
        session.execute(delete(SpeechAudio).where(SpeechAudio.message_id == message.id))
    azure_speech.close_with = (1011, "Internal service error")
    with caplog.at_level("WARNING"):
        fallback = twiml_of(provider(azure_speech.url), calls[0])
    assert '<Say language="es-' in fallback and "Mañana no hay clases." in fallback
    assert "Internal service error" in caplog.text and AZURE_KEY not in caplog.text
