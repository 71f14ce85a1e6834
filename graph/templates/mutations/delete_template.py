"""deleteTemplate: remove a template with its sharing and files, unless something uses it (TPL-04, TPL-15)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.templates import editing
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires
from graph.templates.queries import STAFF_ROLES, TEMPLATE_PERMS

DeleteTemplateErrors = field_errors("DeleteTemplate", ("NOT_FOUND", "IN_USE"))


@strawberry.type(description="The template is deleted; messages made from it keep their copies (TPL-14).")
class TemplateDeleted:
    id: strawberry.ID = strawberry.field(description="The id the template had.")


DeleteTemplateResult = Annotated[TemplateDeleted | DeleteTemplateErrors, strawberry.union(
    "DeleteTemplateResult", description="The template deleted, or why not (NOT_FOUND; IN_USE names what uses it).")]


@strawberry.type
class DeleteTemplateMutation:
    @strawberry.mutation(**requires(
        "Delete a template: its author or \"Templates Created by Others\" at Edit (TPL-04, PERM-31). Refused while "
        "something uses it, such as an attendance threshold, naming each (TPL-15).", *TEMPLATE_PERMS, roles=STAFF_ROLES))
    def delete_template(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The template (MessageTemplate.id).")]) -> DeleteTemplateResult:
        return perform(info, lambda: editing.remove(info.context.session, info.context.viewer,
                                                    parse_id(id, Kind.TEMPLATE)),
                       refused=DeleteTemplateErrors.of,
                       done=lambda removed: TemplateDeleted(id=node_id(Kind.TEMPLATE, removed)))
