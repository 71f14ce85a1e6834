"""updateDistrictPreferences: change the district's preferences given; turning "Use Original Text
Editor" off switches to the new editor for good (SET-02, EDT-01, EDT-02); the translation setting
and glossary (TRN-01)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.directory.district_preferences import PreferenceChanges, update_district_preferences
from graph.context import Info
from domain.directory.district_preferences import GLOSSARY_MAX_TERMS, GLOSSARY_TERM_MAX
from graph.directory.district_preferences import DistrictPreferences, TranslationLanguageSource
from graph.errors import field_errors, perform
from graph.permissions import requires_district_settings
from models.directory import TranslationLanguageSource as TranslationLanguageSourceModel


@strawberry.input(description="Preferences to change; a field left out (or null) stays as it is.")
class UpdateDistrictPreferencesInput:
    pdf_names_on_each_page: bool | None = strawberry.field(default=None, description=(
        "Printed letters carry the person's name and ID in each page's header (SET-02)."))
    use_original_text_editor: bool | None = strawberry.field(default=None, description=(
        "False switches the district to the new editor: every template's HTML is converted to the new editor's, "
        "and the preference is removed (it reads null afterwards), all at once (EDT-02). True keeps the original "
        "editor; once the preference is gone it is refused (IRREVERSIBLE)."))
    translation_language_source: TranslationLanguageSource | None = strawberry.field(default=None, description=(
        "Which language recipients' copies are translated into (TRN-01); messages already sent keep theirs (TRN-02)."))
    translation_glossary: list[str] | None = strawberry.field(default=None, description=(
        "The names never translated, replacing the list (an empty list clears it): each trimmed, repeats kept once; "
        f"at most {GLOSSARY_MAX_TERMS} (TOO_MANY), each 1 to {GLOSSARY_TERM_MAX} characters (REQUIRED, TOO_LONG)."))


@strawberry.type(description="The preferences as they now are.")
class DistrictPreferencesUpdated:
    preferences: DistrictPreferences = strawberry.field(description="Every preference, after the change.")
    templates_converted: int = strawberry.field(description=(
        "Templates whose HTML the switch to the new editor converted (EDT-02); 0 without a switch."))


#: Turning the original editor back on after the switch; a glossary too long, or with a blank or too long name.
UpdateDistrictPreferencesErrors = field_errors("UpdateDistrictPreferences",
                                               ("IRREVERSIBLE", "TOO_MANY", "REQUIRED", "TOO_LONG"))
UpdateDistrictPreferencesResult = Annotated[
    DistrictPreferencesUpdated | UpdateDistrictPreferencesErrors,
    strawberry.union("UpdateDistrictPreferencesResult",
                     description="The preferences as changed, or why nothing changed (IRREVERSIBLE, TOO_MANY, "
                                 "REQUIRED, TOO_LONG).")]


@strawberry.type
class UpdateDistrictPreferencesMutation:
    @strawberry.mutation(**requires_district_settings(
        "District administrators change the district's preferences given, in one transaction (SET-02, EDT-01, "
        "TRN-01). "
        "Turning useOriginalTextEditor off is one-way: every template is converted to the new editor (EDT-02)."))
    def update_district_preferences(self, info: Info, input: Annotated[
            UpdateDistrictPreferencesInput, strawberry.argument(description="The preferences to change.")],
    ) -> UpdateDistrictPreferencesResult:
        source = input.translation_language_source
        changes = PreferenceChanges(pdf_names_on_each_page=input.pdf_names_on_each_page,
                                    use_original_text_editor=input.use_original_text_editor,
                                    translation_language_source=TranslationLanguageSourceModel(source.value)
                                    if source is not None else None,
                                    translation_glossary=input.translation_glossary)
        return perform(info, lambda: update_district_preferences(info.context.session, changes),
                       refused=UpdateDistrictPreferencesErrors.of,
                       done=lambda updated: DistrictPreferencesUpdated(
                           preferences=DistrictPreferences.of(updated.preferences),
                           templates_converted=updated.templates_converted))
