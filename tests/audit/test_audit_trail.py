"""The audit trail's rows (issue 16 point 8): one per send, schedule, export, view of contact data
and partner read, written in the action's transaction, with ids and counts and never personal data."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
import strawberry
from sqlalchemy import func, select, update

from domain.audit.actions import AuditAction
from graph.context import Info
from graph.pagination import RECIPIENT_KINDS
from helpers import gid, gids, gql, pk_of, set_district, token_for
from models.audit import AuditLog, AuditStudentSet
from models.db import session_scope, utcnow
from models.directory import Contact, User
from models.messaging import Delivery
from models.scheduling import MessageSchedule
from shared_steps import SCHEDULE, family, message_input, schedule_in

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id } recipientCount }
  ... on SendMessageConfirmationRequired { recipientCount } } }"""
DELIVERIES = """query($id: ID!) { message(id: $id) { deliveries(first: 50) { edges { node { address studentId } } } } }"""


def audit_rows(engine, *where) -> list[AuditLog]:
    with session_scope(engine) as session:
        return list(session.execute(select(AuditLog).where(*where).order_by(AuditLog.id)).scalars())


def students_of(engine, digest: str | None) -> set[int]:
    with session_scope(engine) as session:
        return set(session.execute(select(AuditStudentSet.student_id).where(AuditStudentSet.digest == digest))
                   .scalars())


def latest_id(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.max(AuditLog.id))).scalar() or 0


def user_id(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one()


def assert_no_personal_data(engine, rows: list[AuditLog]) -> None:
    """Ids, counts and the request's origin only: no address, name or body in any column."""
    with session_scope(engine) as session:
        addresses = set(session.execute(select(Contact.email).where(Contact.email.is_not(None)).limit(500)).scalars())
    for row in rows:
        text = json.dumps(row.model_dump(), default=str)
        assert "@" not in text and not any(address in text for address in addresses)


def test_issue_16_point_8_a_send_writes_one_row_with_its_students_recipients_and_request(client, engine):
    """Issue 16 point 8: sendMessage writes one MESSAGE_SENT row naming the sender, the message, the
    students its deliveries concern, the recipient count, the caller's X-Request-ID and address."""
    token, kids = token_for(engine, "admin"), [family(engine), family(engine)]
    before, request_id = latest_id(engine), "req-" + uuid.uuid4().hex
    body = {**message_input(kids[0]), "studentIds": gids("Student", kids)}
    response = client.post("/graphql", json={"query": SEND, "variables": {"input": body}},
                           headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id})
    assert response.headers["x-request-id"] == request_id
    sent = response.json()["data"]["sendMessage"]
    [row] = audit_rows(engine, AuditLog.id > before, AuditLog.action == AuditAction.MESSAGE_SENT.value)
    assert row.actor_user_id == user_id(engine, "admin") and row.actor_key_id is None
    assert row.object_type == "message" and row.object_ids == [pk_of(sent["message"]["id"])]
    assert row.recipient_count == sent["recipientCount"] == 2
    assert row.request_id == request_id and row.client_address == "testclient"
    assert row.student_count == 2 and students_of(engine, row.students_digest) == set(kids)
    assert_no_personal_data(engine, [row])


def test_issue_16_point_8_a_rolled_back_send_leaves_no_row(client, engine):
    """Issue 16 point 8: the row is written in the send's transaction. A send refused after its
    rows were written (CMP-27, SYS-04: the confirmed count does not match, so everything rolls back)
    and a send rolled back by its caller leave no audit row, not even at a later commit."""
    from domain.access.viewer import load_viewer
    from domain.messages.request import SendMessageRequest
    from domain.messages.send import send_message
    from models.messaging import Channel, StudentRecipientType

    token, kid = token_for(engine, "admin"), family(engine)
    before = latest_id(engine)
    previous = set_district(engine, always_confirm_recipient_count=True)  # SYS-04: every send confirms
    try:
        refused = gql(client, SEND, {"input": {**message_input(kid), "confirmedRecipientCount": 7}}, token)
    finally:
        set_district(engine, **previous)
    assert refused["data"]["sendMessage"]["__typename"] == "SendMessageConfirmationRequired"
    assert latest_id(engine) == before
    with session_scope(engine) as session:
        viewer = load_viewer(session, user_id(engine, "admin"))
        message, count = send_message(session, viewer, SendMessageRequest(
            subject="Rolled back", html_body="<p>x</p>", channels=(Channel.EMAIL,),
            recipient_type=StudentRecipientType.PRIMARY_CONTACTS, student_ids=(kid,)))
        assert count == 1 and session.execute(select(func.count()).select_from(Delivery)
                                              .where(Delivery.message_id == message.id)).scalar() > 0
        session.rollback()
        # The same session commits something else afterwards: the rolled-back entry stays gone.
    assert latest_id(engine) == before


