"""The ``azure`` speech plugin: Azure AI Speech with a neural voice per language.

The SSML is built with every piece of message text escaped, so a script can never add markup
(no ``<break>``, no voice change, no external audio). The SDK reports a failed synthesis in its
result, not as an exception: the result's reason is checked and a cancellation becomes
:class:`SpeechFailed` with Azure's reason and error code (never the key).
"""

from __future__ import annotations

from typing import ClassVar
from xml.sax.saxutils import escape, quoteattr

import azure.cognitiveservices.speech as speechsdk
from pydantic import Field, SecretStr

from channels.base import PluginConfig
from channels.speech.synthesis import SpeechFailed, SpeechPlugin, to_telephone_wav

#: Homeroom's language codes → (locale, neural voice).
VOICES = {
    "en": ("en-US", "en-US-JennyNeural"), "es": ("es-US", "es-US-PalomaNeural"), "fr": ("fr-FR", "fr-FR-DeniseNeural"),
    "pt": ("pt-BR", "pt-BR-FranciscaNeural"), "vi": ("vi-VN", "vi-VN-HoaiMyNeural"),
    "zh": ("zh-CN", "zh-CN-XiaoxiaoNeural"), "ar": ("ar-EG", "ar-EG-SalmaNeural"), "ht": ("fr-FR", "fr-FR-DeniseNeural"),
    "ko": ("ko-KR", "ko-KR-SunHiNeural"), "ru": ("ru-RU", "ru-RU-SvetlanaNeural"), "tl": ("fil-PH", "fil-PH-BlessicaNeural"),
}


class AzureSpeechConfig(PluginConfig):
    key: SecretStr = Field(description="The Speech resource's key.")
    region: str | None = Field(default=None, description="The resource's region, e.g. eastus; or set endpoint.")
    endpoint: str | None = Field(default=None, description="A custom endpoint (a container, a proxy) instead of region.")


def ssml_for(text: str, language: str) -> str:
    locale, voice = VOICES.get(language.split("-")[0].lower(), VOICES["en"])
    return (f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang={quoteattr(locale)}>'
            f"<voice name={quoteattr(voice)}>{escape(text)}</voice></speak>")


class AzureSpeech(SpeechPlugin):
    name: ClassVar[str] = "azure"
    Config: ClassVar[type[PluginConfig]] = AzureSpeechConfig

    config: AzureSpeechConfig

    def _synthesizer(self) -> speechsdk.SpeechSynthesizer:
        key = self.config.key.get_secret_value()
        if self.config.endpoint:
            speech_config = speechsdk.SpeechConfig(subscription=key, endpoint=self.config.endpoint)
        else:
            speech_config = speechsdk.SpeechConfig(subscription=key, region=self.config.region or "eastus")
        speech_config.set_speech_synthesis_output_format(
            speechsdk.SpeechSynthesisOutputFormat.Riff8Khz16BitMonoPcm)
        return speechsdk.SpeechSynthesizer(speech_config=speech_config, audio_config=None)

    def synthesize(self, text: str, language: str) -> bytes:
        result = self._synthesizer().speak_ssml_async(ssml_for(text, language)).get()
        return audio_of(result)


def audio_of(result) -> bytes:
    """The audio of a completed synthesis; SpeechFailed with Azure's reason otherwise."""
    if result.reason == speechsdk.ResultReason.SynthesizingAudioCompleted:
        return to_telephone_wav(result.audio_data)
    details = getattr(result, "cancellation_details", None)
    reason = getattr(details, "reason", result.reason)
    code = getattr(details, "error_code", None)
    text = (getattr(details, "error_details", "") or "")[:200]
    raise SpeechFailed(f"Azure synthesis {reason}: {code} {text}".strip())
