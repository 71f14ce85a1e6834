"""Envelopes: what each claimed delivery becomes for its channel's plugin.

The content rules live here: who the message is from (RPT-03, CMP-13, CMP-14), the secure-email
notice in place of the content (CMP-05), the sender's signatures (CMP-24, SET-07), Cc with the
first-only rule (CMP-22, CMP-23), the one-click unsubscribe link (RFC 8058), the signed reply and
return-path addresses of each email, insert fields filled in per recipient (CMP-25), the text in
the delivery's language when the message has it (TRN-01, TRN-04; the sender's copy is recorded in the
original, TRN-06, and a Cc rides on the translated email it accompanies, TRN-07) and the push
payload that carries no content.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
from collections import defaultdict

from sqlalchemy import Row, func, select

from channels.base import Attachment, EmailEnvelope, Envelope, PushEnvelope, PushTarget, SmsEnvelope, VoiceEnvelope
from domain.content.call_text import tts_limit
from domain.delivery.sending.claims import CLAIMED_COLUMNS
from domain.content.flagging import DISCLAIMER
from domain.content.html_policy import sanitized_html
from domain.content.insert_fields import delivery_values, fields_in, render
from domain.inbound.reply_tokens import bounce_address, reply_address
from domain.support.global_ids import Kind, global_id
from domain.support.signed_ids import VOICE_TWIML, SigningKeys, signed_id, signing_keys
from domain.translations.copies import TranslatedTexts, translated_texts
from domain.translations.languages import ORIGINAL_LANGUAGE
from domain.content.text import html_to_text
from domain.inbound.unsubscribe import unsubscribe_url
from models.caller_ids import CallerId
from models.directory import District, School, User
from models.messaging import Channel, Delivery, DeliveryStatus as DS, Message
from models.attachments import MessageAttachment
from models.devices import PushSubscription

#: Email deliveries that are or will be transmitted; the first of them gets a first-only Cc.
TRANSMITTED = (DS.QUEUED.value, DS.DEFERRED.value, DS.SENDING.value, DS.SENT.value, DS.DELIVERED.value)


def sender_display_name(message: Message, sender: User, district: District, school: School | None) -> str:
    """RPT-03 / CMP-13 / CMP-14: district, school, or the sending user."""
    if message.send_as_district:
        return district.name
    if school is not None:
        return school.name
    return f"{sender.first_name} {sender.last_name}"


#: Shapes of the messages a worker is sending, kept for the next chunks of the same message: the
#: content of a message being sent never changes, so a chunk needs no queries for it. Shapes with
#: attachments are not kept (their bytes), and every shape is forgotten after SHAPE_TTL_SECONDS.
#: A shape is keyed by message, channel and the language of its texts (None: the original).
SHAPE_TTL_SECONDS = 30.0
_SHAPE_CACHE_SIZE = 256
_ShapeKey = tuple[int, str, str | None]
_shapes: collections.OrderedDict[_ShapeKey, tuple[float, _Shape]] = collections.OrderedDict()
_shapes_lock = threading.Lock()

#: Channels whose envelopes carry the message's text (push carries none; the inbox is read in place).
_TEXT_CHANNELS = (Channel.EMAIL.value, Channel.SMS.value, Channel.VOICE.value)


def _kept_shapes(keys: set[_ShapeKey], links: Links, unsigned: frozenset[str]) -> dict[_ShapeKey, _Shape]:
    now = time.monotonic()
    with _shapes_lock:
        found = {}
        for key in keys:
            kept = _shapes.get(key)
            if (kept is not None and now - kept[0] < SHAPE_TTL_SECONDS and kept[1].links == links
                    and kept[1].links_signed == (key[1] not in unsigned)):
                found[key] = kept[1]
        return found


def _keep_shapes(shapes: dict[_ShapeKey, _Shape]) -> None:
    now = time.monotonic()
    with _shapes_lock:
        for key, shape in shapes.items():
            if not shape.shared.get("attachments"):
                _shapes[key] = (now, shape)
                _shapes.move_to_end(key)
        while len(_shapes) > _SHAPE_CACHE_SIZE:
            _shapes.popitem(last=False)


def forget_shapes() -> None:
    with _shapes_lock:
        _shapes.clear()


def build_envelopes(session, claimed: list[Row], links: Links,
                    unsigned: frozenset[str] = frozenset()) -> list[tuple[Row, Envelope]]:
    """Envelopes for claimed rows, their links signed and addressed with ``links``, except on the
    channels in ``unsigned``, whose plugin renders no body (``Capabilities.renders_body``): their
    envelopes carry no per-delivery signed link, the costliest part of an envelope. What every
    envelope of a message on a channel shares is worked out once (``_Shape``), from the message,
    its sender and school loaded once per chunk, and kept for the message's next chunks. The
    chunk's translations are read in one statement (TRN-01), only when a delivery reads one."""
    copies = translated_texts(session, {(row.message_id, row.language) for row in claimed
                                        if row.channel in _TEXT_CHANNELS and row.language != ORIGINAL_LANGUAGE})
    if copies:
        keyed = [(row, (row.message_id, row.channel, row.language if (row.message_id, row.language) in copies
                        else None)) for row in claimed]
    else:  # the common case: every text in the original
        keyed = [(row, (row.message_id, row.channel, None)) for row in claimed]
    keys = {key for _, key in keyed}
    shapes = _kept_shapes(keys, links, unsigned)
    missing = keys - shapes.keys()
    if missing:
        shapes.update(_new_shapes(session, missing, links, copies, unsigned))
        _keep_shapes({key: shapes[key] for key in missing})
    email, push = Channel.EMAIL.value, Channel.PUSH.value
    targets = _push_targets(session, [row for row in claimed if row.channel == push])
    first_emails = _first_emails(session, sorted({message_id for (message_id, channel, _), shape in shapes.items()
                                                  if channel == email and shape.cc and shape.cc_first_only}))
    values = _field_values(session, keyed, shapes)
    return [(row, shapes[key].envelope(row, targets, first_emails.get(row.message_id), values.get(row.id)))
            for row, key in keyed]


