"""Where a reader is in the delivery feed, and the opaque cursor a client holds.

A position is ``(tx, id)``: the writing transaction (PostgreSQL's xid8; 0 on SQLite) and the
event id. Events are read in that order and only from transactions older than every one still
running, so every event that becomes visible later sorts after every position already handed out.
"""

from __future__ import annotations

import base64
import dataclasses

CURSOR_PREFIX = "feed:v1:"


class CursorInvalid(ValueError):
    """The text is not a delivery feed cursor."""


class CursorExpired(Exception):
    """Retention has pruned events after this cursor: resuming from it would skip them."""


@dataclasses.dataclass(frozen=True, order=True)
class FeedPosition:
    tx: int
    event_id: int

    @property
    def cursor(self) -> str:
        return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{self.tx}:{self.event_id}".encode()).decode()

    @classmethod
    def parse(cls, cursor: str) -> FeedPosition:
        """The position a cursor names; anything else is CursorInvalid."""
        try:
            text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        except (ValueError, UnicodeError):
            raise CursorInvalid("the cursor is not a delivery feed cursor") from None
        tx, _, event_id = text.removeprefix(CURSOR_PREFIX).partition(":")
        if not text.startswith(CURSOR_PREFIX) or not (tx.isdigit() and event_id.isdigit()) \
                or len(tx) > 19 or len(event_id) > 19 or int(tx) >= 2**63 or int(event_id) >= 2**63:
            raise CursorInvalid("the cursor is not a delivery feed cursor")
        return cls(int(tx), int(event_id))


#: Before every event.
START = FeedPosition(0, 0)
