"""What a viewer may compose: recipient types, channels and options, from the catalogue."""

from __future__ import annotations

import dataclasses

from domain.access.permissions import Perm
from domain.access.scope import FAMILY_ROLES
from domain.directory.user_settings import UserSetting, effective
from domain.access.viewer import Viewer
from models.messaging import Channel, StudentRecipientType as RT

#: RCP-01, PERM-14..PERM-20: the permissions each student recipient type needs (all of them).
RECIPIENT_TYPE_PERMISSIONS: dict[RT, tuple[Perm, ...]] = {
    RT.STUDENTS: (Perm.SEND_TO_STUDENT,),
    RT.STUDENT_PERSONAL: (Perm.SEND_TO_STUDENT_PERSONAL,),
    RT.PRIMARY_CONTACTS: (Perm.SEND_TO_PRIMARY_CONTACTS,),
    RT.ALL_CONTACTS: (Perm.SEND_TO_ALL_CONTACTS,),
    RT.ONCE_PER_FAMILY: (Perm.SEND_TO_ONCE_PER_FAMILY,),
    RT.TEACHERS_OF: (Perm.SEND_TO_TEACHERS_OF,),
    RT.STUDENTS_AND_ALL_CONTACTS: (Perm.SEND_TO_STUDENT, Perm.SEND_TO_ALL_CONTACTS),
    RT.STUDENTS_AND_PRIMARY_CONTACTS: (Perm.SEND_TO_STUDENT, Perm.SEND_TO_PRIMARY_CONTACTS),
}

#: The permission each channel needs on a new message (email is core: Send Messages suffices).
CHANNEL_PERMISSIONS: dict[Channel, tuple[Perm, ...]] = {
    Channel.EMAIL: (),
    Channel.SMS: (Perm.SEND_SMS,),  # PERM-24
    Channel.VOICE: (Perm.PHONE_CALLS,),  # PERM-38
    Channel.PUSH: (Perm.PUSH_NOTIFICATIONS,),  # PERM-22
}


#: SYS-07: what users of a school excluded from communication may not use.
EXCLUDED_SCHOOL_CHANNELS = frozenset({Channel.SMS, Channel.VOICE})


def excluded_from_channel(viewer: Viewer, channel: Channel) -> bool:
    return viewer.at_excluded_school and channel in EXCLUDED_SCHOOL_CHANNELS


def holds_all(viewer: Viewer, perms: tuple[Perm, ...]) -> bool:
    return all(viewer.permissions.has(perm) for perm in perms)


@dataclasses.dataclass(frozen=True)
class ComposeCapabilities:
    """PERM-02: options the viewer lacks are simply absent."""

    can_send: bool
    recipient_types: list[RT]
    channels: list[Channel]
    can_send_to_staff: bool
    can_send_as_district: bool
    can_send_as_school: bool
    can_mark_priority: bool
    can_send_emergency: bool
    can_send_to_outside_addresses: bool
    push_by_default: bool
    allow_reply_by_default: bool
    default_recipient_type: RT | None


def push_by_default(viewer: Viewer) -> bool:
    """CMP-09: a message asks for push unless the sender says otherwise when the sender's school
    preference says so (SYS-05) and the sender holds the push permission."""
    return (viewer.push_by_default and viewer.permissions.has(Perm.PUSH_NOTIFICATIONS)
            and not excluded_from_channel(viewer, Channel.PUSH))


def allow_reply_by_default(viewer: Viewer) -> bool:
    """SET-06: the sender's "allow student/parent reply by default" (or the district's, SET-09)."""
    return effective(viewer.user, viewer.district)[UserSetting.ALLOW_REPLY_BY_DEFAULT].value


def compose_capabilities(viewer: Viewer) -> ComposeCapabilities:
    has = viewer.permissions.has
    can_send = has(Perm.COMMUNICATION) and has(Perm.SEND_MESSAGES)
    recipient_types = [kind for kind in RT
                       if can_send and holds_all(viewer, RECIPIENT_TYPE_PERMISSIONS[kind])]
    preferred = viewer.district.default_recipient_type
    return ComposeCapabilities(
        can_send=can_send,
        recipient_types=recipient_types,
        channels=[
            channel
            for channel, perms in CHANNEL_PERMISSIONS.items()
            if can_send and holds_all(viewer, perms) and not excluded_from_channel(viewer, channel)
        ],
        # RCP-22 / PERM-60: family users address teachers with Send Messages alone.
        can_send_to_staff=can_send and (has(Perm.SEND_TO_STAFF) or viewer.role in FAMILY_ROLES),
        can_send_as_district=can_send and has(Perm.SEND_FROM_DISTRICT),
        can_send_as_school=can_send and has(Perm.SEND_FROM_SCHOOL),
        can_mark_priority=can_send and has(Perm.SEND_AS_PRIORITY),
        can_send_emergency=can_send and has(Perm.EMERGENCY_CALLS),
        # RCP-22: Cc and imported recipients are outside the directory; never for family senders.
        can_send_to_outside_addresses=can_send and has(Perm.OUTSIDE_RECIPIENTS),
        # CMP-09 / SYS-05: push defaults on only for holders of the push permission.
        push_by_default=push_by_default(viewer),
        allow_reply_by_default=allow_reply_by_default(viewer),
        # RCP-02: the district default applies only when the viewer may use that type.
        default_recipient_type=RT(preferred) if preferred and RT(preferred) in recipient_types else None,
    )
