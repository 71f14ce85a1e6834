"""Preferences a district (or one of its schools) sets for everyone: push with every message by
default (SYS-05), the answer to an inbound SMS HELP, names on each printed page (SET-02), the
"Use Original Text Editor" preference with its one-way switch (EDT-01, EDT-02), and the translation
setting with its glossary of names never translated (TRN-01)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select, update
from sqlmodel import Session

from domain.access.scope import administered_schools
from domain.access.viewer import Viewer
from domain.editor.mode import TextEditor, text_editor
from domain.editor.switch import lock_preference, switch_to_new_editor
from domain.support.errors import FieldProblem, InvalidInput
from models.directory import District, School, TranslationLanguageSource

SMS_HELP_TEXT_MAX = 300
#: The glossary is sent to the translator with every text (marked not to translate): a few hundred
#: short names at most, as a district's schools and programmes are.
GLOSSARY_MAX_TERMS = 200
GLOSSARY_TERM_MAX = 100


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
    translation_language_source: TranslationLanguageSource = TranslationLanguageSource.DISPLAY_LANGUAGE  # TRN-01
    translation_glossary: tuple[str, ...] = ()  # TRN-01: names never translated

    @property
    def text_editor(self) -> TextEditor:
        return text_editor(self.use_original_text_editor)


@dataclasses.dataclass(frozen=True, kw_only=True)
class PreferenceChanges:
    """What to change; None leaves a preference as it is."""

    pdf_names_on_each_page: bool | None = None
    use_original_text_editor: bool | None = None
    translation_language_source: TranslationLanguageSource | None = None
    translation_glossary: list[str] | None = None


@dataclasses.dataclass(frozen=True)
class PreferencesUpdated:
    preferences: DistrictPreferences
    templates_converted: int  # templates whose HTML the switch to the new editor changed (EDT-02)


def district_preferences(session: Session) -> DistrictPreferences:
    row = session.execute(select(District.pdf_names_on_each_page, District.use_original_text_editor,
                                 District.translation_language_source, District.translation_glossary).limit(1)).one()
    return DistrictPreferences(pdf_names_on_each_page=row.pdf_names_on_each_page,
                               use_original_text_editor=row.use_original_text_editor,
                               translation_language_source=TranslationLanguageSource(row.translation_language_source),
                               translation_glossary=tuple(row.translation_glossary or ()))


def checked_glossary(terms: list[str], path: tuple[str | int, ...] = ("input", "translationGlossary"),
                     ) -> tuple[list[str], list[FieldProblem]]:
    """TRN-01's glossary as stored: each name trimmed, repeats (case-blind) kept once, in the order
    given; a blank or too long name, or too many, is a problem at ``path`` (+ the index)."""
    kept: list[str] = []
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    if len(terms) > GLOSSARY_MAX_TERMS:
        problems.append(FieldProblem(path, "TOO_MANY", f"The glossary holds at most {GLOSSARY_MAX_TERMS} names."))
    for index, term in enumerate(terms):
        name = term.strip()
        if not name:
            problems.append(FieldProblem((*path, index), "REQUIRED", "A glossary name cannot be blank."))
        elif len(name) > GLOSSARY_TERM_MAX:
            problems.append(FieldProblem((*path, index), "TOO_LONG",
                                         f"A glossary name is at most {GLOSSARY_TERM_MAX} characters."))
        elif name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return kept, problems


def update_district_preferences(session: Session, changes: PreferenceChanges) -> PreferencesUpdated:
    """Change the preferences given. EDT-02: turning "Use Original Text Editor" off switches the
    district to the new editor (every template converted, the preference removed), once: turning it
    on again is IRREVERSIBLE, and nothing changes. Off when it is gone already is no change."""
    glossary, problems = ([], []) if changes.translation_glossary is None else checked_glossary(
        changes.translation_glossary)
    if problems:
        raise InvalidInput(problems)
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
    if changes.translation_language_source is not None:
        session.execute(update(District).values(translation_language_source=changes.translation_language_source.value))
    if changes.translation_glossary is not None:
        session.execute(update(District).values(translation_glossary=glossary))
    return PreferencesUpdated(district_preferences(session), converted)
