"""What a request becomes on the wire. The instructions are fixed text written here; the only other
content is what the user typed (the text, the prompt, the previous suggestion and the instruction):
no names, addresses or directory data are ever added (issue 18 point 6)."""

from __future__ import annotations

import dataclasses
import enum

from channels.assistants.base import ChatMessage
from models.assistant import AssistantOperation


class RewriteMode(str, enum.Enum):
    """The Magic Wand's eight rewrites (AI-02)."""

    IMPROVE_WRITING = "IMPROVE_WRITING"
    MAKE_SHORTER = "MAKE_SHORTER"
    MAKE_LONGER = "MAKE_LONGER"
    SIMPLIFY_LANGUAGE = "SIMPLIFY_LANGUAGE"
    SUMMARIZE = "SUMMARIZE"
    CONTINUE = "CONTINUE"
    PROFESSIONAL = "PROFESSIONAL"
    CASUAL = "CASUAL"


#: What every request starts with: who the text is for and how to answer.
BASE_INSTRUCTIONS = (
    "You are the writing assistant of a school district's communication platform. Staff write messages, "
    "announcements and letters to students, families and colleagues. Answer with the resulting text only: "
    "no preamble, no explanation, no quotation marks around it. Keep the language of the text you are given. "
    "Keep placeholders in double braces, such as {{student.first_name}}, exactly as written. Do not invent "
    "names, dates, places or facts that the text does not contain."
)

MODE_INSTRUCTIONS: dict[RewriteMode, str] = {
    RewriteMode.IMPROVE_WRITING: "Improve the writing of the text: fix grammar, spelling and flow, keep its "
                                 "meaning and length.",
    RewriteMode.MAKE_SHORTER: "Make the text shorter while keeping everything the reader must know.",
    RewriteMode.MAKE_LONGER: "Make the text longer by developing what it says, without adding new facts.",
    RewriteMode.SIMPLIFY_LANGUAGE: "Rewrite the text in plain language that a family reading in a second "
                                   "language understands: short sentences, common words.",
    RewriteMode.SUMMARIZE: "Summarize the text in a few sentences.",
    RewriteMode.CONTINUE: "Continue the text: answer with the text as given followed by one or two paragraphs "
                          "that carry it on in the same voice.",
    RewriteMode.PROFESSIONAL: "Rewrite the text in a professional, courteous tone.",
    RewriteMode.CASUAL: "Rewrite the text in a warm, casual tone.",
}

GENERATE_INSTRUCTIONS = ("Write the message the user asks for (for example an announcement or a letter to "
                         "families), ready to send. Where a detail is not given, leave a bracketed blank such as "
                         "[date] instead of inventing it.")

REFINE_INSTRUCTIONS = ("Your previous answer is the suggestion below. Apply the user's instruction to it and "
                       "answer with the whole changed text.")


@dataclasses.dataclass(frozen=True)
class AssistantRequest:
    """One request, as the user made it; "try again" sends the same one again (AI-04)."""

    operation: AssistantOperation
    text: str = ""  # REWRITE: the text; GENERATE: the prompt; REFINE: the previous suggestion
    mode: RewriteMode | None = None  # REWRITE only
    instruction: str = ""  # REFINE only

    @property
    def typed_characters(self) -> int:
        """What the user sends, counted against the plugin's ``max_prompt_characters``."""
        return len(self.text) + len(self.instruction)


def messages_for(request: AssistantRequest) -> list[ChatMessage]:
    """The exchange a request becomes: fixed instructions, then only what the user typed."""
    match request.operation:
        case AssistantOperation.REWRITE:
            assert request.mode is not None
            return [ChatMessage("system", f"{BASE_INSTRUCTIONS}\n\n{MODE_INSTRUCTIONS[request.mode]}"),
                    ChatMessage("user", request.text)]
        case AssistantOperation.GENERATE:
            return [ChatMessage("system", f"{BASE_INSTRUCTIONS}\n\n{GENERATE_INSTRUCTIONS}"),
                    ChatMessage("user", request.text)]
        case AssistantOperation.REFINE:
            return [ChatMessage("system", f"{BASE_INSTRUCTIONS}\n\n{REFINE_INSTRUCTIONS}"),
                    ChatMessage("assistant", request.text),
                    ChatMessage("user", request.instruction)]
    raise ValueError(f"not an assistant operation: {request.operation!r}")