def test_issue_16_point_8_schedule_update_and_cancel_are_audited_and_the_send_when_it_goes_out(client, engine):
    """Issue 16 point 8: scheduleMessage, updateScheduledMessage and cancelScheduledMessage each
    write a row; a scheduled message going out at its queue run writes SCHEDULED_MESSAGE_SENT."""
    from domain.delivery.fan_out import hand_on
    from domain.scheduling.due_sends import send_due_scheduled

    token, kid = token_for(engine, "admin"), family(engine)
    before = latest_id(engine)
    scheduled = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600)},
                    token)["data"]["scheduleMessage"]
    message_id = pk_of(scheduled["message"]["id"])
    gql(client, """mutation($id: ID!, $input: SendMessageInput!) { updateScheduledMessage(id: $id, input: $input) {
        __typename } }""", {"id": gid("Message", message_id), "input": message_input(kid, subject="Changed")}, token)
    other = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600)},
                token)["data"]["scheduleMessage"]["message"]["id"]
    gql(client, "mutation($id: ID!) { cancelScheduledMessage(id: $id) { __typename } }", {"id": other}, token)
    rows = audit_rows(engine, AuditLog.id > before)
    assert [(r.action, r.object_ids) for r in rows] == [
        ("MESSAGE_SCHEDULED", [message_id]), ("SCHEDULE_UPDATED", [message_id]),
        ("MESSAGE_SCHEDULED", [pk_of(other)]), ("SCHEDULE_CANCELLED", [pk_of(other)])]
    assert all(students_of(engine, r.students_digest) == {kid} for r in rows)

    with session_scope(engine) as session:  # due now: the queue run sends it and its hand-on job fans it out
        session.execute(update(MessageSchedule).where(MessageSchedule.message_id == message_id)
                        .values(next_send_at=utcnow() - dt.timedelta(seconds=1)))
    with session_scope(engine) as session:
        assert message_id in send_due_scheduled(session, utcnow()).sent
    from jobs.runtime import current

    runtime = current()
    hand_on(engine, runtime.jobs, runtime.events, message_id)
    [went_out] = audit_rows(engine, AuditLog.action == "SCHEDULED_MESSAGE_SENT", AuditLog.id > before)
    assert went_out.object_ids == [message_id] and went_out.recipient_count == 1
    assert went_out.actor_user_id == user_id(engine, "admin") and went_out.request_id is None
    assert students_of(engine, went_out.students_digest) == {kid}


