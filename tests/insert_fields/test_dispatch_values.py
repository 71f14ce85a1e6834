"""Insert fields filled in at dispatch from every source (CMP-25, SMS-05, VOI-08): each recipient's
own student, user and finance values, in what a real SMTP server receives and in the outbox's SMS
and call lines; one statement per source per batch, whatever the number of recipients."""

from __future__ import annotations

from sqlalchemy import insert, select

from domain.content.insert_fields import (
    ID_CHUNK, InsertField, InsertFieldCategory, InsertFieldSource, Subject, field_values, register, unregister,
)
from factories import add_user, email, first_school_id, phone, unique
from helpers import count_statements
from insert_field_steps import add_asset, dispatch, emails_by_address, family, outbox_lines, queued_message
from models.db import session_scope
from models.directory import Student
from models.messaging import Delivery

SUBJECT = "Assets of {{student.first_name}}"
BODY = ("<p>Dear {{user.first_name}} ({{recipient.name}}),</p><p>{{student.full_name}} holds {{finance.assets}} "
        "({{finance.asset_count}}).</p>")
SMS = "{{student.first_name}}/{{user.first_name}}: return {{finance.asset_tags}}"
CALL = "Hello {{user.full_name}}. {{student.first_name}} holds {{finance.asset_descriptions}}."


def deliveries(engine, message_id: int, channel: str) -> list[int]:
    with session_scope(engine) as session:
        return list(session.execute(select(Delivery.id).where(Delivery.message_id == message_id,
                                                              Delivery.channel == channel)).scalars())


def test_sms_05_voi_08_cmp_25_each_delivery_carries_its_own_recipients_values(engine, mailbox):
    """Covers SMS-05, VOI-08, CMP-25: a contact with an account gets its account's user fields, one
    without gets none, a colleague gets their own user fields and the assets in their custody; each
    family gets its own student's fields and assets (HTML-escaped in the email's HTML) in the email,
    the SMS and the call."""
    school = first_school_id(engine)
    ana = family(engine, school, "Ana", "Rosa", account_name="Rosalind")
    ben = family(engine, school, "Ben", "Chidi")
    dana_email, dana_phone = email("dana"), phone()
    dana = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", first_name="Dana", last_name="Lee",
                    email=dana_email, phone=dana_phone)
    ana_tag = add_asset(engine, "Chromebook <11>", student_id=ana["student"])
    ben_assets = sorted((add_asset(engine, description, student_id=ben["student"]), description)
                        for description in ("Calculator", "Violin"))  # listed by tag
    ben_tags = [tag for tag, _ in ben_assets]
    dana_tag = add_asset(engine, "Projector", user_id=dana)
    add_asset(engine, "Laptop", user_id=ana["account"])  # the parent's own: Ana's letter is about Ana
    message_id, chunks = queued_message(engine, [ana["student"], ben["student"]], channels=("EMAIL", "SMS", "VOICE"),
                                        subject=SUBJECT, html_body=BODY, sms_text=SMS, call_text=CALL,
                                        staff_ids=(dana,))
    dispatch(engine, mailbox, chunks)

    received = emails_by_address(mailbox)
    ana_mail, ben_mail, dana_mail = (received[address] for address in (ana["email"], ben["email"], dana_email))
    assert (ana_mail["Subject"], ben_mail["Subject"], dana_mail["Subject"]) == (
        "Assets of Ana", "Assets of Ben", "Assets of ")
    ana_html = ana_mail.get_body(("html",)).get_content()
    assert "Dear Rosalind (Rosa Parent)," in ana_html
    assert f"Ana Okafor holds {ana_tag} (Chromebook &lt;11&gt;) (1)." in ana_html
    ben_text = ben_mail.get_body(("plain",)).get_content()
    assert "Dear  (Chidi Parent)," in ben_text
    assert f"Ben Okafor holds {', '.join(f'{tag} ({what})' for tag, what in ben_assets)} (2)." in ben_text
    dana_text = dana_mail.get_body(("plain",)).get_content()
    assert "Dear Dana (Dana Lee)," in dana_text and f"holds {dana_tag} (Projector) (1)." in dana_text

    sms = {line["to"]: line["text"] for line in outbox_lines("sms", deliveries(engine, message_id, "SMS")).values()}
    assert sms[ana["phone"]] == f"Ana/Rosalind: return {ana_tag}"
    assert sms[ben["phone"]] == f"Ben/: return {', '.join(ben_tags)}"
    calls = {line["to"]: line["script"]
             for line in outbox_lines("voice", deliveries(engine, message_id, "VOICE")).values()}
    assert calls[ana["phone"]] == "Hello Rosalind Parent. Ana holds Chromebook <11>."
    assert calls[ben["phone"]] == f"Hello . Ben holds {', '.join(what for _, what in ben_assets)}."
    assert calls[dana_phone] == "Hello Dana Lee.  holds Projector."
    assert sms[dana_phone] == f"/Dana: return {dana_tag}"


