"""The district's flagged-words list (INB-11, INB-12)."""

from __future__ import annotations

import strawberry
from sqlalchemy import update

from domain.permissions import Perm
from graph.context import Info
from graph.permissions import requires
from models.directory import District


@strawberry.type
class FlaggedWordsMutations:
    @strawberry.mutation(**requires("Set the district's flagged words: replies containing one (whole word, any "
                                    "case) are flagged and hidden automatically (INB-11, INB-12).", Perm.FLAG_MESSAGES))
    def set_flagged_words(self, info: Info, words: list[str]) -> list[str]:
        cleaned = sorted({word.strip().lower() for word in words if word.strip()})
        session = info.context.session
        session.execute(update(District).values(flagged_words=cleaned))
        session.commit()
        return cleaned
