"""Directory queries: scoped, searchable, paginated, and without N+1 queries."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from domain.access.permissions import Perm
from helpers import count_statements, every_node, gql, make_user, token_for
from models.directory import Role, School, Section, SectionTeacher, Student, User

STUDENTS = """query($search: String, $first: Int!, $after: String) {
  students(search: $search, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id firstName lastName school { name } } } } }"""

SECTIONS = "{ sections { nodes { id name school { name } teachers { login } students { id school { id } } } } }"


def test_students_pages_cover_everyone_once(client, engine):
    token = token_for(engine, "admin")
    seen, after = [], None
    while True:
        page = gql(client, STUDENTS, {"first": 97, "after": after}, token)["data"]["students"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] > 97


def test_students_search_by_name(client, engine, db):
    student = db.execute(select(Student).where(Student.status == "ACTIVE")).scalars().first()
    page = gql(client, STUDENTS, {"search": student.last_name.upper(), "first": 50}, token_for(engine, "admin"))
    names = {edge["node"]["lastName"] for edge in page["data"]["students"]["edges"]}
    assert names == {student.last_name}


def test_rcp_17_teacher_sees_only_students_of_their_sections(client, engine):
    """Covers RCP-17."""
    token = token_for(engine, "teacher.1")
    sections = gql(client, SECTIONS, token=token)["data"]["sections"]["nodes"]
    taught = {s["id"] for section in sections for s in section["students"]}
    assert all("teacher.1" in [t["login"] for t in section["teachers"]] for section in sections)
    assert {node["id"] for node in every_node(client, STUDENTS, "students", {"first": 100}, token)} == taught


def test_rcp_17_admin_without_schools_reaches_nobody(client, engine):
    token = make_user(engine, Role.ADMIN, school_ids=[])
    assert gql(client, STUDENTS, {"first": 10}, token)["data"]["students"]["totalCount"] == 0


def test_perm_06_directory_needs_communication(client, engine):
    """Covers PERM-06, PERM-43: without Communication (View) every query is an authorization error."""
    token = make_user(engine, Role.TEACHER, perms=[Perm.SEND_MESSAGES])
    body = gql(client, "{ schools { nodes { id } } }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_sections_and_students_issue_a_fixed_number_of_statements(client, engine):
    """No N+1: the admin's many sections cost the same statements as the teacher's few."""
    counts = []
    for login in ("teacher.1", "admin"):
        token = token_for(engine, login)
        with count_statements(engine) as statements:
            sections = gql(client, SECTIONS, token=token)["data"]["sections"]["nodes"]
        counts.append((len(sections), len(statements)))
    (few, few_statements), (many, many_statements) = counts
    assert many > few and many_statements == few_statements > 0
    with count_statements(engine) as small:
        gql(client, STUDENTS, {"first": 5}, token_for(engine, "admin"))
    with count_statements(engine) as large:
        gql(client, STUDENTS, {"first": 100}, token_for(engine, "admin"))
    assert len(small) == len(large) > 0


def test_groups_are_those_assigned_to_the_viewer(client, engine):
    """Only groups assigned to the viewer or to one of their profiles are listed."""
    admin = gql(client, "{ studentGroups { nodes { name memberCount } } userGroups { nodes { name memberCount } } }",
                token=token_for(engine, "admin"))["data"]
    nobody = gql(client, "{ studentGroups { nodes { name } } userGroups { nodes { name } } }",
                 token=make_user(engine, Role.ADMIN))["data"]
    assert admin["studentGroups"]["nodes"] and all(g["memberCount"] > 0 for g in admin["studentGroups"]["nodes"])
    assert nobody == {"studentGroups": {"nodes": []}, "userGroups": {"nodes": []}}


def test_issue_17_point_3_a_section_without_a_course_code_answers_null(client, engine, db):
    """Issue 17 point 3 (absent is null, not ""): Section.courseCode of a section the student
    information system gave no code is null; a coded section keeps its code."""
    login = f"teacher.nocode.{uuid.uuid4().hex[:8]}"
    token = make_user(engine, Role.TEACHER, login=login)
    teacher = db.execute(select(User).where(User.login == login)).scalars().one()
    school_id = db.execute(select(School.id).order_by(School.id)).scalars().first()
    sections = [Section(school_id=school_id, name=f"Homeroom {login}"),
                Section(school_id=school_id, name=f"Biology {login}", course_code="BIO-10")]
    db.add_all(sections)
    db.flush()
    db.add_all([SectionTeacher(section_id=section.id, user_id=teacher.id) for section in sections])
    db.commit()
    shown = gql(client, "{ sections { nodes { name courseCode } } }", token=token)["data"]["sections"]["nodes"]
    assert sorted((s["name"], s["courseCode"]) for s in shown) == [(f"Biology {login}", "BIO-10"),
                                                                   (f"Homeroom {login}", None)]
