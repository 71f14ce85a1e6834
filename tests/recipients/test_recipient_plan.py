"""recipientPlan and sendMessage over HTTP: the plan matches fan-out, counts, confirmation."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from domain.inbound.optouts import record_opt_out
from domain.access.permissions import Perm
from factories import (
    add_contact,
    add_student,
    email,
    first_school_id,
    link_siblings,
    phone,
    unique,
)
from helpers import count_statements, gid, gids, gql, pk_of, make_user, row_counts, set_district, token_for, wait_for_message
from jobs.runtime import current
from models.db import session_scope
from models.directory import Role
from models.messaging import NOT_SENT_DELIVERY_STATUSES, Channel, Delivery, StudentRecipientType as RT
from resolve import request, resolve, viewer_for
from shared_steps import active_student_ids

PLAN = """
query Plan($input: SendMessageInput!, $first: Int!, $after: String, $willSend: Boolean) {
  recipientPlan(input: $input, first: $first, after: $after, willSend: $willSend) {
    __typename
    ... on RecipientPlan {
      recipientCount confirmationRequired selectedStudents possibleStudents selectedStaff possibleStaff
      outcomes { channel status count }
      deliveries { totalCount pageInfo { hasNextPage endCursor }
        nodes { channel recipientKind recipientId studentId recipientName address language status willSend } }
    }
    ... on RecipientPlanErrors { errors { field code message } }
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


@pytest.mark.parametrize("recipient_type", [kind.value for kind in RT])
def test_plan_matches_what_fan_out_writes_for_every_type(engine, db, recipient_type):
    """Covers RCP-01 (every type resolves) and the plan-equals-fan-out rule, on the seeded district
    with every channel, including DUPLICATE rows for once-per-family (the send given the plan's
    once-per-family seed, RCP-09)."""
    students = [pk_of(i) for i in active_student_ids(db, 400)]
    channels = ("EMAIL", "SMS", "VOICE", "PUSH")
    planned, summary = resolve(engine, "admin", recipient_type, students, channels=channels)
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            recipient_type, students, channels=channels, family_seed=summary.family_seed))
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
    outcome; pages cover the whole plan once; the plan lists the in-app rows too (PERM-59, RCP-10)."""
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
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == plan["deliveries"]["totalCount"]
    # the plan names each recipient by the global id of its kind, and the student it is for by a Student id
    kinds = {"STUDENT": "Student", "CONTACT": "Contact", "USER": "User", "IMPORTED": "ImportedRecipient"}
    assert all(n["recipientId"] == gid(kinds[n["recipientKind"]], pk_of(n["recipientId"])) for n in seen)
    assert {n["studentId"] for n in seen} <= set(students) | {None}
    assert {n["studentId"] for n in seen} & set(students)
    assert {n["willSend"] for n in seen} == {True, False}
    # An in-app row reaches its reader at fan-out (DELIVERED); a second one for the same account is
    # DUPLICATE (RCP-10).
    assert all(n["willSend"] == (n["status"] in ("QUEUED", "DEFERRED", "DELIVERED")) for n in seen)
    in_app = [n for n in seen if n["channel"] == "INAPP"]
    assert in_app and {n["status"] for n in in_app} <= {"DELIVERED", "DUPLICATE", "INACTIVE"}
    assert all(n["address"].startswith("user:") for n in in_app)
    delivered = [n["address"] for n in in_app if n["status"] == "DELIVERED"]
    assert len(delivered) == len(set(delivered))
    assert {o["channel"] for o in plan["outcomes"]} == {"EMAIL", "SMS", "INAPP"}
    not_sent = gql(client, PLAN, {**variables, "first": 100, "willSend": False}, token)["data"]["recipientPlan"]
    assert {n["status"] for n in not_sent["deliveries"]["nodes"]} <= {s.value for s in NOT_SENT_DELIVERY_STATUSES}


def test_plan_rejects_bad_input_like_send(client, engine, db):
    token = token_for(engine, "admin")
    real = pk_of(active_student_ids(db, 1)[0])
    # a missing student, and a bare number or another kind's id naming a real one, are alike NOT_FOUND
    for missing in (gid("Student", 999999), str(real), gid("Contact", real), gid("Message", real)):
        body = gql(client, PLAN, {"input": message_input(recipientType="STUDENTS", studentIds=[missing]), "first": 10},
                   token)
        assert [(e["field"], e["code"]) for e in body["data"]["recipientPlan"]["errors"]] == [
            ("input.studentIds.0", "NOT_FOUND")], missing


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
        students = [pk_of(i) for i in active_student_ids(db, size)]
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
    result = dispatch_deliveries(engine, current().registry, chunks[0], current().delivery)
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


FAMILY_PLAN = """
query Plan($input: SendMessageInput!) {
  recipientPlan(input: $input, first: 100) {
    ... on RecipientPlan { familySeed deliveries { nodes { channel recipientKind recipientId address status reason } } }
  }
}
"""

SEND_ASKING_SEED = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { __typename ... on SendMessageConfirmationRequired { recipientCount familySeed } }
}
"""

