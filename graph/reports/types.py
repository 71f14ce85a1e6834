"""Communication report types (RPT-*)."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from graph.messages.message import Message
from graph.messages.types import DeliveryStatusCount


@strawberry.enum(description="Who a message is from (RPT-03).")
class MessageSource(enum.Enum):
    USER = strawberry.enum_value("USER", description="Sent as the user: fromName is the sender's name.")
    SCHOOL = strawberry.enum_value("SCHOOL", description="Sent as a school: fromName is the school's name.")
    DISTRICT = strawberry.enum_value("DISTRICT", description="Sent as the district: fromName is the district's name.")


@strawberry.enum(description="What kind of communication a report row is (RPT-04).")
class CommunicationType(enum.Enum):
    MESSAGE = strawberry.enum_value("MESSAGE", description=(
        "A message, whether sent now, scheduled, or started by attendance, an integration or an announcement (RPT-04)."))


@strawberry.type(description="One sent communication and its figures (RPT-01). For another sender's message the "
                             "figures count only the recipients in the viewer's scope; its sender and district "
                             "administrators see them all.")
class CommunicationReportRow:
    message: Message = strawberry.field(description="The message, with its content and its deliveries.")
    type: CommunicationType = strawberry.field(description="What kind of communication it is (RPT-04).")
    sent_at: dt.datetime = strawberry.field(description="When the message was created (UTC); sentFrom and sentTo "
                                                        "filter on it.")
    source: MessageSource = strawberry.field(description="Sent as the user, a school or the district (RPT-03).")
    from_name: str = strawberry.field(description="The school's or district's name, or the sender's (RPT-03).")
    sender_name: str = strawberry.field(description="The sending user's first and last name, whatever the source.")
    recipients: int = strawberry.field(description="People reached, each once.")
    total: int = strawberry.field(description="Deliveries, every channel and outcome.")
    errors: int = strawberry.field(description="Deliveries that FAILED.")
    status_counts: list[DeliveryStatusCount] = strawberry.field(
        description="Deliveries per status, each reason a delivery was not sent counted apart (RPT-02).")
    emergency: bool = strawberry.field(description="Sent as an emergency (RPT-01).")
    flagged: bool = strawberry.field(description="The message contains one of the district's flagged words (INB-11).")
