"""The synthetic district generator (domain.demo.seeding): determinism and the shape of its data."""

from __future__ import annotations

import collections
import re

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from domain.access.permissions import CATALOGUE, Addon, EffectivePermissions, Grant, Perm
from domain.demo.seeding import SeedSummary, seed_district
from models.db import make_engine
from models.directory import (
    Contact, Enrollment, PermissionLevel, Profile, ProfileGrant, Role, School, SchoolYear,
    SectionTeacher, Student, StudentGroupAssignee, StudentGroupMember, StudentLink, User,
    UserGroupAssignee, UserGroupMember, UserProfile, UserSchool,
)

STUDENTS = 600


def _empty_engine(path) -> sa.engine.Engine:
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    return engine


def _seeded(path, *, students: int = STUDENTS, seed: int = 11) -> sa.engine.Engine:
    engine = _empty_engine(path)
    seed_district(engine, students=students, seed=seed)
    return engine


def _rows(engine, model, order_by=("id",)) -> list[tuple]:
    table = model.__table__
    with engine.connect() as connection:
        return connection.execute(
            sa.select(table).order_by(*(table.c[name] for name in order_by))).all()


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> sa.engine.Engine:
    engine = _seeded(tmp_path_factory.mktemp("seed") / "district.db")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def db(district):
    with district.connect() as connection:
        yield connection


def _families(db) -> list[set[int]]:
    """Sibling groups: connected components of the Linked Students graph."""
    links = collections.defaultdict(set)
    for student_id, linked in db.execute(sa.select(StudentLink.student_id,
                                                   StudentLink.linked_student_id)):
        links[student_id].add(linked)
    seen, families = set(), []
    for (student_id,) in db.execute(sa.select(Student.id).order_by(Student.id)):
        if student_id in seen:
            continue
        family, todo = set(), [student_id]
        while todo:
            current = todo.pop()
            if current not in family:
                family.add(current)
                todo.extend(links[current] - family)
        seen |= family
        families.append(family)
    return families


def test_same_seed_gives_identical_rows_and_another_seed_differs(tmp_path):
    first = _seeded(tmp_path / "a.db", students=300, seed=5)
    again = _seeded(tmp_path / "b.db", students=300, seed=5)
    other = _seeded(tmp_path / "c.db", students=300, seed=6)
    for model in (Student, Contact, User):
        assert _rows(first, model) == _rows(again, model)
        assert len(_rows(first, model)) > 0
    assert _rows(first, StudentLink, ("student_id", "linked_student_id")) == _rows(
        again, StudentLink, ("student_id", "linked_student_id"))
    assert _rows(first, Student) != _rows(other, Student)
    assert _rows(first, Contact) != _rows(other, Contact)


def test_seeding_a_database_that_holds_a_district_raises_and_changes_nothing(tmp_path):
    engine = _seeded(tmp_path / "twice.db", students=50)
    before = len(_rows(engine, Student))
    with pytest.raises(ValueError, match="already holds a district"):
        seed_district(engine, students=50, seed=12)
    assert len(_rows(engine, Student)) == before == 50


def test_summary_counts_the_rows_of_every_table(tmp_path):
    engine = _empty_engine(tmp_path / "summary.db")
    summary = seed_district(engine, students=200, seed=3)
    assert isinstance(summary, SeedSummary) and summary.seconds > 0
    with engine.connect() as connection:
        for name, count in summary.rows.items():
            assert connection.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) == count, name
    assert summary.rows["student"] == 200
    assert summary.total_rows == sum(summary.rows.values())


def test_schools_span_three_levels_with_a_current_and_a_previous_year(db):
    names = [name for (name,) in db.execute(sa.select(School.name).order_by(School.sort_order))]
    assert len(names) == 3
    assert [n.rsplit(" ", 2)[-2] for n in names] == ["Elementary", "Middle", "High"]
    assert not db.scalar(sa.select(sa.func.count()).where(School.exclude_from_communication))
    years = db.execute(sa.select(SchoolYear.name, SchoolYear.is_current)
                       .order_by(SchoolYear.start_date)).all()
    assert years == [("2025-2026", False), ("2026-2027", True)]


def test_rcp_08_families_have_one_to_four_siblings_linked_both_ways(db):
    """Sibling groups come from Linked Students, stored in both directions (the once-per-family data)."""
    pairs = set(db.execute(sa.select(StudentLink.student_id, StudentLink.linked_student_id)))
    assert pairs and all((b, a) in pairs for a, b in pairs)
    families = _families(db)
    sizes = collections.Counter(len(family) for family in families)
    assert set(sizes) == {1, 2, 3, 4}
    assert (sizes[1] + sizes[2]) / len(families) > 0.7
    # In a family every pair is linked directly, and siblings share a last name.
    last_name = dict(db.execute(sa.select(Student.id, Student.last_name)).all())
    for family in families:
        assert all((a, b) in pairs for a in family for b in family if a != b)
        assert len({last_name[s] for s in family}) == 1