def _field_values(session, keyed: list[tuple[Row, _ShapeKey]],
                  shapes: dict[_ShapeKey, _Shape]) -> dict[int, dict[str, str]]:
    """CMP-25: the insert-field values of the chunk's deliveries whose texts have fields, one
    statement per source those texts use (whatever the number of recipients), and one for the
    columns that say whom each is about (the claim does not return them)."""
    with_fields = [(row, key) for row, key in keyed if shapes[key].fields]
    if not with_fields:
        return {}
    names = frozenset().union(*(shapes[key].fields for _, key in with_fields))
    subjects = session.execute(select(*SUBJECT_COLUMNS).where(
        Delivery.id.in_([row.id for row, _ in with_fields]))).all()
    return delivery_values(session, subjects, names)


def _new_shapes(session, keys: set[_ShapeKey], links: Links, copies: dict[tuple[int, str], TranslatedTexts],
                unsigned: frozenset[str]) -> dict[_ShapeKey, _Shape]:
    message_ids = {message_id for message_id, _, _ in keys}
    messages = {m.id: m for m in session.execute(select(Message).where(Message.id.in_(message_ids))).scalars()}
    senders = {u.id: u for u in session.execute(
        select(User).where(User.id.in_({m.sender_id for m in messages.values()}))).scalars()}
    school_ids = {m.send_as_school_id for m in messages.values() if m.send_as_school_id}
    schools = {s.id: s for s in session.execute(select(School).where(School.id.in_(school_ids))).scalars()
               } if school_ids else {}
    district = session.execute(select(District).limit(1)).scalars().one()
    files = _files(session, {message_id for message_id, channel, _ in keys if channel == Channel.EMAIL.value})
    wanted = {m.caller_id_id for m in messages.values() if m.caller_id_id}
    caller_ids = dict(session.execute(select(CallerId.id, CallerId.phone).where(CallerId.id.in_(wanted))).all()
                      ) if wanted else {}
    shapes = {}
    for message_id, channel, language in keys:
        message = messages[message_id]
        sender = senders[message.sender_id]
        from_name = sender_display_name(message, sender, district, schools.get(message.send_as_school_id))
        shapes[message_id, channel, language] = _Shape.of(
            Channel(channel), message, from_name, district, sender, files.get(message_id, ()), links,
            caller_ids.get(message.caller_id_id), copies.get((message_id, language)) if language else None,
            links_signed=channel not in unsigned)
    return shapes


