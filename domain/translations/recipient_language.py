"""The language each recipient's copy is in (TRN-01), as SQL expressions the recipient resolution
puts in its one statement: no per-recipient Python. Fan-out records the result on each delivery, so
the language is fixed when the message is sent (TRN-02).

The district setting (``District.translation_language_source``) chooses:

- ``DISPLAY_LANGUAGE`` (setting 1): a parent's or student's display-language preference, the
  language of their own account (a contact's linked user; the student's oldest active account),
  else the language on their card;
- ``STUDENT_PRIMARY_LANGUAGE`` (setting 2): the student's primary-language field, for the student
  and for each of that student's contacts.

Users reached as users (a message's staff selection, user groups, an announcement's parent users)
follow the same setting: under setting 1 their account's language; under setting 2 a student user
reads their own student record's primary language and a parent user the primary language of a
student on their active contact cards (the lowest student id, so the choice is deterministic),
each falling back to their account's language when there is no such student. Staff read in their
account's language under both settings; imported recipients and the sender's own copy (TRN-06)
read the original. A code outside ``SUPPORTED_LANGUAGES`` reads the original too (matched without
regard to case and recorded in its canonical spelling: "ES" is "es").
"""

from __future__ import annotations

from sqlalchemy import case, func, literal, select

from domain.translations.languages import ORIGINAL_LANGUAGE, SUPPORTED_LANGUAGES
from models.directory import AccountStatus, Contact, Role, Student, TranslationLanguageSource, User

_ACTIVE = AccountStatus.ACTIVE.value


def original_language():
    """The original's language as a SQL value (the language messages are written in)."""
    return literal(ORIGINAL_LANGUAGE)


def supported_or_original(code):
    """``code`` in its canonical spelling when it is a supported language, else the original's."""
    return case({folded.casefold(): literal(folded) for folded in SUPPORTED_LANGUAGES},
                value=func.lower(func.trim(code)), else_=original_language())


def student_language(source: TranslationLanguageSource, student):
    """A student's language: their own account's (setting 1, falling back to the card's) or the
    primary-language field (setting 2)."""
    if source is TranslationLanguageSource.STUDENT_PRIMARY_LANGUAGE:
        return supported_or_original(student.language)
    account = (select(User.language).where(User.student_id == student.id, User.status == _ACTIVE)
               .order_by(User.id).limit(1).correlate(student).scalar_subquery())
    return supported_or_original(func.coalesce(account, student.language))


def contact_language(source: TranslationLanguageSource, contact, linked_user, student):
    """A contact's language: their linked account's (setting 1, falling back to the card's) or
    their student's primary-language field (setting 2). ``linked_user`` is the outer-joined active
    user of ``contact.user_id``."""
    if source is TranslationLanguageSource.STUDENT_PRIMARY_LANGUAGE:
        return supported_or_original(student.language)
    return supported_or_original(func.coalesce(linked_user.language, contact.language))


def user_language(source: TranslationLanguageSource, user):
    """A user's language: their account's (setting 1, and staff under both); under setting 2 a
    student user's own record's primary language, a parent user's the primary language of the
    lowest-id student on their active contact cards, else their account's."""
    if source is not TranslationLanguageSource.STUDENT_PRIMARY_LANGUAGE:
        return supported_or_original(user.language)
    own_record = (select(Student.language).where(Student.id == user.student_id)
                  .correlate(user).scalar_subquery())
    their_student = (select(Student.language).join(Contact, Contact.student_id == Student.id)
                     .where(Contact.user_id == user.id, Contact.status == _ACTIVE)
                     .order_by(Student.id).limit(1).correlate(user).scalar_subquery())
    student = case((user.role == Role.STUDENT.value, own_record),
                   (user.role == Role.PARENT.value, their_student), else_=None)
    return supported_or_original(func.coalesce(student, user.language))
