"""A user's communication settings and the district's default user preferences (SET-03..SET-06,
SET-09).

Each setting is a yes/no stored on the user; a user who never chose follows the district's
default. The district may enforce a default (SET-09): then every user has the district's value,
and changing it is refused. The same rule is written twice, once in Python for one user
(:func:`effective`) and once as SQL for recipient resolution (:func:`effective_sql`), both here.
"""

from __future__ import annotations

import dataclasses
import enum

from sqlalchemy import func, literal, update
from sqlmodel import Session

from domain.support.errors import FieldProblem, InvalidInput
from domain.content.html_policy import sanitized_html
from models.directory import District, User

SMS_SIGNATURE_MAX = 300


class UserSetting(str, enum.Enum):
    """The value is the user's column."""

    PUSH_ALL_MESSAGES = "push_all_messages"  # SET-04: a push for every message addressed to me
    EMAIL_NOTIFICATIONS_OFF = "email_notifications_off"  # SET-05: no email about new messages
    ALLOW_REPLY_BY_DEFAULT = "allow_reply_by_default"  # SET-06: my new messages allow replies
    TABLE_VIEW = "table_view"  # SET-03: lists open in table view

    @property
    def input_name(self) -> str:
        head, *rest = self.value.split("_")
        return head + "".join(word.title() for word in rest)


@dataclasses.dataclass(frozen=True)
class DistrictDefault:
    value: bool = False
    enforced: bool = False


@dataclasses.dataclass(frozen=True)
class EffectiveSetting:
    value: bool  # what applies
    chosen: bool | None  # the user's own choice; None follows the district
    enforced_by_district: bool


def district_default(district: District, setting: UserSetting) -> DistrictDefault:
    stored = (district.user_preference_defaults or {}).get(setting.value) or {}
    return DistrictDefault(bool(stored.get("value", False)), bool(stored.get("enforced", False)))


def effective(user: User, district: District) -> dict[UserSetting, EffectiveSetting]:
    settings = {}
    for setting in UserSetting:
        default = district_default(district, setting)
        chosen = getattr(user, setting.value)
        value = default.value if default.enforced or chosen is None else chosen
        settings[setting] = EffectiveSetting(value, chosen, default.enforced)
    return settings


def effective_sql(setting: UserSetting, user_table, default: DistrictDefault):
    """The same rule as :func:`effective`, for a user table (or alias) inside a query."""
    if default.enforced:
        return literal(default.value)
    return func.coalesce(getattr(user_table, setting.value), literal(default.value)) == literal(True)


def update_my_settings(session: Session, user: User, district: District,
                       changes: dict[UserSetting, bool | None], *,
                       remove_from_messaging_search: bool | None = None) -> None:
    """Store the user's choices (None: follow the district). A setting the district enforces is
    refused with its field path, and nothing is written (SET-09). ``remove_from_messaging_search``
    (None: unchanged) is the user's own, never the district's (SET-01)."""
    problems = [
        FieldProblem(("input", setting.input_name), "ENFORCED_BY_DISTRICT",
                     "The district sets this for everyone; it cannot be changed.")
        for setting in changes if district_default(district, setting).enforced
    ]
    if problems:
        raise InvalidInput(problems)
    values = {setting.value: value for setting, value in changes.items()}
    if remove_from_messaging_search is not None:
        values["hidden_from_search"] = remove_from_messaging_search
    if values:
        session.execute(update(User).where(User.id == user.id).values(values))


def set_district_default(session: Session, district: District, setting: UserSetting, value: bool,
                         enforced: bool) -> DistrictDefault:
    """SET-09: the default user preference for ``setting``; enforced, it overrides every user."""
    defaults = dict(district.user_preference_defaults or {})
    defaults[setting.value] = {"value": value, "enforced": enforced}
    session.execute(update(District).where(District.id == district.id).values(user_preference_defaults=defaults))
    return DistrictDefault(value, enforced)


def save_signatures(session: Session, user_id: int, *, email_signature: str | None,
                    sms_signature: str | None) -> tuple[str | None, str | None]:
    """SET-07: store the user's signatures (None or blank clears one: absent is None, never "",
    issue 17 point 3) and return them as stored; the email signature is HTML that goes into emails,
    so it is cleaned by the one policy (issue 13 point 8). An SMS signature longer than
    SMS_SIGNATURE_MAX is refused (TOO_LONG) and nothing changes."""
    email_signature, sms_signature = (value if value is not None and value.strip() else None
                                      for value in (email_signature, sms_signature))
    if sms_signature is not None and len(sms_signature) > SMS_SIGNATURE_MAX:
        raise InvalidInput([FieldProblem(("smsSignature",), "TOO_LONG",
                                         f"smsSignature is longer than {SMS_SIGNATURE_MAX} characters")])
    email_signature = sanitized_html(email_signature) if email_signature is not None else None
    session.execute(update(User).where(User.id == user_id).values(email_signature=email_signature,
                                                                  sms_signature=sms_signature))
    return email_signature, sms_signature
