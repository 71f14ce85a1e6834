"""TRN-03: a recipient of a translated message reads the translation by default and can switch to
the original (thread(id) in the inbox); a recipient whose copy is in the original language reads
``translated: null``; a page of a thread reads every message's translation in one statement."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from domain.delivery.fan_out import fan_out
from factories import add_contact, add_school, add_student, add_user, email, unique
from helpers import count_statements, gid, gql, make_user, set_district, token_for
from models.conversations import Thread, ThreadSide
from models.db import session_scope
from models.directory import Contact, Role, User
from models.messaging import (Channel, Delivery, DeliveryStatus, Message, MessageStatus, MessageStudent,
                              StudentRecipientType)
from models.translations import MessageTranslation, TranslationOrigin

THREAD = """query($id: ID!) { thread(id: $id) { messages { edges { node {
  id received language subject htmlBody textBody
  original { subject htmlBody textBody }
  translated { language subject htmlBody textBody } } } } } }"""
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def translations_on(engine):
    """The Translations add-on on, setting 1 (the display language): copies read their language's text."""
    previous = set_district(engine, addon_translations=True, translation_language_source="DISPLAY_LANGUAGE")
    yield
    set_district(engine, **previous)


def parent_reading(engine, school_id: int, language: str) -> tuple[int, str]:
    """A parent account (display language ``language``) linked to the contact card of a new student."""
    login = unique("parent.")
    user_id = add_user(engine, "PARENT", profile="Parent", login=login, email=email("parent"), language=language)
    kid = add_student(engine, school_id)
    add_contact(engine, kid, email=email("card"), user_id=user_id, language=language)
    return user_id, token_for(engine, login)


def send_to_contacts(engine, sender_id: int, parent_ids: list[int]) -> int:
    """An English message to the primary contacts of the parents' students, fanned out now."""
    with session_scope(engine) as session:
        message = Message(sender_id=sender_id, subject="Field trip", html_body="<p>Friday at nine.</p>",
                          text_body="Friday at nine.", recipient_type=StudentRecipientType.PRIMARY_CONTACTS,
                          channels=[Channel.EMAIL.value], allow_reply=True)
        session.add(message)
        session.flush()
        students = session.execute(select(Contact.student_id).where(Contact.user_id.in_(parent_ids))).scalars()
        session.execute(insert(MessageStudent), [{"message_id": message.id, "student_id": s} for s in students])
        fan_out(session, message.id)
        return message.id


def thread_of(engine, user_id: int, correspondent_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(select(ThreadSide.thread_id).where(
            ThreadSide.user_id == user_id, ThreadSide.correspondent_id == correspondent_id)).scalar_one()


def messages(client, token: str, thread_id: int) -> list[dict]:
    body = gql(client, THREAD, {"id": gid("Thread", thread_id)}, token)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["thread"]["messages"]["edges"]]


