"""Shared steps of the machine-translation tests: families in given languages, a message to them
fanned out and handed on with a translator, and dispatch through a recording channel."""

from __future__ import annotations

import dataclasses
from collections import Counter

from sqlalchemy import func, insert, select

from channels.base import ChannelKind, EmailChannel, Sent, SmsChannel, VoiceChannel
from channels.registry import ChannelRegistry
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, hand_on
from domain.messages.send import create_message
from factories import add_contact, add_student, email, first_school_id, phone, unique
from jobs.runtime import current
from models.db import session_scope
from models.directory import Contact, Student
from models.messaging import Delivery, DeliveryStatus
from models.translations import MessageTranslation
from resolve import request, viewer_for


@dataclasses.dataclass
class RecordingJobs:
    """A JobQueue that keeps what it is given, so a test dispatches it itself."""

    dispatched: list = dataclasses.field(default_factory=list)
    handed_on: list = dataclasses.field(default_factory=list)

    def chunk_sizes(self):
        return current().jobs.chunk_sizes()

    def dispatch(self, chunks):
        self.dispatched.extend(chunks)

    def hand_on(self, message_id, lane):
        self.handed_on.append(message_id)

    def delivery_ids(self) -> list[int]:
        return [delivery_id for _, ids in self.dispatched for delivery_id in ids]


class _Recording:
    def __init__(self, config):
        super().__init__(config)
        object.__setattr__(self, "envelopes", [])

    def send(self, batch):
        self.envelopes.extend(batch)
        return [Sent(envelope.reference, f"p-{envelope.reference}") for envelope in batch]


class RecordingEmail(_Recording, EmailChannel):
    name = "recording-email"


class RecordingSms(_Recording, SmsChannel):
    name = "recording-sms"


class RecordingVoice(_Recording, VoiceChannel):
    name = "recording-voice"


def recording_registry() -> tuple[ChannelRegistry, dict[ChannelKind, _Recording]]:
    plugins = {ChannelKind.EMAIL: RecordingEmail(RecordingEmail.Config()),
               ChannelKind.SMS: RecordingSms(RecordingSms.Config()),
               ChannelKind.VOICE: RecordingVoice(RecordingVoice.Config())}
    return ChannelRegistry(plugins), plugins


def contacts_in(engine, languages: list[str], **contact_fields) -> list[int]:
    """One new student per language, with one custodial contact reading it (email and mobile)."""
    school = first_school_id(engine)
    students = []
    for language in languages:
        kid = add_student(engine, school)
        add_contact(engine, kid, email=email("trn"), mobile_phone=phone(), language=language, **contact_fields)
        students.append(kid)
    return students


def bulk_families(engine, languages: list[str], per_language: int) -> list[int]:
    """``per_language`` students per language, each with one custodial contact reading it, in two
    bulk statements (the 2,000-recipient test)."""
    school = first_school_id(engine)
    tag = unique("bulk")
    with session_scope(engine) as session:
        session.execute(insert(Student), [
            {"school_id": school, "first_name": "Kid", "last_name": f"{tag}-{n}", "language": "en",
             "status": "ACTIVE", "sms_enabled": True, "grade_level": "05"}
            for n in range(len(languages) * per_language)])
        ids = list(session.execute(select(Student.id).where(Student.last_name.like(f"{tag}-%"))
                                   .order_by(Student.id)).scalars())
        session.execute(insert(Contact), [
            {"student_id": kid, "first_name": "Pat", "last_name": tag, "custodial": True, "sort_order": 1,
             "email": f"{tag}-{n}@example.org", "language": languages[n % len(languages)], "status": "ACTIVE"}
            for n, kid in enumerate(ids)])
    return ids


def send(engine, students, *, recipient_type="PRIMARY_CONTACTS", channels=("EMAIL",), **fields) -> int:
    """A message to the students' contacts, stored and fanned out (as a request sends it)."""
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"),
                                 request(recipient_type, students, channels=channels, **fields))
        fan_out(session, message.id, in_app_now=False)
        return message.id


def hand_on_with(engine, message_id: int, translator, jobs: RecordingJobs | None = None, attempt: int = 0):
    """Run the hand-on job's domain step with ``translator``; returns (wait, jobs)."""
    jobs = jobs or RecordingJobs()
    wait = hand_on(engine, jobs, current().events, message_id, translator=translator, translation_attempt=attempt)
    return wait, jobs


def dispatch_all(engine, jobs: RecordingJobs, registry: ChannelRegistry) -> None:
    for _, ids in jobs.dispatched:
        dispatch_deliveries(engine, registry, ids, current().delivery)


def translations_of(engine, message_id: int) -> dict[str, MessageTranslation]:
    with session_scope(engine) as session:
        rows = session.execute(select(MessageTranslation).where(MessageTranslation.message_id == message_id)).scalars()
        found = {row.language: row for row in rows}
        session.expunge_all()
        return found


def statuses(engine, message_id: int, channel: str = "EMAIL") -> Counter:
    with session_scope(engine) as session:
        return Counter(dict(session.execute(
            select(Delivery.status, func.count()).where(Delivery.message_id == message_id, Delivery.channel == channel)
            .group_by(Delivery.status)).all()))


def languages_of(engine, message_id: int) -> dict[int, str]:
    """Contact id → the language its email delivery recorded."""
    with session_scope(engine) as session:
        return dict(session.execute(select(Delivery.recipient_id, Delivery.language).where(
            Delivery.message_id == message_id, Delivery.channel == "EMAIL")).all())


SENT = DeliveryStatus.SENT.value
