"""Relay connections with opaque keyset cursors (issue 17 point 1), and the arguments that pick
rows: ids and search strings, parsed in one place so a bad one never reaches the database.

Every list that grows is a ``Connection``: ``first``/``after`` page forward, ``last``/``before``
backward, one page size rule (1 to MAX_PAGE_SIZE), ``pageInfo`` both ways, ``edges`` and
``nodes``. A page is one statement; ``totalCount`` and a ``hasPreviousPage``/``hasNextPage``
that needs a look past a cursor each cost one more, only when the document selects them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, NoReturn, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.support.keyset import Key, KeysetList, Window
from domain.support.global_ids import RECIPIENT_KINDS, Kind, global_id, pk_of
from models.db import MAX_ROW_ID, row_id

T = TypeVar("T")
MAX_PAGE_SIZE = 100
#: Longer search strings are refused: nobody types more, and SQLite refuses LIKE patterns past 50,000.
MAX_SEARCH_LENGTH = 200
#: The longest text a cursor's sort values may hold (a name of the directory is at most 200).
MAX_CURSOR_TEXT = 400

First = Annotated[int | None, strawberry.argument(description=(
    f"Page forward: the first n rows (after `after`), 1 to {MAX_PAGE_SIZE}; without first or last, the "
    "field's default page size (in its description). Not with `last`."))]
After = Annotated[str | None, strawberry.argument(description="Rows after this cursor (an edge's cursor).")]
Last = Annotated[int | None, strawberry.argument(
    description=f"Page backward: the last n rows (before `before`), 1 to {MAX_PAGE_SIZE}. Not with `first`.")]
Before = Annotated[str | None, strawberry.argument(description="Rows before this cursor (an edge's cursor).")]

Flag = bool | Callable[[], bool]


def _bad(message: str, **extensions) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", **extensions})


@strawberry.type(description=(
    "Where a page sits in its list (Relay). The flag on the far side of a page says whether more rows lie "
    "that way; when the page was asked from a cursor, the flag on the cursor's side says whether any row "
    "lies at or beyond it (one statement, only when selected)."))
class PageInfo:
    start_cursor: str | None = strawberry.field(description="The first edge's cursor; null on an empty page.")
    end_cursor: str | None = strawberry.field(description="The last edge's cursor; null on an empty page.")
    next_flag: strawberry.Private[Flag]
    previous_flag: strawberry.Private[Flag]

    @strawberry.field(description="Rows follow this page: page on with first and after: endCursor.")
    def has_next_page(self) -> bool:
        return self.next_flag() if callable(self.next_flag) else self.next_flag

    @strawberry.field(description="Rows precede this page: page back with last and before: startCursor.")
    def has_previous_page(self) -> bool:
        return self.previous_flag() if callable(self.previous_flag) else self.previous_flag

    @classmethod
    def of(cls, cursors: Sequence[str], *, has_next: Flag, has_previous: Flag) -> PageInfo:
        return cls(start_cursor=cursors[0] if cursors else None, end_cursor=cursors[-1] if cursors else None,
                   next_flag=has_next, previous_flag=has_previous)


@strawberry.type(description="One row of a page (Relay) and its cursor. Whoever may read the list may read its rows.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="This row's place in the list, for after and before.")
    node: T = strawberry.field(description="The row.")


@strawberry.type(description=(
    f"One page of a list that grows (Relay): first/after page forward, last/before backward, 1 to {MAX_PAGE_SIZE} "
    "rows a page. Who may read it is in the description of the field that answers it."))
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's rows with their cursors, in the list's order.")
    page_info: PageInfo = strawberry.field(description="The page's cursors and whether rows lie beyond it either way.")
    count: strawberry.Private[Callable[[], int]]

    @strawberry.field(description="The page's rows, as edges { node } without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="Rows in the whole list (with its filters); counted only when selected.")
    def total_count(self) -> int:
        return self.count()


def encode_cursor(kind: str, key: Key) -> str:
    """An opaque cursor: the list's kind and the row's key (its id, or its sort values and id)."""
    text = json.dumps(list(key), separators=(",", ":")) if isinstance(key, tuple) else str(key)
    return base64.urlsafe_b64encode(f"{kind}:{text}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        prefix, _, key = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        parsed = row_id(key)
        if prefix != kind or parsed is None:
            raise ValueError
        return parsed
    except (ValueError, UnicodeDecodeError):
        raise _bad("the cursor is not valid for this list") from None


def _key_part(value) -> bool:
    if isinstance(value, str):  # PostgreSQL refuses NUL in text
        return len(value) <= MAX_CURSOR_TEXT and "\x00" not in value
    return type(value) is int and abs(value) <= MAX_ROW_ID


def decode_key(kind: str, cursor: str | None) -> Key | None:
    """The key of a cursor of ``kind``: a row id (as decode_cursor), or the tuple of a sorted
    list's sort values and id. Anything else is BAD_USER_INPUT."""
    if cursor is None:
        return None
    if len(cursor) > 4 * MAX_CURSOR_TEXT:
        _refuse_cursor()
    try:
        prefix, _, text = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != kind or not text.startswith("["):
            return decode_cursor(kind, cursor)
        values = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        _refuse_cursor()
    if not (isinstance(values, list) and values and all(_key_part(value) for value in values)):
        _refuse_cursor()
    return tuple(values)


