"""recipientPlan and sendMessage over HTTP: the plan matches fan-out, counts, confirmation."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from domain.dispatch import dispatch_deliveries
from domain.fan_out import fan_out, queued_delivery_chunks
from domain.messages import create_message
from domain.optouts import record_opt_out
from domain.permissions import Perm
from factories import add_contact, add_student, email, first_school_id, phone, seeded_students
from helpers import count_statements, gql, make_user, row_counts, set_district, token_for, wait_for_message
from jobs.runtime import channel_registry
from models.db import session_scope
from models.directory import Role
from models.messaging import Channel, Delivery, StudentRecipientType as RT
from resolve import request, resolve, viewer_for

PLAN = """
query Plan($input: SendMessageInput!, $first: Int!, $after: String, $willSend: Boolean) {
  recipientPlan(input: $input, first: $first, after: $after, willSend: $willSend) {
    __typename
    ... on RecipientPlan {
      recipientCount confirmationRequired selectedStudents possibleStudents selectedStaff possibleStaff
      outcomes { channel status count }
      deliveries { totalCount hasNextPage endCursor
        nodes { channel recipientKind recipientId studentId recipientName address language status willSend } }
    }
    ... on SendMessageErrors { errors { field code message } }
  }
}
"""

SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    __typename
    ... on SendMessageSuccess { recipientCount message { id } }
    ... on SendMessageConfirmationRequired { recipientCount detail }
    ... on SendMessageErrors { errors { field code message } }
  }
}
"""


def message_input(**fields):
    return {"htmlBody": "<p>Hello</p>", "channels": ["EMAIL"], **fields}


def active_student_ids(db, limit):
    return [str(i) for i in seeded_students(db, limit=limit)]


@pytest.mark.parametrize("recipient_type", [kind.value for kind in RT])
def test_plan_matches_what_fan_out_writes_for_every_type(engine, db, recipient_type):
    """Covers RCP-01 (every type resolves) and the plan-equals-fan-out rule, on the seeded district
    with every channel, including DUPLICATE rows for once-per-family."""
    students = [int(i) for i in active_student_ids(db, 400)]
    channels = ("EMAIL", "SMS", "VOICE", "PUSH")
    planned, _ = resolve(engine, "admin", recipient_type, students, channels=channels)
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"),
                                 request(recipient_type, students, channels=channels))
        fan_out(session, message.id)
        written = session.execute(select(Delivery.channel, Delivery.recipient_kind, Delivery.recipient_id,
                                         Delivery.address, Delivery.status)
                                  .where(Delivery.message_id == message.id)).all()
    plan_rows = Counter((r["channel"], r["recipient_kind"], r["recipient_id"], r["address"], r["status"])
                        for r in planned)
    assert plan_rows == Counter(tuple(row) for row in written)
    assert len(planned) > 0


def test_plan_over_http_counts_pages_and_reasons(client, engine, db):
    """Covers RCP-18: selected of possible; every planned delivery has a channel, address and
    outcome; pages cover the whole plan once."""
    token = token_for(engine, "admin")
    students = active_student_ids(db, 30)
    variables = {"input": message_input(recipientType="ALL_CONTACTS", studentIds=students, channels=["EMAIL", "SMS"]),
                 "first": 25}
    before = row_counts(engine)
    plan = gql(client, PLAN, variables, token)["data"]["recipientPlan"]
    assert row_counts(engine) == before  # a plan writes nothing
    assert plan["selectedStudents"] == 30 and plan["possibleStudents"] > 30
    assert sum(o["count"] for o in plan["outcomes"]) == plan["deliveries"]["totalCount"]
    seen, after = [], None
    while True:
        page = gql(client, PLAN, {**variables, "after": after}, token)["data"]["recipientPlan"]["deliveries"]
        seen += page["nodes"]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert len(seen) == plan["deliveries"]["totalCount"]
    assert {n["willSend"] for n in seen} == {True, False}
    assert all(n["willSend"] == (n["status"] in ("QUEUED", "DEFERRED")) for n in seen)
    not_sent = gql(client, PLAN, {**variables, "first": 500, "willSend": False}, token)["data"]["recipientPlan"]
    assert {n["status"] for n in not_sent["deliveries"]["nodes"]} <= {
        "NO_CONTACT_INFO", "OPTED_OUT", "BLOCKED", "NO_CALLOUT", "INACTIVE", "EXCLUDED_SCHOOL"}


def test_plan_rejects_bad_input_like_send(client, engine):
    token = token_for(engine, "admin")
    body = gql(client, PLAN, {"input": message_input(recipientType="STUDENTS", studentIds=["999999"]), "first": 10},
               token)
    assert body["data"]["recipientPlan"]["errors"][0]["field"] == "input.studentIds.0"


def test_cmp_27_more_than_100_recipients_needs_the_confirmed_count(client, engine, db):
    """Covers CMP-27: 101 recipients → confirmation required with the count, nothing written; the
    same request carrying that count sends; exactly 100 needs no confirmation."""
    token = token_for(engine, "admin")
    students = active_student_ids(db, 101)
    before = row_counts(engine)
    first = gql(client, SEND, {"input": message_input(recipientType="STUDENTS", studentIds=students)}, token)
    result = first["data"]["sendMessage"]
    assert result == {"__typename": "SendMessageConfirmationRequired", "recipientCount": 101,
                      "detail": "This message reaches 101 recipients; confirm the count to send."}
    assert row_counts(engine) == before
    wrong = gql(client, SEND, {"input": message_input(recipientType="STUDENTS", studentIds=students,
                                                      confirmedRecipientCount=100)}, token)
    assert wrong["data"]["sendMessage"]["__typename"] == "SendMessageConfirmationRequired"
    confirmed = gql(client, SEND, {"input": message_input(recipientType="STUDENTS", studentIds=students,
                                                          confirmedRecipientCount=101)}, token)
    assert confirmed["data"]["sendMessage"]["recipientCount"] == 101
    exactly_100 = gql(client, SEND, {"input": message_input(recipientType="STUDENTS", studentIds=students[:100])},
                      token)
    assert exactly_100["data"]["sendMessage"]["__typename"] == "SendMessageSuccess"


