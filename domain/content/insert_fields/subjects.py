"""Whom each delivery is filled in for: its message, the student it is about, the user account it
reaches (a user recipient's own; a contact's linked account), and the name it is addressed to."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Row, select
from sqlmodel import Session

from domain.content.insert_fields.registry import Subject, field_values, id_chunks, sources_for
from models.directory import Contact
from models.messaging import RecipientKind

USER, CONTACT = RecipientKind.USER.value, RecipientKind.CONTACT.value


def delivery_subjects(session: Session, rows: list[Row], names: Iterable[str]) -> dict[int, Subject]:
    """Each delivery row's subject (by delivery id). Contacts' accounts are looked up, in one
    statement, only when a source of ``names`` reads user ids."""
    accounts: dict[int, int] = {}
    if any(source.reads_user_id for source in sources_for(names)):
        for chunk in id_chunks(row.recipient_id for row in rows if row.recipient_kind == CONTACT):
            accounts.update(session.execute(select(Contact.id, Contact.user_id)
                                            .where(Contact.id.in_(chunk), Contact.user_id.is_not(None))).all())
    return {row.id: Subject(message_id=row.message_id, student_id=row.student_id, user_id=_account(row, accounts),
                            recipient_name=row.recipient_name) for row in rows}


def _account(row: Row, contact_accounts: dict[int, int]) -> int | None:
    if row.recipient_kind == USER:
        return row.recipient_id
    if row.recipient_kind == CONTACT:
        return contact_accounts.get(row.recipient_id)
    return None  # a student's own address card, an imported recipient


def delivery_values(session: Session, rows: list[Row], names: Iterable[str]) -> dict[int, dict[str, str]]:
    """CMP-25: each delivery's values of ``names`` (by delivery id), one statement per source used."""
    names = frozenset(names)
    subjects = delivery_subjects(session, rows, names)
    values = field_values(session, set(subjects.values()), names)
    return {delivery_id: values[subject] for delivery_id, subject in subjects.items()}
