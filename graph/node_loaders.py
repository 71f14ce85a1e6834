"""What node(id:) can refetch (graph/node.py): one authorized loader per kind, each answering the
rows asked for that the type's own query would show the viewer, with that query's permissions and
partner-key scopes, in one statement (or a few) per kind however many ids are asked."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from domain.access.partner_keys import listed_keys
from domain.access.permissions import Perm
from domain.access.scope import staff_scope, student_scope
from domain.access.scopes import Scope
from domain.announcements.rules import managed_announcements
from domain.support.errors import AuthorizationError
from domain.messages.drafts import own_drafts
from domain.access.message_scope import visible_messages
from domain.reports.communication_report import readable_deliveries
from domain.support.global_ids import Kind
from domain.templates.listing import template_views
from domain.templates.rules import visible_templates
from domain.webhooks import listing as webhook_listing
from graph.access.partner_keys import PartnerKey
from graph.announcements.queries import shown as shown_announcements
from graph.context import Info
from graph.directory.queries import assigned_groups, reachable_sections
from graph.directory.types import Group, School, Section, StaffMember, Student
from graph.messages.alerts import PortalAlert
from graph.messages.drafts import drafts_of
from graph.messages.message import Message
from graph.messages.types import Delivery
from graph.node import loads_nodes
from graph.telephony.types import shown as shown_caller_ids
from graph.templates.types import Letterhead, MessageTemplate
from graph.webhooks.types import WebhookEndpoint
from models import directory as directory_db
from models.announcements import Announcement as AnnouncementRow
from models.caller_ids import CallerId as CallerIdRow
from models.conversations import PortalAlert as PortalAlertRow
from models.messaging import Delivery as DeliveryRow, Message as MessageRow
from models.templates import Letterhead as LetterheadRow, MessageTemplate as TemplateRow

DIRECTORY = (Scope.DIRECTORY_READ,)


@loads_nodes(Kind.SCHOOL, Perm.COMMUNICATION, scopes=DIRECTORY)
def schools(info: Info, pks: list[int]) -> dict:
    rows = info.context.session.execute(select(directory_db.School).where(
        directory_db.School.id.in_(pks), directory_db.School.id.in_(info.context.viewer.school_ids))).scalars()
    return {row.id: School.from_row(row) for row in rows}


@loads_nodes(Kind.STUDENT, Perm.COMMUNICATION, scopes=DIRECTORY)
def students(info: Info, pks: list[int]) -> dict:
    rows = info.context.session.execute(select(directory_db.Student).where(
        directory_db.Student.id.in_(pks), student_scope(info.context.viewer))).scalars()
    return {row.id: Student.from_row(row) for row in rows}


@loads_nodes(Kind.USER, Perm.COMMUNICATION, scopes=DIRECTORY)
def staff(info: Info, pks: list[int]) -> dict:
    rows = info.context.session.execute(select(directory_db.User).where(
        directory_db.User.id.in_(pks), staff_scope(info.context.viewer))).scalars()
    return {row.id: StaffMember.from_row(row) for row in rows}


@loads_nodes(Kind.SECTION, Perm.COMMUNICATION, scopes=DIRECTORY)
def sections(info: Info, pks: list[int]) -> dict:
    rows = info.context.session.execute(
        reachable_sections(info.context.viewer).where(directory_db.Section.id.in_(pks))).scalars()
    return {row.id: Section.from_row(row) for row in rows}


def _groups(info: Info, pks: list[int], kind: Kind, group, member, assignee) -> dict:
    rows = info.context.session.execute(
        assigned_groups(info.context.viewer, group, member, assignee).where(group.id.in_(pks)))
    return {row.id: Group.of(kind, row) for row in rows}


@loads_nodes(Kind.STUDENT_GROUP, Perm.COMMUNICATION)
def student_groups(info: Info, pks: list[int]) -> dict:
    return _groups(info, pks, Kind.STUDENT_GROUP, directory_db.StudentGroup, directory_db.StudentGroupMember,
                   directory_db.StudentGroupAssignee)


@loads_nodes(Kind.USER_GROUP, Perm.COMMUNICATION)
def user_groups(info: Info, pks: list[int]) -> dict:
    return _groups(info, pks, Kind.USER_GROUP, directory_db.UserGroup, directory_db.UserGroupMember,
                   directory_db.UserGroupAssignee)


@loads_nodes(Kind.MESSAGE, Perm.COMMUNICATION, scopes=(Scope.MESSAGES_READ,))
def messages(info: Info, pks: list[int]) -> dict:
    """As message(id:) shows it; the viewer's own draft as draft(id:) shows it (a Draft)."""
    session, viewer = info.context.session, info.context.viewer
    found = {row.id: Message.from_row(row) for row in session.execute(
        select(MessageRow).where(MessageRow.id.in_(pks), visible_messages(viewer))).scalars()}
    if viewer.key is None:  # draft(id:) refuses partner keys
        drafts = list(session.execute(select(MessageRow).where(MessageRow.id.in_(pks), *own_drafts(viewer))).scalars())
        found.update(zip([row.id for row in drafts], drafts_of(info, drafts), strict=True))
    return found


