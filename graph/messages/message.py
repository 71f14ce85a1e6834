"""The Message type: a message and its delivery ledger, as the sender (or whoever may read its report)
sees it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from domain.content.flagging import PLACEHOLDER
from domain.reports.communication_report import readable_deliveries
from domain.support.global_ids import Kind
from graph.audit.disclosures import contact_data_shown
from graph.context import Info
from graph.messages.types import (
    AttachedFile,
    Channel,
    Delivery,
    DeliveryStatus,
    DeliveryStatusCount,
    InAppReader,
    MessageStatus,
    StudentRecipientType,
)
from graph.node import Node
from graph.translations.manual import ManualTranslation
from graph.pagination import After, Before, Connection, First, Last, keyset_page, node_id, window
from models import messaging as db


_IN_INBOX = (db.DeliveryStatus.READ.value, db.DeliveryStatus.DELIVERED.value)


@strawberry.type(description="A message and its delivery ledger. Who may read it is in the description of the "
                             "field that answers it; its deliveries and counts are narrowed to the viewer's scope "
                             "for another sender's message.")
class Message(Node):
    id: strawberry.ID = strawberry.field(description="The message's id.")
    subject: str = strawberry.field(description="The subject line.")
    html_body: str = strawberry.field(description=(
        "The email body as sanitized HTML; in a conversation a flagged message shows a placeholder instead "
        "(INB-11)."))
    status: MessageStatus = strawberry.field(description="Where the message is in its life.")
    channels: list[Channel] = strawberry.field(description=(
        "The channels the sender chose; the in-app inbox is never listed, though every recipient with an account "
        "gets it."))
    recipient_type: StudentRecipientType | None = strawberry.field(description=(
        "Who among students and their contacts it reaches (RCP-01); null when it selects no students."))
    priority: bool = strawberry.field(description="Dispatched ahead of non-priority messages (CMP-07).")
    emergency: bool = strawberry.field(description="Sent as an emergency: calls and SMS override Blocked, never "
                                                   "Callout (SYS-09).")
    send_as_district: bool = strawberry.field(description="Shows the district as the sender (CMP-13).")
    flagged: bool = strawberry.field(description="The subject or body contains one of the district's "
                                                 "flagged words; its emails open with the district's "
                                                 "disclaimer (INB-11, INB-13).")
    created_at: dt.datetime = strawberry.field(description="When it was stored (UTC).")
    completed_at: dt.datetime | None = strawberry.field(description=(
        "When every delivery reached a final status (UTC); null until then."))
    family_seed: int = strawberry.field(description="The seed of the message's once-per-family draw; "
                                                    "resolving the message again picks the same students "
                                                    "(RCP-09).")
    sms_text: str | None = strawberry.field(default=None, description=(
        "The SMS as composed, when the message has its own; null: the SMS is the subject and the body (SMS-04)."))
    allow_reply: bool = strawberry.field(default=False, description="Recipients may answer (CMP-18, CMP-19).")
    call_text: str | None = strawberry.field(default=None, description=(
        "The whole text-to-speech text; calls may say less of it (VOI-06, VOI-07). Null: calls read the subject "
        "and the body."))
    sender_id: strawberry.Private[int | None] = None  # whose message: they read every delivery of it
    row_id: strawberry.Private[int] = 0
    content_hidden: strawberry.Private[bool] = False  # INB-11: a flagged message in a conversation

    @strawberry.field(description=(
        "The manual translations the sender wrote, one per language, in language order (TRN-04); a scheduled "
        "message's and each of its occurrences' included (TRN-05). Empty in a conversation for a flagged message "
        "(INB-11)."))
    async def translations(self, info: Info) -> list[ManualTranslation]:
        if self.content_hidden:
            return []
        return await info.context.loaders.translations_by_message_id.load(self.row_id)

    def _readable(self, info: Info) -> tuple:
        return readable_deliveries(info.context.viewer, self.sender_id)

    @strawberry.field(description="The attached files; download one with GET "
                                  "/messages/{id}/attachments/{fileId} and the bearer token (ATT-01).")
    async def attachments(self, info: Info) -> list[AttachedFile]:
        files = await info.context.loaders.attachments_by_message_id.load(self.row_id)
        return [AttachedFile.of(self.id, a) for a in files]

    @strawberry.field(description="Delivery counts by status, largest first. Someone else's message counts the "
                                  "recipients in your own scope only, unless you are a district administrator.")
    async def delivery_counts(self, info: Info) -> list[DeliveryStatusCount]:
        counts = await info.context.loaders.delivery_counts_by_message.load((self.row_id, self.sender_id))
        return [DeliveryStatusCount(status=db.DeliveryStatus(s), count=c)
                for s, c in sorted(counts.items(), key=lambda row: (-row[1], row[0]))]

    @strawberry.field(description="The deliveries, in id order (100 a page by default), optionally of one status or channel. Someone "
                                  "else's message lists the recipients in your own scope only (students of yours "
                                  "and their contacts, staff at your schools), unless you are a district "
                                  "administrator.")
    def deliveries(self, info: Info, first: First = None, after: After = None, last: Last = None,
                   before: Before = None,
                   status: Annotated[DeliveryStatus | None, strawberry.argument(
                       description="Only deliveries in this status; null: every status.")] = None,
                   channel: Annotated[Channel | None, strawberry.argument(
                       description="Only deliveries on this channel; null: every channel.")] = None) -> Connection[Delivery]:
        where = [db.Delivery.message_id == self.row_id, *self._readable(info)]
        if status is not None:
            where.append(db.Delivery.status == status.value)
        if channel is not None:
            where.append(db.Delivery.channel == channel.value)
        page = keyset_page(info.context.session, db.Delivery, "delivery", where,
                           window("delivery", first, after, last, before, default=100), Delivery.from_row)
        contact_data_shown(info, "message", [self.row_id], [edge.node.student_id for edge in page.edges])
        return page

    @strawberry.field(description="Recipients who read it in-app (read receipts); like deliveryCounts, someone "
                                  "else's message counts your own scope only.")
    async def read_count(self, info: Info) -> int:
        return (await info.context.loaders.in_app_counts_by_message.load((self.row_id, self.sender_id)))[0]

    @strawberry.field(description="Recipients whose in-app inbox holds it unread.")
    async def unread_count(self, info: Info) -> int:
        return (await info.context.loaders.in_app_counts_by_message.load((self.row_id, self.sender_id)))[1]

    @strawberry.field(description="The recipients it reached in-app, in delivery order (100 a page by default), with when they read it; "
                                  "read: false lists who has not read it yet. Someone else's message lists your "
                                  "own scope only.")
    def in_app_readers(self, info: Info, read: Annotated[bool | None, strawberry.argument(description=(
            "true: only those who read it; false: only those who have not; null: both."))] = None, first: First = None, after: After = None,
                       last: Last = None, before: Before = None) -> Connection[InAppReader]:
        where = [db.Delivery.message_id == self.row_id, db.Delivery.channel == db.Channel.INAPP.value,
                 *self._readable(info)]
        if read is None:
            where.append(db.Delivery.status.in_(_IN_INBOX))
        else:
            where.append(db.Delivery.status == (db.DeliveryStatus.READ if read else db.DeliveryStatus.DELIVERED).value)
        return keyset_page(info.context.session, db.Delivery, "reader", where,
                           window("reader", first, after, last, before, default=100), InAppReader.from_row)

    @classmethod
    def in_conversation(cls, row: db.Message) -> Message:
        """INB-11: in a conversation a flagged message's content is hidden behind the placeholder,
        whoever reads it; the report (RPT-01) and message(id) still show it to those who handle it."""
        shown = cls.from_row(row)
        if row.flagged:
            shown.html_body = f"<p>{PLACEHOLDER}</p>"
            shown.sms_text = shown.call_text = None
            shown.content_hidden = True
        return shown

    @classmethod
    def from_row(cls, row: db.Message) -> Message:
        return cls(
            id=node_id(Kind.MESSAGE, row.id), subject=row.subject, html_body=row.html_body,
            status=db.MessageStatus(row.status), channels=[Channel(c) for c in row.channels],
            recipient_type=StudentRecipientType(row.recipient_type) if row.recipient_type else None,
            priority=row.priority, emergency=row.emergency, send_as_district=row.send_as_district,
            flagged=row.flagged, created_at=row.created_at, completed_at=row.completed_at,
            family_seed=row.family_seed, sms_text=row.sms_text, allow_reply=row.allow_reply, call_text=row.call_text,
            sender_id=row.sender_id, row_id=row.id,
        )
