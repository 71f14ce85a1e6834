"""The viewer's own settings (SET-03..SET-07) and the district's defaults for them (SET-09): the
types queries and mutations answer with."""

from __future__ import annotations

import strawberry

from domain.directory.user_settings import EffectiveSetting, UserSetting as UserSettingModel, effective
from graph.enum_values import describe_values
from models.directory import District, User

UserSetting = describe_values(strawberry.enum(UserSettingModel, description="A yes/no communication setting of a user."), {
    UserSettingModel.PUSH_ALL_MESSAGES: "A push notification for every message addressed to the user, asked for or "
                                        "not (SET-04).",
    UserSettingModel.EMAIL_NOTIFICATIONS_OFF: "No email about new messages; they still reach the in-app inbox "
                                              "(SET-05).",
    UserSettingModel.ALLOW_REPLY_BY_DEFAULT: "The user's new messages allow replies unless they say otherwise "
                                             "(SET-06).",
    UserSettingModel.TABLE_VIEW: "Template, announcement, poll and sign-up lists open in table view (SET-03).",
})


@strawberry.type(description="A yes/no setting: what applies, what the user chose, and whether the district "
                             "enforces its own value (SET-09).")
class BooleanSetting:
    value: bool = strawberry.field(description="What applies now.")
    chosen: bool | None = strawberry.field(description="The user's own choice; null follows the district's default.")
    enforced_by_district: bool = strawberry.field(description="The district's value applies; changing it is refused.")


def _setting(setting: EffectiveSetting) -> BooleanSetting:
    return BooleanSetting(value=setting.value, chosen=setting.chosen, enforced_by_district=setting.enforced_by_district)


@strawberry.type(description="The viewer's communication settings.")
class MySettings:
    email_signature: str | None = strawberry.field(description="Appended when a message sets includeSignature (SET-07).")
    sms_signature: str | None = strawberry.field(description="Plain text, appended to SMS (SET-07).")
    push_all_messages: BooleanSetting = strawberry.field(
        description="A push notification for every message addressed to me, asked for or not (SET-04).")
    email_notifications_off: BooleanSetting = strawberry.field(
        description="No email about new messages; they still reach the in-app inbox (SET-05).")
    allow_reply_by_default: BooleanSetting = strawberry.field(
        description="My new messages allow student and parent replies unless I say otherwise (SET-06).")
    table_view: BooleanSetting = strawberry.field(
        description="Template, announcement, poll and sign-up lists open in table view, else in list view "
                    "(SET-03).")
    remove_from_messaging_search: bool = strawberry.field(
        description="I am not offered as a staff recipient of new messages; my threads still take replies (SET-01).")


def my_settings(user: User, district: District) -> MySettings:
    settings = effective(user, district)
    return MySettings(email_signature=user.email_signature, sms_signature=user.sms_signature,
                      remove_from_messaging_search=bool(user.hidden_from_search),
                      **{setting.value: _setting(settings[setting]) for setting in UserSettingModel})


@strawberry.type(description="The signatures, appended only when a message sets includeSignature (CMP-24).")
class Signatures:
    email_signature: str | None = strawberry.field(description="The email signature as stored: cleaned HTML (SET-07); "
                                                               "null when none.")
    sms_signature: str | None = strawberry.field(description="The plain-text SMS signature (SET-07); null when none.")


@strawberry.type(description="A default user preference of the district (SET-09).")
class DefaultUserPreference:
    setting: UserSetting = strawberry.field(description="Which setting this default is for.")
    value: bool = strawberry.field(description="What users who never chose get.")
    enforced: bool = strawberry.field(description="Every user gets the value and cannot change it.")
