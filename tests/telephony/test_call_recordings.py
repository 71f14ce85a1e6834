"""Recorded calls (VOI-04, VOI-05): uploaded to a draft, within the call-minute limit, replacing
any earlier recording, and played when the call is answered."""

from __future__ import annotations

import io
import math
import struct
import wave
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from domain.delivery.sending.envelopes import voice_content_url
from domain.delivery.fan_out import fan_out
from domain.messages.send import save_draft
from domain.access.permissions import Perm
from factories import add_contact, add_student, first_school_id, phone
from helpers import gid, make_user, set_district, token_for
from homeroom.settings import get_settings
from homeroom.routes.voice import voice_router
from jobs.runtime import current
from models.db import session_scope
from models.directory import Role
from models.messaging import Delivery, Message, MessageStatus
from models.speech import CallRecording
from resolve import request, viewer_for


def tone(seconds: float, rate: int = 16_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
                                   for n in range(int(seconds * rate))))
    return out.getvalue()


def upload(client, token, message_id: int, data: bytes, name="greeting.wav", *, path_id: str | None = None):
    """PUT the recording of message row ``message_id`` (its global id in the path, or ``path_id`` as given)."""
    path_id = gid("Message", message_id) if path_id is None else path_id
    return client.put(f"/messages/{path_id}/call-recording", files={"file": (name, data, "audio/wav")},
                      headers={"Authorization": f"Bearer {token}"})


def voice_draft(engine) -> Message:
    """The admin's draft call to a new family with a mobile phone."""
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, custodial=True, mobile_phone=phone())
    with session_scope(engine) as session:
        return save_draft(session, viewer_for(session, "admin"), request("PRIMARY_CONTACTS", [kid],
                                                                         channels=("VOICE",)))


def test_voi_04_voi_05_a_recording_within_the_limit_replaces_the_last_and_is_played(client, engine):
    """Covers VOI-04, VOI-05: a WAV up to the call-minute limit is stored in the telephone format;
    recording again replaces it; a longer one, or anything but a WAV, is refused with a code and
    changes nothing; without Phone Calls it is forbidden. An answered call plays it."""
    token = token_for(engine, "admin")
    draft = voice_draft(engine)
    first = upload(client, token, draft.id, tone(2.0))
    assert first.status_code == 201 and first.json() == {"messageId": gid("Message", draft.id), "seconds": 2.0}
    again = upload(client, token, draft.id, tone(3.0))
    assert again.json()["seconds"] == 3.0
    previous = set_district(engine, tts_minutes=1)
    try:
        too_long = upload(client, token, draft.id, tone(61.0, rate=8000))
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["code"] == "TOO_LONG"
        assert "61 seconds; the limit is 60 seconds" in too_long.json()["errors"][0]["message"]
        not_wav = upload(client, token, draft.id, b"ID3\x03 this is an mp3", name="greeting.mp3")
        assert not_wav.json()["errors"][0]["code"] == "UNSUPPORTED_AUDIO"
        set_district(engine, tts_minutes=2)
        assert upload(client, token, draft.id, tone(61.0, rate=8000)).status_code == 201
    finally:
        set_district(engine, **previous)
    no_calls = make_user(engine, Role.ADMIN, without=[Perm.PHONE_CALLS])
    assert upload(client, no_calls, draft.id, tone(1.0)).status_code == 403
    for path_id in (str(draft.id), gid("Student", draft.id), gid("Message", 999_999_999)):  # no id of this draft
        assert upload(client, token, draft.id, tone(1.0), path_id=path_id).status_code == 404, path_id
    with session_scope(engine) as session:
        rows = session.execute(select(CallRecording.seconds, CallRecording.data).where(
            CallRecording.message_id == draft.id)).all()
        assert [row.seconds for row in rows] == [61.0] and rows[0].data[20:22] == b"\x07\x00"  # µ-law
        message = session.get(Message, draft.id)
        message.status = MessageStatus.QUEUED
        session.add(message)
        session.flush()
        fan_out(session, draft.id)
        [call] = session.execute(select(Delivery.id).where(Delivery.message_id == draft.id)).scalars()
    app = FastAPI()
    app.include_router(voice_router(get_settings().model_copy(update={"public_base_url": "https://hr.example.org"}),
                                   engine))
    provider = TestClient(app)
    twiml = provider.post(urlsplit(voice_content_url(call, "https://hr.example.org", current().links.keys)).path).text
    played = twiml.split("<Play>")[1].split("</Play>")[0]
    assert played.startswith("https://hr.example.org/voice/recording/")
    audio = provider.get(urlsplit(played).path)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF" and len(audio.content) > 61 * 8000
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(CallRecording).where(
            CallRecording.message_id == draft.id)).scalar_one() == 1


