"""The district's flagged-words list (INB-11, INB-12): district administration."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.errors import InvalidInput
from domain.content.flagging import MAX_WORD_LENGTH, MAX_WORDS, set_flagged_words as store_flagged_words
from graph.context import Info
from graph.messages.inputs import SendMessageErrors, to_errors
from graph.permissions import requires_district_settings


@strawberry.type(description="The district's flagged words as stored: trimmed, lower-case, sorted, once each.")
class FlaggedWords:
    words: list[str]


SetFlaggedWordsResult = Annotated[FlaggedWords | SendMessageErrors, strawberry.union("SetFlaggedWordsResult")]


@strawberry.type
class FlaggedWordsMutations:
    @strawberry.mutation(**requires_district_settings(
        "Set the district's flagged words: messages and replies containing one (whole word, any case) are flagged "
        f"and hidden automatically (INB-11, INB-12). At most {MAX_WORDS} words of at most {MAX_WORD_LENGTH} "
        "characters (TOO_MANY, TOO_LONG); an empty list turns flagging off."))
    def set_flagged_words(self, info: Info, words: list[str]) -> SetFlaggedWordsResult:
        session = info.context.session
        try:
            stored = store_flagged_words(session, words)
        except InvalidInput as invalid:
            session.rollback()
            return to_errors(invalid.problems)
        session.commit()
        return FlaggedWords(words=stored)
