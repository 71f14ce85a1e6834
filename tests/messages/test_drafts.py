"""Drafts over GraphQL: save in place, list, reopen with everything saved, discard (CMP-28, CMP-29,
DRF-01, DRF-02, PERM-61), and importing recipients onto a scheduled message (IMP-01)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from factories import add_contact, add_student, email, first_school_id, unique
from helpers import gid, gql, make_user, pk_of, set_district
from domain.access.permissions import Perm
from models.attachments import MessageAttachment
from models.db import session_scope
from models.directory import Role, StudentGroup, StudentGroupAssignee, User, UserGroup, UserGroupAssignee
from models.messaging import Delivery, ImportedRecipient, Message, MessageStaff, MessageStudent
from shared_steps import SCHEDULE, message_input, schedule_in, upload

DRAFT_FIELDS = """id title subject htmlBody savedAt channels recipientType studentIds staffIds studentGroupIds
  userGroupIds importedRecipientCount priority emergency sendAsDistrict sendAsSchoolId secure copySelf cc
  ccFirstOnly includeSignature allowReply smsText callText callerIdId familySeed readOnlyFields
  attachments { filename size } importedRecipients { totalCount edges { node { name email } } }"""

SAVE = f"""mutation($id: ID, $input: SendMessageInput!) {{ saveDraft(id: $id, input: $input) {{ __typename
  ... on SaveDraftSuccess {{ draft {{ {DRAFT_FIELDS} }} }}
  ... on SaveDraftErrors {{ errors {{ field code message }} }} }} }}"""

DRAFT = f"""query($id: ID!) {{ draft(id: $id) {{ {DRAFT_FIELDS} }} }}"""

DRAFTS = """query($search: String, $first: Int, $after: String) { drafts(search: $search, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id title savedAt channels } } } }"""

DISCARD = """mutation($id: ID!) { discardDraft(id: $id) { __typename
  ... on DiscardDraftSuccess { discardedId } ... on DiscardDraftErrors { errors { field code message } } } }"""

IMPORT = """mutation($input: ImportRecipientsInput!) { importRecipients(input: $input) { __typename
  ... on ImportRecipientsSuccess { importedCount totalImported }
  ... on ImportRecipientsErrors { errors { column code } } } }"""

IMPORTED = """query($id: ID!) { importedRecipients(messageId: $id) { totalCount edges { node { name } } } }"""

CSV = "Name,Email,Phone\nAna Ruiz,ana@families.example.org,3125550101\nBen Okafor,ben@families.example.org,"
COLUMNS = {"fullName": 0, "email": 1, "phone": 2}


def user_id_of(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one()


def admin_with_groups(engine):
    """A fresh district administrator (drafts of their own only) and a student and user group assigned to them."""
    login = unique("drafter.")
    token = make_user(engine, Role.ADMIN, login=login)
    user_id = user_id_of(engine, login)
    with session_scope(engine) as session:
        student_group, user_group = StudentGroup(name=unique("Band ")), UserGroup(name=unique("Staff "))
        session.add_all([student_group, user_group])
        session.flush()
        session.add_all([StudentGroupAssignee(group_id=student_group.id, user_id=user_id),
                         UserGroupAssignee(group_id=user_group.id, user_id=user_id)])
        return token, user_id, student_group.id, user_group.id


def save(client, token, input, id=None) -> dict:
    return gql(client, SAVE, {"id": id, "input": input}, token)["data"]["saveDraft"]


def kids(engine, count=2) -> list[str]:
    found = []
    for _ in range(count):
        kid = add_student(engine, first_school_id(engine))
        add_contact(engine, kid, email=email())
        found.append(gid("Student", kid))
    return found


def test_cmp_28_drf_02_a_draft_reopens_with_exactly_what_was_saved(client, engine):
    """Covers CMP-28, DRF-02: every field saved (recipients, groups, options, channels), then
    imported recipients and a file added, reopens as saved; saving it again in place replaces the
    content and selection, keeps the id, the imported recipients and the file, and moves savedAt."""
    token, user_id, student_group, user_group = admin_with_groups(engine)
    students = kids(engine)
    staff_login = unique("staff.")
    make_user(engine, Role.TEACHER, login=staff_login)
    staff_id = user_id_of(engine, staff_login)
    everything = {
        "subject": "Band trip", "htmlBody": "<p>Bring <b>water</b>.</p>", "channels": ["EMAIL", "SMS", "VOICE"],
        "recipientType": "ALL_CONTACTS", "studentIds": students, "staffIds": [gid("User", staff_id)],
        "studentGroupIds": [gid("StudentGroup", student_group)], "userGroupIds": [gid("UserGroup", user_group)], "priority": True,
        "emergency": True, "copySelf": True, "cc": ["office@partners.example.org"], "ccFirstOnly": True,
        "includeSignature": True, "allowReply": True, "smsText": "Band trip: bring water",
        "callText": "The band trip leaves at eight.", "familySeed": 4242}
    saved = save(client, token, everything)
    assert saved["__typename"] == "SaveDraftSuccess", saved
    draft_id = saved["draft"]["id"]
    assert gql(client, IMPORT, {"input": {"messageId": draft_id, "csv": CSV, "hasHeader": True, "columns": COLUMNS}},
               token)["data"]["importRecipients"]["importedCount"] == 2
    assert upload(client, token, draft_id).status_code == 201
    reopened = gql(client, DRAFT, {"id": draft_id}, token)["data"]["draft"]
    expected = {**everything, "studentIds": sorted(students, key=pk_of), "sendAsDistrict": False, "sendAsSchoolId": None,
                "secure": False, "title": "Band trip", "importedRecipientCount": 2}
    assert {key: reopened[key] for key in expected} == expected
    # The seeded district has no docmgmt add-on, so the academic record category is the one field left (PERM-37).
    assert reopened["callerIdId"] is not None and reopened["readOnlyFields"] == ["academicRecordCategory"]
    assert reopened["attachments"] == [{"filename": "slip.pdf", "size": reopened["attachments"][0]["size"]}]
    assert [e["node"]["name"] for e in reopened["importedRecipients"]["edges"]] == ["Ana Ruiz", "Ben Okafor"]

    changed = {"subject": "Band trip (moved)", "htmlBody": "<p>Now on Friday.</p>", "channels": ["EMAIL"],
               "recipientType": "PRIMARY_CONTACTS", "studentIds": students[:1], "allowReply": False}
    resaved = save(client, token, changed, id=draft_id)
    assert resaved["__typename"] == "SaveDraftSuccess", resaved
    again = resaved["draft"]
    assert again["id"] == draft_id and again["subject"] == "Band trip (moved)" and again["channels"] == ["EMAIL"]
    assert again["studentIds"] == students[:1] and again["staffIds"] == [] and again["priority"] is False
    assert again["importedRecipientCount"] == 2 and len(again["attachments"]) == 1
    assert again["savedAt"] > reopened["savedAt"]
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Message).where(
            Message.sender_id == user_id)).scalar_one() == 1  # saved in place: still one draft


def test_cmp_28_drf_02_another_users_draft_is_not_found_like_a_missing_one(client, engine):
    """Covers CMP-28, DRF-02: saveDraft(id), draft(id) and discardDraft(id) answer another user's draft
    exactly as a missing one, and so do a bare number and another kind's id naming the owner's own
    draft's row; none changes anything; bad input on a saved draft writes nothing."""
    owner = make_user(engine, Role.ADMIN)
    other = make_user(engine, Role.ADMIN)
    draft_id = save(client, owner, {"subject": "Mine", "htmlBody": "<p>x</p>", "channels": ["EMAIL"]})["draft"]["id"]
    body = {"subject": "Taken", "htmlBody": "<p>y</p>", "channels": ["EMAIL"]}
    missing = gid("Message", 999999999)
    foreign, not_found = save(client, other, body, id=draft_id), save(client, other, body, id=missing)
    assert foreign == not_found == {"__typename": "SaveDraftErrors", "errors": [
        {"field": "id", "code": "NOT_FOUND", "message": "No draft of yours has that id."}]}
    assert gql(client, DRAFT, {"id": draft_id}, other)["data"]["draft"] is None
    assert gql(client, DISCARD, {"id": draft_id}, other)["data"]["discardDraft"] == gql(
        client, DISCARD, {"id": missing}, other)["data"]["discardDraft"]
    for wrong in (str(pk_of(draft_id)), gid("Student", pk_of(draft_id))):  # a bare number, another kind's id
        assert save(client, owner, body, id=wrong) == not_found, wrong
        assert gql(client, DRAFT, {"id": wrong}, owner)["data"]["draft"] is None, wrong
        assert gql(client, DISCARD, {"id": wrong}, owner)["data"]["discardDraft"] == gql(
            client, DISCARD, {"id": missing}, owner)["data"]["discardDraft"], wrong
    bad = save(client, owner, {"subject": "x" * 201, "htmlBody": "<p>z</p>", "channels": []}, id=draft_id)
    assert sorted(e["code"] for e in bad["errors"]) == ["REQUIRED", "TOO_LONG"]
    kept = gql(client, DRAFT, {"id": draft_id}, owner)["data"]["draft"]
    assert kept["subject"] == "Mine" and kept["htmlBody"] == "<p>x</p>"


