"""replyInThread and continueThreadAsCompose: one reply operation, its rules (INB-14, INB-22, CMP-16,
CMP-18, CMP-21, CMP-34, SCH-03, PERM-61)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from domain.access.permissions import Perm
from helpers import gid, gql, make_user, pk_of, row_counts, token_for
from models.conversations import ThreadSide
from domain.conversations.threads.thread_sides import thread_between
from models.db import session_scope
from models.directory import Role, Student, User
from models.messaging import Channel, Delivery, DeliveryStatus, Message, MessageStaff, MessageStatus
from domain.scheduling.due_sends import send_due_scheduled
from models.scheduling import MessageSchedule

REPLY = """
mutation Reply($input: ReplyInThreadInput!) {
  replyInThread(input: $input) {
    __typename
    ... on ReplyInThreadSuccess { threadId scheduled message { id subject status allowReply } }
    ... on ReplyInThreadErrors { errors { code field message } }
  }
}
"""

CONTINUE = """
mutation Continue($threadId: ID!) {
  continueThreadAsCompose(threadId: $threadId) {
    __typename
    ... on ContinueThreadAsComposeSuccess { threadId draftId }
    ... on ContinueThreadAsComposeErrors { errors { code field } }
  }
}
"""


def reply(client, person, thread_id, body="<p>Yes, she can come.</p>", **fields) -> dict:
    """``thread_id``: a Thread's row id, or an id string as sent."""
    thread = thread_id if isinstance(thread_id, str) else gid("Thread", thread_id)
    result = gql(client, REPLY, {"input": {"threadId": thread, "body": body, **fields}}, person.token)
    assert "errors" not in result, result
    return result["data"]["replyInThread"]


def codes(payload: dict) -> list[str]:
    assert payload["__typename"].endswith("Errors"), payload
    return [error["code"] for error in payload["errors"]]


def in_app_rows(engine, message_id: int) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        return [tuple(row) for row in session.execute(
            select(Delivery.address, Delivery.status).where(Delivery.message_id == message_id,
                                                             Delivery.channel == Channel.INAPP.value))]


def test_inb_14_perm_61_a_parent_without_send_messages_replies_in_the_thread(client, engine, people):
    """Covers INB-14, PERM-61, CMP-18: a parent whose profile grants only Communication answers a
    teacher's message that allows replies; the reply is a message in the same thread, sent by the
    parent to the teacher's inbox (unread) and by email, and it takes answers itself."""
    teacher = people.make("TEACHER")
    parent = people.make("PARENT", profile="Parent")
    with session_scope(engine) as session:  # the parent's profile: Communication only
        from models.directory import Profile, ProfileGrant, UserProfile

        profile = Profile(name=f"Parent, inbox only {parent.login}", role=Role.PARENT)
        session.add(profile)
        session.flush()
        session.add(ProfileGrant(profile_id=profile.id, permission=Perm.COMMUNICATION.value, level="VIEW"))
        session.execute(update(UserProfile).where(UserProfile.user_id == parent.id).values(profile_id=profile.id))
    people.send(teacher, parent, subject="Field trip")
    thread_id = people.thread(parent, teacher)

    payload = reply(client, parent, thread_id)
    assert payload["__typename"] == "ReplyInThreadSuccess"
    assert payload["threadId"] == gid("Thread", thread_id) and payload["scheduled"] is False
    assert payload["message"]["subject"] == "Re: Field trip" and payload["message"]["allowReply"] is True
    message_id = pk_of(payload["message"]["id"])
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        assert (message.sender_id, message.thread_id, message.auto_reply) == (parent.id, thread_id, False)
        assert session.execute(select(MessageStaff.user_id).where(MessageStaff.message_id == message_id)
                               ).scalars().all() == [teacher.id]
        emails = session.execute(select(Delivery.address).where(Delivery.message_id == message_id,
                                                                Delivery.channel == Channel.EMAIL.value)).all()
    assert [tuple(row) for row in emails] == [(teacher.email,)]
    assert in_app_rows(engine, message_id) == [(f"user:{teacher.id}", DeliveryStatus.DELIVERED.value)]
    teacher_side = people.side(teacher, thread_id)
    assert teacher_side.unread_count == 1 and teacher_side.last_received_at is not None
    assert people.side(parent, thread_id).last_sent_at is not None

    # And the teacher answers the answer in the same thread.
    back = reply(client, teacher, thread_id, body="<p>Great, see you Friday.</p>")
    assert back["__typename"] == "ReplyInThreadSuccess" and back["threadId"] == gid("Thread", thread_id)
    assert people.side(parent, thread_id).unread_count == 2


