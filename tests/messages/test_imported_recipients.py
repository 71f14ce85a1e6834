"""CSV recipient import (IMP-01…IMP-07) onto drafts, over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpers import gid, gql, make_user, pk_of, set_district, token_for, wait_for_message
from domain.access.permissions import Perm
from models.db import session_scope
from models.directory import Role
from models.messaging import Delivery, ImportedRecipient

SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
  __typename ... on SaveDraftSuccess { message { id status } } ... on SaveDraftErrors { errors { field code } } } }"""

IMPORT = """mutation($input: ImportRecipientsInput!) { importRecipients(input: $input) {
  __typename
  ... on ImportRecipientsSuccess { importedCount totalImported skippedRows { row column code } }
  ... on ImportRecipientsErrors { errors { row column code message } } } }"""

LIST = """query($id: ID!) { importedRecipients(messageId: $id, first: 100) { totalCount
  edges { node { id name email phone sourceRow } } } }"""

SEND_DRAFT = """mutation($id: ID!, $count: Int) { sendDraft(id: $id, confirmedRecipientCount: $count) {
  __typename ... on SendMessageSuccess { recipientCount message { id } }
  ... on SendMessageConfirmationRequired { recipientCount } ... on SendDraftErrors { errors { field code } } } }"""

GOOD = "\n".join([
    "First,Last,Email,Phone",
    "Ana,Ruiz,ana.ruiz@families.example.org,(312) 555-0101",
    "Ben,Okafor,,312-555-0102",
    "Cy,Tran,cy.tran@families.example.org,",
])
ALL_COLUMNS = {"firstName": 0, "lastName": 1, "email": 2, "phone": 3}


@pytest.fixture
def admin(engine):
    return token_for(engine, "admin")


def new_draft(client, token, **fields) -> str:
    body = gql(client, SAVE_DRAFT, {"input": {"htmlBody": "<p>Open house</p>", "channels": ["EMAIL", "SMS"], **fields}},
               token)
    result = body["data"]["saveDraft"]
    assert result["__typename"] == "SaveDraftSuccess", body
    assert result["message"]["status"] == "DRAFT"
    return result["message"]["id"]


def do_import(client, token, message_id, text=GOOD, columns=ALL_COLUMNS, has_header=True, skip=False):
    variables = {"input": {"messageId": message_id, "csv": text, "hasHeader": has_header, "columns": columns,
                           "skipInvalidRows": skip}}
    return gql(client, IMPORT, variables, token)["data"]["importRecipients"]


def imported_rows(engine, message_id):
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(ImportedRecipient).where(
            ImportedRecipient.message_id == pk_of(message_id))).scalar_one()


def test_imp_01_imp_02_imp_03_import_with_mapping_and_header(client, engine, admin):
    """Covers IMP-01, IMP-02, IMP-03: rows go onto the draft, the header row is skipped, phones are
    normalised to E.164 and emails validated."""
    draft = new_draft(client, admin)
    result = do_import(client, admin, draft)
    assert result == {"__typename": "ImportRecipientsSuccess", "importedCount": 3, "totalImported": 3,
                      "skippedRows": []}
    listed = gql(client, LIST, {"id": draft}, admin)["data"]["importedRecipients"]
    nodes = {n["name"]: n for n in (e["node"] for e in listed["edges"])}
    assert nodes["Ana Ruiz"] == {**nodes["Ana Ruiz"], "email": "ana.ruiz@families.example.org",
                                 "phone": "+13125550101", "sourceRow": 2}
    assert nodes["Ben Okafor"]["email"] is None and nodes["Ben Okafor"]["phone"] == "+13125550102"
    headerless = new_draft(client, admin)
    text = GOOD.split("\n", 1)[1]
    assert do_import(client, admin, headerless, text=text, has_header=False)["importedCount"] == 3
    full_name = new_draft(client, admin)
    result = do_import(client, admin, full_name, text="Name,Email,Phone\nDana Lee,dana@families.example.org,3125550111",
                       columns={"fullName": 0, "email": 1, "phone": 2})
    assert result["importedCount"] == 1


