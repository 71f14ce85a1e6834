"""Web Push subscriptions: registerPushSubscription, removePushSubscription, pushApplicationServerKey."""

from __future__ import annotations

from typing import Annotated

import strawberry

from channels.base import ChannelKind
from domain.support.errors import InvalidInput
from domain.directory.push_subscriptions import register, remove
from graph.context import Info
from graph.messages.inputs import SendMessageErrors, to_errors


@strawberry.input(description="A PushSubscription from the browser (PushManager.subscribe), as JSON gives it.")
class PushSubscriptionInput:
    endpoint: str
    p256dh: str = strawberry.field(description="keys.p256dh, base64url.")
    auth: str = strawberry.field(description="keys.auth, base64url.")


@strawberry.type(description="The subscription is registered for the viewer.")
class PushSubscriptionRegistered:
    id: strawberry.ID
    endpoint: str


RegisterPushResult = Annotated[PushSubscriptionRegistered | SendMessageErrors,
                               strawberry.union("RegisterPushSubscriptionResult")]


@strawberry.type
class PushMutations:
    @strawberry.mutation(description="Register one of your browsers or devices for push notifications "
                                     "(any signed-in user, for themselves). Registering again refreshes the keys; "
                                     "an endpoint registered to another account is refused (CONFLICT) and stays "
                                     "theirs.")
    def register_push_subscription(self, info: Info, input: PushSubscriptionInput) -> RegisterPushResult:
        viewer, session = info.context.viewer, info.context.session
        try:
            subscription = register(session, viewer, input.endpoint, input.p256dh, input.auth)
        except InvalidInput as invalid:
            session.rollback()
            return to_errors(invalid.problems)
        session.commit()
        return PushSubscriptionRegistered(id=strawberry.ID(str(subscription.id)), endpoint=subscription.endpoint)

    @strawberry.mutation(description="Remove one of your push subscriptions; false when it was not yours or unknown.")
    def remove_push_subscription(self, info: Info, endpoint: str) -> bool:
        removed = remove(info.context.session, info.context.viewer, endpoint)
        info.context.session.commit()
        return removed


@strawberry.type
class PushQueries:
    @strawberry.field(description="The VAPID public key browsers subscribe with (applicationServerKey); null when "
                                  "push is not served by the webpush plugin. Any signed-in user.")
    def push_application_server_key(self, info: Info) -> str | None:
        info.context.viewer  # signed in
        plugin = info.context.registry.for_kind(ChannelKind.PUSH)
        return getattr(plugin, "application_server_key", None)