def test_cmp_18_cmp_21_replies_follow_the_latest_staff_message(client, engine, people):
    """Covers CMP-18, CMP-21: a message that does not allow replies refuses the family's answer
    (REPLIES_NOT_ALLOWED, nothing written); a follow-up the teacher posts from the thread carries
    no allow-reply choice and the parent may then always answer."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    people.send(teacher, parent, allow_reply=False)
    thread_id = people.thread(parent, teacher)
    before = row_counts(engine)
    assert codes(reply(client, parent, thread_id)) == ["REPLIES_NOT_ALLOWED"]
    assert row_counts(engine) == before

    follow_up = reply(client, teacher, thread_id, body="<p>Any questions?</p>")
    assert follow_up["message"]["allowReply"] is True
    assert reply(client, parent, thread_id)["__typename"] == "ReplyInThreadSuccess"


def test_cmp_16_a_message_sent_as_the_school_takes_no_reply(client, engine, people):
    """Covers CMP-16, CMP-13: a message sent as the school takes no reply: it is in no thread with
    its sender (a thread would name them), so there is nothing to answer in; a thread the two
    already had still takes only what its own messages allow (REPLIES_NOT_ALLOWED)."""
    admin, student = people.make("ADMIN"), people.make("STUDENT")
    people.send(admin, student, allow_reply=False, send_as_school_id=people.school_id)
    with session_scope(engine) as session:
        assert thread_between(session, student.id, admin.id) is None
    people.send(admin, student, allow_reply=False)
    people.send(admin, student, allow_reply=True, send_as_school_id=people.school_id)
    assert codes(reply(client, student, people.thread(student, admin))) == ["REPLIES_NOT_ALLOWED"]


def test_inb_22_a_family_user_continues_with_a_teacher_only_while_enrolled_and_posted_this_year(
        client, engine, people):
    """Covers INB-22: a parent answers a teacher only while their student is enrolled at the
    teacher's school (NOT_ENROLLED_AT_SCHOOL), and only when the teacher posted in the thread
    during the current school year (TEACHER_NOT_IN_THREAD_THIS_YEAR); a student likewise."""
    teacher, parent, student = people.make("TEACHER"), people.make("PARENT"), people.make("STUDENT")
    people.send(teacher, parent)
    last_year = people.send(teacher, student)
    parent_thread, student_thread = people.thread(parent, teacher), people.thread(student, teacher)

    elsewhere = people.__class__(engine).school_id
    with session_scope(engine) as session:
        session.execute(update(Student).where(Student.id == parent.student_id).values(school_id=elsewhere))
        session.execute(update(Message).where(Message.id == last_year)
                        .values(created_at=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)))
    assert codes(reply(client, parent, parent_thread)) == ["NOT_ENROLLED_AT_SCHOOL"]
    assert codes(reply(client, student, student_thread)) == ["TEACHER_NOT_IN_THREAD_THIS_YEAR"]

    # Back at the teacher's school, and the teacher writes this year: both may answer.
    with session_scope(engine) as session:
        session.execute(update(Student).where(Student.id == parent.student_id).values(school_id=people.school_id))
    people.send(teacher, student)
    assert reply(client, parent, parent_thread)["__typename"] == "ReplyInThreadSuccess"
    assert reply(client, student, student_thread)["__typename"] == "ReplyInThreadSuccess"


def test_another_users_thread_is_not_found(client, engine, people):
    """Covers INB-14: a thread of someone else answers exactly like a missing one (NOT_FOUND), as do
    a string that is no id, the thread's raw number and an id of another kind."""
    teacher, parent, other = people.make("TEACHER"), people.make("PARENT"), people.make("PARENT")
    people.send(teacher, parent)
    thread_id = people.thread(parent, teacher)
    for token_holder, thread in ((other, thread_id), (parent, 2_000_000_000), (parent, "not-an-id"),
                                 (parent, str(thread_id)), (parent, gid("Message", thread_id))):
        result = reply(client, token_holder, thread)
        assert codes(result) == ["NOT_FOUND"] and result["errors"][0]["field"] == "input.threadId"