SENT_DELIVERIES = """
query Sent($id: ID!) {
  message(id: $id) { familySeed deliveries(first: 100) { edges { node {
    channel recipientKind recipientId address } } } }
}
"""


def _families(engine, count: int, size: int) -> list[str]:
    school = first_school_id(engine)
    kids = []
    for _ in range(count):
        family = [add_student(engine, school) for _ in range(size)]
        link_siblings(engine, *family)
        for kid in family:
            add_contact(engine, kid, custodial=True, email=email("parent"))
        kids += family
    return gids("Student", kids)


def _sent_rows(client, token, message_id: str) -> tuple[int, Counter]:
    message = gql(client, SENT_DELIVERIES, {"id": message_id}, token)["data"]["message"]
    return message["familySeed"], Counter(tuple(edge["node"].values()) for edge in message["deliveries"]["edges"])


def test_rcp_09_the_send_given_the_plans_seed_reaches_the_students_the_plan_picked(client, engine):
    """Covers RCP-09, CMP-27 (issue 13 point 17): each recipientPlan draws its own random
    once-per-family seed and reports it; sendMessage given the plan's familySeed writes exactly the
    planned deliveries and records the seed; a confirmation request returns the seed its count was
    made with, and the confirmed send keeps it."""
    token = token_for(engine, "admin")
    kids = _families(engine, count=6, size=3)
    fields = message_input(recipientType="ONCE_PER_FAMILY", studentIds=kids)
    plans = [gql(client, FAMILY_PLAN, {"input": fields}, token)["data"]["recipientPlan"] for _ in range(3)]
    assert len({plan["familySeed"] for plan in plans}) == 3  # a fresh draw each time
    plan = plans[0]
    assert {n["status"] for n in plan["deliveries"]["nodes"]} == {"QUEUED"}
    planned = Counter((n["channel"], n["recipientKind"], n["recipientId"], n["address"])
                      for n in plan["deliveries"]["nodes"])
    sent = gql(client, SEND, {"input": {**fields, "familySeed": plan["familySeed"]}}, token)["data"]["sendMessage"]
    seed, written = _sent_rows(client, token, sent["message"]["id"])
    assert seed == plan["familySeed"] and written == planned and sum(planned.values()) == 6

    previous = set_district(engine, always_confirm_recipient_count=True)
    try:
        asked = gql(client, SEND_ASKING_SEED, {"input": fields}, token)["data"]["sendMessage"]
        assert (asked["__typename"], asked["recipientCount"]) == ("SendMessageConfirmationRequired", 6)
        confirmed = gql(client, SEND, {"input": {**fields, "familySeed": asked["familySeed"],
                                                 "confirmedRecipientCount": 6}}, token)["data"]["sendMessage"]
        assert confirmed["__typename"] == "SendMessageSuccess"
        assert _sent_rows(client, token, confirmed["message"]["id"])[0] == asked["familySeed"]
    finally:
        set_district(engine, **previous)


def test_cmp_27_a_confirmed_once_per_family_count_needs_its_seed(client, engine):
    """Covers CMP-27, RCP-09 (issue 13 point 17, found in review): a confirmed once-per-family count
    is the count of one pick. Confirmed without the familySeed it came with, a fresh draw could reach
    another count and ask again, without end; it is a field error instead, and nothing is written."""
    token = token_for(engine, "admin")
    fields = message_input(recipientType="ONCE_PER_FAMILY", studentIds=_families(engine, count=2, size=2))
    before = row_counts(engine)
    body = gql(client, SEND, {"input": {**fields, "confirmedRecipientCount": 2}}, token)["data"]["sendMessage"]
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("input.familySeed", "REQUIRED")]
    assert row_counts(engine) == before
    sent = gql(client, SEND, {"input": {**fields, "confirmedRecipientCount": 2, "familySeed": 7}}, token)
    assert sent["data"]["sendMessage"]["__typename"] == "SendMessageSuccess"


