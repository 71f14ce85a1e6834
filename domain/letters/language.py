"""The language a letter prints in (CMP-31, CMP-32): the original text, each recipient's language
version, or every letter in the language of the user linked to the student's first contact
(sort order 1).

Each letter's language is a column of the statement that reads its addressee (``student_language``,
``staff_language``: one statement for every letter, never a query per letter), chosen as recipients'
languages are chosen when a message is sent (the district translation setting, TRN-01,
domain.translations.recipient_language). The texts are the message's translations as stored, manual
or machine-made at send (models/translations.py), read in one statement per print. A language
without a text prints the original and the reason is recorded with the print job
(``LetterTexts.untranslated``): the Translations add-on is off (TRN-08), the language is not one
messages are translated into, or the message has no text in it (machine translation is made once
per (message, language) at fan-out; a print never calls the translator per letter).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping

from sqlalchemy import func, literal, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from domain.translations.languages import ORIGINAL_LANGUAGE, supported_language
from domain.translations.recipient_language import (
    language_source,
    primary_contact_language,
    student_language as recipient_student_language,
    user_language,
)
from models.directory import District, Student, User
from models.translations import MessageTranslation


class PrintLanguage(str, enum.Enum):
    ORIGINAL = "ORIGINAL"  # CMP-31: the original text instead of each recipient's language version
    RECIPIENT = "RECIPIENT"  # each recipient's own language version (the default)
    PRIMARY_CONTACT = "PRIMARY_CONTACT"  # CMP-32: the language of the student's contact with sort order 1


class Untranslated(str, enum.Enum):
    """Why the letters of a language printed in the original."""

    ADDON_OFF = "ADDON_OFF"  # TRN-08: without the Translations add-on everything is the original
    UNSUPPORTED_LANGUAGE = "UNSUPPORTED_LANGUAGE"  # not a language messages are translated into
    NOT_TRANSLATED = "NOT_TRANSLATED"  # the message has no text in that language


def student_language(session: Session, choice: PrintLanguage, student=Student) -> ColumnElement:
    """The language of a student's letter, correlated to ``student``. PRIMARY_CONTACT (CMP-32): the
    first contact's user's, else the student's own when they have no contact with sort order 1."""
    if choice is PrintLanguage.ORIGINAL:
        return literal(ORIGINAL_LANGUAGE)
    own = recipient_student_language(language_source(session), student)
    if choice is PrintLanguage.PRIMARY_CONTACT:
        return func.coalesce(primary_contact_language(student), own)
    return own


def staff_language(session: Session, choice: PrintLanguage, user=User) -> ColumnElement:
    """The language of a staff member's letter, correlated to ``user``: their own under RECIPIENT and
    PRIMARY_CONTACT (a staff member has no contact card)."""
    if choice is PrintLanguage.ORIGINAL:
        return literal(ORIGINAL_LANGUAGE)
    return user_language(language_source(session), user)


def canonical(language: str | None) -> str:
    """A stored language as translations are keyed (the supported spelling), else as stored."""
    return (supported_language(language) or language) if language else ORIGINAL_LANGUAGE


@dataclasses.dataclass(frozen=True)
class LetterTexts:
    """A message's letter bodies by language: ``bodies`` the translated ones that may print."""

    original: str
    bodies: Mapping[str, str] = dataclasses.field(default_factory=dict)
    addon_on: bool = True

    def body_for(self, language: str | None) -> str:
        return self.bodies.get(canonical(language), self.original) if language else self.original

    def untranslated(self, languages: Iterable[str]) -> dict[str, Untranslated]:
        """The languages among ``languages`` whose letters print the original, with the reason."""
        reasons: dict[str, Untranslated] = {}
        for language in sorted({canonical(code) for code in languages} - {ORIGINAL_LANGUAGE} - set(self.bodies)):
            if not self.addon_on:
                reasons[language] = Untranslated.ADDON_OFF
            elif supported_language(language) is None:
                reasons[language] = Untranslated.UNSUPPORTED_LANGUAGE
            else:
                reasons[language] = Untranslated.NOT_TRANSLATED
        return reasons


def letter_texts(session: Session, message_id: int, original_html: str, choice: PrintLanguage) -> LetterTexts:
    """The bodies letters of ``choice`` may print: every translated body of the message (one
    statement), none for ORIGINAL or without the Translations add-on (TRN-08)."""
    if choice is PrintLanguage.ORIGINAL:
        return LetterTexts(original_html)
    addon_on = bool(session.execute(select(District.addon_translations).limit(1)).scalar_one_or_none())
    if not addon_on:
        return LetterTexts(original_html, addon_on=False)
    rows = session.execute(select(MessageTranslation.language, MessageTranslation.html_body).where(
        MessageTranslation.message_id == message_id, MessageTranslation.html_body.is_not(None))).all()
    return LetterTexts(original_html, {row.language: row.html_body for row in rows if row.html_body.strip()})
