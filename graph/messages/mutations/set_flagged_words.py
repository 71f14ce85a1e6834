"""setFlaggedWords: the district's flagged-words list (INB-11, INB-12), district administration."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.content.flagging import MAX_WORD_LENGTH, MAX_WORDS, set_flagged_words as store_flagged_words
from graph.context import Info
from graph.errors import field_errors, perform
from graph.permissions import requires_district_settings


@strawberry.type(description="The district's flagged words as stored: trimmed, lower-case, sorted, once each.")
class FlaggedWords:
    words: list[str] = strawberry.field(description="The words; empty: flagging is off.")


SetFlaggedWordsErrors = field_errors("SetFlaggedWords", ("TOO_MANY", "TOO_LONG"))
SetFlaggedWordsResult = Annotated[FlaggedWords | SetFlaggedWordsErrors, strawberry.union("SetFlaggedWordsResult", description=(
    "What setFlaggedWords answers: the stored words, or the input's errors."))]


@strawberry.type
class SetFlaggedWordsMutation:
    @strawberry.mutation(**requires_district_settings(
        "Set the district's flagged words: messages and replies containing one (whole word, any case) are flagged "
        f"and hidden automatically (INB-11, INB-12). At most {MAX_WORDS} words of at most {MAX_WORD_LENGTH} "
        "characters (TOO_MANY, TOO_LONG); an empty list turns flagging off."))
    def set_flagged_words(self, info: Info, words: Annotated[list[str], strawberry.argument(
            description="The whole list, replacing the stored one; empty turns flagging off.")]) -> SetFlaggedWordsResult:
        return perform(info, lambda: store_flagged_words(info.context.session, words),
                       refused=SetFlaggedWordsErrors.of, done=lambda stored: FlaggedWords(words=stored))
