"""removePushSubscription: one of your push subscriptions."""

from __future__ import annotations

import strawberry

from domain.directory.push_subscriptions import remove
from graph.context import Info


@strawberry.type
class RemovePushSubscriptionMutation:
    @strawberry.mutation(description="Remove one of your push subscriptions; false when it was not yours or unknown.")
    def remove_push_subscription(self, info: Info, endpoint: str) -> bool:
        removed = remove(info.context.session, info.context.viewer, endpoint)
        info.context.session.commit()
        return removed
