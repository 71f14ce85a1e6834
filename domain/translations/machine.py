"""Machine translation (TRN-01): each (message, language) translated once, at fan-out, never per
recipient, through the configured translator plugin (channels.translators).

``translate_for_send`` runs in the hand-on job after the message's rows are written and before any
chunk goes to dispatch, so no delivery is sent before its language's text exists. It takes the
distinct languages of the message's deliveries and calls ``ensure_message_translations``, which
skips the original's language (TRN-02), any language that already has a text (a manual one wins,
TRN-04: it replaces the machine translation for its language wholly, and a field it leaves empty
reads the original, as models.translations says), and everything when the district lacks the
Translations add-on (TRN-08) or the translator translates nothing (``none``).

The texts of one language (subject, HTML body, SMS text, call script) go out together as HTML in as
few requests as the plugin's limits allow, insert fields and glossary names marked not to translate
(domain.translations.protect); the text body is derived from the translated HTML as the original's
is. Each language's row is written as soon as it is translated (ON CONFLICT DO NOTHING, committed),
so a retried job translates only what is missing.

Failures: a retryable one (429, 5xx) stops the run, and the hand-on job runs again after the
service's Retry-After (or a backoff), at most MAX_TRANSLATION_ATTEMPTS times and never holding the
sending back longer than SEND_WAIT_BUDGET (an emergency: not at all); after that, and at once for a
permanent failure, the languages without a text read the original. Either is logged
with the message, the language and the error's code, never a text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from channels.translators.base import TranslatorPermanent, TranslatorPlugin, TranslatorRetryable
from domain.content.html_policy import sanitized_html
from domain.content.text import html_to_text
from domain.support.insert_once import insert_once
from domain.translations.batching import translate_in_batches
from domain.translations.languages import ORIGINAL_LANGUAGE, supported_language
from domain.translations.protect import Protection
from models.db import session_scope, utcnow
from models.directory import District
from models.messaging import Channel, Delivery, DeliveryStatus as DS, Message
from models.translations import MessageTranslation, TranslationOrigin

log = logging.getLogger(__name__)

#: How many times the hand-on job waits for a busy translator before sending the original.
MAX_TRANSLATION_ATTEMPTS = 6
#: Seconds to wait when the service gave no Retry-After: 5, 10, 20 … at most 300.
_BACKOFF_SECONDS, _BACKOFF_LIMIT = 5.0, 300.0
#: How long a busy translator may hold a message's sending back after its fan-out (an emergency: not at all).
SEND_WAIT_BUDGET = dt.timedelta(seconds=120)

#: The message's fields a translation carries, and whether each is HTML.
TRANSLATED_FIELDS: tuple[tuple[str, bool], ...] = (
    ("subject", False), ("html_body", True), ("sms_text", False), ("call_text", False))

#: Deliveries whose recipient reads the message: only their languages are translated.
_READ = (DS.QUEUED.value, DS.DEFERRED.value, DS.SENDING.value, DS.SENT.value, DS.DELIVERED.value)


@dataclasses.dataclass(frozen=True)
class TranslationRun:
    """What one call did: the languages written, the ones that failed for good (with the code),
    and whether a retryable failure stopped it (with the service's delay)."""

    written: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    stopped: bool = False
    retry_after: float | None = None


def translate_for_send(engine: Engine, message_id: int, translator: TranslatorPlugin | None, *,
                       attempt: int = 0, inbox_only: bool = False) -> float | None:
    """Translate a fanned-out message into its deliveries' languages. Returns None when dispatch
    may go on, or the seconds after which the hand-on job should try again (a busy service).
    ``inbox_only``: only the languages only inbox rows read (filed after dispatch began), so a
    language that failed for good before its emails went is not tried again for the inbox.

    A busy service holds the message's sending back for at most ``SEND_WAIT_BUDGET`` after its
    fan-out (none for an emergency): past it, the languages left read the original. The budget is
    well inside the queue run's rescue of stale deliveries (domain.delivery.queue_run), so no rescue
    sends the original behind a translation still pending or hands the job out again."""
    read = select(Delivery.language).where(Delivery.message_id == message_id, Delivery.status.in_(_READ))
    if inbox_only:
        read = read.where(Delivery.channel == Channel.INAPP.value).except_(
            select(Delivery.language).where(Delivery.message_id == message_id, Delivery.channel != Channel.INAPP.value,
                                            Delivery.status.in_(_READ)))
    else:
        read = read.distinct()
    with Session(engine) as session:
        languages = list(session.execute(read).scalars())
        fanned_out_at, emergency = session.execute(
            select(Message.fanned_out_at, Message.emergency).where(Message.id == message_id)).one()
    run = ensure_message_translations(engine, message_id, languages, translator)
    if not run.stopped:
        return None
    if attempt + 1 >= MAX_TRANSLATION_ATTEMPTS:
        log.warning("machine translation of message %s gave up after %s attempts: the languages left read the "
                    "original", message_id, attempt + 1)
        return None
    wait = max(run.retry_after, 0.0) if run.retry_after is not None else min(_BACKOFF_SECONDS * 2 ** attempt,
                                                                              _BACKOFF_LIMIT)
    if not inbox_only:
        budget = dt.timedelta(0) if emergency else SEND_WAIT_BUDGET
        waited = utcnow() - fanned_out_at if fanned_out_at is not None else dt.timedelta(0)
        if waited + dt.timedelta(seconds=wait) > budget:
            log.warning("machine translation of message %s would hold its sending past %s s: the languages left "
                        "read the original", message_id, int(budget.total_seconds()))
            return None
    return wait


def ensure_message_translations(engine: Engine, message_id: int, languages: Iterable[str],
                                translator: TranslatorPlugin | None) -> TranslationRun:
    """The message translated into each of ``languages`` that has no text yet (manual or machine),
    each written (origin MACHINE) and committed as soon as it is done; the original's language,
    unsupported codes and every language when translation is off (no add-on, TRN-08; a translator
    that translates nothing) are skipped. Safe to call again: only what is missing is translated."""
    if translator is None or not translator.translates:
        return TranslationRun()
    with Session(engine) as session:
        district = session.execute(select(District).limit(1)).scalars().one()
        if not district.addon_translations:
            return TranslationRun()
        message = session.get(Message, message_id)
        if message is None:
            return TranslationRun()
        present = set(session.execute(select(MessageTranslation.language)
                                      .where(MessageTranslation.message_id == message_id)).scalars())
        sources = {name: getattr(message, name) or "" for name, _ in TRANSLATED_FIELDS}
        glossary = list(district.translation_glossary or ())
    wanted = sorted({code for code in map(supported_language, languages) if code} - present - {ORIGINAL_LANGUAGE})
    protection = Protection(glossary)
    written: list[str] = []
    failed: list[tuple[str, str]] = []
    for language in wanted:
        try:
            texts = _translated(translator, sources, protection, language)
        except TranslatorRetryable as error:
            log.warning("machine translation of message %s into %s must wait: %s", message_id, language, error.code)
            return TranslationRun(tuple(written), tuple(failed), True, error.delay_seconds)
        except TranslatorPermanent as error:
            log.warning("machine translation of message %s into %s failed: %s; that language reads the original",
                        message_id, language, error.code)
            failed.append((language, error.code))
            continue
        _write(engine, message_id, language, texts)
        written.append(language)
    return TranslationRun(tuple(written), tuple(failed))


def _translated(translator: TranslatorPlugin, sources: dict[str, str], protection: Protection,
                language: str) -> dict[str, str | None]:
    """One language's texts: every non-empty field, as marked HTML, in as few requests as the
    plugin's limits allow (domain.translations.batching)."""
    present = [(name, is_html) for name, is_html in TRANSLATED_FIELDS if sources[name].strip()]
    wrapped = [protection.wrap(sources[name], is_html=is_html) for name, is_html in present]
    answers = translate_in_batches(translator, wrapped, source=ORIGINAL_LANGUAGE, target=language, html=True)
    texts: dict[str, str | None] = {name: None for name, _ in TRANSLATED_FIELDS}
    for (name, is_html), answer in zip(present, answers):
        # The service's answer is untrusted: a body goes through the policy every stored body does,
        # a plain text loses any markup it came back with (Protection.unwrap).
        unwrapped = protection.unwrap(answer, is_html=is_html)
        texts[name] = sanitized_html(unwrapped) if is_html else unwrapped
    texts["text_body"] = html_to_text(texts["html_body"]) if texts["html_body"] is not None else None
    return texts


def _write(engine: Engine, message_id: int, language: str, texts: dict[str, str | None]) -> None:
    """One language's row, once: a row already there (a manual one written meanwhile, or a racing
    job's) is kept."""
    with session_scope(engine) as session:
        session.connection().execute(insert_once(session, MessageTranslation.__table__).values(
            message_id=message_id, language=language, origin=TranslationOrigin.MACHINE.value,
            subject=texts["subject"] and texts["subject"][:400], html_body=texts["html_body"],
            text_body=texts["text_body"], sms_text=texts["sms_text"], call_text=texts["call_text"],
            created_at=utcnow()))

