"""What the writing assistant answers: a suggestion (never stored, AI-03) and its capabilities."""

from __future__ import annotations

import strawberry

from domain.assistant.gate import Unavailable
from domain.assistant.operations import Capabilities, Suggestion
from domain.assistant.prompts import RewriteMode
from graph.enum_values import describe_values

#: The codes every assistant mutation can answer besides its input's.
ASSISTANT_CODES = ("ASSISTANT_NOT_CONFIGURED", "RATE_LIMITED", "ASSISTANT_UNAVAILABLE", "ASSISTANT_FAILED")

RewriteModeEnum = describe_values(strawberry.enum(
    RewriteMode, name="RewriteMode", description="How the Magic Wand rewrites a text (AI-02)."), {
    RewriteMode.IMPROVE_WRITING: "Fix grammar, spelling and flow; keep meaning and length.",
    RewriteMode.MAKE_SHORTER: "Shorter, keeping what the reader must know.",
    RewriteMode.MAKE_LONGER: "Longer, developing what the text says without new facts.",
    RewriteMode.SIMPLIFY_LANGUAGE: "Plain language: short sentences, common words.",
    RewriteMode.SUMMARIZE: "A summary in a few sentences.",
    RewriteMode.CONTINUE: "The text followed by a continuation in the same voice.",
    RewriteMode.PROFESSIONAL: "A professional, courteous tone.",
    RewriteMode.CASUAL: "A warm, casual tone.",
})

AssistantUnavailableReason = describe_values(strawberry.enum(
    Unavailable, name="AssistantUnavailableReason", description="Why the writing assistant is not available."), {
    Unavailable.NOT_CONFIGURED: "No assistant is set up for the district (HOMEROOM_ASSISTANT_PLUGIN).",
    Unavailable.ADDON_DISABLED: "The district does not have the ai add-on (AI-01).",
    Unavailable.PERMISSION_MISSING: 'The viewer lacks "Communication AI" at Edit (PERM-07, PERM-44).',
    Unavailable.ORIGINAL_EDITOR: "The district uses the original text editor, which disables AI (AI-01).",
})


@strawberry.type(description="Suggested text from the writing assistant. Nothing was stored (AI-03): replacing, "
                             "inserting below or copying it is the client's ordinary save. For another suggestion "
                             "(\"try again\", AI-04) send the same mutation again with tryAgain: true; to change it "
                             "send refineSuggestion with this text as previous.")
class AssistantSuggestion:
    text: str = strawberry.field(description="The suggested text.")
    truncated: bool = strawberry.field(description="The suggestion stopped at the assistant's output limit.")

    @classmethod
    def of(cls, suggestion: Suggestion) -> AssistantSuggestion:
        return cls(text=suggestion.text, truncated=suggestion.truncated)


@strawberry.type(description="Whether the writing assistant (Magic Wand, AI Assistant) is available to the viewer.")
class AssistantCapabilities:
    configured: bool = strawberry.field(description="An assistant is set up for the district.")
    available: bool = strawberry.field(description="The viewer may use it now: configured, the ai add-on, "
                                                   "\"Communication AI\" at Edit and the new editor (AI-01).")
    unavailable_reason: AssistantUnavailableReason | None = strawberry.field(
        description="Why it is not available; null when it is.")
    modes: list[RewriteModeEnum] = strawberry.field(description="The rewrites rewriteText offers (AI-02).")
    max_prompt_characters: int | None = strawberry.field(
        description="The longest text one call takes (for refineSuggestion: previous and instruction together); "
                    "null when no assistant is configured.")

    @classmethod
    def of(cls, capabilities: Capabilities) -> AssistantCapabilities:
        return cls(configured=capabilities.configured, available=capabilities.available,
                   unavailable_reason=capabilities.unavailable, modes=list(capabilities.modes),
                   max_prompt_characters=capabilities.max_prompt_characters)
