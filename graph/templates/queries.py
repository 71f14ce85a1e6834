"""The template picker and list, one template, the schools and letterheads a template may use, and
the templates a tab offers (TPL-05…TPL-08, TPL-12, TPL-13, CMP-03)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.support.errors import InvalidInput
from domain.support.global_ids import Kind
from domain.content import letterheads
from domain.templates import listing
from domain.templates.rules import visible_template
from graph.context import Info
from graph.directory.types import School
from graph.pagination import After, Before, Connection, First, Last, keyset_page, parse_id, search_term, window
from graph.permissions import requires
from graph.templates.types import Letterhead, MessageTemplate, TabTarget, TabTemplate
from models import templates as db
from models.directory import Role

#: The domain's require_template_access, declared: the fields refuse anyone else before they run.
TEMPLATE_PERMS = (Perm.COMMUNICATION, Perm.SEND_MESSAGES)
#: Templates are staff content (TPL-11): families and students are refused.
STAFF_ROLES = (Role.ADMIN, Role.TEACHER)


def template_page(info: Info, where: list, first, after, last, before, wrap=lambda template, view: template):
    """One page of templates by title, each shown with its columns (four statements for the page)."""
    connection = keyset_page(info.context.session, db.MessageTemplate, "template", where,
                             window("template", first, after, last, before, default=50), lambda row: row,
                             order=(db.MessageTemplate.title,))
    views = listing.template_views(info.context.session, info.context.viewer, [edge.node for edge in connection.edges])
    for edge in connection.edges:
        edge.node = wrap(MessageTemplate.of(views[edge.node.id]), views[edge.node.id])
    return connection


def shown_template(info: Info, template_id: int) -> MessageTemplate:
    """One template the viewer may see, with its columns."""
    row = visible_template(info.context.session, info.context.viewer, template_id)
    return MessageTemplate.of(listing.template_views(info.context.session, info.context.viewer, [row])[row.id])


@strawberry.type
class TemplateQueries:
    @strawberry.field(**requires(
        "The templates you may use, by title (50 a page by default): your own, those shared with one of your "
        "profiles at one of your schools, and with \"Templates Created by Others\" everyone's (TPL-12, PERM-30), "
        "each with the columns of the list (TPL-13). Staff only.", *TEMPLATE_PERMS, roles=STAFF_ROLES))
    def templates(self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
                  title_contains: Annotated[str | None, strawberry.argument(description=(
                      "Only titles containing this text, any case (TPL-13); null or blank: every template."))] = None,
                  tab: Annotated[TabTarget | None, strawberry.argument(description=(
                      "Only templates attached to this tab or feature (TPL-06); null: any."))] = None,
                  ) -> Connection[MessageTemplate]:
        where = listing.template_filter(info.context.viewer, title_contains=search_term(title_contains, "titleContains"),
                                        tab=db.TabTarget(tab.value) if tab else None)
        return template_page(info, where, first, after, last, before)

    @strawberry.field(**requires("One template you may use; null when not found (one you may not see answers the "
                                 "same).", *TEMPLATE_PERMS, roles=STAFF_ROLES))
    def template(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The template (MessageTemplate.id).")]) -> MessageTemplate | None:
        try:
            return shown_template(info, parse_id(id, Kind.TEMPLATE))
        except InvalidInput:  # TemplateNotFound: a template you may not see reads as missing
            return None

    @strawberry.field(**requires(
        "The templates a Student Info tab (or a feature) offers, by title, and how each is offered there: printed, "
        "emailed only with \"Send Messages\" (emailable is false without it), never emailed to linked users from "
        "the print list (TPL-06…TPL-08).", Perm.COMMUNICATION, roles=STAFF_ROLES))
    def tab_templates(self, info: Info, tab: Annotated[TabTarget, strawberry.argument(
            description="The tab or feature.")], first: First = None, after: After = None, last: Last = None,
                      before: Before = None) -> Connection[TabTemplate]:
        target = db.TabTarget(tab.value)
        where = listing.tab_template_filter(info.context.viewer, target)
        offer = listing.offered_on_tab(info.context.viewer, target)
        return template_page(info, where, first, after, last, before, wrap=lambda template, view: TabTemplate(
            template=template, printable=offer["print"], emailable=offer["email"],
            emailable_to_linked_users=offer["email_linked_users"]))

    @strawberry.field(**requires(
        "The schools a template may be limited to: yours, by the district's school order and then by name (TPL-05).",
        *TEMPLATE_PERMS, roles=STAFF_ROLES))
    def template_schools(self, info: Info) -> list[School]:
        return [School.from_row(row) for row in listing.template_schools(info.context.session, info.context.viewer)]

    @strawberry.field(**requires(
        "Letterheads by name; forCommunication (the default) lists only those messages and templates accept "
        "(CMP-03).", Perm.COMMUNICATION))
    def letterheads(self, info: Info, for_communication: Annotated[bool, strawberry.argument(description=(
            "Only letterheads available for Communication."))] = True) -> list[Letterhead]:
        return [Letterhead.of(row) for row in letterheads.letterheads(info.context.session,
                                                                      communication_only=for_communication)]
