"""Conversation types: the viewer's threads (inbox, sent, archive), a thread's messages, and the
sender's view of one recipient (RCP-26)."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from domain.support.global_ids import Kind
from domain.content.flagging import PLACEHOLDER
from domain.conversations.threads.inbox import ThreadSummary, thread_summary
from domain.conversations.threads.labels import UNREAD_LIMIT
from domain.conversations.threads.thread_pages import PAGE_SIZE, ChannelState, ThreadPage
from domain.conversations.threads.thread_pages import ThreadMessage as ThreadPageMessage
from domain.support.keyset import KeysetList
from graph.context import Info
from graph.directory.types import Role
from graph.messages.message import Message
from graph.messages.types import (
    AttachedFile,
    Channel,
    Delivery,
    DeliveryReason,
    RecipientKind,
    delivery_reason,
)
from domain.translations.languages import ORIGINAL_LANGUAGE
from domain.translations.reading import RecipientCopy, reading_language, recipient_copy
from graph.translations.types import MessageText, TranslatedMessageText
from models.conversations import ThreadReply
from models.messaging import Message as MessageRow
from models.messaging import DeliveryStatus
from graph.pagination import (
    After,
    Before,
    Connection,
    Edge,
    encode_cursor,
    First,
    keyset_connection,
    Last,
    node_id,
    optional_node_id,
    PageInfo,
    parse_id,
    window,
)


@strawberry.type(description="One message of a conversation, with its deliveries to that recipient.")
class ThreadEntry:
    message: Message = strawberry.field(description="The message the viewer sent.")
    deliveries: list[Delivery] = strawberry.field(description="Its deliveries to this recipient, on every channel.")


@strawberry.type(description="The conversation between the viewer and one recipient (RCP-26).")
class MessageThread:
    recipient_kind: RecipientKind = strawberry.field(description="What kind of person recipientId names, as asked.")
    recipient_id: strawberry.ID = strawberry.field(description="The recipient, as asked.")
    recipient_name: str | None = strawberry.field(description="As on the newest delivery; null when none.")
    entries: Connection[ThreadEntry] = strawberry.field(description=(
        "Newest first; paged by recipientThread's first/after/last/before (20 a page by default)."))
    replies_list: strawberry.Private[KeysetList]

    @strawberry.field(description="The recipient's answers (by email to the reply address), newest first (20 a page "
                                  "by default).")
    def replies(self, info: Info, first: First = None, after: After = None, last: Last = None,
                before: Before = None) -> Connection[ThreadReplyItem]:
        return keyset_connection(info.context.session, self.replies_list, "reply",
                                 window("reply", first, after, last, before, default=20), ThreadReplyItem.of)


@strawberry.type(description="A recipient's answer filed in the conversation.")
class ThreadReplyItem:
    id: strawberry.ID = strawberry.field(description="The answer's id.")
    message_id: strawberry.ID = strawberry.field(description="The message it answers.")
    from_address: str = strawberry.field(description="The address it came from, e.g. the parent's email address.")
    body_text: str = strawberry.field(description="The new text, quoted history stripped; the placeholder "
                                                  '"Message Content Flagged" when it is flagged (INB-11, INB-12).')
    flagged: bool = strawberry.field(description="Flagged (INB-09): bodyText shows the placeholder.")
    received_at: dt.datetime = strawberry.field(description="When Homeroom received it (UTC).")

    @classmethod
    def of(cls, row: ThreadReply) -> ThreadReplyItem:
        return cls(id=node_id(Kind.THREAD_REPLY, row.id), message_id=node_id(Kind.MESSAGE, row.message_id),
                   from_address=row.from_address, received_at=row.received_at, flagged=row.flagged,
                   body_text=PLACEHOLDER if row.flagged else row.body_text)


@strawberry.type(description="The other person of a thread, as they are now: someone who no longer exists is "
                             'shown by role ("Deleted Contact", "Deleted Student", "Deleted User"), their messages '
                             "still readable (INB-23, MRG-02).")
class Correspondent:
    id: strawberry.ID = strawberry.field(description="The correspondent's user id.")
    name: str = strawberry.field(description='First and last name; for someone gone, the INB-23 label ("Deleted '
                                             'User", ...).')
    role: Role = strawberry.field(description="The correspondent's role.")
    role_label: str | None = strawberry.field(description="Administrator, Teacher, Parent, Student, or the "
                                                          "INB-23 label of someone gone.")
    school_name: str | None = strawberry.field(description="A staff member's first school (the district's sort "
                                                           "order); a student's school; a parent's first child's.")
    active: bool = strawberry.field(description="False for someone gone or inactive: their messages count as "
                                                "read (INB-24).")


@strawberry.type(description="One thread of the viewer's: one per correspondent (INB-01, INB-21).")
class InboxThread:
    id: strawberry.ID = strawberry.field(description="The thread's id; thread(id:), openThread and the other thread "
                                                     "mutations take it.")
    correspondent: Correspondent = strawberry.field(description="The other person of the thread.")
    unread_count: int = strawberry.field(description=(
        f"Unread messages the correspondent sent, at most {UNREAD_LIMIT}: only the {UNREAD_LIMIT} most recent "
        "messages of a thread count (INB-03); none from someone no longer active (INB-24)."))
    last_activity_at: dt.datetime = strawberry.field(description="When a message last went either way (UTC); the "
                                                                 "archive's order.")
    last_received_at: dt.datetime | None = strawberry.field(description="When the correspondent last wrote to the "
                                                                        "viewer (UTC), the inbox's order; null when "
                                                                        "they never did.")
    last_sent_at: dt.datetime | None = strawberry.field(description="Never set by a message sent as the district "
                                                                    "or a school (INB-21).")
    archived: bool = strawberry.field(description="In the viewer's archive (INB-15).")
    can_reply: bool = strawberry.field(description=(
        "The correspondent still exists and did not archive the thread for both (INB-16, INB-23); the rules of "
        "INB-22 are checked when replying."))

    @classmethod
    def of(cls, summary: ThreadSummary) -> InboxThread:
        return cls(
            id=node_id(Kind.THREAD, summary.thread_id),
            correspondent=Correspondent(id=node_id(Kind.USER, summary.correspondent_id),
                                        name=summary.correspondent_name, role=Role(summary.correspondent_role),
                                        role_label=summary.role_label, school_name=summary.school_name,
                                        active=summary.correspondent_active),
            unread_count=summary.unread_count, last_activity_at=summary.last_activity_at,
            last_received_at=summary.last_received_at, last_sent_at=summary.last_sent_at,
            archived=summary.archived, can_reply=summary.can_reply)


def inbox_thread(info: Info, thread_id: int) -> InboxThread | None:
    """The viewer's thread as the lists show it, or None when none of theirs has that id (for the
    payloads of mutations that change a thread)."""
    summary = thread_summary(info.context.session, user_id=info.context.viewer.id, thread_id=thread_id)
    return InboxThread.of(summary) if summary else None


InboxThreadConnection = Connection[InboxThread]


@strawberry.enum(description="What became of a message on one channel (INB-07).")
class ChannelDeliveryStateKind(enum.Enum):
    PROCESSING = strawberry.enum_value("PROCESSING", description="Still on its way: a delivery on the channel is "
                                                                 "not settled yet.")
    SENT = strawberry.enum_value("SENT", description="It went: the provider accepted it, or it was delivered or read.")
    FAILED = strawberry.enum_value("FAILED", description="Nothing went on the channel: failed at the provider, not "
                                                         "sent (reason), or cancelled.")


_STATE_LABELS = {"EMAIL": "Email sent", "SMS": "SMS sent", "VOICE": "Call sent", "PUSH": "Push sent"}


@strawberry.type(description="A message's delivery on one external channel to the correspondent (INB-07, INB-08).")
class ChannelDeliveryState:
    channel: Channel = strawberry.field(description="EMAIL, SMS, VOICE or PUSH (never INAPP: the thread itself).")
    state: ChannelDeliveryStateKind = strawberry.field(description="Processing, sent or failed.")
    reason: DeliveryReason | None = strawberry.field(
        description="Why it was not sent (NO_CONTACT_INFO when there was no address, INB-08); null when it went, is "
                    "on its way, or failed at the provider (errorCode).")
    error_code: str | None = strawberry.field(
        description="The provider's code when it failed there; null otherwise.")
    label: str = strawberry.field(description='"Processing", "Email sent", "Call sent", "SMS sent", "Failed: <reason>".')

    @classmethod
    def of(cls, state: ChannelState) -> ChannelDeliveryState:
        kind = ChannelDeliveryStateKind(state.state)
        label = {ChannelDeliveryStateKind.PROCESSING: "Processing",
                 ChannelDeliveryStateKind.FAILED: f"Failed: {state.reason}"}.get(kind, _STATE_LABELS[state.channel])
        reason = delivery_reason(state.reason) if state.reason else None
        provider_code = state.reason if reason is None and state.reason not in _STATUS_VALUES else None
        return cls(channel=Channel(state.channel), state=kind, reason=reason, error_code=provider_code, label=label)


#: A settled state's reason is a provider's code unless it is one of these statuses.
_STATUS_VALUES = frozenset({None, *(status.value for status in DeliveryStatus)})


@strawberry.type(description="One message of a thread. A flagged message shows the placeholder "
                             '"Message Content Flagged" for subject and body, without files (INB-09, INB-11); '
                             "a secure message shows its full content in-app (CMP-05). A message received in "
                             "another language shows its translation, with the original beside it (TRN-03).")
class ThreadMessage:
    id: strawberry.ID = strawberry.field(description="The message's id.")
    language: str = strawberry.field(description=(
        "The language of your copy (a BCP 47 code): for a message you received, the one fixed on your delivery "
        "when it was sent (TRN-01, TRN-02); for one you sent, the original's."))
    flagged: bool = strawberry.field(description="Flagged (INB-09): subject and body show the placeholder; "
                                                 "viewFlaggedMessage reads the content.")
    received: bool = strawberry.field(description="The correspondent sent it to you; false: you sent it.")
    author_id: strawberry.ID = strawberry.field(description="The user who wrote it, even when sent as the district "
                                                          "or a school.")
    author_name: str = strawberry.field(description="The district or school it was sent as, else the author's name "
                                                    "(INB-23 label for someone gone).")
    author_role_label: str | None = strawberry.field(description="Administrator, Teacher, Parent or Student; the "
                                                                  "INB-23 label for someone gone.")
    sent_at: dt.datetime = strawberry.field(description="When it went out (UTC): fan-out, else when it was created.")
    read: bool = strawberry.field(description="Received: you read it (a message from someone no longer active "
                                              "counts as read, INB-24). Sent: the correspondent read it.")
    read_at: dt.datetime | None = strawberry.field(description="When it was read (UTC), as read says; null while "
                                                               "unread.")
    allow_reply: bool = strawberry.field(description="Whether its sender allowed replies (CMP-18); the rules are "
                                                     "checked when replying (INB-22).")
    reader_id: strawberry.Private[int]
    row: strawberry.Private[MessageRow]

    async def _copy(self, info: Info) -> RecipientCopy:
        """The viewer's copy: a received message in the language of their delivery, through the
        per-request loader (one statement for the page's translations); a sent one as written."""
        if not self.received:
            return recipient_copy(self.row, ORIGINAL_LANGUAGE, None)
        translation = await info.context.loaders.translation_by_message_language.load((self.row.id, self.language))
        return recipient_copy(self.row, self.language, translation)

    @strawberry.field(description="The subject as you read it: the translation into your copy's language when "
                                  "there is one (TRN-03), else the original; the placeholder when flagged.")
    async def subject(self, info: Info) -> str:
        return PLACEHOLDER if self.flagged else (await self._copy(info)).shown.subject

    @strawberry.field(description="The body as sanitized HTML, as you read it: translated like subject; the "
                                  "placeholder when flagged.")
    async def html_body(self, info: Info) -> str:
        return f"<p>{PLACEHOLDER}</p>" if self.flagged else (await self._copy(info)).shown.html_body

    @strawberry.field(description="The body as plain text, as you read it: translated like subject; the "
                                  "placeholder when flagged.")
    async def text_body(self, info: Info) -> str:
        return PLACEHOLDER if self.flagged else (await self._copy(info)).shown.text_body

    @strawberry.field(description="The text as it was written, to switch to from the translation (TRN-03); the "
                                  "placeholder when flagged.")
    async def original(self, info: Info) -> MessageText:
        if self.flagged:
            return MessageText(subject=PLACEHOLDER, html_body=f"<p>{PLACEHOLDER}</p>", text_body=PLACEHOLDER)
        return MessageText.of((await self._copy(info)).original)

    @strawberry.field(description="Your copy's translation (TRN-03): manual or machine-made, into language. Null "
                                  "when your copy is the original (same language, no translation made, a message "
                                  "you sent) and when flagged.")
    async def translated(self, info: Info) -> TranslatedMessageText | None:
        if self.flagged:
            return None
        copy = await self._copy(info)
        return TranslatedMessageText.of(copy.language, copy.translated) if copy.translated else None

    @strawberry.field(description="Your message's delivery to the correspondent on each external channel: "
                                  "processing, sent or failed with a reason (INB-07, INB-08); empty for received "
                                  "messages and for a message that went in-app only.")
    async def delivery_states(self, info: Info) -> list[ChannelDeliveryState]:
        if self.received:
            return []
        states = await info.context.loaders.channel_states_by_message.load((parse_id(self.id, Kind.MESSAGE), self.reader_id))
        return [ChannelDeliveryState.of(state) for state in states]

    @strawberry.field(description="The attached files; download one with GET /messages/{id}/attachments/{fileId} "
                                  "and the bearer token (INB-07, ATT-02).")
    async def attachments(self, info: Info) -> list[AttachedFile]:
        if self.flagged:
            return []
        files = await info.context.loaders.attachments_by_message_id.load(parse_id(self.id, Kind.MESSAGE))
        return [AttachedFile.of(self.id, a) for a in files]

    @classmethod
    def of(cls, entry: ThreadPageMessage, viewer_id: int, correspondent_id: int) -> ThreadMessage:
        row = entry.message
        return cls(
            id=node_id(Kind.MESSAGE, row.id), flagged=row.flagged, row=row,
            language=reading_language(entry.language) if entry.received else ORIGINAL_LANGUAGE,
            received=entry.received, author_id=node_id(Kind.USER, row.sender_id), author_name=entry.author_name,
            author_role_label=entry.author_label, sent_at=row.fanned_out_at or row.created_at, read=entry.read,
            read_at=entry.read_at, allow_reply=row.allow_reply,
            reader_id=viewer_id if entry.received else correspondent_id)


@strawberry.type(description="A page of a thread's messages, oldest first; a thread has no totalCount (its "
                             "pages are anchored on unread messages, not counted).")
class ThreadMessageConnection:
    edges: list[Edge[ThreadMessage]] = strawberry.field(description="The page's messages with their cursors, oldest "
                                                                    "first.")
    page_info: PageInfo = strawberry.field(description="Cursors to page on: hasNextPage toward newer messages, "
                                                       "hasPreviousPage toward older ones.")

    @strawberry.field(description="The page's messages, as edges { node } without cursors.")
    def nodes(self) -> list[ThreadMessage]:
        return [edge.node for edge in self.edges]


@strawberry.type(description="One of your threads and a page of its messages in both directions (INB-05).")
class ThreadView:
    thread: InboxThread = strawberry.field(description="The thread as the viewer's lists show it.")
    anchor_message_id: strawberry.ID | None = strawberry.field(description=(
        "Asked without a cursor: the earliest unread message of the page (the most recent "
        f"{PAGE_SIZE} messages), where a client scrolls to; null when all are read (INB-03, INB-05)."))
    messages: ThreadMessageConnection = strawberry.field(description="The page of messages, both directions, "
                                                                     "oldest first.")

    @classmethod
    def of(cls, page: ThreadPage, viewer_id: int) -> ThreadView:
        edges = [Edge(cursor=encode_cursor("message", m.message.id),
                      node=ThreadMessage.of(m, viewer_id, page.thread.correspondent_id))
                 for m in page.messages]
        info = PageInfo.of([edge.cursor for edge in edges], has_next=page.has_next, has_previous=page.has_previous)
        return cls(thread=InboxThread.of(page.thread),
                   anchor_message_id=optional_node_id(Kind.MESSAGE, page.anchor_message_id or None),
                   messages=ThreadMessageConnection(edges=edges, page_info=info))
