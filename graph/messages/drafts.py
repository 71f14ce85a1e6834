"""Drafts (DRF-01, DRF-02, DRF-07, CMP-28): the drafts list, one draft reopened with everything
saved, and the gated fields the viewer may not change on it."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Annotated

import strawberry
from graphql import GraphQLError

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.access.scope import FAMILY_ROLES
from domain.access.viewer import Viewer
from domain.messages.draft_listing import (
    DraftContents,
    draft_contents,
    drafts_beyond,
    drafts_count,
    drafts_page,
    saved_at,
)
from domain.messages.drafts import DraftNotFound, Gates, camel, own_draft
from graph.node import Node
from graph.translations.manual import ManualTranslation
from graph.context import Info
from graph.messages.imports import ImportedRecipient
from graph.messages.inputs import SendMessageInput
from graph.messages.types import AttachedFile, Channel, StudentRecipientType
from graph.pagination import (
    After,
    Before,
    Connection,
    direction,
    Edge,
    First,
    keyset_page,
    Last,
    node_id,
    optional_node_id,
    PageInfo,
    parse_id,
    search_term,
    window,
)
from graph.permissions import FAMILY_REQUIRES_KEY, REQUIRES_BY_VALUE_KEY, REQUIRES_KEY, requires
from models import messaging as db


def missing_gates(viewer: Viewer) -> Gates:
    """The gated fields (and enum values) of SendMessageInput the viewer may not set, read from the
    gates declared on the input (graph.permissions.gated, gated_by_value)."""
    fields, values = set(), {}
    for field in SendMessageInput.__strawberry_definition__.fields:
        metadata = field.metadata or {}
        if REQUIRES_KEY in metadata:
            perms = metadata[REQUIRES_KEY]
            if metadata.get(FAMILY_REQUIRES_KEY) and viewer.role in FAMILY_ROLES:
                perms = metadata[FAMILY_REQUIRES_KEY]
            if not all(viewer.permissions.has(perm) for perm in perms):
                fields.add(field.python_name)
        if REQUIRES_BY_VALUE_KEY in metadata:
            lacking = frozenset(key.value for key, perms in metadata[REQUIRES_BY_VALUE_KEY].items()
                                if not all(viewer.permissions.has(perm) for perm in perms))
            if lacking:
                values[field.python_name] = lacking
    return Gates(frozenset(fields), values)


def read_only_names(viewer: Viewer) -> list[str]:
    """DRF-07 as the client sees it: input field names, ``field.VALUE`` for single enum values, and
    importedRecipients when the viewer may not import (outside recipients, RCP-22)."""
    gates = missing_gates(viewer)
    names = [camel(name) for name in gates.fields]
    names += [f"{camel(name)}.{value}" for name, lacking in gates.values.items() for value in lacking]
    if not viewer.permissions.has(Perm.OUTSIDE_RECIPIENTS):
        names.append("importedRecipients")
    return sorted(names)


@strawberry.type(description="The latest hand-over of a draft (DRF-04, DRF-08).")
class DraftAssignment:
    from_user_id: strawberry.ID = strawberry.field(description="Who assigned it; assignDraftBack returns it to them.")
    to_user_id: strawberry.ID = strawberry.field(description="Who it was assigned to (User.id).")
    note: str | None = strawberry.field(description="The assigner's note (the draft's title); null when none was "
                                                    "written.")
    assigned_at: dt.datetime = strawberry.field(description="When it was assigned (UTC).")


def _ids(kind: Kind, values: list[int]) -> list[strawberry.ID]:
    return [node_id(kind, value) for value in values]


@strawberry.type(description=(
    "A draft with everything saved (CMP-28, DRF-02): reopen it, save it again with saveDraft(id), send, "
    "schedule, assign or discard it. The selection fields mirror SendMessageInput, so a client can send "
    "them back as they are. A selection made with allStudents was expanded into studentIds when saved. "
    "Its manual translations are sent with it (TRN-05). Polls and sign-ups join later."))
class Draft(Node):
    id: strawberry.ID = strawberry.field(description="The draft's id (a Message id), for saveDraft(id), sendDraft, "
                                                     "scheduleDraft, assignDraft and discardDraft.")
    title: str = strawberry.field(description="The assignment note, else the subject (DRF-04).")
    subject: str = strawberry.field(description="The subject as saved.")
    html_body: str = strawberry.field(description="The body as saved (sanitized HTML, insert fields as written).")
    saved_at: dt.datetime = strawberry.field(description="When it was last saved (UTC) (DRF-01).")
    channels: list[Channel] = strawberry.field(description="Its message types, e.g. EMAIL (DRF-01).")
    recipient_type: StudentRecipientType | None = strawberry.field(description=(
        "Who receives it for each selected student; null when it selects no students."))
    student_ids: list[strawberry.ID] = strawberry.field(description=(
        "The students selected (an allStudents selection expanded when saved)."))
    staff_ids: list[strawberry.ID] = strawberry.field(description="The staff users selected.")
    student_group_ids: list[strawberry.ID] = strawberry.field(description="The student groups selected (RCP-19).")
    user_group_ids: list[strawberry.ID] = strawberry.field(description="The user groups selected (RCP-21).")
    imported_recipient_count: int = strawberry.field(description="CSV-imported recipients on it (IMP-01).")
    priority: bool = strawberry.field(description="Dispatched ahead of non-priority messages (CMP-07).")
    emergency: bool = strawberry.field(description="An emergency: calls and SMS override Blocked (SYS-09).")
    send_as_district: bool = strawberry.field(description="Shows the district as the sender (CMP-13).")
    send_as_school_id: strawberry.ID | None = strawberry.field(description=(
        "The school shown as the sender (CMP-14); null: not sent as a school."))
    secure: bool = strawberry.field(description="Secure email (CMP-05).")
    copy_self: bool = strawberry.field(description="The sender gets one copy on each channel (CMP-12).")
    cc: list[str] = strawberry.field(description="Email addresses copied on the email channel (CMP-22); empty: none.")
    cc_first_only: bool = strawberry.field(description="Cc on the first generated email only (CMP-23).")
    include_signature: bool = strawberry.field(description="Appends the sender's signatures (CMP-24).")
    allow_reply: bool = strawberry.field(description="Recipients may answer (CMP-19).")
    sms_text: str | None = strawberry.field(description=(
        "The SMS as composed; null: the SMS is the subject and the body (SMS-04)."))
    call_text: str | None = strawberry.field(description=(
        "What text-to-speech says on calls; null: the subject and the body (VOI-06)."))
    caller_id_id: strawberry.ID | None = strawberry.field(description=(
        "The caller ID number picked (CallerId.id); null: the default (VOI-03)."))
    family_seed: int = strawberry.field(description=(
        "The draft's once-per-family draw; sending it picks the same students (RCP-09)."))
    thread_id: strawberry.ID | None = strawberry.field(description="The thread it continues (INB-14); null: none.")
    letterhead_id: strawberry.ID | None = strawberry.field(description=(
        "The letterhead it prints under (Letterhead.id, CMP-03); null: none."))
    add_log_record: bool = strawberry.field(description=(
        "Sending writes a letter-log entry for every recipient student and user, printing for every student (CMP-10)."))
    academic_record_category: str | None = strawberry.field(description=(
        "The academic record category the letter log files it under (CMP-04, docmgmt); null: none."))
    assignment: DraftAssignment | None = strawberry.field(description="The latest hand-over; null: never assigned.")
    read_only_fields: list[str] = strawberry.field(description=(
        "DRF-07: the input fields you may not change on this draft, as named in SendMessageInput (channels.SMS "
        "for one value of an enum field; importedRecipients when you may not import). saveDraft(id) keeps their "
        "stored values: sending the same value is fine, another is READ_ONLY_FIELD. An assigned draft keeps "
        "the assigner's values; sendDraft and scheduleDraft send them as they are."))

    @strawberry.field(description="The attached files, as Message.attachments (ATT-01).")
    async def attachments(self, info: Info) -> list[AttachedFile]:
        files = await info.context.loaders.attachments_by_message_id.load(parse_id(self.id, Kind.MESSAGE))
        return [AttachedFile.of(self.id, a) for a in files]

    @strawberry.field(description=(
        "The manual translations saved with it, one per language, in language order (TRN-04, TRN-05); sending or "
        "scheduling it sends them. Send them back in SendMessageInput.translations as they are."))
    async def translations(self, info: Info) -> list[ManualTranslation]:
        return await info.context.loaders.translations_by_message_id.load(parse_id(self.id, Kind.MESSAGE))

    @strawberry.field(description="The CSV-imported recipients, in import order, 100 a page by default (IMP-05).")
    def imported_recipients(self, info: Info, first: First = None, after: After = None, last: Last = None,
                            before: Before = None) -> Connection[ImportedRecipient]:
        where = [db.ImportedRecipient.message_id == parse_id(self.id, Kind.MESSAGE)]
        return keyset_page(info.context.session, db.ImportedRecipient, "imported", where,
                           window("imported", first, after, last, before, default=100), ImportedRecipient.from_row)

    @classmethod
    def of(cls, row: db.Message, contents: DraftContents, read_only: list[str]) -> Draft:
        assignment = contents.assignment
        return cls(
            id=node_id(Kind.MESSAGE, row.id), title=row.draft_title or row.subject, subject=row.subject,
            html_body=row.html_body, saved_at=saved_at(row), channels=[Channel(c) for c in row.channels],
            recipient_type=StudentRecipientType(row.recipient_type) if row.recipient_type else None,
            student_ids=_ids(Kind.STUDENT, contents.student_ids), staff_ids=_ids(Kind.USER, contents.staff_ids),
            student_group_ids=_ids(Kind.STUDENT_GROUP, contents.student_group_ids),
            user_group_ids=_ids(Kind.USER_GROUP, contents.user_group_ids),
            imported_recipient_count=contents.imported_count, priority=row.priority, emergency=row.emergency,
            send_as_district=row.send_as_district,
            send_as_school_id=optional_node_id(Kind.SCHOOL, row.send_as_school_id or None),
            secure=row.secure, copy_self=row.copy_self, cc=list(row.cc), cc_first_only=row.cc_first_only,
            include_signature=row.include_signature, allow_reply=row.allow_reply, sms_text=row.sms_text,
            call_text=row.call_text,
            caller_id_id=optional_node_id(Kind.CALLER_ID, row.caller_id_id or None),
            family_seed=row.family_seed, thread_id=optional_node_id(Kind.THREAD, row.thread_id or None),
            letterhead_id=optional_node_id(Kind.LETTERHEAD, row.letterhead_id), add_log_record=row.add_log_record,
            academic_record_category=row.academic_record_category,
            assignment=DraftAssignment(
                from_user_id=node_id(Kind.USER, assignment.from_user_id),
                to_user_id=node_id(Kind.USER, assignment.to_user_id), note=assignment.note or None,
                assigned_at=assignment.assigned_at) if assignment else None,
            read_only_fields=read_only,
        )


def drafts_of(info: Info, rows: list[db.Message]) -> list[Draft]:
    """Draft objects for rows, their contents read in one batch."""
    contents = draft_contents(info.context.session, [row.id for row in rows])
    read_only = read_only_names(info.context.viewer)
    return [Draft.of(row, contents[row.id], read_only) for row in rows]


def _cursor(row: db.Message) -> str:
    return base64.urlsafe_b64encode(f"draft:{saved_at(row).isoformat()}|{row.id}".encode()).decode()


def _key(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if cursor is None:
        return None
    try:
        prefix, _, rest = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        at, _, key = rest.partition("|")
        if prefix != "draft":
            raise ValueError
        return dt.datetime.fromisoformat(at), int(key)
    except (ValueError, UnicodeDecodeError):
        raise GraphQLError("the cursor is not valid for this list", extensions={"code": "BAD_USER_INPUT"}) from None


@strawberry.type
class DraftQueries:
    @strawberry.field(**requires(
        "Your drafts, newest saved first (30 a page by default), each with its saved time, message types and title (DRF-01). search "
        "matches the saved date and time as shown in the district's time zone (2026-12-03, 14:05, Dec 3), the "
        "title or the subject. An assigned draft is listed by its assignee only (DRF-05, DRF-06).",
        Perm.COMMUNICATION))
    def drafts(self, info: Info, first: First = None, after: After = None, last: Last = None,
               before: Before = None, search: Annotated[str | None, strawberry.argument(description=(
                   "Text the saved date and time, the title or the subject contains; null or blank: every "
                   "draft."))] = None) -> Connection[Draft]:
        size, backward = direction(first, after, last, before, default=30)
        session, viewer, search = info.context.session, info.context.viewer, search_term(search)
        start, end = _key(after), _key(before)
        rows = drafts_page(session, viewer, search=search, after=start, before=end, limit=size + 1, backward=backward)
        more, rows = len(rows) > size, rows[:size]
        if backward:
            rows.reverse()
        edges = [Edge(cursor=_cursor(row), node=node) for row, node in zip(rows, drafts_of(info, rows), strict=True)]

        def beyond(key, newer: bool):
            return (lambda: drafts_beyond(session, viewer, search=search, key=key, newer=newer)) if key else False

        return Connection(edges=edges, count=lambda: drafts_count(session, viewer, search=search),
                          page_info=PageInfo.of([edge.cursor for edge in edges],
                                                has_next=(more and not backward) or beyond(end, newer=False),
                                                has_previous=(more and backward) or beyond(start, newer=True)))

    @strawberry.field(**requires("One of your drafts with everything saved (DRF-02, CMP-28); null when not found "
                                 "(another user's answers the same).", Perm.COMMUNICATION))
    def draft(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The draft (Draft.id).")]) -> Draft | None:
        try:
            row = own_draft(info.context.session, info.context.viewer, parse_id(id, Kind.MESSAGE))
        except DraftNotFound:
            return None
        return drafts_of(info, [row])[0]
