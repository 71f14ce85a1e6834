"""Communication report types (RPT-*)."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from graph.messages.types import DeliveryStatusCount, Message


@strawberry.enum(description="Who a message is from (RPT-03).")
class MessageSource(enum.Enum):
    USER = "USER"
    SCHOOL = "SCHOOL"
    DISTRICT = "DISTRICT"


@strawberry.enum(description="What kind of communication a report row is (RPT-04).")
class CommunicationType(enum.Enum):
    MESSAGE = "MESSAGE"


@strawberry.type(description="One sent communication and its figures (RPT-01).")
class CommunicationReportRow:
    message: Message = strawberry.field(description="The message, with its content and its deliveries.")
    type: CommunicationType
    sent_at: dt.datetime
    source: MessageSource
    from_name: str = strawberry.field(description="The school's or district's name, or the sender's (RPT-03).")
    sender_name: str
    recipients: int = strawberry.field(description="People reached, each once.")
    total: int = strawberry.field(description="Deliveries, every channel and outcome.")
    errors: int = strawberry.field(description="Deliveries that FAILED.")
    status_counts: list[DeliveryStatusCount] = strawberry.field(
        description="Deliveries per status, each reason a delivery was not sent counted apart (RPT-02).")
    emergency: bool
    flagged: bool = strawberry.field(description="The message contains one of the district's flagged words (INB-11).")
