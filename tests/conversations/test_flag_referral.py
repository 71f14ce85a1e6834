"""requestReferral: a referral about the student who wrote a flagged message, published as an event a
partner consumes (INB-09, PERM-41, PERM-57): on the bus (Redis with Redis, in-process without) and
through the referralRequests subscription."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time

from sqlalchemy import func, select

from domain.access.permissions import Perm
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_contact, add_section, add_student, add_user, email, first_school_id, unique
from helpers import gid, gql, make_user, token_for
from models.conversations import ReferralRequest
from models.db import session_scope
from models.directory import Role, User
from resolve import request, viewer_for
from shared_steps import subscription_socket

FLAG = """mutation($id: ID!) { flagMessage(messageId: $id, confirm: true) { __typename } }"""
REFER = """mutation($id: ID!, $note: String!) { requestReferral(messageId: $id, note: $note) {
  __typename ... on RequestReferralSuccess { referral { id messageId studentId requestedById note createdAt } }
  ... on RequestReferralErrors { errors { field code message } } } }"""
SUBSCRIBE = """subscription { referralRequests { id messageId studentId requestedById note } }"""
CONTENT = "<p>meet me behind the gym secret-words</p>"


def family(engine) -> dict:
    """A student with an account, a parent account on the card, and their teacher."""
    school = first_school_id(engine)
    kid = add_student(engine, school, primary_email=email())
    people = {"kid": kid, "school": school}
    for key, role, profile, fields in (("student", "STUDENT", "Student", {"student_id": kid}),
                                       ("parent", "PARENT", "Parent", {}),
                                       ("teacher", "TEACHER", "Teacher", {"email": email("t")})):
        login = unique(f"{key}.")
        people[key] = add_user(engine, role, profile=profile, login=login,
                               school_ids=[school] if role == "TEACHER" else [], **fields)
        people[f"{key}_login"] = login
    add_contact(engine, kid, user_id=people["parent"], email=email("p"))
    add_section(engine, school, teacher_ids=[people["teacher"]], student_ids=[kid])
    return people


def send(engine, login: str, subject: str, body: str = "<p>Hello</p>", **selection) -> int:
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login),
                                 request(subject=subject, html_body=body, **selection))
        fan_out(session, message.id)
        return message.id


def referral_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(ReferralRequest)).scalar_one()


@contextlib.contextmanager
def referral_events(bus):
    """What a partner listening to the bus receives (its referral channel with Redis), on a loop of its own."""
    received, ready, stop = [], threading.Event(), threading.Event()

    async def listen():
        async with bus.subscribe_referrals() as queue:
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


def test_inb_09_perm_57_a_referral_is_published_for_a_partner_without_the_content(client, engine, runtime):
    """Covers INB-09, PERM-57: a teacher asks for a referral about the student who wrote a flagged
    message; the request is stored and arrives on the bus and on an administrator's
    referralRequests subscription, naming the student and the message but never its content."""
    people = family(engine)
    message = send(engine, people["student_login"], "Threat", CONTENT, staff_ids=(people["teacher"],))
    teacher = token_for(engine, people["teacher_login"])
    flagged = gql(client, FLAG, {"id": gid("Message", message)}, teacher)["data"]["flagMessage"]
    assert flagged["__typename"] == "MessageFlag"

    ws, socket = subscription_socket(client, token_for(engine, "admin"))
    try:
        socket.send_json({"id": "r", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        time.sleep(0.5)  # the subscription is listening before the request is made
        with referral_events(runtime.events) as events:
            result = gql(client, REFER, {"id": gid("Message", message), "note": "Please follow up"}, teacher)
            referral = result["data"]["requestReferral"]["referral"]
            deadline = time.monotonic() + 10
            while not events and time.monotonic() < deadline:
                time.sleep(0.05)
        frame = socket.receive_json()
    finally:
        ws.__exit__(None, None, None)

    assert referral["messageId"] == gid("Message", message) and referral["studentId"] == gid("Student", people["kid"])
    assert referral["requestedById"] == gid("User", people["teacher"]) and referral["note"] == "Please follow up"
    assert frame["type"] == "next", frame
    assert frame["payload"]["data"]["referralRequests"] == {key: referral[key] for key in
                                                            ("id", "messageId", "studentId", "requestedById", "note")}
    assert len(events) == 1
    event = events[0]
    assert event["event"] == "referralRequested" and event["referralId"] == referral["id"]
    assert (event["messageId"], event["studentId"]) == (gid("Message", message), gid("Student", people["kid"]))
    assert event["requestedById"] == gid("User", people["teacher"])
    assert "secret-words" not in json.dumps(event) and "Threat" not in json.dumps(event)


def test_inb_09_referrals_are_for_flagged_messages_by_students(client, engine):
    """Covers INB-09, PERM-41: an administrator's flagged message from a teacher answers NOT_A_STUDENT;
    a student's message that is not flagged answers NOT_FLAGGED; a note past 500 characters
    TOO_LONG; another teacher's message NOT_FOUND. Nothing is stored."""
    people = family(engine)
    admin_login = unique("admin.")
    admin = add_user(engine, "ADMIN", profile="School Administrator", login=admin_login,
                     school_ids=[people["school"]])
    admin_token = token_for(engine, admin_login)
    from_teacher = send(engine, people["teacher_login"], "Staff note", staff_ids=(admin,))
    gql(client, FLAG, {"id": gid("Message", from_teacher)}, admin_token)
    from_student = send(engine, people["student_login"], "Question", staff_ids=(people["teacher"],))
    teacher = token_for(engine, people["teacher_login"])
    before = referral_count(engine)

    def codes(token, message_id, note="Note"):
        payload = gql(client, REFER, {"id": message_id, "note": note}, token)["data"]["requestReferral"]
        return [(e["field"], e["code"]) for e in payload["errors"]]

    assert codes(admin_token, gid("Message", from_teacher)) == [("messageId", "NOT_A_STUDENT")]
    assert codes(teacher, gid("Message", from_student)) == [("messageId", "NOT_FLAGGED")]
    gql(client, FLAG, {"id": gid("Message", from_student)}, teacher)
    assert codes(teacher, gid("Message", from_student), "x" * 501) == [("note", "TOO_LONG")]
    assert codes(make_user(engine, Role.TEACHER), gid("Message", from_student)) == [("messageId", "NOT_FOUND")]
    # a Student id with the message's number names no message
    assert codes(teacher, gid("Student", from_student)) == [("messageId", "NOT_FOUND")]
    assert referral_count(engine) == before


