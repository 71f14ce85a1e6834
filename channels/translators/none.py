"""The offline default translator: it translates nothing. Recipients without a manual translation
in their language get the original text (TRN-01, TRN-04)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from channels.translators.base import TranslatorPlugin


class NoTranslator(TranslatorPlugin):
    name: ClassVar[str] = "none"
    translates: ClassVar[bool] = False

    def translate(self, texts: Sequence[str], *, source: str, target: str, html: bool) -> list[str]:
        return list(texts)
