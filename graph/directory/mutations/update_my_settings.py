"""updateMySettings: change your own settings (SET-01, SET-03..SET-06); not one the district enforces (SET-09)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.directory.user_settings import UserSetting as UserSettingModel, update_my_settings as store_settings
from graph.context import Info
from graph.directory.inputs import MySettingsInput
from graph.directory.settings import MySettings, my_settings
from graph.errors import field_errors, perform
from graph.permissions import requires
from models.directory import User

UpdateMySettingsErrors = field_errors("UpdateMySettings", ("ENFORCED_BY_DISTRICT",))
UpdateMySettingsResult = Annotated[MySettings | UpdateMySettingsErrors, strawberry.union(
    "UpdateMySettingsResult", description="Your settings after the change, or ENFORCED_BY_DISTRICT and nothing "
                                          "changed.")]


@strawberry.type
class UpdateMySettingsMutation:
    @strawberry.mutation(**requires("Change your own settings; a setting the district enforces is "
                                    "refused with ENFORCED_BY_DISTRICT and nothing changes (SET-01, SET-03 to "
                                    "SET-06, SET-09).", Perm.COMMUNICATION))
    def update_my_settings(self, info: Info, input: Annotated[MySettingsInput, strawberry.argument(
            description="The settings to change; those left out stay.")]) -> UpdateMySettingsResult:
        viewer, session = info.context.viewer, info.context.session
        changes = {setting: getattr(input, setting.value) for setting in UserSettingModel
                   if getattr(input, setting.value) is not strawberry.UNSET}

        def done(_) -> MySettings:
            user = session.get(User, viewer.id)
            session.refresh(user)
            return my_settings(user, viewer.district)

        hidden = input.remove_from_messaging_search  # SET-01: unset leaves it, null is false
        hidden = None if hidden is strawberry.UNSET else bool(hidden)
        return perform(info, lambda: store_settings(session, viewer.user, viewer.district, changes,
                                                    remove_from_messaging_search=hidden),
                       refused=UpdateMySettingsErrors.of, done=done)
