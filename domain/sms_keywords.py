"""The carrier keywords of two-way SMS: an answer that is only STOP (or one of its synonyms)
opts the number out of SMS; START, UNSTOP or YES opts it back in. Any case, surrounding
whitespace ignored. Anything else is an ordinary answer."""

from __future__ import annotations

import enum

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPT OUT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "YES"})


class Keyword(str, enum.Enum):
    OPT_OUT = "OPT_OUT"
    OPT_IN = "OPT_IN"


def keyword_of(text: str) -> Keyword | None:
    word = " ".join(text.split()).upper()
    if word in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    if word in OPT_IN_WORDS:
        return Keyword.OPT_IN
    return None
