"""A mutation given an id that does not exist or is not visible answers a typed NOT_FOUND payload,
never null (issue 17 point 2): cancelScheduledMessage, recallMessage and resendToFailed. Another
user's id, an id of nothing and a malformed id answer byte for byte alike."""

from __future__ import annotations

import json

import pytest

from helpers import gid, gql, make_user, pk_of, token_for
from models.directory import Role
from shared_steps import SCHEDULE, family, message_input, schedule_in

#: (mutation, its id argument, the message of its NOT_FOUND)
MUTATIONS = [
    ("cancelScheduledMessage", "id", "No scheduled message of yours that can still be cancelled has that id."),
    ("recallMessage", "id", "No message of yours that is scheduled, queued or being sent has that id."),
    ("resendToFailed", "messageId", "No message you sent (or, as a district administrator, can read) has that id."),
]


def document(mutation: str, argument: str) -> str:
    pascal = mutation[0].upper() + mutation[1:]
    return (f"mutation($id: ID!) {{ {mutation}({argument}: $id) {{ __typename "
            f"... on {pascal}Errors {{ errors {{ field path code message }} }} }} }}")


def answer_bytes(client, query: str, id_value: str, token: str) -> bytes:
    response = client.post("/graphql", json={"query": query, "variables": {"id": id_value}},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture(scope="module")
def scheduled_message_id(client, engine) -> str:
    answer = gql(client, SCHEDULE, {"input": message_input(family(engine)), "schedule": schedule_in(3600)},
                 token_for(engine, "admin"))
    return answer["data"]["scheduleMessage"]["message"]["id"]


@pytest.mark.parametrize("mutation,argument,message", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_issue_17_point_2_a_foreign_id_answers_not_found_byte_for_byte_like_a_random_id(
        client, engine, scheduled_message_id, mutation, argument, message):
    """A teacher trying the administrator's scheduled message gets exactly what an id of nothing,
    a malformed id, a raw row number and an id of another kind get: a NOT_FOUND payload, not null;
    the message is untouched."""
    stranger = make_user(engine, Role.TEACHER)
    query = document(mutation, argument)
    foreign = answer_bytes(client, query, scheduled_message_id, stranger)
    row = pk_of(scheduled_message_id)
    for other in (gid("Message", 987654321), "abc", str(row), gid("Student", row)):
        assert answer_bytes(client, query, other, stranger) == foreign, other
    for other in (gid("Message", 987654321), "abc", str(row), gid("Student", row)):  # not even for its sender
        assert answer_bytes(client, query, other, token_for(engine, "admin")) == foreign, other
    pascal = mutation[0].upper() + mutation[1:]
    assert json.loads(foreign) == {"data": {mutation: {"__typename": f"{pascal}Errors", "errors": [
        {"field": argument, "path": [argument], "code": "NOT_FOUND", "message": message}]}}}


def test_issue_17_point_2_the_owner_still_cancels_what_strangers_could_not_find(client, engine, scheduled_message_id):
    """After every stranger's try the scheduled message is still there: its sender cancels it."""
    answer = gql(client, """mutation($id: ID!) { cancelScheduledMessage(id: $id) { __typename
      ... on CancelScheduledMessageSuccess { message { id status } } } }""", {"id": scheduled_message_id},
                 token_for(engine, "admin"))
    assert answer["data"]["cancelScheduledMessage"] == {"__typename": "CancelScheduledMessageSuccess", "message": {
        "id": scheduled_message_id, "status": "CANCELLED"}}