def _refuse_cursor() -> NoReturn:
    raise _bad("the cursor is not valid for this list")


def page_size(size: int, argument: str = "first") -> int:
    if size < 1 or size > MAX_PAGE_SIZE:
        raise _bad(f"{argument} must be between 1 and {MAX_PAGE_SIZE}", argument=argument, maximum=MAX_PAGE_SIZE)
    return size


def direction(first: int | None, after: str | None, last: int | None, before: str | None, *,
              default: int) -> tuple[int, bool]:
    """The page size the Relay arguments ask for (``default`` when none is given) and whether the
    page is taken backward (last, or only before); first with last, or a size outside
    1..MAX_PAGE_SIZE, is BAD_USER_INPUT."""
    if first is not None and last is not None:
        raise _bad("first and last cannot be used together: page forward (first, after) or backward (last, before)",
                   argument="last")
    backward = last is not None or (before is not None and first is None and after is None)
    size = page_size(last, "last") if last is not None else page_size(first) if first is not None else default
    return size, backward


def window(kind: str, first: int | None, after: str | None, last: int | None, before: str | None, *,
           default: int) -> Window:
    """The page the four Relay arguments ask for, as ``direction``; a foreign cursor is BAD_USER_INPUT."""
    size, backward = direction(first, after, last, before, default=default)
    return Window(size=size, after=decode_key(kind, after), before=decode_key(kind, before), backward=backward)


def keyset_connection(session, listing: KeysetList, kind: str, window: Window, to_node) -> Connection:
    """One page of ``listing`` as a connection: one statement. ``totalCount``, and the pageInfo flag
    on a cursor's side (whether any row lies at or beyond the cursor), are one statement each, run
    only when selected; the flag on the far side comes from the extra row the page fetched."""
    if any(key is not None and not listing.accepts(key) for key in (window.after, window.before)):
        _refuse_cursor()
    page = listing.page(session, window)
    edges = [Edge(cursor=encode_cursor(kind, key), node=to_node(row))
             for row, key in zip(page.rows, listing.keys(page.rows), strict=True)]

    def beyond(key: int | None, check: Callable[[Session, int], bool]) -> Flag:
        return False if key is None else (lambda: check(session, key))

    return Connection(edges=edges, count=lambda: listing.count(session), page_info=PageInfo.of(
        [edge.cursor for edge in edges],
        has_next=(page.more and not window.backward) or beyond(window.before, listing.any_at_or_after),
        has_previous=(page.more and window.backward) or beyond(window.after, listing.any_at_or_before)))


def keyset_page(session, model, kind: str, where: list, window: Window, to_node, *,
                newest_first: bool = False, order: tuple = ()) -> Connection:
    """One page of ``model`` rows matching ``where``, by the ``order`` columns then id (id order
    alone by default; newest first when asked)."""
    listing = KeysetList(select(model).where(*where), model.id, newest_first=newest_first, order=order,
                         key_of=sorted_key(*order, model.id) if order else (lambda row: row.id))
    return keyset_connection(session, listing, kind, window, to_node)


def sorted_key(*columns) -> Callable:
    """A row's key in a list sorted on ``columns`` (the last one its id): the tuple of its values."""
    names = [column.key for column in columns]
    return lambda row: tuple(getattr(row, name) for name in names)


#: Never a row id: an argument that names no row becomes this, so the query finds nothing (or the
#: domain reports NOT_FOUND at the argument's own position) without touching the database's range.
NOT_AN_ID = -1


def parse_id(value: strawberry.ID | str | None, kind: Kind) -> int:
    """The one id parser of every resolver: the row of ``kind`` the opaque global id ``value`` names
    (domain.support.global_ids), or NOT_AN_ID. A string that is not such an id, an id of another
    kind, or someone else's row all find nothing, so each answers exactly like a missing one (null,
    an empty list, NOT_FOUND)."""
    parsed = pk_of(value, kind)
    return NOT_AN_ID if parsed is None else parsed


def parse_ids(values, kind: Kind) -> tuple[int, ...]:
    """Each id of a list, parsed by parse_id."""
    return tuple(parse_id(value, kind) for value in values or ())


def node_id(kind: Kind, pk: int) -> strawberry.ID:
    """The opaque global id a type shows for row ``pk`` of ``kind``."""
    return strawberry.ID(global_id(kind, pk))


def optional_node_id(kind: Kind, pk: int | None) -> strawberry.ID | None:
    """node_id, or None when there is no row."""
    return None if pk is None else node_id(kind, pk)


def recipient_node_id(recipient_kind: str, pk: int) -> strawberry.ID:
    """The id of a delivery's recipient: a student, a contact, a user or an imported recipient,
    as its recipientKind (models.messaging.RecipientKind) says."""
    return node_id(RECIPIENT_KINDS[recipient_kind], pk)


def search_term(value: str | None, argument: str = "search") -> str | None:
    """A search string as typed (None or blank: no search); longer than MAX_SEARCH_LENGTH is BAD_USER_INPUT."""
    if value is not None and len(value) > MAX_SEARCH_LENGTH:
        raise GraphQLError(f"{argument} may be at most {MAX_SEARCH_LENGTH} characters",
                           extensions={"code": "BAD_USER_INPUT", "argument": argument,
                                       "maxLength": MAX_SEARCH_LENGTH})
    return value
