"""District preferences through the API (issue 18 point 5): what district administrators read and
change (SET-02, EDT-01, EDT-02, the translation setting and glossary of TRN-01), and the editor every
staff user composes in."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.directory import district_preferences as preferences
from domain.editor.mode import TextEditor as TextEditorModel, text_editor
from graph.context import Info
from graph.enum_values import described_enum
from graph.permissions import requires, requires_district_settings
from models.directory import STAFF_ROLES, TranslationLanguageSource as TranslationLanguageSourceModel

TextEditor = described_enum(TextEditorModel, "The editor staff compose messages and templates in (EDT-01).", {
    TextEditorModel.ORIGINAL: "The original text editor: the district's \"Use Original Text Editor\" preference is on; "
                              "templates keep its HTML, and the writing assistant is unavailable (AI-01).",
    TextEditorModel.NEW: "The new editor (CKEditor 5): templates are saved as its HTML (EDT-03); imported HTML is one "
                         "<div class=\"raw-html-embed\"> block, kept as written (EDT-04).",
})

TranslationLanguageSource = described_enum(
    TranslationLanguageSourceModel,
    "The district translation setting (TRN-01): which language each recipient's copy is translated into.", {
        TranslationLanguageSourceModel.DISPLAY_LANGUAGE: (
            "Setting 1: the display-language preference of the parent's or student's account (a contact without an "
            "account: the language on the contact card; a student without one: the student record's)."),
        TranslationLanguageSourceModel.STUDENT_PRIMARY_LANGUAGE: (
            "Setting 2: the student's primary-language field, for the student and every contact of theirs; staff "
            "read their account language."),
    })


@strawberry.type(description="The district's preferences that district administrators set through the API.")
class DistrictPreferences:
    pdf_names_on_each_page: bool = strawberry.field(description=(
        "Printed letters carry \"Last, First Middle User_ID\" in each page's header; with a letterhead's header, not "
        "on the first page (SET-02)."))
    use_original_text_editor: bool | None = strawberry.field(description=(
        "\"Use Original Text Editor\" (EDT-01): true while the district keeps the original editor. Null: the "
        "preference is gone, the district uses the new editor for good (EDT-02; a district without templates when "
        "it was introduced starts there): hide the setting when it reads null. Setting it false switches once."))
    text_editor: TextEditor = strawberry.field(description="The editor this preference selects.")
    translation_language_source: TranslationLanguageSource = strawberry.field(description=(
        "Which language recipients' copies are translated into (TRN-01), fixed on each delivery when a message is "
        "sent (TRN-02)."))
    translation_glossary: list[str] = strawberry.field(description=(
        "Names never translated (schools, programmes): marked not to translate in every text sent to the "
        f"translator (TRN-01); at most {preferences.GLOSSARY_MAX_TERMS} names of at most "
        f"{preferences.GLOSSARY_TERM_MAX} characters."))

    @classmethod
    def of(cls, stored: preferences.DistrictPreferences) -> DistrictPreferences:
        return cls(pdf_names_on_each_page=stored.pdf_names_on_each_page,
                   use_original_text_editor=stored.use_original_text_editor,
                   text_editor=TextEditor(stored.text_editor.value),
                   translation_language_source=TranslationLanguageSource(stored.translation_language_source.value),
                   translation_glossary=list(stored.translation_glossary))


@strawberry.type
class DistrictPreferenceQueries:
    @strawberry.field(**requires_district_settings(
        "The district's preferences (SET-02, EDT-01, TRN-01), for district administrators."))
    def district_preferences(self, info: Info) -> DistrictPreferences:
        return DistrictPreferences.of(preferences.district_preferences(info.context.session))

    @strawberry.field(**requires(
        "The editor to show when composing a message or a template (EDT-01, EDT-02): ORIGINAL while the district "
        "keeps the original text editor, NEW otherwise. Staff only.", Perm.COMMUNICATION, roles=STAFF_ROLES))
    def text_editor(self, info: Info) -> TextEditor:
        return TextEditor(text_editor(info.context.viewer.district.use_original_text_editor).value)
