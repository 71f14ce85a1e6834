"""Every TwiML document Homeroom answers Twilio with, in one place.

A call fetches what to say when it is answered (``/voice/{token}/twiml``, homeroom/routes/voice.py):
a recording or synthesized audio is played (``play``), or the script is read by Twilio (``say``);
a token that names nothing hangs up (``hangup``). A test call carries its words inline
(``inline_say``), and an inbound SMS is answered with ``message``. All text and URLs are
escaped, so nothing a sender wrote can ever become markup.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

#: The media type TwiML is served with.
MEDIA_TYPE = "application/xml"

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

#: Homeroom's language codes → the locales of <Say>.
SAY_LANGUAGES = {"en": "en-US", "es": "es-US", "fr": "fr-FR", "pt": "pt-BR", "vi": "vi-VN", "zh": "zh-CN",
                 "ar": "arb", "ht": "fr-FR", "ko": "ko-KR", "ru": "ru-RU", "tl": "fil-PH"}


def say(script: str, language: str) -> str:
    """TwiML that reads ``script`` in the <Say> locale of ``language`` (US English when unknown)."""
    locale = SAY_LANGUAGES.get(language.split("-")[0].lower(), "en-US")
    return f'{_DECLARATION}<Response><Say language="{locale}">{escape(script)}</Say></Response>'


def play(url: str) -> str:
    """TwiML that plays the audio at ``url`` (a recording or synthesized speech, VOI-04)."""
    return f"{_DECLARATION}<Response><Play>{escape(url)}</Play></Response>"


def hangup() -> str:
    """TwiML that ends the call: the answer to a TwiML token that is not genuine or names nothing."""
    return f"{_DECLARATION}<Response><Hangup/></Response>"


def inline_say(script: str) -> str:
    """The TwiML a test call carries inline in its create request (it has nothing to fetch)."""
    return f"<Response><Say>{escape(script)}</Say></Response>"


def message(text: str) -> str:
    """TwiML that answers an inbound SMS with ``text``."""
    return f"{_DECLARATION}<Response><Message>{escape(text)}</Message></Response>"
