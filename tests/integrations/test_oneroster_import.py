"""OneRoster 1.1 CSV import (`homeroom import oneroster`): every entity, the report, re-imports,
and the bundles it rejects.

Every test builds its own fresh, migrated database of the run's backend (a SQLite file, or a
PostgreSQL database it creates and drops) so the shared session database is never touched
(the ``new_engine`` fixture in tests/integrations/conftest.py).
"""

from __future__ import annotations

import collections
import csv
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from domain.integrations.oneroster.importer import import_oneroster
from models.directory import (
    Contact, Enrollment, MarkingPeriod, Profile, School, SchoolYear, Section,
    SectionTeacher, Student, StudentLink, User, UserProfile, UserSchool,
)
from oneroster_bundles import DIRECTORY, FIXTURES, GOOD, SAMPLE, directory_row_counts, make_bundle, needs_sample


def _dump(engine) -> dict[str, list[tuple]]:
    """Every directory row, in primary-key order."""
    with engine.connect() as connection:
        return {model.__tablename__: [tuple(row) for row in connection.execute(
            select(model.__table__).order_by(*model.__table__.primary_key.columns))]
            for model in DIRECTORY}


def _created(report) -> dict[str, int]:
    return {entity: counts.created for entity, counts in report.counts.items() if counts.created}


def _by_sid(engine, model) -> dict[str, sa.Row]:
    with engine.connect() as connection:
        return {row.sourced_id: row for row in connection.execute(select(model.__table__))
                if row.sourced_id is not None}


def _contacts_of(engine, student_sid: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(Contact.sort_order, Contact.first_name, Contact.custodial, Contact.email,
                   Contact.mobile_phone, Contact.home_phone, User.login, Contact.relationship,
                   Contact.language, Contact.sourced_id)
            .join(Student, Student.id == Contact.student_id).outerjoin(User, User.id == Contact.user_id)
            .where(Student.sourced_id == student_sid).order_by(Contact.sort_order))]


def test_sms_02_a_student_phone_takes_sms_when_it_is_the_users_sms_number(new_engine):
    """Covers SMS-02 (issue 13 point 20): the primary phone is ``phone``, else ``sms``; it takes SMS
    only when it is the ``sms`` number."""
    engine = new_engine()
    assert import_oneroster(engine, GOOD).ok
    students = _by_sid(engine, Student)
    # s-1 has a phone only, s-2 an SMS number only, s-3 neither.
    assert [(students[s].primary_phone, students[s].sms_enabled) for s in ("s-1", "s-2", "s-3")] == [
        ("+13125550111", False), ("+13125550112", True), (None, False)]


