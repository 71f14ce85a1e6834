"""Expected errors in mutation payloads (STYLE "Two kinds of error"), in one shape and one mapping.

Every mutation whose input a user can get wrong answers ``<Mutation>Result``, a union of its
success type and ``<Mutation>Errors { errors: [<Mutation>Error!]! }``; each ``<Mutation>Error``
implements ``FieldError`` (path, field, message) and adds ``code: <Mutation>ErrorCode``, an enum of
exactly the codes that mutation can return (Saleor's convention). ``field_errors`` builds the
three types; ``perform`` runs a domain action and maps its refusal to the payload.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError

from domain.support.errors import AuthorizationError, FieldProblem, InvalidInput, Refusal
from graph.context import Info
from graph.permissions import denied

T = TypeVar("T")

#: What each code means, written once; a mutation's enum takes the descriptions of its codes.
CODE_DESCRIPTIONS: dict[str, str | None] = {
    "REQUIRED": "The field needs a value.",
    "TOO_LONG": "The value is longer than allowed.",
    "TOO_MANY": "The list has more items than allowed.",
    "RECIPIENTS_EMPTY": "The message selects no recipient (CMP-02).",
    "NOT_FOUND": "No row you can use has that id; one that is not yours answers the same way.",
    "INVALID": "The value is not valid here; the message says why.",
    "CONFLICT": "The value contradicts another field, or something already stored.",
    "DUPLICATE": "A value is listed more than once.",
    "IN_THE_PAST": "A new send date and time must be in the future (SCH-01).",
    "BEFORE_START": "A final date before the start date (SCH-02).",
    "EXCLUDED_SCHOOL": "Users of a school excluded from communication cannot use this (SYS-07).",
    "UNKNOWN_FIELD": "The text names an insert field that does not exist (CMP-25, insertFields).",
    "NO_CALLER_ID": "Calls need a District Default caller ID number first (VOI-02).",
    "ENFORCED_BY_DISTRICT": "The district sets this for every user; it cannot be changed (SET-09).",
    "READ_ONLY_FIELD": "You may not change this field on this draft; it keeps its stored value (DRF-07).",
    "SUBJECT_REQUIRED": "A draft needs a subject before it is assigned (DRF-03).",
    "ASSIGNEE_NOT_FOUND": "No active user at a school you can reach has that id (DRF-03, MRG-03); inactive, "
                          "deleted, out of reach and missing users answer alike.",
    "NOT_ASSIGNED": "The draft was not assigned to you, so there is no one to assign it back to (DRF-08).",
    "REPLIES_NOT_ALLOWED": "The latest message from the staff side takes no replies (CMP-16, CMP-18, CMP-21).",
    "NOT_ENROLLED_AT_SCHOOL": "Continuing a conversation with a teacher needs you (or your student) enrolled at "
                              "their school (INB-22).",
    "TEACHER_NOT_IN_THREAD_THIS_YEAR": "The teacher has not written in the conversation this school year (INB-22).",
    "THREAD_ARCHIVED": "The staff member archived the conversation; it cannot be continued until they reopen "
                       "it (INB-16).",
    "END_BEFORE_START": "The end date is before the start date.",
    "INVALID_CHARACTERS": "Text that becomes an email header (a subject, a Cc address, a form title) or a caller "
                          "ID title is one line: no line breaks, tabs or other control characters.",
    "CONFIRMATION_REQUIRED": "The action needs explicit confirmation (confirm: true); nothing was done.",
    "NOT_FLAGGED": "The message is not flagged (INB-09).",
    "NOT_A_STUDENT": "The message's author is not a student (INB-09: referrals are for students).",
    "SAME_STUDENT": "A student cannot be merged into itself (MRG-01).",
    "EXPIRY_IN_THE_PAST": "An expiry must be in the future.",
}

#: The codes of a message input (sendMessage, saveDraft, scheduleMessage, recipientPlan, ...):
#: domain.messages.request.validate_send_request and the caller ID it picks.
MESSAGE_INPUT_CODES = ("REQUIRED", "TOO_LONG", "TOO_MANY", "RECIPIENTS_EMPTY", "NOT_FOUND", "INVALID", "CONFLICT",
                       "DUPLICATE", "EXCLUDED_SCHOOL", "UNKNOWN_FIELD", "NO_CALLER_ID", "INVALID_CHARACTERS")
#: The codes of a schedule input (domain.scheduling.rules.validate_new_schedule and its edit).
SCHEDULE_CODES = ("REQUIRED", "IN_THE_PAST", "INVALID", "BEFORE_START")
#: The codes of a caller ID, one or a CSV of them (domain.telephony.caller_ids).
CALLER_ID_CODES = ("REQUIRED", "TOO_LONG", "INVALID_CHARACTERS", "INVALID", "NOT_FOUND", "CONFLICT")


@strawberry.interface(description="A field of the input that needs fixing; nothing was written.")
class FieldError:
    path: list[str] = strawberry.field(description='Where, e.g. ["input", "studentIds", "2"].')
    field: str = strawberry.field(description='The same path joined with dots, e.g. "input.studentIds.2".')
    message: str = strawberry.field(description="A sentence to show the user.")


class FieldErrors:
    """The base of every ``<Mutation>Errors`` payload built by ``field_errors``."""

    errors: list
    error_type: type
    code_enum: type[enum.Enum]

    @classmethod
    def of(cls, refusal: Refusal) -> Any:
        """The payload of an InvalidInput: one error per problem, each code from this mutation's enum.
        Any other refusal (the CMP-27 confirmation) is a mutation's own payload: send and schedule
        mutations map it first (graph.messages.sending.refused_or_confirm), so it never reaches here."""
        if not isinstance(refusal, InvalidInput):
            raise TypeError(f"{cls.__name__} carries field problems, not {type(refusal).__name__}") from refusal
        return cls.of_problems(refusal.problems)

    @classmethod
    def of_problems(cls, problems: list[FieldProblem]) -> Any:
        errors = []
        for problem in problems:
            try:
                code = cls.code_enum(problem.code)
            except ValueError:  # a domain code this mutation does not declare: a bug, not user input
                raise ValueError(f"{problem.code} is not a {cls.code_enum.__name__}") from None
            path = [str(part) for part in problem.path]
            errors.append(cls.error_type(path=path, field=".".join(path), code=code, message=problem.message))
        return cls(errors=errors)


def field_errors(mutation: str, codes: Iterable[str]) -> type[FieldErrors]:
    """``<Mutation>ErrorCode``, ``<Mutation>Error`` and the ``<Mutation>Errors`` payload of one mutation
    (``mutation`` in PascalCase), whose errors carry exactly ``codes``."""
    wanted = list(dict.fromkeys(codes))
    code_enum = strawberry.enum(
        enum.Enum(f"{mutation}ErrorCode", {code: strawberry.enum_value(code, description=CODE_DESCRIPTIONS[code])
                                           for code in wanted}),
        name=f"{mutation}ErrorCode", description=f"Why {_lower_first(mutation)} refused a field of its input.")
    error_type = strawberry.type(
        type(f"{mutation}Error", (FieldError,), {"__annotations__": {"code": code_enum}}),
        name=f"{mutation}Error", description=f"A field of the {_lower_first(mutation)} input that needs fixing.")
    errors_type = strawberry.type(
        type(f"{mutation}Errors", (FieldErrors,), {"__annotations__": {"errors": list[error_type]},
                                                   "error_type": error_type, "code_enum": code_enum}),
        name=f"{mutation}Errors", description="The input had problems; nothing was written.")
    return errors_type


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def perform(info: Info, action: Callable[[], T], *, done: Callable[[T], Any],
            refused: Callable[[Refusal], Any] | None = None, write: bool = True) -> Any:
    """Run the domain ``action`` in the request's session: commit and answer ``done(result)``.
    The one exception-to-payload mapping: a refusal the user can fix (domain Refusal: InvalidInput,
    the CMP-27 confirmation, a rejected file) rolls back and answers ``refused(refusal)``; a domain
    AuthorizationError rolls back and is a top-level FORBIDDEN; anything else (a refusal too, when
    the mutation has no ``refused`` payload) rolls back and propagates. Either way nothing is
    written. ``write=False`` (a dry run) always rolls back. A transaction PostgreSQL aborted to
    break a deadlock (two messages filing the same thread's sides in opposite directions at once)
    is run again, up to DEADLOCK_RETRIES times: it wrote nothing, and the other one went through."""
    session = info.context.session
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            return _perform_once(session, action, done=done, refused=refused, write=write)
        except DBAPIError as error:
            if attempt == DEADLOCK_RETRIES or getattr(error.orig, "sqlstate", None) not in RETRY_SQLSTATES:
                raise


#: PostgreSQL's deadlock_detected and serialization_failure: the transaction was aborted, run it again.
RETRY_SQLSTATES = ("40P01", "40001")
DEADLOCK_RETRIES = 2


def _perform_once(session, action: Callable[[], T], *, done: Callable[[T], Any],
                  refused: Callable[[Refusal], Any] | None, write: bool) -> Any:
    try:
        result = action()
    except AuthorizationError as refusal:
        session.rollback()
        raise denied(refusal) from None
    except Refusal as refusal:
        session.rollback()
        if refused is None:
            raise
        return refused(refusal)
    except BaseException:
        session.rollback()
        raise
    try:
        if write:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    return done(result)
