"""Directory inputs: the viewer's settings to change, a browser's push subscription."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Settings to change; a field left out stays as it is, null follows the district.")
class MySettingsInput:
    push_all_messages: bool | None = strawberry.UNSET
    email_notifications_off: bool | None = strawberry.UNSET
    allow_reply_by_default: bool | None = strawberry.UNSET
    table_view: bool | None = strawberry.UNSET
    remove_from_messaging_search: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Stop being offered as a staff recipient of new messages; existing "
                                              "threads with you still take replies (SET-01). Null is false.")


@strawberry.input(description="A PushSubscription from the browser (PushManager.subscribe), as JSON gives it.")
class PushSubscriptionInput:
    endpoint: str
    p256dh: str = strawberry.field(description="keys.p256dh, base64url.")
    auth: str = strawberry.field(description="keys.auth, base64url.")
