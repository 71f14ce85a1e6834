"""Issue 17 point 1: the Node interface and node(id:)/nodes(ids:). Every Node a list shows is
refetched by its opaque global id as the same object; an id the caller may not see (another
school's row, a colleague's draft, a kind the caller's permissions or key scopes do not show)
answers exactly like a missing row, another kind's id and a string that is no id at all."""

from __future__ import annotations

import json

from sqlalchemy import select

from domain.access.permissions import Perm
from domain.support.global_ids import Kind, decoded, global_id, pk_of as strict_pk_of
from factories import add_school, first_school_id, add_section, add_student, add_user, phone, unique
from helpers import count_statements, gid, gids, gql, make_user, pk_of, token_for, wait_for_message
from models.db import session_scope
from models.directory import Role, User
from models.webhooks import WebhookEndpoint
from partner_key_steps import create_key

NODE = """query($id: ID!) { node(id: $id) { __typename id } }"""
NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"""
SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
  ... on SaveDraftSuccess { message { id } } } }"""
SEND_DRAFT = """mutation($id: ID!) { sendDraft(id: $id) { __typename } }"""
LISTS = """{ schools(first: 2) { nodes { __typename id } } students(first: 2) { nodes { __typename id } }
  staff(first: 2) { nodes { __typename id } } sections(first: 2) { nodes { __typename id } }
  studentGroups(first: 2) { nodes { __typename id } } userGroups(first: 2) { nodes { __typename id } }
  callerIds { __typename id } partnerKeys { __typename id } webhookEndpoints { __typename id }
  drafts(first: 2) { nodes { __typename id } } }"""
MESSAGE = """query($id: ID!) { message(id: $id) { __typename id deliveries(first: 3) { nodes { __typename id } } } }"""
CREATE_CALLER_ID = """mutation($input: CallerIdInput!) { createCallerId(input: $input) { __typename } }"""


def _refetched(client, token, shown: list[dict]) -> None:
    for node in shown:
        assert gql(client, NODE, {"id": node["id"]}, token)["data"]["node"] == node, node
    assert gql(client, NODES, {"ids": [n["id"] for n in shown]}, token)["data"]["nodes"] == shown


def _sent_message(client, engine, token: str) -> str:
    kid = add_student(engine, first_school_id(engine))
    body = {"subject": unique("Node "), "htmlBody": "<p>Hello</p>", "channels": ["EMAIL"],
            "recipientType": "STUDENTS", "studentIds": [gid(Kind.STUDENT, kid)]}
    draft = gql(client, SAVE_DRAFT, {"input": body}, token)["data"]["saveDraft"]["message"]["id"]
    assert gql(client, SEND_DRAFT, {"id": draft}, token)["data"]["sendDraft"]["__typename"] == "SendMessageSuccess"
    wait_for_message(client, token, draft)
    return draft


def _an_endpoint(engine) -> None:
    with session_scope(engine) as session:
        admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        session.add(WebhookEndpoint(url="https://hooks.example.org/node", event_types=["message.completed"],
                                    secret="whsec_" + "A" * 44, created_by_id=admin))


def test_issue_17_point_1_every_node_a_list_shows_is_refetched_as_the_same_object(client, engine):
    admin = token_for(engine, "admin")
    assert gql(client, CREATE_CALLER_ID, {"input": {"title": "Node", "phone": phone()}},
               admin)["data"]["createCallerId"]["__typename"] == "CallerIdSaved"
    create_key(client, engine, name="Node refetch")
    _an_endpoint(engine)
    gql(client, SAVE_DRAFT, {"input": {"subject": unique("Draft "), "htmlBody": "<p>x</p>", "channels": ["EMAIL"],
                                       "recipientType": "STUDENTS", "studentIds": []}}, admin)
    lists = gql(client, LISTS, token=admin)["data"]
    shown = [node for value in lists.values() for node in (value["nodes"] if isinstance(value, dict) else value)]
    kinds = {node["__typename"] for node in shown}
    assert {"School", "Student", "StaffMember", "Section", "CallerId", "PartnerKey", "WebhookEndpoint",
            "Draft"} <= kinds, kinds
    message = gql(client, MESSAGE, {"id": _sent_message(client, engine, admin)}, admin)["data"]["message"]
    shown += [{"__typename": "Message", "id": message["id"]}, *message["deliveries"]["nodes"]]
    assert message["deliveries"]["nodes"], message
    _refetched(client, admin, shown)


