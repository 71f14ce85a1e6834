"""refineSuggestion (AI-04): a previous suggestion changed by an added instruction; a suggestion only (AI-03)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.assistant import operations
from graph.assistant.mutations.rewrite_text import TRY_AGAIN
from graph.assistant.types import ASSISTANT_CODES, AssistantSuggestion
from graph.context import Info
from graph.errors import field_errors, perform
from graph.permissions import requires

RefineSuggestionErrors = field_errors("RefineSuggestion", ("REQUIRED", "TOO_LONG", *ASSISTANT_CODES))

RefineSuggestionResult = Annotated[AssistantSuggestion | RefineSuggestionErrors, strawberry.union(
    "RefineSuggestionResult", description="The refined suggestion, or what was wrong.")]


@strawberry.type
class RefineSuggestionMutation:
    @strawberry.mutation(**requires(
        "A suggestion changed as an instruction says (AI-04: \"make it friendlier\", \"add the date\"). Nothing "
        "stored changes (AI-03); needs the new editor (AI-01).", Perm.COMMUNICATION, Perm.COMMUNICATION_AI))
    def refine_suggestion(self, info: Info,
                          previous: Annotated[str, strawberry.argument(
                              description="The suggestion to change (AssistantSuggestion.text, or as edited).")],
                          instruction: Annotated[str, strawberry.argument(description="What to change, as typed.")],
                          try_again: Annotated[bool, strawberry.argument(description=TRY_AGAIN)] = False,
                          ) -> RefineSuggestionResult:
        context = info.context
        return perform(info, lambda: operations.refine_suggestion(
            context.session, context.viewer, context.runtime.assistant, previous=previous, instruction=instruction,
            try_again=try_again), done=AssistantSuggestion.of, refused=RefineSuggestionErrors.of, write=False)
