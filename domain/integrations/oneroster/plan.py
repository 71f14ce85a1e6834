"""Planning a OneRoster import: check every reference and build the wanted rows, by sourcedId.

The planner reads the bundle and a snapshot of the database (:class:`Existing`) and writes
nothing. Rows refer to each other by sourcedId; the writer turns those into ids after inserting.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt

from domain.integrations.oneroster.people import USER_ROLES, PeoplePlanning
from domain.integrations.oneroster.read import Bundle, Row, check_length, split_list
from domain.content.text import has_control_characters
from models.directory import Role

ORG_TYPES = ("district", "school", "department", "local", "state", "national")
SESSION_TYPES = ("schoolYear", "term", "semester", "gradingPeriod")
#: Sessions under a school year that are its marking periods (CMP-33); semesters fold into the year.
MARKING_PERIOD_TYPES = ("term", "gradingPeriod")
ENROLLMENT_ROLES = ("student", "teacher", "administrator", "proctor", "aide")
LANGUAGE_COLUMNS = ("language", "primarylanguage", "homelanguage", "languagecode")


@dataclasses.dataclass
class Existing:
    """The database before the import, loaded with one query per table."""

    district: dict | None
    schools: dict[str, dict]
    years: dict[str, dict]
    years_by_name: dict[str, dict]
    marking_periods: dict[str, dict]
    students: dict[str, dict]
    users: dict[str, dict]
    users_by_login: dict[str, dict]
    sections: dict[str, dict]
    contacts: list[dict]
    enrollments: set[tuple[int, int]]
    section_teachers: set[tuple[int, int]]
    user_schools: set[tuple[int, int]]
    student_links: set[tuple[int, int]]
    profiles: dict[str, int]


@dataclasses.dataclass
class Plan:
    """The wanted state of everything the bundle names; keys and references are sourcedIds."""

    district_name: str | None = None
    schools: dict[str, dict] = dataclasses.field(default_factory=dict)
    years: dict[str, dict] = dataclasses.field(default_factory=dict)
    marking_periods: dict[str, dict] = dataclasses.field(default_factory=dict)  # "year": its year's sourcedId
    students: dict[str, dict] = dataclasses.field(default_factory=dict)
    users: dict[str, dict] = dataclasses.field(default_factory=dict)
    profiles: dict[str, str] = dataclasses.field(default_factory=dict)  # a new user's profile
    staff_schools: dict[str, set[str] | None] = dataclasses.field(default_factory=dict)  # None: all
    sections: dict[str, dict] = dataclasses.field(default_factory=dict)
    enrollments: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    teachers: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    dropped_enrollments: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    dropped_teachers: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    synced_sections: set[str] = dataclasses.field(default_factory=set)
    contacts: dict[tuple[str, str], dict] = dataclasses.field(default_factory=dict)
    contact_students: set[str] = dataclasses.field(default_factory=set)
    links: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    skipped: collections.Counter = dataclasses.field(default_factory=collections.Counter)


def plan_import(bundle: Bundle, existing: Existing) -> Plan:
    """Validate the bundle against itself and the database, and build the wanted rows."""
    return _Planner(bundle, existing).plan()


class _Planner(PeoplePlanning):
    def __init__(self, bundle: Bundle, existing: Existing):
        self.bundle, self.db, self.out = bundle, existing, Plan()
        self.org_types: dict[str, str] = {}
        self.user_kinds: dict[str, str] = {}  # "?" marks a row that failed its own checks
        self.sessions: dict[str, tuple[str, str]] = {}  # sourcedId -> (type, parent)
        self.course_codes: dict[str, str] = {}
        self.class_ids: set[str] = set()
        self.languages: dict[str, str] = {}
        self.agents: dict[str, dict] = {}
        self.usernames: dict[str, int] = {}
        self.not_agents = 0
        self.shortened = 0

    def plan(self) -> Plan:
        self._index()
        self._orgs()
        self._sessions()
        self._demographics()
        self._users()
        self._contacts()
        self._courses()
        self._classes()
        self._enrollments()
        if self.shortened:
            self.bundle.notes.append(f"{self.shortened} names longer than Homeroom stores were shortened")
        return self.out

    # -- lookups over the bundle and the database ------------------------------------------

    def _index(self) -> None:
        for row in self.bundle.all_rows("orgs.csv"):
            self.org_types.setdefault(row.sourced_id, "?" if row.bad else row["type"])
        for row in self.bundle.all_rows("users.csv"):
            self.user_kinds.setdefault(row.sourced_id, "?" if row.bad else USER_ROLES.get(row["role"], "?"))
        for row in self.bundle.all_rows("academicSessions.csv"):
            self.sessions.setdefault(row.sourced_id, (row["type"], row["parentSourcedId"]))
        self.class_ids = {row.sourced_id for row in self.bundle.all_rows("classes.csv")}
        self.course_codes = {row.sourced_id: row["courseCode"] for row in self.bundle.all_rows("courses.csv")}

    def _org(self, sourced_id: str) -> str | None:
        if sourced_id in self.org_types:
            return self.org_types[sourced_id]
        return "school" if sourced_id in self.db.schools else None

    def _user_kind(self, sourced_id: str) -> str | None:
        if sourced_id in self.user_kinds:
            return self.user_kinds[sourced_id]
        if sourced_id in self.db.students:
            return "student"
        user = self.db.users.get(sourced_id)
        if user is None:
            return None
        return {Role.STUDENT.value: "student", Role.PARENT.value: "agent"}.get(user["role"], user["role"])

    def _session_known(self, sourced_id: str) -> bool:
        return sourced_id in self.sessions or sourced_id in self.db.years

    def _year_of(self, sourced_id: str) -> str:
        """The school year a session belongs to: its nearest schoolYear ancestor, else itself."""
        current, seen = sourced_id, set()
        while current in self.sessions and current not in seen:
            seen.add(current)
            kind, parent = self.sessions[current]
            if kind == "schoolYear":
                return current
            current = parent
        return current if current != sourced_id and current in self.db.years else sourced_id

    def _reference(self, file: str, row: Row, column: str, sourced_id: str, found, what: str) -> bool:
        if found is None or found is False:
            self.bundle.error(file, row, column, "unknown_reference",
                              f"{sourced_id} is not {what} in the bundle or the database")
            return False
        return True

    def _text(self, file: str, row: Row, column: str, limit: int) -> str:
        value = row[column]
        if has_control_characters(value):  # names become email display names and subjects: one line
            self.bundle.error(file, row, column, "invalid_characters",
                              "holds a line break, tab or other control character; names are one line")
        if len(value) > limit:
            self.shortened += 1
        return value[:limit]

    # -- files -----------------------------------------------------------------------------

    def _orgs(self) -> None:
        ignored = collections.Counter()
        for row in self.bundle.rows("orgs.csv"):
            if row.bad:
                continue
            kind, parent = row["type"], row["parentSourcedId"]
            if kind not in ORG_TYPES:
                self.bundle.error("orgs.csv", row, "type", "invalid_value",
                                  f"{kind!r} is not a OneRoster org type ({', '.join(ORG_TYPES)})")
                continue
            if parent and not self._reference("orgs.csv", row, "parentSourcedId", parent,
                                              self._org(parent), "an org"):
                continue
            if row["status"] == "tobedeleted":
                self.out.skipped["schools" if kind == "school" else "district"] += 1
            elif kind == "district":
                if self.out.district_name is not None:
                    self.bundle.error("orgs.csv", row, "type", "invalid_value",
                                      "a bundle holds one district; an earlier row already is one")
                self.out.district_name = self._text("orgs.csv", row, "name", 200)
            elif kind == "school":
                self.out.schools[row.sourced_id] = {"name": self._text("orgs.csv", row, "name", 200),
                                                    "sort_order": 10 * (len(self.out.schools) + 1)}
            else:
                ignored[kind] += 1
        if ignored:
            self.out.skipped["orgs"] += sum(ignored.values())
            self.bundle.notes.append("orgs not stored (Homeroom keeps the district and schools): "
                                     + ", ".join(f"{n} {kind}" for kind, n in sorted(ignored.items())))
        if self.out.district_name is None and self.db.district is None and self.bundle.has("users.csv"):
            self.bundle.error("orgs.csv", 0, "type", "missing_district",
                              "the database has no district yet and no org of type district is in the bundle")

    def _sessions(self) -> None:
        folded, deleted = 0, set()
        for row in self.bundle.rows("academicSessions.csv"):
            if row.bad:
                continue
            kind, parent = row["type"], row["parentSourcedId"]
            if kind not in SESSION_TYPES:
                self.bundle.error("academicSessions.csv", row, "type", "invalid_value",
                                  f"{kind!r}; expected one of {', '.join(SESSION_TYPES)}")
            dates = []
            for column in ("startDate", "endDate"):
                try:
                    dates.append(dt.date.fromisoformat(row[column]))
                except ValueError:
                    self.bundle.error("academicSessions.csv", row, column, "invalid_value",
                                      f"{row[column]!r} is not a date (YYYY-MM-DD)")
            if len(dates) == 2 and dates[0] > dates[1]:
                self.bundle.error("academicSessions.csv", row, "endDate", "invalid_value",
                                  "the session ends before it starts")
            if parent:
                self._reference("academicSessions.csv", row, "parentSourcedId", parent,
                                self._session_known(parent), "an academic session")
            if row.bad:
                continue
            if row["status"] == "tobedeleted":
                self.out.skipped["school_years"] += 1
                deleted.add(row.sourced_id)
                continue
            year = self._year_of(row.sourced_id)
            if year != row.sourced_id and kind not in MARKING_PERIOD_TYPES:
                folded += 1
                continue
            session = {"name": self._text("academicSessions.csv", row, "title", 40),
                       "start_date": dates[0], "end_date": dates[1]}
            if year == row.sourced_id:
                self.out.years[row.sourced_id] = session
            else:
                self.out.marking_periods[row.sourced_id] = {**session, "year": year}
        # A period under a school year this file deletes goes with it (it would name a year that no
        # longer exists).
        orphans = [sid for sid, period in self.out.marking_periods.items() if period["year"] in deleted]
        for sid in orphans:
            del self.out.marking_periods[sid]
        self.out.skipped["school_years"] += len(orphans)
        if folded:
            self.out.skipped["school_years"] += folded
            self.bundle.notes.append(f"{folded} academic sessions (semesters) folded into their school year")

    def _demographics(self) -> None:
        file = self.bundle.files.get("demographics.csv")
        if file is None or file.broken:
            return
        column = next((c for c in file.columns if c.lower().removeprefix("metadata.")
                       .removeprefix("homeroom.") in LANGUAGE_COLUMNS), None)
        if column is None:
            self.bundle.notes.append("demographics.csv has no language column; it was checked and "
                                     "otherwise ignored (Homeroom stores no birth date, sex or race)")
        for row in file.rows:
            if row.bad or not self._reference("demographics.csv", row, "sourcedId", row.sourced_id,
                                              self._user_kind(row.sourced_id), "a user"):
                continue
            if column and row[column]:
                value = check_length(self.bundle, "demographics.csv", row, column, 16)
                if value:
                    self.languages[row.sourced_id] = value.lower()

    def _courses(self) -> None:
        for row in self.bundle.rows("courses.csv"):
            org = row["orgSourcedId"]
            if not row.bad and org:
                self._reference("courses.csv", row, "orgSourcedId", org, self._org(org), "an org")

    def _classes(self) -> None:
        for row in self.bundle.rows("classes.csv"):
            if row.bad:
                continue
            school, course = row["schoolSourcedId"], row["courseSourcedId"]
            if self._reference("classes.csv", row, "schoolSourcedId", school, self._org(school), "an org") \
                    and self._org(school) not in ("school", "?"):
                self.bundle.error("classes.csv", row, "schoolSourcedId", "invalid_reference",
                                  f"{school} is an org of type {self._org(school)}, not a school")
            if course and self.bundle.has("courses.csv"):
                self._reference("classes.csv", row, "courseSourcedId", course,
                                course in self.course_codes, "a course")
            terms = split_list(row["termSourcedIds"])
            for term in terms:
                self._reference("classes.csv", row, "termSourcedIds", term,
                                self._session_known(term), "an academic session")
            if row.bad:
                continue
            if row["status"] == "tobedeleted":
                self.out.skipped["sections"] += 1
                continue
            code = row["classCode"] or self.course_codes.get(course, "")
            self.out.sections[row.sourced_id] = {
                "name": self._text("classes.csv", row, "title", 120), "course_code": code[:40], "school": school,
                "year": self._year_of(terms[0]) if terms else None}
            if self.bundle.bulk("enrollments.csv"):
                self.out.synced_sections.add(row.sourced_id)

    def _enrollments(self) -> None:
        for row in self.bundle.rows("enrollments.csv"):
            if row.bad:
                continue
            role, section, user = row["role"], row["classSourcedId"], row["userSourcedId"]
            school = row["schoolSourcedId"]
            if role not in ENROLLMENT_ROLES:
                self.bundle.error("enrollments.csv", row, "role", "unknown_role",
                                  f"{role!r}; expected one of {', '.join(ENROLLMENT_ROLES)}")
            self._reference("enrollments.csv", row, "classSourcedId", section,
                            section in self.class_ids or section in self.db.sections, "a class")
            self._reference("enrollments.csv", row, "schoolSourcedId", school, self._org(school), "an org")
            kind = self._user_kind(user)
            self._reference("enrollments.csv", row, "userSourcedId", user, kind, "a user")
            if row.bad:
                continue
            if role not in ("student", "teacher") or kind == "skip":  # e.g. a proctor, or an aide's row
                self.out.skipped["enrollments"] += 1
                continue
            wanted = "student" if role == "student" else "staff"
            actual = "staff" if kind in (Role.ADMIN.value, Role.TEACHER.value) else kind
            if actual not in (wanted, "?"):
                self.bundle.error("enrollments.csv", row, "role", "role_mismatch",
                                  f"{user} is enrolled as {role} but users.csv makes them {actual}")
                continue
            pairs = ((self.out.dropped_enrollments if role == "student" else self.out.dropped_teachers)
                     if row["status"] == "tobedeleted" else
                     (self.out.enrollments if role == "student" else self.out.teachers))
            pairs.add((section, user))
