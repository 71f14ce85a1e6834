"""Manual translations on messages, drafts and scheduled messages (TRN-04, TRN-05, TRN-08): stored
one MANUAL row per language, read back on Message and Draft, replaced as a set, checked like the
original's texts, carried from a draft to its send and from a recurring message to each occurrence."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from domain.scheduling.due_sends import send_due_scheduled
from helpers import gql, pk_of, row_counts, set_district, token_for
from models.db import session_scope, utcnow
from models.messaging import Message
from models.scheduling import MessageSchedule
from models.translations import MessageTranslation, TranslationOrigin
from shared_steps import SCHEDULE, family, message_input, schedule_in

TRANSLATION_FIELDS = "language languageName subject htmlBody smsText callText"

SEND = f"""mutation($input: SendMessageInput!) {{ sendMessage(input: $input) {{ __typename
  ... on SendMessageSuccess {{ message {{ id translations {{ {TRANSLATION_FIELDS} }} }} }}
  ... on SendMessageErrors {{ errors {{ field code message }} }} }} }}"""

SAVE = f"""mutation($input: SendMessageInput!, $id: ID) {{ saveDraft(input: $input, id: $id) {{ __typename
  ... on SaveDraftSuccess {{ draft {{ id translations {{ {TRANSLATION_FIELDS} }} }} }}
  ... on SaveDraftErrors {{ errors {{ field code message }} }} }} }}"""

SEND_DRAFT = f"""mutation($id: ID!) {{ sendDraft(id: $id) {{ __typename
  ... on SendMessageSuccess {{ message {{ id status translations {{ {TRANSLATION_FIELDS} }} }} }} }} }}"""

UPDATE_SCHEDULED = """mutation($id: ID!, $input: SendMessageInput!) { updateScheduledMessage(id: $id, input: $input) {
  __typename ... on ScheduleMessageSuccess { message { id translations { language subject } } }
  ... on UpdateScheduledMessageErrors { errors { field code } } } }"""

SPANISH = {"language": "ES", "subject": "  Excursión  ", "htmlBody": "<p>Hola {{student.first_name}}</p>"
           "<script>alert(1)</script>"}
VIETNAMESE = {"language": "vi", "subject": "Chuyến đi", "smsText": "Chuyến đi thứ Sáu"}


def sms_input(kid, **fields) -> dict:
    """A message to one family on email and SMS (VIETNAMESE translates the SMS)."""
    return message_input(kid, channels=["EMAIL", "SMS"], **fields)


@pytest.fixture
def addon(engine):
    """The district holds the Translations add-on for the test."""
    previous = set_district(engine, addon_translations=True)
    yield
    set_district(engine, **previous)


def stored_rows(engine, message_id: int) -> list[tuple]:
    with session_scope(engine) as session:
        return session.execute(select(MessageTranslation.language, MessageTranslation.origin,
                                      MessageTranslation.subject, MessageTranslation.html_body,
                                      MessageTranslation.text_body, MessageTranslation.sms_text)
                               .where(MessageTranslation.message_id == message_id)
                               .order_by(MessageTranslation.language)).all()


def translation_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(MessageTranslation)).scalar_one()


def test_trn04_a_sent_message_stores_one_manual_row_per_language_and_shows_them(client, engine, addon):
    """TRN-04: sendMessage with two translations: canonical codes, the subject trimmed, the HTML
    cleaned by the body's policy, the text body derived from it; origin MANUAL."""
    token, kid = token_for(engine, "admin"), family(engine)
    body = gql(client, SEND, {"input": message_input(kid, channels=["EMAIL", "SMS"],
                                                     translations=[SPANISH, VIETNAMESE])}, token)
    sent = body["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", body
    assert sent["message"]["translations"] == [
        {"language": "es", "languageName": "Spanish", "subject": "Excursión",
         "htmlBody": "<p>Hola {{student.first_name}}</p>", "smsText": None, "callText": None},
        {"language": "vi", "languageName": "Vietnamese", "subject": "Chuyến đi", "htmlBody": None,
         "smsText": "Chuyến đi thứ Sáu", "callText": None}]
    rows = stored_rows(engine, pk_of(sent["message"]["id"]))
    assert [(r.language, r.origin) for r in rows] == [("es", TranslationOrigin.MANUAL.value),
                                                     ("vi", TranslationOrigin.MANUAL.value)]
    assert rows[0].text_body == "Hola {{student.first_name}}" and rows[1].text_body is None


@pytest.mark.parametrize(("translation", "field", "code"), [
    ({"language": "xx", "subject": "?"}, "input.translations.0.language", "UNSUPPORTED_LANGUAGE"),
    ({"language": "EN", "subject": "Same"}, "input.translations.0.language", "SAME_AS_ORIGINAL"),
    ({"language": "es", "subject": "x" * 201}, "input.translations.0.subject", "TOO_LONG"),
    ({"language": "es", "subject": "Line\nbreak"}, "input.translations.0.subject", "INVALID_CHARACTERS"),
    ({"language": "es", "htmlBody": "<script>only code</script>"}, "input.translations.0.htmlBody", "REQUIRED"),
    ({"language": "es", "smsText": "s" * 400}, "input.translations.0.smsText", "TOO_LONG"),
    ({"language": "es", "callText": "c" * 1001}, "input.translations.0.callText", "TOO_LONG"),
    ({"language": "es", "htmlBody": "<p>{{student.shoe_size}}</p>"}, "input.translations.0.htmlBody",
     "UNKNOWN_FIELD"),
    ({"language": "es"}, "input.translations.0", "REQUIRED"),
])
def test_trn04_a_bad_translation_is_a_field_error_and_nothing_is_written(client, engine, addon, translation, field,
                                                                        code):
    """TRN-04: each text is checked as the original's is (the district's SMS limit, the call-minute
    limit, insert fields, the HTML policy); the error is at input.translations.<i>.<field>."""
    token, kid = token_for(engine, "admin"), family(engine)
    before, translations_before = row_counts(engine), translation_count(engine)
    body = gql(client, SEND, {"input": message_input(kid, channels=["EMAIL", "SMS", "VOICE"],
                                                     translations=[translation])}, token)
    errors = body["data"]["sendMessage"]["errors"]
    assert (field, code) in [(e["field"], e["code"]) for e in errors], errors
    assert row_counts(engine) == before and translation_count(engine) == translations_before


def test_trn04_a_translated_sms_or_call_needs_its_channel_like_the_original(client, engine, addon):
    """TRN-04: smsText and callText of a translation need the SMS and VOICE channels, as the
    original's do (INVALID); nothing is saved."""
    token, kid = token_for(engine, "admin"), family(engine)
    before = row_counts(engine)
    body = gql(client, SAVE, {"input": message_input(kid, translations=[
        {"language": "es", "smsText": "Hola", "callText": "Hola"}])}, token)
    assert [(e["field"], e["code"]) for e in body["data"]["saveDraft"]["errors"]] == [
        ("input.translations.0.smsText", "INVALID"), ("input.translations.0.callText", "INVALID")]
    assert row_counts(engine) == before


def test_trn04_a_duplicate_language_is_refused_on_a_draft_too(client, engine, addon):
    """TRN-04: one text per language ("ES" and "es" are the same one); nothing is saved."""
    token, kid = token_for(engine, "admin"), family(engine)
    before = row_counts(engine)
    body = gql(client, SAVE, {"input": message_input(kid, translations=[SPANISH, {"language": "es", "subject": "B"}])},
               token)
    assert [(e["field"], e["code"]) for e in body["data"]["saveDraft"]["errors"]] == [
        ("input.translations.1.language", "DUPLICATE_LANGUAGE")]
    assert row_counts(engine) == before


def test_trn08_without_the_addon_translations_are_forbidden_and_nothing_is_written(client, engine):
    """TRN-08: without the Translations add-on a non-empty list is FORBIDDEN naming the add-on,
    on sendMessage and saveDraft; an empty list is no translation and passes."""
    previous = set_district(engine, addon_translations=False)
    try:
        token, kid = token_for(engine, "admin"), family(engine)
        before, translations_before = row_counts(engine), translation_count(engine)
        for document in (SEND, SAVE):
            body = gql(client, document, {"input": message_input(kid, translations=[SPANISH])}, token)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
            assert body["errors"][0]["extensions"]["addon"] == "translations"
            assert "translations add-on" in body["errors"][0]["message"]
        assert row_counts(engine) == before and translation_count(engine) == translations_before
        empty = gql(client, SAVE, {"input": message_input(kid, translations=[])}, token)
        assert empty["data"]["saveDraft"]["__typename"] == "SaveDraftSuccess"
    finally:
        set_district(engine, **previous)


def test_trn04_trn05_a_draft_keeps_its_translations_replaces_them_and_sends_them(client, engine, addon):
    """TRN-04: saveDraft(id) with a list replaces the set (languages added and removed), null keeps
    it, [] removes them all; TRN-05: sending the draft sends the translations it holds."""
    token, kid = token_for(engine, "admin"), family(engine)
    saved = gql(client, SAVE, {"input": sms_input(kid, translations=[SPANISH])}, token)["data"]["saveDraft"]
    draft_id = saved["draft"]["id"]
    assert [t["language"] for t in saved["draft"]["translations"]] == ["es"]
    swapped = gql(client, SAVE, {"id": draft_id, "input": sms_input(kid, translations=[
        VIETNAMESE, {"language": "so", "subject": "Safar"}])}, token)["data"]["saveDraft"]["draft"]
    assert [t["language"] for t in swapped["translations"]] == ["so", "vi"]
    kept = gql(client, SAVE, {"id": draft_id, "input": sms_input(kid)}, token)["data"]["saveDraft"]["draft"]
    assert [t["language"] for t in kept["translations"]] == ["so", "vi"]
    reopened = gql(client, f"query($id: ID!) {{ draft(id: $id) {{ translations {{ {TRANSLATION_FIELDS} }} }} }}",
                   {"id": draft_id}, token)["data"]["draft"]
    assert reopened["translations"] == swapped["translations"]
    sent = gql(client, SEND_DRAFT, {"id": draft_id}, token)["data"]["sendDraft"]
    assert sent["__typename"] == "SendMessageSuccess"
    assert sent["message"]["id"] == draft_id and sent["message"]["translations"] == swapped["translations"]
    assert [row.language for row in stored_rows(engine, pk_of(draft_id))] == ["so", "vi"]

    other = gql(client, SAVE, {"input": sms_input(kid, translations=[SPANISH])}, token)["data"]["saveDraft"]
    cleared = gql(client, SAVE, {"id": other["draft"]["id"], "input": sms_input(kid, translations=[])},
                  token)["data"]["saveDraft"]["draft"]
    assert cleared["translations"] == [] and stored_rows(engine, pk_of(other["draft"]["id"])) == []
    gql(client, "mutation($id: ID!) { discardDraft(id: $id) { __typename } }", {"id": other["draft"]["id"]}, token)


def test_trn04_discarding_a_draft_removes_its_translations(client, engine, addon):
    """TRN-04: a discarded draft leaves no translation rows behind (CMP-29)."""
    token, kid = token_for(engine, "admin"), family(engine)
    draft_id = gql(client, SAVE, {"input": sms_input(kid, translations=[SPANISH])},
                   token)["data"]["saveDraft"]["draft"]["id"]
    discarded = gql(client, "mutation($id: ID!) { discardDraft(id: $id) { __typename } }", {"id": draft_id}, token)
    assert "errors" not in discarded, discarded
    assert stored_rows(engine, pk_of(draft_id)) == []


def test_trn04_trn05_a_scheduled_message_keeps_edits_and_carries_translations_to_each_occurrence(client, engine, addon):
    """TRN-04 (interpretation: scheduled messages keep and edit them as drafts do): scheduleMessage
    stores them, updateScheduledMessage replaces them; TRN-05: every occurrence of the recurring
    message carries a copy, origin MANUAL."""
    token, kid = token_for(engine, "admin"), family(engine)
    scheduled = gql(client, SCHEDULE, {"input": sms_input(kid, translations=[SPANISH]),
                                       "schedule": schedule_in(3600, recurrence="DAILY")}, token)["data"]["scheduleMessage"]
    assert scheduled["__typename"] == "ScheduleMessageSuccess", scheduled
    message_id = scheduled["message"]["id"]
    edited = gql(client, UPDATE_SCHEDULED, {"id": message_id, "input": sms_input(kid, translations=[
        SPANISH, VIETNAMESE])}, token)["data"]["updateScheduledMessage"]
    assert [t["language"] for t in edited["message"]["translations"]] == ["es", "vi"]
    bad = gql(client, UPDATE_SCHEDULED, {"id": message_id, "input": sms_input(kid, translations=[
        {"language": "tlh", "subject": "Qapla'"}])}, token)["data"]["updateScheduledMessage"]
    assert bad["errors"] == [{"field": "input.translations.0.language", "code": "UNSUPPORTED_LANGUAGE"}]
    try:
        with session_scope(engine) as session:
            due = session.execute(select(MessageSchedule.next_send_at).where(
                MessageSchedule.message_id == pk_of(message_id))).scalar_one()
            occurrences = send_due_scheduled(session, due).sent
        # other tests' schedules may fall due in the same run: this one's occurrence copies it
        with session_scope(engine) as session:
            occurrence = session.execute(select(Message.id).where(
                Message.scheduled_from_id == pk_of(message_id), Message.id.in_(occurrences))).scalar_one()
        assert stored_rows(engine, occurrence) == stored_rows(engine, pk_of(message_id))
        assert [(r.language, r.origin) for r in stored_rows(engine, occurrence)] == [
            ("es", TranslationOrigin.MANUAL.value), ("vi", TranslationOrigin.MANUAL.value)]
    finally:
        with session_scope(engine) as session:
            session.execute(update(MessageSchedule).where(MessageSchedule.next_send_at < utcnow() + dt.timedelta(days=3))
                            .values(next_send_at=None))


def test_trn04_drafts_list_reads_translations_in_one_statement_however_many_drafts(client, engine, addon):
    """TRN-04 (no N+1): the drafts list's translations cost the same statements for two drafts as
    for five (one loader batch)."""
    from helpers import count_statements, make_user
    from models.directory import Role

    token, kid = make_user(engine, Role.ADMIN), family(engine)
    query = "{ drafts(first: 50) { edges { node { id translations { language subject } } } } }"

    def statements_for_list(drafts: int) -> int:
        while len(gql(client, query, {}, token)["data"]["drafts"]["edges"]) < drafts:
            saved = gql(client, SAVE, {"input": sms_input(kid, translations=[SPANISH, VIETNAMESE])}, token)
            assert saved["data"]["saveDraft"]["__typename"] == "SaveDraftSuccess", saved
        with count_statements(engine) as statements:
            body = gql(client, query, {}, token)
        assert all(len(edge["node"]["translations"]) == 2 for edge in body["data"]["drafts"]["edges"])
        return len(statements)

    assert statements_for_list(2) == statements_for_list(5)


def test_trn04_inb_11_a_flagged_word_in_a_translation_flags_the_message(client, engine, addon):
    """TRN-04 with INB-11: a manual translation is checked against the district's flagged words as
    the original is; a clean one leaves the message unflagged."""
    token, kid = token_for(engine, "admin"), family(engine)
    query = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
      ... on SendMessageSuccess { message { flagged translations { language } } } } }"""
    gql(client, """mutation { setFlaggedWords(words: ["fight"]) { __typename } }""", token=token)
    try:
        flagged = gql(client, query, {"input": message_input(kid, translations=[
            {"language": "es", "htmlBody": "<p>Hubo una FIGHT en el recreo.</p>"}])}, token)
        clean = gql(client, query, {"input": message_input(kid, translations=[
            {"language": "es", "htmlBody": "<p>Hubo una pelea en el recreo.</p>"}])}, token)
    finally:
        gql(client, "mutation { setFlaggedWords(words: []) { __typename } }", token=token)
    assert flagged["data"]["sendMessage"]["message"] == {"flagged": True, "translations": [{"language": "es"}]}
    assert clean["data"]["sendMessage"]["message"]["flagged"] is False