def test_sys_04_always_confirm_applies_to_staff_not_family(client, engine, db):
    """Covers SYS-04 and the family exception of CMP-27."""
    previous = set_district(engine, always_confirm_recipient_count=True)
    try:
        token = token_for(engine, "admin")
        one = active_student_ids(db, 1)
        result = gql(client, SEND, {"input": message_input(recipientType="STUDENTS", studentIds=one)}, token)
        assert result["data"]["sendMessage"] == {
            "__typename": "SendMessageConfirmationRequired", "recipientCount": 1,
            "detail": "This message reaches 1 recipients; confirm the count to send."}
        plan = gql(client, PLAN, {"input": message_input(recipientType="STUDENTS", studentIds=one), "first": 1},
                   token)["data"]["recipientPlan"]
        assert plan["confirmationRequired"] is True
    finally:
        set_district(engine, **previous)


def test_resolution_statements_do_not_grow_with_students(engine, db):
    """Set-based: the plan issues the same number of statements for 5 or 300 students."""
    counts = []
    for size in (5, 300):
        students = [int(i) for i in active_student_ids(db, size)]
        with count_statements(engine) as statements:
            for kind in ("ALL_CONTACTS", "ONCE_PER_FAMILY", "TEACHERS_OF"):
                resolve(engine, "admin", kind, students, channels=("EMAIL", "SMS"))
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_an_sms_stop_arriving_after_fan_out_is_honoured_at_dispatch(engine):
    """Opt-outs recorded by a channel after planning stop the send: the row becomes OPTED_OUT."""
    school = first_school_id(engine)
    kid = add_student(engine, school)
    number = phone()
    add_contact(engine, kid, mobile_phone=number, email=email())
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"),
                                 request("PRIMARY_CONTACTS", [kid], channels=("SMS",)))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 100)
    with session_scope(engine) as session:
        assert record_opt_out(session, Channel.SMS, number, source="STOP") is True
        assert record_opt_out(session, Channel.SMS, number, source="STOP") is False
    result = dispatch_deliveries(engine, channel_registry(), chunks[0])
    assert result.sent == 0
    with session_scope(engine) as session:
        status = session.execute(select(Delivery.status).where(Delivery.message_id == message.id)).scalar_one()
    assert status == "OPTED_OUT"


@pytest.mark.parametrize("kind,perms", [
    ("STUDENT_PERSONAL", [Perm.SEND_TO_STUDENT_PERSONAL]),
    ("ALL_CONTACTS", [Perm.SEND_TO_ALL_CONTACTS]),
    ("ONCE_PER_FAMILY", [Perm.SEND_TO_ONCE_PER_FAMILY]),
    ("TEACHERS_OF", [Perm.SEND_TO_TEACHERS_OF]),
    ("STUDENTS_AND_ALL_CONTACTS", [Perm.SEND_TO_STUDENT, Perm.SEND_TO_ALL_CONTACTS]),
    ("STUDENTS_AND_PRIMARY_CONTACTS", [Perm.SEND_TO_STUDENT, Perm.SEND_TO_PRIMARY_CONTACTS]),
])
def test_rcp_01_each_type_needs_its_permissions(client, engine, db, kind, perms):
    """Covers RCP-01, PERM-15, PERM-17, PERM-18, PERM-19, PERM-20: without any one of a type's
    permissions the type is not offered and is FORBIDDEN; with them it is."""
    one = active_student_ids(db, 1)
    for missing in perms:
        token = make_user(engine, Role.ADMIN, without=[missing])
        compose = gql(client, "{ viewer { compose { recipientTypes } } }", token=token)["data"]["viewer"]["compose"]
        assert kind not in compose["recipientTypes"]
        body = gql(client, SEND, {"input": message_input(recipientType=kind, studentIds=one)}, token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    token = make_user(engine, Role.ADMIN)
    body = gql(client, SEND, {"input": message_input(recipientType=kind, studentIds=one)}, token)
    assert body["data"]["sendMessage"]["__typename"] == "SendMessageSuccess"
    wait_for_message(client, token, body["data"]["sendMessage"]["message"]["id"])


def test_rcp_02_default_recipient_type_only_when_allowed(client, engine):
    """Covers RCP-02."""
    previous = set_district(engine, default_recipient_type="ALL_CONTACTS")
    try:
        query = "{ viewer { compose { defaultRecipientType } } }"
        admin = gql(client, query, token=token_for(engine, "admin"))["data"]["viewer"]["compose"]
        limited = gql(client, query, token=make_user(engine, Role.ADMIN, without=[Perm.SEND_TO_ALL_CONTACTS]))
        assert admin["defaultRecipientType"] == "ALL_CONTACTS"
        assert limited["data"]["viewer"]["compose"]["defaultRecipientType"] is None
    finally:
        set_district(engine, **previous)