def test_issue_16_point_8_contact_data_shown_and_the_csv_export_are_audited(client, engine):
    """Issue 16 point 8: message(id).deliveries showing contacts' addresses writes CONTACT_DATA_VIEWED
    (a query: written when the operation ends), the CSV export writes REPORT_EXPORTED, both with
    the students concerned; recipientPlan, a dry run whose writes roll back, still audits what it showed."""
    token, kid = token_for(engine, "admin"), family(engine)
    message_id = gql(client, SEND, {"input": message_input(kid)}, token)["data"]["sendMessage"]["message"]["id"]
    before = latest_id(engine)
    shown = gql(client, DELIVERIES, {"id": message_id}, token)["data"]["message"]["deliveries"]["edges"]
    assert any("@" in edge["node"]["address"] for edge in shown)
    export = client.get(f"/reports/messages/{message_id}/deliveries.csv", headers={"Authorization": f"Bearer {token}"})
    assert export.status_code == 200 and "@" in export.text
    plan = gql(client, """query($input: SendMessageInput!) { recipientPlan(input: $input) { __typename
        ... on RecipientPlan { deliveries { nodes { address } } } } }""", {"input": message_input(kid)}, token)
    assert plan["data"]["recipientPlan"]["deliveries"]["nodes"]
    rows = audit_rows(engine, AuditLog.id > before)
    assert [(r.action, r.object_type, r.object_ids) for r in rows] == [
        ("CONTACT_DATA_VIEWED", "message", [pk_of(message_id)]), ("REPORT_EXPORTED", "message", [pk_of(message_id)]),
        ("CONTACT_DATA_VIEWED", "recipientPlan", [])]
    assert all(students_of(engine, r.students_digest) == {kid} for r in rows)
    assert_no_personal_data(engine, rows)


def test_issue_16_point_8_a_recipient_thread_showing_a_contact_s_address_is_audited(client, engine):
    """Issue 16 point 8: recipientThread with a student's contact lists the deliveries to them, with
    their address: one CONTACT_DATA_VIEWED row naming the messages shown and the student."""
    token, kid = token_for(engine, "admin"), family(engine)
    message_id = gql(client, SEND, {"input": message_input(kid)}, token)["data"]["sendMessage"]["message"]["id"]
    with session_scope(engine) as session:
        kind, recipient = session.execute(select(Delivery.recipient_kind, Delivery.recipient_id).where(
            Delivery.message_id == pk_of(message_id), Delivery.channel == "EMAIL")).one()
    before = latest_id(engine)
    thread = gql(client, """query($kind: RecipientKind!, $id: ID!) { recipientThread(recipientKind: $kind,
        recipientId: $id, first: 5) { entries { edges { node { deliveries { address } } } } } }""",
                 {"kind": kind, "id": gid(RECIPIENT_KINDS[kind], recipient)}, token)["data"]["recipientThread"]
    assert "@" in thread["entries"]["edges"][0]["node"]["deliveries"][0]["address"]
    [row] = audit_rows(engine, AuditLog.id > before)
    assert (row.action, row.object_type, row.object_ids) == ("CONTACT_DATA_VIEWED", "recipientThread",
                                                            [pk_of(message_id)])
    assert students_of(engine, row.students_digest) == {kid}


def test_issue_16_point_8_a_partner_key_reading_student_data_is_audited_once_per_field(engine, runtime):
    """Issue 16 point 8: a field declared with a student-data scope, resolved by a partner key
    (Viewer.key), writes one PARTNER_READ row naming the key and its creator, however many times
    the operation resolves it; a user's read of the same field writes none; on the event loop (a
    subscription) it is written too, off the loop."""
    import asyncio

    from domain.access.permissions import Perm
    from domain.access.scopes import KeyGrant, Scope
    from graph.context import Context
    from graph.permissions import requires
    from homeroom.auth import Credentials

    @strawberry.type
    class Query:
        @strawberry.field(**requires("Students of the key's schools.", Perm.COMMUNICATION,
                                     scopes=(Scope.DIRECTORY_READ,)))
        def pupils(self) -> int:
            return 3

    schema = strawberry.Schema(query=Query)
    admin = user_id(engine, "admin")

    def run(key: KeyGrant | None, on_worker_thread: bool = True) -> None:
        context = Context(runtime, lambda _request, _params: Credentials(admin, utcnow(), key))
        context.on_worker_thread = on_worker_thread
        try:
            result = asyncio.run(schema.execute("{ a: pupils b: pupils }", context_value=context))
            assert result.errors is None and result.data == {"a": 3, "b": 3}
        finally:
            context.close()

    before = latest_id(engine)
    run(KeyGrant(key_id=4242, scopes=frozenset({Scope.DIRECTORY_READ})))
    run(None)
    [row] = audit_rows(engine, AuditLog.id > before)
    assert (row.action, row.object_type, row.actor_key_id, row.actor_user_id) == (
        "PARTNER_READ", "Query.pupils", 4242, admin)
    # On a WebSocket's event loop (a subscription starting) the row is written on a thread.
    run(KeyGrant(key_id=4343, scopes=frozenset({Scope.DIRECTORY_READ})), on_worker_thread=False)
    deadline = time.monotonic() + 10
    while not audit_rows(engine, AuditLog.actor_key_id == 4343) and time.monotonic() < deadline:
        time.sleep(0.05)
    [row] = audit_rows(engine, AuditLog.actor_key_id == 4343)
    assert row.object_type == "Query.pupils"


