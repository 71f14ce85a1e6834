"""Manual translations as messages, drafts, scheduled messages and templates take and show them
(TRN-04, TRN-05): one input and one type for every carrier, and the add-on sentence their fields
end with (TRN-08)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.dataloader import DataLoader

from domain.access.permissions import Addon
from domain.translations.carried import message_translations, template_translations
from domain.translations.languages import SUPPORTED_LANGUAGES
from domain.translations.manual import MAX_MANUAL_TRANSLATIONS, ManualText

if TYPE_CHECKING:
    from graph.context import Context

#: The sentence a field that takes manual translations ends with (TRN-08).
ADDON_SENTENCE = (f"Requires the {Addon.TRANSLATIONS.value} add-on to set a non-empty list (TRN-08); without it "
                  "every message is delivered in its original language only.")

TRANSLATIONS_DESCRIPTION = (
    f"Manual translations, one per language, at most {MAX_MANUAL_TRANSLATIONS} (TRN-04): readers of that language "
    "get this text instead of a machine translation; other languages are still machine-translated. The list "
    "replaces the stored set ([] removes them all); null keeps the stored set (none on a new one). Each text "
    "meets the rules of the original's (length, the district's SMS and call limits, insert fields); errors are at "
    f"translations.<index>.<field>. {ADDON_SENTENCE}")


@strawberry.input(description="A manual translation into one language (TRN-04); a text left null is the original's "
                              "for readers of that language.")
class MessageTranslationInput:
    language: str = strawberry.field(description=(
        "A supported language code (BCP 47, e.g. es, vi, zh-Hans; case does not matter), not the original's (en) "
        "and at most once per list: UNSUPPORTED_LANGUAGE, SAME_AS_ORIGINAL, DUPLICATE_LANGUAGE."))
    subject: str | None = strawberry.field(default=None, description=(
        "The subject in that language, one line, as long as the original's may be; null or blank: the original's."))
    html_body: str | None = strawberry.field(default=None, description=(
        "The body (HTML) in that language, stored cleaned by the original body's policy; insert fields as "
        "insertFields lists them. Null: the original's."))
    sms_text: str | None = strawberry.field(default=None, description=(
        "The SMS in that language, within the district's SMS limit as composed (SMS-04); null: the original's."))
    call_text: str | None = strawberry.field(default=None, description=(
        "What text-to-speech says in that language, within the call-minute limit (VOI-06); null: the original's."))


def to_texts(data: list[MessageTranslationInput] | None) -> tuple[ManualText, ...] | None:
    """The domain's texts; None stays None (keep the stored set)."""
    if data is None:
        return None
    return tuple(ManualText(language=item.language, subject=item.subject, html_body=item.html_body,
                            sms_text=item.sms_text, call_text=item.call_text) for item in data)


@strawberry.type(description="A manual translation into one language (TRN-04); a null text is the original's for "
                             "readers of that language.")
class ManualTranslation:
    language: str = strawberry.field(description="The language code (BCP 47), e.g. es.")
    language_name: str = strawberry.field(description='The language\'s English name, e.g. "Spanish".')
    subject: str | None = strawberry.field(description="The subject in that language; null: the original's.")
    html_body: str | None = strawberry.field(description="The body in that language (sanitized HTML); null: the original's.")
    sms_text: str | None = strawberry.field(description="The SMS in that language; null: the original's.")
    call_text: str | None = strawberry.field(description="The call text in that language; null: the original's.")

    @classmethod
    def of(cls, row) -> ManualTranslation:
        """A MessageTranslation or TemplateTranslation row."""
        return cls(language=row.language, language_name=SUPPORTED_LANGUAGES.get(row.language, row.language),
                   subject=row.subject, html_body=row.html_body, sms_text=row.sms_text, call_text=row.call_text)


class TranslationsByMessageIdLoader(DataLoader[int, list[ManualTranslation]]):
    """The manual translations of each message (or draft), in language order: one statement a batch."""

    def __init__(self, context: Context):
        super().__init__(self._load, cache=False)
        self._context = context

    async def _load(self, message_ids: list[int]) -> list[list[ManualTranslation]]:
        found = message_translations(self._context.session, message_ids)
        return [[ManualTranslation.of(row) for row in found.get(message_id, [])] for message_id in message_ids]


class TranslationsByTemplateIdLoader(DataLoader[int, list[ManualTranslation]]):
    """The manual translations of each template, in language order: one statement a batch."""

    def __init__(self, context: Context):
        super().__init__(self._load, cache=False)
        self._context = context

    async def _load(self, template_ids: list[int]) -> list[list[ManualTranslation]]:
        found = template_translations(self._context.session, template_ids)
        return [[ManualTranslation.of(row) for row in found.get(template_id, [])] for template_id in template_ids]
