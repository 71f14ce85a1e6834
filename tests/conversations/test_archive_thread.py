"""archiveThread and unarchiveThread for every pair of roles (INB-15..INB-20)."""

from __future__ import annotations

import pytest

from helpers import gid, gql, make_user, row_counts
from models.directory import Role

ARCHIVE = """
mutation Archive($threadId: ID!) {
  archiveThread(threadId: $threadId) {
    __typename
    ... on ThreadArchiveState { threadId archived }
    ... on ArchiveThreadErrors { errors { code field } }
  }
}
"""
UNARCHIVE = ARCHIVE.replace("Archive(", "Unarchive(").replace("archiveThread(", "unarchiveThread(").replace(
    "ArchiveThreadErrors", "UnarchiveThreadErrors")
REPLY = """
mutation Reply($input: ReplyInThreadInput!) {
  replyInThread(input: $input) {
    __typename
    ... on ReplyInThreadErrors { errors { code } }
  }
}
"""

STAFF = ("ADMIN", "TEACHER")
PAIRS = [(a, b) for a in ("ADMIN", "TEACHER", "PARENT", "STUDENT") for b in ("ADMIN", "TEACHER", "PARENT", "STUDENT")
         if a in STAFF or b in STAFF]


def archived(people, person, thread_id) -> bool:
    return people.side(person, thread_id).archived_at is not None


def run(client, document, person, thread_id) -> dict:
    """``thread_id``: a Thread's row id, or an id string as sent."""
    thread = thread_id if isinstance(thread_id, str) else gid("Thread", thread_id)
    payload = gql(client, document, {"threadId": thread}, person.token)["data"]
    return next(iter(payload.values()))


def reply(client, person, thread_id) -> str:
    payload = gql(client, REPLY, {"input": {"threadId": gid("Thread", thread_id), "body": "<p>Still here.</p>"}},
                  person.token)["data"]["replyInThread"]
    return payload["__typename"] if payload["__typename"].endswith("Success") else payload["errors"][0]["code"]


@pytest.mark.parametrize(("archiver_role", "correspondent_role"), PAIRS)
def test_inb_15_to_inb_20_archive_for_every_role_pair(client, engine, people, archiver_role, correspondent_role):
    """Covers INB-15, INB-16, INB-17, INB-18, INB-19, INB-20: staff archiving a thread with a parent
    or student archive it for both, and the family side cannot continue it (THREAD_ARCHIVED) nor
    take it back; any other pair, or a family archiver, archives only their own side. Unarchiving
    returns it for everyone it was archived for; an archived thread still takes its archiver's
    reply (INB-20), and a new message brings it back on both sides (INB-19)."""
    archiver, correspondent = people.make(archiver_role), people.make(correspondent_role)
    staff_first = archiver_role in STAFF
    people.send(*((archiver, correspondent) if staff_first else (correspondent, archiver)))
    thread_id = people.thread(archiver, correspondent)
    for_both = archiver_role in STAFF and correspondent_role not in STAFF

    state = run(client, ARCHIVE, archiver, thread_id)
    assert state == {"__typename": "ThreadArchiveState", "threadId": gid("Thread", thread_id), "archived": True}
    assert archived(people, archiver, thread_id)
    assert archived(people, correspondent, thread_id) is for_both
    if for_both:  # INB-16: the family side is locked until the staff member reopens it
        assert people.side(correspondent, thread_id).archived_by_id == archiver.id
        assert reply(client, correspondent, thread_id) == "THREAD_ARCHIVED"
        assert run(client, UNARCHIVE, correspondent, thread_id)["archived"] is True
        assert archived(people, correspondent, thread_id)

    # INB-18: unarchive returns it for everyone it was archived for.
    assert run(client, UNARCHIVE, archiver, thread_id)["archived"] is False
    assert not archived(people, archiver, thread_id) and not archived(people, correspondent, thread_id)

    # INB-20 and INB-19: archived again, the archiver still answers in it, and that brings it back.
    run(client, ARCHIVE, archiver, thread_id)
    assert reply(client, archiver, thread_id) == "ReplyInThreadSuccess"
    assert not archived(people, archiver, thread_id) and not archived(people, correspondent, thread_id)

    # INB-19: a new message from the correspondent brings back a thread only the archiver archived;
    # after a staff archive for both, the staff member's new message does.
    run(client, ARCHIVE, archiver, thread_id)
    if for_both:
        people.send(archiver, correspondent)
    else:
        assert reply(client, correspondent, thread_id) == "ReplyInThreadSuccess"
    assert not archived(people, archiver, thread_id) and not archived(people, correspondent, thread_id)


def test_another_users_thread_cannot_be_archived(client, engine, people):
    """Covers INB-15: someone else's thread is NOT_FOUND, like a missing one or an id of another
    kind; nothing changes."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    people.send(teacher, parent)
    thread_id = people.thread(teacher, parent)
    stranger = people.make("TEACHER")
    before = row_counts(engine)
    for document, name in ((ARCHIVE, "archiveThread"), (UNARCHIVE, "unarchiveThread")):
        for thread in (thread_id, 2_000_000_000, gid("Message", thread_id), str(thread_id)):
            payload = run(client, document, stranger, thread)
            assert payload["errors"] == [{"code": "NOT_FOUND", "field": "threadId"}], name
    assert not archived(people, teacher, thread_id) and row_counts(engine) == before


def test_archiving_needs_a_signed_in_user_with_communication(client, engine, people):
    """Covers INB-15: without Communication, archiving is FORBIDDEN."""
    token = make_user(engine, Role.TEACHER, perms=[])
    result = gql(client, ARCHIVE, {"threadId": gid("Thread", 1)}, token)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


PAYLOAD_THREADS = """
mutation($threadId: ID!, $input: ReplyInThreadInput!) {
  archiveThread(threadId: $threadId) { ... on ThreadArchiveState { thread { id archived canReply } } }
  replyInThread(input: $input) { ... on ReplyInThreadSuccess { thread { id archived lastSentAt } } }
}"""


def test_inb_15_inb_19_payloads_return_the_thread_as_the_lists_show_it(client, engine, people):
    """Covers INB-15, INB-19: archiveThread and replyInThread answer with the thread as the
    viewer's lists now show it, so a client updates its list without a second query."""
    teacher, admin = people.make("TEACHER"), people.make("ADMIN")
    people.send(teacher, admin)
    thread_id = people.thread(teacher, admin)
    data = gql(client, PAYLOAD_THREADS, {"threadId": gid("Thread", thread_id), "input": {
        "threadId": gid("Thread", thread_id), "body": "<p>Back again.</p>"}}, teacher.token)["data"]
    assert data["archiveThread"]["thread"] == {"id": gid("Thread", thread_id), "archived": True, "canReply": True}
    replied = data["replyInThread"]["thread"]
    assert replied["id"] == gid("Thread", thread_id) and replied["archived"] is False and replied["lastSentAt"]
