"""Who is calling: the user, their profiles, effective permissions and reachable scope."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlmodel import Session

from domain.errors import AuthenticationError
from domain.permissions import Addon, EffectivePermissions, Grant
from models.directory import (
    AccountStatus,
    District,
    Profile,
    ProfileGrant,
    Role,
    User,
    UserProfile,
    School,
    UserSchool,
)


@dataclasses.dataclass(frozen=True)
class Viewer:
    user: User
    district: District
    profiles: tuple[Profile, ...]
    permissions: EffectivePermissions
    school_ids: frozenset[int]
    # SYS-07: the viewer belongs to a school excluded from communication.
    at_excluded_school: bool = False

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.TEACHER)


def enabled_addons(district: District) -> list[Addon]:
    flags = {
        Addon.CALLOUT: district.addon_callout,
        Addon.TRANSLATIONS: district.addon_translations,
        Addon.DOCMGMT: district.addon_docmgmt,
        Addon.AI: district.addon_ai,
    }
    return [addon for addon, enabled in flags.items() if enabled]


def load_viewer(session: Session, user_id: int) -> Viewer:
    """Load an active user with everything authorization needs, in three queries."""
    user = session.get(User, user_id)
    if user is None or user.status != AccountStatus.ACTIVE:
        raise AuthenticationError("the account behind this token is not active")
    district = session.exec(select(District).limit(1)).scalars().first()
    if district is None:
        raise AuthenticationError("no district is set up")
    rows = session.exec(
        select(Profile, ProfileGrant)
        .join(UserProfile, UserProfile.profile_id == Profile.id)
        .outerjoin(ProfileGrant, ProfileGrant.profile_id == Profile.id)
        .where(UserProfile.user_id == user_id)
    ).all()
    profiles = {profile.id: profile for profile, _ in rows}
    grants = [
        Grant(Role(profile.role), grant.permission, grant.level)
        for profile, grant in rows
        if grant is not None
    ]
    schools = session.exec(
        select(UserSchool.school_id, School.exclude_from_communication)
        .join(School, School.id == UserSchool.school_id)
        .where(UserSchool.user_id == user_id)
    ).all()
    return Viewer(
        user=user,
        district=district,
        profiles=tuple(sorted(profiles.values(), key=lambda p: p.name)),
        permissions=EffectivePermissions(grants, enabled_addons(district)),
        school_ids=frozenset(school_id for school_id, _ in schools),
        at_excluded_school=any(excluded for _, excluded in schools),
    )
