"""The re-enrolment forms the Communication Status Updates job publishes, at most one per audience
(JOB-06, JOB-07)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session

from domain.content.text import INVALID_CHARACTERS, has_control_characters
from domain.support.errors import FieldProblem, InvalidInput
from models.db import utcnow
from models.reenrolment import ReenrolmentForm

TITLE_MAX = 200


def set_form(session: Session, audience: str, title: str, instructions: str) -> ReenrolmentForm:
    """JOB-06: the form sent to ``audience``, trimmed; a title is one line of 1 to TITLE_MAX
    characters (it becomes the form email's Subject header) and the instructions are not empty."""
    title, instructions = title.strip(), instructions.strip()
    problems = []
    if not title:
        problems.append(FieldProblem(("title",), "REQUIRED", f"title must be 1 to {TITLE_MAX} characters"))
    elif len(title) > TITLE_MAX:
        problems.append(FieldProblem(("title",), "TOO_LONG", f"title must be 1 to {TITLE_MAX} characters"))
    elif has_control_characters(title):
        problems.append(FieldProblem(("title",), INVALID_CHARACTERS,
                                     "title is one line: remove line breaks, tabs and other control characters"))
    if not instructions:
        problems.append(FieldProblem(("instructions",), "REQUIRED", "instructions must not be empty"))
    if problems:
        raise InvalidInput(problems)
    row = session.get(ReenrolmentForm, audience) or ReenrolmentForm(audience=audience, title=title,
                                                                    instructions=instructions)
    row.title, row.instructions, row.updated_at = title, instructions, utcnow()
    session.add(row)
    return row


def remove_form(session: Session, audience: str) -> bool:
    """JOB-07: the job then publishes nothing to ``audience``; whether there was a form."""
    return bool(session.execute(delete(ReenrolmentForm).where(ReenrolmentForm.audience == audience)).rowcount)
