"""Resolve a selection through the real domain code, inside a transaction that is rolled back."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from domain.messages.send import SendMessageRequest, create_message
from domain.recipients.plan import plan_message, plan_rows, plan_summary
from domain.access.viewer import load_viewer
from models.directory import User
from models.messaging import Channel, StudentRecipientType


def viewer_for(session: Session, login: str):
    user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
    return load_viewer(session, user_id)


def request(recipient_type=None, student_ids=(), channels=("EMAIL",), subject="Test", html_body="<p>Hello</p>",
            **fields) -> SendMessageRequest:
    return SendMessageRequest(
        subject=subject, html_body=html_body, channels=tuple(Channel(c) for c in channels),
        recipient_type=StudentRecipientType(recipient_type) if recipient_type else None,
        student_ids=tuple(student_ids), **fields)


def resolve(engine, login: str, recipient_type=None, student_ids=(), channels=("EMAIL",), **fields):
    """(rows, summary) of the plan; every row is a named tuple of domain.recipients.resolution.ROW_COLUMNS."""
    with Session(engine) as session:
        try:
            viewer = viewer_for(session, login)
            message = create_message(session, viewer, request(recipient_type, student_ids, channels, **fields))
            plan_message(session, message)
            summary = plan_summary(session, viewer, message)
            _, rows = plan_rows(session, message, offset=0, limit=1_000_000, will_send=None)
            return [row._asdict() for row in rows], summary
        finally:
            session.rollback()
