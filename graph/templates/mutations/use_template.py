"""useTemplate: copy a template into a new draft or one of yours (TPL-11, TPL-14, CMP-35)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.templates.use import use_template
from graph.context import Info
from graph.errors import field_errors, perform
from graph.messages.drafts import Draft, drafts_of
from graph.pagination import parse_id
from graph.permissions import requires
from graph.templates.queries import STAFF_ROLES, TEMPLATE_PERMS

UseTemplateErrors = field_errors("UseTemplate", ("NOT_FOUND", "CONFLICT", "REQUIRED", "TOO_LONG", "INVALID",
                                                 "NO_CALLER_ID", "EXCLUDED_SCHOOL", "UNKNOWN_FIELD"))


@strawberry.type(description="The draft the template was copied into.")
class TemplateUsed:
    draft: Draft = strawberry.field(description="The draft, as draft(id:) shows it; edit, send or schedule it.")
    skipped_fields: list[str] = strawberry.field(description=(
        "The template's fields not copied because you lack their permission, as TemplateInput names them "
        "(smsText, callText, priority, push, academicRecordCategory); empty: everything was copied."))


UseTemplateResult = Annotated[TemplateUsed | UseTemplateErrors, strawberry.union(
    "UseTemplateResult", description="The draft made or filled from the template, or why not.")]


@strawberry.type
class UseTemplateMutation:
    @strawberry.mutation(**requires(
        "Copy a template you may use into a new draft, or into one of your drafts (draftId), where the fields the "
        "template has overwrite the draft's and its recipients stay (CMP-35, TPL-11). The draft keeps the copy: "
        "later edits of the template never reach it (TPL-14).", *TEMPLATE_PERMS, roles=STAFF_ROLES))
    def use_template(self, info: Info, template_id: Annotated[strawberry.ID, strawberry.argument(
            description="The template (MessageTemplate.id).")],
                     draft_id: Annotated[strawberry.ID | None, strawberry.argument(description=(
                         "One of your drafts (Draft.id) to load it into; null: a new draft."))] = None,
                     ) -> UseTemplateResult:
        draft = parse_id(draft_id, Kind.MESSAGE) if draft_id is not None else None
        return perform(info, lambda: use_template(info.context.session, info.context.viewer,
                                                  parse_id(template_id, Kind.TEMPLATE), draft_id=draft),
                       refused=UseTemplateErrors.of,
                       done=lambda used: TemplateUsed(draft=drafts_of(info, [used.message])[0],
                                                      skipped_fields=list(used.skipped)))
