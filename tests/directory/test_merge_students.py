"""mergeStudents: every row naming the merged student moves to the survivor in one transaction, the
merged student is DELETED and never offered again (MRG-01, MRG-02, MRG-03)."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlmodel import SQLModel

import models  # noqa: F401  (every table in the metadata)
from domain.access.permissions import Perm
from domain.delivery.fan_out import fan_out
from domain.directory.student_references import NOT_STUDENT_REFERENCES, REFERENCES
from domain.messages.send import create_message
from factories import add_contact, add_section, add_student, add_user, email, first_school_id, link_siblings, unique
from helpers import gid, gql, make_user, token_for
from models.conversations import ReferralRequest, ThreadReply
from models.db import session_scope
from models.directory import Contact, Enrollment, Role, Student, StudentGroup, StudentGroupMember, StudentLink, User
from models.messaging import Delivery
from models.reenrolment import ReenrolmentRequest
from resolve import request, viewer_for

MERGE = """mutation($survivor: ID!, $merged: ID!) { mergeStudents(survivorId: $survivor, mergedId: $merged) {
  __typename ... on MergeStudentsSuccess { survivorId mergedId references { column moved removed } }
  ... on MergeStudentsErrors { errors { field code message } } } }"""
THREAD = """query($id: ID!) { recipientThread(recipientKind: STUDENT, recipientId: $id, first: 10) {
  entries { edges { node { message { id } } } } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageErrors { errors { field code } } } }"""
STUDENTS = """query($s: String) { students(search: $s, first: 50) { edges { node { id } } } }"""


def naming(session, student_id: int) -> dict[str, int]:
    """Rows of every registered reference that name ``student_id``."""
    counts = {}
    for reference in REFERENCES:
        where = [reference.table.c[reference.column] == student_id]
        if reference.kind is not None:
            where.append(reference.table.c[reference.kind[0]] == reference.kind[1])
        counts[reference.name] = session.execute(select(func.count()).select_from(reference.table)
                                                 .where(*where)).scalar_one()
    return counts


def test_mrg_01_every_table_referencing_a_student_is_registered():
    """Covers MRG-01: the merge registry lists every key to student, every column named *student_id
    and every <x>_kind/<x>_id pair (a plain reference to a student among other kinds), so a new
    table that names students cannot be forgotten by mergeStudents."""
    found = set()
    for table in SQLModel.metadata.tables.values():
        found |= {(table.name, key.parent.name) for key in table.foreign_keys if key.column.table.name == "student"}
        for column in table.columns:
            if column.name.endswith("student_id"):
                found.add((table.name, column.name))
            if column.name.endswith("_kind") and f"{column.name[:-5]}_id" in table.columns:
                found.add((table.name, f"{column.name[:-5]}_id"))
    registered = {(reference.table.name, reference.column) for reference in REFERENCES}
    assert found - registered - NOT_STUDENT_REFERENCES == set(), "register these in domain/directory/student_references.py"
    assert registered <= found


def test_mrg_01_mrg_02_merging_moves_every_record_to_the_survivor(client, engine):
    """Covers MRG-01, MRG-02, MRG-03: the merged student's card, sections, groups, siblings, own
    account, message selections, deliveries (and so the sender's thread with them), answers,
    referrals and re-enrolment forms all name the survivor; duplicates of the survivor's rows are
    dropped (a contact the survivor's card has is kept, DELETED); the merged student is DELETED,
    no longer listed nor accepted as a recipient."""
    school = first_school_id(engine)
    family_name = unique("Merge")
    survivor, merged = (add_student(engine, school, primary_email=email(), last_name=family_name) for _ in range(2))
    sibling = add_student(engine, school)
    link_siblings(engine, survivor, merged)
    link_siblings(engine, merged, sibling)
    both = add_section(engine, school, student_ids=[survivor, merged])
    only_merged = add_section(engine, school, student_ids=[merged])
    parent = add_user(engine, "PARENT", profile="Parent")
    add_contact(engine, merged, user_id=parent, email=email("p"))
    for student in (survivor, merged):
        add_contact(engine, student, sourced_id="agent-same", email=email("a"))
    account = add_user(engine, "STUDENT", profile="Student", student_id=merged)
    with session_scope(engine) as session:
        group = StudentGroup(name=unique("Group "))
        session.add(group)
        session.flush()
        session.execute(insert(StudentGroupMember), [{"group_id": group.id, "student_id": merged}])
        admin = viewer_for(session, "admin")
        to_merged = create_message(session, admin, request("STUDENTS", [merged], subject="To the merged"))
        to_both = create_message(session, admin, request("PRIMARY_CONTACTS", [survivor, merged], subject="Both"))
        for message in (to_merged, to_both):
            fan_out(session, message.id)
        delivery = session.execute(select(Delivery).where(Delivery.message_id == to_merged.id,
                                                          Delivery.recipient_kind == "STUDENT")).scalars().first()
        session.add_all([
            ThreadReply(message_id=to_merged.id, delivery_id=delivery.id, staff_user_id=admin.id,
                        correspondent_kind="STUDENT", correspondent_id=merged, from_address="kid@example.org",
                        body_text="Thanks"),
            ReferralRequest(message_id=to_merged.id, student_id=merged, requested_by_id=admin.id),
            ReenrolmentRequest(audience="STUDENT", failed_delivery_id=delivery.id, recipient_kind="STUDENT",
                               recipient_id=merged, student_id=merged, recipient_name="Kid", failed_number="+1"),
        ])
        before = naming(session, merged)
        to_merged_id = to_merged.id
    assert all(before[name] for name in ("contact.student_id", "enrollment.student_id", "app_user.student_id",
                                         "message_student.student_id", "delivery.recipient_id",
                                         "student_link.linked_student_id", "thread_reply.correspondent_id"))
    token = token_for(engine, "admin")

    result = gql(client, MERGE, {"survivor": gid("Student", survivor), "merged": gid("Student", merged)}, token)["data"]["mergeStudents"]

    assert result["__typename"] == "MergeStudentsSuccess", result
    changed = {r["column"]: (r["moved"], r["removed"]) for r in result["references"]}
    assert changed["enrollment.student_id"] == (1, 1)  # one section moved, the shared one dropped
    assert changed["message_student.student_id"] == (1, 1)
    assert changed["contact.student_id"] == (2, 1)  # the duplicate entry moved too, retired
    with session_scope(engine) as session:
        assert set(naming(session, merged).values()) == {0}
        assert session.get(Student, merged).status == "DELETED"
        assert session.get(User, account).student_id == survivor
        links = set(session.execute(select(StudentLink.student_id, StudentLink.linked_student_id).where(
            StudentLink.student_id.in_([survivor, sibling]))).all())
        assert links == {(survivor, sibling), (sibling, survivor)}
        assert set(session.execute(select(Enrollment.section_id).where(Enrollment.student_id == survivor))
                   .scalars()) == {both, only_merged}
        cards = session.execute(select(Contact.user_id, Contact.sourced_id, Contact.status)
                                .where(Contact.student_id == survivor)).all()
        assert sorted(cards, key=str) == sorted([(parent, None, "ACTIVE"), (None, "agent-same", "ACTIVE"),
                                                 (None, None, "DELETED")], key=str)
        assert session.execute(select(StudentGroupMember.group_id)
                               .where(StudentGroupMember.student_id == survivor)).scalars().all() == [group.id]
    # The sender's conversation with the survivor holds what went to the merged student.
    thread = gql(client, THREAD, {"id": gid("Student", survivor)}, token)["data"]["recipientThread"]
    assert gid("Message", to_merged_id) in {edge["node"]["message"]["id"] for edge in thread["entries"]["edges"]}
    assert gql(client, THREAD, {"id": gid("Student", merged)}, token)["data"]["recipientThread"]["entries"]["edges"] == []
    # MRG-03: the merged student is never offered again.
    listed = gql(client, STUDENTS, {"s": family_name}, token)["data"]["students"]["edges"]
    assert gid("Student", merged) not in {edge["node"]["id"] for edge in listed} and gid("Student", survivor) in {
        edge["node"]["id"] for edge in listed}
    refused = gql(client, SEND, {"input": {"subject": "Again", "htmlBody": "<p>Hi</p>", "channels": ["EMAIL"],
                                           "recipientType": "STUDENTS", "studentIds": [gid("Student", merged)]}},
                  token)["data"]["sendMessage"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("input.studentIds.0", "NOT_FOUND")]


def test_mrg_01_refusals_write_nothing(client, engine):
    """Covers MRG-01: SAME_STUDENT, NOT_FOUND for a missing and for a deleted student (and for a bare
    number or another kind's id), and FORBIDDEN
    for a teacher and a school administrator (no "Communication District Settings"); nothing moves."""
    school = first_school_id(engine)
    survivor, merged, deleted = (add_student(engine, school) for _ in range(3))
    add_section(engine, school, student_ids=[merged])
    with session_scope(engine) as session:
        session.get(Student, deleted).status = "DELETED"
    token = token_for(engine, "admin")

    def codes(a, b, as_token=token):
        ids = [x if isinstance(x, str) else gid("Student", x) for x in (a, b)]  # rows, or ids as sent
        body = gql(client, MERGE, {"survivor": ids[0], "merged": ids[1]}, as_token)
        if body.get("errors"):
            return body["errors"][0]["extensions"]["code"]
        return [(e["field"], e["code"]) for e in body["data"]["mergeStudents"]["errors"]]

    assert codes(survivor, survivor) == [("mergedId", "SAME_STUDENT")]
    assert codes(survivor, 10**9) == [("mergedId", "NOT_FOUND")]
    assert codes("nope", merged) == [("survivorId", "NOT_FOUND")]
    assert codes(str(survivor), merged) == [("survivorId", "NOT_FOUND")]  # a bare number
    assert codes(survivor, gid("Contact", merged)) == [("mergedId", "NOT_FOUND")]  # another kind's id
    assert codes(survivor, deleted) == [("mergedId", "NOT_FOUND")]
    assert codes(deleted, merged) == [("survivorId", "NOT_FOUND")]
    assert codes(survivor, merged, make_user(engine, Role.TEACHER)) == "FORBIDDEN"
    assert codes(survivor, merged, make_user(engine, Role.ADMIN, without=[Perm.DISTRICT_SETTINGS])) == "FORBIDDEN"
    with session_scope(engine) as session:
        assert naming(session, merged)["enrollment.student_id"] == 1
        assert session.get(Student, merged).status == "ACTIVE"
