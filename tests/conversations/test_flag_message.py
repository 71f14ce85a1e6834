"""flagMessage, viewFlaggedMessage and unflagMessage: manual flagging of the messages a user received
(INB-09, INB-10, INB-11, PERM-41, PERM-57), over GraphQL, each inbox change announced on the bus."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from sqlalchemy import select

from domain.access.permissions import Perm
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_contact, add_section, add_student, add_user, email, first_school_id, unique
from helpers import gid, gql, make_user, pk_of, set_district, token_for
from models.conversations import MessageFlagEvent
from models.db import session_scope
from models.directory import Role, User
from models.messaging import Message
from resolve import request, viewer_for

FLAG = """mutation($id: ID!, $confirm: Boolean!) { flagMessage(messageId: $id, confirm: $confirm) {
  __typename ... on MessageFlag { messageId flagged changed }
  ... on FlagMessageErrors { errors { field code message } } } }"""
VIEW = """mutation($id: ID!) { viewFlaggedMessage(messageId: $id) {
  __typename ... on FlaggedMessageContent { messageId subject htmlBody flagged viewedAt }
  ... on ViewFlaggedMessageErrors { errors { field code message } } } }"""
UNFLAG = """mutation($id: ID!) { unflagMessage(messageId: $id) {
  __typename ... on MessageFlag { messageId flagged changed }
  ... on UnflagMessageErrors { errors { field code message } } } }"""
THREAD = """query($id: ID!) { recipientThread(recipientKind: USER, recipientId: $id, first: 5) {
  entries { edges { node { message { id htmlBody flagged } } } } } }"""


def family(engine) -> dict:
    """A student with an account, a parent account on the card, and their teacher."""
    school = first_school_id(engine)
    kid = add_student(engine, school, primary_email=email())
    people = {"kid": kid, "school": school}
    for key, role, profile, fields in (("student", "STUDENT", "Student", {"student_id": kid}),
                                       ("parent", "PARENT", "Parent", {}),
                                       ("teacher", "TEACHER", "Teacher", {"email": email("t")})):
        login = unique(f"{key}.")
        schools = [school] if role == "TEACHER" else []
        people[key] = add_user(engine, role, profile=profile, login=login, school_ids=schools, **fields)
        people[f"{key}_login"] = login
    add_contact(engine, kid, user_id=people["parent"], email=email("p"))
    add_section(engine, school, teacher_ids=[people["teacher"]], student_ids=[kid])
    return people


def send(engine, login: str, subject: str, body: str = "<p>Hello</p>", **selection) -> int:
    """A message sent now through the real domain path (resolution writes the in-app rows)."""
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login),
                                 request(subject=subject, html_body=body, **selection))
        fan_out(session, message.id)
        return message.id


def flag_events(engine, message_id: int) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        return [(row.user_id, row.action) for row in session.execute(
            select(MessageFlagEvent).where(MessageFlagEvent.message_id == message_id)
            .order_by(MessageFlagEvent.id)).scalars()]


def is_flagged(engine, message_id: int) -> bool:
    with session_scope(engine) as session:
        return session.get(Message, message_id).flagged


@contextlib.contextmanager
def inbox_notices(bus, user_id: int):
    """The notices ``user_id``'s inbox subscription receives on ``bus`` (Redis or in-process),
    listened to on an event loop of its own."""
    received, ready, stop = [], threading.Event(), threading.Event()

    async def listen():
        async with bus.subscribe_inbox(user_id) as queue:
            ready.set()
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    received.append(await asyncio.wait_for(queue.get(), timeout=0.1))

    thread = threading.Thread(target=asyncio.run, args=(listen(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    time.sleep(0.2)  # Redis: the SUBSCRIBE is on the server before anything is published
    try:
        yield received
    finally:
        stop.set()
        thread.join(10)


def wait_for(items: list, predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [item for item in items if predicate(item)]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"nothing matching arrived; got {items}")


def test_inb_09_inb_10_perm_57_a_teacher_flags_views_and_unflags_a_students_message(client, engine, runtime):
    """Covers INB-09, INB-10, PERM-57: a teacher flags a message a student sent them only with explicit
    confirmation; flagged, the student's own thread shows the placeholder; the teacher views the
    real content (recorded: who, when), then removes the flag and the content is back. Every
    change is recorded and announced to the author's inbox."""
    people = family(engine)
    message = send(engine, people["student_login"], "About the test", "<p>Some rude words</p>",
                   staff_ids=(people["teacher"],))
    teacher, student = token_for(engine, people["teacher_login"]), token_for(engine, people["student_login"])

    unconfirmed = gql(client, FLAG, {"id": gid("Message", message), "confirm": False}, teacher)["data"]["flagMessage"]
    assert unconfirmed["__typename"] == "FlagMessageErrors"
    assert [(e["field"], e["code"]) for e in unconfirmed["errors"]] == [("confirm", "CONFIRMATION_REQUIRED")]
    assert not is_flagged(engine, message) and flag_events(engine, message) == []

    with inbox_notices(runtime.events, people["student"]) as notices:
        flagged = gql(client, FLAG, {"id": gid("Message", message), "confirm": True}, teacher)["data"]["flagMessage"]
        assert flagged == {"__typename": "MessageFlag", "messageId": gid("Message", message), "flagged": True,
                           "changed": True}
        notice = wait_for(notices, lambda n: n["change"] == "FLAG")
    assert notice["messageId"] == message and "rude" not in str(notice)
    seen_by_author = gql(client, THREAD, {"id": gid("User", people["teacher"])}, student)["data"]["recipientThread"]
    shown = seen_by_author["entries"]["edges"][0]["node"]["message"]
    assert shown["flagged"] is True and "Message Content Flagged" in shown["htmlBody"] and "rude" not in shown["htmlBody"]

    viewed = gql(client, VIEW, {"id": gid("Message", message)}, teacher)["data"]["viewFlaggedMessage"]
    assert viewed["__typename"] == "FlaggedMessageContent" and viewed["flagged"] is True
    assert viewed["htmlBody"] == "<p>Some rude words</p>" and viewed["viewedAt"]
    assert is_flagged(engine, message)  # viewing leaves it flagged for everyone else

    again = gql(client, FLAG, {"id": gid("Message", message), "confirm": True}, teacher)["data"]["flagMessage"]
    assert again["changed"] is False  # already flagged: nothing more recorded

    unflagged = gql(client, UNFLAG, {"id": gid("Message", message)}, teacher)["data"]["unflagMessage"]
    assert unflagged == {"__typename": "MessageFlag", "messageId": gid("Message", message), "flagged": False,
                         "changed": True}
    shown = gql(client, THREAD, {"id": gid("User", people["teacher"])},
                student)["data"]["recipientThread"]["entries"]["edges"][0]
    assert shown["node"]["message"]["htmlBody"] == "<p>Some rude words</p>"
    assert flag_events(engine, message) == [(people["teacher"], "FLAGGED"), (people["teacher"], "VIEWED"),
                                            (people["teacher"], "UNFLAGGED")]
    # Not flagged any more: viewing shows the content and records nothing.
    plain = gql(client, VIEW, {"id": gid("Message", message)}, teacher)["data"]["viewFlaggedMessage"]
    assert plain["flagged"] is False and plain["viewedAt"] is None
    assert len(flag_events(engine, message)) == 3


