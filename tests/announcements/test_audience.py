"""audience_select (ANN-04, ANN-08, ANN-14's reach, ANN-22): the rows activation turns into a
message's recipients, on the shared seeded database with rows of the test's own."""

from __future__ import annotations

from announcement_rows import announcements  # noqa: F401  (fixture)
from domain.announcements.audience import audience_select
from factories import add_contact, add_school, add_section, add_student, add_user
from models.db import session_scope


def rows_of(engine, announcement_id) -> set[tuple]:
    with session_scope(engine) as session:
        return {tuple(row) for row in session.execute(audience_select(announcement_id))}


def test_ann08_ann14_students_parents_and_staff_of_a_grade_at_one_school(engine, announcements):
    school, elsewhere = add_school(engine), add_school(engine)
    fifth, sixth = add_student(engine, school, grade_level="5"), add_student(engine, school, grade_level="6")
    parent = add_user(engine, "PARENT", profile="Parent")
    add_contact(engine, fifth, user_id=parent)
    add_contact(engine, sixth, user_id=parent)
    card_only = add_contact(engine, fifth, custodial=False, sort_order=2)  # no account: no USER row
    account = add_user(engine, "STUDENT", profile="Student", student_id=fifth)
    teacher = add_user(engine, "TEACHER", profile="Teacher", school_ids=[school])
    add_user(engine, "TEACHER", profile="Teacher", school_ids=[elsewhere])
    add_user(engine, "ADMIN", profile="School Administrator", school_ids=[school])  # profile not selected
    a = announcements(schools=[school], grades=["5"], profiles=("Parent", "Student", "Teacher"))
    assert rows_of(engine, a) == {("STUDENT", fifth, fifth), ("USER", account, fifth), ("USER", parent, fifth),
                                  ("USER", teacher, None)}
    assert card_only not in {row[1] for row in rows_of(engine, a)}
    without_students = announcements(schools=[school], grades=["5"], profiles=("Parent",))
    assert rows_of(engine, without_students) == {("USER", parent, fifth)}  # ANN-08: no Student profile, no students


def test_ann22_class_announcement_and_ann04_teachers_of(engine, announcements):
    school = add_school(engine)
    enrolled, other = add_student(engine, school), add_student(engine, school)
    parent = add_user(engine, "PARENT", profile="Parent")
    add_contact(engine, enrolled, user_id=parent)
    add_contact(engine, other, user_id=add_user(engine, "PARENT", profile="Parent"))
    teacher = add_user(engine, "TEACHER", profile="Teacher", school_ids=[school])
    section = add_section(engine, school, teacher_ids=[teacher], student_ids=[enrolled])
    bystander = add_user(engine, "TEACHER", profile="Teacher", school_ids=[school])
    a = announcements(sections=[section], profiles=("Parent", "Teacher"))
    rows = rows_of(engine, a)
    assert ("USER", parent, enrolled) in rows and {r for r in rows if r[0] == "USER" and r[2] == other} == set()
    assert {("USER", teacher, None), ("USER", bystander, None)} <= rows  # staff of the sections' school
    b = announcements(schools=[school], profiles=("Parent", "Teacher"), student_contacts="TEACHERS_OF")
    rows = rows_of(engine, b)
    assert ("USER", teacher, None) in rows and ("USER", bystander, None) not in rows
    assert not {r for r in rows if r[1] == parent}  # TEACHERS_OF reaches no contact