def test_rcp_09_each_student_has_one_to_four_contacts_ordered_from_one(db):
    """Every contact card has a contact with sort order 1."""
    orders = collections.defaultdict(list)
    for student_id, order in db.execute(sa.select(Contact.student_id, Contact.sort_order)):
        orders[student_id].append(order)
    assert len(orders) == STUDENTS
    assert all(sorted(o) == list(range(1, len(o) + 1)) and 1 <= len(o) <= 4
               for o in orders.values())
    counts = collections.Counter(len(o) for o in orders.values())
    assert counts.most_common(1)[0][0] == 2


def test_rcp_06_sort_order_one_is_custodial_and_non_custodial_contacts_exist(db):
    """Custodial and non-custodial contacts are both present."""
    by_order = collections.defaultdict(collections.Counter)
    for order, custodial in db.execute(sa.select(Contact.sort_order, Contact.custodial)):
        by_order[order][custodial] += 1
    assert by_order[1][False] == 0
    assert by_order[2][True] > by_order[2][False] > 0
    assert by_order[3][True] == by_order[4][True] == 0 < by_order[3][False]


def test_rcp_15_some_contacts_lack_email_some_lack_phones_and_a_few_lack_both(db):
    """Some contacts lack an email and some lack any phone (the linked-user fallback data)."""
    contacts = db.execute(sa.select(Contact.email, Contact.mobile_phone, Contact.home_phone)).all()
    no_email = sum(email is None for email, _, _ in contacts) / len(contacts)
    no_mobile = sum(mobile is None for _, mobile, _ in contacts) / len(contacts)
    nothing = sum(row == (None, None, None) for row in contacts)
    assert 0.03 < no_email < 0.15
    assert 0.07 < no_mobile < 0.25
    assert 0 < nothing < 0.08 * len(contacts)


def test_sys_09_every_contact_flag_appears_on_a_minority(db):
    """Each contact flag (Callout, Blocked, SMS, Unsubscribe, email opt-out) occurs."""
    total = db.scalar(sa.select(sa.func.count()).select_from(Contact))
    for condition in (~Contact.callout, Contact.blocked, ~Contact.sms, Contact.unsubscribe,
                      Contact.email_opt_out):
        flagged = db.scalar(sa.select(sa.func.count()).where(condition))
        assert 0 < flagged < 0.15 * total, str(condition)


def test_students_speak_several_languages_mostly_english(db):
    languages = collections.Counter(db.scalars(sa.select(Student.language)))
    assert len(languages) >= 4
    assert languages.most_common(1)[0][0] == "en"
    assert languages["en"] / STUDENTS > 0.5
    emails = collections.Counter(email is None for email in db.scalars(
        sa.select(Student.primary_email)))
    assert 0 < emails[True] < 0.2 * STUDENTS


def test_rcp_10_parent_users_are_shared_across_siblings_contacts(db):
    """One parent user is linked from contacts on several siblings' cards."""
    students_of_user = collections.defaultdict(set)
    for user_id, student_id in db.execute(sa.select(Contact.user_id, Contact.student_id)
                                          .where(Contact.user_id.is_not(None))):
        students_of_user[user_id].add(student_id)
    shared = [students for students in students_of_user.values() if len(students) > 1]
    assert shared
    families = {frozenset(family) for family in _families(db)}
    assert all(any(students <= family for family in families) for students in shared)
    roles = dict(db.execute(sa.select(User.id, User.role)).all())
    assert {roles[user_id] for user_id in students_of_user} == {Role.PARENT.value}
    assert db.scalar(sa.select(sa.func.count()).where(Contact.user_id.is_(None))) > 0


def test_admin_login_holds_the_district_administrator_profile_with_every_admin_permission(db):
    """Covers PERM-01/PERM-04: District Administrator grants every admin permission."""
    admin = db.execute(sa.select(User).where(User.login == "admin")).one()
    assert admin.role == Role.ADMIN.value and admin.email.startswith("admin@")
    profile = db.execute(sa.select(Profile.id, Profile.name).join(
        UserProfile, UserProfile.profile_id == Profile.id).where(
        UserProfile.user_id == admin.id)).one()
    assert profile.name == "District Administrator"
    grants = [Grant(Role.ADMIN, permission, PermissionLevel(level)) for permission, level in
              db.execute(sa.select(ProfileGrant.permission, ProfileGrant.level)
                         .where(ProfileGrant.profile_id == profile.id))]
    held = EffectivePermissions(grants, list(Addon))
    assert all(held.has(perm) for perm, spec in CATALOGUE.items() if Role.ADMIN in spec.levels)
    schools = db.scalar(sa.select(sa.func.count()).select_from(School))
    assert db.scalar(sa.select(sa.func.count()).where(UserSchool.user_id == admin.id)) == schools