def test_drf_01_drafts_list_newest_saved_first_with_types_and_a_saved_time_filter(client, engine):
    """Covers DRF-01, DRF-05 (listing): the viewer's drafts only, newest saved first, each with its
    saved time and message types; search matches the saved date and time as shown in the district's
    time zone, and the title."""
    previous = set_district(engine, time_zone="Pacific/Auckland")
    try:
        token = make_user(engine, Role.ADMIN)
        make_user(engine, Role.ADMIN)  # someone else's drafts never show
        ids = [save(client, token, {"subject": f"Draft {n}", "htmlBody": "<p>x</p>", "channels": channels}
                    )["draft"]["id"] for n, channels in enumerate((["EMAIL"], ["EMAIL", "SMS"], ["SMS"]))]
        save(client, token, {"subject": "Draft 0 again", "htmlBody": "<p>x</p>", "channels": ["EMAIL"]}, id=ids[0])
        listed = gql(client, DRAFTS, {}, token)["data"]["drafts"]
        nodes = [e["node"] for e in listed["edges"]]
        assert [n["id"] for n in nodes] == [ids[0], ids[2], ids[1]] and listed["totalCount"] == 3
        assert [n["channels"] for n in nodes] == [["EMAIL"], ["SMS"], ["EMAIL", "SMS"]]
        assert nodes[0]["title"] == "Draft 0 again"
        first_page = gql(client, DRAFTS, {"first": 2}, token)["data"]["drafts"]
        assert first_page["pageInfo"]["hasNextPage"]
        rest = gql(client, DRAFTS, {"first": 2, "after": first_page["pageInfo"]["endCursor"]}, token)["data"]["drafts"]
        assert [e["node"]["id"] for e in rest["edges"]] == [ids[1]] and not rest["pageInfo"]["hasNextPage"]

        local = dt.datetime.fromisoformat(nodes[0]["savedAt"]).astimezone(ZoneInfo("Pacific/Auckland"))
        by_day = gql(client, DRAFTS, {"search": f"{local:%Y-%m-%d}"}, token)["data"]["drafts"]
        assert ids[0] in [e["node"]["id"] for e in by_day["edges"]]
        by_time = gql(client, DRAFTS, {"search": f"{local:%H:%M}"}, token)["data"]["drafts"]
        assert ids[0] in [e["node"]["id"] for e in by_time["edges"]]
        utc = dt.datetime.fromisoformat(nodes[0]["savedAt"]).astimezone(dt.UTC)
        if f"{utc:%H:%M}" not in {f"{local:%H:%M}"}:  # the time shown is the district's, not UTC's
            assert gql(client, DRAFTS, {"search": f"{utc:%H:%M}"}, token)["data"]["drafts"]["totalCount"] == 0
        assert gql(client, DRAFTS, {"search": "again"}, token)["data"]["drafts"]["totalCount"] == 1
        assert gql(client, DRAFTS, {"search": "1999-01-01"}, token)["data"]["drafts"]["totalCount"] == 0
    finally:
        set_district(engine, **previous)


