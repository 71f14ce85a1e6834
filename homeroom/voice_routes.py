"""/voice/{token}/twiml: what a call says when it is answered (TwiML), per delivery.

The token is the delivery id signed for this purpose, so the URL cannot be guessed. The script is
built as dispatch builds it: insert fields filled in and cut to the call-minute limit (VOI-07).
With answering-machine detection the provider fetches it once a voicemail greeting has ended, so
the whole message is recorded (VOI-11).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from fastapi import APIRouter, Response
from sqlalchemy.engine import Engine

from domain.envelopes import VOICE_PURPOSE, script_for_delivery
from domain.signed_ids import deployment_secret, verified_id
from models.db import session_scope

#: Homeroom's language codes → the locales of <Say>.
SAY_LANGUAGES = {"en": "en-US", "es": "es-US", "fr": "fr-FR", "pt": "pt-BR", "vi": "vi-VN", "zh": "zh-CN",
                 "ar": "arb", "ht": "fr-FR", "ko": "ko-KR", "ru": "ru-RU", "tl": "fil-PH"}


def twiml_say(script: str, language: str) -> str:
    """TwiML that reads ``script``; the text is escaped, so it can never become markup."""
    locale = SAY_LANGUAGES.get(language.split("-")[0].lower(), "en-US")
    return (f'<?xml version="1.0" encoding="UTF-8"?><Response><Say language="{locale}">{escape(script)}</Say>'
            "</Response>")


def voice_router(engine: Engine) -> APIRouter:
    router = APIRouter()

    @router.api_route("/voice/{token}/twiml", methods=["GET", "POST"])
    def twiml(token: str) -> Response:
        delivery_id = verified_id(VOICE_PURPOSE, token, deployment_secret())
        envelope = None
        if delivery_id is not None:
            with session_scope(engine) as session:
                envelope = script_for_delivery(session, delivery_id)
        if envelope is None:
            return Response('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>',
                            media_type="application/xml", status_code=404)
        return Response(twiml_say(envelope.script, envelope.language), media_type="application/xml")

    return router
