"""The rules every manual translation follows, whatever carries it (TRN-04): a message, draft or
scheduled message, a template, or an announcement. Each carrier stores its own rows (models/
translations.py); this module only says which languages a list of them may name.

A manual translation names a supported language (UNSUPPORTED_LANGUAGE), at most once per carrier
(DUPLICATE_LANGUAGE), and never the original's own language (SAME_AS_ORIGINAL: the original text is
what that language reads). Codes come back in their canonical spelling ("ES" is "es").
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.support.errors import FieldProblem
from domain.translations.languages import ORIGINAL_LANGUAGE, SUPPORTED_LANGUAGES, supported_language

#: The most languages one carrier may hold manual translations for.
MAX_MANUAL_TRANSLATIONS = len(SUPPORTED_LANGUAGES)


def check_translation_languages(languages: Sequence[str], path: tuple[str | int, ...] = ("translations",),
                                original_language: str = ORIGINAL_LANGUAGE,
                                ) -> tuple[list[str], list[FieldProblem]]:
    """The canonical codes of ``languages`` and the problems with them, each at
    ``path + (index, "language")``. Nothing is written either way."""
    canonical: list[str] = []
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for index, language in enumerate(languages):
        where = (*path, index, "language")
        code = supported_language(language)
        if code is None:
            problems.append(FieldProblem(where, "UNSUPPORTED_LANGUAGE",
                                         f"{language[:20]!r} is not a language messages can be translated into."))
        elif code == supported_language(original_language):
            problems.append(FieldProblem(where, "SAME_AS_ORIGINAL",
                                         f"The original text is already in {SUPPORTED_LANGUAGES[code]}."))
        elif code in seen:
            problems.append(FieldProblem(where, "DUPLICATE_LANGUAGE",
                                         f"{SUPPORTED_LANGUAGES[code]} has more than one translation."))
        seen.add(code or language)
        canonical.append(code or language)
    return canonical, problems