@dataclasses.dataclass(frozen=True)
class _Shape:
    """What every envelope of one message on one channel shares, and what varies by delivery."""

    envelope_type: type
    shared: dict
    links: Links
    #: Per-delivery signed links (unsubscribe, reply, return path, a call's content URL) are built:
    #: the plugin renders a body (``Capabilities.renders_body``).
    links_signed: bool = True
    reply: bool = False  # a signed Reply-To per delivery (CMP-19)
    unsubscribe: bool = False  # a one-click unsubscribe link per delivery (RFC 8058)
    cc: tuple[str, ...] = ()
    cc_first_only: bool = False  # CMP-23: only the message's first email carries the Cc
    push: bool = False
    fields: frozenset[str] = frozenset()  # CMP-25: insert fields filled in per delivery
    #: The language of the text the envelope carries (None on push: the delivery's), which the
    #: call's voice and an email's Content-Language follow (TRN-01, TRN-08).
    text_language: str | None = None
    sms_limit: int | None = None  # an SMS with fields is cut to the limit once they are filled in
    script_limit: int | None = None  # so is a text-to-speech script (VOI-07)

    @classmethod
    def of(cls, channel: Channel, message: Message, from_name: str, district: District, sender: User,
           files: tuple[Attachment, ...], links: Links, caller_id: str | None = None,
           copy: TranslatedTexts | None = None, links_signed: bool = True) -> _Shape:
        shared = {"message_id": message.id, "emergency": message.emergency}
        signed = message.include_signature and not message.secure
        texts = _texts_of(message, copy)
        body_language = _language_of(copy, copy is not None and bool(copy.html_body))
        if channel is Channel.EMAIL:
            if message.secure:  # CMP-05: a notice to sign in, never the content
                notice = _secure_notice(message, from_name, links)
                subject, html_body, text_body = f"Secure message from {from_name}", f"<p>{notice}</p>", notice
                language = ORIGINAL_LANGUAGE
            else:
                subject, html_body, text_body = texts.subject, texts.html_body, texts.text_body
                language = body_language
                if message.flagged:  # INB-13: the disclaimer opens the email
                    html_body = f'<p class="disclaimer">{DISCLAIMER}</p>\n{html_body}'
                    text_body = f"{DISCLAIMER}\n\n{text_body}"
            if signed and (sender.email_signature or "").strip():  # CMP-24: only when asked, only if saved
                html_body += f'\n<div class="signature">{sender.email_signature}</div>'
                text_body += "\n\n-- \n" + html_to_text(sender.email_signature)
            # Stored HTML is clean already; this covers rows stored before the policy, and the parts
            # added here (names in the notice), once per message (issue 13 point 8).
            html_body = sanitized_html(html_body)
            shared.update(from_name=from_name, subject=subject, html_body=html_body, text_body=text_body,
                          attachments=() if message.secure else files, auto_replied=bool(message.auto_reply))
            return cls(EmailEnvelope, shared, links, links_signed, reply=bool(message.allow_reply and links.reply_domain),
                       unsubscribe=not message.emergency, cc=tuple(message.cc or ()),
                       cc_first_only=bool(message.cc_first_only), fields=fields_in(subject, html_body, text_body),
                       text_language=language)
        if channel is Channel.SMS:
            text = (_secure_notice(message, from_name, links) if message.secure
                    else texts.sms_text or f"{texts.subject}: {texts.text_body}")
            language = (ORIGINAL_LANGUAGE if message.secure
                        else _part_language(copy, copy and copy.sms_text, message.sms_text, body_language))
            if signed and (sender.sms_signature or "").strip():
                text += " " + sender.sms_signature.strip()
            fields = fields_in(text)
            limit = district.sms_character_limit
            return cls(SmsEnvelope, {**shared, "text": text if fields else text[:limit]}, links, links_signed, fields=fields,
                       sms_limit=limit, text_language=language)
        if channel is Channel.VOICE:
            if message.secure:
                script = f"Message from {from_name}. {_secure_notice(message, from_name, links)}"
                language = ORIGINAL_LANGUAGE
            else:
                script = texts.call_text or f"Message from {from_name}. {texts.subject}. {texts.text_body}"
                language = _part_language(copy, copy and copy.call_text, message.call_text, body_language)
            fields, limit = fields_in(script), tts_limit(district.tts_minutes)  # VOI-07: cut when spoken
            return cls(VoiceEnvelope, {**shared, "script": script if fields else script[:limit],
                                       "caller_id": caller_id}, links, links_signed, fields=fields, script_limit=limit,
                       text_language=language)
        # Push carries only a notification id and a generic title; the app fetches the content.
        return cls(PushEnvelope, {**shared, "title": f"New message from {from_name}"}, links, links_signed, push=True)

    def envelope(self, delivery: Row, push_targets: dict[str, tuple[PushTarget, ...]],
                 first_email: int | None = None, values: dict[str, str] | None = None) -> Envelope:
        per_delivery = {"reference": str(delivery.id), "to": delivery.address,
                        "recipient_name": delivery.recipient_name,
                        "language": self.text_language or delivery.language}
        if self.fields:
            per_delivery.update(self._filled_in(values or {}))
        if self.envelope_type is EmailEnvelope:
            per_delivery["cc"] = self.cc if not self.cc_first_only or first_email == delivery.id else ()
            if self.links_signed:
                links = self.links
                per_delivery.update(
                    reply_to=reply_address(delivery.id, links.reply_domain, links.keys) if self.reply else None,
                    # VERP: a bounce comes back to an address only this delivery's email carried
                    return_path=bounce_address(delivery.id, links.reply_domain, links.keys)
                    if links.reply_domain else None,
                    unsubscribe_url=unsubscribe_url(delivery.id, links.base_url, links.keys)
                    if self.unsubscribe else None)
        elif self.push:
            # The app looks the delivery up by the id the API shows (issue 17 point 1).
            per_delivery.update(notification_id=global_id(Kind.DELIVERY, delivery.id),
                                targets=push_targets.get(delivery.address, ()))
        elif self.envelope_type is VoiceEnvelope and self.links_signed:
            per_delivery["content_url"] = voice_content_url(delivery.id, self.links.base_url, self.links.keys)
        return self.envelope_type(**{**self.shared, **per_delivery})

    def _filled_in(self, values: dict[str, str]) -> dict[str, str]:
        """CMP-25: the shape's texts with this recipient's values in place of the insert fields."""
        filled = {key: render(self.shared[key], values, as_html=key == "html_body")
                  for key in _TEXT_KEYS if key in self.shared}
        if "text" in filled and self.sms_limit is not None:
            filled["text"] = filled["text"][: self.sms_limit]
        if "script" in filled and self.script_limit is not None:
            filled["script"] = filled["script"][: self.script_limit]
        return filled


