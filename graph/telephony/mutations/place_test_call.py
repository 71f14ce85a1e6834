"""placeTestCall: call a number you type with the call text as composed (VOI-09)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from channels.base import Sent
from domain.access.permissions import Perm
from domain.telephony.trial_calls import place_test_call
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires


@strawberry.type(description="The test call was handed to the voice provider (or refused by it) (VOI-09).")
class TestCallPlaced:
    placed: bool = strawberry.field(description="True when the provider accepted the call; false when it refused it "
                                               "(code says why).")
    provider_id: str | None = strawberry.field(default=None, description=(
        "The provider's id of the call when it accepted it; null otherwise."))
    code: str | None = strawberry.field(default=None, description=(
        "The provider's code when it refused the call; null when it accepted it."))


#: The phone, the call text, and the caller ID it shows (domain.telephony.trial_calls).
PlaceTestCallErrors = field_errors("PlaceTestCall", ("INVALID", "REQUIRED", "TOO_LONG", "NO_CALLER_ID", "NOT_FOUND"))
PlaceTestCallResult = Annotated[TestCallPlaced | PlaceTestCallErrors, strawberry.union(
    "PlaceTestCallResult", description="What placeTestCall answers: whether the provider took the call, or the "
                                       "input's errors.")]


def _placed(outcome) -> TestCallPlaced:
    if isinstance(outcome, Sent):
        return TestCallPlaced(placed=True, provider_id=outcome.provider_id)
    return TestCallPlaced(placed=False, code=getattr(outcome, "code", None))


@strawberry.type
class PlaceTestCallMutation:
    @strawberry.mutation(**requires("Call a number you type with the call text as composed; it reaches no "
                                    "recipient and writes no delivery (VOI-09).", Perm.COMMUNICATION,
                                    Perm.PHONE_CALLS))
    def place_test_call(self, info: Info,
                        phone: Annotated[str, strawberry.argument(
                            description="The number to call, as typed (INVALID when it is not a phone number).")],
                        call_text: Annotated[str, strawberry.argument(description=(
                            "The text read to the person called, as composed; the recipient's name insert field "
                            "reads your own name."))],
                        caller_id_id: Annotated[strawberry.ID | None, strawberry.argument(description=(
                            "The caller ID number the call shows (CallerId.id, one of availableCallerIds); null: "
                            "your default (VOI-03)."))] = None) -> PlaceTestCallResult:
        return perform(info, lambda: place_test_call(info.context.session, info.context.viewer,
                                                     info.context.registry, phone=phone, call_text=call_text,
                                                     caller_id_id=parse_id(caller_id_id, Kind.CALLER_ID) if caller_id_id is not None
                                                     else None),
                       refused=PlaceTestCallErrors.of, done=_placed, write=False)
