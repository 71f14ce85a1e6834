"""OneRoster 1.1 CSV import: ``homeroom import oneroster DIR`` fills the directory from a bundle.

The import is one transaction. The bundle is read and checked first (``oneroster_read``), then
every reference is resolved against the bundle and the database (``oneroster_plan``); when any
row has an error nothing is written. Otherwise each table is synchronised in bulk: one query
loads what exists, rows are compared in Python, and each table gets one batch of inserts (COPY on
PostgreSQL), one executemany UPDATE and one executemany DELETE; no statement runs per row. Rows
are matched by ``sourcedId``, so importing the same bundle twice changes nothing the second time.

Mapping (OneRoster -> Homeroom)
-------------------------------
- ``orgs.csv``: the ``district`` org renames the district (one is created when the database has
  none; at most one per bundle). ``school`` orgs are schools by ``sourcedId``. Other org types
  (department, local, state, national) are ignored and counted as skipped.
- ``academicSessions.csv``: ``schoolYear`` sessions are school years by ``sourcedId`` (an
  existing year of the same name and without a sourcedId is adopted). Terms and grading periods
  under a ``schoolYear`` ancestor are its marking periods by ``sourcedId`` (CMP-33); semesters
  fold into it. A session without such an ancestor is stored as a school year itself. A new year
  is current when today falls inside it and no year is current yet.
- ``users.csv`` by role:
  - ``student``: a student (school = the first school in ``orgSourcedIds``, grade = the first of
    ``grades`` with CEDS codes mapped, KG -> K and 01 -> 1; primary email = ``email``; primary
    phone = ``phone``, else ``sms``; it takes SMS (SMS-02) when it is the ``sms`` number). With a
    ``username`` the student also gets a STUDENT login whose sourcedId is the student's.
  - ``teacher`` -> TEACHER; ``administrator`` (and the 1.2 names ``principal``,
    ``districtAdministrator``, ``siteAdministrator``, ``systemAdministrator``) -> ADMIN. Staff
    need a username (their login). Their schools are the schools in ``orgSourcedIds``, replacing
    any earlier ones. An administrator listing the district org gets every school.
  - ``parent``, ``guardian`` -> a custodial contact; ``relative`` -> a non-custodial one. With a
    ``username`` the agent also gets a PARENT login that the contacts link to (``user_id``). A
    blank username means "a contact only": no login account. OneRoster marks username as
    required, and Homeroom's own export leaves it blank for people without an account.
  - ``aide``, ``proctor``: skipped, because Homeroom has no such role. Any other role is an error.
  - ``enabledUser=false`` (or ``status=inactive``) -> INACTIVE and ``status=tobedeleted`` ->
    DELETED, for students and accounts. A contact-only agent's contact follows the same rule.
    When the agent has an account, ``enabledUser`` only disables the login, and the card entry
    stays active.
  - ``agentSourcedIds`` may be declared on the student (the order gives the contact's sort order
    1, 2, ...) or on the parent (placed after the student's own list). Each (student, agent) pair
    is one contact identified by (student, agent sourcedId). It holds the agent's name, ``email``,
    ``sms`` (mobile phone) and ``phone`` (home phone). An agent's login phone is its ``sms``.
    Agents that are students or staff are skipped. Students sharing a parent or guardian agent
    become linked siblings in both directions (RCP-08). Students that are each other's agents are
    not siblings.
  - Homeroom's extension column ``metadata.homeroom.personalEmail`` is the student's personal
    email. Without that column the personal email is left as it is.
- ``classes.csv``: sections by ``sourcedId`` (``title``, ``classCode`` or the course's code,
  school from ``schoolSourcedId``, school year from the first of ``termSourcedIds``).
  ``enrollments.csv``: role ``student`` -> enrollment, ``teacher`` -> section teacher; the
  roles administrator, proctor and aide are skipped. In bulk mode the enrollments and teachers
  of every section in ``classes.csv`` become exactly those of the file. Rows with
  ``status=tobedeleted`` are removed in both modes.
- ``demographics.csv``: its sourcedIds must name users. A language column (``language``,
  ``primaryLanguage``, ``homeLanguage`` or ``languageCode``, optionally with a
  ``metadata.`` / ``metadata.homeroom.`` prefix) sets the language of the student, the account and
  the contacts. Without one, the file is checked and otherwise ignored (with a note).
- ``courses.csv`` is only used to check ``courseSourcedId`` and for a class without a
  ``classCode``. ``manifest.csv`` gives each file's mode (absent, bulk or delta). Without a
  manifest, every file present is read as bulk.

Fields OneRoster does not carry are never overwritten on update, and new rows get the model
defaults. That covers the contact flags (Callout, Blocked, SMS, Unsubscribe, email opt-out:
callout, SMS and email are on, nothing is blocked), relationship labels (new contacts get Parent,
Guardian or Relative), school sort order and exclusion, district preferences, hidden-from-search,
and the profiles of existing users. A new user gets the default profile of its role: District or
School Administrator, Teacher, Parent or Student. When that profile is missing it is created with
the standard grants.

In bulk mode the previously imported contacts of an imported student whose agent is no longer
listed are marked DELETED. Contacts created by hand (no sourcedId) are left alone. When an
imported contact has no sourcedId match, an existing contact without a sourcedId is adopted: on
the same student, first by the same linked user, then by the same name. A user is adopted by
login the same way. Sibling links are only ever added.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import sqlalchemy
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from domain.integrations.oneroster.plan import Existing, plan_import
from domain.integrations.oneroster.read import KNOWN_FILES, Bundle, RowError, read_bundle
from domain.integrations.oneroster.write import PlanWriter
from domain.integrations.oneroster.report import ENTITIES, EntityCounts, ImportReport
from models.directory import (
    Contact, District, Enrollment, MarkingPeriod, Profile, School, SchoolYear, Section,
    SectionTeacher, Student, StudentLink, User, UserSchool,
)

_FILE_ENTITY = {"orgs.csv": "schools", "academicSessions.csv": "school_years",
                "classes.csv": "sections", "courses.csv": "sections",
                "enrollments.csv": "enrollments", "demographics.csv": "demographics"}


class _Rejected(Exception):
    pass


def import_oneroster(engine: sqlalchemy.engine.Engine, directory: Path) -> ImportReport:
    """Import the OneRoster 1.1 CSV bundle in ``directory`` in one transaction."""
    started = time.perf_counter()
    bundle = read_bundle(Path(directory))
    report = ImportReport({name: EntityCounts() for name in ENTITIES}, bundle.errors, bundle.notes)
    try:
        with engine.begin() as connection:
            existing = load_existing(connection)
            plan = plan_import(bundle, existing)
            if bundle.errors:
                raise _Rejected
            PlanWriter(connection, existing, plan, report).write()
    except _Rejected:
        pass
    except (IntegrityError, psycopg.IntegrityError) as error:  # e.g. a concurrent writer; rolled back
        cause = getattr(error, "orig", error)
        bundle.errors.append(RowError("-", 0, "", "database_error", str(cause).splitlines()[0]))
    if bundle.errors:
        files = ("manifest.csv", *KNOWN_FILES)
        bundle.errors.sort(key=lambda e: (files.index(e.file) if e.file in files else -1, e.row))
        report.counts = {name: EntityCounts() for name in ENTITIES}
        _count_rejected(bundle, report)
    else:
        for entity, skipped in plan.skipped.items():
            report.counts[entity].skipped += skipped
    report.seconds = time.perf_counter() - started
    return report


def _count_rejected(bundle: Bundle, report: ImportReport) -> None:
    for name, file in bundle.files.items():
        for row in file.rows:
            if file.broken or row.bad:
                entity = _FILE_ENTITY.get(name) or ("students" if row["role"] == "student" else "users")
                report.counts[entity].rejected += 1


def load_existing(connection: sqlalchemy.Connection) -> Existing:
    """Everything the planner and writer compare against, one query per table."""

    def rows(model, *columns: str) -> list[dict]:
        table = model.__table__
        return [dict(zip(columns, row)) for row in connection.execute(
            select(*(table.c[name] for name in columns)).order_by(*table.primary_key.columns))]

    def by_sid(items: list[dict]) -> dict[str, dict]:
        return {item["sourced_id"]: item for item in items if item["sourced_id"] is not None}

    def pairs(model, first: str, second: str) -> set[tuple[int, int]]:
        table = model.__table__
        return {(a, b) for a, b in connection.execute(select(table.c[first], table.c[second]))}

    districts = rows(District, "id", "name")
    schools = rows(School, "id", "district_id", "name", "sort_order", "sourced_id")
    years = rows(SchoolYear, "id", "district_id", "name", "start_date", "end_date", "is_current", "sourced_id")
    users = rows(User, "id", "login", "role", "first_name", "last_name", "email", "phone", "language",
                 "status", "student_id", "sourced_id")
    return Existing(
        district=districts[0] if districts else None,
        schools=by_sid(schools),
        years=by_sid(years),
        years_by_name={y["name"]: y for y in reversed(years) if y["sourced_id"] is None},
        marking_periods=by_sid(rows(MarkingPeriod, "id", "school_year_id", "name", "start_date", "end_date",
                                    "sourced_id")),
        students=by_sid(rows(Student, "id", "school_id", "grade_level", "first_name", "last_name",
                             "primary_email", "personal_email", "primary_phone", "sms_enabled", "language",
                             "status", "sourced_id")),
        users=by_sid(users), users_by_login={user["login"]: user for user in users},
        sections=by_sid(rows(Section, "id", "school_id", "school_year_id", "name", "course_code",
                             "sourced_id")),
        contacts=rows(Contact, "id", "student_id", "sourced_id", "user_id", "first_name", "last_name",
                      "custodial", "sort_order", "email", "home_phone", "mobile_phone", "language",
                      "status", "relationship"),
        enrollments=pairs(Enrollment, "section_id", "student_id"),
        section_teachers=pairs(SectionTeacher, "section_id", "user_id"),
        user_schools=pairs(UserSchool, "user_id", "school_id"),
        student_links=pairs(StudentLink, "student_id", "linked_student_id"),
        profiles={row["name"]: row["id"] for row in rows(Profile, "id", "name")},
    )
