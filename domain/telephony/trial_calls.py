"""A test call (VOI-09): the call content as composed, placed to a number the sender types. It
reaches no recipient and writes no delivery; the registry's voice plugin places it directly."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from channels.base import ChannelKind, Outcome, VoiceEnvelope
from channels.registry import ChannelRegistry
from domain.content.call_text import tts_limit
from domain.telephony.caller_ids import caller_id_for_message
from domain.directory.contact_details import BadContactDetail, normalised_phone
from domain.support.errors import FieldProblem, InvalidInput
from domain.content.insert_fields import render
from domain.access.viewer import Viewer
from models.caller_ids import CallerId


def place_test_call(session: Session, viewer: Viewer, registry: ChannelRegistry, *, phone: str, call_text: str,
                    caller_id_id: int | None) -> Outcome:
    """Check the request (field problems raise InvalidInput) and place the call through the
    registry's voice plugin; the provider's outcome is returned, nothing is written."""
    voice_plugin = registry.for_kind(ChannelKind.VOICE)
    problems: list[FieldProblem] = []
    number = ""
    try:
        number = normalised_phone(phone)
    except BadContactDetail as error:
        problems.append(FieldProblem(("input", "phone"), "INVALID", str(error)))
    limit = tts_limit(viewer.district.tts_minutes)
    if not call_text.strip():
        problems.append(FieldProblem(("input", "callText"), "REQUIRED", "There is nothing to say."))
    elif len(call_text) > limit:
        problems.append(FieldProblem(("input", "callText"), "TOO_LONG",
                                     f"The call text is {len(call_text)} characters; the limit is {limit}."))
    chosen = caller_id_for_message(session, viewer, caller_id_id, problems, ("input", "callerIdId"))
    if voice_plugin is None:
        problems.append(FieldProblem(("input", "phone"), "INVALID", "No voice plugin is configured."))
    if problems:
        raise InvalidInput(problems)
    caller = session.get(CallerId, chosen) if chosen else None
    sender = f"{viewer.user.first_name} {viewer.user.last_name}"
    script = render(call_text, {"recipient.name": sender}, as_html=False)[:limit]
    envelope = VoiceEnvelope(reference=f"test-call-{uuid.uuid4().hex}", message_id=0, to=number,
                             recipient_name=sender, language=viewer.user.language, script=script,
                             caller_id=caller.phone if caller else None)
    batches, refused = voice_plugin.capabilities.fit([envelope])  # what dispatch would refuse, refused here
    if refused:
        return refused[0]
    [outcome] = voice_plugin.send(batches[0])
    return outcome