def test_good_bundle_imports_every_entity_with_a_clear_report(new_engine):
    engine = new_engine()
    report = import_oneroster(engine, GOOD)
    assert report.ok, report.errors
    assert _created(report) == {
        "district": 1, "schools": 2, "school_years": 1, "marking_periods": 1, "students": 5, "users": 8,
        "contacts": 6, "student_links": 4, "sections": 3, "enrollments": 4, "section_teachers": 3,
        "user_schools": 6, "user_profiles": 8, "profiles": 5}
    skipped = {entity: counts.skipped for entity, counts in report.counts.items() if counts.skipped}
    assert skipped == {"orgs": 1, "users": 1, "enrollments": 1}
    assert any("1 department" in note for note in report.notes)

    students, users = _by_sid(engine, Student), _by_sid(engine, User)
    schools, sections = _by_sid(engine, School), _by_sid(engine, Section)
    s1 = students["s-1"]
    assert (s1.grade_level, s1.school_id, s1.primary_email, s1.personal_email, s1.primary_phone,
            s1.language, s1.status) == ("9", schools["sch-hs"].id, "finn.baker@students.example.org",
                                        "finn.b@mail.example.com", "+13125550111", "es", "ACTIVE")
    assert students["s-2"].primary_phone == "+13125550112"  # phone, else sms
    assert (students["s-3"].grade_level, students["s-3"].language) == ("K", "ja")
    assert students["s-4"].status == "DELETED" and students["s-5"].status == "INACTIVE"
    assert students["s-5"].school_id == schools["sch-es"].id  # the first school of orgSourcedIds
    assert (users["s-1"].login, users["s-1"].role, users["s-1"].student_id) == ("s1.login", "STUDENT", s1.id)
    assert "s-2" not in users  # no username: no login account
    assert (users["p-1"].role, users["p-1"].phone, users["p-1"].language) == ("PARENT", "+13125550121", "es")
    assert users["t-3"].status == "INACTIVE" and "aide-1" not in users
    with engine.connect() as connection:
        school_sets = collections.defaultdict(set)
        for user_id, school_id in connection.execute(select(UserSchool.user_id, UserSchool.school_id)):
            school_sets[user_id].add(school_id)
        profile_of = {user_id: name for user_id, name in connection.execute(
            select(UserProfile.user_id, Profile.name).join(Profile))}
        links = {tuple(r) for r in connection.execute(select(StudentLink.student_id, StudentLink.linked_student_id))}
        enrolled = {tuple(r) for r in connection.execute(select(Enrollment.section_id, Enrollment.student_id))}
        taught = {tuple(r) for r in connection.execute(select(SectionTeacher.section_id, SectionTeacher.user_id))}
        year = connection.execute(select(SchoolYear)).one()
    assert school_sets[users["adm-1"].id] == {schools["sch-hs"].id, schools["sch-es"].id}
    assert school_sets[users["prin-1"].id] == {schools["sch-hs"].id}
    assert profile_of[users["adm-1"].id] == "District Administrator"
    assert profile_of[users["prin-1"].id] == "School Administrator"
    assert profile_of[users["t-1"].id] == "Teacher" and profile_of[users["g-2"].id] == "Parent"

    # Agents declared on either side become contacts in agentSourcedIds order; flags take defaults.
    assert _contacts_of(engine, "s-1") == [
        (1, "Kim", True, "kim.baker@mail.example.com", "+13125550121", "+13125550120", "parent.p1",
         "Parent", "es", "p-1"),
        (2, "Lee", True, None, None, "+13125550122", None, "Guardian", "en", "g-1"),
        (3, "Ned", False, "ned.baker@mail.example.com", None, None, None, "Relative", "en", "r-1")]
    assert _contacts_of(engine, "s-5") == [
        (1, "Mia", True, "mia.n@mail.example.com", "+13125550123", None, "parent.g2", "Guardian", "ja", "g-2")]
    with engine.connect() as connection:
        flags = {tuple(r) for r in connection.execute(select(
            Contact.callout, Contact.blocked, Contact.sms, Contact.unsubscribe, Contact.email_opt_out))}
    assert flags == {(True, False, True, False, False)}
    sid = {row.id: s for s, row in students.items()}
    assert {(sid[a], sid[b]) for a, b in links} == {("s-1", "s-2"), ("s-2", "s-1"), ("s-3", "s-5"),
                                                    ("s-5", "s-3")}

    assert (year.sourced_id, year.name) == ("year-2627", "2026-2027")
    assert sections["cls-alg"].school_year_id == year.id  # through its term
    assert sections["cls-bio"].course_code == "BIO-10"  # the course's code when classCode is blank
    section_sid = {row.id: s for s, row in sections.items()}
    user_sid = {row.id: s for s, row in users.items()}
    assert {(section_sid[c], sid[s]) for c, s in enrolled} == {
        ("cls-alg", "s-1"), ("cls-bio", "s-1"), ("cls-alg", "s-2"), ("cls-hk", "s-3")}
    assert {(section_sid[c], user_sid[u]) for c, u in taught} == {
        ("cls-alg", "t-1"), ("cls-bio", "t-1"), ("cls-hk", "t-2")}


@needs_sample
def test_shared_sample_imports_with_a_clear_report(new_engine, tmp_path):
    bundle = tmp_path / "sample"
    bundle.mkdir()
    for name in ("orgs.csv", "users.csv"):
        shutil.copy(SAMPLE / name, bundle / name)
    engine = new_engine()
    report = import_oneroster(engine, bundle)
    assert report.ok, report.errors
    # 2 students with logins, their parent, and a principal; the parent is on both cards.
    assert _created(report) == {"district": 1, "schools": 1, "students": 2, "users": 4, "contacts": 2,
                                "student_links": 2, "user_schools": 1, "user_profiles": 4, "profiles": 3}
    assert any("no manifest.csv" in note for note in report.notes)
    users = _by_sid(engine, User)
    assert users["58859ecf-2b2a-43f4-be56-437df1db1b44"].role == "ADMIN"  # role "principal"
    assert [c[6] for c in _contacts_of(engine, "81eabe90-875c-4058-90f2-e46c2abc66d9")] == [
        "Julio.Greenfelder12"]


