"""Text-to-speech limits (VOI-06, VOI-07, SYS-11): 1,000 characters per minute of the district's
call-minute limit (1, 2 or 3 minutes). The text as composed must fit; at delivery the text with its
insert fields filled in is cut to the limit, while the message keeps the whole text."""

from __future__ import annotations

CHARACTERS_PER_MINUTE = 1_000
CALL_MINUTES = (1, 2, 3)


def tts_limit(call_minutes: int) -> int:
    return CHARACTERS_PER_MINUTE * max(1, min(call_minutes, CALL_MINUTES[-1]))
