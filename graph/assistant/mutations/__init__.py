"""Writing-assistant mutations, one a module; ``AssistantMutations`` composes them for graph.schema.
They return suggestions only and write nothing but the call's record (AI-03).

- ``rewrite_text``: rewriteText: the Magic Wand, one of eight modes (AI-02).
- ``generate_text``: generateText: new text from a prompt (AI-05).
- ``refine_suggestion``: refineSuggestion: a suggestion changed by an instruction (AI-04).
"""

from __future__ import annotations

import strawberry

from graph.assistant.mutations.generate_text import GenerateTextMutation
from graph.assistant.mutations.refine_suggestion import RefineSuggestionMutation
from graph.assistant.mutations.rewrite_text import RewriteTextMutation


@strawberry.type
class AssistantMutations(RewriteTextMutation, GenerateTextMutation, RefineSuggestionMutation):
    pass
