"""removePushSubscription: one of your push subscriptions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.directory.push_subscriptions import remove
from graph.context import Info
from graph.permissions import requires


@strawberry.type
class RemovePushSubscriptionMutation:
    @strawberry.mutation(**requires("Remove one of your push subscriptions; false when it was not yours or unknown.",
                                    Perm.COMMUNICATION))
    def remove_push_subscription(self, info: Info, endpoint: Annotated[str, strawberry.argument(
            description="The push service URL of the subscription, as registered.")]) -> bool:
        removed = remove(info.context.session, info.context.viewer, endpoint)
        info.context.session.commit()
        return removed
