"""OneRoster 1.1 CSV export of the directory: the bundle that ``homeroom import oneroster`` reads.

Rows without a sourcedId get a deterministic one: ``district-<id>``, ``school-<id>``,
``year-<id>``, ``period-<id>``, ``student-<id>``, ``user-<id>``, ``section-<id>``, ``course-<n>``
and ``contact-<id>``. Files with no rows are marked ``absent`` in manifest.csv.

What a OneRoster bundle carries, and what it loses:

- Students: name, school, grade (as CEDS codes: K -> KG, 1 -> 01), primary email (``email``),
  primary phone (``phone``, and ``sms`` too when it takes SMS, SMS-02) and status (``enabledUser``,
  ``status=tobedeleted`` for DELETED).
  The student's login becomes the ``username``. The personal email goes in the extension column
  ``metadata.homeroom.personalEmail``; OneRoster's "metadata." columns are its extension
  mechanism.
- School years are ``schoolYear`` academic sessions, and their marking periods ``gradingPeriod``
  sessions whose parent is the year (CMP-33).
- Languages go in ``demographics.csv`` as ``metadata.homeroom.language``, one row per user.
- Contacts become agents in the student's ``agentSourcedIds``, in sort order. A contact linked
  to a parent account is that account's user row. A contact without an account becomes a user
  with a blank ``username`` (a contact only); one row serves the siblings whose cards hold the
  same person, and an imported contact keeps its agent's sourcedId. The role is ``guardian``
  (custodial, relationship Guardian), ``parent`` (other custodial) or ``relative``
  (non-custodial). ``email``, ``sms`` and ``phone`` hold the contact's email, mobile and home
  phone. An empty contact email or mobile is filled from the linked account, since one row is
  both the account and the contact (see "Lost" below).
- Staff: ``teacher`` or ``administrator``. Their schools are ``orgSourcedIds``; an
  administrator who covers every school lists the district org instead. The account phone goes
  in ``sms``.
- Sections become classes (title, ``classCode``, school, school year), plus one course per
  (school, course code). Enrollments and section teachers become ``enrollments.csv``.

Lost, because OneRoster 1.1 has no field for them (a new import takes the model defaults; see
``domain.integrations.oneroster.importer``):

- the contact flags Callout, Blocked, SMS, Unsubscribe and email opt-out;
- relationship labels other than Guardian, and gaps in sort order (1, 3 comes back as 1, 2);
- a contact's own status or details when they differ from its account's, a second contact on
  one card linked to the same account, and the link of a contact whose account is not a parent
  account (it is exported as a contact only);
- a student login's own email, phone or status when they differ from the student's;
- an administrator without schools is exported with the district org, so it comes back with
  every school;
- profiles beyond the role default, ``hidden_from_search``, the district's preferences, school
  sort order and exclusion, student and user groups;
- sibling links between students who share no custodial contact.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import sqlalchemy
from sqlalchemy import select

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record_on_connection
from domain.integrations.oneroster.people import PERSONAL_EMAIL
from models.directory import (
    AccountStatus, Contact, District, Enrollment, MarkingPeriod, Role, School, SchoolYear, Section,
    SectionTeacher, Student, StudentLink, User, UserSchool,
)

LANGUAGE_COLUMN = "metadata.homeroom.language"
COLUMNS = {
    "orgs.csv": ("sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                 "parentSourcedId"),
    "academicSessions.csv": ("sourcedId", "status", "dateLastModified", "title", "type",
                             "startDate", "endDate", "parentSourcedId", "schoolYear"),
    "users.csv": ("sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
                  "username", "userIds", "givenName", "familyName", "middleName", "identifier",
                  "email", "sms", "phone", "agentSourcedIds", "grades", "password", PERSONAL_EMAIL),
    "courses.csv": ("sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title",
                    "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"),
    "classes.csv": ("sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
                    "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds",
                    "subjects", "subjectCodes", "periods"),
    "enrollments.csv": ("sourcedId", "status", "dateLastModified", "classSourcedId",
                        "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"),
    "demographics.csv": ("sourcedId", "status", "dateLastModified", "birthDate", "sex",
                         "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                         "nativeHawaiianOrOtherPacificIslander", "white",
                         "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity",
                         "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                         "publicSchoolResidenceStatus", LANGUAGE_COLUMN),
}
MANIFEST_FILES = ("academicSessions", "categories", "classes", "classResources", "courses",
                  "courseResources", "demographics", "enrollments", "lineItems", "orgs",
                  "resources", "results", "users")
ACTIVE, DELETED = AccountStatus.ACTIVE.value, AccountStatus.DELETED.value


def export_oneroster(engine: sqlalchemy.engine.Engine, directory: Path) -> dict[str, int]:
    """Write the directory as a OneRoster 1.1 CSV bundle; returns the rows written per file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with engine.connect() as connection, connection.begin():
        files = _Exporter(connection).build()
    written = {}
    for name, rows in files.items():
        if rows:
            _write(directory / name, COLUMNS[name], rows)
            written[name] = len(rows)
    manifest = [{"propertyName": "manifest.version", "value": "1.0"},
                {"propertyName": "oneroster.version", "value": "1.1"}]
    manifest += [{"propertyName": f"file.{name}", "value": "bulk" if f"{name}.csv" in written else "absent"}
                 for name in MANIFEST_FILES]
    manifest += [{"propertyName": "source.systemName", "value": "Homeroom"},
                 {"propertyName": "source.systemCode", "value": "homeroom"}]
    _write(directory / "manifest.csv", ("propertyName", "value"), manifest)
    with engine.begin() as connection:  # issue 16 point 8: every student's directory data left the system
        record_on_connection(connection, Actor.system(), AuditAction.DIRECTORY_EXPORTED, object_type="oneroster",
                             students=select(Student.id))
    return written


