"""setDefaultUserPreference: the district's default for a user setting, enforced or not (SET-09)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.directory.user_settings import UserSetting as UserSettingModel, set_district_default
from graph.context import Info
from graph.directory.settings import DefaultUserPreference, UserSetting
from graph.permissions import requires_district_settings


@strawberry.type
class SetDefaultUserPreferenceMutation:
    @strawberry.mutation(**requires_district_settings(
        "Set the district's default for a user setting; when enforced, it overrides every user's choice "
        "(SET-09)."))
    def set_default_user_preference(
            self, info: Info,
            setting: Annotated[UserSetting, strawberry.argument(description="The setting whose default this is.")],
            value: Annotated[bool, strawberry.argument(description="What users who never chose get.")],
            enforced: Annotated[bool, strawberry.argument(
                description="Every user gets the value and cannot change it; false: users may choose.")] = False,
    ) -> DefaultUserPreference:
        session = info.context.session
        default = set_district_default(session, info.context.viewer.district, UserSettingModel(setting.value),
                                       value, enforced)
        session.commit()
        return DefaultUserPreference(setting=setting, value=default.value, enforced=default.enforced)
