"""What a recipient reads (TRN-03): the original text and, when their copy is in another language,
its translation, so they can switch between them. The language is the one fixed on their delivery
at send (TRN-02); the text is the one their email read (domain.translations.copies: manual or
machine alike, none without the Translations add-on, TRN-08), read for a whole page of messages in
one statement. A part left untranslated (a field stored as None) reads the original.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sqlmodel import Session

from domain.content.text import html_to_text
from domain.translations.copies import TranslatedTexts, translated_texts
from domain.translations.languages import ORIGINAL_LANGUAGE, supported_language
from models.messaging import Message


@dataclasses.dataclass(frozen=True)
class MessageText:
    """A message's readable text in one language."""

    subject: str
    html_body: str
    text_body: str


@dataclasses.dataclass(frozen=True)
class RecipientCopy:
    """One recipient's copy: its language, the original and the translation (None: the copy is the original)."""

    language: str
    original: MessageText
    translated: MessageText | None

    @property
    def shown(self) -> MessageText:
        """What a reader sees first: the translation when there is one (TRN-03)."""
        return self.translated or self.original


def reading_language(language: str | None) -> str:
    """A delivery's language as translations are keyed: the canonical code when supported."""
    if not language:
        return ORIGINAL_LANGUAGE
    return supported_language(language) or language


def translations(session: Session, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], TranslatedTexts]:
    """The text of each (message id, language) that has one, as its copies read it; one statement
    for all (none at all without the Translations add-on)."""
    return translated_texts(session, {(message_id, reading_language(language)) for message_id, language in keys})


def original_text(message: Message) -> MessageText:
    return MessageText(subject=message.subject, html_body=message.html_body, text_body=message.text_body)


def recipient_copy(message: Message, language: str | None, translation: TranslatedTexts | None) -> RecipientCopy:
    """The copy of a recipient whose delivery is in ``language``, given the message's translation
    into it (None when it has none: they read the original)."""
    original = original_text(message)
    code = reading_language(language)
    if translation is None or not any((translation.subject, translation.html_body, translation.text_body)):
        return RecipientCopy(code, original, None)
    html_body = translation.html_body or original.html_body
    text_body = translation.text_body or (html_to_text(translation.html_body) if translation.html_body
                                          else original.text_body)
    return RecipientCopy(code, original, MessageText(subject=translation.subject or original.subject,
                                                     html_body=html_body, text_body=text_body))