def test_issue_17_point_1_ids_are_opaque_strings_of_one_kind():
    value = global_id(Kind.MESSAGE, 42)
    assert value == "TWVzc2FnZTo0Mg" and decoded(value) == (Kind.MESSAGE, 42)
    assert strict_pk_of(value, Kind.STUDENT) is None  # another kind's id names no student
    for spelled_otherwise in ("42", "TWVzc2FnZTo0Mg==", "TWVzc2FnZTowNDI", "TWVzc2FnZTotNDI",
                              global_id(Kind.MESSAGE, 42)[:-1], "", "Message:42", "TWVzc2FnZTo5OTk5OTk5OTk5OTk5OTk5"):
        assert decoded(spelled_otherwise) is None, spelled_otherwise


def test_issue_17_point_1_a_foreign_id_answers_exactly_like_a_missing_one(client, engine):
    """Another school's student, section and teacher, another user's draft, a missing row, another
    kind's id and garbage: the same null, byte for byte."""
    teacher = token_for(engine, "teacher.1")
    elsewhere = add_school(engine)
    kid = add_student(engine, elsewhere)
    colleague = add_user(engine, "TEACHER", school_ids=[elsewhere], profile="Teacher")
    section = add_section(engine, elsewhere, teacher_ids=[colleague], student_ids=[kid])
    draft = gql(client, SAVE_DRAFT, {"input": {"subject": "Private", "htmlBody": "<p>x</p>", "channels": ["EMAIL"],
                                               "recipientType": "STUDENTS", "studentIds": []}},
                token_for(engine, "admin"))["data"]["saveDraft"]["message"]["id"]
    missing = gid(Kind.STUDENT, 900001)
    expected = client.post("/graphql", json={"query": NODE, "variables": {"id": missing}},
                           headers={"Authorization": f"Bearer {teacher}"}).content
    assert json.loads(expected) == {"data": {"node": None}}
    for foreign in (gid(Kind.STUDENT, kid), gid(Kind.SECTION, section), gid(Kind.USER, colleague), draft,
                    gid(Kind.SCHOOL, elsewhere), gid(Kind.PROFILE, 1), gid(Kind.THREAD, 1), str(kid),
                    "not an id", gid(Kind.MESSAGE, pk_of(gid(Kind.STUDENT, kid)))):
        answer = client.post("/graphql", json={"query": NODE, "variables": {"id": foreign}},
                             headers={"Authorization": f"Bearer {teacher}"}).content
        assert answer == expected, foreign