def test_perm_41_an_administrator_flags_a_message_a_teacher_sent_them(client, engine):
    """Covers PERM-41, INB-10: an administrator holding Flag Messages flags a message received
    from a teacher, in the administrator's inbox."""
    people = family(engine)
    admin_login = unique("admin.")
    admin = add_user(engine, "ADMIN", profile="School Administrator", login=admin_login,
                     school_ids=[people["school"]])
    message = send(engine, people["teacher_login"], "Staff note", staff_ids=(admin,))
    result = gql(client, FLAG, {"id": gid("Message", message), "confirm": True}, token_for(engine, admin_login))
    assert result["data"]["flagMessage"]["flagged"] is True
    assert flag_events(engine, message) == [(admin, "FLAGGED")]


def test_inb_10_only_messages_the_viewer_received_can_be_flagged(client, engine):
    """Covers INB-10: a message another teacher received, the teacher's own sent message and a
    missing id, an id of another kind and a raw number all answer NOT_FOUND alike, and nothing is
    written."""
    people = family(engine)
    received = send(engine, people["student_login"], "To my teacher", staff_ids=(people["teacher"],))
    own = send(engine, people["teacher_login"], "To the class", recipient_type="STUDENTS",
               student_ids=(people["kid"],))
    stranger = make_user(engine, Role.TEACHER)
    mine = token_for(engine, people["teacher_login"])
    answers = []
    for token, message_id in ((stranger, gid("Message", received)), (mine, gid("Message", own)),
                              (mine, gid("Message", 10**9)), (mine, gid("Student", received)), (mine, str(received))):
        for document, name, variables in ((FLAG, "flagMessage", {"confirm": True}), (VIEW, "viewFlaggedMessage", {}),
                                          (UNFLAG, "unflagMessage", {})):
            payload = gql(client, document, {"id": message_id, **variables}, token)["data"][name]
            answers.append([(e["field"], e["code"], e["message"]) for e in payload["errors"]])
    assert all(answer == answers[0] for answer in answers) and answers[0][0][:2] == ("messageId", "NOT_FOUND")
    assert not is_flagged(engine, received) and not is_flagged(engine, own)
    assert flag_events(engine, received) == flag_events(engine, own) == []


