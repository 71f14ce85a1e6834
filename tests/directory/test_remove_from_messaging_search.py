"""updateMySettings(removeFromMessagingSearch): a user takes themselves out of messaging search (SET-01)."""

from __future__ import annotations

from sqlalchemy import insert, select

from domain.delivery.fan_out import fan_out
from factories import add_school, unique
from helpers import gid, gql, make_user, pk_of
from models.conversations import ThreadSide
from models.db import session_scope
from models.directory import Role, User
from models.messaging import Channel, Delivery, Message, MessageStaff

SETTINGS = """
mutation($input: MySettingsInput!) {
  updateMySettings(input: $input) { __typename ... on MySettings { removeFromMessagingSearch } }
}
"""
STAFF = """query($search: String) { staff(search: $search) { edges { node { id } } } }"""
SEND = """
mutation($input: SendMessageInput!) {
  sendMessage(input: $input) {
    __typename ... on SendMessageErrors { errors { code field } }
  }
}
"""
REPLY = """
mutation($input: ReplyInThreadInput!) {
  replyInThread(input: $input) { __typename ... on ReplyInThreadSuccess { message { id } } }
}
"""


def user_id(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one()


def test_set_01_removed_from_search_but_existing_threads_still_take_replies(client, engine):
    """Covers SET-01: a teacher who turns on Remove from Messaging Search is no longer offered to
    an administrator of their school as a staff recipient (the staff search, and sendMessage's
    staffIds: NOT_FOUND), while the administrator still replies in their existing thread and the
    reply reaches the teacher's inbox; turning it off offers them again."""
    school = add_school(engine)
    teacher_login, admin_login = unique("teacher."), unique("admin.")
    teacher_token = make_user(engine, Role.TEACHER, school_ids=[school], login=teacher_login)
    admin_token = make_user(engine, Role.ADMIN, school_ids=[school], login=admin_login)
    teacher, admin = user_id(engine, teacher_login), user_id(engine, admin_login)

    def offered() -> bool:
        edges = gql(client, STAFF, {"search": teacher_login}, admin_token)["data"]["staff"]["edges"]
        return gid("User", teacher) in {edge["node"]["id"] for edge in edges}

    assert offered()
    with session_scope(engine) as session:  # an existing thread: the administrator wrote to the teacher
        message = Message(sender_id=admin, subject="Rota", html_body="<p>Rota</p>", text_body="Rota",
                          channels=[Channel.EMAIL.value], allow_reply=True)
        session.add(message)
        session.flush()
        session.execute(insert(MessageStaff), [{"message_id": message.id, "user_id": teacher}])
        fan_out(session, message.id)
        thread_id = session.execute(select(ThreadSide.thread_id).where(ThreadSide.user_id == admin,
                                                                        ThreadSide.correspondent_id == teacher)
                                    ).scalar_one()

    result = gql(client, SETTINGS, {"input": {"removeFromMessagingSearch": True}}, teacher_token)
    assert result["data"]["updateMySettings"] == {"__typename": "MySettings", "removeFromMessagingSearch": True}
    assert not offered()
    refused = gql(client, SEND, {"input": {"subject": "Hi", "htmlBody": "<p>Hi</p>", "channels": ["EMAIL"],
                                           "staffIds": [gid("User", teacher)]}}, admin_token)["data"]["sendMessage"]
    assert refused == {"__typename": "SendMessageErrors",
                       "errors": [{"code": "NOT_FOUND", "field": "input.staffIds.0"}]}

    replied = gql(client, REPLY, {"input": {"threadId": gid("Thread", thread_id), "body": "<p>Still on for Friday?</p>"}},
                  admin_token)["data"]["replyInThread"]
    assert replied["__typename"] == "ReplyInThreadSuccess"
    with session_scope(engine) as session:
        in_app = session.execute(select(Delivery.address, Delivery.status).where(
            Delivery.message_id == pk_of(replied["message"]["id"]), Delivery.channel == Channel.INAPP.value)).all()
    assert [tuple(row) for row in in_app] == [(f"user:{teacher}", "DELIVERED")]

    result = gql(client, SETTINGS, {"input": {"removeFromMessagingSearch": False}}, teacher_token)
    assert result["data"]["updateMySettings"]["removeFromMessagingSearch"] is False
    assert offered()
