"""Who is calling: the user, their profiles, effective permissions and reachable scope."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select, true
from sqlmodel import Session

from domain.support.errors import AuthenticationError
from domain.access.permissions import Addon, EffectivePermissions, Grant
from domain.access.scopes import KeyGrant
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
    # SYS-05: the sender's current school (the first of theirs by the district's sort order)
    # decides "push with every message by default"; without one, the district's default does.
    current_school_id: int | None = None
    push_by_default: bool = False
    # CMP-17: the viewer's first school that is excluded from communication, if any.
    excluded_school_id: int | None = None
    #: Set when a partner key calls: it acts as its creator, narrowed to its scopes and schools.
    key: KeyGrant | None = None
    #: The sign-in of the caller's Homeroom token (its ``sid``), whose session holds the school year
    #: they work in (domain.directory.school_years); None: no session, the current year.
    sign_in_id: str | None = None

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


def load_viewer(session: Session, user_id: int, key: KeyGrant | None = None, sign_in_id: str | None = None) -> Viewer:
    """Load an active user with everything authorization needs, in three statements. With ``key``
    (a partner key acting for this user) the schools are narrowed to the key's; ``sign_in_id`` is
    the sign-in a Homeroom token names (its session's school year is read when something needs it)."""
    # The user and the district in one statement (every request loads them)
    found = session.execute(select(User, District).join(District, true()).where(User.id == user_id)
                            .order_by(District.id).limit(1)).first()
    if found is None and session.get(User, user_id) is not None:
        raise AuthenticationError("no district is set up")
    user, district = found if found is not None else (None, None)
    if user is None or user.status != AccountStatus.ACTIVE:
        raise AuthenticationError("the account behind this token is not active")
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
        select(UserSchool.school_id, School.exclude_from_communication, School.push_by_default)
        .join(School, School.id == UserSchool.school_id)
        .where(UserSchool.user_id == user_id)
        .order_by(School.sort_order, School.id)
    ).all()
    if key is not None and key.school_ids is not None:
        schools = [row for row in schools if row.school_id in key.school_ids]
    current = schools[0] if schools else None
    school_push = current.push_by_default if current is not None else None
    return Viewer(
        user=user,
        district=district,
        profiles=tuple(sorted(profiles.values(), key=lambda p: p.name)),
        permissions=EffectivePermissions(grants, enabled_addons(district)),
        school_ids=frozenset(row.school_id for row in schools),
        at_excluded_school=any(row.exclude_from_communication for row in schools),
        current_school_id=current.school_id if current is not None else None,
        push_by_default=district.push_by_default if school_push is None else school_push,
        excluded_school_id=next((row.school_id for row in schools if row.exclude_from_communication), None),
        key=key,
        sign_in_id=sign_in_id if key is None else None,
    )
