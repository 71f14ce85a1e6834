"""Directory inputs: the viewer's settings to change, a browser's push subscription."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Settings to change; a field left out stays as it is, null follows the district.")
class MySettingsInput:
    push_all_messages: bool | None = strawberry.field(
        default=strawberry.UNSET, description="A push notification for every message addressed to me (SET-04); null "
                                              "follows the district.")
    email_notifications_off: bool | None = strawberry.field(
        default=strawberry.UNSET, description="No email about new messages; they still reach the in-app inbox (SET-05); "
                                              "null follows the district.")
    allow_reply_by_default: bool | None = strawberry.field(
        default=strawberry.UNSET, description="My new messages allow replies unless I say otherwise (SET-06); null "
                                              "follows the district.")
    table_view: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Lists open in table view, else in list view (SET-03); null follows the "
                                              "district.")
    remove_from_messaging_search: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Stop being offered as a staff recipient of new messages; existing "
                                              "threads with you still take replies (SET-01). Null is false.")


@strawberry.input(description="A PushSubscription from the browser (PushManager.subscribe), as JSON gives it.")
class PushSubscriptionInput:
    endpoint: str = strawberry.field(description="The push service URL the subscription posts to (http or https); "
                                                 "it names the subscription.")
    p256dh: str = strawberry.field(description="keys.p256dh, base64url.")
    auth: str = strawberry.field(description="keys.auth, base64url.")