@needs_sample
def test_shared_large_sample_is_rejected_for_its_placeholder_org_then_imports_once_fixed(new_engine, tmp_path):
    """test-csv.csv names org slksldkmlsk49303 on every row, which orgs.csv does not hold."""
    bundle = tmp_path / "large"
    bundle.mkdir()
    shutil.copy(SAMPLE / "orgs.csv", bundle / "orgs.csv")
    text = (SAMPLE / "test-csv.csv").read_text(encoding="utf-8")
    (bundle / "users.csv").write_text(text, encoding="utf-8")
    engine = new_engine()
    report = import_oneroster(engine, bundle)
    assert not report.ok and len(report.errors) == 1999
    assert {(e.file, e.column, e.code) for e in report.errors} == {("users.csv", "orgSourcedIds", "unknown_reference")}
    assert report.errors[0].row == 2 and report.counts["students"].rejected == 1187
    assert set(directory_row_counts(engine).values()) == {0}

    school = "40a9b1be-6eb9-4456-836f-d00c0a444151"
    (bundle / "users.csv").write_text(text.replace("slksldkmlsk49303", school), encoding="utf-8")
    report = import_oneroster(engine, bundle)
    assert report.ok, report.errors[:5]
    rows = list(csv.DictReader(text.splitlines()))
    agents = {row["sourcedId"]: row["agentSourcedIds"].split(",") for row in rows if row["role"] == "student"}
    families = collections.defaultdict(set)
    for student, parents in agents.items():
        for parent in parents:
            families[parent].add(student)
    siblings = {(a, b) for group in families.values() for a in group for b in group if a != b}
    assert _created(report)["students"] == 1187 and _created(report)["contacts"] == 2390
    assert _created(report)["users"] == 1187 + 812  # every student and parent has a username
    assert _created(report)["student_links"] == len(siblings)
    with engine.connect() as connection:
        per_student = {sid: n for sid, n in connection.execute(
            select(Student.sourced_id, func.count(Contact.id)).join(Contact).group_by(Student.sourced_id))}
    assert per_student == {student: len(parents) for student, parents in agents.items()}


def test_reimport_is_idempotent_and_updates_by_sourced_id(new_engine, tmp_path):
    engine = new_engine()
    assert import_oneroster(engine, GOOD).ok
    before = _dump(engine)
    again = import_oneroster(engine, GOOD)
    assert again.ok and _created(again) == {}
    assert all(counts.updated == counts.removed == 0 for counts in again.counts.values())
    assert again.counts["students"].unchanged == 5 and again.counts["contacts"].unchanged == 6
    assert _dump(engine) == before

    # A changed bundle updates rows in place: nothing is duplicated.
    bundle = make_bundle(tmp_path)
    users = (bundle / "users.csv").read_text(encoding="utf-8")
    users = users.replace("gina.baker@students.example.org", "gina.b@students.example.org")
    users = "\n".join(line for line in users.splitlines() if not line.startswith("r-1,")) + "\n"
    (bundle / "users.csv").write_text(users, encoding="utf-8")
    enrollments = (bundle / "enrollments.csv").read_text(encoding="utf-8")
    (bundle / "enrollments.csv").write_text(
        "\n".join(line for line in enrollments.splitlines() if not line.startswith("e-2,")) + "\n", encoding="utf-8")
    changed = import_oneroster(engine, bundle)
    assert changed.ok and _created(changed) == {}
    assert changed.counts["students"].updated == 1 and changed.counts["contacts"].removed == 1
    assert changed.counts["enrollments"].removed == 1
    counts = directory_row_counts(engine)
    assert counts == {**{name: len(rows) for name, rows in before.items()}, "enrollment": 3}
    assert _by_sid(engine, Student)["s-2"].primary_email == "gina.b@students.example.org"
    assert [c[1] for c in _contacts_of(engine, "s-1")] == ["Kim", "Lee", "Ned"]
    with engine.connect() as connection:  # the relative left the bundle: marked deleted, kept
        assert connection.execute(select(Contact.status).where(Contact.sourced_id == "r-1")).scalar_one() == "DELETED"


