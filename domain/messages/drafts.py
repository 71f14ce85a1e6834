"""Drafts (CMP-28, CMP-29, DRF-02, DRF-07): save one in place, find one of the viewer's, the
fields a holder may not change, discard.

A draft belongs to its sender (``Message.sender_id``); assigning it (domain.conversations.
draft_assignment) moves it to the assignee, so every operation here reaches a draft through
``own_draft`` and another user's draft is not found exactly like a missing one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.directory.school_years import working_year_id
from domain.messages.send import SendMessageRequest, replace_selection, save_draft as store_new_draft
from domain.messages.send import validate_send_request
from domain.support.errors import FieldProblem, InvalidInput
from models.attachments import MessageAttachment
from models.conversations import DraftAssignment, MessageFlagEvent, PortalAlert, ReferralRequest
from models.db import utcnow
from models.messaging import (
    Channel,
    ImportedRecipient,
    Message,
    MessageStaff,
    MessageStatus,
    MessageStudent,
    MessageStudentGroup,
    MessageUserGroup,
)
from models.printing import PrintJob
from models.speech import CallRecording, SpeechAudio
from models.templates import LetterLog
from models.translations import MessageTranslation

READ_ONLY_FIELD = "READ_ONLY_FIELD"
#: The selection lists whose ids validate_send_request checks against the viewer's scope.
_SELECTIONS = {"studentIds": "student_ids", "staffIds": "staff_ids", "studentGroupIds": "student_group_ids",
               "userGroupIds": "user_group_ids"}


class DraftNotFound(InvalidInput):
    """No draft of the viewer's has that id (another user's answers the same)."""

    def __init__(self, path: tuple[str | int, ...] = ("id",)):
        super().__init__([FieldProblem(path, "NOT_FOUND", "No draft of yours has that id.")])


@dataclasses.dataclass(frozen=True)
class Gates:
    """The gated fields of a message input that a viewer may not set (DRF-07): whole fields by
    request attribute name, and single values of enum fields (``channels`` → {"SMS"})."""

    fields: frozenset[str] = frozenset()
    values: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def own_drafts(viewer: Viewer):
    """WHERE clauses on Message: the viewer's drafts (a draft is its owner's alone)."""
    return Message.sender_id == viewer.id, Message.status == MessageStatus.DRAFT.value


def own_draft(session: Session, viewer: Viewer, draft_id: int, *, lock: bool = False) -> Message:
    """One of the viewer's drafts (``lock``: held for an update), or DraftNotFound."""
    query = select(Message).where(Message.id == draft_id, *own_drafts(viewer))
    message = session.execute(query.with_for_update() if lock else query).scalars().first()
    if message is None:
        raise DraftNotFound()
    return message


def selection_of(session: Session, message_id: int) -> dict[str, frozenset[int]]:
    """The ids a stored message selects, by request attribute name (four statements)."""
    tables = {"student_ids": (MessageStudent, MessageStudent.student_id),
              "staff_ids": (MessageStaff, MessageStaff.user_id),
              "student_group_ids": (MessageStudentGroup, MessageStudentGroup.group_id),
              "user_group_ids": (MessageUserGroup, MessageUserGroup.group_id)}
    return {name: frozenset(session.execute(select(column).where(table.message_id == message_id)).scalars())
            for name, (table, column) in tables.items()}


def _stored_values(message: Message, selection: Mapping[str, frozenset[int]]) -> dict:
    return dict(priority=message.priority, emergency=message.emergency, send_as_district=message.send_as_district,
                send_as_school_id=message.send_as_school_id, cc=tuple(message.cc), push=Channel.PUSH.value in
                message.channels, staff_ids=selection["staff_ids"], user_group_ids=selection["user_group_ids"],
                academic_record_category=message.academic_record_category)


def _requested_values(request: SendMessageRequest) -> dict:
    return dict(priority=request.priority, emergency=request.emergency, send_as_district=request.send_as_district,
                send_as_school_id=request.send_as_school_id, cc=tuple(a.strip() for a in request.cc),
                push=request.push, staff_ids=frozenset(request.staff_ids),
                user_group_ids=frozenset(request.user_group_ids),
                academic_record_category=(request.academic_record_category or "").strip() or None)


