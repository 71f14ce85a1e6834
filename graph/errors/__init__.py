"""Expected errors in mutation payloads (STYLE "Two kinds of error"), in one vocabulary and one mapping.

Every mutation whose input a user can get wrong answers ``<Mutation>Result``, a union of its
success type and ``<Mutation>Errors { errors: [<Mutation>Error!]! }``; each ``<Mutation>Error``
implements ``UserError`` (field, path, code, message) with ``code: UserErrorCode``, the one enum of
every code (issue 17 point 2). A mutation's description ends with the codes it can return
(``document_error_codes``); ``field_errors`` builds the two types and refuses a code the mutation
did not declare; ``perform`` runs a domain action and maps its refusal to the payload.
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

#: What each code means, written once: the values of UserErrorCode.
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
    "IN_USE": "Something still uses it (the message names what); change that first (TPL-15).",
    "IRREVERSIBLE": "The change was one-way and has been made; it cannot be undone (EDT-02: the original text "
                    "editor cannot be turned back on).",
    "UNSUPPORTED_LANGUAGE": "The language is not one messages can be translated into (supportedLanguages, TRN-04).",
    "SAME_AS_ORIGINAL": "A manual translation names the original's own language (TRN-04).",
    "DUPLICATE_LANGUAGE": "A language has more than one manual translation (TRN-04).",
    "CONFIRMATION_REQUIRED": "The action needs explicit confirmation (confirm: true); nothing was done.",
    "NOT_FLAGGED": "The message is not flagged (INB-09).",
    "NOT_A_STUDENT": "The message's author is not a student (INB-09: referrals are for students).",
    "SAME_STUDENT": "A student cannot be merged into itself (MRG-01).",
    "EXPIRY_IN_THE_PAST": "An expiry must be in the future.",
    "PRIOR_SCHOOL_YEAR": "Your session works in a school year that has ended; new messages are neither sent nor "
                         "scheduled from it (SYS-08). Select the current or a later year (selectSchoolYear).",
    "NO_SIGN_IN_SESSION": "The credential has no sign-in session (a partner key, or a provider's token used "
                          "directly), so it always works in the current school year.",
    # a CSV file of recipients (importRecipients, IMP-*)
    "INVALID_MAPPING": "The column mapping is not usable: positions start at 0, one field per column, an email or "
                       "a phone column (IMP-02).",
    "PHONE_COLUMN_REQUIRED": "The district has the Call Out System, so the file needs a phone column (IMP-02).",
    "TOO_LARGE": "The file is larger than allowed.",
    "TOO_MANY_ROWS": "The file has more rows than allowed.",
    "MALFORMED_CSV": "The file is not valid CSV; the message says where.",
    "MISSING_NAME": "The row has no name.",
    "BAD_EMAIL": "The email address is not valid.",
    "BAD_PHONE": "The phone number is not valid.",
    "NO_CONTACT_INFO": "The row has neither an email address nor a phone number.",
    # the writing assistant (rewriteText, generateText, refineSuggestion; issue 18 point 6)
    "RATE_LIMITED": "You have made as many calls as allowed for now; the message says how long to wait.",
    "ASSISTANT_NOT_CONFIGURED": "No writing assistant is set up for the district (HOMEROOM_ASSISTANT_PLUGIN).",
    "ASSISTANT_UNAVAILABLE": "The writing assistant's provider is busy, failing or unreachable; try again later "
                             "(the message says when, if the provider did).",
    "ASSISTANT_FAILED": "The writing assistant's provider refused the call or answered something unusable; trying "
                        "again will not help until its configuration is fixed.",
}

#: The codes of a message input (sendMessage, saveDraft, scheduleMessage, recipientPlan, ...):
#: domain.messages.request.validate_send_request and the caller ID it picks.
MESSAGE_INPUT_CODES = ("REQUIRED", "TOO_LONG", "TOO_MANY", "RECIPIENTS_EMPTY", "NOT_FOUND", "INVALID", "CONFLICT",
                       "DUPLICATE", "EXCLUDED_SCHOOL", "UNKNOWN_FIELD", "NO_CALLER_ID", "INVALID_CHARACTERS")
#: The codes of a schedule input (domain.scheduling.rules.validate_new_schedule and its edit).
SCHEDULE_CODES = ("REQUIRED", "IN_THE_PAST", "INVALID", "BEFORE_START")
#: What sending or scheduling a new message adds: the session's school year is a prior one (SYS-08,
#: domain.directory.school_years).
NEW_MESSAGE_CODES = ("PRIOR_SCHOOL_YEAR",)
#: The codes of a caller ID, one or a CSV of them (domain.telephony.caller_ids).
CALLER_ID_CODES = ("REQUIRED", "TOO_LONG", "INVALID_CHARACTERS", "INVALID", "NOT_FOUND", "CONFLICT")


UserErrorCode = strawberry.enum(
    enum.Enum("UserErrorCode", {code: strawberry.enum_value(code, description=text)
                                for code, text in CODE_DESCRIPTIONS.items()}),
    name="UserErrorCode",
    description="Why a mutation refused its input: one vocabulary for every mutation. Each mutation's description "
                "lists the codes it can return.")


@strawberry.interface(description="A problem with the input that the user can fix; nothing was written. Every "
                                  "mutation's error type implements it, so `... on UserError { field code message }` "
                                  "reads the errors of any mutation.")
class UserError:
    field: str = strawberry.field(description='The input path joined with dots, e.g. "input.studentIds.2"; an '
                                              'argument\'s name, e.g. "id", when the argument is the problem.')
    path: list[str] = strawberry.field(description='The same path as a list, e.g. ["input", "studentIds", "2"].')
    code: UserErrorCode = strawberry.field(description="What is wrong, from the one vocabulary of every mutation.")
    message: str = strawberry.field(description="A sentence to show the user.")


class UserErrors:
    """The base of every ``<Mutation>Errors`` payload built by ``field_errors``."""

    errors: list
    error_type: type
    error_codes: tuple[str, ...]  # what this mutation may answer; document_error_codes reads it of any payload

    @classmethod
    def of(cls, refusal: Refusal) -> Any:
        """The payload of an InvalidInput: one error per problem, each code one this mutation declares.
        Any other refusal (the CMP-27 confirmation) is a mutation's own payload: send and schedule
        mutations map it first (graph.messages.sending.refused_or_confirm), so it never reaches here."""
        if not isinstance(refusal, InvalidInput):
            raise TypeError(f"{cls.__name__} carries field problems, not {type(refusal).__name__}") from refusal
        return cls.of_problems(refusal.problems)

    @classmethod
    def of_problems(cls, problems: list[FieldProblem]) -> Any:
        return cls(errors=[cls.error(problem.path, problem.code, problem.message) for problem in problems])

    @classmethod
    def not_found(cls, argument: str, message: str) -> Any:
        """The payload of an id (the ``argument``) that names nothing the viewer may use: a foreign
        id, a missing one and a malformed one all answer this, byte for byte."""
        return cls(errors=[cls.error((argument,), "NOT_FOUND", message)])

    @classmethod
    def error(cls, path: Iterable[Any], code: str, message: str) -> Any:
        if code not in cls.error_codes:  # a domain code this mutation does not declare: a bug, not user input
            raise ValueError(f"{code} is not a code of {cls.__name__}")
        parts = [str(part) for part in path]
        return cls.error_type(path=parts, field=".".join(parts), code=UserErrorCode(code), message=message)


#: The base's old name (issue 14), kept for code that still says it.
FieldErrors = UserErrors


def field_errors(mutation: str, codes: Iterable[str]) -> type[UserErrors]:
    """``<Mutation>Error`` (a UserError) and the ``<Mutation>Errors`` payload of one mutation
    (``mutation`` in PascalCase), whose errors carry only ``codes``."""
    wanted = tuple(dict.fromkeys(codes))
    unknown = [code for code in wanted if code not in CODE_DESCRIPTIONS]
    if unknown:
        raise ValueError(f"{mutation} declares codes UserErrorCode does not have: {unknown}")
    listed = ", ".join(wanted)
    error_type = strawberry.type(
        type(f"{mutation}Error", (UserError,), {}),
        name=f"{mutation}Error",
        description=f"A problem with the {_lower_first(mutation)} input. Its code is one of: {listed}.")
    errors_type = strawberry.type(
        type(f"{mutation}Errors", (UserErrors,), {"__annotations__": {"errors": list[error_type]},
                                                  "error_type": error_type, "error_codes": wanted,
                                                  "errors": strawberry.field(description=(
                                                      "One entry per problem, each with its field path and code; "
                                                      "never empty."))}),
        name=f"{mutation}Errors", description=f"The input had problems; nothing was written. Codes: {listed}.")
    return errors_type


def error_codes_sentence(codes: Iterable[str]) -> str:
    return "Error codes (UserErrorCode): " + ", ".join(codes) + "."


def document_error_codes(root: type) -> None:
    """End the description of each field of ``root`` (Mutation, Query) that can answer a
    ``<Mutation>Errors`` payload with the codes it can return, so the SDL says it (issue 17 point 2)."""
    for field in root.__strawberry_definition__.fields:
        members = getattr(field.type, "types", None) or getattr(getattr(field.type, "of_type", None), "types", ())
        codes = [code for member in members for code in getattr(member, "error_codes", ())]
        if codes and "Error codes (UserErrorCode)" not in (field.description or ""):
            field.description = f"{(field.description or '').rstrip()} {error_codes_sentence(codes)}".lstrip()


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