def test_students_naming_each_other_as_agents_are_not_siblings(new_engine, tmp_path):
    bundle = make_bundle(tmp_path)
    users = (bundle / "users.csv").read_text(encoding="utf-8")
    users = users.replace("+13125550112,,p-1,11,", "+13125550112,,s-1,11,")  # s-2 names s-1, not p-1
    (bundle / "users.csv").write_text(users, encoding="utf-8")
    engine = new_engine()
    report = import_oneroster(engine, bundle)
    assert report.ok, report.errors
    assert report.counts["contacts"].skipped == 1 and _contacts_of(engine, "s-2") == []
    students = {row.id: sid for sid, row in _by_sid(engine, Student).items()}
    with engine.connect() as connection:
        links = {(students[a], students[b]) for a, b in connection.execute(
            select(StudentLink.student_id, StudentLink.linked_student_id))}
    assert links == {("s-3", "s-5"), ("s-5", "s-3")}


BROKEN = {
    "missing_column": [("users.csv", 1, "role", "missing_column")],
    "unknown_role": [("users.csv", 5, "role", "unknown_role")],
    "dangling_agent": [("users.csv", 7, "agentSourcedIds", "unknown_reference")],
    "dangling_org": [("users.csv", 4, "orgSourcedIds", "unknown_reference")],
    "dangling_class": [("enrollments.csv", 4, "classSourcedId", "unknown_reference")],
    "bad_row": [("users.csv", 8, "enabledUser", "invalid_value"), ("users.csv", 9, "", "malformed_row")],
    "bad_date": [("academicSessions.csv", 3, "startDate", "invalid_value")],
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_bundle_is_rejected_with_row_errors_and_writes_nothing(new_engine, tmp_path, case):
    engine = new_engine()
    report = import_oneroster(engine, make_bundle(tmp_path, FIXTURES / "broken" / case))
    assert not report.ok
    assert [(e.file, e.row, e.column, e.code) for e in report.errors] == BROKEN[case]
    assert all(e.message for e in report.errors)
    assert sum(counts.rejected for counts in report.counts.values()) >= 1
    assert not any(counts.created or counts.updated for counts in report.counts.values())
    assert set(directory_row_counts(engine).values()) == {0}  # the rest of the bundle is valid, yet nothing landed


def _rewrite(path: Path, sourced_id: str, column: str, value: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["sourcedId"] == sourced_id:
            row[column] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_issue_13_10_names_with_control_characters_are_rejected(new_engine, tmp_path):
    """Issue 13 point 10: imported names become email display names (a contact's To, a school's or
    the district's From) and subjects, so a name with a line break or tab is a row error, and the
    bundle writes nothing."""
    engine = new_engine()
    bundle = make_bundle(tmp_path)
    _rewrite(bundle / "users.csv", "g-1", "givenName", "Lee\r\nBcc: everyone@evil.example")
    _rewrite(bundle / "orgs.csv", "sch-es", "name", "Lakeside\tElementary")
    report = import_oneroster(engine, bundle)
    assert {(e.file, e.column, e.code) for e in report.errors} == {
        ("users.csv", "givenName", "invalid_characters"), ("orgs.csv", "name", "invalid_characters")}
    assert all("control character" in e.message for e in report.errors)
    assert set(directory_row_counts(engine).values()) == {0}


def test_a_file_the_manifest_promises_must_be_there(new_engine, tmp_path):
    bundle = make_bundle(tmp_path)
    (bundle / "classes.csv").unlink()
    report = import_oneroster(new_engine(), bundle)
    assert [(e.file, e.row, e.column, e.code) for e in report.errors][:1] == [
        ("manifest.csv", 6, "value", "missing_file")]


def test_a_later_bundle_may_refer_to_rows_already_in_the_database(new_engine, tmp_path):
    engine = new_engine()
    assert import_oneroster(engine, GOOD).ok
    header = (GOOD / "users.csv").read_text(encoding="utf-8").splitlines()[0]
    later = tmp_path / "later"
    later.mkdir()
    (later / "users.csv").write_text(
        header + "\ns-6,active,,true,sch-hs,student,,,Pia,Baker,,,,,,p-1,10,,\n", encoding="utf-8")
    before = directory_row_counts(engine)
    report = import_oneroster(engine, later)
    assert report.ok, report.errors
    assert _contacts_of(engine, "s-6")[0][6] == "parent.p1"  # agent and school known from the database
    assert directory_row_counts(engine)["contact"] == before["contact"] + 1

    (later / "users.csv").write_text(
        header + "\ns-7,active,,true,sch-hs,student,,,Quin,Baker,,,,,,p-404,10,,\n", encoding="utf-8")
    report = import_oneroster(engine, later)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, "agentSourcedIds", "unknown_reference")]


