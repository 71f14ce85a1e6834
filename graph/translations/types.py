"""Translation types: a message's text in one language, as its recipient reads it (TRN-03), and a
language messages can be translated into."""

from __future__ import annotations

import strawberry

from domain.translations import reading


@strawberry.type(description="A message's text in one language.")
class MessageText:
    subject: str = strawberry.field(description="The subject.")
    html_body: str = strawberry.field(description="The body as sanitized HTML.")
    text_body: str = strawberry.field(description="The body as plain text.")

    @classmethod
    def of(cls, text: reading.MessageText) -> MessageText:
        return cls(subject=text.subject, html_body=text.html_body, text_body=text.text_body)


@strawberry.type(description="A message's translation into its recipient's language (TRN-03): manual (TRN-04) "
                             "or machine-made at send (TRN-01); a part left untranslated reads as the original.")
class TranslatedMessageText:
    language: str = strawberry.field(description="The language, a BCP 47 code (supportedLanguages).")
    subject: str = strawberry.field(description="The subject in that language.")
    html_body: str = strawberry.field(description="The body in that language as sanitized HTML.")
    text_body: str = strawberry.field(description="The body in that language as plain text.")

    @classmethod
    def of(cls, language: str, text: reading.MessageText) -> TranslatedMessageText:
        return cls(language=language, subject=text.subject, html_body=text.html_body, text_body=text.text_body)


@strawberry.type(description="A language messages can be translated into (TRN-01, TRN-04).")
class SupportedLanguage:
    code: str = strawberry.field(description="Its BCP 47 code, as translations, deliveries and settings name it.")
    name: str = strawberry.field(description="Its English name.")
