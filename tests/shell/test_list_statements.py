"""No N+1 on any list field: a page of N parents and a page of 2N cost the same SQL statements.

Each test reads one list field of the schema (with the nested lists a client asks for on each
item) twice, once with few items and once with more, and asserts the statement counts are equal.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import insert, select

from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_contact, add_student, email, first_school_id, phone, unique
from helpers import count_statements, gid, gql, make_user, token_for
from models.db import session_scope, utcnow
from models.directory import Role, School
from models.attachments import MessageAttachment
from resolve import request, viewer_for

N = 3
MESSAGE_FIELDS = "id subject attachments { id filename size downloadPath } deliveryCounts { status count }"


def statements_for(client, engine, token: str, query: str, variables: dict) -> tuple[dict, int]:
    """The response's data and the statements it cost (after one warm-up run of the same query)."""
    gql(client, query, variables, token)
    with count_statements(engine) as statements:
        body = gql(client, query, variables, token)
    assert "errors" not in body, body
    return body["data"], len(statements)


def assert_flat(client, engine, token, query, few: dict, many: dict, size) -> None:
    """``size(data)`` grows from ``few`` to ``many`` while the statement count stays the same."""
    small, small_count = statements_for(client, engine, token, query, few)
    large, large_count = statements_for(client, engine, token, query, many)
    assert 0 < size(small) < size(large), (size(small), size(large))
    assert small_count == large_count > 0, (small_count, large_count)