@loads_nodes(Kind.DELIVERY, Perm.COMMUNICATION, scopes=(Scope.MESSAGES_READ,))
def deliveries(info: Info, pks: list[int]) -> dict:
    """A delivery of a message the viewer may read, when message(id:){deliveries} would list it."""
    session, viewer = info.context.session, info.context.viewer
    senders = dict(session.execute(
        select(MessageRow.id, MessageRow.sender_id).where(
            MessageRow.id.in_(select(DeliveryRow.message_id).where(DeliveryRow.id.in_(pks))),
            visible_messages(viewer))).all())
    by_sender: dict[int, list[int]] = defaultdict(list)
    for message_id, sender_id in senders.items():
        by_sender[sender_id].append(message_id)
    found = {}
    for sender_id, message_ids in by_sender.items():
        rows = session.execute(select(DeliveryRow).where(
            DeliveryRow.id.in_(pks), DeliveryRow.message_id.in_(message_ids),
            *readable_deliveries(viewer, sender_id))).scalars()
        found.update((row.id, Delivery.from_row(row)) for row in rows)
    return found


@loads_nodes(Kind.PORTAL_ALERT, Perm.COMMUNICATION)
def portal_alerts(info: Info, pks: list[int]) -> dict:
    rows = info.context.session.execute(select(PortalAlertRow).where(
        PortalAlertRow.id.in_(pks), PortalAlertRow.user_id == info.context.viewer.id)).scalars()
    return {row.id: PortalAlert.from_row(row) for row in rows}


@loads_nodes(Kind.CALLER_ID, Perm.COMMUNICATION, Perm.CALLER_ID_PHONE_NUMBERS)
def caller_ids(info: Info, pks: list[int]) -> dict:
    rows = list(info.context.session.execute(select(CallerIdRow).where(CallerIdRow.id.in_(pks))).scalars())
    return dict(zip([row.id for row in rows], shown_caller_ids(info, rows), strict=True))


@loads_nodes(Kind.PARTNER_KEY, Perm.COMMUNICATION, Perm.DISTRICT_SETTINGS)
def partner_keys(info: Info, pks: list[int]) -> dict:
    return {listing.key.id: PartnerKey.from_listing(listing)
            for listing in listed_keys(info.context.session, key_ids=tuple(pks))}


@loads_nodes(Kind.WEBHOOK_ENDPOINT, Perm.COMMUNICATION, Perm.DISTRICT_SETTINGS)
def webhook_endpoints(info: Info, pks: list[int]) -> dict:
    wanted = set(pks)
    return {view.endpoint.id: WebhookEndpoint.of(view) for view in webhook_listing.endpoints(info.context.session, 10)
            if view.endpoint.id in wanted}


@loads_nodes(Kind.TEMPLATE, Perm.COMMUNICATION, Perm.SEND_MESSAGES)
def templates(info: Info, pks: list[int]) -> dict:
    """As template(id:): the templates the viewer may use (TPL-12), none for family users."""
    viewer = info.context.viewer
    if not viewer.is_staff:
        return {}
    rows = list(info.context.session.execute(select(TemplateRow).where(
        TemplateRow.id.in_(pks), *visible_templates(viewer))).scalars())
    views = template_views(info.context.session, viewer, rows)
    return {pk: MessageTemplate.of(view) for pk, view in views.items()}


@loads_nodes(Kind.LETTERHEAD, Perm.COMMUNICATION)
def letterheads(info: Info, pks: list[int]) -> dict:
    rows = info.context.session.execute(select(LetterheadRow).where(LetterheadRow.id.in_(pks))).scalars()
    return {row.id: Letterhead.of(row) for row in rows}


@loads_nodes(Kind.ANNOUNCEMENT, Perm.COMMUNICATION)
def announcements(info: Info, pks: list[int]) -> dict:
    """As announcement(id:): the announcements the viewer manages (PERM-25, PERM-48), none for others."""
    viewer = info.context.viewer
    try:
        where = managed_announcements(viewer)
    except AuthorizationError:
        return {}
    rows = list(info.context.session.execute(select(AnnouncementRow).where(
        AnnouncementRow.id.in_(pks), *where)).scalars())
    return {row.id: announcement for row, announcement in zip(rows, shown_announcements(info, rows), strict=True)}