def test_imp_02_phone_column_required_with_callout_optional_without(client, engine, admin):
    """Covers IMP-02."""
    draft = new_draft(client, admin, channels=["EMAIL"])
    no_phone = {"firstName": 0, "lastName": 1, "email": 2}
    result = do_import(client, admin, draft, columns=no_phone)
    assert result["errors"][0]["code"] == "PHONE_COLUMN_REQUIRED"
    assert imported_rows(engine, draft) == 0
    previous = set_district(engine, addon_callout=False)
    try:
        result = do_import(client, admin, draft, columns=no_phone, skip=True)
        assert result["importedCount"] == 2  # without a phone column, Ben has no contact details
        assert result["skippedRows"] == [{"row": 3, "column": "email", "code": "NO_CONTACT_INFO"}]
    finally:
        set_district(engine, **previous)


def test_imp_04_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(client, engine, admin):
    """Covers IMP-04: a row with neither email nor phone, a bad email, a bad phone and a missing name
    are reported; the file imports nothing unless the caller asks to skip bad rows."""
    text = "\n".join([
        "First,Last,Email,Phone",
        "Ana,Ruiz,ana@families.example.org,3125550101",
        "Ben,Okafor,,",
        "Cy,Tran,not-an-email,",
        "Di,Park,,12",
        ",,eve@families.example.org,",
    ])
    draft = new_draft(client, admin)
    result = do_import(client, admin, draft, text=text)
    assert [(e["row"], e["column"], e["code"]) for e in result["errors"]] == [
        (3, "email", "NO_CONTACT_INFO"), (4, "email", "BAD_EMAIL"), (5, "phone", "BAD_PHONE"),
        (6, "firstName", "MISSING_NAME")]
    assert imported_rows(engine, draft) == 0
    skipped = do_import(client, admin, draft, text=text, skip=True)
    assert skipped["importedCount"] == 1 and len(skipped["skippedRows"]) == 4
    assert imported_rows(engine, draft) == 1


def test_imp_05_imp_06_list_remove_one_remove_all_and_append(client, engine, admin):
    """Covers IMP-05, IMP-06: uploads append without de-duplication; remove one, then all."""
    draft = new_draft(client, admin)
    do_import(client, admin, draft)
    again = do_import(client, admin, draft)
    assert again["totalImported"] == 6  # the same file twice doubles the entries
    listed = gql(client, LIST, {"id": draft}, admin)["data"]["importedRecipients"]
    assert listed["totalCount"] == 6
    first_id = listed["edges"][0]["node"]["id"]
    assert first_id == gid("ImportedRecipient", pk_of(first_id))
    remove_one = """mutation($m: ID!, $id: ID!) { removeImportedRecipient(messageId: $m, id: $id) {
        ... on ImportedRecipientsRemoved { removedCount remainingCount }
        ... on RemoveImportedRecipientErrors { errors { field code } } } }"""
    for wrong in (str(pk_of(first_id)), gid("Contact", pk_of(first_id)), gid("ImportedRecipient", 999_999_999)):
        refused = gql(client, remove_one, {"m": draft, "id": wrong}, admin)["data"]["removeImportedRecipient"]
        assert refused == {"errors": [{"field": "id", "code": "NOT_FOUND"}]}, wrong  # a bare number, another kind
    for wrong in (str(pk_of(draft)), gid("Student", pk_of(draft))):
        refused = gql(client, remove_one, {"m": wrong, "id": first_id}, admin)["data"]["removeImportedRecipient"]
        assert refused == {"errors": [{"field": "messageId", "code": "NOT_FOUND"}]}, wrong
    removed = gql(client, remove_one, {"m": draft, "id": first_id}, admin)["data"]["removeImportedRecipient"]
    assert removed == {"removedCount": 1, "remainingCount": 5}
    # issue 17 point 2: a recipient no longer there, and another user's draft, are NOT_FOUND payloads
    again = gql(client, remove_one, {"m": draft, "id": first_id}, admin)["data"]["removeImportedRecipient"]
    assert again == {"errors": [{"field": "id", "code": "NOT_FOUND"}]}
    stranger = gql(client, remove_one, {"m": draft, "id": first_id}, make_user(engine, Role.ADMIN))
    assert stranger["data"]["removeImportedRecipient"] == {"errors": [{"field": "messageId", "code": "NOT_FOUND"}]}
    cleared = gql(client, """mutation($m: ID!) { removeAllImportedRecipients(messageId: $m) {
        ... on ImportedRecipientsRemoved { removedCount remainingCount } } }""", {"m": draft},
                  admin)["data"]["removeAllImportedRecipients"]
    assert cleared == {"removedCount": 5, "remainingCount": 0}