def test_cmp_29_discard_removes_the_draft_and_all_it_holds_and_delivers_nothing(client, engine):
    """Covers CMP-29: the draft, its selection, imported recipients and files are gone; nothing was
    delivered; a second discard is NOT_FOUND."""
    token = make_user(engine, Role.ADMIN)
    students = kids(engine, 1)
    draft_id = save(client, token, {"subject": "Discard me", "htmlBody": "<p>x</p>", "channels": ["EMAIL"],
                                    "recipientType": "PRIMARY_CONTACTS", "studentIds": students})["draft"]["id"]
    gql(client, IMPORT, {"input": {"messageId": draft_id, "csv": CSV, "hasHeader": True, "columns": COLUMNS}}, token)
    assert upload(client, token, draft_id).status_code == 201
    result = gql(client, DISCARD, {"id": draft_id}, token)["data"]["discardDraft"]
    assert result == {"__typename": "DiscardDraftSuccess", "discardedId": draft_id}
    with session_scope(engine) as session:
        for table in (Message, MessageStudent, MessageStaff, ImportedRecipient, MessageAttachment, Delivery):
            column = table.id if table is Message else table.message_id
            assert session.execute(select(func.count()).select_from(table).where(
                column == pk_of(draft_id))).scalar_one() == 0, table
    again = gql(client, DISCARD, {"id": draft_id}, token)["data"]["discardDraft"]
    assert again["errors"] == [{"field": "id", "code": "NOT_FOUND", "message": "No draft of yours has that id."}]