_TEXT_KEYS = ("subject", "html_body", "text_body", "text", "script")


@dataclasses.dataclass(frozen=True)
class _Texts:
    subject: str
    html_body: str
    text_body: str
    sms_text: str | None
    call_text: str | None


def _texts_of(message: Message, copy: TranslatedTexts | None) -> _Texts:
    """The message's texts in the copy's language: each field the copy has, else the original's
    (a translated HTML body brings its text body, derived as the original's is)."""
    if copy is None:
        return _Texts(message.subject, message.html_body, message.text_body, message.sms_text, message.call_text)
    html_body = copy.html_body or message.html_body
    text_body = (copy.text_body or html_to_text(copy.html_body)) if copy.html_body else message.text_body
    return _Texts(copy.subject or message.subject, html_body, text_body, copy.sms_text or message.sms_text,
                  copy.call_text or message.call_text)


def _language_of(copy: TranslatedTexts | None, translated: bool) -> str:
    """The copy's language when the part read is the copy's own field, else the original's."""
    return copy.language if copy is not None and translated else ORIGINAL_LANGUAGE


def _part_language(copy: TranslatedTexts | None, translated_part: str | None, original_part: str | None,
                   body_language: str) -> str:
    """The language of an SMS or call text (TRN-01, TRN-08): the copy's own text of that part is
    in its language; the original's is in the original; without either the part is made from the
    subject and body, and is in the body's language. A Spanish voice never reads an English script."""
    if translated_part:
        return _language_of(copy, True)
    return ORIGINAL_LANGUAGE if original_part else body_language