def test_cmp_33_terms_and_grading_periods_under_a_school_year_are_its_marking_periods(new_engine, tmp_path):
    """Covers CMP-33 (the data it reads): a ``term`` or ``gradingPeriod`` session under a school year,
    directly or through a semester, is a marking period of that year by sourcedId; a semester folds
    into the year; a re-import changes nothing, and a new title updates the period in place."""
    engine = new_engine()
    overlay = tmp_path / "periods"
    overlay.mkdir()
    header = "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n"
    rows = ("year-2627,active,,2026-2027,schoolYear,2026-08-15,2027-06-10,,2027\n"
            "term-fall,active,,Fall 2026,term,2026-08-15,2026-12-20,year-2627,2027\n"
            "sem-2,active,,Spring semester,semester,2027-01-04,2027-06-10,year-2627,2027\n"
            "gp-3,active,,Quarter 3,gradingPeriod,2027-01-04,2027-03-26,sem-2,2027\n")
    (overlay / "academicSessions.csv").write_text(header + rows, encoding="utf-8")
    bundle = make_bundle(tmp_path, overlay)
    report = import_oneroster(engine, bundle)
    assert report.ok, report.errors
    assert report.counts["marking_periods"].created == 2 and report.counts["school_years"].skipped == 1

    def periods():
        with engine.connect() as connection:
            return connection.execute(
                select(MarkingPeriod.sourced_id, MarkingPeriod.name, MarkingPeriod.start_date.cast(sa.String),
                       MarkingPeriod.end_date.cast(sa.String), SchoolYear.sourced_id)
                .join(SchoolYear, SchoolYear.id == MarkingPeriod.school_year_id).order_by(MarkingPeriod.sourced_id)).all()

    assert periods() == [("gp-3", "Quarter 3", "2027-01-04", "2027-03-26", "year-2627"),
                         ("term-fall", "Fall 2026", "2026-08-15", "2026-12-20", "year-2627")]
    assert import_oneroster(engine, bundle).counts["marking_periods"].unchanged == 2
    (overlay / "academicSessions.csv").write_text(header + rows.replace("Quarter 3", "Q3"), encoding="utf-8")
    renamed = import_oneroster(engine, make_bundle(tmp_path, overlay, name="renamed"))
    assert renamed.counts["marking_periods"].updated == 1
    assert [row[1] for row in periods()] == ["Q3", "Fall 2026"]


def test_cmp_33_a_period_under_a_school_year_the_file_deletes_goes_with_it(new_engine, tmp_path):
    """Covers CMP-33 (the data it reads): a grading period under a ``schoolYear`` marked
    ``tobedeleted`` is skipped with its year instead of failing the import (it named a year the
    import does not write: a KeyError and no import at all)."""
    engine = new_engine()
    overlay = tmp_path / "deleted-year"
    overlay.mkdir()
    (overlay / "academicSessions.csv").write_text(
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n"
        "year-2627,active,,2026-2027,schoolYear,2026-08-15,2027-06-10,,2027\n"
        "year-old,tobedeleted,,2019-2020,schoolYear,2019-08-15,2020-06-10,,2020\n"
        "gp-old,active,,Quarter 1,gradingPeriod,2019-08-15,2019-10-31,year-old,2020\n"
        "term-fall,active,,Fall 2026,term,2026-08-15,2026-12-20,year-2627,2027\n", encoding="utf-8")
    report = import_oneroster(engine, make_bundle(tmp_path, overlay))
    assert report.ok, report.errors
    assert report.counts["marking_periods"].created == 1
    with engine.connect() as connection:
        assert connection.execute(select(MarkingPeriod.sourced_id)).scalars().all() == ["term-fall"]
