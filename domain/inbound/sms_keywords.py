"""The carrier keywords of two-way SMS: an answer that is only STOP (or one of its synonyms)
opts the number out of SMS; START, UNSTOP or YES opts it back in; HELP (or INFO) is answered with
the district's help text. Any case, surrounding
whitespace ignored. Anything else is an ordinary answer."""

from __future__ import annotations

import enum

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPT OUT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})


class Keyword(str, enum.Enum):
    OPT_OUT = "OPT_OUT"
    OPT_IN = "OPT_IN"
    HELP = "HELP"


def keyword_of(text: str) -> Keyword | None:
    word = " ".join(text.split()).upper()
    if word in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    if word in OPT_IN_WORDS:
        return Keyword.OPT_IN
    if word in HELP_WORDS:
        return Keyword.HELP
    return None


def help_text(district) -> str:
    """The district's answer to HELP."""
    return district.sms_help_text or (f"{district.name}: school messages. Reply STOP to stop them, START to get "
                                      "them again.")
