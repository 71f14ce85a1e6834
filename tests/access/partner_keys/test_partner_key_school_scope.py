"""A key limited to schools reads and sends only within them (issue 16 point 3), whoever created
it: a district administrator "reads every delivery", but their key for school 1 reads the messages
that reached school 1's people and, of each, only those deliveries; the directory, the report and
sendMessage are narrowed the same way."""

from __future__ import annotations

import csv
import io

from factories import add_contact, add_student, email, unique
from helpers import gid, gql, pk_of, token_for, wait_for_message
from partner_key_steps import create_key, school_of
from shared_steps import REPORT
from two_schools import MESSAGE, expected, recipients, rows_of, sent_to_two_schools

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { path code } } } }"""
DIRECTORY = """{ schools { nodes { id } } students(first: 100) { edges { node { school { id } } } }
  sections { nodes { school { id } } } }"""


def test_issue_16_point_3_a_school_key_reads_only_its_schools_recipients(client, engine):
    """Issue 16 point 3: the district administrator's key for school 1 reads their message to two
    schools with the school-1 family and teacher only (message(id), deliveryCounts, the report's
    figures); the administrator's own token still reads all seven deliveries; a key without
    schools reads as its creator."""
    sent = sent_to_two_schools(client, engine)
    school1 = school_of(engine, "principal.1")
    key = create_key(client, engine, scopes=["MESSAGES_READ"], school_ids=[school1])["secret"]
    message = gql(client, MESSAGE, {"id": sent["id"]}, key)["data"]["message"]
    assert recipients(message) == expected(sent, "contact1", "teacher1")
    assert rows_of(message) == {(*sent["people"]["contact1"], "EMAIL"), (*sent["people"]["teacher1"], "EMAIL"),
                                (*sent["people"]["teacher1"], "INAPP")}
    assert sum(c["count"] for c in message["deliveryCounts"]) == 3
    [row] = [e["node"] for e in gql(client, REPORT, {"filter": {"search": sent["subject"]}, "first": 5},
                                     key)["data"]["communicationReport"]["edges"]]
    assert (row["total"], row["recipients"]) == (3, 2)
    whole = gql(client, MESSAGE, {"id": sent["id"]}, token_for(engine, "admin"))["data"]["message"]
    assert whole["deliveries"]["totalCount"] == 7
    everywhere = create_key(client, engine, scopes=["MESSAGES_READ"])["secret"]
    assert gql(client, MESSAGE, {"id": sent["id"]}, everywhere)["data"]["message"]["deliveries"]["totalCount"] == 7


def test_issue_16_point_3_the_csv_export_takes_a_key_with_messages_read(client, engine):
    """Issue 16 point 3: GET /reports/messages/{id}/deliveries.csv takes a partner key as its
    bearer token: a messages:read key for school 1 gets school 1's rows only, a key without the
    scope gets 403, an unknown key 401."""
    sent = sent_to_two_schools(client, engine)
    school1 = school_of(engine, "principal.1")
    path = f"/reports/messages/{sent['id']}/deliveries.csv"
    reader = create_key(client, engine, scopes=["MESSAGES_READ"], school_ids=[school1])["secret"]
    response = client.get(path, headers={"Authorization": f"Bearer {reader}"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {(row["recipient_kind"], pk_of(row["recipient_id"])) for row in rows} == expected(sent, "contact1", "teacher1")
    assert "school3-family" not in response.text
    directory_only = create_key(client, engine, scopes=["DIRECTORY_READ"])["secret"]
    assert client.get(path, headers={"Authorization": f"Bearer {directory_only}"}).status_code == 403
    assert client.get(path, headers={"Authorization": f"Bearer hrk_{'0' * 12}_{'A' * 43}"}).status_code == 401


def test_issue_16_point_3_a_school_key_does_not_find_another_schools_message(client, engine):
    """Issue 16 point 3: a message that reached only school 3 is not found by the school-1 key
    (null, as a missing id), nor listed in its report, though its creator sent it."""
    admin = token_for(engine, "admin")
    kid3 = add_student(engine, school_of(engine, "principal.3"))
    add_contact(engine, kid3, email=email("school3-only"))
    subject = unique("School 3 only ")
    sent = gql(client, SEND, {"input": {"subject": subject, "htmlBody": "<p>Hi</p>", "channels": ["EMAIL"],
                                        "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid3)]}}, admin)
    message_id = sent["data"]["sendMessage"]["message"]["id"]
    wait_for_message(client, admin, message_id)
    key = create_key(client, engine, scopes=["MESSAGES_READ"], school_ids=[school_of(engine, "principal.1")])["secret"]
    assert gql(client, MESSAGE, {"id": message_id}, key)["data"]["message"] is None
    assert gql(client, MESSAGE, {"id": gid("Message", 987654321)}, key)["data"]["message"] is None
    report = gql(client, REPORT, {"filter": {"search": subject}, "first": 5}, key)["data"]["communicationReport"]
    assert report["totalCount"] == 0 and report["edges"] == []


def test_issue_16_point_3_a_school_key_reads_and_sends_within_its_schools(client, engine):
    """Issue 16 point 3: a directory:read key for school 1 lists school 1 and its students and
    sections only; a messages:send key for school 1 sends to a school-1 student, and a school-3
    student answers as a missing one (NOT_FOUND), nothing sent."""
    school1, school3 = school_of(engine, "principal.1"), school_of(engine, "principal.3")
    reader = create_key(client, engine, scopes=["DIRECTORY_READ"], school_ids=[school1])["secret"]
    data = gql(client, DIRECTORY, token=reader)["data"]
    assert data["schools"]["nodes"] == [{"id": gid("School", school1)}]
    assert data["students"]["edges"] and {e["node"]["school"]["id"] for e in data["students"]["edges"]} == {
        gid("School", school1)}
    assert {s["school"]["id"] for s in data["sections"]["nodes"]} <= {gid("School", school1)}
    sender = create_key(client, engine, scopes=["MESSAGES_SEND"], school_ids=[school1])["secret"]
    kid1, kid3 = add_student(engine, school1), add_student(engine, school3)
    for kid in (kid1, kid3):
        add_contact(engine, kid, email=email("key-send"))

    def send(kid: int) -> dict:
        return gql(client, SEND, {"input": {"subject": unique("From the SIS "), "htmlBody": "<p>Hi</p>",
                                            "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
                                            "studentIds": [gid("Student", kid)]}}, sender)["data"]["sendMessage"]

    assert send(kid1)["__typename"] == "SendMessageSuccess"
    refused, missing = send(kid3), send(987654321)
    assert refused["__typename"] == "SendMessageErrors" and refused["errors"][0]["code"] == "NOT_FOUND"
    assert [e["code"] for e in refused["errors"]] == [e["code"] for e in missing["errors"]]
