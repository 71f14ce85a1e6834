"""The viewer: who is signed in and what they may do."""

from __future__ import annotations

import strawberry

from domain.messages.compose import compose_capabilities
from domain.access.permissions import CATALOGUE
from domain.access.viewer import Viewer as ViewerModel
from domain.conversations.threads.inbox import unread_total
from graph.directory.types import Role
from models.directory import PermissionLevel as PermissionLevelModel
from graph.messages.types import Channel, StudentRecipientType
from graph.directory.settings import MySettings, my_settings


PermissionLevel = strawberry.enum(PermissionLevelModel, description="View, or Edit (which includes View).")


@strawberry.type(description="A profile the viewer holds.")
class Profile:
    id: strawberry.ID
    name: str
    role: Role


@strawberry.type(description="A permission the viewer holds through any profile, with its add-on enabled.")
class EffectivePermission:
    key: str
    label: str
    level: PermissionLevel
    requirements: list[str]


@strawberry.type(description="What the viewer may put on a new message; anything not listed is not allowed "
                             "(PERM-02).")
class ComposeCapabilities:
    can_send: bool
    recipient_types: list[StudentRecipientType]
    channels: list[Channel]
    can_send_to_staff: bool
    can_send_as_district: bool
    can_send_as_school: bool
    can_mark_priority: bool
    can_send_emergency: bool
    can_send_to_outside_addresses: bool = strawberry.field(description=(
        "Cc addresses and CSV-imported recipients (RCP-22): never for parents and students."))
    push_by_default: bool = strawberry.field(description=(
        "Whether a new message asks for push when the sender leaves input.push null: the preference of the "
        "viewer's current school, else the district's default school preferences (CMP-09, SYS-05)."))
    allow_reply_by_default: bool = strawberry.field(description=(
        "Whether a new message allows replies when the sender leaves input.allowReply null (SET-06)."))
    default_recipient_type: StudentRecipientType | None = strawberry.field(
        description="The district's default recipient type, when the viewer may use it (RCP-02).")


@strawberry.type(description="The signed-in user.")
class Viewer:
    model: strawberry.Private[ViewerModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def login(self) -> str:
        return self.model.user.login

    @strawberry.field
    def first_name(self) -> str:
        return self.model.user.first_name

    @strawberry.field
    def last_name(self) -> str:
        return self.model.user.last_name

    @strawberry.field
    def role(self) -> Role:
        return Role(self.model.role.value)

    @strawberry.field
    def language(self) -> str:
        return self.model.user.language

    @strawberry.field
    def profiles(self) -> list[Profile]:
        return [Profile(id=strawberry.ID(str(p.id)), name=p.name, role=Role(p.role)) for p in self.model.profiles]

    @strawberry.field(description="Add-ons the district has enabled.")
    def addons(self) -> list[str]:
        return sorted(addon.value for addon in self.model.permissions.addons)

    @strawberry.field
    def permissions(self) -> list[EffectivePermission]:
        return [
            EffectivePermission(key=perm.value, label=CATALOGUE[perm].label, level=PermissionLevel(level.value),
                                requirements=list(CATALOGUE[perm].requirements))
            for perm, level in self.model.permissions.held()
        ]

    @strawberry.field(description="Unread messages in the viewer's threads that are not archived, as the inbox "
                                  "counts them (at most 30 a thread, none from someone no longer active): the "
                                  "portal's new-message alert (INB-02, INB-03, INB-24). One statement.")
    def unread_total(self, info: strawberry.Info) -> int:
        return unread_total(info.context.session, user_id=self.model.id)

    @strawberry.field(description="The viewer's communication settings, with what the district enforces "
                                  "(SET-03 to SET-07, SET-09).")
    def settings(self) -> MySettings:
        return my_settings(self.model.user, self.model.district)

    @strawberry.field
    def compose(self) -> ComposeCapabilities:
        caps = compose_capabilities(self.model)
        return ComposeCapabilities(
            can_send=caps.can_send,
            recipient_types=[StudentRecipientType(kind.value) for kind in caps.recipient_types],
            channels=[Channel(channel.value) for channel in caps.channels],
            can_send_to_staff=caps.can_send_to_staff, can_send_as_district=caps.can_send_as_district,
            can_send_as_school=caps.can_send_as_school, can_mark_priority=caps.can_mark_priority,
            can_send_emergency=caps.can_send_emergency,
            can_send_to_outside_addresses=caps.can_send_to_outside_addresses, push_by_default=caps.push_by_default,
            allow_reply_by_default=caps.allow_reply_by_default,
            default_recipient_type=StudentRecipientType(caps.default_recipient_type.value)
            if caps.default_recipient_type else None,
        )
