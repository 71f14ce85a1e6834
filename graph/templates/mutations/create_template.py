"""createTemplate: a new template of yours; private until published to profiles (TPL-01, TPL-02)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.templates import editing
from graph.context import Info
from graph.errors import TRANSLATION_CODES, field_errors, perform
from graph.permissions import authorize_input, requires
from graph.templates.inputs import TemplateInput, to_template_request
from graph.templates.queries import STAFF_ROLES, TEMPLATE_PERMS, shown_template
from graph.templates.types import MessageTemplate

#: The codes of a template's fields (domain.templates.editing).
TEMPLATE_INPUT_CODES = ("REQUIRED", "TOO_LONG", "INVALID_CHARACTERS", "UNKNOWN_FIELD", "NOT_FOUND", "INVALID",
                        "DUPLICATE", "TOO_MANY", *TRANSLATION_CODES)


@strawberry.type(description="The template as saved.")
class TemplateSaved:
    template: MessageTemplate = strawberry.field(description="The template, with its columns.")


CreateTemplateErrors = field_errors("CreateTemplate", TEMPLATE_INPUT_CODES)
CreateTemplateResult = Annotated[TemplateSaved | CreateTemplateErrors, strawberry.union(
    "CreateTemplateResult", description="The template created, or why not; nothing is written then.")]


@strawberry.type
class CreateTemplateMutation:
    @strawberry.mutation(**requires(
        "Create a template of yours with a title and an email body (TPL-01). Without profiles it is private "
        "(TPL-02); profiles, schools and the tab need \"Publish Templates\" (PERM-33), and the SMS, call, priority, "
        "push and academic record fields the permissions their descriptions name. Staff only.", *TEMPLATE_PERMS, roles=STAFF_ROLES))
    def create_template(self, info: Info, input: Annotated[TemplateInput, strawberry.argument(
            description="The template's fields.")]) -> CreateTemplateResult:
        authorize_input(info.context.viewer, input)
        return perform(info, lambda: editing.create(info.context.session, info.context.viewer,
                                                    to_template_request(input)),
                       refused=CreateTemplateErrors.of,
                       done=lambda row: TemplateSaved(template=shown_template(info, row.id)))
