"""Print in the recipient's or the primary contact's language (CMP-31, CMP-32), read back from the
PDF with pypdf: ORIGINAL prints every letter in English, RECIPIENT each student's own language
version (the district translation setting, TRN-01), PRIMARY_CONTACT every letter in the language of
the user linked to the student's contact with sort order 1. A language the message has no text in
prints the original, and the print job says which and why. The jobs run here, in the test's thread
(tests/letters/test_print_message.py runs them in a worker)."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import update

from domain.letters.language import PrintLanguage
from domain.letters.print_jobs import PrintOptions, request_print, run_print_job
from factories import add_contact, add_user, unique
from helpers import count_statements, gid, gql, set_district, token_for
from models.db import session_scope
from models.directory import Student
from models.printing import PrintJob
from models.translations import MessageTranslation, TranslationOrigin
from resolve import viewer_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "letters"))
from letters_support import PREVIEW, make_message, make_students, pages_text, print_policy  # noqa: E402

BODY = "<p>Hello {{student.first_name}}, the school year starts Monday.</p>"
TEXTS = {"es": "<p>Hola {{student.first_name}}, las clases empiezan el lunes.</p>",
         "vi": "<p>Xin chao {{student.first_name}}, nam hoc bat dau thu Hai.</p>"}
GREETING = {"en": "Hello", "es": "Hola", "vi": "Xin chao"}
JOB = """query($id: ID!) { printJob(id: $id) { language untranslatedLanguages { language reason } } }"""


class RecordedJobs:
    def __init__(self):
        self.job_ids: list[int] = []

    def print_letters(self, job_id: int) -> None:
        self.job_ids.append(job_id)


def printed(engine, message_id: int, language: PrintLanguage, *, translator=None) -> PrintJob:
    jobs = RecordedJobs()
    with session_scope(engine) as session:
        job_id = request_print(session, viewer_for(session, "admin"), message_id,
                               PrintOptions(names_on_each_page=False, language=language), jobs,
                               policy=print_policy()).id
    run_print_job(engine, job_id, translator=translator)
    with session_scope(engine) as session:
        job = session.get(PrintJob, job_id)
        session.expunge(job)
    return job


def greetings(job: PrintJob) -> list[str]:
    """Each page's (each one-page letter's) greeting language."""
    found = []
    for page in pages_text(job.pdf):
        found.append(next(code for code, word in GREETING.items() if word in page))
    return found


def family(engine, student_id: int, *, student_language: str, contacts: list[tuple[int, str]],
           own_account: str | None = None) -> None:
    """The student's language field, their contacts (sort order, linked user's display language)
    and, with ``own_account``, the student's own account in that display language."""
    with session_scope(engine) as session:
        session.execute(update(Student).where(Student.id == student_id).values(language=student_language))
    for sort_order, language in contacts:
        user = add_user(engine, "PARENT", profile="Parent", login=unique("parent."), language=language)
        add_contact(engine, student_id, sort_order=sort_order, user_id=user, language="en")
    if own_account:
        add_user(engine, "STUDENT", profile="Student", login=unique("student."), student_id=student_id,
                 language=own_account)


def translated_message(engine, students: list[int]) -> int:
    message_id = make_message(engine, "admin", students, html_body=BODY)
    with session_scope(engine) as session:
        session.add_all([MessageTranslation(message_id=message_id, language=code, html_body=html,
                                            origin=TranslationOrigin.MANUAL if code == "es" else TranslationOrigin.MACHINE)
                         for code, html in TEXTS.items()])
    return message_id


def test_cmp_31_cmp_32_original_recipient_and_primary_contact_print_different_languages(engine, client):
    """Covers CMP-31 and CMP-32 (with TRN-01's setting 1): four students, printed three ways.
    - ana: Spanish field, no contact → RECIPIENT es, PRIMARY_CONTACT es (her own: no first contact);
    - ben: English; first contact's user reads Vietnamese, second Somali → RECIPIENT en, PRIMARY_CONTACT vi;
    - cy: French (no text) with a Spanish first contact → RECIPIENT fr prints English (NOT_TRANSLATED),
      PRIMARY_CONTACT es;
    - dee: English field, her own account in Spanish → RECIPIENT es under setting 1.
    ORIGINAL prints English throughout. Each letter's insert field is filled in whichever language."""
    previous = set_district(engine, addon_translations=True, translation_language_source="DISPLAY_LANGUAGE")
    try:
        tag, (ana, ben, cy, dee) = make_students(engine, 4)
        family(engine, ana, student_language="es", contacts=[])
        family(engine, ben, student_language="en", contacts=[(1, "vi"), (2, "so")])
        family(engine, cy, student_language="fr", contacts=[(1, "es")])
        family(engine, dee, student_language="en", contacts=[], own_account="es")
        message_id = translated_message(engine, [ana, ben, cy, dee])

        original = printed(engine, message_id, PrintLanguage.ORIGINAL)
        recipient = printed(engine, message_id, PrintLanguage.RECIPIENT)
        primary = printed(engine, message_id, PrintLanguage.PRIMARY_CONTACT)
    finally:
        set_district(engine, **previous)
    assert greetings(original) == ["en", "en", "en", "en"]
    assert greetings(recipient) == ["es", "en", "en", "es"]
    assert greetings(primary) == ["es", "vi", "es", "es"]
    pages = pages_text(primary.pdf)
    assert all(f"Kid{n:03d}" in page for n, page in enumerate(pages))  # insert fields in every language
    assert original.options.get("untranslated") is None and primary.options.get("untranslated") is None
    assert recipient.options["untranslated"] == {"fr": "NOT_TRANSLATED"}

    token = token_for(engine, "admin")
    read = gql(client, JOB, {"id": gid("PrintJob", recipient.id)}, token)["data"]["printJob"]
    assert read == {"language": "RECIPIENT", "untranslatedLanguages": [{"language": "fr", "reason": "NOT_TRANSLATED"}]}


