"""Letterheads (CMP-03): a header and footer letters print under. Messages and templates accept
only letterheads whose "available for" list includes Communication; district administrators keep
the list."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from domain.content.html_policy import sanitized_html
from domain.support.errors import FieldProblem, InvalidInput
from models.templates import Letterhead, LetterheadUse

NAME_MAX_LENGTH = 120
HTML_MAX_LENGTH = 50_000


def letterhead_problem(session: Session, letterhead_id: int, path: tuple[str | int, ...]) -> FieldProblem | None:
    """CMP-03: None when the letterhead exists and is available for Communication."""
    letterhead = session.get(Letterhead, letterhead_id)
    if letterhead is None:
        return FieldProblem(path, "NOT_FOUND", "No letterhead has that id.")
    if LetterheadUse.COMMUNICATION.value not in letterhead.available_for:
        return FieldProblem(path, "INVALID", f"The letterhead {letterhead.name!r} is not available for "
                                             "Communication (CMP-03).")
    return None


def letterheads(session: Session, *, communication_only: bool = False) -> list[Letterhead]:
    """Every letterhead by name; ``communication_only``: those a message may use (CMP-03)."""
    rows = session.execute(select(Letterhead).order_by(Letterhead.name, Letterhead.id)).scalars().all()
    return [row for row in rows if not communication_only or LetterheadUse.COMMUNICATION.value in row.available_for]


def create_letterhead(session: Session, *, name: str, header_html: str, footer_html: str,
                      available_for: tuple[LetterheadUse, ...]) -> Letterhead:
    problems = []
    name = (name or "").strip()
    if not name:
        problems.append(FieldProblem(("input", "name"), "REQUIRED", "A letterhead needs a name."))
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(FieldProblem(("input", "name"), "TOO_LONG", f"At most {NAME_MAX_LENGTH} characters."))
    for field, value in (("headerHtml", header_html), ("footerHtml", footer_html)):
        if len(value or "") > HTML_MAX_LENGTH:
            problems.append(FieldProblem(("input", field), "TOO_LONG", f"At most {HTML_MAX_LENGTH} characters."))
    if len(set(available_for)) != len(available_for):
        problems.append(FieldProblem(("input", "availableFor"), "DUPLICATE", "A use is listed more than once."))
    if problems:
        raise InvalidInput(problems)
    letterhead = Letterhead(name=name, header_html=sanitized_html(header_html or ""),
                            footer_html=sanitized_html(footer_html or ""),
                            available_for=[use.value for use in available_for])
    session.add(letterhead)
    session.flush()
    return letterhead
