"""Call audio: synthesized once per message, language and script, kept in the database beside the
message (deleted with it) and served from an unguessable URL."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from channels.speech.synthesis import SpeechPlugin
from models.speech import SpeechAudio

CONTENT_TYPE = "audio/wav"


def audio_for(session: Session, plugin: SpeechPlugin, message_id: int, language: str, script: str) -> int:
    """The id of the script's audio, synthesized now unless kept already (SpeechFailed passes up)."""
    digest = hashlib.sha256(script.encode()).hexdigest()
    key = (SpeechAudio.message_id == message_id, SpeechAudio.language == language, SpeechAudio.script_sha256 == digest)
    found = session.execute(select(SpeechAudio.id).where(*key)).scalar_one_or_none()
    if found is not None:
        return found
    audio = plugin.synthesize(script, language)
    try:
        with session.begin_nested():  # another call of the same message may have just stored it
            row = SpeechAudio(message_id=message_id, language=language, script_sha256=digest,
                              content_type=CONTENT_TYPE, data=audio)
            session.add(row)
        return row.id
    except IntegrityError:
        return session.execute(select(SpeechAudio.id).where(*key)).scalar_one()


def audio_bytes(session: Session, audio_id: int) -> tuple[str, bytes] | None:
    row = session.execute(select(SpeechAudio.content_type, SpeechAudio.data).where(
        SpeechAudio.id == audio_id)).first()
    return (row.content_type, bytes(row.data)) if row else None
