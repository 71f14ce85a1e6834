"""The district's flagged words (INB-11, INB-12, INB-13): a message or an email reply containing
one (a whole word, whatever its case) is flagged automatically, shown as "Message Content
Flagged" in the app, and its emails open with the fixed disclaimer.

The list is district administration (Perm.DISTRICT_SETTINGS) and bounded; every send and every
inbound reply is checked against it, so its matcher is built once per version of the list.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from sqlalchemy import select, update
from sqlmodel import Session

from domain.support.errors import FieldProblem, InvalidInput
from models.directory import District

#: What the app shows in place of flagged content (INB-09).
PLACEHOLDER = "Message Content Flagged"

#: INB-13: the fixed wording that opens the email of an automatically flagged message.
DISCLAIMER = ("Disclaimer: The following message has been automatically flagged for inappropriate content. "
              "Reader discretion is advised.")

#: A list of 100,000 words made every send take 2.5 s; a district's list is a few hundred at most.
MAX_WORDS = 1_000
MAX_WORD_LENGTH = 100

_WORD_RUN = re.compile(r"\w+")


@dataclasses.dataclass(frozen=True)
class FlaggedWordMatcher:
    """Whole-word, case-blind matching of one version of the list: an entry made only of word
    characters is one set lookup per word of the text; the others (phrases, punctuation) share
    one compiled alternation bounded like a word, ``(?<!\\w)…(?!\\w)``."""

    words: frozenset[str]
    others: re.Pattern[str] | None

    def search(self, text: str) -> bool:
        lowered = text.lower()
        if self.words and not self.words.isdisjoint(_WORD_RUN.findall(lowered)):
            return True
        return self.others is not None and self.others.search(lowered) is not None


@functools.lru_cache(maxsize=4)
def matcher_for(flagged_words: tuple[str, ...]) -> FlaggedWordMatcher:
    """The matcher of one version of the list, built on its first use and reused after (the key is
    the list itself, so a change of the list is a new matcher)."""
    entries = {word.lower() for word in flagged_words if word.strip()}
    words = frozenset(entry for entry in entries if _WORD_RUN.fullmatch(entry))
    others = sorted(entries - words)
    pattern = None
    if others:
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, others)) + r")(?!\w)")
    return FlaggedWordMatcher(words, pattern)


def contains_flagged_word(session: Session, *texts: str) -> bool:
    words = session.execute(select(District.flagged_words).limit(1)).scalar_one() or []
    if not words:
        return False
    return matcher_for(tuple(words)).search("\n".join(texts))


def set_flagged_words(session: Session, words: list[str]) -> list[str]:
    """Replace the district's list (trimmed, lower-cased, de-duplicated, sorted); an empty list
    turns flagging off. Raises InvalidInput, writing nothing, for a list past the bounds."""
    if len(words) > MAX_WORDS:
        raise InvalidInput([FieldProblem(("words",), "TOO_MANY",
                                         f"{len(words)} flagged words; the list holds at most {MAX_WORDS}.")])
    too_long = [(index, word) for index, word in enumerate(words) if len(word.strip()) > MAX_WORD_LENGTH]
    if too_long:
        raise InvalidInput([FieldProblem(("words", index), "TOO_LONG",
                                         f"A flagged word is {len(word.strip())} characters; at most "
                                         f"{MAX_WORD_LENGTH}.") for index, word in too_long[:20]])
    cleaned = sorted({word.strip().lower() for word in words if word.strip()})
    session.execute(update(District).values(flagged_words=cleaned))
    return cleaned