def test_rcp_09_a_family_seed_out_of_range_is_refused_and_nothing_is_written(client, engine):
    """Covers RCP-09: familySeed is 0…2147483646; anything else is a field error, nothing written."""
    token = token_for(engine, "admin")
    fields = message_input(recipientType="ONCE_PER_FAMILY", studentIds=_families(engine, count=1, size=2))
    before = row_counts(engine)
    for bad in (-1, 2_147_483_647):
        body = gql(client, SEND, {"input": {**fields, "familySeed": bad}}, token)["data"]["sendMessage"]
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("input.familySeed", "INVALID")]
    assert row_counts(engine) == before


REASONS_REPORT = """
query Report($subject: String!) {
  communicationReport(filter: {search: $subject}, first: 5) { edges { node { statusCounts { status count } } } }
}
"""


def test_rpt_02_card_flags_and_address_opt_outs_are_separate_reasons_in_plan_and_report(client, engine):
    """Covers RPT-02, SYS-09, SYS-10, SMS-02 (issue 13 points 20 and 22): the contact's Unsubscribe flag
    (UNSUBSCRIBED), its SMS flag and a student phone without SMS (NO_SMS), and an address that opted
    out itself (OPTED_OUT) are three reasons in the plan, the message's counts and the report; the
    student's SMS flag is on the Student type."""
    token = token_for(engine, "admin")
    school = first_school_id(engine)
    first_name = unique("Reasons")
    kid = add_student(engine, school, first_name=first_name, primary_phone=phone(), sms_enabled=False)
    stopped = phone()
    add_contact(engine, kid, custodial=True, sort_order=1, email=email("unsub"), unsubscribe=True, sms=False,
                mobile_phone=phone())
    add_contact(engine, kid, custodial=True, sort_order=2, mobile_phone=stopped)
    with session_scope(engine) as session:
        record_opt_out(session, Channel.SMS, stopped, source="STOP")
    subject = unique("Reasons ")
    fields = {"subject": subject, **message_input(recipientType="STUDENTS_AND_PRIMARY_CONTACTS", studentIds=[gid("Student", kid)],
                                                  channels=["EMAIL", "SMS"])}
    plan = gql(client, PLAN, {"input": fields, "first": 50, "willSend": False}, token)["data"]["recipientPlan"]
    reasons = Counter((n["channel"], n["status"]) for n in plan["deliveries"]["nodes"])
    expected = Counter({("EMAIL", "UNSUBSCRIBED"): 1, ("SMS", "NO_SMS"): 2, ("SMS", "OPTED_OUT"): 1,
                        ("EMAIL", "NO_CONTACT_INFO"): 2})
    assert reasons == expected
    reason_of = gql(client, FAMILY_PLAN, {"input": fields}, token)["data"]["recipientPlan"]["deliveries"]["nodes"]
    assert {n["reason"] for n in reason_of if n["status"] != "QUEUED"} == {
        "UNSUBSCRIBED", "NO_SMS", "OPTED_OUT", "NO_CONTACT_INFO"}
    sent = gql(client, SEND, {"input": fields}, token)["data"]["sendMessage"]
    counts = {c["status"]: c["count"] for c in wait_for_message(client, token, sent["message"]["id"])["deliveryCounts"]}
    assert counts == {"UNSUBSCRIBED": 1, "NO_SMS": 2, "OPTED_OUT": 1, "NO_CONTACT_INFO": 2}
    [row] = gql(client, REASONS_REPORT, {"subject": subject}, token)["data"]["communicationReport"]["edges"]
    assert {c["status"]: c["count"] for c in row["node"]["statusCounts"]} == counts
    found = gql(client, "query($q: String) { students(search: $q) { edges { node { id smsEnabled } } } }",
                {"q": first_name}, token)["data"]["students"]["edges"]
    assert [edge["node"] for edge in found] == [{"id": gid("Student", kid), "smsEnabled": False}]