def test_issue_17_point_1_a_kind_follows_the_permissions_and_scopes_of_its_own_query(client, engine):
    """node and nodes need "Communication", as every root field does (PERM-06); past that, a kind whose
    own query needs more (callerIds: the caller-ID permission) is null without it, and a partner key
    sees a student only with directory:read, as students(…) does (a key with neither scope of a Node
    is refused outright)."""
    kid = add_student(engine, first_school_id(engine))
    student = gid(Kind.STUDENT, kid)
    admin = token_for(engine, "admin")
    assert gql(client, NODE, {"id": student}, admin)["data"]["node"] == {"__typename": "Student", "id": student}
    without = make_user(engine, Role.ADMIN, perms=[Perm.SEND_MESSAGES])
    assert gql(client, NODE, {"id": student}, without)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    no_caller_ids = make_user(engine, Role.ADMIN, perms=[Perm.COMMUNICATION])  # callerIds needs its permission
    made = gql(client, CREATE_CALLER_ID.replace("__typename }", "__typename ... on CallerIdSaved { callerId { id } } }"),
               {"input": {"title": "Scoped", "phone": phone()}}, admin)["data"]["createCallerId"]["callerId"]["id"]
    assert gql(client, NODE, {"id": made}, admin)["data"]["node"] == {"__typename": "CallerId", "id": made}
    assert gql(client, NODE, {"id": made}, no_caller_ids) == {"data": {"node": None}}
    directory_key = create_key(client, engine, name="Directory", scopes=("DIRECTORY_READ",))["secret"]
    messages_key = create_key(client, engine, name="Messages", scopes=("MESSAGES_READ",))["secret"]
    deliveries_key = create_key(client, engine, name="Deliveries", scopes=("DELIVERIES_READ",))["secret"]
    assert gql(client, NODE, {"id": student}, directory_key)["data"]["node"]["id"] == student
    assert gql(client, NODE, {"id": student}, messages_key) == {"data": {"node": None}}
    refused = gql(client, NODE, {"id": student}, deliveries_key)["errors"][0]["extensions"]  # reads no Node
    assert refused == {"code": "FORBIDDEN", "scopes": ["directory:read", "messages:read"]}
    anonymous = client.post("/graphql", json={"query": NODE, "variables": {"id": student}}).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_issue_17_point_1_nodes_answer_in_order_with_nulls_in_one_statement_per_kind(client, engine):
    admin = token_for(engine, "admin")
    school = first_school_id(engine)
    kids = [add_student(engine, school) for _ in range(30)]
    asked = [*gids(Kind.STUDENT, kids[:15]), gid(Kind.STUDENT, 900001), "garbage", *gids(Kind.STUDENT, kids[15:])]
    with count_statements(engine) as statements:
        answer = gql(client, NODES, {"ids": asked}, admin)["data"]["nodes"]
    assert [node and node["id"] for node in answer] == [*asked[:15], None, None, *asked[17:]]
    few = len(statements)
    with count_statements(engine) as statements:
        gql(client, NODES, {"ids": asked[:3]}, admin)
    assert len(statements) == few  # the same statements for 3 students as for 30


def test_issue_17_point_1_nodes_takes_at_most_a_page_of_ids(client, engine):
    admin = token_for(engine, "admin")
    over = gql(client, NODES, {"ids": gids(Kind.STUDENT, range(1, 102))}, admin)
    assert over["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "ids", "maxLength": 100}
    assert gql(client, NODES, {"ids": gids(Kind.STUDENT, range(1, 101))}, admin)["data"]["nodes"]


def test_issue_17_point_1_an_inbox_address_names_its_user_by_global_id(client, engine):
    """A staff recipient's in-app delivery goes to "user:" and their User id, the id StaffMember.id
    shows; nothing the API shows carries a row number."""
    admin = token_for(engine, "admin")
    teacher = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher")
    body = {"subject": unique("Inbox "), "htmlBody": "<p>Staff</p>", "channels": ["EMAIL"],
            "staffIds": [gid(Kind.USER, teacher)]}
    draft = gql(client, SAVE_DRAFT, {"input": body}, admin)["data"]["saveDraft"]["message"]["id"]
    assert gql(client, SEND_DRAFT, {"id": draft}, admin)["data"]["sendDraft"]["__typename"] == "SendMessageSuccess"
    wait_for_message(client, admin, draft)
    query = """query($id: ID!) { message(id: $id) { deliveries(first: 10) { nodes { channel address recipientId } }
      inAppReaders(first: 10) { nodes { userId } } } }"""
    message = gql(client, query, {"id": draft}, admin)["data"]["message"]
    inbox = [d for d in message["deliveries"]["nodes"] if d["channel"] == "INAPP"]
    assert inbox == [{"channel": "INAPP", "address": "user:" + gid(Kind.USER, teacher),
                      "recipientId": gid(Kind.USER, teacher)}], message
    assert [r["userId"] for r in message["inAppReaders"]["nodes"]] == [gid(Kind.USER, teacher)]
