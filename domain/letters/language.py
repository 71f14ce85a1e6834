"""The language a letter prints in (CMP-31, CMP-32): the original text, each recipient's language
version, or every letter in the language of the user linked to the student's first contact
(sort order 1).

Each letter's language is a column of the statement that reads its addressee (``student_language``,
``staff_language``: one statement for every letter, never a query per letter), chosen as fan-out
chooses recipients' languages (the district translation setting, TRN-01,
domain.translations.recipient_language). The texts are the message's translations as stored, manual
or machine-made at send (models/translations.py), read in one statement per print. A language the
letters need and the message has no text in is machine-translated once for the print, for the
message (domain.translations.machine.ensure_message_translations; never per letter), by the print
job (domain.letters.print_jobs). A language still without a text prints the original, and the
reason is recorded with the print job: the Translations add-on is off (TRN-08), the translator
makes no translations (the offline ``none``), or it failed.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping

from sqlalchemy import func, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from domain.translations.languages import ORIGINAL_LANGUAGE, supported_language
from domain.translations.recipient_language import (
    student_language as recipient_student_language,
    supported_or_original,
    user_language,
)
from models.directory import AccountStatus, Contact, District, Student, TranslationLanguageSource, User
from models.translations import MessageTranslation


class PrintLanguage(str, enum.Enum):
    ORIGINAL = "ORIGINAL"  # CMP-31: the original text instead of each recipient's language version
    RECIPIENT = "RECIPIENT"  # each recipient's own language version (the default)
    PRIMARY_CONTACT = "PRIMARY_CONTACT"  # CMP-32: the language of the student's contact with sort order 1


class Untranslated(str, enum.Enum):
    """Why the letters of a language printed in the original."""

    ADDON_OFF = "ADDON_OFF"  # TRN-08: without the Translations add-on everything is the original
    NOT_TRANSLATED = "NOT_TRANSLATED"  # no text, and the translator makes none (the offline ``none``)
    TRANSLATION_FAILED = "TRANSLATION_FAILED"  # the translator failed, or was busy, for the print


def _language_source(session: Session) -> TranslationLanguageSource:
    stored = session.execute(select(District.translation_language_source).limit(1)).scalar_one_or_none()
    return TranslationLanguageSource(stored or TranslationLanguageSource.DISPLAY_LANGUAGE)


def primary_contact_language(student=Student) -> ColumnElement:
    """CMP-32: the language of the user linked to the student's contact with sort order 1 (the
    lowest id among several), else that card's language; NULL when the student has no such contact."""
    first = aliased(Contact, name="first_contact")
    linked = aliased(User, name="first_contact_user")
    return (select(supported_or_original(func.coalesce(linked.language, first.language)))
            .select_from(first)
            .outerjoin(linked, (linked.id == first.user_id) & (linked.status == AccountStatus.ACTIVE.value))
            .where(first.student_id == student.id, first.sort_order == 1,
                   first.status != AccountStatus.DELETED.value)
            .order_by(first.id).limit(1).correlate(student).scalar_subquery())


def student_language(session: Session, choice: PrintLanguage, student=Student) -> ColumnElement:
    """The language of a student's letter, correlated to ``student``: RECIPIENT by the district
    setting (TRN-01) as fan-out chooses it; PRIMARY_CONTACT (CMP-32) the first contact's user's, else
    the student's own when they have no contact with sort order 1."""
    if choice is PrintLanguage.ORIGINAL:
        return literal(ORIGINAL_LANGUAGE)
    own = recipient_student_language(_language_source(session), student)
    if choice is PrintLanguage.PRIMARY_CONTACT:
        return func.coalesce(primary_contact_language(student), own)
    return own


def staff_language(session: Session, choice: PrintLanguage, user=User) -> ColumnElement:
    """The language of a staff member's letter, correlated to ``user``: their account's under RECIPIENT
    and PRIMARY_CONTACT (a staff member has no contact card)."""
    if choice is PrintLanguage.ORIGINAL:
        return literal(ORIGINAL_LANGUAGE)
    return user_language(_language_source(session), user)


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

    def missing(self, languages: Iterable[str]) -> list[str]:
        """The languages among ``languages`` that have no text to print."""
        return sorted({canonical(code) for code in languages} - {ORIGINAL_LANGUAGE} - set(self.bodies))

    def untranslated(self, languages: Iterable[str], failed: Iterable[str] = ()) -> dict[str, Untranslated]:
        """The languages among ``languages`` whose letters print the original, with the reason;
        ``failed``: those the translator failed on for this print."""
        failed = set(failed)
        return {language: Untranslated.ADDON_OFF if not self.addon_on
                else Untranslated.TRANSLATION_FAILED if language in failed else Untranslated.NOT_TRANSLATED
                for language in self.missing(languages)}


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
