"""sendMessage over HTTP: success, every permission gate, and bad input (nothing written)."""

from __future__ import annotations

import email
import json
import time

import pytest
from sqlalchemy import select

from harness import OUTBOX_DIR
from factories import add_app_device
from domain.access.permissions import Perm
from helpers import gid, gids, gql, make_user, pk_of, row_counts, set_district, token_for, wait_for_message
from jobs.queue_clock import queue_tick
from models.directory import Contact, Enrollment, Role, Student
from models.messaging import Delivery

SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    __typename
    ... on SendMessageSuccess { message { id subject status channels recipientType } }
    ... on SendMessageErrors { errors { path field code message } }
    ... on SendMessageConfirmationRequired { recipientCount detail }
  }
}
"""

SECTIONS = "{ sections { nodes { id name students { id firstName } } } }"

DELIVERIES = """
query($id: ID!, $after: String) { message(id: $id) { status
  deliveries(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id channel recipientKind recipientName address status reason } } } } }
"""


@pytest.fixture(scope="module")
def admin(engine):
    return token_for(engine, "admin")


@pytest.fixture(scope="module")
def teacher(engine):
    return token_for(engine, "teacher.1")


def first_section_with_students(client, token):
    sections = gql(client, SECTIONS, token=token)["data"]["sections"]["nodes"]
    return next(s for s in sections if len(s["students"]) >= 3)


def send(client, token, **fields):
    variables = {"input": {"htmlBody": "<p>Picture day is <b>Friday</b>.</p>", "channels": ["EMAIL"], **fields}}
    return gql(client, SEND, variables, token)


def send_confirmed(client, token, **fields):
    """Send, and when CMP-27 asks for it, repeat with the recipient count confirmed."""
    result = send(client, token, **fields)["data"]["sendMessage"]
    if result["__typename"] == "SendMessageConfirmationRequired":
        result = send(client, token, confirmedRecipientCount=result["recipientCount"], **fields)["data"]["sendMessage"]
    return result


def all_deliveries(client, token, message_id):
    nodes, after = [], None
    while True:
        page = gql(client, DELIVERIES, {"id": message_id, "after": after}, token)["data"]["message"]["deliveries"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_rcp_06_teacher_sends_primary_contacts_to_a_section_and_outbox_matches(client, engine, teacher, db):
    """Covers RCP-06, CMP-26, PERM-45, PERM-47: one delivery per custodial contact address, written by
    the outbox plugin, reported by message(id); beside them one in-app row per custodial contact
    linked to an account (RCP-10: DELIVERED once per account), which no plugin writes."""
    section = first_section_with_students(client, teacher)
    student_ids = [pk_of(s["id"]) for s in section["students"]]
    result = send(client, teacher, subject="Field trip", recipientType="PRIMARY_CONTACTS",
                  studentIds=gids("Student", student_ids))["data"]["sendMessage"]
    assert result["__typename"] == "SendMessageSuccess", result
    message = wait_for_message(client, teacher, result["message"]["id"])
    assert message["status"] == "COMPLETED"

    custodial = db.execute(select(Contact).where(Contact.student_id.in_(student_ids), Contact.custodial)).scalars().all()
    assert custodial, "the seeded section must have custodial contacts"
    everything = all_deliveries(client, teacher, result["message"]["id"])
    deliveries = [d for d in everything if d["channel"] == "EMAIL"]
    in_app = [d for d in everything if d["channel"] == "INAPP"]
    assert len(deliveries) + len(in_app) == len(everything)
    assert len(deliveries) == len(custodial)  # one email delivery per custodial contact, none for others
    assert {d["recipientKind"] for d in everything} == {"CONTACT"}
    accounts = {"user:" + gid("User", c.user_id) for c in custodial if c.user_id is not None}
    assert in_app and {d["address"] for d in in_app} <= accounts
    delivered = [d["address"] for d in in_app if d["status"] == "DELIVERED"]
    assert len(delivered) == len(set(delivered))  # one inbox entry per account
    assert {d["status"] for d in in_app} <= {"DELIVERED", "DUPLICATE", "INACTIVE"}
    assert not any((OUTBOX_DIR / "email" / f"{pk_of(d['id'])}.eml").exists() for d in in_app)
    sent = [d for d in deliveries if d["status"] == "SENT"]
    assert sent, deliveries
    for delivery in sent:
        eml = OUTBOX_DIR / "email" / f"{pk_of(delivery['id'])}.eml"
        parsed = email.message_from_bytes(eml.read_bytes())
        assert delivery["address"] in parsed["To"]
        assert parsed["Subject"] == "Field trip"
        assert parsed["X-Homeroom-Delivery"] == str(pk_of(delivery["id"]))  # the provider's reference: the row
    for delivery in deliveries:
        if delivery["status"] != "SENT":
            assert delivery["status"] in {"NO_CONTACT_INFO", "OPTED_OUT", "UNSUBSCRIBED", "INACTIVE"}
            assert not (OUTBOX_DIR / "email" / f"{pk_of(delivery['id'])}.eml").exists()


def test_rcp_03_students_type_uses_primary_email_then_personal(client, engine, admin, db):
    """Covers RCP-03, RCP-05, PERM-14: STUDENTS goes to the primary email, falling back to the personal one."""
    with_primary = db.execute(select(Student).where(Student.primary_email.is_not(None), Student.status == "ACTIVE")
                              ).scalars().first()
    personal_only = db.execute(select(Student).where(Student.primary_email.is_(None),
                                                     Student.personal_email.is_not(None),
                                                     Student.status == "ACTIVE")).scalars().first()
    assert with_primary and personal_only
    result = send(client, admin, recipientType="STUDENTS",
                  studentIds=gids("Student", [with_primary.id, personal_only.id]))["data"]["sendMessage"]
    assert result["__typename"] == "SendMessageSuccess", result
    wait_for_message(client, admin, result["message"]["id"])
    addresses = {d["address"] for d in all_deliveries(client, admin, result["message"]["id"])}
    assert addresses == {with_primary.primary_email, personal_only.personal_email}


def test_cmp_01_blank_subject_becomes_new_message(client, admin, db):
    """Covers CMP-01."""
    student = db.execute(select(Student.id).where(Student.status == "ACTIVE")).scalars().first()
    result = send(client, admin, subject="   ", recipientType="STUDENTS", studentIds=[gid("Student", student)])
    assert result["data"]["sendMessage"]["message"]["subject"] == "New Message"


def test_sms_voice_push_deliveries_are_written_by_the_outbox(client, engine, admin, db):
    """Covers PERM-24, PERM-38, PERM-22, SYS-09, SYS-10: every channel goes through the plugin; contact
    flags decide eligibility (no Callout → NO_CALLOUT, Blocked → BLOCKED, no SMS flag → NO_SMS,
    Unsubscribe → UNSUBSCRIBED, the email opt-out toggle → OPTED_OUT). The in-app rows of the
    contacts with an account are DELIVERED whatever the card's flags (INB-08, SET-05) and never reach
    a plugin."""
    enrolled = select(Enrollment.student_id)
    students = db.execute(select(Student.id).where(Student.id.in_(enrolled), Student.status == "ACTIVE")
                          .order_by(Student.id).limit(150)).scalars().all()
    app_users = db.execute(select(Contact.user_id).where(Contact.student_id.in_(students), Contact.custodial,
                                                         Contact.user_id.is_not(None)).limit(5)).scalars().all()
    for user_id in app_users:  # push reaches users of the app (CMP-08)
        add_app_device(engine, user_id)
    result = send_confirmed(client, admin, channels=["EMAIL", "SMS", "VOICE", "PUSH"], recipientType="PRIMARY_CONTACTS",
                            studentIds=gids("Student", students))
    assert result["__typename"] == "SendMessageSuccess", result
    deadline = time.monotonic() + 60
    while wait_for_message(client, admin, result["message"]["id"], timeout=0)["status"] != "COMPLETED":
        assert time.monotonic() < deadline, "the message did not complete"
        queue_tick()  # push goes out only in queue runs (JOB-04)
        time.sleep(0.2)
    rows = db.execute(select(Delivery, Contact).join(Contact, Contact.id == Delivery.recipient_id)
                      .where(Delivery.message_id == pk_of(result["message"]["id"]))).all()
    assert {d.channel for d, _ in rows} == {"EMAIL", "SMS", "VOICE", "PUSH", "INAPP"}
    in_app = [(d, c) for d, c in rows if d.channel == "INAPP"]
    assert all(d.status == ("INACTIVE" if c.status != "ACTIVE" else "DELIVERED") or d.status == "DUPLICATE"
               for d, c in in_app)
    assert any(d.status == "DELIVERED" and (c.blocked or not c.callout or c.unsubscribe) for d, c in in_app)
    unsubscribed = [d for d, c in rows if d.channel == "EMAIL" and d.address and c.unsubscribe]
    assert unsubscribed and all(d.status == "UNSUBSCRIBED" for d in unsubscribed)
    opted_out_email = [d for d, c in rows if d.channel == "EMAIL" and d.address and c.email_opt_out and not c.unsubscribe]
    assert opted_out_email and all(d.status == "OPTED_OUT" for d in opted_out_email)
    for delivery, contact in rows:
        if delivery.channel in ("SMS", "VOICE") and delivery.address and not contact.callout:
            assert delivery.status == "NO_CALLOUT"
        elif delivery.channel in ("SMS", "VOICE") and delivery.address and contact.blocked:
            assert delivery.status == "BLOCKED"
        elif delivery.channel == "SMS" and delivery.address and not contact.sms:
            assert delivery.status == "NO_SMS"
    sms_lines = [json.loads(line) for line in (OUTBOX_DIR / "sms.jsonl").read_text().splitlines()]
    sent_sms = {str(d.id) for d, _ in rows if d.channel == "SMS" and d.status == "SENT"}
    assert sent_sms and sent_sms <= {line["reference"] for line in sms_lines}
    push_lines = [json.loads(line) for line in (OUTBOX_DIR / "push.jsonl").read_text().splitlines()]
    ours = [line for line in push_lines if line["message_id"] == pk_of(result["message"]["id"])]
    assert ours and all("Picture day" not in json.dumps(line) for line in ours)  # no content in push
    transmitted = {line["reference"] for line in sms_lines + ours}
    assert not transmitted & {str(d.id) for d, _ in in_app}
    assert not any((OUTBOX_DIR / "email" / f"{d.id}.eml").exists() for d, _ in in_app)


# --- every permission that gates an option: denied → FORBIDDEN, nothing written -----------------

GATES = [
    ("PERM-12 priority", Perm.SEND_AS_PRIORITY, {"priority": True}),
    ("PERM-39 emergency", Perm.EMERGENCY_CALLS, {"emergency": True, "channels": ["SMS"]}),
    ("PERM-10 send as district", Perm.SEND_FROM_DISTRICT, {"sendAsDistrict": True}),
    ("PERM-11 send as school", Perm.SEND_FROM_SCHOOL, {"sendAsSchoolId": gid("School", 1)}),
    ("PERM-21 staff recipients", Perm.SEND_TO_STAFF, {"staffIds": [gid("User", 1)]}),
    ("PERM-24 SMS", Perm.SEND_SMS, {"channels": ["SMS"]}),
    ("PERM-38 calls", Perm.PHONE_CALLS, {"channels": ["VOICE"]}),
    ("PERM-22 push", Perm.PUSH_NOTIFICATIONS, {"channels": ["PUSH"]}),
    ("PERM-14 students type", Perm.SEND_TO_STUDENT, {"recipientType": "STUDENTS"}),
    ("PERM-16 primary contacts type", Perm.SEND_TO_PRIMARY_CONTACTS, {"recipientType": "PRIMARY_CONTACTS"}),
    ("PERM-08 send messages", Perm.SEND_MESSAGES, {}),
    ("PERM-06 communication", Perm.COMMUNICATION, {}),
]


@pytest.mark.parametrize("label,perm,fields", GATES, ids=[g[0] for g in GATES])
def test_perm_02_each_gated_option_is_forbidden_without_its_permission(client, engine, db, label, perm, fields):
    """Covers PERM-02 and each gate: PERM-06, PERM-08, PERM-09, PERM-10, PERM-11, PERM-12, PERM-14, PERM-16,
    PERM-21, PERM-22, PERM-24, PERM-38, PERM-39."""
    token = make_user(engine, Role.ADMIN, without=[perm])
    student = db.execute(select(Student.id).where(Student.status == "ACTIVE")).scalars().first()
    payload = {"recipientType": "STUDENTS", "studentIds": [gid("Student", student)], **fields}
    before = row_counts(engine)
    body = send(client, token, **payload)
    assert body["data"] is None or body["data"].get("sendMessage") is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert perm.value and body["errors"][0]["extensions"]["permission"]
    assert row_counts(engine) == before
    # The same request with the permission held is accepted or rejected only for its data.
    allowed = make_user(engine, Role.ADMIN)
    body = send(client, allowed, **payload)
    assert "errors" not in body, body


def test_perm_03_callout_addon_off_forbids_sms_whatever_the_profile(client, engine, db):
    """Covers PERM-03: without the Call Out add-on SMS and calls are unavailable to everyone."""
    token = make_user(engine, Role.ADMIN)
    student = db.execute(select(Student.id).where(Student.status == "ACTIVE")).scalars().first()
    previous = set_district(engine, addon_callout=False)
    try:
        before = row_counts(engine)
        body = send(client, token, channels=["SMS"], recipientType="STUDENTS", studentIds=[gid("Student", student)])
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert body["errors"][0]["extensions"]["addon"] == "callout"
        assert row_counts(engine) == before
    finally:
        set_district(engine, **previous)


def test_perm_04_teacher_profile_cannot_grant_admin_only_options(client, engine, db):
    """Covers PERM-04: an admin-only permission granted on a teacher profile never takes effect."""
    token = make_user(engine, Role.TEACHER, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES, Perm.SEND_TO_STUDENT,
                                                   Perm.SEND_AS_PRIORITY, Perm.SEND_FROM_DISTRICT])
    before = row_counts(engine)
    body = send(client, token, priority=True, recipientType="STUDENTS", studentIds=[gid("Student", 1)])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert row_counts(engine) == before


# --- bad input: field errors with path and code, nothing written ---------------------------------

def _errors(body):
    result = body["data"]["sendMessage"]
    assert result["__typename"] == "SendMessageErrors", body
    return result["errors"]


def test_cmp_02_empty_recipients_is_a_field_error(client, engine, admin):
    """Covers CMP-02."""
    before = row_counts(engine)
    errors = _errors(send(client, admin, recipientType="STUDENTS", studentIds=[]))
    assert [(e["field"], e["code"]) for e in errors] == [("input.studentIds", "RECIPIENTS_EMPTY")]
    assert row_counts(engine) == before


def test_unknown_and_out_of_scope_student_ids_are_not_found(client, engine, teacher, db):
    """Covers RCP-17: a teacher cannot reach a student outside their sections; unknown ids likewise, and
    so are a bare row number and an id of another kind naming a student of their own (issue 17)."""
    section = first_section_with_students(client, teacher)
    mine = [s["id"] for s in section["students"]]
    sections = gql(client, SECTIONS, token=teacher)["data"]["sections"]["nodes"]
    reachable = {s["id"] for sec in sections for s in sec["students"]}
    outsider = db.execute(select(Student.id).where(Student.id.not_in([pk_of(i) for i in reachable]))).scalars().first()
    before = row_counts(engine)
    errors = _errors(send(client, teacher, recipientType="PRIMARY_CONTACTS",
                          studentIds=[mine[0], gid("Student", 999999), gid("Student", outsider), "abc",
                                      str(pk_of(mine[1])), gid("Contact", pk_of(mine[1]))]))
    by_field = {e["field"]: e["code"] for e in errors}
    assert by_field == {"input.studentIds.1": "NOT_FOUND", "input.studentIds.2": "NOT_FOUND",
                        "input.studentIds.3": "NOT_FOUND", "input.studentIds.4": "NOT_FOUND",
                        "input.studentIds.5": "NOT_FOUND"}
    assert row_counts(engine) == before


def test_over_long_subject_is_too_long(client, engine, admin):
    before = row_counts(engine)
    errors = _errors(send(client, admin, subject="x" * 201, recipientType="STUDENTS", studentIds=[gid("Student", 1)]))
    assert [(e["path"], e["code"]) for e in errors] == [(["input", "subject"], "TOO_LONG")]
    assert "200" in errors[0]["message"]
    assert row_counts(engine) == before


def test_issue_13_10_control_characters_in_header_fields_are_refused(client, engine, admin):
    """Covers CMP-22 (issue 13 point 10): a subject or Cc address carrying CR/LF (a header injection)
    or another control character is a field error with its path and INVALID_CHARACTERS; nothing is
    written, so no email composer ever meets it."""
    before = row_counts(engine)
    fields = dict(recipientType="STUDENTS", studentIds=[gid("Student", 1)], cc=["office@lincoln.example.org",
                                                                  "a@b.example.org\r\nBcc: all@evil.example"])
    errors = _errors(send(client, admin, subject="Picture day\r\nBcc: all@evil.example", **fields))
    assert [(e["path"], e["code"]) for e in errors] == [(["input", "subject"], "INVALID_CHARACTERS"),
                                                        (["input", "cc", "1"], "INVALID_CHARACTERS")]
    assert all("control characters" in e["message"] for e in errors)
    for subject in ("Tab\tseparated", "Line\u2028separator"):
        errors = _errors(send(client, admin, subject=subject, recipientType="STUDENTS", studentIds=[gid("Student", 1)]))
        assert [(e["field"], e["code"]) for e in errors] == [("input.subject", "INVALID_CHARACTERS")], subject
    # NUL, which PostgreSQL text cannot hold, is refused for every string before any resolver runs
    # (graph.nul_characters; issue 17 "Proof: fuzzing"), with the variable's path
    refused = send(client, admin, subject="Null\x00byte", recipientType="STUDENTS", studentIds=[gid("Student", 1)])
    assert [e["extensions"] for e in refused["errors"]] == [{"code": "BAD_USER_INPUT", "path": ["input", "subject"]}]
    assert row_counts(engine) == before


def test_cmp_15_send_as_district_and_school_conflict(client, engine, admin):
    """Covers CMP-15."""
    before = row_counts(engine)
    errors = _errors(send(client, admin, sendAsDistrict=True, sendAsSchoolId=gid("School", 1), recipientType="STUDENTS",
                          studentIds=[gid("Student", 1)]))
    assert ("input.sendAsSchoolId", "CONFLICT") in [(e["field"], e["code"]) for e in errors]
    assert row_counts(engine) == before


def test_missing_recipient_type_and_channels_are_required(client, engine, admin):
    """Students need a recipient type; a message needs a channel."""
    before = row_counts(engine)
    errors = _errors(send(client, admin, studentIds=[gid("Student", 1)]))
    assert [(e["field"], e["code"]) for e in errors] == [("input.recipientType", "REQUIRED")]
    errors = _errors(send(client, admin, channels=[], recipientType="STUDENTS", studentIds=[gid("Student", 1)]))
    assert [(e["field"], e["code"]) for e in errors] == [("input.channels", "REQUIRED")]
    assert row_counts(engine) == before


TEACHER_GATES = [
    ("PERM-55 SMS", Perm.SEND_SMS, {"channels": ["SMS"]}),
    ("PERM-56 calls", Perm.PHONE_CALLS, {"channels": ["VOICE"]}),
    ("PERM-53 push", Perm.PUSH_NOTIFICATIONS, {"channels": ["PUSH"]}),
    ("PERM-52 staff", Perm.SEND_TO_STAFF, {"staffIds": [gid("User", 1)]}),
    ("PERM-47 primary contacts", Perm.SEND_TO_PRIMARY_CONTACTS, {"recipientType": "PRIMARY_CONTACTS"}),
    ("PERM-45 send messages", Perm.SEND_MESSAGES, {}),
]


@pytest.mark.parametrize("label,perm,fields", TEACHER_GATES, ids=[g[0] for g in TEACHER_GATES])
def test_teacher_gates_are_forbidden_without_their_permission(client, engine, label, perm, fields):
    """Covers PERM-45, PERM-47, PERM-52, PERM-53, PERM-55, PERM-56 for the teacher role."""
    teacher_perms = [Perm.COMMUNICATION, Perm.SEND_MESSAGES, Perm.SEND_TO_STUDENT, Perm.SEND_TO_PRIMARY_CONTACTS,
                     Perm.SEND_TO_STAFF, Perm.PUSH_NOTIFICATIONS, Perm.SEND_SMS, Perm.PHONE_CALLS]
    token = make_user(engine, Role.TEACHER, perms=teacher_perms, without=[perm])
    before = row_counts(engine)
    body = send(client, token, **{"recipientType": "STUDENTS", "studentIds": [gid("Student", 1)], **fields})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert row_counts(engine) == before


def test_mrg_03_inactive_students_are_not_offered_or_accepted(client, engine, admin, db):
    """Covers MRG-03: an inactive student is neither listed nor accepted as a new recipient."""
    inactive = db.execute(select(Student).where(Student.status == "INACTIVE")).scalars().first()
    assert inactive is not None
    listed = gql(client, """query($s: String) { students(search: $s, first: 100) { edges { node { id } } } }""",
                 {"s": inactive.last_name}, admin)["data"]["students"]["edges"]
    assert gid("Student", inactive.id) not in {edge["node"]["id"] for edge in listed}
    before = row_counts(engine)
    errors = _errors(send(client, admin, recipientType="STUDENTS", studentIds=[gid("Student", inactive.id)]))
    assert [(e["field"], e["code"]) for e in errors] == [("input.studentIds.0", "NOT_FOUND")]
    assert row_counts(engine) == before


def test_parent_without_communication_cannot_use_the_module(client, engine):
    """Covers PERM-59: family users need Communication (View) too."""
    token = make_user(engine, Role.PARENT, perms=[Perm.SEND_MESSAGES])
    body = gql(client, "{ schools { nodes { id } } }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
