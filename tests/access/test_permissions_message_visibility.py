"""Who reads a message's deliveries (issue 13 point 7): all of them for its sender and district
administrators; anyone else only the recipients in their own scope; drafts are their owner's
alone; resending is for the sender and district administrators. Checked on message(id), the
report, the CSV export, live progress, attachment downloads and resendToFailed."""

from __future__ import annotations

import csv
import io

from factories import add_contact, add_student, add_user, email, unique
from helpers import gid, gql, pk_of, token_for
from shared_steps import upload
from shared_steps import PROGRESS, subscription_socket
from shared_steps import REPORT
from two_schools import (
    MESSAGE,
    SAVE_DRAFT,
    expected,
    expected_rows,
    login_of,
    recipients,
    rows_of,
    school_of,
    sent_to_two_schools,
)

RESEND = """mutation($id: ID!) { resendToFailed(messageId: $id) { __typename
  ... on ResendToFailedSuccess { requeued message { id } } ... on ResendToFailedErrors { errors { field code } } } }"""


def test_rpt_02_a_principal_reads_only_their_own_schools_recipients(client, engine):
    """Covers RPT-01, RPT-02, RCP-17, RCP-20 (issue 13 point 7): principal.3 reads the district
    administrator's message to two schools with the school-3 family and teacher only: in
    message(id).deliveries and deliveryCounts, in the report's figures, in the CSV export (no
    school-1 name or email) and in live progress; principal.1 likewise for school 1; the sender
    and another district administrator read all seven deliveries (five emails, and the two
    teachers' in-app rows)."""
    sent = sent_to_two_schools(client, engine)
    principal3, principal1 = token_for(engine, "principal.3"), token_for(engine, "principal.1")
    other_district_admin = token_for(engine, login_of(engine, add_user(
        engine, "ADMIN", profile="District Administrator", email=email("da"))))

    for token, names in ((principal3, ("contact3", "teacher3")), (principal1, ("contact1", "teacher1"))):
        message = gql(client, MESSAGE, {"id": sent["id"]}, token)["data"]["message"]
        assert recipients(message) == expected(sent, *names) and message["deliveries"]["totalCount"] == 3
        assert rows_of(message) == expected_rows(sent, *names)
        assert sum(c["count"] for c in message["deliveryCounts"]) == 3
        [row] = [e["node"] for e in gql(client, REPORT, {"filter": {"search": sent["subject"]}, "first": 5},
                                         token)["data"]["communicationReport"]["edges"]]
        assert (row["total"], row["recipients"], sum(c["count"] for c in row["statusCounts"])) == (3, 2, 3)
    for token in (token_for(engine, "admin"), other_district_admin):
        message = gql(client, MESSAGE, {"id": sent["id"]}, token)["data"]["message"]
        assert len(recipients(message)) == 5 and message["deliveries"]["totalCount"] == 7
        assert sum(channel == "INAPP" for *_, channel in rows_of(message)) == 2

    response = client.get(f"/reports/messages/{sent['id']}/deliveries.csv",
                          headers={"Authorization": f"Bearer {principal3}"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {(row["recipient_kind"], pk_of(row["recipient_id"])) for row in rows} == expected(sent, "contact3", "teacher3")
    assert "school1-family" not in response.text and "outsider@" not in response.text
    whole = client.get(f"/reports/messages/{sent['id']}/deliveries.csv",
                       headers={"Authorization": f"Bearer {token_for(engine, 'admin')}"})
    assert len(list(csv.DictReader(io.StringIO(whole.text)))) == 7

    ws, session = subscription_socket(client, principal3)
    try:
        session.send_json({"id": "p", "type": "subscribe",
                           "payload": {"query": PROGRESS, "variables": {"id": sent["id"]}}})
        frame = session.receive_json()
    finally:
        ws.__exit__(None, None, None)
    assert frame["type"] == "next", frame
    progress = frame["payload"]["data"]["messageProgress"]
    assert progress["total"] == 3 and sum(c["count"] for c in progress["counts"]) == 3


def test_rpt_02_resending_is_for_the_sender_and_district_administrators(client, engine):
    """Covers RPT-02 (issue 13 point 7): principal.3 may read the message but resendToFailed answers
    exactly as for a message that does not exist (or its row number as an id of another kind); the
    sender may resend."""
    sent = sent_to_two_schools(client, engine)
    principal3 = token_for(engine, "principal.3")
    refused = gql(client, RESEND, {"id": sent["id"]}, principal3)
    missing = gql(client, RESEND, {"id": gid("Message", 987654321)}, principal3)
    other_kind = gql(client, RESEND, {"id": gid("Student", pk_of(sent["id"]))}, token_for(engine, "admin"))
    assert refused == missing == other_kind == {"data": {"resendToFailed": {  # issue 17 point 2: NOT_FOUND, never null
        "__typename": "ResendToFailedErrors", "errors": [{"field": "messageId", "code": "NOT_FOUND"}]}}}
    assert gql(client, RESEND, {"id": sent["id"]}, token_for(engine, "admin"))["data"]["resendToFailed"] == {
        "__typename": "ResendToFailedSuccess", "requeued": 0, "message": {"id": sent["id"]}}


def test_cmp_28_drafts_are_their_owners_alone(client, engine):
    """Covers CMP-28, ATT-01 (issue 13 point 7): a colleague principal and another district
    administrator find neither the district administrator's draft nor its attached file (404, as
    for a file that does not exist); its owner finds both, and neither under their row numbers as
    ids of another kind."""
    admin = token_for(engine, "admin")
    kid = add_student(engine, school_of(engine, "principal.3"))
    add_contact(engine, kid, email=email("draft-family"))
    draft = gql(client, SAVE_DRAFT, {"input": {"subject": unique("Private draft "), "htmlBody": "<p>Not yet</p>",
                                               "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
                                               "studentIds": [gid("Student", kid)]}}, admin)["data"]["saveDraft"]["message"]["id"]
    assert upload(client, admin, draft).status_code == 201
    owned = gql(client, MESSAGE, {"id": draft}, admin)["data"]["message"]
    [path] = [a["downloadPath"] for a in owned["attachments"]]
    assert client.get(path, headers={"Authorization": f"Bearer {admin}"}).status_code == 200
    folder, file_id = path.rsplit("/", 1)
    nowhere_path = f"{folder}/{gid('File', 987654321)}"
    nowhere = client.get(nowhere_path, headers={"Authorization": f"Bearer {admin}"})
    other_kind = client.get(f"{folder}/{gid('Student', pk_of(file_id))}", headers={"Authorization": f"Bearer {admin}"})
    assert other_kind.status_code == nowhere.status_code == 404 and other_kind.json() == nowhere.json()
    assert gql(client, MESSAGE, {"id": gid("Student", pk_of(draft))}, admin)["data"]["message"] is None
    other_district_admin = token_for(engine, login_of(engine, add_user(
        engine, "ADMIN", profile="District Administrator", email=email("da"))))
    for token in (token_for(engine, "principal.3"), other_district_admin):
        assert gql(client, MESSAGE, {"id": draft}, token)["data"]["message"] is None
        denied = client.get(path, headers={"Authorization": f"Bearer {token}"})
        nowhere = client.get(nowhere_path, headers={"Authorization": f"Bearer {token}"})
        assert denied.status_code == nowhere.status_code == 404 and denied.json() == nowhere.json()