def test_profiles_grant_what_their_role_needs(db):
    """Covers PERM-04: each profile's grants are ones its role can hold."""
    grants = collections.defaultdict(dict)
    for name, permission, level in db.execute(
            sa.select(Profile.name, ProfileGrant.permission, ProfileGrant.level)
            .join(ProfileGrant, ProfileGrant.profile_id == Profile.id)):
        grants[name][Perm(permission)] = level
    school_admin = grants["School Administrator"]
    assert Perm.SEND_FROM_SCHOOL in school_admin and Perm.SEND_FROM_DISTRICT not in school_admin
    assert grants["Teacher (read only)"] == {Perm.COMMUNICATION: "VIEW"}
    assert grants["Teacher"][Perm.SEND_TO_PRIMARY_CONTACTS] == "EDIT"
    assert grants["Parent"] == {Perm.COMMUNICATION: "VIEW", Perm.SEND_MESSAGES: "VIEW"}
    assert grants["Student"] == {Perm.COMMUNICATION: "VIEW", Perm.SEND_MESSAGES: "EDIT"}
    roles = dict(db.execute(sa.select(Profile.name, Profile.role)).all())
    for name, held in grants.items():
        assert all(Role(roles[name]) in CATALOGUE[perm].levels for perm in held), name


def test_teacher_1_teaches_sections_whose_students_have_custodial_contacts(db):
    """teacher.1 has a section of enrolled students with custodial contacts."""
    teacher = db.execute(sa.select(User.id, User.role, User.status)
                         .where(User.login == "teacher.1")).one()
    assert (teacher.role, teacher.status) == (Role.TEACHER.value, "ACTIVE")
    profile = db.scalar(sa.select(Profile.name).join(
        UserProfile, UserProfile.profile_id == Profile.id).where(UserProfile.user_id == teacher.id))
    assert profile == "Teacher"
    students = set(db.scalars(sa.select(Enrollment.student_id).join(
        SectionTeacher, SectionTeacher.section_id == Enrollment.section_id)
        .where(SectionTeacher.user_id == teacher.id)))
    assert len(students) >= 10
    with_custodial = set(db.scalars(sa.select(Contact.student_id).where(
        Contact.custodial, Contact.student_id.in_(students))))
    assert with_custodial == students


def test_student_accounts_exist_exactly_for_grades_six_and_up(db):
    grade_of = dict(db.execute(sa.select(Student.id, Student.grade_level)).all())
    accounts = dict(db.execute(sa.select(User.student_id, User.login)
                               .where(User.role == Role.STUDENT.value)).all())
    elementary = {"K", "1", "2", "3", "4", "5"}
    assert set(accounts) == {s for s, grade in grade_of.items() if grade not in elementary}
    assert all(login == f"student.{student_id}" for student_id, login in accounts.items())


def test_emails_and_phone_numbers_are_fictitious(db):
    emails = [*db.scalars(sa.select(Contact.email)), *db.scalars(sa.select(User.email)),
              *db.scalars(sa.select(Student.primary_email)),
              *db.scalars(sa.select(Student.personal_email))]
    assert all(re.fullmatch(r"[a-z0-9.]+@[a-z.]+\.example\.(org|com)", e) for e in emails if e)
    phones = [*db.scalars(sa.select(Contact.mobile_phone)), *db.scalars(sa.select(User.phone)),
              *db.scalars(sa.select(Contact.home_phone)),
              *db.scalars(sa.select(Student.primary_phone))]
    assert all(re.fullmatch(r"\+1\d{3}555\d{4}", p) for p in phones if p)


def test_a_few_users_are_inactive(db):
    statuses = collections.Counter(db.scalars(sa.select(User.status)))
    assert 0 < statuses["INACTIVE"] < 0.05 * sum(statuses.values())


def test_rcp_19_rcp_21_groups_have_members_and_are_assigned_to_users_or_profiles(db):
    """Group assignees name a user or a profile, never both."""
    for member, assignee in ((StudentGroupMember, StudentGroupAssignee),
                             (UserGroupMember, UserGroupAssignee)):
        assert db.scalar(sa.select(sa.func.count(sa.distinct(member.group_id)))) >= 3
        pairs = db.execute(sa.select(assignee.user_id, assignee.profile_id)).all()
        assert all((user is None) != (profile is None) for user, profile in pairs)
        assert any(user for user, _ in pairs) and any(profile for _, profile in pairs)


@pytest.mark.parametrize("students", [0, 1, 7])
def test_tiny_districts_still_have_the_admin_and_teacher_1(tmp_path, students):
    engine = _seeded(tmp_path / "tiny.db", students=students)
    logins = {row.login for row in _rows(engine, User)}
    assert {"admin", "principal.1", "teacher.1"} <= logins
    assert len(_rows(engine, Student)) == students
