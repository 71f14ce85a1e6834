"""OneRoster 1.1 CSV import and export (`homeroom import oneroster`, `homeroom export oneroster`).

Every test builds its own fresh, migrated database of the run's backend (a SQLite file, or a
PostgreSQL database it creates and drops) so the shared session database is never touched.
"""

from __future__ import annotations

import collections
import datetime as dt
import csv
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, update

from harness import BASE_DATABASE_URL, USES_POSTGRES
from domain.delivery.fan_out import fan_out
from domain.messages.send import SendMessageRequest, create_message
from domain.integrations.oneroster.importer import import_oneroster
from domain.integrations.oneroster.export import export_oneroster
from domain.demo.seeding import seed_district
from domain.access.viewer import load_viewer
from helpers import count_statements
from homeroom.migrate import upgrade
from models.db import make_engine, session_scope
from models.directory import (
    Contact, District, Enrollment, Profile, ProfileGrant, School, SchoolYear, Section,
    SectionTeacher, Student, StudentLink, User, UserProfile, UserSchool,
)
from models.caller_ids import CallerId
from models.messaging import Channel, Delivery, DeliveryStatus, StudentRecipientType

FIXTURES = Path(__file__).parent / "fixtures" / "oneroster"
GOOD = FIXTURES / "good"
SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "peers" / "oneroster" / "nicelion-oneroster-mocker"
DIRECTORY = (District, School, SchoolYear, Profile, ProfileGrant, User, UserProfile, UserSchool,
             Student, StudentLink, Contact, Section, SectionTeacher, Enrollment)
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="the shared OneRoster sample is not here")


@pytest.fixture
def new_engine(tmp_path):
    """Makes empty databases migrated to head, on SQLite or PostgreSQL like the session database."""
    made = []
    admin_url = BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)

    def make():
        if USES_POSTGRES:
            name = f"homeroom_oneroster_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{tmp_path / f'oneroster-{len(made)}.db'}"
        upgrade(url)
        engine = make_engine(url)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        name = engine.url.database
        engine.dispose()
        if USES_POSTGRES:
            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _bundle(tmp_path: Path, *overlays: Path, name: str = "bundle") -> Path:
    """A copy of the good bundle with the files of each overlay folder laid over it."""
    target = tmp_path / name
    shutil.copytree(GOOD, target)
    for overlay in overlays:
        for path in overlay.iterdir():
            shutil.copy(path, target / path.name)
    return target


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {model.__tablename__: connection.execute(select(func.count()).select_from(model)).scalar_one()
                for model in DIRECTORY}


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
        "district": 1, "schools": 2, "school_years": 1, "students": 5, "users": 8, "contacts": 6,
        "student_links": 4, "sections": 3, "enrollments": 4, "section_teachers": 3,
        "user_schools": 6, "user_profiles": 8, "profiles": 5}
    skipped = {entity: counts.skipped for entity, counts in report.counts.items() if counts.skipped}
    assert skipped == {"orgs": 1, "school_years": 1, "users": 1, "enrollments": 1}
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
    assert set(_row_counts(engine).values()) == {0}

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
    bundle = _bundle(tmp_path)
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
    counts = _row_counts(engine)
    assert counts == {**{name: len(rows) for name, rows in before.items()}, "enrollment": 3}
    assert _by_sid(engine, Student)["s-2"].primary_email == "gina.b@students.example.org"
    assert [c[1] for c in _contacts_of(engine, "s-1")] == ["Kim", "Lee", "Ned"]
    with engine.connect() as connection:  # the relative left the bundle: marked deleted, kept
        assert connection.execute(select(Contact.status).where(Contact.sourced_id == "r-1")).scalar_one() == "DELETED"


def test_students_naming_each_other_as_agents_are_not_siblings(new_engine, tmp_path):
    bundle = _bundle(tmp_path)
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
    report = import_oneroster(engine, _bundle(tmp_path, FIXTURES / "broken" / case))
    assert not report.ok
    assert [(e.file, e.row, e.column, e.code) for e in report.errors] == BROKEN[case]
    assert all(e.message for e in report.errors)
    assert sum(counts.rejected for counts in report.counts.values()) >= 1
    assert not any(counts.created or counts.updated for counts in report.counts.values())
    assert set(_row_counts(engine).values()) == {0}  # the rest of the bundle is valid, yet nothing landed


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
    bundle = _bundle(tmp_path)
    _rewrite(bundle / "users.csv", "g-1", "givenName", "Lee\r\nBcc: everyone@evil.example")
    _rewrite(bundle / "orgs.csv", "sch-es", "name", "Lakeside\tElementary")
    report = import_oneroster(engine, bundle)
    assert {(e.file, e.column, e.code) for e in report.errors} == {
        ("users.csv", "givenName", "invalid_characters"), ("orgs.csv", "name", "invalid_characters")}
    assert all("control character" in e.message for e in report.errors)
    assert set(_row_counts(engine).values()) == {0}


