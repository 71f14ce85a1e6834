"""Recorded calls (VOI-04, VOI-05): a WAV the sender uploads to their draft or scheduled message,
no longer than the district's call-minute limit (SYS-11). It is stored in the telephone format,
replaces any earlier recording, and is played instead of text-to-speech.

An upload is checked from its header before any audio is converted (issue 13 point 12): its size,
then the RIFF/WAVE header (16-bit PCM, one or two channels, a sample rate a recorder produces, and
the audio the header declares actually present), then its length from the header against the
limit. Only then is it converted, and what does not decode is refused.
"""

from __future__ import annotations

import dataclasses
import struct
import wave

from sqlalchemy import delete, select
from sqlmodel import Session

from channels.speech.synthesis import SpeechFailed, to_telephone_wav
from domain.access.message_scope import own_editable
from domain.support.errors import FieldProblem, InvalidInput
from domain.access.permissions import Perm
from domain.access.viewer import Viewer
from models.messaging import Message
from models.speech import CallRecording

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Sample rates recorders and browsers produce; telephone audio is 8 kHz.
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8_000, 48_000
#: Chunks a WAV may carry before its audio ("fmt ", "fact", "LIST" …); more is not a recording.
MAX_CHUNKS = 32
_PCM = 1
UNSUPPORTED = "Upload a 16-bit PCM WAV recording (mono or stereo)."


def _problem(code: str, message: str) -> InvalidInput:
    return InvalidInput([FieldProblem(("file",), code, message)])


@dataclasses.dataclass(frozen=True)
class WavFormat:
    channels: int
    sample_rate: int
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def wav_format(data: bytes) -> WavFormat:
    """What the RIFF/WAVE header says, checked against the bytes present; InvalidInput with the
    code of the first thing wrong. Reads headers only, never the audio."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise _problem("UNSUPPORTED_AUDIO", "The file is not a WAV recording. " + UNSUPPORTED)
    riff_end = 8 + struct.unpack_from("<I", data, 4)[0]
    if riff_end > len(data):
        raise _problem("TRUNCATED", f"The file is cut short: its header declares {riff_end} bytes, "
                                    f"{len(data)} arrived. Upload the whole recording.")
    position, found_format = 12, None
    for _ in range(MAX_CHUNKS):
        if position + 8 > riff_end:
            break
        chunk, size = data[position:position + 4], struct.unpack_from("<I", data, position + 4)[0]
        body = position + 8
        if chunk == b"fmt ":
            if size < 16 or body + 16 > riff_end:
                raise _problem("UNSUPPORTED_AUDIO", "The WAV header is incomplete. " + UNSUPPORTED)
            found_format = _checked_format(*struct.unpack_from("<HHIIHH", data, body))
        elif chunk == b"data":
            if found_format is None:
                raise _problem("UNSUPPORTED_AUDIO", "The WAV header has no format before its audio. " + UNSUPPORTED)
            if body + size > riff_end:
                raise _problem("TRUNCATED", f"The recording is cut short: its header declares {size} bytes of "
                                            f"audio, {riff_end - body} are present. Upload the whole recording.")
            channels, rate, block = found_format
            if size < block:
                raise _problem("EMPTY", "The recording holds no audio.")
            return WavFormat(channels, rate, size // block)
        position = body + size + (size & 1)  # chunks are padded to an even length
    raise _problem("UNSUPPORTED_AUDIO", "The WAV file holds no audio chunk. " + UNSUPPORTED)


def _checked_format(audio_format: int, channels: int, rate: int, byte_rate: int, block: int,
                    bits: int) -> tuple[int, int, int]:
    if audio_format != _PCM or bits != 16 or channels not in (1, 2) or block != 2 * channels:
        raise _problem("UNSUPPORTED_AUDIO", f"The WAV is format {audio_format}, {bits}-bit, {channels} channel(s). "
                       + UNSUPPORTED)
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE or byte_rate != rate * block:
        raise _problem("BAD_SAMPLE_RATE", f"The sample rate is {rate} Hz; a recording is {MIN_SAMPLE_RATE:,} to "
                                          f"{MAX_SAMPLE_RATE:,} Hz.")
    return channels, rate, block


def record(session: Session, viewer: Viewer, message_id: int, data: bytes) -> CallRecording:
    if not viewer.permissions.has(Perm.PHONE_CALLS):
        raise PermissionError('Requires "Phone Calls" (Edit) [PERM-38, PERM-56] with the callout add-on')
    message = own_editable(session, viewer, message_id)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _problem("TOO_LARGE", f"A recording may be at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB.")
    seconds = wav_format(data).seconds
    limit = 60 * viewer.district.tts_minutes  # VOI-05 / SYS-11: one call-minute setting
    if seconds > limit:  # from the header: nothing is converted for a recording that is refused
        raise _problem("TOO_LONG", f"The recording is {seconds:.0f} seconds; the limit is {limit} seconds "
                                   f"({viewer.district.tts_minutes} minute(s)).")
    try:
        telephone = to_telephone_wav(data)
    except (wave.Error, EOFError, SpeechFailed, struct.error, ValueError):
        raise _problem("UNSUPPORTED_AUDIO", "The recording does not decode. " + UNSUPPORTED) from None
    session.execute(delete(CallRecording).where(CallRecording.message_id == message.id))  # VOI-04: replaces
    recording = CallRecording(message_id=message.id, content_type="audio/wav", seconds=round(seconds, 2),
                              data=telephone)
    session.add(recording)
    session.flush()
    return recording


def remove(session: Session, viewer: Viewer, message_id: int) -> bool:
    message = own_editable(session, viewer, message_id)
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
