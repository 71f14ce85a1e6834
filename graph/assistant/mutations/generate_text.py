"""generateText: the AI Assistant (AI-05): new text from a free-form prompt; a suggestion only (AI-03)."""

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

GenerateTextErrors = field_errors("GenerateText", ("REQUIRED", "TOO_LONG", *ASSISTANT_CODES))

GenerateTextResult = Annotated[AssistantSuggestion | GenerateTextErrors, strawberry.union(
    "GenerateTextResult", description="The suggested text, or what was wrong.")]


@strawberry.type
class GenerateTextMutation:
    @strawberry.mutation(**requires(
        "The AI Assistant (AI-05): suggested new text from a prompt (e.g. \"an announcement for Prom on May 3\"). "
        "Nothing stored changes (AI-03); needs the new editor (AI-01).", Perm.COMMUNICATION,
        Perm.COMMUNICATION_AI))
    def generate_text(self, info: Info,
                      prompt: Annotated[str, strawberry.argument(description="What to write, as typed.")],
                      try_again: Annotated[bool, strawberry.argument(description=TRY_AGAIN)] = False,
                      ) -> GenerateTextResult:
        context = info.context
        return perform(info, lambda: operations.generate_text(
            context.session, context.viewer, context.runtime.assistant, prompt=prompt, try_again=try_again),
            done=AssistantSuggestion.of, refused=GenerateTextErrors.of, write=False)