def test_imp_07_imported_recipients_are_reached_by_file_details_and_counted(client, engine, admin):
    """Covers IMP-07, CMP-28: sending the draft reaches imported people only through the file's
    email/phone, they count toward the recipient total, and have no push (no app)."""
    draft = new_draft(client, admin, channels=["EMAIL", "SMS", "PUSH"])
    do_import(client, admin, draft)
    sent = gql(client, SEND_DRAFT, {"id": draft}, admin)["data"]["sendDraft"]
    assert sent["__typename"] == "SendMessageSuccess" and sent["recipientCount"] == 3
    assert wait_for_message(client, admin, draft)["status"] == "COMPLETED"
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery.channel, Delivery.address, Delivery.status, Delivery.recipient_kind)
                               .where(Delivery.message_id == pk_of(draft))).all()
    assert {r.recipient_kind for r in rows} == {"IMPORTED"}
    by_channel = {(r.channel, r.address): r.status for r in rows}
    assert by_channel[("EMAIL", "ana.ruiz@families.example.org")] == "SENT"
    assert by_channel[("SMS", "+13125550102")] == "SENT"
    assert by_channel[("EMAIL", "")] == "NO_CONTACT_INFO"  # Ben has no email
    assert not [channel for channel, _ in by_channel if channel == "PUSH"]  # no app: no push row (CMP-08)
    again = gql(client, SEND_DRAFT, {"id": draft}, admin)["data"]["sendDraft"]
    assert again["errors"] == [{"field": "id", "code": "NOT_FOUND"}]  # a sent draft is no longer a draft


def test_import_is_refused_on_other_peoples_and_sent_messages(client, engine, admin):
    draft = new_draft(client, admin)
    other = make_user(engine, Role.ADMIN)
    assert do_import(client, other, draft)["errors"][0]["code"] == "NOT_FOUND"
    for wrong in (str(pk_of(draft)), gid("Student", pk_of(draft)), gid("Message", 999_999_999)):
        assert do_import(client, admin, wrong)["errors"][0]["code"] == "NOT_FOUND", wrong
    assert imported_rows(engine, draft) == 0
    empty = gql(client, SEND_DRAFT, {"id": draft}, admin)["data"]["sendDraft"]
    assert empty["errors"] == [{"field": "id", "code": "RECIPIENTS_EMPTY"}]


def test_perm_09_staff_without_send_messages_may_save_drafts_but_not_send_them(client, engine):
    """Covers PERM-09."""
    token = make_user(engine, Role.ADMIN, without=[Perm.SEND_MESSAGES])
    draft = new_draft(client, token)
    do_import(client, token, draft)
    body = gql(client, SEND_DRAFT, {"id": draft}, token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_issue_13_10_names_and_addresses_with_control_characters_are_refused(client, engine, admin):
    """Covers IMP-04 (issue 13 point 10): an imported name becomes an email's To display name, an
    address the header itself; a cell with CR/LF (a quoted CSV cell may hold one) or another control
    character is reported by row and column as INVALID_CHARACTERS and nothing is imported."""
    text = "\n".join([
        "First,Last,Email,Phone",
        "Ana,Ruiz,ana@families.example.org,3125550101",
        '"Ben\r\nBcc: all@evil.example",Okafor,ben@families.example.org,',
        'Cy,Tran,"cy@families.example.org\nBcc: all@evil.example",',
        "Di,Pa\x0brk,di@families.example.org,",
    ])
    draft = new_draft(client, admin)
    result = do_import(client, admin, draft, text=text)
    assert [(e["row"], e["column"], e["code"]) for e in result["errors"]] == [
        (3, "firstName", "INVALID_CHARACTERS"), (4, "email", "INVALID_CHARACTERS"),
        (5, "lastName", "INVALID_CHARACTERS")]
    assert imported_rows(engine, draft) == 0
    skipped = do_import(client, admin, draft, text=text, skip=True)
    assert skipped["importedCount"] == 1 and len(skipped["skippedRows"]) == 3
    listed = gql(client, LIST, {"id": draft}, admin)["data"]["importedRecipients"]
    assert [edge["node"]["name"] for edge in listed["edges"]] == ["Ana Ruiz"]
