"""The communication report's filter."""

from __future__ import annotations

import datetime as dt

import strawberry
from graphql import GraphQLError

from domain.support.global_ids import Kind
from domain.reports.communication_report import ReportFilter
from graph.pagination import MAX_SEARCH_LENGTH, parse_id, search_term


@strawberry.input(description="Narrow the communication report.")
class CommunicationReportFilter:
    sent_from: dt.datetime | None = strawberry.field(default=None, description=(
        "Messages sent at or after this instant; with a time zone (Z or an offset). Null: from the first."))
    sent_to: dt.datetime | None = strawberry.field(default=None, description=(
        "Messages sent before this instant; with a time zone (Z or an offset). Null: up to now."))
    sender_id: strawberry.ID | None = strawberry.field(default=None, description=(
        "Only the messages this user sent (User.id); null: any sender."))
    emergency: bool | None = strawberry.field(default=None, description=(
        "true: only emergency messages; false: only the others; null: both."))
    search: str | None = strawberry.field(
        default=None, description=(f"Part of the subject or the sender's name (at most {MAX_SEARCH_LENGTH} characters); "
                                     "null: no search."))

    def to_filter(self) -> ReportFilter:
        """The domain's filter; a date without a time zone or an overlong search is BAD_USER_INPUT."""
        for argument, value in (("filter.sentFrom", self.sent_from), ("filter.sentTo", self.sent_to)):
            if value is not None and value.utcoffset() is None:
                raise GraphQLError(f"{argument} needs a time zone, such as 2026-09-01T08:00:00Z or "
                                   "2026-09-01T08:00:00-05:00",
                                   extensions={"code": "BAD_USER_INPUT", "argument": argument})
        return ReportFilter(
            sent_from=self.sent_from, sent_to=self.sent_to,
            sender_id=parse_id(self.sender_id, Kind.USER) if self.sender_id else None,
            emergency=self.emergency, search=search_term(self.search, "filter.search"))
