"""Assigning drafts over GraphQL (DRF-03..DRF-09, PERM-42, MRG-03) and the portal alerts they raise."""

from __future__ import annotations

from sqlalchemy import func, select, update

from factories import add_contact, add_school, add_student, email, first_school_id, unique
from helpers import gid, gids, gql, make_user, pk_of
from domain.access.permissions import Perm
from models.conversations import DraftAssignment, PortalAlert
from models.db import session_scope
from models.directory import Role, User
from models.messaging import Message

SAVE = """mutation($id: ID, $input: SendMessageInput!) { saveDraft(id: $id, input: $input) { __typename
  ... on SaveDraftSuccess { draft { id subject priority emergency sendAsDistrict channels cc readOnlyFields } }
  ... on SaveDraftErrors { errors { field code } } } }"""

ASSIGN = """mutation($id: ID!, $to: ID!, $note: String) { assignDraft(id: $id, assigneeId: $to, note: $note) {
  __typename ... on AssignDraftSuccess { draftId assigneeId title }
  ... on AssignDraftErrors { errors { field code message } } } }"""

ASSIGN_BACK = """mutation($id: ID!, $note: String) { assignDraftBack(id: $id, note: $note) {
  __typename ... on AssignDraftSuccess { draftId assigneeId title }
  ... on AssignDraftBackErrors { errors { field code } } } }"""

DRAFTS = """{ drafts { totalCount edges { node { id title assignment { fromUserId note } } } } }"""

DRAFT = """query($id: ID!) { draft(id: $id) { id title readOnlyFields priority emergency sendAsDistrict channels } }"""

ALERTS = """query($unseen: Boolean) { portalAlerts(unseenOnly: $unseen) { totalCount unseenCount
  edges { node { id kind text messageId seenAt } } } }"""

SEEN = """mutation($ids: [ID!]!) { markPortalAlertsSeen(ids: $ids) { markedCount unseenCount } }"""

SEND_DRAFT = """mutation($id: ID!) { sendDraft(id: $id) { __typename
  ... on SendMessageSuccess { message { id } } ... on SendDraftErrors { errors { code } } } }"""


def user(engine, role: Role, **options) -> tuple[str, int]:
    login = unique(f"{role.value.lower()}.")
    token = make_user(engine, role, login=login, **options)
    with session_scope(engine) as session:
        return token, session.execute(select(User.id).where(User.login == login)).scalar_one()


def kid(engine) -> str:
    student = add_student(engine, first_school_id(engine))
    add_contact(engine, student, email=email())
    return gid("Student", student)


def new_draft(client, token, engine, **fields) -> str:
    body = {"subject": "Picture day", "htmlBody": "<p>Smile</p>", "channels": ["EMAIL"],
            "recipientType": "PRIMARY_CONTACTS", "studentIds": [kid(engine)], **fields}
    saved = gql(client, SAVE, {"input": body}, token)["data"]["saveDraft"]
    assert saved["__typename"] == "SaveDraftSuccess", saved
    return saved["draft"]["id"]


def draft_ids(client, token) -> list[str]:
    return [e["node"]["id"] for e in gql(client, DRAFTS, {}, token)["data"]["drafts"]["edges"]]


def holder_and_rows(engine, draft_id) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        sender = session.execute(select(Message.sender_id).where(Message.id == pk_of(draft_id))).scalar_one()
        assignments = session.execute(select(func.count()).select_from(DraftAssignment).where(
            DraftAssignment.message_id == pk_of(draft_id))).scalar_one()
        alerts = session.execute(select(func.count()).select_from(PortalAlert).where(
            PortalAlert.message_id == pk_of(draft_id))).scalar_one()
    return sender, assignments, alerts


