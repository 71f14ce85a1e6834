"""Speech synthesis for calls: plugins in the ``homeroom.speech`` stevedore namespace.

A speech plugin turns a call's script into audio in one language, or declares ``say_only`` and
leaves speaking to the telephony provider (TwiML ``<Say>``). Audio goes to callers in a telephone
format: 8 kHz mono G.711 µ-law WAV (``to_telephone_wav``). Synthesis failures raise
:class:`SpeechFailed` with a reason that carries no secret; the call then falls back to ``<Say>``.

Built in: ``espeak`` (offline, Debian's espeak-ng; the embedded default), ``twilio-say`` (no
synthesis) and ``azure`` (channels/speech/azure.py).
"""

from __future__ import annotations

import abc
import array
import io
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field
from stevedore import ExtensionManager

from channels.base import PluginConfig

NAMESPACE = "homeroom.speech"
TELEPHONE_RATE = 8_000
MAX_SOURCE_RATE = 192_000


class SpeechFailed(Exception):
    """The engine could not speak the text; the message says why (never a secret)."""


class SpeechPlugin(abc.ABC):
    name: ClassVar[str]
    Config: ClassVar[type[PluginConfig]] = PluginConfig
    say_only: ClassVar[bool] = False  # the provider speaks (<Say>); synthesize is never called

    def __init__(self, config: PluginConfig):
        self.config = config

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> SpeechPlugin:
        return cls(cls.Config.model_validate(raw))

    def synthesize(self, text: str, language: str) -> bytes:
        """The text spoken in ``language``, as telephone WAV (``to_telephone_wav``)."""
        raise NotImplementedError(f"speech plugin {self.name!r} does not synthesize")


class TwilioSayConfig(PluginConfig):
    pass


class TwilioSay(SpeechPlugin):
    """No synthesis: the provider reads the script with its own voice for the language."""

    name: ClassVar[str] = "twilio-say"
    Config: ClassVar[type[PluginConfig]] = TwilioSayConfig
    say_only: ClassVar[bool] = True


#: Homeroom's language codes → espeak-ng voices.
ESPEAK_VOICES = {"en": "en-us", "es": "es-419", "fr": "fr-fr", "pt": "pt-br", "vi": "vi", "zh": "cmn",
                 "ar": "ar", "ht": "ht", "ko": "ko", "ru": "ru", "tl": "en-us"}


class EspeakConfig(PluginConfig):
    executable: str = Field(default="espeak-ng", description="The espeak-ng program (Debian: apt install espeak-ng).")
    words_per_minute: int = Field(default=150, ge=80, le=300)
    timeout_seconds: float = Field(default=60, gt=0, le=300)


class Espeak(SpeechPlugin):
    name: ClassVar[str] = "espeak"
    Config: ClassVar[type[PluginConfig]] = EspeakConfig

    config: EspeakConfig

    def synthesize(self, text: str, language: str) -> bytes:
        program = shutil.which(self.config.executable)
        if program is None:
            raise SpeechFailed(f"{self.config.executable} is not installed")
        voice = ESPEAK_VOICES.get(language.split("-")[0].lower(), "en-us")
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "speech.wav"
            # The text goes on stdin, never on the command line: it cannot become an option.
            done = subprocess.run([program, "-v", voice, "-s", str(self.config.words_per_minute), "-w", str(out),
                                   "--stdin"], input=text.encode(), capture_output=True,
                                  timeout=self.config.timeout_seconds, check=False)
            if done.returncode != 0 or not out.exists():
                raise SpeechFailed(f"espeak-ng exited with {done.returncode}: {done.stderr.decode()[-200:]}")
            return to_telephone_wav(out.read_bytes())


def load_speech_plugin(name: str, raw: dict[str, Any]) -> SpeechPlugin:
    """The configured speech plugin, from its entry point; KeyError when none has that name."""
    manager = ExtensionManager(NAMESPACE, invoke_on_load=False)
    if name not in manager.names():
        raise KeyError(f"no speech plugin {name!r} is installed (installed: {', '.join(sorted(manager.names()))})")
    return manager[name].plugin.from_mapping(raw)


# --- telephone audio ---------------------------------------------------------------------------------

def to_telephone_wav(wav_bytes: bytes) -> bytes:
    """Any 16-bit PCM WAV → 8 kHz mono G.711 µ-law WAV, the format telephone networks carry."""
    with wave.open(io.BytesIO(wav_bytes)) as source:
        channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
        frames = source.readframes(source.getnframes())
    if width != 2:
        raise SpeechFailed(f"expected 16-bit audio, got {8 * width}-bit")
    if not 1 <= channels <= 8 or not TELEPHONE_RATE <= rate <= MAX_SOURCE_RATE:  # a header no recorder writes
        raise SpeechFailed(f"unsupported audio: {channels} channel(s) at {rate} Hz")
    # array, not struct.unpack: one memcpy, where unpacking a long recording's millions of samples
    # into ints was one C call holding the interpreter lock for most of a second (the event loop
    # stalled with it: tests/shell/test_http_limits.py)
    samples = array.array("h", frames[: len(frames) // 2 * 2])
    if sys.byteorder == "big":  # WAV samples are little-endian
        samples.byteswap()
    if channels > 1:
        samples = tuple(sum(samples[i:i + channels]) // channels for i in range(0, len(samples), channels))
    resampled = _resample(samples, rate, TELEPHONE_RATE)
    return _mulaw_wav(bytes(_mulaw(sample) for sample in resampled))


def _resample(samples: Sequence[int], rate: int, target: int) -> Sequence[int]:
    """Linear interpolation; speech energy sits well below the 4 kHz telephone band edge."""
    if rate == target or not samples:
        return samples
    step, count = rate / target, int(len(samples) * target / rate)
    last = len(samples) - 1
    out = []
    for index in range(count):
        position = index * step
        left = int(position)
        fraction = position - left
        right = min(left + 1, last)
        out.append(int(samples[left] + (samples[right] - samples[left]) * fraction))
    return out


def _mulaw(sample: int) -> int:
    """G.711 µ-law encoding of one 16-bit sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), clip) + bias
    exponent = max(0, magnitude.bit_length() - 8)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _mulaw_wav(data: bytes) -> bytes:
    """A WAVE_FORMAT_MULAW (7) file: 8 kHz, mono, 8 bits a sample."""
    fmt = struct.pack("<HHIIHHH", 7, 1, TELEPHONE_RATE, TELEPHONE_RATE, 1, 8, 0)
    fact = struct.pack("<I", len(data))
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b""))
    return b"RIFF" + struct.pack("<I", len(body)) + body