def test_perm_61_family_users_without_send_messages_cannot_save_or_update_drafts(client, engine):
    """Covers PERM-61: a parent without Send Messages is refused saveDraft, new or in place, and
    nothing is written; with it, a parent may save a draft."""
    parent = make_user(engine, Role.PARENT, perms=[Perm.COMMUNICATION])
    with session_scope(engine) as session:
        before = session.execute(select(func.count()).select_from(Message)).scalar_one()
    body = {"subject": "Hi", "htmlBody": "<p>x</p>", "channels": ["EMAIL"]}
    for id in (None, gid("Message", 1)):
        answer = gql(client, SAVE, {"id": id, "input": body}, parent)
        assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Message)).scalar_one() == before
    allowed = make_user(engine, Role.PARENT, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES])
    assert save(client, allowed, body)["__typename"] == "SaveDraftSuccess"


CANCEL = """mutation($id: ID!) { cancelScheduledMessage(id: $id) { ... on CancelScheduledMessageSuccess { message { id status } } } }"""


def test_imp_01_recipients_import_onto_a_scheduled_message_too(client, engine):
    """Covers IMP-01: a scheduled message of the viewer's takes imported recipients and keeps them;
    someone else's is NOT_FOUND and takes none."""
    token = make_user(engine, Role.ADMIN)
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email())
    scheduled = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600)},
                    token)["data"]["scheduleMessage"]
    assert scheduled["message"]["status"] == "SCHEDULED"
    message_id = scheduled["message"]["id"]
    variables = {"input": {"messageId": message_id, "csv": CSV, "hasHeader": True, "columns": COLUMNS}}
    result = gql(client, IMPORT, variables, token)["data"]["importRecipients"]
    assert result == {"__typename": "ImportRecipientsSuccess", "importedCount": 2, "totalImported": 2}
    listed = gql(client, IMPORTED, {"id": message_id}, token)["data"]["importedRecipients"]
    assert listed["totalCount"] == 2
    other = make_user(engine, Role.ADMIN)
    refused = gql(client, IMPORT, variables, other)["data"]["importRecipients"]
    assert refused["errors"] == [{"column": "messageId", "code": "NOT_FOUND"}]
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(ImportedRecipient).where(
            ImportedRecipient.message_id == pk_of(message_id))).scalar_one() == 2
    # Due in an hour, it would go out (and be refused: this administrator may not send outside)
    # in every later test's queue run; it ends with this test.
    assert gql(client, CANCEL, {"id": message_id}, token)["data"]["cancelScheduledMessage"]["message"]["status"] == "CANCELLED"
