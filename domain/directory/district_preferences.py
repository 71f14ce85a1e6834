"""Preferences a district (or one of its schools) sets for everyone: push with every message by
default (SYS-05), the answer to an inbound SMS HELP, names on each printed page (SET-02) and the
"Use Original Text Editor" preference with its one-way switch (EDT-01, EDT-02)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select, update
from sqlmodel import Session

from domain.access.scope import administered_schools
from domain.access.viewer import Viewer
from domain.editor.mode import TextEditor, text_editor
from domain.editor.switch import lock_preference, switch_to_new_editor
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


@dataclasses.dataclass(frozen=True)
class DistrictPreferences:
    """The district preferences the API reads and changes (district administrators)."""

    pdf_names_on_each_page: bool  # SET-02
    use_original_text_editor: bool | None  # EDT-01; None: the new editor, the preference gone (EDT-02)

    @property
    def text_editor(self) -> TextEditor:
        return text_editor(self.use_original_text_editor)


@dataclasses.dataclass(frozen=True, kw_only=True)
class PreferenceChanges:
    """What to change; None leaves a preference as it is."""

    pdf_names_on_each_page: bool | None = None
    use_original_text_editor: bool | None = None


@dataclasses.dataclass(frozen=True)
class PreferencesUpdated:
    preferences: DistrictPreferences
    templates_converted: int  # templates whose HTML the switch to the new editor changed (EDT-02)


def district_preferences(session: Session) -> DistrictPreferences:
    row = session.execute(select(District.pdf_names_on_each_page, District.use_original_text_editor).limit(1)).one()
    return DistrictPreferences(pdf_names_on_each_page=row.pdf_names_on_each_page,
                               use_original_text_editor=row.use_original_text_editor)


def update_district_preferences(session: Session, changes: PreferenceChanges) -> PreferencesUpdated:
    """Change the preferences given. EDT-02: turning "Use Original Text Editor" off switches the
    district to the new editor (every template converted, the preference removed), once: turning it
    on again is IRREVERSIBLE, and nothing changes. Off when it is gone already is no change."""
    stored = lock_preference(session)
    if changes.use_original_text_editor and stored is None:
        raise InvalidInput([FieldProblem(("input", "useOriginalTextEditor"), "IRREVERSIBLE",
                                         "The district has switched to the new editor; the original text editor "
                                         "cannot be turned back on (EDT-02).")])
    converted = 0
    if changes.use_original_text_editor is False and stored:
        converted = switch_to_new_editor(session)
    if changes.pdf_names_on_each_page is not None:
        session.execute(update(District).values(pdf_names_on_each_page=changes.pdf_names_on_each_page))
    return PreferencesUpdated(district_preferences(session), converted)
