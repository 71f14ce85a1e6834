"""The texts a recipient's copy reads (TRN-01, TRN-03, TRN-04): the message's text in the delivery's
language (manual or machine, whichever was written) when there is one, else the original.

Dispatch loads the translations of a chunk's (message, language) pairs in one statement, never per
delivery. Without the Translations add-on every copy reads the original (TRN-08), whatever rows a
message carries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from sqlalchemy import exists, select
from sqlmodel import Session

from domain.translations.languages import ORIGINAL_LANGUAGE
from models.directory import District
from models.translations import MessageTranslation


@dataclasses.dataclass(frozen=True)
class TranslatedTexts:
    """One message's text in one language; None in a field reads the original's."""

    language: str
    subject: str | None = None
    html_body: str | None = None
    text_body: str | None = None
    sms_text: str | None = None
    call_text: str | None = None


def translated_texts(session: Session, pairs: Collection[tuple[int, str]],
                     district: District | None = None) -> dict[tuple[int, str], TranslatedTexts]:
    """The translations of the (message id, language) ``pairs`` that have one, in one statement;
    none at all when the district lacks the Translations add-on (TRN-08)."""
    wanted = {(message_id, language) for message_id, language in pairs if language != ORIGINAL_LANGUAGE}
    if not wanted:
        return {}
    if district is not None and not district.addon_translations:
        return {}
    t = MessageTranslation.__table__.c
    statement = select(t.message_id, t.language, t.subject, t.html_body, t.text_body, t.sms_text, t.call_text).where(
        t.message_id.in_({message_id for message_id, _ in wanted}), t.language.in_({language for _, language in wanted}))
    if district is None:  # one round trip: the add-on is read with the rows (dispatch, once per chunk)
        statement = statement.where(exists(select(District.id).where(District.addon_translations.is_(True))))
    return {(row.message_id, row.language): TranslatedTexts(
        row.language, row.subject, row.html_body, row.text_body, row.sms_text, row.call_text)
        for row in session.execute(statement) if (row.message_id, row.language) in wanted}
