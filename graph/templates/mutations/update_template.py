"""updateTemplate: change the fields given, from the full form or the list alike (TPL-04, TPL-13, TPL-14)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.templates import editing
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires
from graph.templates.inputs import TemplateInput, to_template_request
from graph.templates.mutations.create_template import TEMPLATE_INPUT_CODES, TemplateSaved
from graph.templates.queries import STAFF_ROLES, TEMPLATE_PERMS, shown_template

UpdateTemplateErrors = field_errors("UpdateTemplate", TEMPLATE_INPUT_CODES)
UpdateTemplateResult = Annotated[TemplateSaved | UpdateTemplateErrors, strawberry.union(
    "UpdateTemplateResult", description="The template as changed, or why not (NOT_FOUND at id: no template you can "
                                        "use has it); nothing is written then.")]


@strawberry.type
class UpdateTemplateMutation:
    @strawberry.mutation(**requires(
        "Change the fields given and keep the rest (TPL-13, TPL-14): messages made from it keep their copy. Its "
        "content: its author or \"Templates Created by Others\" at Edit (TPL-04, PERM-31); its profiles, schools "
        "and tab: \"Publish Templates\", on anyone's template you can see (PERM-32, PERM-33). A field given with "
        "its current value is no change and needs no permission (its gate applies to a new value only), so a form "
        "may send every field back.", *TEMPLATE_PERMS, roles=STAFF_ROLES))
    def update_template(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The template (MessageTemplate.id).")], input: Annotated[TemplateInput, strawberry.argument(
                description="The fields to change.")]) -> UpdateTemplateResult:
        # No authorize_input: a gated field sent back with its current value is no change and needs no
        # permission; domain.templates.editing.update checks each changed value (check_change).
        template_id = parse_id(id, Kind.TEMPLATE)
        return perform(info, lambda: editing.update(info.context.session, info.context.viewer, template_id,
                                                    to_template_request(input)),
                       refused=UpdateTemplateErrors.of,
                       done=lambda row: TemplateSaved(template=shown_template(info, row.id)))


