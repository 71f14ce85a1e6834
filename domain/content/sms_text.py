"""SMS text: the district's character limit (SMS-04, SYS-03) and how many segments a text takes.

The limit is counted on the text as composed, before insert fields are filled in and before the
signature (SMS-04's reading); at delivery the filled-in text is cut to the limit. Segments follow
GSM 03.38: a text that fits the GSM-7 alphabet takes 160 characters in one segment and 153 per
segment when split (characters of the extension table count twice); anything else is sent as
UCS-2, 70 in one segment and 67 per segment when split (characters outside the BMP count twice).
"""

from __future__ import annotations

import dataclasses
import math

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclasses.dataclass(frozen=True)
class SmsCount:
    length: int  # characters, as the limit counts them
    limit: int
    encoding: str  # "GSM-7" or "UCS-2"
    segments: int  # how many SMS segments the text takes

    @property
    def over_limit(self) -> bool:
        return self.length > self.limit


def sms_count(text: str, limit: int) -> SmsCount:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, part, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / part)
    return SmsCount(len(text), limit, encoding, segments)