def test_trn_03_a_recipient_reads_the_translation_and_the_original_and_one_in_english_reads_the_original(client, engine):
    """Covers TRN-03: the Spanish-reading parent's copy shows the Spanish subject and body by default,
    with the English original beside it; the untranslated part (text body) is made from the
    translated HTML. The English-reading parent and the sender read the original, translated null."""
    school = add_school(engine)
    sender_id = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", login=unique("teacher."))
    sender_login = _login(engine, sender_id)
    spanish_id, spanish = parent_reading(engine, school, "es")
    english_id, english = parent_reading(engine, school, "en")
    message_id = send_to_contacts(engine, sender_id, [spanish_id, english_id])
    with session_scope(engine) as session:
        languages = dict(session.execute(select(Delivery.recipient_id, Delivery.language).where(
            Delivery.message_id == message_id, Delivery.channel == Channel.INAPP.value)).all())
        assert sorted(languages.values()) == ["en", "es"]  # fixed at send (TRN-02)
        session.add(MessageTranslation(message_id=message_id, language="es", origin=TranslationOrigin.MACHINE,
                                       subject="Excursión", html_body="<p>El viernes a las nueve.</p>"))

    [spanish_copy] = messages(client, spanish, thread_of(engine, spanish_id, sender_id))
    assert spanish_copy["received"] is True and spanish_copy["language"] == "es"
    assert (spanish_copy["subject"], spanish_copy["htmlBody"]) == ("Excursión", "<p>El viernes a las nueve.</p>")
    assert spanish_copy["textBody"].strip() == "El viernes a las nueve."
    assert spanish_copy["original"] == {"subject": "Field trip", "htmlBody": "<p>Friday at nine.</p>",
                                        "textBody": "Friday at nine."}
    assert spanish_copy["translated"]["language"] == "es"
    assert spanish_copy["translated"]["subject"] == "Excursión"
    assert spanish_copy["translated"]["htmlBody"] == "<p>El viernes a las nueve.</p>"

    [english_copy] = messages(client, english, thread_of(engine, english_id, sender_id))
    assert english_copy["language"] == "en" and english_copy["translated"] is None
    assert english_copy["subject"] == "Field trip" and english_copy["original"]["subject"] == "Field trip"

    sender_token = token_for(engine, sender_login)
    [own] = messages(client, sender_token, thread_of(engine, sender_id, spanish_id))
    assert own["received"] is False and own["translated"] is None and own["subject"] == "Field trip"


def test_trn_03_a_copy_in_another_language_without_a_translation_reads_the_original(client, engine):
    """Covers TRN-03 (with TRN-08's offline default): a Vietnamese-reading parent whose message has no
    Vietnamese text (none made, the add-on off or the none translator) reads the original, translated null."""
    school = add_school(engine)
    sender_id = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", login=unique("teacher."))
    parent_id, token = parent_reading(engine, school, "vi")
    message_id = send_to_contacts(engine, sender_id, [parent_id])
    with session_scope(engine) as session:  # a translation into another language is not theirs
        session.add(MessageTranslation(message_id=message_id, language="es", subject="Excursión"))
    [copy] = messages(client, token, thread_of(engine, parent_id, sender_id))
    assert copy["language"] == "vi" and copy["translated"] is None and copy["subject"] == "Field trip"


def test_trn_03_a_machine_translation_made_at_send_is_what_the_inbox_reads(client, engine, translator_service):
    """Covers TRN-03 with TRN-01 end to end: a message sent through the hand-on job with the azure
    plugin (the Translator stand-in) is translated once into Spanish at send; the Spanish-reading
    parent's inbox copy reads that text, with the original beside it, and the English reader's has
    translated null."""
    from channels.translators.azure import AzureTranslator
    from fan_out_steps import hand_on_with

    school = add_school(engine)
    spanish_id, spanish = parent_reading(engine, school, "es")
    english_id, english = parent_reading(engine, school, "en")
    with session_scope(engine) as session:
        kids = list(session.execute(select(Contact.student_id).where(Contact.user_id.in_([spanish_id, english_id]))
                                    ).scalars())
        message = Message(sender_id=add_user(engine, "TEACHER", school_ids=[school], profile="Teacher"),
                          subject="Field trip", html_body="<p>Friday at nine.</p>", text_body="Friday at nine.",
                          recipient_type=StudentRecipientType.PRIMARY_CONTACTS, channels=[Channel.EMAIL.value])
        session.add(message)
        session.flush()
        session.execute(insert(MessageStudent), [{"message_id": message.id, "student_id": kid} for kid in kids])
        message_id, sender_id = message.id, message.sender_id
    wait, _ = hand_on_with(engine, message_id, AzureTranslator.from_mapping(translator_service.plugin_config()))
    assert wait is None and translator_service.requests_per_language() == {"es": 1}

    [copy] = messages(client, spanish, thread_of(engine, spanish_id, sender_id))
    assert copy["language"] == "es" and copy["subject"] == "[es] Field trip"
    assert copy["translated"]["subject"] == "[es] Field trip" and copy["original"]["subject"] == "Field trip"
    assert copy["htmlBody"] == copy["translated"]["htmlBody"] and "[es] Friday at nine." in copy["htmlBody"]
    [plain] = messages(client, english, thread_of(engine, english_id, sender_id))
    assert plain["language"] == "en" and plain["translated"] is None and plain["subject"] == "Field trip"


