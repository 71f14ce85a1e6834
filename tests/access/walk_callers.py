"""The callers of the authorization walk (issue 17, "Proof: authorization walk"; PERM-01, PERM-06):
one per role as the district gives roles their powers, and what each may call by the catalogue.

Users get the standard profiles a district starts with (domain.directory.standard_profiles, what
the demo seeding and OneRoster give each role), so "allowed" is computed from the same grants the
server reads: the profile's grants filtered by the catalogue's role lists and the district's
add-ons (domain.access.permissions.EffectivePermissions). Every user belongs to one home school
only. A partner key per scope is made by the seeded district administrator for the home school
and holds just that scope; it acts with its creator's permissions, narrowed to its scope.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from domain.access.permissions import Addon, EffectivePermissions, Grant
from domain.access.scopes import Scope
from domain.directory.standard_profiles import PROFILES
from factories import add_contact, add_section, add_student, add_user, unique
from helpers import token_for
from models.db import session_scope
from models.directory import District, Role, User
from schema_walk import RootField

#: The walk's user roles: (caller name, role, standard profile).
USER_ROLES = (
    ("district administrator", Role.ADMIN, "District Administrator"),
    ("school administrator", Role.ADMIN, "School Administrator"),
    ("teacher", Role.TEACHER, "Teacher"),
    ("parent", Role.PARENT, "Parent"),
    ("student", Role.STUDENT, "Student"),
)
ANONYMOUS = "anonymous"
#: The profile partner keys act with: the seeded district administrator's, who creates them.
KEY_CREATOR_PROFILE = "District Administrator"


@dataclasses.dataclass(frozen=True)
class Caller:
    name: str
    token: str | None  # None: anonymous
    role: Role | None = None
    permissions: EffectivePermissions | None = None
    scope: Scope | None = None  # a partner key's one scope

    @property
    def is_key(self) -> bool:
        return self.scope is not None

    def may_call(self, field: RootField) -> bool:
        """What the field declares, read against the catalogue: a signed-in caller holding every
        permission of the field's permission class (and its role, if it names roles); a partner
        key also needs one of the field's scopes, and never passes a role-limited field."""
        if self.token is None or self.permissions is None:
            return False
        if self.is_key and (self.scope not in field.scopes or field.roles):
            return False
        if field.roles and self.role not in field.roles:
            return False
        return all(self.permissions.has(perm) for perm in field.perms)


def profile_permissions(profile_name: str, addons: frozenset[Addon]) -> tuple[Role, EffectivePermissions]:
    name, role, grants = next(p for p in PROFILES if p[0] == profile_name)
    return role, EffectivePermissions([Grant(role, perm.value, level) for perm, level in grants.items()], addons)


def district_addons(engine) -> frozenset[Addon]:
    with session_scope(engine) as session:
        district = session.execute(select(District)).scalars().one()
        return frozenset(addon for addon in Addon if getattr(district, f"addon_{addon.value}"))


def _login(engine, user_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(User, user_id).login


def make_callers(client, engine, home_school: int) -> list[Caller]:
    """Every caller of the walk: the five user roles (fresh accounts at ``home_school``, a
    teacher with a section, a parent and a student with their student), one partner key per
    scope (for ``home_school``), and anonymous."""
    from partner_key_steps import create_key

    addons = district_addons(engine)
    kid = add_student(engine, home_school)
    callers = []
    for name, role, profile in USER_ROLES:
        extra = {"student_id": kid} if role is Role.STUDENT else {}
        user_id = add_user(engine, role.value, school_ids=[home_school], profile=profile,
                           login=unique(f"walk.{role.value.lower()}."), **extra)
        if role is Role.TEACHER:
            add_section(engine, home_school, teacher_ids=[user_id], student_ids=[kid])
        if role is Role.PARENT:
            add_contact(engine, kid, user_id=user_id)
        _, permissions = profile_permissions(profile, addons)
        callers.append(Caller(name, token_for(engine, _login(engine, user_id)), role, permissions))
    _, creator = profile_permissions(KEY_CREATOR_PROFILE, addons)
    for scope in Scope:
        secret = create_key(client, engine, scopes=[scope.name], school_ids=[home_school],
                            name=f"walk {scope.value}")["secret"]
        callers.append(Caller(f"key {scope.value}", secret, Role.ADMIN, creator, scope))
    callers.append(Caller(ANONYMOUS, None))
    return callers
