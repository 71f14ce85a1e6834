"""The contract a translator plugin implements (namespace ``homeroom.translators``; TRN-01).

A plugin is one class behind one entry point. It declares a Pydantic config (secrets as
``SecretStr``, validated when the plugin is built, redacted whenever printed) and the limits of
one request (:class:`TranslatorLimits`); the core batches texts within them and never calls with
more. It implements ``translate(texts, source, target, html) -> texts``: the same number of texts,
in order, each translated from ``source`` into ``target`` (BCP 47 codes). With ``html`` the texts
are HTML and markup survives; any element carrying ``translate="no"`` or class ``notranslate`` (the
core wraps insert-field tokens and the district glossary in one) must come back unchanged.

A failure raises :class:`TranslatorRetryable` (worth trying again, after ``delay_seconds`` when the
service said so: a Retry-After) or :class:`TranslatorPermanent` (with a code). Error details never
carry a key or the text sent. The core owns batching, the once-per-(message, language) rule, the
retry and the record; the plugin owns the service's protocol.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field

from channels.base import PluginConfig


class TranslatorConfig(PluginConfig):
    """Every translator config has these limits; a plugin's config adds its own fields."""

    max_texts_per_request: int = Field(default=1000, gt=0, le=10_000,
                                       description="The most texts (array elements) one request may carry.")
    max_characters_per_request: int = Field(default=50_000, gt=0, le=1_000_000,
                                             description="The most characters, all texts together, one request may carry.")


@dataclasses.dataclass(frozen=True)
class TranslatorLimits:
    """What the core batches within, read from the config."""

    max_texts_per_request: int
    max_characters_per_request: int


class TranslatorError(Exception):
    """A call that produced no translation. ``code`` is short and stable; ``detail`` says why
    without a secret or the text sent."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class TranslatorRetryable(TranslatorError):
    """Worth trying again: the service is busy (429), failing (5xx) or unreachable."""

    def __init__(self, code: str, detail: str = "", *, delay_seconds: float | None = None):
        super().__init__(code, detail)
        self.delay_seconds = delay_seconds  # the service's Retry-After, when it sent one


class TranslatorPermanent(TranslatorError):
    """Trying again will not help: a refused key, an unsupported language, an answer that is not
    the protocol."""


class TranslatorPlugin(abc.ABC):
    """Base of every translator plugin. Built once from validated config; never mutated."""

    name: ClassVar[str]
    Config: ClassVar[type[TranslatorConfig]] = TranslatorConfig
    #: False for a plugin that never translates (``none``): the core skips the step entirely and
    #: every recipient without a manual translation gets the original.
    translates: ClassVar[bool] = True

    def __init__(self, config: TranslatorConfig):
        if not isinstance(config, self.Config):
            raise TypeError(f"{self.name} needs a {self.Config.__name__}")
        self.config = config

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> TranslatorPlugin:
        """Validate ``raw`` against the plugin's config and build the plugin."""
        return cls(cls.Config.model_validate(raw))

    @property
    def limits(self) -> TranslatorLimits:
        return TranslatorLimits(max_texts_per_request=self.config.max_texts_per_request,
                                max_characters_per_request=self.config.max_characters_per_request)

    @abc.abstractmethod
    def translate(self, texts: Sequence[str], *, source: str, target: str, html: bool) -> list[str]:
        """``texts`` translated from ``source`` into ``target``, same length and order. The core
        never passes more than ``limits`` allow. Raise TranslatorRetryable or TranslatorPermanent."""

    def check(self) -> str | None:
        """Health check: None when ready, else a short human reason."""
        return None

    def close(self) -> None:
        """Release what the plugin holds (a connection pool); the process is done with it."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.config!r}>"