def test_drf_03_drf_04_drf_05_drf_06_the_draft_moves_to_the_assignee_with_its_note_and_an_alert(client, engine):
    """Covers DRF-03, DRF-04, DRF-05, DRF-06, PERM-42: the note becomes the title, the draft leaves the
    assigner's drafts for the assignee's, and the assignee's portal shows an unseen alert until marked
    seen; an empty note falls back to the subject."""
    admin, admin_id = user(engine, Role.ADMIN)
    teacher, teacher_id = user(engine, Role.TEACHER)
    draft_id = new_draft(client, admin, engine)
    result = gql(client, ASSIGN, {"id": draft_id, "to": gid("User", teacher_id), "note": "Please add the times"},
                 admin)["data"]["assignDraft"]
    assert result == {"__typename": "AssignDraftSuccess", "draftId": draft_id, "assigneeId": gid("User", teacher_id),
                      "title": "Please add the times"}
    assert draft_id not in draft_ids(client, admin)
    listed = gql(client, DRAFTS, {}, teacher)["data"]["drafts"]["edges"]
    assert [e["node"] for e in listed] == [{"id": draft_id, "title": "Please add the times", "assignment": {
        "fromUserId": gid("User", admin_id), "note": "Please add the times"}}]
    alerts = gql(client, ALERTS, {"unseen": True}, teacher)["data"]["portalAlerts"]
    assert alerts["unseenCount"] == 1 and alerts["totalCount"] == 1
    alert = alerts["edges"][0]["node"]
    assert alert["kind"] == "DRAFT_ASSIGNED" and alert["messageId"] == draft_id and alert["seenAt"] is None
    assert "Please add the times" in alert["text"]
    assert gql(client, ALERTS, {}, admin)["data"]["portalAlerts"]["totalCount"] == 0
    assert gql(client, SEEN, {"ids": [alert["id"]]}, admin)["data"]["markPortalAlertsSeen"]["markedCount"] == 0
    assert gql(client, SEEN, {"ids": [alert["id"]]}, teacher)["data"]["markPortalAlertsSeen"] == {
        "markedCount": 1, "unseenCount": 0}
    assert gql(client, ALERTS, {"unseen": True}, teacher)["data"]["portalAlerts"]["totalCount"] == 0

    untitled = new_draft(client, admin, engine, subject="Lost and found")
    result = gql(client, ASSIGN, {"id": untitled, "to": gid("User", teacher_id), "note": "  "}, admin)["data"]["assignDraft"]
    assert result["title"] == "Lost and found"  # DRF-04: an empty note falls back to the subject


def test_drf_03_mrg_03_refused_assignments_are_typed_and_write_nothing(client, engine):
    """Covers DRF-03, MRG-03, PERM-42: no subject is SUBJECT_REQUIRED; an inactive, deleted,
    out-of-reach, family or missing assignee is ASSIGNEE_NOT_FOUND, alike, and so is a bare number or
    another kind's id; another user's draft, or an id that is no Message id, is NOT_FOUND; without "Assign Messages to Users" it is FORBIDDEN. Nothing changes."""
    admin, admin_id = user(engine, Role.ADMIN)
    _, inactive = user(engine, Role.TEACHER)
    _, deleted = user(engine, Role.TEACHER)
    _, elsewhere = user(engine, Role.TEACHER, school_ids=[add_school(engine)])
    _, parent = user(engine, Role.PARENT)
    with session_scope(engine) as session:
        session.execute(update(User).where(User.id == inactive).values(status="INACTIVE"))
        session.execute(update(User).where(User.id == deleted).values(status="DELETED"))
    draft_id = new_draft(client, admin, engine)
    unreachable = []
    _, reachable = user(engine, Role.TEACHER)
    for target in [*gids("User", (inactive, deleted, elsewhere, parent, 999_999_999)),
                   str(reachable), gid("Student", reachable), "abc"]:  # a bare number, another kind's id
        answer = gql(client, ASSIGN, {"id": draft_id, "to": target, "note": "x"}, admin)["data"]["assignDraft"]
        unreachable.append(answer)
    assert all(a == unreachable[0] for a in unreachable)
    assert unreachable[0]["errors"] == [{"field": "assigneeId", "code": "ASSIGNEE_NOT_FOUND",
                                         "message": "No active user at your schools has that id."}]
    _, teacher_id = user(engine, Role.TEACHER)
    blank = new_draft(client, admin, engine, subject="")
    answer = gql(client, ASSIGN, {"id": blank, "to": gid("User", teacher_id)}, admin)["data"]["assignDraft"]
    assert [e["code"] for e in answer["errors"]] == ["SUBJECT_REQUIRED"]
    too_long = gql(client, ASSIGN, {"id": draft_id, "to": gid("User", teacher_id), "note": "n" * 201}, admin)
    assert [e["code"] for e in too_long["data"]["assignDraft"]["errors"]] == ["TOO_LONG"]
    other_admin, _ = user(engine, Role.ADMIN)
    foreign = gql(client, ASSIGN, {"id": draft_id, "to": gid("User", teacher_id)}, other_admin)["data"]["assignDraft"]
    assert [e["code"] for e in foreign["errors"]] == ["NOT_FOUND"]
    for wrong in (str(pk_of(draft_id)), gid("Student", pk_of(draft_id)), gid("Message", 999_999_999)):
        answer = gql(client, ASSIGN, {"id": wrong, "to": gid("User", teacher_id)}, admin)["data"]["assignDraft"]
        assert [e["code"] for e in answer["errors"]] == ["NOT_FOUND"], wrong  # the admin's draft id's number, or not
    no_permission, _ = user(engine, Role.ADMIN, without=[Perm.ASSIGN_MESSAGES])
    own = new_draft(client, no_permission, engine)
    denied = gql(client, ASSIGN, {"id": own, "to": gid("User", teacher_id)}, no_permission)
    assert denied["data"] is None and denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for kept in (draft_id, blank):
        assert holder_and_rows(engine, kept) == (admin_id, 0, 0)


