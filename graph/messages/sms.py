"""smsCount: the composer's live count of an SMS against the district's limit (SMS-04, SYS-03)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.content.sms_text import sms_count
from graph.context import Info
from graph.permissions import requires


@strawberry.type(description="An SMS's length against the district's limit, and the segments it takes.")
class SmsCount:
    length: int = strawberry.field(description="Characters as composed (insert fields and signature not counted).")
    limit: int = strawberry.field(description="The district's SMS character limit (SYS-03).")
    remaining: int = strawberry.field(description="limit - length; negative when too long.")
    encoding: str = strawberry.field(description='"GSM-7", or "UCS-2" when a character needs it.')
    segments: int = strawberry.field(description="SMS segments the text takes (160/153 GSM-7, 70/67 UCS-2).")


@strawberry.type
class SmsQueries:
    @strawberry.field(**requires("Count an SMS as sendMessage will count its smsText (SMS-04).",
                                 Perm.COMMUNICATION))
    def sms_count(self, info: Info, text: Annotated[str, strawberry.argument(
            description="The SMS text as composed.")]) -> SmsCount:
        count = sms_count(text, info.context.viewer.district.sms_character_limit)
        return SmsCount(length=count.length, limit=count.limit, remaining=count.limit - count.length,
                        encoding=count.encoding, segments=count.segments)