def test_reply_input_errors_write_nothing(client, engine, people):
    """An empty body (REQUIRED), the in-app channel chosen (INVALID) and a repeated channel
    (DUPLICATE) are typed errors; nothing is written."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    people.send(teacher, parent)
    thread_id = people.thread(parent, teacher)
    before = row_counts(engine)
    assert codes(reply(client, parent, thread_id, body="<p> </p>")) == ["REQUIRED"]
    assert codes(reply(client, teacher, thread_id, channels=["INAPP"])) == ["INVALID"]
    assert codes(reply(client, teacher, thread_id, channels=["EMAIL", "EMAIL"])) == ["DUPLICATE"]
    assert row_counts(engine) == before


def test_staff_without_send_messages_cannot_reply(client, engine, people):
    """PERM-61 is for family users: staff answering need Send Messages (FORBIDDEN, nothing written)."""
    teacher = people.make("TEACHER", profile="Teacher (read only)")
    parent = people.make("PARENT")
    people.send(parent, teacher)
    thread_id = people.thread(teacher, parent)
    before = row_counts(engine)
    result = gql(client, REPLY, {"input": {"threadId": gid("Thread", thread_id), "body": "<p>Hi</p>"}}, teacher.token)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert row_counts(engine) == before


def test_inb_11_a_reply_with_a_flagged_word_is_flagged(client, engine, people):
    """Covers INB-11, INB-12: the reply is checked against the flagged words like any message."""
    from domain.content.flagging import set_flagged_words
    from models.directory import District

    teacher, student = people.make("TEACHER"), people.make("STUDENT")
    people.send(teacher, student)
    thread_id = people.thread(student, teacher)
    with session_scope(engine) as session:
        before = list(session.execute(select(District.flagged_words)).scalar_one() or [])
        set_flagged_words(session, [*before, "bananas"])
    try:
        payload = reply(client, student, thread_id, body="<p>I hate bananas</p>")
    finally:
        with session_scope(engine) as session:
            set_flagged_words(session, before)
    with session_scope(engine) as session:
        assert session.get(Message, pk_of(payload["message"]["id"])).flagged is True


def test_sch_03_cmp_34_a_reply_can_be_scheduled_once_or_recurring(client, engine, people):
    """Covers SCH-03 (the reply half), CMP-34, INB-14, SCH-01: a reply scheduled for tomorrow is
    stored SCHEDULED in its thread with its schedule; a recurring one too; a past time is IN_THE_PAST."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    people.send(teacher, parent)
    thread_id = people.thread(teacher, parent)
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    once = reply(client, teacher, thread_id, schedule={"startDate": tomorrow, "sendTime": "09:00"})
    weekly = reply(client, teacher, thread_id, schedule={"startDate": tomorrow, "sendTime": "09:00",
                                                         "recurrence": "WEEKLY"})
    for payload, recurrence in ((once, "NONE"), (weekly, "WEEKLY")):
        assert payload["scheduled"] is True and payload["message"]["status"] == "SCHEDULED"
        with session_scope(engine) as session:
            message = session.get(Message, pk_of(payload["message"]["id"]))
            schedule = session.execute(select(MessageSchedule).where(
                MessageSchedule.message_id == message.id)).scalars().one()
            assert message.thread_id == thread_id and schedule.recurrence == recurrence
            assert session.execute(select(Delivery.id).where(Delivery.message_id == message.id)).first() is None
    past = reply(client, teacher, thread_id, schedule={"startDate": "2026-01-05", "sendTime": "09:00"})
    assert codes(past) == ["IN_THE_PAST"]
    # When it is due, the queue run sends the scheduled reply into the thread like any message.
    ids = [pk_of(payload["message"]["id"]) for payload in (once, weekly)]
    with session_scope(engine) as session:
        due_at = session.execute(select(MessageSchedule.next_send_at).where(
            MessageSchedule.message_id == ids[0])).scalar_one()
        result = send_due_scheduled(session, due_at)
        assert not set(ids) & set(result.failed), session.execute(select(MessageSchedule.last_error).where(
            MessageSchedule.message_id.in_(ids))).scalars().all()
        sent = session.execute(select(Message.id, Message.scheduled_from_id, Message.thread_id).where(
            Message.id.in_(result.sent))).all()
        ours = [thread for sent_id, from_id, thread in sent if sent_id in ids or from_id in ids]
        assert ours == [thread_id, thread_id]  # a one-time reply goes itself, a weekly one as a copy
        # The weekly one would come due again in later tests' queue runs: it ends here.
        session.execute(update(Message).where(Message.id.in_(ids), Message.status == "SCHEDULED")
                        .values(status="CANCELLED"))