@pytest.mark.parametrize("login", ["teacher.1"])
def test_issue_16_point_8_audit_log_answers_every_disclosure_concerning_a_student(client, engine, login):
    """Issue 16 point 8: auditLog(filter: {studentId}) lists, newest first and page by page, every row
    whose students include that student (a send to two families, then a view of one), and no other
    student's; other filters narrow it; a teacher (no "District Settings") is refused."""
    token, kid, other = token_for(engine, "admin"), family(engine), family(engine)
    sent = gql(client, SEND, {"input": {**message_input(kid), "studentIds": gids("Student", [kid, other])}},
               token)["data"]["sendMessage"]["message"]["id"]
    gql(client, DELIVERIES, {"id": sent}, token)
    only_other = gql(client, SEND, {"input": message_input(other)}, token)["data"]["sendMessage"]["message"]["id"]
    query = """query($filter: AuditLogFilter, $after: String) { auditLog(filter: $filter, first: 1, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { action objectIds studentCount actorUserId
        requestId clientAddress rowHash prevHash } } } }"""
    nodes, after = [], None
    while True:
        page = gql(client, query, {"filter": {"studentId": gid("Student", kid)}, "after": after}, token)["data"]["auditLog"]
        assert page["totalCount"] == 2
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [(n["action"], n["objectIds"]) for n in nodes] == [("CONTACT_DATA_VIEWED", [sent]),
                                                              ("MESSAGE_SENT", [sent])]
    assert only_other not in {i for n in nodes for i in n["objectIds"]}
    sends = gql(client, query, {"filter": {"studentId": gid("Student", other), "action": "MESSAGE_SENT"}}, token)["data"]
    assert sends["auditLog"]["totalCount"] == 2
    for nobody in (gid("Student", 987654321), gid("Contact", kid), str(kid)):  # missing, another kind, a row number
        assert gql(client, query, {"filter": {"studentId": nobody}}, token)["data"]["auditLog"]["totalCount"] == 0
    no_time_zone = gql(client, query, {"filter": {"from": "2026-01-01T00:00:00"}}, token)
    assert no_time_zone["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    refused = gql(client, query, {}, token_for(engine, login))
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_issue_16_point_8_many_concurrent_writers_append_to_one_chain(engine):
    """Issue 16 point 8: writers committing at once (8 threads, 25 transactions each) never fork the
    chain: each row's previous hash is the row before it, and the chain verifies."""
    import threading

    from domain.audit.actions import Actor
    from domain.audit.chain import verify_chain
    from domain.audit.trail import record

    before = latest_id(engine)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with session_scope(engine) as session:
                    record(session, Actor(user_id=None), AuditAction.PERMISSIONS_CHANGED, object_type="test",
                           object_ids=[n, i], students=[n + 1])
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    rows = audit_rows(engine, AuditLog.id > before, AuditLog.object_type == "test")
    assert len(rows) == 200 and time.monotonic() - started < 60
    with engine.connect() as connection:
        report = verify_chain(connection)
    assert report.ok, report


SHOWN_THEN_PLAN_REFUSED = """query($id: ID!, $plan: SendMessageInput!) {
  message(id: $id) { deliveries(first: 50) { edges { node { address studentId } } } }
  recipientPlan(input: $plan) { __typename ... on RecipientPlanErrors { errors { code } } } }"""
SENT_AND_SHOWN_THEN_SEND_REFUSED = """mutation($shown: SendMessageInput!, $refused: SendMessageInput!) {
  shown: sendMessage(input: $shown) { __typename ... on SendMessageSuccess { message { id
    deliveries(first: 50) { edges { node { address } } } } } }
  refused: sendMessage(input: $refused) { __typename } }"""


def test_issue_16_point_8_contact_data_shown_survives_a_later_field_rolling_back(client, engine):
    """Issue 16 point 8: one query shows a message's deliveries (contacts' addresses), then a later
    field rolls the request's session back (recipientPlan refusing its input): the addresses were
    returned, so the CONTACT_DATA_VIEWED row is still written (the rollback used to drop it)."""
    token, kid = token_for(engine, "admin"), family(engine)
    message_id = gql(client, SEND, {"input": message_input(kid)}, token)["data"]["sendMessage"]["message"]["id"]
    before = latest_id(engine)
    answer = gql(client, SHOWN_THEN_PLAN_REFUSED, {"id": message_id, "plan": message_input(kid, studentIds=[])},
                 token)["data"]
    assert any("@" in edge["node"]["address"] for edge in answer["message"]["deliveries"]["edges"])
    assert answer["recipientPlan"]["__typename"] == "RecipientPlanErrors"
    [row] = audit_rows(engine, AuditLog.id > before)
    assert (row.action, row.object_type, row.object_ids) == ("CONTACT_DATA_VIEWED", "message", [pk_of(message_id)])
    assert students_of(engine, row.students_digest) == {kid}


def test_issue_16_point_8_a_mutation_s_disclosure_survives_a_later_refused_send(client, engine):
    """Issue 16 point 8: in one mutation document, a send whose payload shows the deliveries' addresses,
    then a refused send (rolled back): the first send and the view of its addresses are audited, the
    refused send leaves no row (a write keeps its transaction's fate)."""
    token, kid = token_for(engine, "admin"), family(engine)
    before = latest_id(engine)
    answer = gql(client, SENT_AND_SHOWN_THEN_SEND_REFUSED, {"shown": message_input(kid),
                                                            "refused": message_input(kid, studentIds=[])}, token)["data"]
    assert answer["refused"]["__typename"] == "SendMessageErrors"
    message_id = pk_of(answer["shown"]["message"]["id"])
    rows = audit_rows(engine, AuditLog.id > before)
    assert [(r.action, r.object_ids) for r in rows] == [("MESSAGE_SENT", [message_id]),
                                                        ("CONTACT_DATA_VIEWED", [message_id])]


def test_issue_16_point_8_a_field_that_fails_before_answering_discloses_nothing(engine, runtime):
    """Issue 16 point 8: a disclosure is audited only when its data reaches the answer: a field that
    noted one and then failed (its value is null in the answer) writes no row; one that answered does,
    even though a later field rolled the session back."""
    import asyncio

    from graph.audit.disclosures import AuditReturnedDisclosures, contact_data_shown
    from graph.context import Context
    from homeroom.auth import Credentials

    kid = family(engine)

    @strawberry.type
    class Query:
        @strawberry.field
        def shown(self, info: Info, marker: int) -> int:
            contact_data_shown(info, "auditTest", [marker], [kid])
            return marker

        @strawberry.field
        def failed(self, info: Info, marker: int) -> int | None:
            contact_data_shown(info, "auditTest", [marker], [kid])
            raise RuntimeError("failed after reading")

        @strawberry.field
        def rolled_back(self, info: Info) -> bool:
            info.context.session.rollback()
            return True

    schema = strawberry.Schema(query=Query, extensions=[AuditReturnedDisclosures])
    context = Context(runtime, lambda _request, _params: Credentials(user_id(engine, "admin"), utcnow(), None))
    context.on_worker_thread = True
    before = latest_id(engine)
    try:
        result = asyncio.run(schema.execute("{ shown(marker: 1) failed(marker: 2) rolledBack }", context_value=context))
    finally:
        context.close()
    assert result.data == {"shown": 1, "failed": None, "rolledBack": True}
    rows = audit_rows(engine, AuditLog.id > before)
    assert [(r.action, r.object_type, r.object_ids) for r in rows] == [("CONTACT_DATA_VIEWED", "auditTest", [1])]
