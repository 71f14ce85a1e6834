"""The viewer: who is signed in and what they may do."""

from __future__ import annotations

import strawberry

from domain.support.global_ids import Kind
from domain.messages.compose import compose_capabilities
from domain.access.permissions import CATALOGUE
from domain.access.viewer import Viewer as ViewerModel
from domain.conversations.threads.inbox import unread_total
from domain.directory.school_years import session_year
from graph.directory.types import Role
from models.directory import PermissionLevel as PermissionLevelModel
from graph.messages.types import Channel, StudentRecipientType
from graph.directory.school_years import SchoolYear
from graph.directory.settings import MySettings, my_settings
from graph.enum_values import describe_values
from graph.pagination import node_id


PermissionLevel = describe_values(strawberry.enum(PermissionLevelModel,
                                                  description="View, or Edit (which includes View)."), {
    PermissionLevelModel.VIEW: "The permission's view level.",
    PermissionLevelModel.EDIT: "The permission's edit level, which includes view.",
})


@strawberry.type(description="A profile the viewer holds.")
class Profile:
    id: strawberry.ID = strawberry.field(description="The profile's id.")
    name: str = strawberry.field(description="The profile's name, as the district named it.")
    role: Role = strawberry.field(description="The role the profile is for.")


@strawberry.type(description="A permission the viewer holds through any profile, with its add-on enabled.")
class EffectivePermission:
    key: str = strawberry.field(description='The permission\'s key in the catalogue, e.g. "send_messages".')
    label: str = strawberry.field(description='Its name as administrators see it, e.g. "Send Messages".')
    level: PermissionLevel = strawberry.field(description="The highest level any of the viewer's profiles grants.")
    requirements: list[str] = strawberry.field(description='The requirement IDs it implements, e.g. "PERM-08".')


@strawberry.type(description="What the viewer may put on a new message; anything not listed is not allowed "
                             "(PERM-02).")
class ComposeCapabilities:
    can_send: bool = strawberry.field(description="May send at all: Communication and Send Messages (PERM-08).")
    recipient_types: list[StudentRecipientType] = strawberry.field(
        description="Who a message to students may reach (students, contacts, both), by the Send to Students "
                    "permissions (RCP-01).")
    channels: list[Channel] = strawberry.field(description=(
        "The channels the viewer may send on, by their permissions; no SMS or calls from a school excluded from "
        "communication (SYS-07)."))
    can_send_to_staff: bool = strawberry.field(description=(
        "May address staff: Send to Staff; parents and students address their students' teachers with Send "
        "Messages alone (RCP-22, PERM-60)."))
    can_send_as_district: bool = strawberry.field(description="May send as the district: Send From District (PERM-10).")
    can_send_as_school: bool = strawberry.field(description="May send as a school: Send From School (PERM-11).")
    can_mark_priority: bool = strawberry.field(description="May mark a message priority: Send as Priority (PERM-12).")
    can_send_emergency: bool = strawberry.field(description="May send an emergency: Emergency Calls, with the callout "
                                                            "add-on (PERM-39).")
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

    @strawberry.field(description="The signed-in user's id.")
    def id(self) -> strawberry.ID:
        return node_id(Kind.USER, self.model.id)

    @strawberry.field(description="The name the user signs in with.")
    def login(self) -> str:
        return self.model.user.login

    @strawberry.field(description="The user's first name.")
    def first_name(self) -> str:
        return self.model.user.first_name

    @strawberry.field(description="The user's last name.")
    def last_name(self) -> str:
        return self.model.user.last_name

    @strawberry.field(description="The user's role.")
    def role(self) -> Role:
        return Role(self.model.role.value)

    @strawberry.field(description='The user\'s language, e.g. "en", "es".')
    def language(self) -> str:
        return self.model.user.language

    @strawberry.field(description="The profiles the user holds; their permissions add up.")
    def profiles(self) -> list[Profile]:
        return [Profile(id=node_id(Kind.PROFILE, p.id), name=p.name, role=Role(p.role)) for p in self.model.profiles]

    @strawberry.field(description="Add-ons the district has enabled.")
    def addons(self) -> list[str]:
        return sorted(addon.value for addon in self.model.permissions.addons)

    @strawberry.field(description="Every permission the user holds through any profile whose add-on the district "
                                  "has enabled (PERM-01).")
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

    @strawberry.field(description=(
        "The school year your session works in (SYS-08): the one you selected in this sign-in (selectSchoolYear), "
        "else the district's current one, which is also what families and credentials without a sign-in session "
        "(partner keys, a provider's token used directly) always work in. Null in a district without school years."))
    def school_year(self, info: strawberry.Info) -> SchoolYear | None:
        working = session_year(info.context.session, self.model)
        return None if working.year is None else SchoolYear.of(working.year, working, self.model)

    @strawberry.field(description="What the user may put on a new message, for a compose form to offer.")
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
