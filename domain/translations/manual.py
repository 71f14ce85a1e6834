"""The rules every manual translation follows, whatever carries it (TRN-04): a message, draft or
scheduled message, a template, or an announcement. Each carrier stores its own rows (models/
translations.py); this module only says which languages a list of them may name.

A manual translation names a supported language (UNSUPPORTED_LANGUAGE), at most once per carrier
(DUPLICATE_LANGUAGE), and never the original's own language (SAME_AS_ORIGINAL: the original text is
what that language reads). Codes come back in their canonical spelling ("ES" is "es"). Each text
meets the rules of the original's (check_manual_texts); the list needs the Translations add-on
(require_translations_addon, TRN-08).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from domain.access.permissions import Addon
from domain.access.viewer import Viewer
from domain.content.call_text import tts_limit
from domain.content.html_policy import sanitized_html
from domain.content.insert_fields import unknown_fields
from domain.content.sms_text import sms_count
from domain.content.text import INVALID_CHARACTERS, has_control_characters, html_to_text
from domain.support.errors import AuthorizationError, FieldProblem
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


@dataclasses.dataclass(frozen=True, kw_only=True)
class ManualText:
    """One manual translation as its author wrote it (TRN-04): ``None`` in a text field leaves that
    part in the original for readers of the language."""

    language: str
    subject: str | None = None
    html_body: str | None = None
    sms_text: str | None = None
    call_text: str | None = None


@dataclasses.dataclass(frozen=True)
class TextLimits:
    """The carrier's limits for the original's texts, which its translations meet too."""

    subject: int
    body: int
    sms_characters: int
    tts_characters: int


def require_translations_addon(viewer: Viewer, texts: Sequence[ManualText] | None) -> None:
    """TRN-08: manual translations are the Translations add-on's; without it a non-empty list is
    refused before anything is read or written (an empty one, which removes them, is allowed)."""
    if texts and not viewer.permissions.addon_enabled(Addon.TRANSLATIONS):
        raise AuthorizationError("Manual translations need the translations add-on, which the district does "
                                 "not have (TRN-08).", requirement=Addon.TRANSLATIONS.value)


def check_manual_texts(texts: Sequence[ManualText], limits: TextLimits, path: tuple[str | int, ...],
                       ) -> tuple[list[ManualText], list[FieldProblem]]:
    """The texts in their stored form (canonical language, trimmed subject, sanitized HTML) and
    every problem with them, each at ``path + (index, field)``: the language rules above, then each
    text as the original's is checked (length, SMS and call limits, insert fields, CMP-25)."""
    problems: list[FieldProblem] = []
    if len(texts) > MAX_MANUAL_TRANSLATIONS:
        problems.append(FieldProblem(path, "TOO_MANY", f"At most {MAX_MANUAL_TRANSLATIONS} translations."))
        return [], problems
    problems = check_translation_languages([text.language for text in texts], path)[1]
    for index, text in enumerate(texts):
        problems += _text_problems(text, limits, (*path, index))
    return stored_texts(texts), problems


def stored_texts(texts: Sequence[ManualText]) -> list[ManualText]:
    """The texts as stored: the language's canonical code, the subject trimmed (blank: none), the
    HTML sanitized by the policy every stored body follows."""
    return [dataclasses.replace(text, language=supported_language(text.language) or text.language,
                                subject=(text.subject or "").strip() or None,
                                html_body=sanitized_html(text.html_body) if text.html_body is not None else None)
            for text in texts]


def _text_problems(text: ManualText, limits: TextLimits, where: tuple[str | int, ...]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if all(value is None or not value.strip() for value in (text.subject, text.html_body, text.sms_text,
                                                             text.call_text)):
        problems.append(FieldProblem(where, "REQUIRED", "A translation needs at least one text: a subject, a body, "
                                                        "an SMS or a call text."))
        return problems
    subject = (text.subject or "").strip()
    if len(subject) > limits.subject:
        problems.append(FieldProblem((*where, "subject"), "TOO_LONG",
                                     f"The subject is {len(subject)} characters; the limit is {limits.subject}."))
    elif has_control_characters(subject):
        problems.append(FieldProblem((*where, "subject"), INVALID_CHARACTERS,
                                     "The subject is one line: remove line breaks, tabs and other control characters."))
    if text.html_body is not None:
        if len(text.html_body) > limits.body:
            problems.append(FieldProblem((*where, "htmlBody"), "TOO_LONG", f"The body exceeds {limits.body} characters."))
        elif not html_to_text(sanitized_html(text.html_body)):  # what would be stored, as for the original
            problems.append(FieldProblem((*where, "htmlBody"), "REQUIRED",
                                         "The body is empty; leave htmlBody null to send the original body."))
    if text.sms_text is not None:
        count = sms_count(text.sms_text, limits.sms_characters)
        if not text.sms_text.strip():
            problems.append(FieldProblem((*where, "smsText"), "REQUIRED",
                                         "The SMS is empty; leave smsText null to send the original SMS."))
        elif count.over_limit:
            problems.append(FieldProblem((*where, "smsText"), "TOO_LONG",
                                         f"The SMS is {count.length} characters; the district's limit is {count.limit}."))
    if text.call_text is not None:
        if not text.call_text.strip():
            problems.append(FieldProblem((*where, "callText"), "REQUIRED",
                                         "The call text is empty; leave callText null to read the original."))
        elif len(text.call_text) > limits.tts_characters:
            problems.append(FieldProblem((*where, "callText"), "TOO_LONG",
                                         f"The call text is {len(text.call_text)} characters; the limit is "
                                         f"{limits.tts_characters}."))
    for name, value in (("subject", text.subject), ("htmlBody", text.html_body), ("smsText", text.sms_text),
                        ("callText", text.call_text)):
        for field in unknown_fields(value):  # CMP-25, as in the original's texts
            problems.append(FieldProblem((*where, name), "UNKNOWN_FIELD",
                                         f"{{{{{field}}}}} is not an insert field (see insertFields)."))
    return problems


def district_limits(viewer: Viewer, *, subject: int, body: int) -> TextLimits:
    """The carrier's subject and body limits with the district's SMS (SYS-03) and call-minute (SYS-11) ones."""
    return TextLimits(subject=subject, body=body, sms_characters=viewer.district.sms_character_limit,
                      tts_characters=tts_limit(viewer.district.tts_minutes))
