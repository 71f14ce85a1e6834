"""Assigning a draft to another user (DRF-03..DRF-08, PERM-42, MRG-03): the draft moves to the
assignee with the note as its title, leaves the assigner's drafts, and raises an alert on the
assignee's portal; the assignee may assign it back in one step.

It lives with conversations, not messages, because it raises portal alerts and inbox notices,
and conversations sits above messages (messages never imports conversations). "Assign Messages
to Users" (PERM-42) is declared on the mutations.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from domain.access.scope import staff_scope
from domain.access.viewer import Viewer
from domain.conversations.drafts.portal_alerts import AlertKind, raise_alert
from domain.delivery.progress_events import ProgressBus
from domain.messages.drafts import own_draft
from domain.messages.send import DEFAULT_SUBJECT
from domain.support.errors import FieldProblem, InvalidInput
from models.conversations import DraftAssignment
from models.directory import User
from models.messaging import Message

NOTE_MAX_LENGTH = 200


def _assignee(session: Session, viewer: Viewer, assignee_id: int | None) -> User:
    """DRF-03, MRG-03: an active staff user at a school the assigner can access, by the same rule
    as staff recipients (domain.access.scope.staff_scope). Inactive, deleted, out of reach and
    missing answer alike, so nothing leaks."""
    user = session.execute(select(User).where(User.id == assignee_id, staff_scope(viewer))).scalars().first() \
        if assignee_id is not None else None
    if user is None:
        raise InvalidInput([FieldProblem(("assigneeId",), "ASSIGNEE_NOT_FOUND",
                                         "No active user at your schools has that id.")])
    return user


def _check(session: Session, viewer: Viewer, message: Message, assignee_id: int | None, note: str,
           path: tuple[str, ...]) -> tuple[User | None, list[FieldProblem]]:
    problems = []
    subject = (message.subject or "").strip()
    if not subject or subject == DEFAULT_SUBJECT:  # DRF-03; a blank subject is stored as the default
        problems.append(FieldProblem(("id",), "SUBJECT_REQUIRED", "Give the draft a subject before assigning it."))
    if len(note.strip()) > NOTE_MAX_LENGTH:
        problems.append(FieldProblem(("note",), "TOO_LONG", f"The note is at most {NOTE_MAX_LENGTH} characters."))
    user = None
    if assignee_id == viewer.id:
        problems.append(FieldProblem(path, "INVALID", "The draft is already yours."))
    else:
        try:
            user = _assignee(session, viewer, assignee_id)
        except InvalidInput as missing:
            problems += [_at(problem, path) for problem in missing.problems]
    return user, problems


def _at(problem: FieldProblem, path: tuple[str, ...]) -> FieldProblem:
    return FieldProblem(path, problem.code, problem.message)


def _hand_over(session: Session, events: ProgressBus | None, viewer: Viewer, message: Message, user: User,
               note: str) -> DraftAssignment:
    """DRF-04..DRF-06: the note (or, empty, the subject) becomes the title; the draft is the
    assignee's from now on; a portal alert and an inbox notice tell them."""
    note = note.strip()
    message.draft_title = note or message.subject
    message.sender_id = user.id
    assignment = DraftAssignment(message_id=message.id, from_user_id=viewer.id, to_user_id=user.id, note=note)
    session.add_all([message, assignment])
    session.flush()
    who = f"{viewer.user.first_name} {viewer.user.last_name}".strip() or viewer.user.login
    raise_alert(session, events, user_id=user.id, kind=AlertKind.DRAFT_ASSIGNED, message_id=message.id,
                text=f"{who} assigned you a draft: {message.draft_title}")
    return assignment


def assign_draft(session: Session, viewer: Viewer, *, draft_id: int, assignee_id: int | None, note: str,
                 events: ProgressBus | None) -> Message:
    """DRF-03: hand one of the viewer's drafts to an active user they can reach, with a note."""
    message = own_draft(session, viewer, draft_id, lock=True)
    user, problems = _check(session, viewer, message, assignee_id, note, ("assigneeId",))
    if problems:
        raise InvalidInput(problems)
    _hand_over(session, events, viewer, message, user, note)
    return message


def assign_draft_back(session: Session, viewer: Viewer, *, draft_id: int, note: str,
                      events: ProgressBus | None) -> Message:
    """DRF-08: hand a draft assigned to the viewer back to whoever assigned it to them, in one step."""
    message = own_draft(session, viewer, draft_id, lock=True)
    previous = session.execute(select(DraftAssignment.from_user_id).where(
        DraftAssignment.message_id == message.id, DraftAssignment.to_user_id == viewer.id)
        .order_by(DraftAssignment.id.desc()).limit(1)).scalar()
    if previous is None:
        raise InvalidInput([FieldProblem(("id",), "NOT_ASSIGNED", "This draft was not assigned to you.")])
    user, problems = _check(session, viewer, message, previous, note, ("id",))
    if problems:
        raise InvalidInput(problems)
    _hand_over(session, events, viewer, message, user, note)
    return message