def test_perm_41_perm_57_without_flag_messages_flagging_is_forbidden(client, engine):
    """Covers PERM-41, PERM-57: a teacher whose profiles lack Flag Messages, and a parent (whose role
    cannot hold it), get a top-level FORBIDDEN for each flagging mutation; nothing is written."""
    people = family(engine)
    login = unique("teacher.")
    no_flag = make_user(engine, Role.TEACHER, without=[Perm.FLAG_MESSAGES], login=login,
                        school_ids=[people["school"]])
    with session_scope(engine) as session:
        no_flag_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
    to_teacher = send(engine, people["teacher_login"], "Colleague", staff_ids=(no_flag_id,))
    to_parent = send(engine, people["teacher_login"], "Family note", recipient_type="PRIMARY_CONTACTS",
                     student_ids=(people["kid"],))
    for token, message_id in ((no_flag, to_teacher), (token_for(engine, people["parent_login"]), to_parent)):
        for document, variables in ((FLAG, {"confirm": True}), (VIEW, {}), (UNFLAG, {})):
            result = gql(client, document, {"id": gid("Message", message_id), **variables}, token)
            assert result["data"] is None and result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert result["errors"][0]["extensions"]["permission"] == "Flag Messages"
        assert not is_flagged(engine, message_id) and flag_events(engine, message_id) == []


def test_inb_11_an_automatically_flagged_message_is_unflagged_like_a_manual_one(client, engine):
    """Covers INB-11, INB-09: a message flagged for a flagged word is hidden at once; the teacher who
    received it views it (recorded) and removes the flag."""
    people = family(engine)
    previous = set_district(engine, flagged_words=["blorp"])
    try:
        message = send(engine, people["student_login"], "Hey", "<p>you blorp</p>", staff_ids=(people["teacher"],))
    finally:
        set_district(engine, **previous)
    assert is_flagged(engine, message)
    teacher = token_for(engine, people["teacher_login"])
    assert gql(client, VIEW, {"id": gid("Message", message)}, teacher)["data"]["viewFlaggedMessage"]["htmlBody"] == \
        "<p>you blorp</p>"
    assert gql(client, UNFLAG, {"id": gid("Message", message)}, teacher)["data"]["unflagMessage"]["flagged"] is False
    assert not is_flagged(engine, message)
    assert flag_events(engine, message) == [(people["teacher"], "VIEWED"), (people["teacher"], "UNFLAGGED")]


CONTINUE = """mutation($threadId: ID!) { continueThreadAsCompose(threadId: $threadId) {
  ... on ContinueThreadAsComposeSuccess { draftId } } }"""


def test_inb_10_a_draft_continuing_the_thread_is_not_the_correspondents_to_flag(client, engine, people):
    """Covers INB-10: only messages that reached the viewer's inbox can be flagged, viewed or
    unflagged; the correspondent's draft continuing their thread (INB-14) reached nobody, so it
    answers NOT_FOUND like any message that is not theirs, and nothing is recorded."""
    flagger, writer = people.make("TEACHER"), people.make("ADMIN")
    people.send(writer, flagger)
    thread_id = people.thread(writer, flagger)
    draft = gql(client, CONTINUE, {"threadId": gid("Thread", thread_id)},
                writer.token)["data"]["continueThreadAsCompose"]
    draft_id = draft["draftId"]
    for document, variables in ((VIEW, {"id": draft_id}), (FLAG, {"id": draft_id, "confirm": True}),
                                (UNFLAG, {"id": draft_id})):
        payload = next(iter(gql(client, document, variables, flagger.token)["data"].values()))
        assert [error["code"] for error in payload["errors"]] == ["NOT_FOUND"], payload
    assert flag_events(engine, pk_of(draft_id)) == [] and not is_flagged(engine, pk_of(draft_id))