def test_inb_14_continue_a_thread_as_a_full_compose(client, engine, people):
    """Covers INB-14: continueThreadAsCompose saves a draft posted from the thread, addressed to
    the correspondent, to edit with every option; another user's thread is NOT_FOUND."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    people.send(teacher, parent, subject="Report cards")
    thread_id = people.thread(teacher, parent)
    result = gql(client, CONTINUE, {"threadId": gid("Thread", thread_id)},
                 teacher.token)["data"]["continueThreadAsCompose"]
    assert result["__typename"] == "ContinueThreadAsComposeSuccess"
    with session_scope(engine) as session:
        draft = session.get(Message, pk_of(result["draftId"]))
        assert (draft.status, draft.thread_id, draft.sender_id) == (MessageStatus.DRAFT.value, thread_id, teacher.id)
        assert draft.saved_at is not None and draft.subject == "Re: Report cards"
        assert session.execute(select(MessageStaff.user_id).where(MessageStaff.message_id == draft.id)
                               ).scalars().all() == [parent.id]
    stranger = make_user(engine, Role.TEACHER)
    missing = gql(client, CONTINUE, {"threadId": gid("Thread", thread_id)}, stranger)["data"]["continueThreadAsCompose"]
    assert codes(missing) == ["NOT_FOUND"]


def test_inb_19_a_reply_brings_an_archived_thread_back(client, engine, people):
    """Covers INB-19, INB-20: a teacher answers in a thread they archived with another teacher; the
    answer unarchives it on both sides."""
    one, two = people.make("TEACHER"), people.make("TEACHER")
    people.send(one, two)
    thread_id = people.thread(one, two)
    with session_scope(engine) as session:
        session.execute(update(ThreadSide).where(ThreadSide.thread_id == thread_id).values(
            archived_at=dt.datetime.now(dt.UTC), archived_by_id=one.id))
    assert reply(client, one, thread_id)["__typename"] == "ReplyInThreadSuccess"
    assert people.side(one, thread_id).archived_at is None and people.side(two, thread_id).archived_at is None


def test_reply_token_of_an_inactive_author_is_not_found(client, engine, people):
    """An account made inactive answers nothing (its threads are not found)."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    people.send(teacher, parent)
    thread_id = people.thread(parent, teacher)
    token = token_for(engine, parent.login)
    with session_scope(engine) as session:
        session.execute(update(User).where(User.id == parent.id).values(status="INACTIVE"))
    result = gql(client, REPLY, {"input": {"threadId": gid("Thread", thread_id), "body": "<p>Hi</p>"}}, token)
    assert "errors" in result or codes(result["data"]["replyInThread"]) == ["NOT_FOUND"]
