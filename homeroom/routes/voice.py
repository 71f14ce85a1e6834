"""/voice/{token}/twiml: what a call says when it is answered (TwiML), per delivery; and
/voice/audio/{token}: the synthesized audio it plays.

Both tokens are ids signed for their purpose (domain.support.signed_ids), so the URLs cannot be guessed,
and live hours (TwiML) or an hour (audio): a provider fetches them as the call is answered. The script is built
as dispatch builds it: insert fields filled in and cut to the call-minute limit (VOI-07). The
configured speech plugin (``HOMEROOM_SPEECH_PLUGIN``) speaks it: synthesized once per message,
language and script and played (<Play>), or read by the provider (<Say>) for ``twilio-say`` and
whenever synthesis fails. With answering-machine detection the provider fetches the TwiML once a
voicemail greeting has ended, so the whole message is recorded (VOI-11).

This module verifies the token and looks up what the call plays; the TwiML documents themselves
are built by ``channels.twilio.twiml``, which owns all of Homeroom's TwiML.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from sqlalchemy.engine import Engine

from channels.speech.synthesis import SpeechFailed, SpeechPlugin, load_speech_plugin
from channels.twilio import twiml
from domain.telephony.call_recordings import recording_bytes, recording_of
from domain.delivery.sending.envelopes import Links, script_for_delivery
from domain.support.signed_ids import CALL_RECORDING, SPEECH_AUDIO, VOICE_TWIML, Purpose, signed_id, signing_keys, verified_id
from domain.telephony.speech_audio import audio_bytes, audio_for
from homeroom.settings import Settings
from models.db import session_scope

log = logging.getLogger(__name__)

def voice_router(settings: Settings, engine: Engine) -> APIRouter:
    router = APIRouter()
    keys = signing_keys(settings)
    links = Links.from_settings(settings)
    speech: list[SpeechPlugin] = []  # built on the first call, once per process

    def speech_plugin() -> SpeechPlugin:
        if not speech:
            speech.append(load_speech_plugin(settings.speech_plugin, settings.speech_config))
        return speech[0]

    def spoken(session, envelope) -> str:
        """<Play> of the recording or the synthesized script, or <Say> when the plugin does not synthesize or
        fails; the TwiML itself is channels.twilio.twiml's."""
        recorded = recording_of(session, envelope.message_id)  # VOI-04: a recording plays instead
        if recorded is not None:
            url = (f"{settings.public_base_url.rstrip('/')}/voice/recording/"
                   f"{signed_id(CALL_RECORDING, recorded, keys)}")
            return twiml.play(url)
        plugin = speech_plugin()
        if plugin.say_only:
            return twiml.say(envelope.script, envelope.language)
        try:
            audio_id = audio_for(session, plugin, envelope.message_id, envelope.language, envelope.script)
        except SpeechFailed as failure:
            log.warning("speech plugin %s failed (%s); the call reads the script with <Say>", plugin.name, failure)
            return twiml.say(envelope.script, envelope.language)
        url = f"{settings.public_base_url.rstrip('/')}/voice/audio/{signed_id(SPEECH_AUDIO, audio_id, keys)}"
        return twiml.play(url)

    @router.api_route("/voice/{token}/twiml", methods=["GET", "POST"])
    def call_twiml(token: str) -> Response:
        delivery_id = verified_id(VOICE_TWIML, token, keys)
        if delivery_id is not None:
            with session_scope(engine) as session:
                envelope = script_for_delivery(session, delivery_id, links)
                if envelope is not None:
                    return Response(spoken(session, envelope), media_type=twiml.MEDIA_TYPE)
        return Response(twiml.hangup(), media_type=twiml.MEDIA_TYPE, status_code=404)

    def media(purpose: Purpose, token: str, load) -> Response:
        """Audio behind a signed id: 404 for a token that is not genuine, has expired or names nothing."""
        key = verified_id(purpose, token, keys)
        found = None
        if key is not None:
            with session_scope(engine) as session:
                found = load(session, key)
        if found is None:
            return Response(status_code=404)
        content_type, data = found
        return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})

    @router.get("/voice/audio/{token}")
    def audio(token: str) -> Response:
        return media(SPEECH_AUDIO, token, audio_bytes)

    @router.get("/voice/recording/{token}")
    def recording(token: str) -> Response:
        return media(CALL_RECORDING, token, recording_bytes)

    return router
