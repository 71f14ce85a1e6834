"""Keyset pages of a list ordered by row id, in either direction (issue 17 point 1).

A list is a filtered SELECT and its order (oldest or newest id first). A page is a Window on it:
the rows after one key and before another (both in list order), the first ``size`` of them
(forward) or the last ``size`` (backward). One statement fetches ``size + 1`` rows so the extra
row says whether more lie that way; counting the list and asking whether rows lie beyond a
cursor are separate statements a caller runs only when someone asks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select


@dataclass(frozen=True)
class Window:
    """Which rows of a list one page takes: keys are row ids, bounds are exclusive."""

    size: int
    after: int | None = None
    before: int | None = None
    backward: bool = False


@dataclass(frozen=True)
class KeysetPage:
    """Up to ``size`` rows in list order, and whether more rows lie past them in the fetch direction."""

    rows: list
    more: bool


@dataclass(frozen=True)
class KeysetList:
    """A list of rows ordered by ``key`` (ascending, or descending when ``newest_first``).

    ``statement`` selects the rows with their filters; ``key_of`` reads a fetched row's key;
    ``finish`` turns the fetched rows of one page into what the page shows (e.g. loading the
    rows' figures in set-based statements), in order and one for one."""

    statement: Select
    key: Any
    newest_first: bool = False
    key_of: Callable[[Any], int] = field(default=lambda row: row.id)
    finish: Callable[[list], list] | None = None

    def _later(self, key: int):
        return self.key < key if self.newest_first else self.key > key

    def _earlier(self, key: int):
        return self.key > key if self.newest_first else self.key < key

    def page(self, session: Session, window: Window) -> KeysetPage:
        """One statement (plus ``finish``'s): the window's rows in list order."""
        statement = self.statement
        if window.after is not None:
            statement = statement.where(self._later(window.after))
        if window.before is not None:
            statement = statement.where(self._earlier(window.before))
        ascending = self.newest_first == window.backward
        statement = statement.order_by(self.key.asc() if ascending else self.key.desc()).limit(window.size + 1)
        result = session.execute(statement)
        rows = list(result.scalars() if len(statement.column_descriptions) == 1 else result.all())
        more = len(rows) > window.size
        rows = rows[:window.size]
        if window.backward:
            rows.reverse()
        if self.finish is not None and rows:
            rows = self.finish(rows)
        return KeysetPage(rows=rows, more=more)

    def keys(self, rows: Sequence) -> list[int]:
        return [self.key_of(row) for row in rows]

    def count(self, session: Session) -> int:
        """The rows of the whole list: one statement."""
        inner = self.statement.with_only_columns(self.key).order_by(None).subquery()
        return session.execute(select(func.count()).select_from(inner)).scalar_one()

    def any_at_or_before(self, session: Session, key: int) -> bool:
        """Whether the list has a row at ``key`` or before it in list order: one statement."""
        statement = self.statement.with_only_columns(self.key).where(~self._later(key)).order_by(None)
        return session.execute(select(exists(statement))).scalar_one()

    def any_at_or_after(self, session: Session, key: int) -> bool:
        """Whether the list has a row at ``key`` or after it in list order: one statement."""
        statement = self.statement.with_only_columns(self.key).where(~self._earlier(key)).order_by(None)
        return session.execute(select(exists(statement))).scalar_one()