def attach_file(engine, message_id: int, name: str = "slip.pdf") -> None:
    data = b"%PDF-1.4 " + name.encode()
    with session_scope(engine) as session:
        session.execute(insert(MessageAttachment), [{
            "message_id": message_id, "filename": name, "content_type": "application/pdf", "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "data": data}])


def sent_messages(engine, login: str, student_ids, subject: str, count: int) -> list[int]:
    """``count`` messages sent now (fanned out) to ``student_ids``, each with one attached file."""
    ids = []
    for n in range(count):
        with session_scope(engine) as session:
            message = create_message(session, viewer_for(session, login),
                                     request("STUDENTS", student_ids, channels=("EMAIL", "SMS"),
                                             subject=f"{subject} {n}"))
            fan_out(session, message.id)
            ids.append(message.id)
        attach_file(engine, message.id)
    return ids


def edges(path: str):
    def size(data: dict) -> int:
        return len(data[path]["edges"])
    return size


REPORT = """query($search: String!, $first: Int!) {
  communicationReport(filter: {search: $search}, first: $first) { totalCount
    edges { node { total statusCounts { status count } message { %s } } } } }""" % MESSAGE_FIELDS  # noqa: UP031


def test_communication_report_rows_with_attachments_and_delivery_counts(client, engine):
    """Message.attachments and Message.deliveryCounts come from loaders: one statement each per page."""
    kid = add_student(engine, first_school_id(engine), primary_email=email(), primary_phone=phone())
    subject = unique("Statements report")
    sent_messages(engine, "admin", [kid], subject, 2 * N)
    token = token_for(engine, "admin")
    assert_flat(client, engine, token, REPORT, {"search": subject, "first": N}, {"search": subject, "first": 2 * N},
                edges("communicationReport"))
    rows = gql(client, REPORT, {"search": subject, "first": 2 * N}, token)["data"]["communicationReport"]["edges"]
    for row in rows:
        message = row["node"]["message"]
        assert [f["filename"] for f in message["attachments"]] == ["slip.pdf"]
        assert message["attachments"][0]["downloadPath"] == (
            f"/messages/{message['id']}/attachments/{message['attachments'][0]['id']}")
        assert sum(c["count"] for c in message["deliveryCounts"]) == row["node"]["total"] == 2


THREAD = """query($id: ID!, $first: Int!) {
  recipientThread(recipientKind: STUDENT, recipientId: $id, first: $first) { recipientName
    replies { nodes { id bodyText } }
    entries { totalCount edges { node { message { %s } deliveries { id channel status } } } } } }""" % MESSAGE_FIELDS  # noqa: UP031


def test_thread_entries_with_attachments_and_delivery_counts(client, engine):
    kid = add_student(engine, first_school_id(engine), primary_email=email(), primary_phone=phone())
    sent_messages(engine, "admin", [kid], unique("Statements thread"), 2 * N)
    token = token_for(engine, "admin")

    def size(data):
        return len(data["recipientThread"]["entries"]["edges"])

    assert_flat(client, engine, token, THREAD, {"id": gid("Student", kid), "first": N},
                {"id": gid("Student", kid), "first": 2 * N}, size)


SCHEDULE = """mutation($input: SendMessageInput!, $schedule: ScheduleInput!) {
  scheduleMessage(input: $input, schedule: $schedule) { __typename } }"""
SCHEDULED = """query($search: String!, $first: Int!) {
  scheduledMessages(search: $search, first: $first) { totalCount
    edges { node { kind message { %s } schedule { description nextSendAt } } } } }""" % MESSAGE_FIELDS  # noqa: UP031


def test_scheduled_messages_with_attachments_and_delivery_counts(client, engine):
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email())
    subject = unique("Statements scheduled")
    token = token_for(engine, "admin")
    start = (utcnow() + dt.timedelta(days=30)).date().isoformat()
    for n in range(2 * N):
        result = gql(client, SCHEDULE, {
            "input": {"subject": f"{subject} {n}", "htmlBody": "<p>Later</p>", "channels": ["EMAIL"],
                      "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid)]},
            "schedule": {"startDate": start, "sendTime": "09:00:00"}}, token)
        assert result["data"]["scheduleMessage"]["__typename"] == "ScheduleMessageSuccess", result
    assert_flat(client, engine, token, SCHEDULED, {"search": subject, "first": N},
                {"search": subject, "first": 2 * N}, edges("scheduledMessages"))


DELIVERIES = """query($id: ID!, $first: Int!) { message(id: $id) { %s
  deliveries(first: $first) { totalCount edges { node { id recipientName status } } } } }""" % MESSAGE_FIELDS  # noqa: UP031


def test_message_deliveries(client, engine):
    school = first_school_id(engine)
    kids = [add_student(engine, school, primary_email=email()) for _ in range(2 * N)]
    [message_id] = sent_messages(engine, "admin", kids, unique("Statements deliveries"), 1)
    token = token_for(engine, "admin")

    def size(data):
        return len(data["message"]["deliveries"]["edges"])

    assert_flat(client, engine, token, DELIVERIES, {"id": gid("Message", message_id), "first": N},
                {"id": gid("Message", message_id), "first": 2 * N}, size)


SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
  ... on SaveDraftSuccess { message { id } } } }"""
IMPORT = """mutation($input: ImportRecipientsInput!) { importRecipients(input: $input) { __typename
  ... on ImportRecipientsErrors { errors { row column code message } } } }"""
IMPORTED = """query($id: ID!, $first: Int!) { importedRecipients(messageId: $id, first: $first) { totalCount
  edges { node { id name email phone sourceRow } } } }"""


def test_imported_recipients(client, engine):
    token = token_for(engine, "admin")
    draft = gql(client, SAVE_DRAFT, {"input": {"htmlBody": "<p>Open house</p>", "channels": ["EMAIL"]}},
                token)["data"]["saveDraft"]["message"]["id"]
    csv = "\n".join(["Name,Email,Phone"] + [f"Person {n},{email()},{phone()}" for n in range(2 * N)])
    imported = gql(client, IMPORT, {"input": {"messageId": draft, "csv": csv, "hasHeader": True,
                                              "columns": {"fullName": 0, "email": 1, "phone": 2}}}, token)
    assert imported["data"]["importRecipients"]["__typename"] == "ImportRecipientsSuccess", imported
    assert_flat(client, engine, token, IMPORTED, {"id": draft, "first": N}, {"id": draft, "first": 2 * N},
                edges("importedRecipients"))


PLAN = """query($input: SendMessageInput!, $first: Int!) {
  recipientPlan(input: $input, first: $first) { __typename
    ... on RecipientPlan { recipientCount outcomes { channel status count }
      deliveries { totalCount nodes { channel recipientName address status willSend } } } } }"""


def test_recipient_plan_deliveries(client, engine):
    school = first_school_id(engine)
    kids = [gid("Student", add_student(engine, school, primary_email=email())) for _ in range(2 * N)]
    variables = {"input": {"htmlBody": "<p>Hello</p>", "channels": ["EMAIL"], "recipientType": "STUDENTS",
                           "studentIds": kids}}

    def size(data):
        return len(data["recipientPlan"]["deliveries"]["nodes"])

    assert_flat(client, engine, token_for(engine, "admin"), PLAN, variables | {"first": N},
                variables | {"first": 2 * N}, size)


STUDENTS = """query($first: Int!) { students(first: $first) {
  totalCount edges { node { id firstName school { id name } } } } }"""
STAFF = """query($first: Int!) { staff(first: $first) { totalCount edges { node { id login firstName } } } }"""


@pytest.mark.parametrize("query, path", [(STUDENTS, "students"), (STAFF, "staff")])
def test_directory_connections(client, engine, query, path):
    assert_flat(client, engine, token_for(engine, "admin"), query, {"first": N}, {"first": 4 * N}, edges(path))


def admin_of_schools(engine, count: int) -> str:
    with session_scope(engine) as session:
        school_ids = session.execute(select(School.id).order_by(School.id).limit(count)).scalars().all()
    return make_user(engine, Role.ADMIN, school_ids=list(school_ids))


SCHOOLS = "{ schools { totalCount nodes { id name } } }"
SECTIONS = "{ sections { totalCount nodes { id name school { id } teachers { login } students { id school { id } } } } }"
GROUPS = "{ studentGroups { nodes { id name memberCount } } userGroups { nodes { id name memberCount } } }"


def test_schools_and_sections(client, engine):
    """An administrator of one school and one of three: more schools and sections, the same statements
    (a page of each: the first school alone may hold more sections than a page by now)."""
    few, many = admin_of_schools(engine, 1), admin_of_schools(engine, 3)
    for query, size in ((SCHOOLS, lambda data: data["schools"]["totalCount"]),
                        (SECTIONS, lambda data: data["sections"]["totalCount"])):
        small, small_count = statements_for(client, engine, few, query, {})
        large, large_count = statements_for(client, engine, many, query, {})
        assert 0 < size(small) < size(large) and small_count == large_count > 0


SECTIONS_PAGE = """query($first: Int!, $after: String) { sections(first: $first, after: $after) { totalCount
  pageInfo { hasNextPage hasPreviousPage endCursor }
  edges { node { id school { id } teachers { login } students { id school { id } } } } } }"""


def test_issue_17_point_1_a_sections_page_costs_the_same_at_any_size(client, engine):
    """Issue 17 point 1: sections is now a connection; a page of N sections and one of 2N, from a
    cursor, with totalCount and both pageInfo flags, cost the same statements (its teachers and
    students still come from loaders)."""
    token = token_for(engine, "admin")
    after = gql(client, SECTIONS_PAGE, {"first": 1}, token)["data"]["sections"]["pageInfo"]["endCursor"]
    assert_flat(client, engine, token, SECTIONS_PAGE, {"first": N, "after": after},
                {"first": 2 * N, "after": after}, edges("sections"))


def test_groups(client, engine):
    """A viewer with no groups and the seeded administrator with several cost the same."""
    nobody = make_user(engine, Role.ADMIN)
    small, small_count = statements_for(client, engine, nobody, GROUPS, {})
    large, large_count = statements_for(client, engine, token_for(engine, "admin"), GROUPS, {})
    assert len(small["studentGroups"]["nodes"]) < len(large["studentGroups"]["nodes"])
    assert small_count == large_count > 0


CREATE_CALLER_ID = """mutation($input: CallerIdInput!) { createCallerId(input: $input) { __typename } }"""
CALLER_IDS = "{ callerIds { id title phone schoolIds } availableCallerIds { defaultId numbers { id schoolIds } } }"


def test_caller_ids(client, engine):
    token = token_for(engine, "admin")
    school = first_school_id(engine)

    def add_numbers(count):
        for _ in range(count):
            made = gql(client, CREATE_CALLER_ID, {"input": {"title": unique("Line "), "phone": phone(), "public": True,
                                                            "schoolIds": [gid("School", school)]}}, token)
            assert made["data"]["createCallerId"]["__typename"] == "CallerIdSaved", made

    add_numbers(N)
    small, small_count = statements_for(client, engine, token, CALLER_IDS, {})
    add_numbers(N)
    large, large_count = statements_for(client, engine, token, CALLER_IDS, {})
    assert len(small["callerIds"]) < len(large["callerIds"])
    assert len(small["availableCallerIds"]["numbers"]) < len(large["availableCallerIds"]["numbers"])
    assert small_count == large_count > 0


VIEWER = "{ viewer { id profiles { id name } permissions { key level requirements } addons } }"


def test_viewer_profiles_and_permissions(client, engine):
    """A viewer with one profile of few permissions and one with every permission cost the same."""
    from domain.access.permissions import Perm

    few = make_user(engine, Role.ADMIN, perms=[Perm.COMMUNICATION])
    many = make_user(engine, Role.ADMIN)
    small, small_count = statements_for(client, engine, few, VIEWER, {})
    large, large_count = statements_for(client, engine, many, VIEWER, {})
    assert len(small["viewer"]["permissions"]) < len(large["viewer"]["permissions"])
    assert small_count == large_count > 0


FIXED_LISTS = "{ insertFields { name } defaultUserPreferences { setting value } reenrolmentForms { audience } }"


def test_catalogue_lists_cost_a_fixed_number_of_statements(client, engine):
    """insertFields, defaultUserPreferences and reenrolmentForms list catalogues, not parents: the
    same statements for two different viewers."""
    counts = [statements_for(client, engine, token_for(engine, login), FIXED_LISTS, {})[1]
              for login in ("admin", "admin")]
    assert counts[0] == counts[1]
