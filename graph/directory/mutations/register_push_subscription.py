"""registerPushSubscription: one of your browsers or devices, for Web Push."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.directory.push_subscriptions import register
from graph.context import Info
from graph.directory.inputs import PushSubscriptionInput
from graph.errors import field_errors, perform
from graph.permissions import requires
from graph.pagination import node_id


@strawberry.type(description="The subscription is registered for the viewer.")
class PushSubscriptionRegistered:
    id: strawberry.ID = strawberry.field(description="The subscription's id.")
    endpoint: str = strawberry.field(description="The push service URL, as registered.")


#: A malformed endpoint or key; an endpoint registered to another account.
RegisterPushSubscriptionErrors = field_errors("RegisterPushSubscription", ("INVALID", "CONFLICT"))
RegisterPushSubscriptionResult = Annotated[PushSubscriptionRegistered | RegisterPushSubscriptionErrors,
                                           strawberry.union(
    "RegisterPushSubscriptionResult", description="The subscription registered, or why it was refused (INVALID, "
                                                  "CONFLICT).")]


@strawberry.type
class RegisterPushSubscriptionMutation:
    @strawberry.mutation(**requires("Register one of your browsers or devices for push notifications (for "
                                    "yourself). Registering again refreshes the keys; an endpoint registered to "
                                    "another account is refused (CONFLICT) and stays theirs.", Perm.COMMUNICATION))
    def register_push_subscription(self, info: Info, input: Annotated[PushSubscriptionInput, strawberry.argument(
            description="The browser's PushSubscription.")]) -> RegisterPushSubscriptionResult:
        viewer = info.context.viewer
        return perform(info, lambda: register(info.context.session, viewer, input.endpoint, input.p256dh, input.auth),
                       refused=RegisterPushSubscriptionErrors.of,
                       done=lambda subscription: PushSubscriptionRegistered(id=node_id(Kind.PUSH_SUBSCRIPTION, subscription.id),
                                                                            endpoint=subscription.endpoint))
