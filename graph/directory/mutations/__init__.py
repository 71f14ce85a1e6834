"""Directory mutations, one a module; ``DirectoryMutations`` composes them for graph.schema.

- ``merge_students``: mergeStudents: move every record of one student to another and delete the first (MRG-01..MRG-03).
- ``register_push_subscription``: registerPushSubscription: one of your browsers or devices, for Web Push.
- ``remove_push_subscription``: removePushSubscription: one of your push subscriptions.
- ``select_school_year``: selectSchoolYear: the school year you work in for the rest of this sign-in (SYS-08, CMP-33).
- ``set_default_user_preference``: setDefaultUserPreference: the district's default for a user setting, enforced or not (SET-09).
- ``set_push_by_default``: setPushByDefault: "send a push notification with every message by default" for a school, or the district's default school preferences (SYS-05).
- ``set_sms_help_text``: setSmsHelpText: the district's answer to an inbound SMS HELP.
- ``update_district_preferences``: updateDistrictPreferences: change the district's preferences given; turning "Use Original Text Editor" off switches to the new editor for good (SET-02, EDT-01, EDT-02).
- ``update_my_settings``: updateMySettings: change your own settings (SET-03..SET-06); not one the district enforces (SET-09).
- ``update_out_of_office``: updateOutOfOffice: your out-of-office period and message (SET-08).
- ``update_my_signatures``: updateMySignatures: save your email and SMS signatures (SET-07).
"""

from __future__ import annotations

import strawberry

from graph.directory.mutations.merge_students import MergeStudentsMutation
from graph.directory.mutations.register_push_subscription import RegisterPushSubscriptionMutation
from graph.directory.mutations.remove_push_subscription import RemovePushSubscriptionMutation
from graph.directory.mutations.select_school_year import SelectSchoolYearMutation
from graph.directory.mutations.set_default_user_preference import SetDefaultUserPreferenceMutation
from graph.directory.mutations.set_push_by_default import SetPushByDefaultMutation
from graph.directory.mutations.set_sms_help_text import SetSmsHelpTextMutation
from graph.directory.mutations.update_district_preferences import UpdateDistrictPreferencesMutation
from graph.directory.mutations.update_my_settings import UpdateMySettingsMutation
from graph.directory.mutations.update_my_signatures import UpdateMySignaturesMutation
from graph.directory.mutations.update_out_of_office import UpdateOutOfOfficeMutation


@strawberry.type
class DirectoryMutations(UpdateMySignaturesMutation, UpdateMySettingsMutation, SetDefaultUserPreferenceMutation,
                         SetPushByDefaultMutation, SetSmsHelpTextMutation, RegisterPushSubscriptionMutation,
                         RemovePushSubscriptionMutation, MergeStudentsMutation, UpdateOutOfOfficeMutation,
                         SelectSchoolYearMutation, UpdateDistrictPreferencesMutation):
    pass
