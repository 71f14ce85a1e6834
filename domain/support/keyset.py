"""Keyset pages of a list in a fixed order, in either direction (issue 17 point 1).

A list is a filtered SELECT and its order: a unique key column (the row id, oldest or newest
first), optionally after leading sort columns (a name, a display order), so the order is total.
A page is a Window on it: the rows after one key and before another (both in list order), the
first ``size`` of them (forward) or the last ``size`` (backward). One statement fetches
``size + 1`` rows so the extra row says whether more lie that way; counting the list and asking
whether rows lie beyond a cursor are separate statements a caller runs only when someone asks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, exists, func, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

#: A row's place in its list: its id, or (leading sort values..., id) when the list sorts on more.
Key = int | tuple


@dataclass(frozen=True)
class Window:
    """Which rows of a list one page takes: bounds are keys, exclusive."""

    size: int
    after: Key | None = None
    before: Key | None = None
    backward: bool = False


@dataclass(frozen=True)
class KeysetPage:
    """Up to ``size`` rows in list order, and whether more rows lie past them in the fetch direction."""

    rows: list
    more: bool


def _python_type(column) -> type:
    # SQLModel's AutoString (a TypeDecorator over String) says ``object``; a string column takes str.
    kind = getattr(column.type, "impl", column.type)
    return str if isinstance(kind, String) else kind.python_type


def _row_id(row) -> int:
    return row.id


@dataclass(frozen=True)
class KeysetList:
    """A list of rows ordered by ``order`` then ``key`` (all ascending, or all descending when
    ``newest_first``).

    ``statement`` selects the rows with their filters; ``key_of`` reads a page row's key (its id,
    or the tuple of its ``order`` values and id); ``finish`` turns the fetched rows of one page
    into what the page shows (e.g. loading the rows' figures in set-based statements), in order
    and one for one."""

    statement: Select
    key: Any
    newest_first: bool = False
    key_of: Callable[[Any], Key] = _row_id
    finish: Callable[[list], list] | None = None
    order: tuple = ()

    def _columns(self) -> tuple:
        return (*self.order, self.key)

    def accepts(self, key: Key) -> bool:
        """Whether ``key`` has this list's shape (a cursor of another list does not)."""
        values = key if isinstance(key, tuple) else (key,)
        columns = self._columns()
        return len(values) == len(columns) and all(
            type(value) is _python_type(column) for value, column in zip(values, columns, strict=True))

    def _compare(self, key: Key, later: bool):
        columns = self._columns()
        values = key if isinstance(key, tuple) else (key,)
        left, right = (columns[0], values[0]) if len(columns) == 1 else (tuple_(*columns), tuple_(*values))
        return left < right if later == self.newest_first else left > right

    def page(self, session: Session, window: Window) -> KeysetPage:
        """One statement (plus ``finish``'s): the window's rows in list order."""
        statement = self.statement
        if window.after is not None:
            statement = statement.where(self._compare(window.after, later=True))
        if window.before is not None:
            statement = statement.where(self._compare(window.before, later=False))
        ascending = self.newest_first == window.backward
        statement = statement.order_by(*(column.asc() if ascending else column.desc() for column in self._columns()))
        result = session.execute(statement.limit(window.size + 1))
        rows = list(result.scalars() if len(statement.column_descriptions) == 1 else result.all())
        more = len(rows) > window.size
        rows = rows[:window.size]
        if window.backward:
            rows.reverse()
        if self.finish is not None and rows:
            rows = self.finish(rows)
        return KeysetPage(rows=rows, more=more)

    def keys(self, rows: Sequence) -> list[Key]:
        return [self.key_of(row) for row in rows]

    def count(self, session: Session) -> int:
        """The rows of the whole list: one statement."""
        inner = self.statement.with_only_columns(self.key).order_by(None).subquery()
        return session.execute(select(func.count()).select_from(inner)).scalar_one()

    def any_at_or_before(self, session: Session, key: Key) -> bool:
        """Whether the list has a row at ``key`` or before it in list order: one statement."""
        statement = self.statement.with_only_columns(self.key).where(~self._compare(key, later=True)).order_by(None)
        return session.execute(select(exists(statement))).scalar_one()

    def any_at_or_after(self, session: Session, key: Key) -> bool:
        """Whether the list has a row at ``key`` or after it in list order: one statement."""
        statement = self.statement.with_only_columns(self.key).where(~self._compare(key, later=False)).order_by(None)
        return session.execute(select(exists(statement))).scalar_one()
