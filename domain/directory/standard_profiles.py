"""The profiles a new district starts with, and their grants: what the seeded district gets and
what OneRoster gives each new user by role (domain.integrations.oneroster.importer). The names are the ones upgrades
refer to (migration 0023 grants "Communication District Settings" to "District Administrator").
"""

from __future__ import annotations

from domain.access.permissions import CATALOGUE, Perm
from models.directory import PermissionLevel, Role

VIEW, EDIT = PermissionLevel.VIEW, PermissionLevel.EDIT

_ADMIN_PERMS = {perm: EDIT for perm, spec in CATALOGUE.items() if Role.ADMIN in spec.levels}
_NOT_FOR_SCHOOL_ADMINS = (Perm.SEND_FROM_DISTRICT, Perm.EMERGENCY_CALLS,
                          Perm.CALLER_ID_PHONE_NUMBERS, Perm.INTEGRATIONS, Perm.ASSIGN_MESSAGES,
                          Perm.DISTRICT_SETTINGS)
_TEACHER_EDITS = (Perm.SEND_MESSAGES, Perm.SEND_TO_STUDENT, Perm.SEND_TO_PRIMARY_CONTACTS,
                  Perm.SEND_TO_ALL_CONTACTS, Perm.SEND_TO_STAFF, Perm.PUSH_NOTIFICATIONS,
                  Perm.SEND_SMS, Perm.FLAG_MESSAGES, Perm.CLASS_ANNOUNCEMENTS, Perm.OUTSIDE_RECIPIENTS,
                  Perm.CREATE_REFERRALS)
#: (name, role, grants); a seeded profile's id is its position here plus one.
PROFILES = (
    ("District Administrator", Role.ADMIN, _ADMIN_PERMS),
    ("School Administrator", Role.ADMIN,
     {p: level for p, level in _ADMIN_PERMS.items() if p not in _NOT_FOR_SCHOOL_ADMINS}),
    ("Teacher", Role.TEACHER, {Perm.COMMUNICATION: VIEW, Perm.INCLUDE_IN_MESSAGING_SEARCH: VIEW,
                               **dict.fromkeys(_TEACHER_EDITS, EDIT)}),
    ("Teacher (read only)", Role.TEACHER, {Perm.COMMUNICATION: VIEW}),
    ("Parent", Role.PARENT, {Perm.COMMUNICATION: VIEW, Perm.SEND_MESSAGES: VIEW}),
    ("Student", Role.STUDENT, {Perm.COMMUNICATION: VIEW, Perm.SEND_MESSAGES: EDIT}),
)
DISTRICT_ADMIN, SCHOOL_ADMIN, TEACHER, TEACHER_READ_ONLY, PARENT, STUDENT = range(1, 7)
