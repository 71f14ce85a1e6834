"""Messages of accounts made inactive (INB-24, MRG-02): a OneRoster import that end-dates a teacher
marks what the teacher sent and nobody read as read, lowers the readers' unread counts, and keeps
the messages readable."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from domain.delivery.fan_out import fan_out
from domain.integrations.oneroster.importer import import_oneroster
from domain.messages.send import create_message
from factories import add_section, add_user
from helpers import gid, gql, token_for
from models.conversations import ThreadSide
from models.db import session_scope
from models.directory import School, Student, User
from models.messaging import Channel, Delivery, Message
from resolve import request, viewer_for

USERS_HEADER = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
                "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n")
MESSAGE = """query($id: ID!) { message(id: $id) { subject htmlBody
  deliveries(channel: INAPP) { edges { node { status address } } } } }"""


def write_bundle(path, key: str, *, teacher_enabled: bool) -> None:
    """A school, a teacher, a parent with an account and the parent's child."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "manifest.csv").write_text("propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
                                       "file.orgs,delta\nfile.users,delta\n")
    (path / "orgs.csv").write_text("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                                   f"sch-{key},active,,School {key},school,,\n")
    (path / "users.csv").write_text(
        USERS_HEADER
        + f"t-{key},active,,{'true' if teacher_enabled else 'false'},sch-{key},teacher,teacher.{key},,Tess,Ng,,,"
          f"tess.{key}@staff.example.org,,,,,\n"
        + f"p-{key},active,,true,sch-{key},parent,parent.{key},,Pat,Ray,,,pat.{key}@mail.example.com,,,,,\n"
        + f"s-{key},active,,true,sch-{key},student,,,Sam,Ray,,,,,,p-{key},05,\n")


def send(engine, login: str, subject: str, **selection) -> int:
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login), request(subject=subject, **selection))
        fan_out(session, message.id)
        return message.id


def side(engine, user_id: int, correspondent_id: int) -> ThreadSide:
    with session_scope(engine) as session:
        row = session.execute(select(ThreadSide).where(ThreadSide.user_id == user_id,
                                                       ThreadSide.correspondent_id == correspondent_id)).scalars().one()
        session.expunge(row)
        return row


def test_inb_24_mrg_02_a_teacher_end_dated_by_an_import_leaves_nothing_unread(client, engine, tmp_path):
    """Covers INB-24, MRG-02: a teacher sends a family two messages and an administrator one; an
    import then end-dates the teacher (enabledUser=false). The teacher's in-app deliveries are READ
    (with the time), the parent's unread count in the teacher's thread drops to 0 while the
    administrator's thread keeps its unread message, and the messages stay readable."""
    key = uuid.uuid4().hex[:8]
    write_bundle(tmp_path / "first", key, teacher_enabled=True)
    report = import_oneroster(engine, tmp_path / "first")
    assert not report.errors, report.errors
    with session_scope(engine) as session:
        ids = dict(session.execute(select(User.login, User.id).where(
            User.login.in_([f"teacher.{key}", f"parent.{key}"]))).all())
        kid = session.execute(select(Student.id).where(Student.sourced_id == f"s-{key}")).scalar_one()
        school = session.execute(select(School.id).where(School.sourced_id == f"sch-{key}")).scalar_one()
    teacher, parent = ids[f"teacher.{key}"], ids[f"parent.{key}"]
    admin = add_user(engine, "ADMIN", profile="School Administrator", login=f"admin.{key}", school_ids=[school])
    add_section(engine, school, teacher_ids=[teacher], student_ids=[kid])
    to_family = [send(engine, f"teacher.{key}", f"Field trip {n}", recipient_type="PRIMARY_CONTACTS",
                      student_ids=(kid,)) for n in range(2)]
    from_admin = send(engine, f"admin.{key}", "Office hours", recipient_type="PRIMARY_CONTACTS", student_ids=(kid,))
    assert side(engine, parent, teacher).unread_count == 2 and side(engine, parent, admin).unread_count == 1

    write_bundle(tmp_path / "second", key, teacher_enabled=False)
    report = import_oneroster(engine, tmp_path / "second")
    assert not report.errors, report.errors

    with session_scope(engine) as session:
        assert session.get(User, teacher).status == "INACTIVE"
        rows = session.execute(select(Delivery.message_id, Delivery.status, Delivery.read_at).where(
            Delivery.message_id.in_([*to_family, from_admin]), Delivery.channel == Channel.INAPP.value)).all()
        assert session.execute(select(Message.id).where(Message.id.in_(to_family))).scalars().all()
    assert {(m, s) for m, s, _ in rows} == {*((m, "READ") for m in to_family), (from_admin, "DELIVERED")}
    assert all(read_at is not None for m, _, read_at in rows if m in to_family)
    assert side(engine, parent, teacher).unread_count == 0
    assert side(engine, parent, admin).unread_count == 1

    # Readable: the district administrator reads the teacher's message and its read receipt.
    shown = gql(client, MESSAGE, {"id": gid("Message", to_family[0])}, token_for(engine, "admin"))["data"]["message"]
    assert shown["subject"] == "Field trip 0" and shown["htmlBody"]
    assert [edge["node"] for edge in shown["deliveries"]["edges"]] == [{"status": "READ", "address": "user:" + gid("User", parent)}]

    # A second import that changes nothing marks nothing again.
    report = import_oneroster(engine, tmp_path / "second")
    assert not report.errors and side(engine, parent, admin).unread_count == 1
