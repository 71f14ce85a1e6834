"""announcementFeed (ANN-06, ANN-08, ANN-09, ANN-15…ANN-18, ANN-21, ANN-22): who sees which
announcement over /graphql, in listing order, one statement a page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from announcement_rows import TODAY, announcements  # noqa: F401  (fixture)
from factories import add_contact, add_school, add_section, add_student, add_user, link_siblings
from helpers import count_statements, gql, token_for
from models.announcements import Announcement
from models.db import session_scope

FEED = """query Feed($first: Int, $after: String) {
  announcementFeed(first: $first, after: $after) {
    edges { cursor node { id title subtitle htmlBody startDate endDate fileNames } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


def feed_titles(client, token, first=100) -> list[str]:
    body = gql(client, FEED, {"first": first}, token)
    assert "errors" not in body, body
    return [edge["node"]["title"] for edge in body["data"]["announcementFeed"]["edges"]]


def parent_of(engine, *students, custodial=True, sort_order=1) -> str:
    user_id = add_user(engine, "PARENT", profile="Parent")
    for student in students:
        add_contact(engine, student, user_id=user_id, custodial=custodial, sort_order=sort_order)
    return _token(engine, user_id)


def _token(engine, user_id: int) -> str:
    from models.directory import User

    with session_scope(engine) as session:
        login = session.get(User, user_id).login
    return token_for(engine, login)


def test_ann17_parent_sees_every_school_of_their_students_and_ann06_district_wide(client, engine, announcements):
    school_a, school_b, school_c = add_school(engine), add_school(engine), add_school(engine)
    parent = parent_of(engine, add_student(engine, school_a), add_student(engine, school_b))
    announcements(title="A", schools=[school_a])
    announcements(title="B", schools=[school_b])
    announcements(title="C", schools=[school_c])
    announcements(title="District", start_date=TODAY - dt.timedelta(days=3))
    titles = feed_titles(client, parent)
    assert {"A", "B", "District"} <= set(titles) and "C" not in titles


def test_ann18_inactive_deleted_and_unselected_profile_are_not_shown_ann21(client, engine, announcements):
    school = add_school(engine)
    parent = parent_of(engine, add_student(engine, school))
    announcements(title="Shown", schools=[school])
    announcements(title="Future", schools=[school], start_date=TODAY + dt.timedelta(days=3))
    announcements(title="Expired", schools=[school], end_date=TODAY - dt.timedelta(days=3))
    announcements(title="Teachers only", schools=[school], profiles=("Teacher",))
    announcements(title="Public only", schools=[school], profiles=(), public=True)
    deleted = announcements(title="Deleted", schools=[school])
    assert "Deleted" in feed_titles(client, parent)
    with session_scope(engine) as session:
        session.execute(update(Announcement).where(Announcement.id == deleted)
                        .values(deleted_at=dt.datetime.now(dt.UTC)))
    assert [t for t in feed_titles(client, parent) if t in {
        "Shown", "Future", "Expired", "Teachers only", "Public only", "Deleted"}] == ["Shown"]


def test_ann08_grade_levels_reach_students_in_them_and_parents_only_with_the_parent_profile(client, engine,
                                                                                            announcements):
    school = add_school(engine)
    fifth, sixth = add_student(engine, school, grade_level="5"), add_student(engine, school, grade_level="6")
    fifth_parent, sixth_parent = parent_of(engine, fifth), parent_of(engine, sixth)
    student_account = _token(engine, add_user(engine, "STUDENT", profile="Student", student_id=fifth))
    announcements(title="Grade 5 families", schools=[school], grades=["5"], profiles=("Parent", "Student"))
    announcements(title="Grade 5 students", schools=[school], grades=["5"], profiles=("Student",))
    assert "Grade 5 families" in feed_titles(client, fifth_parent)
    assert "Grade 5 students" not in feed_titles(client, fifth_parent)  # no Parent profile selected
    assert not {"Grade 5 families", "Grade 5 students"} & set(feed_titles(client, sixth_parent))
    assert {"Grade 5 families", "Grade 5 students"} <= set(feed_titles(client, student_account))


def test_ann04_student_contacts_primary_reaches_custodial_contacts_only(client, engine, announcements):
    school = add_school(engine)
    student = add_student(engine, school)
    custodial, other = parent_of(engine, student), parent_of(engine, student, custodial=False, sort_order=2)
    announcements(title="Primary", schools=[school], student_contacts="PRIMARY")
    announcements(title="All", schools=[school], student_contacts="ALL")
    assert {"Primary", "All"} <= set(feed_titles(client, custodial))
    assert "All" in feed_titles(client, other) and "Primary" not in feed_titles(client, other)


def test_ann04_once_per_family_reaches_one_family_of_linked_siblings(client, engine, announcements):
    school = add_school(engine)
    older, younger = add_student(engine, school), add_student(engine, school)
    link_siblings(engine, older, younger)
    parents = [parent_of(engine, older), parent_of(engine, younger)]
    announcements(title="Once", schools=[school], student_contacts="ONCE_PER_FAMILY")
    assert sum("Once" in feed_titles(client, parent) for parent in parents) == 1


def test_ann16_staff_see_their_current_school_and_district_wide(client, engine, announcements):
    school_a, school_b = add_school(engine), add_school(engine)
    admin = _token(engine, add_user(engine, "ADMIN", school_ids=[school_a, school_b], profile="School Administrator"))
    announcements(title="For A", schools=[school_a], profiles=("School Administrator",))
    announcements(title="For B", schools=[school_b], profiles=("School Administrator",))
    announcements(title="Everyone", profiles=("School Administrator",))
    titles = feed_titles(client, admin)
    assert {"For A", "Everyone"} <= set(titles) and "For B" not in titles  # A sorts first: the current school


def test_ann22_class_announcement_reaches_the_sections_students_families_and_ann04_teachers_of(client, engine,
                                                                                               announcements):
    school = add_school(engine)
    enrolled, elsewhere = add_student(engine, school), add_student(engine, school)
    teacher_id = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher")
    other_teacher = _token(engine, add_user(engine, "TEACHER", school_ids=[school], profile="Teacher"))
    section = add_section(engine, school, teacher_ids=[teacher_id], student_ids=[enrolled])
    enrolled_parent, elsewhere_parent = parent_of(engine, enrolled), parent_of(engine, elsewhere)
    announcements(title="Class", sections=[section])
    announcements(title="To teachers", schools=[school], profiles=("Teacher",), student_contacts="TEACHERS_OF",
                  grades=["5"])
    assert "Class" in feed_titles(client, enrolled_parent) and "Class" not in feed_titles(client, elsewhere_parent)
    assert "To teachers" in feed_titles(client, _token(engine, teacher_id))
    assert "To teachers" not in feed_titles(client, other_teacher)  # teaches none of its students (RCP-12)


def test_ann09_order_pages_and_ann15_subtitles(client, engine, announcements):
    school_a, school_b = add_school(engine), add_school(engine)
    parent = parent_of(engine, add_student(engine, school_a), add_student(engine, school_b))
    announcements(title="Old", schools=[school_a], start_date=TODAY - dt.timedelta(days=9))
    announcements(title="New", schools=[school_a, school_b], start_date=TODAY - dt.timedelta(days=2))
    announcements(title="Second", schools=[school_b], sort_order=2, start_date=TODAY - dt.timedelta(days=9))
    announcements(title="First", sort_order=1, start_date=TODAY - dt.timedelta(days=9), files=["menu.pdf"])
    mine = {"Old", "New", "Second", "First"}
    seen, after, pages = [], None, 0
    while True:
        body = gql(client, FEED, {"first": 1, "after": after}, parent)["data"]["announcementFeed"]
        seen += [edge["node"] for edge in body["edges"] if edge["node"]["title"] in mine]
        assert body["pageInfo"]["hasPreviousPage"] is (after is not None)
        pages += 1
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert [node["title"] for node in seen] == ["First", "Second", "New", "Old"]
    subtitles = {node["title"]: node["subtitle"] for node in seen}
    assert subtitles["First"] == "District Announcement" and subtitles["New"] == ""
    assert subtitles["Old"].startswith("School ")
    assert seen[0]["fileNames"] == ["menu.pdf"] and seen[0]["htmlBody"] == "<p>First</p>"
    assert pages >= 4


def test_ann18_a_page_is_one_statement_for_visibility_whatever_its_size(client, engine, announcements):
    school = add_school(engine)
    parent = parent_of(engine, add_student(engine, school))
    for n in range(12):
        announcements(title=f"N{n}", schools=[school], files=[f"f{n}.txt"])
    feed_titles(client, parent)  # warm: the viewer's statements are the same every request
    with count_statements(engine) as few:
        gql(client, FEED, {"first": 2}, parent)
    with count_statements(engine) as many:
        gql(client, FEED, {"first": 12}, parent)
    assert len(many) == len(few)
    feed = [s for s in many if "announcement_profile" in s and "LIMIT" in s.upper()]
    assert len(feed) == 1


def test_ann18_signed_out_callers_are_refused(client):
    body = gql(client, FEED, {"first": 1})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and body.get("data") is None
