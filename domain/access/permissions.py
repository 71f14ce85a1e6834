"""The permission catalogue: every PERM-* permission of REQUIREMENTS.md as one table.

A permission is held when any one of the caller's profiles grants it at the level the caller's
role needs (PERM-01), the profile's role is one the permission exists for (PERM-04), and the
district has the add-on behind it enabled (PERM-03).

The last rows are Homeroom's extensions of the PERM catalogue, for powers the module's
documentation leaves to "administrators" or to staff without naming a permission: who may reach
outside the directory (imported recipients and Cc) and who may change district-wide settings.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping

from models.directory import PermissionLevel, Role

A, T, P, S = Role.ADMIN, Role.TEACHER, Role.PARENT, Role.STUDENT
VIEW, EDIT = PermissionLevel.VIEW, PermissionLevel.EDIT


class Addon(str, enum.Enum):
    CALLOUT = "callout"
    TRANSLATIONS = "translations"
    DOCMGMT = "docmgmt"
    AI = "ai"


class Perm(str, enum.Enum):
    COMMUNICATION = "communication"
    COMMUNICATION_AI = "communication_ai"
    SEND_MESSAGES = "send_messages"
    SEND_FROM_DISTRICT = "send_from_district"
    SEND_FROM_SCHOOL = "send_from_school"
    SEND_AS_PRIORITY = "send_as_priority"
    INCLUDE_IN_MESSAGING_SEARCH = "include_in_messaging_search"
    SEND_TO_STUDENT = "send_to_students_student"
    SEND_TO_STUDENT_PERSONAL = "send_to_students_student_personal"
    SEND_TO_PRIMARY_CONTACTS = "send_to_students_primary_contacts"
    SEND_TO_ALL_CONTACTS = "send_to_students_all_contacts"
    SEND_TO_ONCE_PER_FAMILY = "send_to_students_once_per_family"
    SEND_TO_TEACHERS_OF = "send_to_students_teachers_of"
    SEND_TO_STAFF = "send_to_staff"
    PUSH_NOTIFICATIONS = "push_notifications"
    SEND_POLL_OR_SIGNUP = "send_poll_or_signup"
    SEND_SMS = "send_sms"
    ANNOUNCEMENTS = "announcements"
    ANNOUNCEMENTS_SEND_EMAILS = "announcements_send_emails"
    ANNOUNCEMENTS_SEND_SMS = "announcements_send_sms"
    ANNOUNCEMENTS_SEND_CALLS = "announcements_send_calls"
    ANNOUNCEMENTS_MOBILE_APP_PUBLIC = "announcements_mobile_app_public"
    TEMPLATES_CREATED_BY_OTHERS = "templates_created_by_others"
    PUBLISH_TEMPLATES = "publish_templates"
    TEACHER_ATTENDANCE_ALERTS = "teacher_attendance_alerts"
    ATTENDANCE_MESSAGES = "attendance_messages"
    INTEGRATIONS = "integrations"
    ACADEMIC_RECORD = "academic_record"
    PHONE_CALLS = "phone_calls"
    EMERGENCY_CALLS = "emergency_calls"
    CALLER_ID_PHONE_NUMBERS = "caller_id_phone_numbers"
    FLAG_MESSAGES = "flag_messages"
    ASSIGN_MESSAGES = "assign_messages"
    CLASS_ANNOUNCEMENTS = "class_announcements"
    REWARD_POSITIVE_BEHAVIOR = "reward_positive_behavior"
    # Homeroom's extensions (see the module's docstring).
    OUTSIDE_RECIPIENTS = "outside_recipients"
    DISTRICT_SETTINGS = "district_settings"
    CREATE_REFERRALS = "create_referrals"


@dataclasses.dataclass(frozen=True)
class PermissionSpec:
    key: Perm
    label: str
    #: The level each role needs; a role absent here can never hold the permission (PERM-04).
    levels: Mapping[Role, PermissionLevel]
    addon: Addon | None
    requirements: tuple[str, ...]

    def describe(self, level: PermissionLevel | None = None) -> str:
        shown = level or next(iter(self.levels.values()))
        text = f'"{self.label}" ({shown.value.title()}) [{", ".join(self.requirements)}]'
        if self.addon:
            text += f" with the {self.addon.value} add-on"
        return text


def _p(key, label, levels, addon, *requirements) -> PermissionSpec:
    return PermissionSpec(key, label, levels, addon, requirements)


CALLOUT, DOCMGMT, AI = Addon.CALLOUT, Addon.DOCMGMT, Addon.AI

CATALOGUE: dict[Perm, PermissionSpec] = {
    spec.key: spec
    for spec in (
        _p(Perm.COMMUNICATION, "Communication", {A: VIEW, T: VIEW, P: VIEW, S: VIEW}, None,
           "PERM-06", "PERM-43", "PERM-59"),
        _p(Perm.COMMUNICATION_AI, "Communication AI", {A: EDIT, T: EDIT}, AI, "PERM-07", "PERM-44"),
        _p(Perm.SEND_MESSAGES, "Send Messages", {A: EDIT, T: EDIT, P: VIEW, S: EDIT}, None,
           "PERM-08", "PERM-45", "PERM-60"),
        _p(Perm.SEND_FROM_DISTRICT, "Send From District", {A: EDIT}, None, "PERM-10"),
        _p(Perm.SEND_FROM_SCHOOL, "Send From School", {A: EDIT}, None, "PERM-11"),
        _p(Perm.SEND_AS_PRIORITY, "Send as Priority", {A: EDIT}, None, "PERM-12"),
        _p(Perm.INCLUDE_IN_MESSAGING_SEARCH, "Include Profile in Messaging Search",
           {A: VIEW, T: VIEW}, None, "PERM-13", "PERM-46"),
        _p(Perm.SEND_TO_STUDENT, "Send to Students : Student", {A: EDIT, T: EDIT}, None,
           "PERM-14", "PERM-47"),
        _p(Perm.SEND_TO_STUDENT_PERSONAL, "Send to Students : Student Personal",
           {A: EDIT, T: EDIT}, None, "PERM-15", "PERM-47"),
        _p(Perm.SEND_TO_PRIMARY_CONTACTS, "Send to Students : Primary Contacts",
           {A: EDIT, T: EDIT}, None, "PERM-16", "PERM-47"),
        _p(Perm.SEND_TO_ALL_CONTACTS, "Send to Students : All Contacts", {A: EDIT, T: EDIT}, None,
           "PERM-17", "PERM-47"),
        _p(Perm.SEND_TO_ONCE_PER_FAMILY, "Send to Students : Once Per Family", {A: EDIT, T: EDIT},
           None, "PERM-18", "PERM-47"),
        _p(Perm.SEND_TO_TEACHERS_OF, "Send to Students : Teachers Of", {A: EDIT, T: EDIT}, None,
           "PERM-19", "PERM-47"),
        _p(Perm.SEND_TO_STAFF, "Send to Staff", {A: EDIT, T: EDIT}, None, "PERM-21", "PERM-52"),
        _p(Perm.PUSH_NOTIFICATIONS, "Push Notifications", {A: EDIT, T: EDIT}, None,
           "PERM-22", "PERM-53"),
        _p(Perm.SEND_POLL_OR_SIGNUP, "Send Poll or Sign Up", {A: EDIT, T: EDIT}, CALLOUT,
           "PERM-23", "PERM-54"),
        _p(Perm.SEND_SMS, "Send SMS", {A: EDIT, T: EDIT}, CALLOUT, "PERM-24", "PERM-55"),
        _p(Perm.ANNOUNCEMENTS, "Announcements", {A: VIEW}, None, "PERM-25"),
        _p(Perm.ANNOUNCEMENTS_SEND_EMAILS, "Announcements: Send Emails", {A: EDIT, T: EDIT}, None,
           "PERM-26", "PERM-49"),
        _p(Perm.ANNOUNCEMENTS_SEND_SMS, "Announcements: Send SMS", {A: EDIT, T: EDIT}, CALLOUT,
           "PERM-27", "PERM-50"),
        _p(Perm.ANNOUNCEMENTS_SEND_CALLS, "Announcements: Send Calls", {A: EDIT, T: EDIT}, CALLOUT,
           "PERM-28", "PERM-51"),
        _p(Perm.ANNOUNCEMENTS_MOBILE_APP_PUBLIC, "Announcements: Mobile App Public", {A: EDIT},
           None, "PERM-29"),
        _p(Perm.TEMPLATES_CREATED_BY_OTHERS, "Templates Created by Others", {A: VIEW}, None,
           "PERM-30", "PERM-31", "PERM-32"),
        _p(Perm.PUBLISH_TEMPLATES, "Publish Templates", {A: EDIT}, None, "PERM-33"),
        _p(Perm.TEACHER_ATTENDANCE_ALERTS, "Teacher Attendance Alerts", {A: EDIT}, CALLOUT,
           "PERM-34"),
        _p(Perm.ATTENDANCE_MESSAGES, "Attendance Messages", {A: EDIT}, CALLOUT, "PERM-35"),
        _p(Perm.INTEGRATIONS, "Integrations", {A: EDIT}, CALLOUT, "PERM-36"),
        _p(Perm.ACADEMIC_RECORD, "Academic Record", {A: EDIT}, DOCMGMT, "PERM-37"),
        _p(Perm.PHONE_CALLS, "Phone Calls", {A: EDIT, T: EDIT}, CALLOUT, "PERM-38", "PERM-56"),
        _p(Perm.EMERGENCY_CALLS, "Emergency Calls", {A: EDIT}, CALLOUT, "PERM-39"),
        _p(Perm.CALLER_ID_PHONE_NUMBERS, "Caller ID Phone Numbers", {A: EDIT}, CALLOUT, "PERM-40"),
        _p(Perm.FLAG_MESSAGES, "Flag Messages", {A: EDIT, T: EDIT}, None, "PERM-41", "PERM-57"),
        _p(Perm.ASSIGN_MESSAGES, "Assign Messages to Users", {A: EDIT}, None, "PERM-42"),
        _p(Perm.CLASS_ANNOUNCEMENTS, "Class Announcements", {T: EDIT}, None, "PERM-48"),
        _p(Perm.REWARD_POSITIVE_BEHAVIOR, "Reward Positive Behavior", {T: EDIT}, None, "PERM-58"),
        # Staff only, so an address outside the directory is never reachable for a family sender,
        # who may address only the users they have access to (RCP-22, PERM-60).
        _p(Perm.OUTSIDE_RECIPIENTS, "Send to Outside Addresses", {A: EDIT, T: EDIT}, None,
           "RCP-22", "PERM-60", "IMP-01", "CMP-22"),
        # District-wide preferences every school and user inherits; a school administrator changes
        # only their own schools' settings. Its holders are the district's administrators, so they
        # also read every message's whole delivery list and resend for any sender (domain.reports.communication_report).
        _p(Perm.DISTRICT_SETTINGS, "Communication District Settings", {A: EDIT}, None,
           "SYS-05", "SET-09", "INB-11", "INB-12", "JOB-06", "CID-06"),
        # The referral-creation permission Flag Messages defers to (PERM-41, PERM-57: "the ability
        # to add referrals, if they have permission to create referrals"); referrals themselves
        # belong to a partner's behaviour module, which consumes the referralRequested event.
        _p(Perm.CREATE_REFERRALS, "Create Referrals", {A: EDIT, T: EDIT}, None, "PERM-41", "PERM-57", "INB-09"),
    )
}

assert set(CATALOGUE) == set(Perm), "every Perm needs a catalogue row"


def level_satisfies(granted: PermissionLevel, needed: PermissionLevel) -> bool:
    """Edit implies View."""
    return granted is EDIT or granted == needed


@dataclasses.dataclass(frozen=True)
class Grant:
    role: Role
    permission: str
    level: PermissionLevel


class EffectivePermissions:
    """What one user holds, from all their profiles' grants and the district's add-ons."""

    def __init__(self, grants: Iterable[Grant], enabled_addons: Iterable[Addon]):
        self._addons = frozenset(enabled_addons)
        held: dict[Perm, PermissionLevel] = {}
        for grant in grants:
            try:
                perm = Perm(grant.permission)
            except ValueError:
                continue
            needed = CATALOGUE[perm].levels.get(grant.role)
            if needed is None or not level_satisfies(PermissionLevel(grant.level), needed):
                continue  # PERM-04: role-specific lists; PERM-01: any one profile suffices
            if held.get(perm) is not EDIT:
                held[perm] = PermissionLevel(grant.level)
        self._held = held

    def addon_enabled(self, addon: Addon | None) -> bool:
        return addon is None or addon in self._addons

    def has(self, perm: Perm, level: PermissionLevel | None = None) -> bool:
        spec = CATALOGUE[perm]
        if not self.addon_enabled(spec.addon):  # PERM-03
            return False
        granted = self._held.get(perm)
        if granted is None:
            return False
        return level is None or level_satisfies(granted, level)

    def held(self) -> list[tuple[Perm, PermissionLevel]]:
        return sorted(
            ((perm, level) for perm, level in self._held.items() if self.has(perm)),
            key=lambda item: item[0].value,
        )

    @property
    def addons(self) -> frozenset[Addon]:
        return self._addons


def requirement_text(*perms: Perm) -> str:
    """The sentence appended to a field's SDL description."""
    return "Requires " + " and ".join(CATALOGUE[p].describe() for p in perms) + "."
