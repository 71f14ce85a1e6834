"""The language a person reads a message in, chosen by the district translation setting (TRN-01),
as SQL expressions a set-based statement selects alongside its people (never a query per person).

Setting 1 (DISPLAY_LANGUAGE) reads each person's display-language preference: a user's account
language; a student's own active account's (the oldest), else the student record's; a contact's
linked active user's, else the contact card's. Setting 2 (STUDENT_PRIMARY_LANGUAGE) reads the
student's primary-language field (Student.language) for the student and every contact of theirs;
a user who is no student's (staff, a parent reached directly) keeps their account language.

CMP-32 adds one more rule for print: the language of the user linked to the student's contact with
sort order 1 (``primary_contact_language``).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from models.directory import AccountStatus, Contact, District, Student, TranslationLanguageSource, User

ACTIVE = AccountStatus.ACTIVE.value


def language_source(session: Session) -> TranslationLanguageSource:
    """The district translation setting (TRN-01)."""
    stored = session.execute(select(District.translation_language_source).limit(1)).scalar_one_or_none()
    return TranslationLanguageSource(stored or TranslationLanguageSource.DISPLAY_LANGUAGE)


def student_language(source: TranslationLanguageSource, student=Student) -> ColumnElement:
    """A student's language (correlated to ``student``)."""
    if source is TranslationLanguageSource.STUDENT_PRIMARY_LANGUAGE:
        return student.language
    account = aliased(User, name="student_account")
    own = (select(account.language).where(account.student_id == student.id, account.status == ACTIVE)
           .order_by(account.id).limit(1).correlate(student).scalar_subquery())
    return func.coalesce(own, student.language)


def user_language(source: TranslationLanguageSource, user=User) -> ColumnElement:
    """A user's language (correlated to ``user``): a student's account follows its student under
    setting 2; anyone else reads their account language."""
    if source is TranslationLanguageSource.DISPLAY_LANGUAGE:
        return user.language
    record = aliased(Student, name="user_student")
    primary = (select(record.language).where(record.id == user.student_id).correlate(user).scalar_subquery())
    return func.coalesce(primary, user.language)


def contact_language(source: TranslationLanguageSource, contact=Contact, student=Student) -> ColumnElement:
    """A contact's language (correlated to ``contact`` and its ``student``)."""
    if source is TranslationLanguageSource.STUDENT_PRIMARY_LANGUAGE:
        return student.language
    linked = aliased(User, name="contact_account")
    own = (select(linked.language).where(linked.id == contact.user_id, linked.status == ACTIVE)
           .correlate(contact).scalar_subquery())
    return func.coalesce(own, contact.language)


def primary_contact_language(student=Student) -> ColumnElement | None:
    """CMP-32: the language of the user linked to the student's contact with sort order 1 (the
    lowest id among several), else that contact card's language; NULL when the student has no such
    contact (the caller falls back to the student's own language)."""
    first = aliased(Contact, name="first_contact")
    linked = aliased(User, name="first_contact_user")
    return (select(func.coalesce(linked.language, first.language))
            .select_from(first)
            .outerjoin(linked, (linked.id == first.user_id) & (linked.status == ACTIVE))
            .where(first.student_id == student.id, first.sort_order == 1, first.status != AccountStatus.DELETED.value)
            .order_by(first.id).limit(1).correlate(student).scalar_subquery())
