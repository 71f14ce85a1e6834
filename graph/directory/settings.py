"""The viewer's own settings (SET-03..SET-07) and the district's defaults for them (SET-09)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from sqlalchemy import update

from domain.support.errors import InvalidInput
from domain.access.permissions import Perm
from domain.access.scope import administered_schools
from domain.directory.user_settings import (
    EffectiveSetting,
    UserSetting as UserSettingModel,
    district_default,
    effective,
    save_signatures,
    set_district_default,
    update_my_settings,
)
from graph.context import Info
from graph.messages.inputs import SendMessageErrors, to_errors
from graph.pagination import id_or_no_row
from graph.permissions import require, requires, requires_district_settings, requires_school_administrator
from models.directory import District, School, User

SMS_SIGNATURE_MAX = 300

UserSetting = strawberry.enum(UserSettingModel, description="A yes/no communication setting of a user.")


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


def my_settings(user: User, district: District) -> MySettings:
    settings = effective(user, district)
    return MySettings(email_signature=user.email_signature, sms_signature=user.sms_signature,
                      **{setting.value: _setting(settings[setting]) for setting in UserSettingModel})


@strawberry.input(description="Settings to change; a field left out stays as it is, null follows the district.")
class MySettingsInput:
    push_all_messages: bool | None = strawberry.UNSET
    email_notifications_off: bool | None = strawberry.UNSET
    allow_reply_by_default: bool | None = strawberry.UNSET
    table_view: bool | None = strawberry.UNSET


@strawberry.type(description="The signatures, appended only when a message sets includeSignature (CMP-24).")
class Signatures:
    email_signature: str | None
    sms_signature: str | None


UpdateSettingsResult = Annotated[MySettings | SendMessageErrors, strawberry.union("UpdateMySettingsResult")]


@strawberry.type(description="A default user preference of the district (SET-09).")
class DefaultUserPreference:
    setting: UserSetting
    value: bool = strawberry.field(description="What users who never chose get.")
    enforced: bool = strawberry.field(description="Every user gets the value and cannot change it.")


@strawberry.type
class SettingsQueries:
    @strawberry.field(**requires("The district's default user preferences, and which of them are enforced (SET-09)."))
    def default_user_preferences(self, info: Info) -> list[DefaultUserPreference]:
        district = info.context.viewer.district
        return [DefaultUserPreference(setting=setting, value=default.value, enforced=default.enforced)
                for setting in UserSettingModel for default in [district_default(district, setting)]]


@strawberry.type
class SettingsMutations:
    @strawberry.mutation(**requires("Save your rich-text email signature and plain-text SMS signature "
                                    "(null clears one). The email signature is stored as cleaned HTML (no scripts, "
                                    "event handlers or frames) and returned as stored (SET-07)."))
    def update_my_signatures(self, info: Info, email_signature: str | None = None,
                             sms_signature: str | None = None) -> Signatures:
        if sms_signature is not None and len(sms_signature) > SMS_SIGNATURE_MAX:
            raise GraphQLError(f"smsSignature is longer than {SMS_SIGNATURE_MAX} characters",
                               extensions={"code": "BAD_USER_INPUT", "field": "smsSignature"})
        session = info.context.session
        email_signature, sms_signature = save_signatures(session, info.context.viewer.id,
                                                         email_signature=email_signature, sms_signature=sms_signature)
        session.commit()
        return Signatures(email_signature=email_signature, sms_signature=sms_signature)

    @strawberry.mutation(**requires("Change your own settings; a setting the district enforces is "
                                    "refused with ENFORCED_BY_DISTRICT and nothing changes (SET-03 to SET-06, "
                                    "SET-09)."))
    def update_my_settings(self, info: Info, input: MySettingsInput) -> UpdateSettingsResult:
        viewer, session = info.context.viewer, info.context.session
        changes = {setting: getattr(input, setting.value) for setting in UserSettingModel
                   if getattr(input, setting.value) is not strawberry.UNSET}
        try:
            update_my_settings(session, viewer.user, viewer.district, changes)
        except InvalidInput as invalid:
            session.rollback()
            return to_errors(invalid.problems)
        session.commit()
        user = session.get(User, viewer.id)
        session.refresh(user)
        return my_settings(user, viewer.district)

    @strawberry.mutation(**requires_district_settings(
        "Set the district's default for a user setting; when enforced, it overrides every user's choice "
        "(SET-09)."))
    def set_default_user_preference(self, info: Info, setting: UserSetting, value: bool,
                                    enforced: bool = False) -> DefaultUserPreference:
        session = info.context.session
        default = set_district_default(session, info.context.viewer.district, UserSettingModel(setting.value),
                                       value, enforced)
        session.commit()
        return DefaultUserPreference(setting=setting, value=default.value, enforced=default.enforced)

    @strawberry.mutation(**requires_school_administrator(
        "Set \"send a push notification with every message by default\" for one school (schoolId), or for the "
        "district's default school preferences (schoolId null). A null value makes the school follow the "
        "district. A school you do not administer answers like a missing one (SYS-05)."))
    def set_push_by_default(self, info: Info, value: bool | None, school_id: strawberry.ID | None = None) -> bool:
        viewer, session = info.context.viewer, info.context.session
        if school_id is None:
            require(viewer, Perm.DISTRICT_SETTINGS)
            if value is None:
                raise GraphQLError("The district's default needs a value.",
                                   extensions={"code": "BAD_USER_INPUT", "field": "value"})
            session.execute(update(District).values(push_by_default=value))
        elif not session.execute(update(School).where(School.id == id_or_no_row(school_id), administered_schools(viewer))
                                 .values(push_by_default=value)).rowcount:
            session.rollback()
            raise GraphQLError(f"School {school_id} does not exist.",
                               extensions={"code": "NOT_FOUND", "field": "schoolId"})
        session.commit()
        return bool(value if value is not None else viewer.district.push_by_default)

    @strawberry.mutation(**requires_district_settings(
        "The district's answer to an inbound SMS HELP (at most 300 characters); null restores the default."))
    def set_sms_help_text(self, info: Info, text: str | None) -> str | None:
        if text is not None and (not text.strip() or len(text) > 300):
            raise GraphQLError("The help text must be 1 to 300 characters.",
                               extensions={"code": "BAD_USER_INPUT", "field": "text"})
        session = info.context.session
        session.execute(update(District).values(sms_help_text=text.strip() if text else None))
        session.commit()
        return text.strip() if text else None