def test_perm_41_perm_57_a_referral_needs_the_referral_permission(client, engine):
    """Covers PERM-41, PERM-57: Flag Messages alone lets a teacher flag but not ask for a referral,
    which also needs Create Referrals: FORBIDDEN, nothing stored."""
    people = family(engine)
    login = unique("teacher.")
    token = make_user(engine, Role.TEACHER, without=[Perm.CREATE_REFERRALS], login=login,
                      school_ids=[people["school"]])
    with session_scope(engine) as session:
        teacher_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
    add_section(engine, people["school"], teacher_ids=[teacher_id], student_ids=[people["kid"]])
    message = send(engine, people["student_login"], "Hi", staff_ids=(teacher_id,))
    flagged = gql(client, FLAG, {"id": gid("Message", message)}, token)["data"]["flagMessage"]
    assert flagged["__typename"] == "MessageFlag"
    before = referral_count(engine)
    result = gql(client, REFER, {"id": gid("Message", message), "note": ""}, token)
    assert result["data"] is None and result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert result["errors"][0]["extensions"]["permission"] == "Create Referrals"
    assert referral_count(engine) == before


def test_migration_0026_grants_create_referrals_to_staff_profiles_that_flag(tmp_path):
    """Covers PERM-41, PERM-57: upgrading a database whose profiles predate "Create Referrals"
    grants it to the staff profiles that hold "Flag Messages", never to parents or students; the
    downgrade takes it back."""
    from sqlalchemy import text

    from homeroom.migrate import downgrade, upgrade
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'referrals.db'}"
    upgrade(url, "0025")
    engine = make_engine(url)
    profiles = [("District Administrator", "ADMIN", True), ("Teacher", "TEACHER", True),
                ("Teacher (no flagging)", "TEACHER", False), ("Parent", "PARENT", True)]
    with engine.begin() as connection:
        for number, (name, role, flags) in enumerate(profiles, 1):
            connection.execute(text("INSERT INTO profile (id, name, role) VALUES (:i, :n, :r)"),
                               {"i": number, "n": name, "r": role})
            for permission in ["communication"] + (["flag_messages"] if flags else []):
                connection.execute(text("INSERT INTO profile_grant VALUES (:i, :p, 'EDIT')"),
                                   {"i": number, "p": permission})

    def granted() -> set:
        with engine.connect() as connection:
            return set(connection.execute(text(
                "SELECT p.name FROM profile_grant g JOIN profile p ON p.id = g.profile_id "
                "WHERE g.permission = 'create_referrals'")).scalars())

    upgrade(url)
    assert granted() == {"District Administrator", "Teacher"}
    downgrade(url, "0025")
    assert granted() == set()
