"""OneRoster 1.1 from the command line and back (`homeroom import oneroster`, `homeroom export
oneroster`): the CLI's answers, an export imported again gives the same recipients, and the import
runs set-based.

Every test builds its own fresh, migrated database of the run's backend (the ``new_engine`` fixture
in tests/integrations/conftest.py) so the shared session database is never touched.
"""

from __future__ import annotations

import collections
import datetime as dt
import csv
import os
import shutil
import subprocess
import sys

from sqlalchemy import select, update

from domain.delivery.fan_out import fan_out
from domain.messages.send import SendMessageRequest, create_message
from domain.integrations.oneroster.importer import import_oneroster
from domain.integrations.oneroster.export import export_oneroster
from domain.demo.seeding import seed_district
from domain.access.viewer import load_viewer
from helpers import count_statements
from models.db import session_scope
from models.directory import (
    Contact, District, Enrollment, Section,
    SectionTeacher, Student, StudentLink, User,
)
from models.caller_ids import CallerId
from models.messaging import Channel, Delivery, DeliveryStatus, StudentRecipientType
from oneroster_bundles import FIXTURES, GOOD, directory_row_counts, make_bundle


def test_cli_imports_rejects_and_exports(new_engine, tmp_path):
    engine = new_engine()
    env = {**os.environ, "HOMEROOM_DATABASE_URL": engine.url.render_as_string(hide_password=False)}

    def homeroom(*args):
        return subprocess.run([sys.executable, "-m", "homeroom.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    broken = homeroom("import", "oneroster", str(make_bundle(tmp_path, FIXTURES / "broken" / "unknown_role")))
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "users.csv, row 5, column role: unknown_role" in broken.stderr
    assert "nothing was written" in broken.stderr
    assert set(directory_row_counts(engine).values()) == {0}

    done = homeroom("import", "oneroster", str(GOOD))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "students" in done.stdout and "created" in done.stdout
    assert directory_row_counts(engine)["student"] == 5

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
    bundle = make_bundle(tmp_path, broken / "unknown_role", broken / "dangling_class", broken / "bad_date")
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
    assert set(directory_row_counts(engine).values()) == {0}


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
        # An in-app row's address names the account by id (``user:<id>``), which differs between
        # the two databases; the account's login names the same person in both.
        logins = {f"user:{user_id}": f"user:{login}" for user_id, login in session.execute(select(User.id, User.login))}
        return collections.Counter(
            (channel, logins[address] if channel == Channel.INAPP.value else address, status)
            for channel, address, status in session.execute(
                select(Delivery.channel, Delivery.address, Delivery.status).where(Delivery.message_id == message_id)))


#: Contact flags are not part of OneRoster: the imported contacts have them all at their defaults,
#: so a contact delivery the source held back because of a flag is queued in the copy. (A student
#: phone's SMS flag does survive, as ``sms``.) The email opt-out toggle holds a contact's email back
#: as OPTED_OUT; the seeded source records no address opt-outs, so OPTED_OUT here is that flag.
FLAG_STATUSES = {DeliveryStatus.UNSUBSCRIBED.value, DeliveryStatus.OPTED_OUT.value, DeliveryStatus.NO_SMS.value,
                 DeliveryStatus.BLOCKED.value, DeliveryStatus.NO_CALLOUT.value}


def test_round_trip_export_then_import_gives_the_same_recipients(new_engine, tmp_path):
    """Covers RCP-03, RCP-05, RCP-06, RCP-08, SMS-02: after export -> import the STUDENTS and
    PRIMARY_CONTACTS sends resolve to the same addresses and statuses (a student phone's SMS flag
    survives; the same accounts' in-app inboxes, PERM-59), and sibling groups match."""
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
