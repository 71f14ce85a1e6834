"""Translation queries: the languages messages can be translated into."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.translations.languages import SUPPORTED_LANGUAGES
from graph.permissions import requires
from graph.translations.types import SupportedLanguage


@strawberry.type
class TranslationQueries:
    @strawberry.field(**requires(
        "The languages messages can be translated into, by English name: the codes manual translations, the "
        "district's settings and recipients' languages use (TRN-01, TRN-04).", Perm.COMMUNICATION))
    def supported_languages(self) -> list[SupportedLanguage]:
        return [SupportedLanguage(code=code, name=name)
                for code, name in sorted(SUPPORTED_LANGUAGES.items(), key=lambda item: item[1])]
