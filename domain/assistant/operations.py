"""The assistant's operations (AI-02, AI-04, AI-05): each returns a suggestion and changes nothing
stored (AI-03): no message, draft or template is read or written; replacing, inserting or copying
is the client's ordinary save. Only the call's record is written (domain.assistant.call_log).

The order of the checks is the order of the answers: the gate (FORBIDDEN), an assistant configured
(ASSISTANT_NOT_CONFIGURED), the input (REQUIRED, TOO_LONG, UNKNOWN_MODE; nothing recorded), the
user's rate (RATE_LIMITED), then the provider (ASSISTANT_UNAVAILABLE: try again later;
ASSISTANT_FAILED: it refused or answered nonsense).
"""

from __future__ import annotations

import dataclasses
import logging
import math

from sqlmodel import Session

from channels.assistants.base import AssistantPermanent, AssistantRetryable
from domain.access.viewer import Viewer
from domain.assistant import call_log
from domain.assistant.gate import Unavailable, refusal, require_assistant
from domain.assistant.prompts import AssistantRequest, RewriteMode, messages_for
from domain.assistant.service import AssistantService
from domain.support.errors import FieldProblem, InvalidInput
from models.assistant import AssistantOperation, AssistantOutcome

log = logging.getLogger(__name__)

NOT_CONFIGURED = "ASSISTANT_NOT_CONFIGURED"
UNAVAILABLE = "ASSISTANT_UNAVAILABLE"
FAILED = "ASSISTANT_FAILED"
RATE_LIMITED = "RATE_LIMITED"
UNKNOWN_MODE = "UNKNOWN_MODE"


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """Suggested text, never stored (AI-03). ``request`` is what "try again" sends again (AI-04)."""

    text: str
    request: AssistantRequest
    truncated: bool = False  # the answer stopped at the plugin's max_output_tokens


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """What the assistant offers this viewer: ``available`` when configured and allowed."""

    configured: bool
    unavailable: Unavailable | None
    modes: tuple[RewriteMode, ...]
    max_prompt_characters: int | None

    @property
    def available(self) -> bool:
        return self.unavailable is None


def capabilities(session: Session, viewer: Viewer, service: AssistantService | None) -> Capabilities:
    """Whether the assistant is configured and allowed for ``viewer``, and its modes and limits."""
    reason = refusal(session, viewer) if service is not None else Unavailable.NOT_CONFIGURED
    return Capabilities(configured=service is not None, unavailable=reason, modes=tuple(RewriteMode),
                        max_prompt_characters=service.plugin.limits.max_prompt_characters if service else None)


def rewrite_text(session: Session, viewer: Viewer, service: AssistantService | None, *, text: str,
                 mode: RewriteMode | str, try_again: bool = False) -> Suggestion:
    """The Magic Wand (AI-02): ``text`` rewritten in ``mode``."""
    try:
        chosen = RewriteMode(mode)
    except ValueError:
        require_assistant(session, viewer)
        modes = ", ".join(mode.value for mode in RewriteMode)
        raise InvalidInput([FieldProblem(("mode",), UNKNOWN_MODE, f"The mode must be one of {modes}.")]) from None
    request = AssistantRequest(AssistantOperation.REWRITE, text=text, mode=chosen)
    return _ask(session, viewer, service, request, try_again=try_again)


def generate_text(session: Session, viewer: Viewer, service: AssistantService | None, *, prompt: str,
                  try_again: bool = False) -> Suggestion:
    """The AI Assistant (AI-05): new text from a free-form ``prompt``."""
    request = AssistantRequest(AssistantOperation.GENERATE, text=prompt)
    return _ask(session, viewer, service, request, try_again=try_again)


def refine_suggestion(session: Session, viewer: Viewer, service: AssistantService | None, *, previous: str,
                      instruction: str, try_again: bool = False) -> Suggestion:
    """AI-04: the ``previous`` suggestion changed as ``instruction`` says."""
    request = AssistantRequest(AssistantOperation.REFINE, text=previous, instruction=instruction)
    return _ask(session, viewer, service, request, try_again=try_again)


def try_again(session: Session, viewer: Viewer, service: AssistantService | None,
              request: AssistantRequest) -> Suggestion:
    """AI-04 "try again": the same request sent again for another suggestion."""
    return _ask(session, viewer, service, request, try_again=True)


def _ask(session: Session, viewer: Viewer, service: AssistantService | None, request: AssistantRequest, *,
         try_again: bool) -> Suggestion:
    require_assistant(session, viewer)
    if service is None:
        raise InvalidInput([FieldProblem((), NOT_CONFIGURED, "No writing assistant is set up for the district; "
                                                             "an operator sets HOMEROOM_ASSISTANT_PLUGIN.")])
    limits = service.plugin.limits
    _check_input(request, limits.max_prompt_characters)
    engine = session.get_bind()
    started = call_log.start_call(engine, viewer.id, request, try_again=try_again, rate=service.rate)
    if started.retry_after is not None:
        raise InvalidInput([FieldProblem((), RATE_LIMITED, f"You have used the writing assistant {service.rate.calls} "
                                                           f"times recently; try again in {started.retry_after} s.")])
    try:
        completion = service.plugin.complete(messages_for(request), max_output_tokens=limits.max_output_tokens)
    except AssistantRetryable as error:
        call_log.finish_call(engine, started.call_id, AssistantOutcome.UNAVAILABLE, error_code=error.code)
        log.warning("assistant %s unavailable: %s", service.plugin.name, error.code)
        wait = f"in {math.ceil(error.delay_seconds)} s" if error.delay_seconds else "in a moment"
        raise InvalidInput([FieldProblem((), UNAVAILABLE, f"The writing assistant is busy or unreachable; try "
                                                          f"again {wait}.")]) from None
    except AssistantPermanent as error:
        call_log.finish_call(engine, started.call_id, AssistantOutcome.FAILED, error_code=error.code)
        log.warning("assistant %s failed: %s", service.plugin.name, error.code)
        raise InvalidInput([FieldProblem((), FAILED, "The writing assistant could not answer this request "
                                                     f"({error.code}); an administrator can check its "
                                                     "configuration.")]) from None
    except BaseException:
        call_log.finish_call(engine, started.call_id, AssistantOutcome.FAILED, error_code="ERROR")
        raise
    call_log.finish_call(engine, started.call_id, AssistantOutcome.OK, prompt_tokens=completion.prompt_tokens,
                         completion_tokens=completion.completion_tokens)
    return Suggestion(text=completion.text, request=request, truncated=completion.truncated)


def _check_input(request: AssistantRequest, max_characters: int) -> None:
    """REQUIRED for empty text, TOO_LONG past the plugin's limit; nothing is recorded."""
    fields = {AssistantOperation.REWRITE: (("text", request.text),),
              AssistantOperation.GENERATE: (("prompt", request.text),),
              AssistantOperation.REFINE: (("previous", request.text), ("instruction", request.instruction))}
    problems = [FieldProblem((name,), "REQUIRED", f"Type the {name} first.")
                for name, value in fields[request.operation] if not value.strip()]
    if not problems and request.typed_characters > max_characters:
        name = fields[request.operation][-1][0]
        problems.append(FieldProblem((name,), "TOO_LONG", f"The assistant takes at most {max_characters} characters "
                                                          f"at a time; this is {request.typed_characters}."))
    if problems:
        raise InvalidInput(problems)
