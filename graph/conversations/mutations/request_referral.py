"""requestReferral: ask for a referral about the student who wrote a flagged message you received
(INB-09, PERM-41, PERM-57); published for a partner to consume."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.moderation.referrals import MAX_NOTE_LENGTH, request_referral as request
from graph.context import Info
from graph.conversations.arguments import ReceivedMessageIdArgument
from graph.conversations.referral_requests import ReferralRequest
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires


@strawberry.type(description="The referral request stored and published.")
class RequestReferralSuccess:
    referral: ReferralRequest = strawberry.field(description="The referral request as stored.")


RequestReferralErrors = field_errors("RequestReferral", ("NOT_FOUND", "NOT_FLAGGED", "NOT_A_STUDENT", "TOO_LONG"))
RequestReferralResult = Annotated[RequestReferralSuccess | RequestReferralErrors,
                                  strawberry.union(
    "RequestReferralResult", description="The referral request, or why none was made.")]


@strawberry.type
class RequestReferralMutation:
    @strawberry.mutation(**requires(
        "Ask for a referral about the student who wrote a flagged message you received (INB-09): stored, then "
        "published as a referralRequested event (the referralRequests subscription, and the Redis channel "
        f"homeroom:<redis db>:referrals) without the message's content. A note of at most {MAX_NOTE_LENGTH} characters "
        "(TOO_LONG); NOT_FLAGGED, NOT_A_STUDENT (the author is not a student); another user's message is "
        "NOT_FOUND, like a missing one.",
        Perm.COMMUNICATION, Perm.FLAG_MESSAGES, Perm.CREATE_REFERRALS))
    def request_referral(self, info: Info, message_id: ReceivedMessageIdArgument,
                         note: Annotated[str | None, strawberry.argument(description=(
                             f"Why the referral is asked for, at most {MAX_NOTE_LENGTH} characters; null: no "
                             "note."))] = None) -> RequestReferralResult:
        return perform(info, lambda: request(info.context.session, info.context.events,
                                             viewer_id=info.context.viewer.id, message_id=parse_id(message_id, Kind.MESSAGE),
                                             note=note or ""),
                       refused=RequestReferralErrors.of,
                       done=lambda row: RequestReferralSuccess(referral=ReferralRequest.from_row(row)))