def _login(engine, user_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(User, user_id).login


def _pair(session, reader: int, writer: int) -> int:
    low, high = sorted((reader, writer))
    thread_id = session.execute(insert(Thread).values(low_user_id=low, high_user_id=high, created_at=NOW)
                                .returning(Thread.id)).scalar_one()
    session.execute(insert(ThreadSide), [
        {"thread_id": thread_id, "user_id": reader, "correspondent_id": writer, "last_received_at": NOW,
         "last_sent_at": NOW, "last_activity_at": NOW, "unread_count": 1},
        {"thread_id": thread_id, "user_id": writer, "correspondent_id": reader, "last_received_at": NOW,
         "last_sent_at": NOW, "last_activity_at": NOW, "unread_count": 0}])
    return thread_id


def test_trn_03_a_thread_page_reads_its_translations_in_one_statement_however_many(client, engine):
    """Covers TRN-03 (no N+1): a page of 30 received messages in four languages, each translated,
    costs the same statements as a page of 2; every copy shows its own language's text."""
    languages = ["es", "vi", "so", "en"]
    costs = {}
    for size in (2, 30):
        login = unique("reader.")
        make_user(engine, Role.PARENT, login=login)
        token = token_for(engine, login)
        writer_login = unique("writer.")
        make_user(engine, Role.TEACHER, login=writer_login)
        with session_scope(engine) as session:
            reader = session.execute(select(User.id).where(User.login == login)).scalar_one()
            writer = session.execute(select(User.id).where(User.login == writer_login)).scalar_one()
            thread_id = _pair(session, reader, writer)
            tag = unique("bulk ")
            session.execute(insert(Message), [
                {"sender_id": writer, "subject": f"{tag} {n}", "html_body": f"<p>Body {n}</p>", "text_body": f"Body {n}",
                 "channels": ["EMAIL"], "status": MessageStatus.COMPLETED.value, "family_seed": 1,
                 "created_at": NOW, "fanned_out_at": NOW, "open_deliveries": 0} for n in range(size)])
            ids = list(session.execute(select(Message.id).where(Message.subject.like(f"{tag} %"))
                                       .order_by(Message.id)).scalars())
            session.execute(insert(Delivery), [
                {"message_id": message_id, "channel": Channel.INAPP.value, "recipient_kind": "USER",
                 "recipient_id": reader, "recipient_name": "Reader", "address": f"user:{reader}",
                 "language": languages[n % 4], "status": DeliveryStatus.DELIVERED.value, "created_at": NOW,
                 "updated_at": NOW} for n, message_id in enumerate(ids)])
            session.execute(insert(MessageTranslation), [
                {"message_id": message_id, "language": language, "origin": TranslationOrigin.MACHINE.value,
                 "subject": f"[{language}] {n}", "html_body": f"<p>[{language}] {n}</p>", "created_at": NOW}
                for n, message_id in enumerate(ids) for language in languages[:3]])
        with count_statements(engine) as statements:
            shown = messages(client, token, thread_id)
        assert len(shown) == size
        for n, copy in enumerate(shown):
            language = languages[n % 4]
            assert copy["language"] == language
            if language == "en":
                assert copy["translated"] is None and copy["subject"].endswith(f" {n}")
            else:
                assert copy["subject"] == f"[{language}] {n}" == copy["translated"]["subject"]
                assert copy["original"]["htmlBody"] == f"<p>Body {n}</p>"
        costs[size] = len(statements)
    assert costs[2] == costs[30], costs
