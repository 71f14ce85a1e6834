"""Message queries."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from domain.permissions import Perm
from graph.context import Info
from graph.messages.types import Message
from graph.pagination import parse_id
from graph.permissions import requires
from models import messaging as db


@strawberry.type
class MessageQueries:
    @strawberry.field(**requires("A message the viewer sent, with its delivery ledger; null when not found.",
                                 Perm.COMMUNICATION))
    def message(self, info: Info, id: strawberry.ID) -> Message | None:
        row = info.context.session.execute(
            select(db.Message).where(db.Message.id == parse_id(id), db.Message.sender_id == info.context.viewer.id)
        ).scalars().first()
        return Message.from_row(row) if row else None