def test_a_file_the_manifest_promises_must_be_there(new_engine, tmp_path):
    bundle = _bundle(tmp_path)
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
    before = _row_counts(engine)
    report = import_oneroster(engine, later)
    assert report.ok, report.errors
    assert _contacts_of(engine, "s-6")[0][6] == "parent.p1"  # agent and school known from the database
    assert _row_counts(engine)["contact"] == before["contact"] + 1

    (later / "users.csv").write_text(
        header + "\ns-7,active,,true,sch-hs,student,,,Quin,Baker,,,,,,p-404,10,,\n", encoding="utf-8")
    report = import_oneroster(engine, later)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, "agentSourcedIds", "unknown_reference")]


def test_cli_imports_rejects_and_exports(new_engine, tmp_path):
    engine = new_engine()
    env = {**os.environ, "HOMEROOM_DATABASE_URL": engine.url.render_as_string(hide_password=False)}

    def homeroom(*args):
        return subprocess.run([sys.executable, "-m", "homeroom.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    broken = homeroom("import", "oneroster", str(_bundle(tmp_path, FIXTURES / "broken" / "unknown_role")))
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "users.csv, row 5, column role: unknown_role" in broken.stderr
    assert "nothing was written" in broken.stderr
    assert set(_row_counts(engine).values()) == {0}

    done = homeroom("import", "oneroster", str(GOOD))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "students" in done.stdout and "created" in done.stdout
    assert _row_counts(engine)["student"] == 5

    exported = homeroom("export", "oneroster", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    assert "users.csv: 14 rows" in exported.stdout  # 5 staff, 5 students, 4 agents (not the aide)
    env["HOMEROOM_DATABASE_URL"] = new_engine().url.render_as_string(hide_password=False)
    again = homeroom("import", "oneroster", str(tmp_path / "out"))
    assert again.returncode == 0, again.stdout + again.stderr


def test_cli_names_the_files_it_ignored_and_counts_errors_by_code(new_engine, tmp_path):
    """Covers issue 13 point 25: files in the folder that are not part of the bundle are named,
    a misspelt one with the name it should have; the errors are counted per code before they
    are listed."""
    engine = new_engine()
    broken = FIXTURES / "broken"
    bundle = _bundle(tmp_path, broken / "unknown_role", broken / "dangling_class", broken / "bad_date")
    shutil.copy(bundle / "orgs.csv", bundle / "Orgs.csv")
    (bundle / "notes.txt").write_text("exported on Monday", encoding="utf-8")
    (bundle / "archive").mkdir()
    expected = collections.Counter(error.code for error in import_oneroster(engine, bundle).errors)
    assert len(expected) >= 2  # several codes, so the summary has something to add up
    env = {**os.environ, "HOMEROOM_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", "import", "oneroster", str(bundle)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    for note in ("Orgs.csv is not part of a OneRoster 1.1 bundle; ignored (file names are case-sensitive: "
                 "did you mean orgs.csv?)", "archive/ is not part of a OneRoster 1.1 bundle; ignored",
                 "notes.txt is not part of a OneRoster 1.1 bundle; ignored"):
        assert f"note: {note}" in result.stdout, result.stdout
    lines = result.stderr.splitlines()
    total = sum(expected.values())
    assert lines[0] == f"rejected: {total} errors; nothing was written. Errors by code:"
    summary = lines[1:1 + len(expected)]
    assert summary == [f"  {code}: {count}" for code, count in expected.most_common()]
    assert lines[1 + len(expected)].startswith("file, row, column: code: message")
    assert len(lines[2 + len(expected):]) == total
    assert set(_row_counts(engine).values()) == {0}


def _recipients(engine) -> dict[str, tuple]:
    """Per student sourcedId: their addresses, contacts, sections and teachers."""
    with engine.connect() as connection:
        students = {row.id: row for row in connection.execute(select(Student.__table__))}
        contacts = collections.defaultdict(set)
        for row in connection.execute(select(Contact.__table__).where(Contact.status != "DELETED")):
            contacts[row.student_id].add((row.custodial, row.email, row.mobile_phone, row.home_phone,
                                          row.user_id is not None, row.sort_order))
        sections = collections.defaultdict(set)
        for student_id, section in connection.execute(
                select(Enrollment.student_id, Section.sourced_id).join(Section)):
            sections[student_id].add(section)
        teachers = collections.defaultdict(set)
        for student_id, login in connection.execute(
                select(Enrollment.student_id, User.login)
                .join(SectionTeacher, SectionTeacher.section_id == Enrollment.section_id)
                .join(User, User.id == SectionTeacher.user_id)):
            teachers[student_id].add(login)
    return {s.sourced_id: (s.primary_email, s.personal_email, s.primary_phone, s.sms_enabled, s.status, s.grade_level,
                           frozenset(contacts[s.id]), frozenset(sections[s.id]), frozenset(teachers[s.id]))
            for s in students.values()}


def _families(engine) -> set[frozenset[str]]:
    with engine.connect() as connection:
        sid = {student_id: s for student_id, s in connection.execute(select(Student.id, Student.sourced_id))}
        groups = collections.defaultdict(set)
        for a, b in connection.execute(select(StudentLink.student_id, StudentLink.linked_student_id)):
            groups[a].update((sid[a], sid[b]))
    return {frozenset(group) for group in groups.values()}


def _send_to_all_students(engine, recipient_type: StudentRecipientType) -> collections.Counter:
    """The (channel, address, status) of every delivery the existing send path writes, with no
    call window: the seeded district is in Chicago and an imported one in New York, so between
    their windows' ends SMS would be deferred in one and not the other."""
    with session_scope(engine) as session:
        session.execute(update(District).values(call_window_start=dt.time(0, 0), call_window_end=dt.time(0, 0)))
        if session.execute(select(CallerId.id).where(CallerId.district_default)).first() is None:
            session.add(CallerId(title="District office", phone="+13125550100", district_default=True))  # VOI-02
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
        viewer = load_viewer(session, admin.id)
        students = session.execute(select(Student.id).where(Student.status == "ACTIVE")).scalars().all()
        message = create_message(session, viewer, SendMessageRequest(
            subject="Round trip", html_body="<p>Same people?</p>",
            channels=(Channel.EMAIL, Channel.SMS, Channel.VOICE), recipient_type=recipient_type,
            student_ids=tuple(students)))
        message_id = message.id
    with session_scope(engine) as session:
        fan_out(session, message_id)
        return collections.Counter(session.execute(
            select(Delivery.channel, Delivery.address, Delivery.status)
            .where(Delivery.message_id == message_id)).all())


#: Contact flags are not part of OneRoster: the imported contacts have them all at their defaults,
#: so a contact delivery the source held back because of a flag is queued in the copy. (A student
#: phone's SMS flag does survive, as ``sms``.) The email opt-out toggle holds a contact's email back
#: as OPTED_OUT; the seeded source records no address opt-outs, so OPTED_OUT here is that flag.
FLAG_STATUSES = {DeliveryStatus.UNSUBSCRIBED.value, DeliveryStatus.OPTED_OUT.value, DeliveryStatus.NO_SMS.value,
                 DeliveryStatus.BLOCKED.value, DeliveryStatus.NO_CALLOUT.value}


def test_round_trip_export_then_import_gives_the_same_recipients(new_engine, tmp_path):
    """Covers RCP-03, RCP-05, RCP-06, RCP-08, SMS-02: after export -> import the STUDENTS and
    PRIMARY_CONTACTS sends resolve to the same addresses and statuses (a student phone's SMS flag
    survives), and sibling groups match."""
    source, copy = new_engine(), new_engine()
    seed_district(source, students=200, seed=3)
    written = export_oneroster(source, tmp_path / "bundle")
    assert {"manifest.csv", "users.csv", "enrollments.csv"} <= {p.name for p in (tmp_path / "bundle").iterdir()}
    report = import_oneroster(copy, tmp_path / "bundle")
    assert report.ok, report.errors[:5]
    assert report.counts["students"].created == 200 and written["classes.csv"] > 0

    expected, actual = _recipients(source), _recipients(copy)
    assert len(expected) == 200 and actual == expected
    assert _families(copy) == _families(source)
    with source.connect() as a, copy.connect() as b:
        for column in (User.login, User.role, User.status, User.email):
            values = [sorted(db.execute(select(column)).scalars(), key=str) for db in (a, b)]
            assert values[0] == values[1], column

    for recipient_type in (StudentRecipientType.STUDENTS, StudentRecipientType.PRIMARY_CONTACTS):
        sent = _send_to_all_students(source, recipient_type)
        resent = _send_to_all_students(copy, recipient_type)
        normalised = collections.Counter()
        for (channel, address, status), n in sent.items():
            contact_flag = recipient_type is StudentRecipientType.PRIMARY_CONTACTS and status in FLAG_STATUSES
            normalised[(channel, address, DeliveryStatus.QUEUED.value if contact_flag else status)] += n
        assert resent == normalised, recipient_type
        assert sum(sent.values()) > 200

    # The export of the copy is the export of the source: sourcedIds and every user field survive.
    export_oneroster(copy, tmp_path / "again")
    for name in ("users.csv", "demographics.csv", "orgs.csv", "academicSessions.csv", "classes.csv"):
        rows = [set(map(tuple, csv.reader((tmp_path / folder / name).open(encoding="utf-8"))))
                for folder in ("bundle", "again")]
        assert rows[0] == rows[1], name


def test_import_is_set_based(new_engine, tmp_path):
    """The statement count does not grow with the bundle: no query per row."""
    statements = []
    for students in (40, 320):
        source, target = new_engine(), new_engine()
        seed_district(source, students=students, seed=5)
        export_oneroster(source, tmp_path / f"b{students}")
        with count_statements(target) as count:
            assert import_oneroster(target, tmp_path / f"b{students}").ok
        statements.append(len(count))
    assert statements[0] == statements[1] < 80
