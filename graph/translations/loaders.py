"""Loaders of translations: every (message, language) a page reads comes from one statement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from domain.translations.reading import reading_language, translations
from domain.translations.copies import TranslatedTexts

if TYPE_CHECKING:
    from graph.context import Context


class TranslationByMessageLanguageLoader(DataLoader[tuple[int, str], TranslatedTexts | None]):
    """The text of each (message id, language) as its copies read it, None when it has none. A sent
    message's translations are written once, so the request may keep them."""

    def __init__(self, context: Context):
        super().__init__(self._load)
        self._context = context

    async def _load(self, keys: list[tuple[int, str]]) -> list[TranslatedTexts | None]:
        found = translations(self._context.session, keys)
        return [found.get((message_id, reading_language(language))) for message_id, language in keys]
