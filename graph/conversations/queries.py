"""Conversation queries: the viewer's inbox, sent and archive lists, one thread's messages, and
the sender's view of one recipient (recipientThread, RCP-26)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Annotated

import strawberry
from graphql import GraphQLError

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.threads.inbox import Box, Key, count_threads, list_threads
from domain.conversations.threads.thread_pages import PAGE_SIZE, thread_page
from domain.conversations.threads.thread_sides import ThreadNotFound
from domain.conversations.threads.recipient_thread import replies_from, sent_thread
from graph.audit.disclosures import contact_data_shown
from graph.context import Info
from graph.conversations.types import (
    InboxThread,
    InboxThreadConnection,
    MessageThread,
    ThreadEntry,
    ThreadView,
)
from graph.messages.message import Message
from graph.messages.types import Delivery, RecipientKind
from graph.pagination import (
    MAX_SEARCH_LENGTH,
    RECIPIENT_KINDS,
    After,
    Before,
    Connection,
    decode_cursor,
    Edge,
    First,
    keyset_connection,
    Last,
    page_size,
    PageInfo,
    parse_id,
    search_term,
    window,
)
from graph.permissions import requires
from models import messaging as db


def _bad(message: str, **extensions) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", **extensions})


def _encode_key(box: Box, key: Key) -> str:
    return base64.urlsafe_b64encode(f"{box.value}|{key[0].isoformat()}|{key[1]}".encode()).decode()


def _decode_key(box: Box, cursor: str | None) -> Key | None:
    if cursor is None:
        return None
    try:
        prefix, at, thread_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        if prefix != box.value:
            raise ValueError
        return dt.datetime.fromisoformat(at), int(thread_id)
    except (ValueError, UnicodeDecodeError):
        raise _bad("the cursor is not valid for this list") from None


def _direction(first: int | None, after: str | None, last: int | None, before: str | None) -> bool:
    """True to page forward (first/after), False backward (last/before); sizes checked."""
    if (first is not None or after is not None) and (last is not None or before is not None):
        raise _bad("page forward (first, after) or backward (last, before), not both", argument="last")
    for size, argument in ((first, "first"), (last, "last")):
        if size is not None:
            page_size(size, argument)
    return not (last is not None or before is not None)


def thread_list(info: Info, box: Box, name: str | None, first: int | None, after: str | None, last: int | None,
                before: str | None) -> InboxThreadConnection:
    """One page of a list; one statement (and one more for totalCount when asked)."""
    forward = _direction(first, after, last, before)
    name = search_term(name, "name")
    session, user_id = info.context.session, info.context.viewer.id
    size = (first if forward else last) or PAGE_SIZE
    start, end = _decode_key(box, after), _decode_key(box, before)
    rows = list_threads(session, user_id=user_id, box=box, name=name, after=start, before=end, limit=size + 1,
                        backwards=not forward)
    more = len(rows) > size
    rows = rows[:size] if forward else rows[-size:] if rows else rows
    edges = [Edge(cursor=_encode_key(box, row.key(box)), node=InboxThread.of(row)) for row in rows]
    page_info = PageInfo.of([edge.cursor for edge in edges], has_next=more if forward else end is not None,
                            has_previous=start is not None if forward else more)
    return Connection(edges=edges, page_info=page_info,
                                 count=lambda: count_threads(session, user_id=user_id, box=box, name=name))


_LIST_ARGS = ("Relay paging both ways: first/after to older threads, last/before to newer ones; at most "
              f"{PAGE_SIZE} by default; name filters by the correspondent's name (INB-04).")

CorrespondentName = Annotated[str | None, strawberry.argument(description=(
    f"Only threads whose correspondent's name contains this, case-blind (INB-04); at most {MAX_SEARCH_LENGTH} "
    "characters; null or blank: every thread."))]


@strawberry.type
class ConversationQueries:
    @strawberry.field(**requires(
        "The viewer's inbox: one thread per correspondent who wrote to them, most recently received first, with "
        "the correspondent's name, school and role and the unread count; archived threads are in archive "
        f"(INB-01, INB-03, INB-15). {_LIST_ARGS}", Perm.COMMUNICATION))
    def inbox(self, info: Info, name: CorrespondentName = None, first: First = None, after: After = None,
              last: Last = None, before: Before = None) -> InboxThreadConnection:
        return thread_list(info, Box.INBOX, name, first, after, last, before)

    @strawberry.field(**requires(
        "The viewer's sent list: one thread per recipient they wrote to, most recently sent first; messages sent "
        f"as the district or a school are not in it; archived threads are in archive (INB-21). {_LIST_ARGS}",
        Perm.COMMUNICATION))
    def sent(self, info: Info, name: CorrespondentName = None, first: First = None, after: After = None,
             last: Last = None, before: Before = None) -> InboxThreadConnection:
        return thread_list(info, Box.SENT, name, first, after, last, before)

    @strawberry.field(**requires(
        f"The viewer's archived threads, latest activity first (INB-15, INB-20). {_LIST_ARGS}", Perm.COMMUNICATION))
    def archive(self, info: Info, name: CorrespondentName = None, first: First = None, after: After = None,
                last: Last = None, before: Before = None) -> InboxThreadConnection:
        return thread_list(info, Box.ARCHIVE, name, first, after, last, before)

    @strawberry.field(**requires(
        "One of the viewer's threads (null for any other id, another user's included) and a page of its messages "
        f"in both directions, oldest first, {PAGE_SIZE} at a time: first/after to newer messages, last/before to "
        f"older ones; with no cursor the most recent {PAGE_SIZE} and the earliest unread among them as "
        "anchorMessageId (INB-03, INB-05). Reading does not mark anything read: openThread does.",
        Perm.COMMUNICATION))
    def thread(self, info: Info,
               id: Annotated[strawberry.ID, strawberry.argument(description="The thread's id (InboxThread.id).")],
               first: First = None, after: After = None, last: Last = None,
               before: Before = None) -> ThreadView | None:
        forward = _direction(first, after, last, before)
        start, end = decode_cursor("message", after), decode_cursor("message", before)
        viewer_id = info.context.viewer.id
        try:
            page = (thread_page(info.context.session, user_id=viewer_id, thread_id=parse_id(id, Kind.THREAD), first=first or PAGE_SIZE,
                                after=start) if forward and (first is not None or after is not None)
                    else thread_page(info.context.session, user_id=viewer_id, thread_id=parse_id(id, Kind.THREAD), last=last,
                                     before=end))
        except ThreadNotFound:
            return None
        return ThreadView.of(page, viewer_id)

    @strawberry.field(**requires(
        "The conversation between the viewer and one recipient: every message the viewer sent "
        "that reached them (batch messages included; not those sent as the district or a school), newest first (20 a page by default), each with its "
        "deliveries to them (RCP-26). "
        "Named thread before issue 15.",
        Perm.COMMUNICATION))
    def recipient_thread(self, info: Info,
                         recipient_kind: Annotated[RecipientKind, strawberry.argument(
                             description="What kind of person recipientId names, as on Delivery.recipientKind.")],
                         recipient_id: Annotated[strawberry.ID, strawberry.argument(
                             description="The recipient, as on Delivery.recipientId.")],
                         first: First = None, after: After = None, last: Last = None,
                         before: Before = None) -> MessageThread:
        page = window("thread", first, after, last, before, default=20)
        listing = sent_thread(info.context.session, info.context.viewer.id, db.RecipientKind(recipient_kind.value),
                              parse_id(recipient_id, RECIPIENT_KINDS[recipient_kind.value]))
        entries = keyset_connection(info.context.session, listing, "thread", page, lambda entry: ThreadEntry(
            message=Message.in_conversation(entry.message),
            deliveries=[Delivery.from_row(d) for d in entry.deliveries]))
        shown = [edge.node for edge in entries.edges]
        newest = shown[0].deliveries[0] if shown and shown[0].deliveries else None
        contact_data_shown(info, "recipientThread", [parse_id(entry.message.id, Kind.MESSAGE) for entry in shown],
                           [d.student_id for entry in shown for d in entry.deliveries])
        return MessageThread(
            replies_list=replies_from(info.context.viewer.id, db.RecipientKind(recipient_kind.value),
                                      parse_id(recipient_id, RECIPIENT_KINDS[recipient_kind.value])),
            recipient_kind=recipient_kind, recipient_id=recipient_id,
            recipient_name=newest.recipient_name if newest else None,
            entries=entries,
        )
