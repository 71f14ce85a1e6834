"""The inbox, sent and archive lists and the viewer's unread total, over GraphQL (INB-01..INB-04,
INB-15, INB-21, INB-23, INB-24, PERM-59, RCP-10, SET-05)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from domain.access.permissions import Perm
from factories import add_contact, add_student, add_user, email, first_school_id, unique
from helpers import gid, gql, make_user, token_for
from models.conversations import ThreadSide
from models.db import session_scope
from models.directory import AccountStatus, Contact, Role, School, Student, User, UserSchool
from models.messaging import Channel, Delivery, Message
from resolve import request, viewer_for

LIST = """
query Lists($name: String, $first: Int, $after: String, $last: Int, $before: String) {
  inbox(name: $name, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id unreadCount lastReceivedAt lastSentAt archived canReply
      correspondent { id name role roleLabel schoolName active } } }
  }
}
"""
SENT = """query($name: String) { sent(name: $name) { totalCount edges { node { id lastSentAt
  correspondent { id name roleLabel schoolName active } } } } }"""
ARCHIVE = "{ archive { edges { node { id archived correspondent { id } } } } }"
UNREAD_TOTAL = "{ viewer { unreadTotal } }"


def staff(engine, role=Role.TEACHER, **fields) -> tuple[int, str, str]:
    """A staff user with every permission of the role: (id, login, token)."""
    login = unique(f"{role.value.lower()}.")
    token = make_user(engine, role, login=login, **fields)
    return viewer_id(engine, login), login, token


def send(engine, login: str, *, staff_ids=(), student_ids=(), recipient_type=None, subject="Hello",
         channels=("EMAIL",), **fields) -> int:
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login), request(
            recipient_type, student_ids, channels=channels, subject=subject, staff_ids=tuple(staff_ids), **fields))
        fan_out(session, message.id)
        return message.id


def inbox(client, token, **variables) -> dict:
    result = gql(client, LIST, variables, token)
    assert "errors" not in result, result
    return result["data"]["inbox"]


def test_inb_01_one_thread_per_correspondent_newest_received_first(client, engine):
    """Covers INB-01: two teachers write to one colleague (one of them twice): the colleague's inbox
    lists one thread per correspondent, most recently received first, each with the correspondent's
    name, role, school (their first school by the district's order) and unread count."""
    reader_id, _, reader = staff(engine)
    ann_id, ann, _ = staff(engine)
    bob_id, bob, _ = staff(engine)
    send(engine, ann, staff_ids=[reader_id], subject="One")
    send(engine, bob, staff_ids=[reader_id], subject="Two")
    send(engine, ann, staff_ids=[reader_id], subject="Three")
    with session_scope(engine) as session:
        first_school = session.execute(select(School.name).join(UserSchool, UserSchool.school_id == School.id)
                                       .where(UserSchool.user_id == ann_id)
                                       .order_by(School.sort_order, School.id)).scalars().first()
        ann_name = " ".join(session.execute(select(User.first_name, User.last_name).where(User.id == ann_id)).one())

    page = inbox(client, reader)
    nodes = [edge["node"] for edge in page["edges"]]
    assert page["totalCount"] == 2
    assert [n["correspondent"]["id"] for n in nodes] == [gid("User", ann_id), gid("User", bob_id)]
    assert [n["unreadCount"] for n in nodes] == [2, 1]
    assert nodes[0]["correspondent"] == {"id": gid("User", ann_id), "name": ann_name, "role": "TEACHER",
                                         "roleLabel": "Teacher", "schoolName": first_school, "active": True}
    assert nodes[0]["lastSentAt"] is None and nodes[0]["archived"] is False and nodes[0]["canReply"] is True
    assert gql(client, UNREAD_TOTAL, token=reader)["data"]["viewer"]["unreadTotal"] == 3


def test_inb_04_name_filter_is_a_case_blind_substring(client, engine):
    """Covers INB-04: inbox and sent are filtered by a part of the correspondent's name, any case."""
    reader_id, reader_login, reader = staff(engine)
    zed_id = add_user(engine, "TEACHER", first_name="Zedekiah", last_name="Quill",
                      school_ids=[first_school_id(engine)], profile="Teacher")
    other_id, other, _ = staff(engine)
    send(engine, _login(engine, zed_id), staff_ids=[reader_id])
    send(engine, other, staff_ids=[reader_id])
    found = inbox(client, reader, name="DEKIAH q")
    assert [e["node"]["correspondent"]["id"] for e in found["edges"]] == [gid("User", zed_id)]
    assert found["totalCount"] == 1
    assert inbox(client, reader, name="no such person")["edges"] == []
    send(engine, reader_login, staff_ids=[zed_id, other_id])
    assert [e["node"]["correspondent"]["id"] for e in gql(client, SENT, {"name": "zedek"}, reader)["data"]["sent"]
            ["edges"]] == [gid("User", zed_id)]
    assert gql(client, SENT, {"name": "%"}, reader)["data"]["sent"]["edges"] == []  # a wildcard is a character


def _login(engine, user_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(User, user_id).login


def test_inb_21_sent_lists_one_thread_per_recipient_without_send_as(client, engine):
    """Covers INB-21, CMP-13: the sent list holds one thread per recipient, most recently sent
    first, with name and school; a message sent as the district never enters the sender's sent
    list, nor a thread of the recipient's that would name its sender (its in-app row is in the
    ledger, delivered)."""
    admin_id, admin, admin_token = staff(engine, Role.ADMIN)
    a_id, _, _ = staff(engine)
    b_id, _, _ = staff(engine)
    c_id, _, c_token = staff(engine)
    send(engine, admin, staff_ids=[a_id])
    send(engine, admin, staff_ids=[a_id, b_id])
    send(engine, admin, staff_ids=[c_id], send_as_district=True)
    sent = gql(client, SENT, {}, admin_token)["data"]["sent"]
    assert sent["totalCount"] == 2
    assert {e["node"]["correspondent"]["id"] for e in sent["edges"]} == {gid("User", a_id), gid("User", b_id)}
    assert all(e["node"]["correspondent"]["schoolName"] for e in sent["edges"])
    assert inbox(client, c_token)["edges"] == []
    with session_scope(engine) as session:
        in_app = session.execute(select(Delivery.status).join(Message, Message.id == Delivery.message_id).where(
            Message.send_as_district.is_(True), Message.sender_id == admin_id,
            Delivery.channel == "INAPP")).scalars().all()
    assert in_app == ["DELIVERED"]


def test_inb_01_lists_page_both_ways_by_keyset(client, engine):
    """Covers INB-01 (paging): five correspondents page two at a time forward and back again,
    every thread once, in the same order."""
    reader_id, _, reader = staff(engine)
    writers = [staff(engine) for _ in range(5)]
    for _, login, _ in writers:
        send(engine, login, staff_ids=[reader_id])
    expected = [gid("User", user_id) for user_id, _, _ in reversed(writers)]
    seen, after, pages = [], None, []
    while True:
        page = inbox(client, reader, first=2, after=after)
        pages.append(page)
        seen += [e["node"]["correspondent"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected and len(pages) == 3
    assert pages[0]["pageInfo"]["hasPreviousPage"] is False and pages[1]["pageInfo"]["hasPreviousPage"] is True
    back = inbox(client, reader, last=2, before=pages[2]["pageInfo"]["startCursor"])
    assert [e["node"]["correspondent"]["id"] for e in back["edges"]] == expected[2:4]
    assert back["pageInfo"]["hasPreviousPage"] is True and back["pageInfo"]["hasNextPage"] is True
    oldest = inbox(client, reader, last=2)
    assert [e["node"]["correspondent"]["id"] for e in oldest["edges"]] == expected[3:]
    bad = gql(client, LIST, {"after": "bm9wZQ=="}, reader)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_inb_15_inb_02_archived_threads_leave_the_inbox_and_the_unread_total(client, engine):
    """Covers INB-15 and INB-02: an archived thread is in archive only, and its unread messages are
    not in the viewer's unread total."""
    reader_id, _, reader = staff(engine)
    (a_id, a, _), (b_id, b, _) = staff(engine), staff(engine)
    send(engine, a, staff_ids=[reader_id])
    send(engine, b, staff_ids=[reader_id])
    send(engine, b, staff_ids=[reader_id])
    assert gql(client, UNREAD_TOTAL, token=reader)["data"]["viewer"]["unreadTotal"] == 3
    with session_scope(engine) as session:
        session.execute(update(ThreadSide).where(ThreadSide.user_id == reader_id, ThreadSide.correspondent_id == b_id)
                        .values(archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), archived_by_id=reader_id))
    assert [e["node"]["correspondent"]["id"] for e in inbox(client, reader)["edges"]] == [gid("User", a_id)]
    archived = gql(client, ARCHIVE, token=reader)["data"]["archive"]["edges"]
    assert [(e["node"]["correspondent"]["id"], e["node"]["archived"]) for e in archived] == [(gid("User", b_id), True)]
    assert gql(client, UNREAD_TOTAL, token=reader)["data"]["viewer"]["unreadTotal"] == 1


def test_inb_03_a_thread_counts_at_most_thirty_unread(client, engine):
    """Covers INB-03 (interpretation): only the 30 most recent messages of a thread count as unread."""
    reader_id, _, reader = staff(engine)
    _, writer, _ = staff(engine)
    for n in range(33):
        send(engine, writer, staff_ids=[reader_id], subject=f"Note {n}")
    assert inbox(client, reader)["edges"][0]["node"]["unreadCount"] == 30
    assert gql(client, UNREAD_TOTAL, token=reader)["data"]["viewer"]["unreadTotal"] == 30


def test_perm_59_without_communication_no_inbox(client, engine):
    """Covers PERM-59: an account whose profiles do not grant Communication gets no in-app row and
    may not read an inbox."""
    _, writer, _ = staff(engine)
    user_id, _, token = staff(engine, without=[Perm.COMMUNICATION])
    message_id = send(engine, writer, staff_ids=[user_id])
    with session_scope(engine) as session:
        assert session.execute(select(Delivery.id).where(Delivery.message_id == message_id,
                                                         Delivery.channel == Channel.INAPP.value)).first() is None
    denied = gql(client, LIST, {}, token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _family(engine, *, contacts=1, parent_email=None, **user_fields) -> tuple[int, int, list[int], str]:
    """A student with ``contacts`` contacts all linked to one new parent account: (student, parent
    user, contact ids, parent token)."""
    school = first_school_id(engine)
    kid = add_student(engine, school, primary_email=email())
    parent_id = add_user(engine, "PARENT", profile="Parent", **user_fields)
    contact_ids = [add_contact(engine, kid, email=parent_email, user_id=parent_id, sort_order=n + 1)
                   for n in range(contacts)]
    return kid, parent_id, contact_ids, token_for(engine, _login(engine, parent_id))


def test_rcp_10_two_contacts_of_one_user_make_one_inbox_entry(client, engine):
    """Covers RCP-10 (in-app half): two contacts of the picked student linked to the same user
    yield one inbox thread with one unread message."""
    kid, _, _, parent = _family(engine, contacts=2, parent_email=email())
    admin_id = viewer_id(engine, "admin")
    send(engine, "admin", student_ids=[kid], recipient_type="PRIMARY_CONTACTS")
    page = inbox(client, parent)
    assert [(e["node"]["correspondent"]["id"], e["node"]["unreadCount"]) for e in page["edges"]] == [
        (gid("User", admin_id), 1)]


def viewer_id(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one()


def test_set_05_email_notifications_off_still_reaches_the_inbox(client, engine):
    """Covers SET-05 (in-app half): a parent who turned email notifications off gets no email, and
    the message is still in their inbox."""
    kid, parent_id, _, parent = _family(engine, parent_email=email(), email_notifications_off=True)
    message_id = send(engine, "admin", student_ids=[kid], recipient_type="PRIMARY_CONTACTS")
    with session_scope(engine) as session:
        statuses = dict(session.execute(select(Delivery.channel, Delivery.status).where(
            Delivery.message_id == message_id, Delivery.recipient_kind == "CONTACT")).all())
    assert statuses == {"EMAIL": "OPTED_OUT", "INAPP": "DELIVERED"}
    assert inbox(client, parent)["edges"][0]["node"]["unreadCount"] == 1


def test_inb_23_correspondents_who_no_longer_exist_are_shown_by_role(client, engine):
    """Covers INB-23 and MRG-02: a parent removed from the student's contacts is "Deleted Contact",
    a deleted student "Deleted Student", an inactive teacher "Deleted User"; their threads stay."""
    reader_id, reader_login, reader = staff(engine, Role.ADMIN)
    kid, parent_id, contact_ids, parent = _family(engine)
    teacher_id, teacher, _ = staff(engine)
    student_user = add_user(engine, "STUDENT", profile="Student", student_id=kid)
    send(engine, reader_login, student_ids=[kid], recipient_type="STUDENTS_AND_PRIMARY_CONTACTS")
    send(engine, reader_login, staff_ids=[teacher_id])
    with session_scope(engine) as session:
        session.execute(update(Contact).where(Contact.id.in_(contact_ids)).values(status=AccountStatus.DELETED))
        session.execute(update(Student).where(Student.id == kid).values(status=AccountStatus.DELETED))
        session.execute(update(User).where(User.id == teacher_id).values(status=AccountStatus.INACTIVE))
    labels = {e["node"]["correspondent"]["id"]: (e["node"]["correspondent"]["name"],
                                                 e["node"]["correspondent"]["roleLabel"],
                                                 e["node"]["correspondent"]["active"])
              for e in gql(client, SENT, {}, reader)["data"]["sent"]["edges"]}
    assert labels[gid("User", parent_id)][:2] == ("Deleted Contact", "Deleted Contact")
    assert labels[gid("User", student_user)][:2] == ("Deleted Student", "Deleted Student")
    assert labels[gid("User", teacher_id)][:2] == ("Deleted User", "Deleted User")
    assert parent  # the parent's account itself is still active


def test_inb_24_messages_from_inactive_users_count_as_read(client, engine):
    """Covers INB-24: a teacher made inactive: their messages stay in the reader's thread, count as
    read, and add nothing to the unread total."""
    reader_id, _, reader = staff(engine)
    teacher_id, teacher, _ = staff(engine)
    send(engine, teacher, staff_ids=[reader_id], subject="Before I left")
    assert gql(client, UNREAD_TOTAL, token=reader)["data"]["viewer"]["unreadTotal"] == 1
    with session_scope(engine) as session:
        session.execute(update(User).where(User.id == teacher_id).values(status=AccountStatus.INACTIVE))
    node = inbox(client, reader)["edges"][0]["node"]
    assert node["unreadCount"] == 0 and node["correspondent"]["roleLabel"] == "Deleted User"
    assert node["canReply"] is False
    assert gql(client, UNREAD_TOTAL, token=reader)["data"]["viewer"]["unreadTotal"] == 0
    page = gql(client, """query($id: ID!) { thread(id: $id) { anchorMessageId messages { edges { node {
        subject read authorName } } } } }""", {"id": node["id"]}, reader)["data"]["thread"]
    assert page["anchorMessageId"] is None
    assert [(m["node"]["subject"], m["node"]["read"], m["node"]["authorName"]) for m in page["messages"]["edges"]] == [
        ("Before I left", True, "Deleted User")]