def _header(data: bytes, **fields) -> bytes:
    """``data`` with fmt fields rewritten (offsets of the canonical 44-byte header)."""
    offsets = {"channels": (22, "<H"), "rate": (24, "<I"), "byte_rate": (28, "<I"), "bits": (34, "<H")}
    changed = bytearray(data)
    for name, value in fields.items():
        offset, layout = offsets[name]
        struct.pack_into(layout, changed, offset, value)
    return bytes(changed)


def silence(seconds: float, rate: int = 8_000, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(int(seconds * rate) * 2 * channels))
    return out.getvalue()


def test_issue_13_12_uploads_are_checked_from_the_header_before_any_conversion(client, engine, monkeypatch):
    """Covers VOI-04, VOI-05 (issue 13 point 12): a 19 MB WAV longer than the call-minute limit is
    refused from its header, never converted; a truncated WAV, a 2^31 Hz sample rate, 8-bit audio and
    a header with no audio are refused with their codes; each refusal stores nothing and keeps the
    recording there was. A valid stereo 44.1 kHz WAV still works."""
    import domain.telephony.call_recordings as recordings

    converted = []
    real = recordings.to_telephone_wav
    monkeypatch.setattr(recordings, "to_telephone_wav", lambda data: converted.append(len(data)) or real(data))
    token = token_for(engine, "admin")
    draft = voice_draft(engine)
    assert upload(client, token, draft.id, tone(2.0)).status_code == 201
    assert len(converted) == 1
    previous = set_district(engine, tts_minutes=1)
    try:
        huge = silence(19 * 1024 * 1024 / 16_000)  # 19 MB of 8 kHz audio: about 20 minutes
        assert len(huge) > 19_000_000
        two_seconds = tone(2.0)
        cases = [
            (huge, "TOO_LONG"),
            (two_seconds[: len(two_seconds) // 2], "TRUNCATED"),
            (two_seconds[:-1000], "TRUNCATED"),
            (_header(two_seconds, rate=2 ** 31), "BAD_SAMPLE_RATE"),
            (_header(silence(1.0), rate=4_000, byte_rate=8_000), "BAD_SAMPLE_RATE"),
            (_header(two_seconds, bits=8), "UNSUPPORTED_AUDIO"),
            (_header(two_seconds, channels=6), "UNSUPPORTED_AUDIO"),
            (silence(0), "EMPTY"),
            (b"RIFF\x04\x00\x00\x00WAVE", "UNSUPPORTED_AUDIO"),
        ]
        for data, code in cases:
            refused = upload(client, token, draft.id, data)
            assert refused.status_code == 422, (code, refused.text)
            [error] = refused.json()["errors"]
            assert (error["field"], error["code"]) == ("file", code), error
            assert error["message"]
        assert len(converted) == 1  # not one refused upload was converted
        with session_scope(engine) as session:
            assert list(session.execute(select(CallRecording.seconds).where(
                CallRecording.message_id == draft.id)).scalars()) == [2.0]
        stereo = upload(client, token, draft.id, silence(1.5, rate=44_100, channels=2))
        assert stereo.status_code == 201 and stereo.json()["seconds"] == 1.5
    finally:
        set_district(engine, **previous)
