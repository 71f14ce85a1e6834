"""The contract a writing-assistant plugin implements (namespace ``homeroom.assistants``).

A plugin is one class behind one entry point. It declares a Pydantic config (secrets as
``SecretStr``, validated when the plugin is built, redacted whenever printed) that carries the
limits the core enforces before it calls: the longest text a user may send
(``max_prompt_characters``) and the most tokens an answer may have (``max_output_tokens``). It
implements ``complete(messages) -> Completion``, one chat exchange; a failure raises
:class:`AssistantRetryable` (worth trying again, after ``delay_seconds`` when the provider said so:
a Retry-After) or :class:`AssistantPermanent` (with a code). The core owns the prompts, the
permission gate, the per-user rate and the record of every call; the plugin owns the provider's
protocol. Error details never carry a key or the text sent.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field

from channels.base import PluginConfig


class AssistantConfig(PluginConfig):
    """Every assistant config has these limits; a plugin's config adds its own fields."""

    max_prompt_characters: int = Field(
        default=6000, gt=0, le=200_000,
        description="The longest text (text, prompt, or previous suggestion plus instruction) a user may send.")
    max_output_tokens: int = Field(
        default=1000, gt=0, le=32_000, description="The most tokens one suggestion may have.")


@dataclasses.dataclass(frozen=True)
class AssistantLimits:
    """What the core enforces before a call, read from the config."""

    max_prompt_characters: int
    max_output_tokens: int


@dataclasses.dataclass(frozen=True)
class ChatMessage:
    """One turn of the exchange: the core's fixed instructions (system), a suggestion (assistant)
    or what the user typed (user)."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclasses.dataclass(frozen=True)
class Completion:
    """The provider's answer: the suggested text and what it counted (None: it did not say)."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    #: The answer stopped at ``max_output_tokens`` (finish reason "length").
    truncated: bool = False


class AssistantError(Exception):
    """A call that produced no suggestion. ``code`` is short and stable; ``detail`` says why
    without a secret or the text sent."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class AssistantRetryable(AssistantError):
    """Worth trying again: the provider is busy (429), failing (5xx) or unreachable."""

    def __init__(self, code: str, detail: str = "", *, delay_seconds: float | None = None):
        super().__init__(code, detail)
        self.delay_seconds = delay_seconds  # the provider's Retry-After, when it sent one


class AssistantPermanent(AssistantError):
    """Trying again will not help: a refused key, an unknown model, an answer that is not the protocol."""


class AssistantPlugin(abc.ABC):
    """Base of every assistant plugin. Built once from validated config; never mutated."""

    name: ClassVar[str]
    Config: ClassVar[type[AssistantConfig]] = AssistantConfig

    def __init__(self, config: AssistantConfig):
        if not isinstance(config, self.Config):
            raise TypeError(f"{self.name} needs a {self.Config.__name__}")
        self.config = config

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> AssistantPlugin:
        """Validate ``raw`` against the plugin's config and build the plugin."""
        return cls(cls.Config.model_validate(raw))

    @property
    def limits(self) -> AssistantLimits:
        return AssistantLimits(max_prompt_characters=self.config.max_prompt_characters,
                               max_output_tokens=self.config.max_output_tokens)

    @abc.abstractmethod
    def complete(self, messages: Sequence[ChatMessage], *, max_output_tokens: int) -> Completion:
        """One exchange: the provider's next assistant turn after ``messages``, at most
        ``max_output_tokens`` long. Raise AssistantRetryable or AssistantPermanent on failure."""

    def check(self) -> str | None:
        """Health check: None when ready, else a short human reason."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.config!r}>"
