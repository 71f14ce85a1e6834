"""Relay-style connections with opaque keyset cursors, and the arguments that pick rows: ids and
search strings, parsed in one place so a bad one never reaches the database."""

from __future__ import annotations

import base64
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy import func, select

from models.db import row_id

T = TypeVar("T")
MAX_PAGE_SIZE = 500
#: Longer search strings are refused: nobody types more, and SQLite refuses LIKE patterns past 50,000.
MAX_SEARCH_LENGTH = 200


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


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
        raise GraphQLError("the cursor is not valid for this list", extensions={"code": "BAD_USER_INPUT"}) from None


def page_size(first: int) -> int:
    if first < 1 or first > MAX_PAGE_SIZE:
        raise GraphQLError(f"first must be between 1 and {MAX_PAGE_SIZE}", extensions={"code": "BAD_USER_INPUT"})
    return first


def connection(kind: str, nodes: list, keys: list[int], first: int, total: int, to_node) -> Connection:
    """Build a connection from up to first+1 rows fetched in key order."""
    has_next = len(nodes) > first
    nodes, keys = nodes[:first], keys[:first]
    edges = [Edge(cursor=encode_cursor(kind, key), node=to_node(node)) for node, key in zip(nodes, keys, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
        total_count=total,
    )


def keyset_page(session, model, kind: str, where: list, first: int, after: str | None, to_node) -> Connection:
    """One page of ``model`` rows matching ``where``, in id order after the cursor: two statements."""
    first = page_size(first)
    total = session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
    start = decode_cursor(kind, after)
    if start is not None:
        where = [*where, model.id > start]
    rows = session.execute(select(model).where(*where).order_by(model.id).limit(first + 1)).scalars().all()
    return connection(kind, rows, [row.id for row in rows], first, total, to_node)


#: Never a row id: an argument that names no row becomes this, so the query finds nothing (or the
#: domain reports NOT_FOUND at the argument's own position) without touching the database's range.
NOT_AN_ID = -1


def parse_id(value: strawberry.ID | str | None) -> int:
    """The one id parser of every resolver: the row id ``value`` spells (models.db.row_id), or
    NOT_AN_ID. An id that is not a number, past the integer range, or someone else's row all find
    nothing, so each answers exactly like a missing one (null, an empty list, NOT_FOUND)."""
    parsed = row_id(value)
    return NOT_AN_ID if parsed is None else parsed


def parse_ids(values) -> tuple[int, ...]:
    """Each id of a list, parsed by parse_id."""
    return tuple(parse_id(value) for value in values or ())


def search_term(value: str | None, argument: str = "search") -> str | None:
    """A search string as typed (None or blank: no search); longer than MAX_SEARCH_LENGTH is BAD_USER_INPUT."""
    if value is not None and len(value) > MAX_SEARCH_LENGTH:
        raise GraphQLError(f"{argument} may be at most {MAX_SEARCH_LENGTH} characters",
                           extensions={"code": "BAD_USER_INPUT", "argument": argument,
                                       "maxLength": MAX_SEARCH_LENGTH})
    return value
