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
  existing year of the same name and without a sourcedId is adopted). Terms, semesters and
  grading periods fold into their ``schoolYear`` ancestor; one without such an ancestor is
  stored as a school year itself. A new year is current when today falls inside it and no year
  is current yet.
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

import collections
import datetime as dt
import time
from pathlib import Path

import psycopg
import sqlalchemy
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.support.bulk_rows import write_table
from domain.integrations.oneroster.plan import Existing, Plan, plan_import
from domain.integrations.oneroster.read import KNOWN_FILES, Bundle, RowError, read_bundle
from domain.integrations.oneroster.report import ENTITIES, EntityCounts, ImportReport
from domain.directory.standard_profiles import PROFILES
from models.directory import (
    Contact, District, Enrollment, Profile, ProfileGrant, School, SchoolYear, Section,
    SectionTeacher, Student, StudentLink, User, UserProfile, UserSchool,
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
            _Writer(connection, existing, plan, report).write()
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


class _Writer:
    """Applies a plan with one batch of statements per table."""

    def __init__(self, connection: sqlalchemy.Connection, existing: Existing, plan: Plan,
                 report: ImportReport):
        self.conn, self.db, self.plan, self.report = connection, existing, plan, report

    def write(self) -> None:
        plan, db = self.plan, self.db
        district_id = self._district()
        schools = self._upsert(School, "schools", {
            sid: {**row, "district_id": district_id, "sourced_id": sid} for sid, row in plan.schools.items()
        }, db.schools, insert_only={"sort_order"})
        wanted_years = self._wanted_years(district_id)
        by_name = self._adopt(plan.years, db.years, lambda sid, row: db.years_by_name.pop(row["name"], None))
        years = self._upsert(SchoolYear, "school_years", wanted_years, by_name, insert_only={"is_current"})
        students = self._upsert(Student, "students", {
            sid: {**{k: v for k, v in row.items() if k != "school"}, "school_id": schools[row["school"]],
                  "sourced_id": sid} for sid, row in plan.students.items()}, db.students)
        existing_users = self._adopt(plan.users, db.users, self._user_by_login)
        users = self._upsert(User, "users", {
            sid: {**{k: v for k, v in row.items() if k != "student"}, "sourced_id": sid,
                  "student_id": students[row["student"]] if row["student"] else None}
            for sid, row in plan.users.items()}, existing_users)
        self._profiles([sid for sid in plan.users if sid not in existing_users], users)
        self._user_schools(users, schools, district_id)
        sections = self._upsert(Section, "sections", {
            sid: {"name": row["name"], "course_code": row["course_code"], "sourced_id": sid,
                  "school_id": schools[row["school"]],
                  "school_year_id": years[row["year"]] if row["year"] else None}
            for sid, row in plan.sections.items()}, db.sections)
        synced = {sections[sid] for sid in plan.synced_sections}
        self._pairs(Enrollment, "enrollments", ("section_id", "student_id"), db.enrollments,
                    {(sections[c], students[s]) for c, s in plan.enrollments},
                    {(sections[c], students[s]) for c, s in plan.dropped_enrollments}, synced)
        self._pairs(SectionTeacher, "section_teachers", ("section_id", "user_id"), db.section_teachers,
                    {(sections[c], users[u]) for c, u in plan.teachers},
                    {(sections[c], users[u]) for c, u in plan.dropped_teachers}, synced)
        self._contacts(students, users)
        links = {(students[a], students[b]) for a, b in plan.links}
        self._pairs(StudentLink, "student_links", ("student_id", "linked_student_id"),
                    db.student_links, links, set(), set())

    # -- generic bulk operations -------------------------------------------------------------

    def _insert(self, table: sqlalchemy.Table, rows: list[dict]) -> None:
        """Insert the rows, those with the same keys together (domain.support.bulk_rows)."""
        groups: dict[frozenset, list[dict]] = collections.defaultdict(list)
        for row in rows:
            groups[frozenset(row)].append(row)
        for group in groups.values():
            write_table(self.conn, table, group)

    def _upsert(self, model, entity: str, wanted: dict[str, dict], existing: dict[str, dict], *,
                insert_only: set[str] = frozenset(), ids: bool = True) -> dict[str, int]:
        """Insert new rows, update changed ones; returns the table's sourcedId -> id map."""
        table, counts = model.__table__, self.report.counts[entity]
        inserts, updates = [], collections.defaultdict(list)
        for key, row in wanted.items():
            old = existing.get(key)
            if old is None:
                inserts.append(row)
                counts.created += 1
                continue
            values = {column: value for column, value in row.items() if column not in insert_only}
            if any(old.get(column) != value for column, value in values.items()):
                updates[frozenset(values)].append({"b_id": old["id"], **values})
                counts.updated += 1
            else:
                counts.unchanged += 1
        self._insert(table, inserts)
        for rows in updates.values():
            self.conn.execute(update(table).where(table.c.id == bindparam("b_id")), rows)
        if not ids:
            return {}
        return {sid: row_id for row_id, sid in self.conn.execute(
            select(table.c.id, table.c.sourced_id).where(table.c.sourced_id.is_not(None)))}

    def _pairs(self, model, entity: str, columns: tuple[str, str], existing: set, wanted: set,
               dropped: set, synced_firsts: set) -> None:
        """Association rows: add the wanted pairs; remove dropped ones and, for the synced
        first-column ids, every pair the bundle no longer lists."""
        table, counts = model.__table__, self.report.counts[entity]
        counts.unchanged += len(wanted & existing)
        self._insert(table, [dict(zip(columns, pair)) for pair in sorted(wanted - existing)])
        counts.created += len(wanted - existing)
        gone = (dropped & existing) - wanted
        gone |= {pair for pair in existing - wanted if pair[0] in synced_firsts}
        if gone:
            self.conn.execute(delete(table).where(table.c[columns[0]] == bindparam("b_0"),
                                                  table.c[columns[1]] == bindparam("b_1")),
                              [{"b_0": a, "b_1": b} for a, b in sorted(gone)])
        counts.removed += len(gone)

    @staticmethod
    def _adopt(wanted: dict[str, dict], by_sid: dict[str, dict], fallback) -> dict[str, dict]:
        """Existing rows for the wanted keys: by sourcedId, else one without a sourcedId."""
        matched = {}
        for sid, row in wanted.items():
            old = by_sid.get(sid) or fallback(sid, row)
            if old is not None:
                matched[sid] = old
        return matched

    def _user_by_login(self, sid: str, row: dict) -> dict | None:
        user = self.db.users_by_login.get(row["login"])
        return user if user is not None and user["sourced_id"] is None else None

    # -- tables with their own rules -------------------------------------------------------

    def _district(self) -> int:
        counts, name, district = self.report.counts["district"], self.plan.district_name, self.db.district
        if district is None:
            counts.created += 1
            return self.conn.execute(insert(District).values(name=name)).inserted_primary_key[0]
        if name is not None and name != district["name"]:
            self.conn.execute(update(District).where(District.id == district["id"]).values(name=name))
            counts.updated += 1
        elif name is not None:
            counts.unchanged += 1
        return district["id"]

    def _wanted_years(self, district_id: int) -> dict[str, dict]:
        today, current_taken = dt.date.today(), any(y["is_current"] for y in self.db.years.values()) or any(
            y["is_current"] for y in self.db.years_by_name.values())
        wanted = {}
        for sid, row in self.plan.years.items():
            current = not current_taken and row["start_date"] <= today <= row["end_date"]
            current_taken |= current
            wanted[sid] = {**row, "district_id": district_id, "sourced_id": sid, "is_current": current}
        return wanted

    def _profiles(self, new_users: list[str], users: dict[str, int]) -> None:
        """Give each new user its role's default profile, creating the profile when missing."""
        profiles, standard = dict(self.db.profiles), {name: (role, grants) for name, role, grants in PROFILES}
        for name in sorted({self.plan.profiles[sid] for sid in new_users} - set(profiles)):
            role, grants = standard[name]
            created = self.conn.execute(insert(Profile).values(name=name, role=role.value))
            profiles[name] = created.inserted_primary_key[0]
            self.conn.execute(insert(ProfileGrant), [
                {"profile_id": profiles[name], "permission": perm.value, "level": level.value}
                for perm, level in grants.items()])
            self.report.counts["profiles"].created += 1
        rows = [{"user_id": users[sid], "profile_id": profiles[self.plan.profiles[sid]]} for sid in new_users]
        self._insert(UserProfile.__table__, rows)
        self.report.counts["user_profiles"].created += len(rows)

    def _user_schools(self, users: dict[str, int], schools: dict[str, int], district_id: int) -> None:
        every = list(self.conn.execute(select(School.id).where(School.district_id == district_id)).scalars())
        wanted = set()
        for sid, school_sids in self.plan.staff_schools.items():
            ids = every if school_sids is None else [schools[s] for s in school_sids]
            wanted.update((users[sid], school_id) for school_id in ids)
        synced = {users[sid] for sid in self.plan.staff_schools}
        self._pairs(UserSchool, "user_schools", ("user_id", "school_id"), self.db.user_schools,
                    wanted, set(), synced)

    def _contacts(self, students: dict[str, int], users: dict[str, int]) -> None:
        existing, by_user, by_name = {}, {}, {}
        for contact in self.db.contacts:
            if contact["sourced_id"] is not None:
                existing[(contact["student_id"], contact["sourced_id"])] = contact
            else:
                if contact["user_id"] is not None:
                    by_user.setdefault((contact["student_id"], contact["user_id"]), contact)
                by_name.setdefault((contact["student_id"], contact["first_name"].lower(),
                                    contact["last_name"].lower()), contact)
        wanted, adopted = {}, set()
        for (student_sid, agent_sid), info in self.plan.contacts.items():
            student_id, user_id = students[student_sid], users.get(agent_sid)
            key = (student_id, agent_sid)
            wanted[key] = {**{k: v for k, v in info.items() if k != "relationship"},
                           "student_id": student_id, "sourced_id": agent_sid, "user_id": user_id}
            if key not in existing:
                old = by_user.get((student_id, user_id)) if user_id is not None else None
                if old is None or old["id"] in adopted:
                    old = by_name.get((student_id, info["first_name"].lower(), info["last_name"].lower()))
                if old is not None and old["id"] not in adopted:
                    adopted.add(old["id"])
                    existing[key] = old
                else:
                    wanted[key]["relationship"] = info["relationship"]
        self._upsert(Contact, "contacts", wanted, existing, ids=False)
        imported = {students[sid] for sid in self.plan.contact_students}
        gone = [{"b_id": c["id"], "status": "DELETED"} for key, c in existing.items()
                if key not in wanted and c["student_id"] in imported and c["status"] != "DELETED"]
        if gone:
            self.conn.execute(update(Contact).where(Contact.id == bindparam("b_id")), gone)
        self.report.counts["contacts"].removed += len(gone)