def read_only_problems(message: Message, selection: Mapping[str, frozenset[int]], request: SendMessageRequest,
                       gates: Gates) -> list[FieldProblem]:
    """DRF-07: a gated field the viewer may not set keeps its stored value (the assigner's): the
    same value is no change and passes; any other is READ_ONLY_FIELD. Enum fields compare value by
    value, so a holder without SMS may still add or drop EMAIL but not SMS."""
    stored, wanted = _stored_values(message, selection), _requested_values(request)
    problems = []
    for name in sorted(gates.fields):
        if name not in stored or (name == "push" and wanted["push"] is None):
            continue  # push left open keeps the stored channels (compared below)
        if wanted[name] != stored[name]:
            problems.append(FieldProblem(("input", camel(name)), READ_ONLY_FIELD,
                                         f"You may not change {camel(name)} on this draft; it keeps its stored value."))
    channels = {c.value for c in request.channels} | ({Channel.PUSH.value} if request.push else set())
    wanted_type = request.recipient_type.value if request.recipient_type else None
    changed = {"channels": set(message.channels) ^ channels,
               "recipient_type": {message.recipient_type, wanted_type} - {None}
               if message.recipient_type != wanted_type else set()}
    for name, values in changed.items():
        for value in sorted(v for v in values if v in gates.values.get(name, ())):
            problems.append(FieldProblem(("input", camel(name)), READ_ONLY_FIELD,
                                         f"You may not add or remove {value} on this draft; it keeps its stored value."))
    return problems


def _kept_selection(problems: list[FieldProblem], request: SendMessageRequest,
                    selection: Mapping[str, frozenset[int]]) -> list[FieldProblem]:
    """Drop NOT_FOUND for ids the draft already selects: an assigned draft keeps the assigner's
    recipients even when they are outside the assignee's own scope (DRF-07)."""
    def kept(problem: FieldProblem) -> bool:
        if problem.code != "NOT_FOUND" or len(problem.path) != 3 or problem.path[0] != "input":
            return False
        name = _SELECTIONS.get(str(problem.path[1]))
        if name is None:
            return False
        ids = getattr(request, name)
        index = problem.path[2]
        return isinstance(index, int) and index < len(ids) and ids[index] in selection[name]
    return [problem for problem in problems if not kept(problem)]


def save_draft(session: Session, viewer: Viewer, request: SendMessageRequest, *, draft_id: int | None = None,
               gates: Gates = Gates()) -> Message:
    """CMP-28: store everything composed so far as a new draft, or (``draft_id``) replace one of
    the viewer's drafts in place: content, options, channels and selection; its imported
    recipients, files, title and assignments stay (DRF-02). ``gates``: what the viewer may not set."""
    if draft_id is None:
        return store_new_draft(session, viewer, request)
    message = own_draft(session, viewer, draft_id, lock=True)
    selection = selection_of(session, message.id)
    problems = _kept_selection(validate_send_request(session, viewer, request, draft=True), request, selection)
    problems += read_only_problems(message, selection, request, gates)
    if problems:
        raise InvalidInput(problems)
    replace_selection(session, viewer, message, request)
    message.saved_at, message.school_year_id = utcnow(), working_year_id(session, viewer)  # CMP-33
    session.add(message)
    session.flush()
    return message


#: Everything a draft owns besides its Message row (it has no deliveries or schedule yet).
_OWNED_BY_DRAFT = (MessageStudent, MessageStaff, MessageStudentGroup, MessageUserGroup, ImportedRecipient,
                   MessageAttachment, DraftAssignment, PortalAlert, CallRecording, SpeechAudio, MessageFlagEvent,
                   ReferralRequest, PrintJob, LetterLog, MessageTranslation)


def discard_draft(session: Session, viewer: Viewer, draft_id: int) -> int:
    """CMP-29: remove one of the viewer's drafts and all it owns; nothing is delivered. Returns its id."""
    message = own_draft(session, viewer, draft_id, lock=True)
    for table in _OWNED_BY_DRAFT:
        session.execute(delete(table).where(table.message_id == message.id))
    session.execute(delete(Message).where(Message.id == message.id))
    return draft_id
