"""rewriteText: the Magic Wand (AI-02): a text rewritten in one of eight modes; a suggestion only (AI-03)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.assistant import operations
from graph.assistant.types import ASSISTANT_CODES, AssistantSuggestion, RewriteModeEnum
from graph.context import Info
from graph.errors import field_errors, perform
from graph.permissions import requires

RewriteTextErrors = field_errors("RewriteText", ("REQUIRED", "TOO_LONG", *ASSISTANT_CODES))

RewriteTextResult = Annotated[AssistantSuggestion | RewriteTextErrors, strawberry.union(
    "RewriteTextResult", description="The suggested rewrite, or what was wrong.")]

TRY_AGAIN = "Another suggestion for the same request (\"try again\", AI-04)."


@strawberry.type
class RewriteTextMutation:
    @strawberry.mutation(**requires(
        "The Magic Wand (AI-02): a suggested rewrite of text in one mode. Nothing stored changes (AI-03); needs "
        "the new editor (AI-01).", Perm.COMMUNICATION, Perm.COMMUNICATION_AI))
    def rewrite_text(self, info: Info,
                     text: Annotated[str, strawberry.argument(description="The text to rewrite, as typed.")],
                     mode: Annotated[RewriteModeEnum, strawberry.argument(description="How to rewrite it.")],
                     try_again: Annotated[bool, strawberry.argument(description=TRY_AGAIN)] = False,
                     ) -> RewriteTextResult:
        context = info.context
        return perform(info, lambda: operations.rewrite_text(
            context.session, context.viewer, context.runtime.assistant, text=text, mode=mode, try_again=try_again),
            done=AssistantSuggestion.of, refused=RewriteTextErrors.of, write=False)