def _write(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def _status(status: str) -> dict:
    return {"status": "tobedeleted" if status == DELETED else "active",
            "enabledUser": "true" if status == ACTIVE else "false"}


def _grade(grade: str) -> str:
    return "KG" if grade == "K" else f"{int(grade):02d}" if grade.isdigit() else grade


class _Exporter:
    def __init__(self, connection: sqlalchemy.Connection):
        self.conn = connection
        self.files: dict[str, list[dict]] = {name: [] for name in COLUMNS}

    def _all(self, model, *order) -> list:
        return list(self.conn.execute(select(model).order_by(*order)).all())

    def build(self) -> dict[str, list[dict]]:
        district = self.conn.execute(select(District).order_by(District.id)).first()
        if district is None:
            return self.files
        self.district = f"district-{district.id}"
        self.files["orgs.csv"].append({"sourcedId": self.district, "status": "active",
                                       "name": district.name, "type": "district"})
        self.schools = {}
        for school in self._all(School, School.id):
            self.schools[school.id] = school.sourced_id or f"school-{school.id}"
            self.files["orgs.csv"].append({"sourcedId": self.schools[school.id], "status": "active",
                                           "name": school.name, "type": "school",
                                           "parentSourcedId": self.district})
        self.years = {}
        end_years = {}
        for year in self._all(SchoolYear, SchoolYear.id):
            self.years[year.id], end_years[year.id] = year.sourced_id or f"year-{year.id}", str(year.end_date.year)
            self.files["academicSessions.csv"].append({
                "sourcedId": self.years[year.id], "status": "active", "title": year.name,
                "type": "schoolYear", "startDate": year.start_date.isoformat(),
                "endDate": year.end_date.isoformat(), "schoolYear": end_years[year.id]})
        for period in self._all(MarkingPeriod, MarkingPeriod.id):  # imported back as marking periods (CMP-33)
            self.files["academicSessions.csv"].append({
                "sourcedId": period.sourced_id or f"period-{period.id}", "status": "active", "title": period.name,
                "type": "gradingPeriod", "startDate": period.start_date.isoformat(),
                "endDate": period.end_date.isoformat(), "parentSourcedId": self.years[period.school_year_id],
                "schoolYear": end_years[period.school_year_id]})
        users = {user.id: user for user in self._all(User, User.id)}
        self.user_sids = {uid: user.sourced_id or f"user-{uid}" for uid, user in users.items()}
        self._staff(users)
        agents = self._agents(users)
        self._students(users, agents)
        self._sections()
        return self.files

    def _row(self, sourced_id: str, status: str, language: str, **values) -> None:
        self.files["users.csv"].append({"sourcedId": sourced_id, **_status(status), **values})
        self.files["demographics.csv"].append({"sourcedId": sourced_id, "status": "active",
                                               LANGUAGE_COLUMN: language})

    def _staff(self, users: dict[int, User]) -> None:
        schools_of: dict[int, list[str]] = {}
        for user_id, school_id in self.conn.execute(select(UserSchool.user_id, UserSchool.school_id)
                                                    .order_by(UserSchool.user_id, UserSchool.school_id)):
            schools_of.setdefault(user_id, []).append(self.schools[school_id])
        every = sorted(self.schools.values())
        for user in users.values():
            if user.role not in (Role.ADMIN.value, Role.TEACHER.value):
                continue
            orgs = sorted(schools_of.get(user.id, []))
            if not orgs or (user.role == Role.ADMIN.value and orgs == every):
                orgs = [self.district]
            self._row(self.user_sids[user.id], user.status, user.language,
                      orgSourcedIds=",".join(orgs), username=user.login,
                      role="administrator" if user.role == Role.ADMIN.value else "teacher",
                      givenName=user.first_name, familyName=user.last_name,
                      email=user.email or "", sms=user.phone or "")

    def _agents(self, users: dict[int, User]) -> dict[int, list[str]]:
        """Agent rows for contacts and parent accounts; returns each student's agents in order."""
        family = _families(self.conn.execute(select(StudentLink.student_id, StudentLink.linked_student_id)))
        contacts = self._all(Contact, Contact.student_id, Contact.sort_order, Contact.id)
        by_student: dict[int, list[str]] = {}
        first_contact: dict[int, Contact] = {}
        shared: dict[tuple, list[str]] = {}
        emitted: set[str] = set()
        for contact in contacts:
            if contact.status == DELETED:
                continue
            user = users.get(contact.user_id) if contact.user_id is not None else None
            mine = by_student.setdefault(contact.student_id, [])
            if user is not None and user.role == Role.PARENT.value:
                sid = self.user_sids[user.id]
                first_contact.setdefault(user.id, contact)
            elif contact.sourced_id is not None:  # imported: keep the agent's own sourcedId
                sid = contact.sourced_id
                if sid not in emitted:
                    emitted.add(sid)
                    self._agent_row(sid, contact, None)
            else:  # a contact only: one agent per person, shared by the siblings whose cards hold them
                key = (family.get(contact.student_id, contact.student_id), contact.first_name,
                       contact.last_name, contact.email, contact.home_phone, contact.mobile_phone,
                       contact.custodial, contact.relationship, contact.language, contact.status)
                candidates = shared.setdefault(key, [])
                sid = next((c for c in candidates if c not in mine), None)
                if sid is None:
                    sid = f"contact-{contact.id}"
                    if sid in emitted:  # taken by an imported agent's sourcedId
                        sid = f"contact-{contact.id}-{contact.student_id}"
                    candidates.append(sid)
                    emitted.add(sid)
                    self._agent_row(sid, contact, None)
            if sid not in mine:
                mine.append(sid)
        for user in users.values():
            if user.role == Role.PARENT.value:
                self._agent_row(self.user_sids[user.id], first_contact.get(user.id), user)
        return by_student

    def _agent_row(self, sid: str, contact: Contact | None, user: User | None) -> None:
        if contact is None:  # a parent account on no card
            role, email, sms, phone, language = "parent", user.email, user.phone, None, user.language
        else:
            role = ("relative" if not contact.custodial else
                    "guardian" if contact.relationship == "Guardian" else "parent")
            email = contact.email or (user.email if user else None)
            sms = contact.mobile_phone or (user.phone if user else None)
            phone, language = contact.home_phone, contact.language
        person = user or contact
        self._row(sid, user.status if user else contact.status, language,
                  orgSourcedIds=self.district, role=role, username=user.login if user else "",
                  givenName=person.first_name, familyName=person.last_name, email=email or "",
                  sms=sms or "", phone=phone or "")

    def _students(self, users: dict[int, User], agents: dict[int, list[str]]) -> None:
        logins: dict[int, str] = {}
        for user in users.values():
            if user.role == Role.STUDENT.value and user.student_id is not None:
                logins.setdefault(user.student_id, user.login)
        self.students = {}
        for student in self._all(Student, Student.id):
            sid = self.students[student.id] = student.sourced_id or f"student-{student.id}"
            self._row(sid, student.status, student.language, orgSourcedIds=self.schools[student.school_id],
                      role="student", username=logins.get(student.id, ""),
                      givenName=student.first_name, familyName=student.last_name,
                      email=student.primary_email or "", phone=student.primary_phone or "",
                      sms=(student.primary_phone or "") if student.sms_enabled else "",
                      agentSourcedIds=",".join(agents.get(student.id, [])),
                      grades=_grade(student.grade_level),
                      **{PERSONAL_EMAIL: student.personal_email or ""})

    def _sections(self) -> None:
        sections = self._all(Section, Section.id)
        courses: dict[tuple[int, str], str] = {}
        for n, (school_id, code) in enumerate(sorted({(s.school_id, s.course_code) for s in sections}), 1):
            courses[(school_id, code)] = f"course-{n}"
            self.files["courses.csv"].append({"sourcedId": f"course-{n}", "status": "active",
                                              "title": code or "Course", "courseCode": code,
                                              "orgSourcedId": self.schools[school_id]})
        classes = {}
        for section in sections:
            classes[section.id] = (section.sourced_id or f"section-{section.id}", self.schools[section.school_id])
            self.files["classes.csv"].append({
                "sourcedId": classes[section.id][0], "status": "active", "title": section.name,
                "courseSourcedId": courses[(section.school_id, section.course_code)],
                "classCode": section.course_code, "classType": "scheduled",
                "schoolSourcedId": self.schools[section.school_id],
                "termSourcedIds": self.years.get(section.school_year_id, "")})
        enrolled = select(Enrollment.section_id, Enrollment.student_id).order_by(
            Enrollment.section_id, Enrollment.student_id)
        taught = select(SectionTeacher.section_id, SectionTeacher.user_id).order_by(
            SectionTeacher.section_id, SectionTeacher.user_id)
        rows = itertools.chain(
            (("student", s, self.students[u], f"enrollment-{s}-{u}") for s, u in self.conn.execute(enrolled)),
            (("teacher", s, self.user_sids[u], f"teaching-{s}-{u}") for s, u in self.conn.execute(taught)))
        for role, section_id, user_sid, sid in rows:
            class_sid, school_sid = classes[section_id]
            self.files["enrollments.csv"].append({
                "sourcedId": sid, "status": "active", "classSourcedId": class_sid,
                "schoolSourcedId": school_sid, "userSourcedId": user_sid, "role": role})


def _families(links) -> dict[int, int]:
    """Each linked student's sibling group, named by its smallest student id (union-find)."""
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {node: root(node) for node in parent}
