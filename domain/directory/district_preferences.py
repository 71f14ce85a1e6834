"""Preferences a district (or one of its schools) sets for everyone: push with every message by
default (SYS-05) and the answer to an inbound SMS HELP."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from domain.access.scope import administered_schools
from domain.access.viewer import Viewer
from domain.support.errors import FieldProblem, InvalidInput
from models.directory import District, School

SMS_HELP_TEXT_MAX = 300


def set_push_by_default(session: Session, viewer: Viewer, school_id: int | None, value: bool | None) -> bool:
    """SYS-05: one school's preference (value None: follow the district), or the district's default
    school preferences (school_id None; the caller checked "Communication District Settings").
    A school the viewer does not administer is NOT_FOUND, exactly like a missing one. Returns
    what applies now."""
    if school_id is None:
        if value is None:
            raise InvalidInput([FieldProblem(("value",), "REQUIRED", "The district's default needs a value.")])
        session.execute(update(District).values(push_by_default=value))
    elif not session.execute(update(School).where(School.id == school_id, administered_schools(viewer))
                             .values(push_by_default=value)).rowcount:
        raise InvalidInput([FieldProblem(("schoolId",), "NOT_FOUND", "No school you administer has that id.")])
    return bool(value if value is not None else viewer.district.push_by_default)


def set_sms_help_text(session: Session, text: str | None) -> str | None:
    """The district's answer to an inbound SMS HELP, stored trimmed; None restores the default."""
    if text is not None and not text.strip():
        raise InvalidInput([FieldProblem(("text",), "REQUIRED",
                                         f"The help text must be 1 to {SMS_HELP_TEXT_MAX} characters.")])
    if text is not None and len(text) > SMS_HELP_TEXT_MAX:
        raise InvalidInput([FieldProblem(("text",), "TOO_LONG",
                                         f"The help text must be 1 to {SMS_HELP_TEXT_MAX} characters.")])
    stored = text.strip() if text else None
    session.execute(update(District).values(sms_help_text=stored))
    return stored