def _dispatch_statements(engine, mailbox, student_count: int, **content) -> list[str]:
    school = first_school_id(engine)
    kids = [family(engine, school, f"Kid{n}", f"Parent{n}", account_name=f"Account{n}")["student"]
            for n in range(student_count)]
    for kid in kids:
        add_asset(engine, "Chromebook", student_id=kid)
    _, chunks = queued_message(engine, kids, channels=("EMAIL",), **content)
    assert len(chunks) == 1  # one batch: dispatch chunks are per channel
    with count_statements(engine, this_thread_only=True) as statements:
        dispatch(engine, mailbox, chunks)
    return statements


def test_cmp_25_dispatch_reads_each_used_source_once_per_batch_whatever_the_recipients(engine, mailbox):
    """Covers CMP-25: a batch of 2 families' emails and one of 6 cost the same statements with
    student, user and finance fields; the assets are read by one statement per batch; a message with
    only student fields reads neither assets nor contacts' accounts."""
    every_source = {"subject": SUBJECT, "html_body": BODY}
    few = _dispatch_statements(engine, mailbox, 2, **every_source)
    many = _dispatch_statements(engine, mailbox, 6, **every_source)
    assert len(few) == len(many) > 0, (len(few), len(many))
    assert len([s for s in many if "fixed_asset" in s]) == 1
    student_only = _dispatch_statements(engine, mailbox, 3, subject=SUBJECT, html_body="<p>{{student.school}}</p>")
    assert not [s for s in student_only if "fixed_asset" in s or "FROM contact" in s]


def test_cmp_25_sms_05_a_registered_source_is_accepted_and_filled_at_dispatch(engine, mailbox):
    """Covers CMP-25, SMS-05: a source another area registers (a lunch balance, finance) is accepted in
    a message's SMS and email and filled per recipient at dispatch; its loader is called once for
    each batch (one per channel) with every subject, each carrying the message id."""
    calls: list[list[Subject]] = []
    balances: dict[int, str] = {}

    def lunch_balances(_session, subjects):
        calls.append(list(subjects))
        return {subject: {"finance.lunch_balance": balances[subject.student_id]}
                for subject in subjects if subject.student_id in balances}

    source = register(InsertFieldSource(InsertFieldCategory.FINANCE, (
        InsertField("finance.lunch_balance", "The student's lunch account balance.", "$4.50"),), lunch_balances,
        reads_user_id=False))
    try:
        school = first_school_id(engine)
        ana, ben = family(engine, school, "Ana", "Rosa"), family(engine, school, "Ben", "Chidi")
        balances.update({ana["student"]: "$4.50", ben["student"]: "-$2.00"})
        message_id, chunks = queued_message(engine, [ana["student"], ben["student"]], channels=("EMAIL", "SMS"),
                                            subject=unique("Lunch ") + " {{finance.lunch_balance}}",
                                            sms_text="{{student.first_name}} owes {{finance.lunch_balance}}")
        dispatch(engine, mailbox, chunks)
    finally:
        unregister(source)
    received = emails_by_address(mailbox)
    assert received[ana["email"]]["Subject"].endswith(" $4.50")
    assert received[ben["email"]]["Subject"].endswith(" -$2.00")
    sms = {line["to"]: line["text"] for line in outbox_lines("sms", deliveries(engine, message_id, "SMS")).values()}
    assert sms == {ana["phone"]: "Ana owes $4.50", ben["phone"]: "Ben owes -$2.00"}
    assert len(calls) == len(chunks) == 2
    assert all({subject.message_id for subject in call} == {message_id} for call in calls)
    assert all({subject.student_id for subject in call} == {ana["student"], ben["student"]} for call in calls)


def test_cmp_25_values_load_for_more_ids_than_one_statement_may_bind(engine):
    """Covers CMP-25 (a district-wide print): 66,000 students, more than PostgreSQL's 65,535 bound
    parameters in one statement, get their student and finance values, read in chunks of ID_CHUNK
    ids (written in a transaction that is rolled back)."""
    count = 66_000
    school = first_school_id(engine)
    with session_scope(engine) as session:
        try:
            session.execute(insert(Student), [{"school_id": school, "grade_level": "9", "first_name": f"S{n}",
                                               "last_name": "Bulk", "language": "en"} for n in range(count)])
            ids = list(session.execute(select(Student.id).where(Student.last_name == "Bulk")).scalars())
            assert len(ids) == count
            subjects = [Subject(1, student_id=student_id) for student_id in ids]
            with count_statements(engine, this_thread_only=True) as statements:
                values = field_values(session, subjects, {"student.first_name", "finance.asset_count"})
            assert len(values) == count
            assert all(values[s]["student.first_name"].startswith("S") and values[s]["finance.asset_count"] == "0"
                       for s in subjects)
            chunks = -(-count // ID_CHUNK)
            assert len(statements) == 2 * chunks
        finally:
            session.rollback()
