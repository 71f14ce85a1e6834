"""Recorded calls (VOI-04, VOI-05): a WAV the sender uploads to their draft or scheduled message,
no longer than the district's call-minute limit (SYS-11). It is stored in the telephone format,
replaces any earlier recording, and is played instead of text-to-speech."""

from __future__ import annotations

import io
import wave

from sqlalchemy import delete, select
from sqlmodel import Session

from channels.speech import SpeechFailed, to_telephone_wav
from domain.attachments import _own_editable
from domain.errors import FieldProblem, InvalidInput
from domain.permissions import Perm
from domain.viewer import Viewer
from models.messaging import Message
from models.speech import CallRecording

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _problem(code: str, message: str) -> InvalidInput:
    return InvalidInput([FieldProblem(("file",), code, message)])


def record(session: Session, viewer: Viewer, message_id: int, data: bytes) -> CallRecording:
    if not viewer.permissions.has(Perm.PHONE_CALLS):
        raise PermissionError('Requires "Phone Calls" (Edit) [PERM-38, PERM-56] with the callout add-on')
    message = _own_editable(session, viewer, message_id)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _problem("TOO_LARGE", f"A recording may be at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB.")
    try:
        with wave.open(io.BytesIO(data)) as audio:
            seconds = audio.getnframes() / audio.getframerate()
        telephone = to_telephone_wav(data)
    except (wave.Error, EOFError, SpeechFailed, ZeroDivisionError):
        raise _problem("UNSUPPORTED_AUDIO", "Upload a 16-bit PCM WAV recording.") from None
    limit = 60 * viewer.district.tts_minutes  # VOI-05 / SYS-11: one call-minute setting
    if seconds > limit:
        raise _problem("TOO_LONG", f"The recording is {seconds:.0f} seconds; the limit is {limit} seconds "
                                   f"({viewer.district.tts_minutes} minute(s)).")
    session.execute(delete(CallRecording).where(CallRecording.message_id == message.id))  # VOI-04: replaces
    recording = CallRecording(message_id=message.id, content_type="audio/wav", seconds=round(seconds, 2),
                              data=telephone)
    session.add(recording)
    session.flush()
    return recording


def remove(session: Session, viewer: Viewer, message_id: int) -> bool:
    message = _own_editable(session, viewer, message_id)
    return bool(session.execute(delete(CallRecording).where(CallRecording.message_id == message.id)).rowcount)


def recording_of(session: Session, message_id: int) -> int | None:
    """The message whose recording a call of ``message_id`` plays: its own, or for an occurrence
    of a scheduled message, the scheduled message's."""
    message = session.get(Message, message_id)
    if message is None:
        return None
    for candidate in (message.id, message.scheduled_from_id):
        if candidate and session.execute(select(CallRecording.message_id).where(
                CallRecording.message_id == candidate)).first():
            return candidate
    return None


def recording_bytes(session: Session, message_id: int) -> tuple[str, bytes] | None:
    row = session.execute(select(CallRecording.content_type, CallRecording.data).where(
        CallRecording.message_id == message_id)).first()
    return (row.content_type, bytes(row.data)) if row else None