def test_cmp_31_recipient_follows_the_district_setting_and_the_addon(engine):
    """Covers CMP-31 with TRN-01 setting 2 and TRN-08: under the student's-primary-language setting a
    student whose own account reads Spanish but whose field says Vietnamese prints Vietnamese; without
    the Translations add-on every letter prints the original, noted ADDON_OFF."""
    previous = set_district(engine, addon_translations=True, translation_language_source="STUDENT_PRIMARY_LANGUAGE")
    try:
        _, (eve,) = make_students(engine, 1)
        family(engine, eve, student_language="vi", contacts=[(1, "es")], own_account="es")
        message_id = translated_message(engine, [eve])
        by_field = printed(engine, message_id, PrintLanguage.RECIPIENT)
        set_district(engine, addon_translations=False)
        without = printed(engine, message_id, PrintLanguage.PRIMARY_CONTACT)
    finally:
        set_district(engine, **previous)
    assert greetings(by_field) == ["vi"]
    assert greetings(without) == ["en"] and without.options["untranslated"] == {"es": "ADDON_OFF"}


def test_cmp_32_the_preview_shows_the_primary_contacts_language(engine, client):
    """Covers CMP-30 with CMP-32: previewMessage(language: PRIMARY_CONTACT) shows the letter as the
    print would, in the first contact's user's language; ORIGINAL in English."""
    previous = set_district(engine, addon_translations=True, translation_language_source="DISPLAY_LANGUAGE")
    try:
        _, (fay,) = make_students(engine, 1)
        family(engine, fay, student_language="en", contacts=[(1, "vi")])
        message_id = translated_message(engine, [fay])
        token = token_for(engine, "admin")
        shown = {language: gql(client, PREVIEW.replace("$names: Boolean)", "$names: Boolean, $language: PrintLanguage)")
                               .replace("namesOnEachPage: $names)", "namesOnEachPage: $names, language: $language)"),
                               {"messageId": gid("Message", message_id), "language": language}, token)
                 ["data"]["previewMessage"]["html"] for language in ("PRIMARY_CONTACT", "ORIGINAL")}
    finally:
        set_district(engine, **previous)
    assert "Xin chao Kid000" in shown["PRIMARY_CONTACT"] and "Hello" not in shown["PRIMARY_CONTACT"]
    assert "Hello Kid000" in shown["ORIGINAL"]


def test_cmp_31_letter_languages_cost_the_same_statements_for_three_letters_as_for_sixty(engine):
    """Covers CMP-31/CMP-32 set-based: the addressees' languages come with the addressees (one
    statement per kind) and the texts in one; a print of 60 letters costs what one of 3 does."""
    previous = set_district(engine, addon_translations=True, translation_language_source="DISPLAY_LANGUAGE")
    costs = {}
    try:
        for size in (3, 60):
            _, students = make_students(engine, size)
            for n, student in enumerate(students):
                family(engine, student, student_language=("es", "en", "vi")[n % 3], contacts=[(1, "vi")])
            message_id = translated_message(engine, students)
            with count_statements(engine, this_thread_only=True) as statements:
                job = printed(engine, message_id, PrintLanguage.PRIMARY_CONTACT)
            assert greetings(job) == ["vi"] * size
            costs[size] = len(statements)
    finally:
        set_district(engine, **previous)
    assert costs[3] == costs[60], costs


def test_cmp_31_a_language_without_a_text_is_machine_translated_once_for_the_print(engine, translator_service):
    """Covers CMP-31 with TRN-01 through the azure plugin and the Translator stand-in: a French
    student's letter has no text; the print asks the translator once for French (the insert field
    marked not to translate and filled in after), stores it for the message, and prints it; a second
    print asks for nothing. A language the translator refuses (400) prints the original, noted
    TRANSLATION_FAILED."""
    from channels.translators.azure import AzureTranslator

    previous = set_district(engine, addon_translations=True, translation_language_source="DISPLAY_LANGUAGE")
    translator = AzureTranslator.from_mapping(translator_service.plugin_config())
    try:
        _, (gil, hal) = make_students(engine, 2)
        family(engine, gil, student_language="fr", contacts=[])
        family(engine, hal, student_language="es", contacts=[])
        message_id = translated_message(engine, [gil, hal])
        first = printed(engine, message_id, PrintLanguage.RECIPIENT, translator=translator)
        again = printed(engine, message_id, PrintLanguage.RECIPIENT, translator=translator)
        assert translator_service.requests_per_language() == {"fr": 1} and translator_service.refusals == []

        _, (ivy,) = make_students(engine, 1)
        family(engine, ivy, student_language="de", contacts=[])
        refused_message = translated_message(engine, [ivy])
        translator_service.fail_next(1, "400")
        refused = printed(engine, refused_message, PrintLanguage.RECIPIENT, translator=translator)
    finally:
        set_district(engine, **previous)
    for job in (first, again):
        french, spanish = pages_text(job.pdf)
        assert "[fr]" in french and "Kid000" in french and "Hola Kid001" in spanish
        assert job.options.get("untranslated") is None
    with session_scope(engine) as session:
        stored = session.get(MessageTranslation, (message_id, "fr"))
        assert stored.origin == "MACHINE" and "{{student.first_name}}" in stored.html_body
    assert greetings(refused) == ["en"] and refused.options["untranslated"] == {"de": "TRANSLATION_FAILED"}