def _files(session, message_ids: set[int]) -> dict[int, tuple[Attachment, ...]]:
    """ATT-02: the files of the chunk's emailed messages, bytes included, in one query."""
    if not message_ids:
        return {}
    found: dict[int, list[Attachment]] = defaultdict(list)
    for message_id, filename, content_type, data in session.execute(
            select(MessageAttachment.message_id, MessageAttachment.filename, MessageAttachment.content_type,
                   MessageAttachment.data).where(MessageAttachment.message_id.in_(message_ids))
            .order_by(MessageAttachment.id)).all():
        found[message_id].append(Attachment(filename, content_type, bytes(data)))
    return {message_id: tuple(files) for message_id, files in found.items()}


def _first_emails(session, message_ids: list[int]) -> dict[int, int]:
    """CMP-23: the first generated email of each message (its lowest transmitted email delivery)."""
    if not message_ids:
        return {}
    return dict(session.execute(
        select(Delivery.message_id, func.min(Delivery.id))
        .where(Delivery.message_id.in_(message_ids), Delivery.channel == Channel.EMAIL.value,
               Delivery.status.in_(TRANSMITTED))
        .group_by(Delivery.message_id)).all())


def _push_targets(session, claimed_push: list[Row]) -> dict[str, tuple[PushTarget, ...]]:
    """The registered Web Push subscriptions of the chunk's push recipients (``user:<id>``), in
    one query."""
    user_ids = {int(row.address.removeprefix("user:")) for row in claimed_push if row.address.startswith("user:")}
    if not user_ids:
        return {}
    found: dict[str, list[PushTarget]] = defaultdict(list)
    for user_id, endpoint, p256dh, auth in session.execute(
            select(PushSubscription.user_id, PushSubscription.endpoint, PushSubscription.p256dh,
                   PushSubscription.auth).where(PushSubscription.user_id.in_(user_ids))
            .order_by(PushSubscription.id)).all():
        found[f"user:{user_id}"].append(PushTarget(endpoint, p256dh, auth))
    return {address: tuple(targets) for address, targets in found.items()}


@dataclasses.dataclass(frozen=True)
class Links:
    """What signed links and notices need from the deployment: built once by the shell's runtime."""

    base_url: str
    keys: SigningKeys
    reply_domain: str | None

    @classmethod
    def from_settings(cls, settings) -> Links:
        """The links of a ``homeroom.settings.Settings`` (handed in by the shell)."""
        return cls(settings.public_base_url.rstrip("/"), signing_keys(settings), settings.reply_domain)


def voice_content_url(delivery_id: int, base_url: str, keys: SigningKeys) -> str:
    """The TwiML a call's provider fetches when it is answered (homeroom/routes/voice.py)."""
    return f"{base_url}/voice/{signed_id(VOICE_TWIML, delivery_id, keys)}/twiml"


def script_for_delivery(session, delivery_id: int, links: Links) -> VoiceEnvelope | None:
    """The envelope of one call as dispatch built it (fields filled in, cut to the limit), for the
    TwiML route; None when it is not a call."""
    row = session.execute(select(*CLAIMED).where(Delivery.id == delivery_id,
                                                 Delivery.channel == Channel.VOICE.value)).first()
    if row is None:
        return None
    [(_, envelope)] = build_envelopes(session, [row], links)
    return envelope


#: The columns envelopes are built from: those dispatch's claim returns.
CLAIMED = tuple(Delivery.__table__.c[column] for column in CLAIMED_COLUMNS)
#: Whom a delivery is about, which insert fields read (domain.content.insert_fields).
SUBJECT_COLUMNS = (Delivery.id, Delivery.message_id, Delivery.student_id, Delivery.recipient_kind,
                   Delivery.recipient_id, Delivery.recipient_name)


def _secure_notice(message: Message, from_name: str, links: Links) -> str:
    return (f"You have a secure message from {from_name}. Sign in to Homeroom to read it: "
            f"{links.base_url}/messages/{global_id(Kind.MESSAGE, message.id)}")  # the id message(id:) reads