def test_drf_07_drf_09_read_only_fields_keep_the_assigners_values_and_the_assignee_sends(client, engine):
    """Covers DRF-07, DRF-09: the assignee's readOnlyFields name what they may not set; saving the
    draft with those values unchanged passes, any change to one is READ_ONLY_FIELD and writes
    nothing; the assigner's Cc rides along although the assignee may not add outside addresses;
    the assignee sends it and is its sender of record."""
    admin, _ = user(engine, Role.ADMIN)
    teacher, teacher_id = user(engine, Role.TEACHER, without=[Perm.OUTSIDE_RECIPIENTS, Perm.PHONE_CALLS])
    gated = {"priority": True, "emergency": True, "sendAsDistrict": True, "channels": ["EMAIL", "SMS"],
             "cc": ["board@partners.example.org"]}
    draft_id = new_draft(client, admin, engine, **gated)
    gql(client, ASSIGN, {"id": draft_id, "to": gid("User", teacher_id), "note": "Yours"}, admin)
    opened = gql(client, DRAFT, {"id": draft_id}, teacher)["data"]["draft"]
    assert {"priority", "emergency", "sendAsDistrict", "cc", "importedRecipients"} <= set(opened["readOnlyFields"])
    assert "channels.VOICE" in opened["readOnlyFields"] and "channels.SMS" not in opened["readOnlyFields"]
    assert opened["priority"] and opened["emergency"] and opened["sendAsDistrict"]

    student = gql(client, """query($id: ID!) { draft(id: $id) { studentIds } }""", {"id": draft_id},
                  teacher)["data"]["draft"]["studentIds"]
    body = {"subject": "Picture day, updated", "htmlBody": "<p>Smile wide</p>", "recipientType": "PRIMARY_CONTACTS",
            "studentIds": student, **gated}
    edited = gql(client, SAVE, {"id": draft_id, "input": body}, teacher)["data"]["saveDraft"]
    assert edited["__typename"] == "SaveDraftSuccess", edited
    assert edited["draft"]["subject"] == "Picture day, updated" and edited["draft"]["priority"]
    for change, field in (({"priority": False}, "priority"), ({"sendAsDistrict": False}, "sendAsDistrict"),
                          ({"cc": []}, "cc"), ({"channels": ["EMAIL", "SMS", "VOICE"]}, "channels")):
        refused = gql(client, SAVE, {"id": draft_id, "input": {**body, "subject": "Changed", **change}},
                      teacher)["data"]["saveDraft"]
        assert refused == {"__typename": "SaveDraftErrors", "errors": [{"field": f"input.{field}", "code": "READ_ONLY_FIELD"}]}
    kept = gql(client, DRAFT, {"id": draft_id}, teacher)["data"]["draft"]
    assert kept["title"] == "Yours" and kept["priority"] and kept["sendAsDistrict"]

    sent = gql(client, SEND_DRAFT, {"id": draft_id}, teacher)["data"]["sendDraft"]
    assert sent["__typename"] == "SendMessageSuccess", sent
    with session_scope(engine) as session:
        message = session.get(Message, pk_of(draft_id))
        assert message.sender_id == teacher_id and message.priority and message.cc == gated["cc"]
        assert message.subject == "Picture day, updated" and message.status != "DRAFT"


def test_drf_08_assign_back_in_one_step_or_on_to_another_user(client, engine):
    """Covers DRF-08, PERM-42: an assignee with the permission assigns the draft back to whoever
    assigned it, with a new note, in one step, or assigns it on; a draft never assigned to the
    viewer is NOT_ASSIGNED."""
    first, first_id = user(engine, Role.ADMIN)
    second, second_id = user(engine, Role.ADMIN)
    third, third_id = user(engine, Role.ADMIN)
    draft_id = new_draft(client, first, engine)
    never = gql(client, ASSIGN_BACK, {"id": draft_id}, first)["data"]["assignDraftBack"]
    assert never == {"__typename": "AssignDraftBackErrors", "errors": [{"field": "id", "code": "NOT_ASSIGNED"}]}
    gql(client, ASSIGN, {"id": draft_id, "to": gid("User", second_id), "note": "Check dates"}, first)
    back = gql(client, ASSIGN_BACK, {"id": draft_id, "note": "Dates fixed"}, second)["data"]["assignDraftBack"]
    assert back == {"__typename": "AssignDraftSuccess", "draftId": draft_id, "assigneeId": gid("User", first_id),
                    "title": "Dates fixed"}
    assert draft_ids(client, first) == [draft_id] and draft_ids(client, second) == []
    onward = gql(client, ASSIGN, {"id": draft_id, "to": gid("User", third_id), "note": "For the newsletter"},
                 first)["data"]["assignDraft"]
    assert onward["assigneeId"] == gid("User", third_id) and draft_ids(client, third) == [draft_id]
    assert gql(client, ASSIGN_BACK, {"id": draft_id}, second)["data"]["assignDraftBack"]["errors"][0]["code"] \
        == "NOT_FOUND"
    assert holder_and_rows(engine, draft_id) == (third_id, 3, 3)
