"""The synthetic district generator: a realistic, deterministic directory for demos and benches.

Rows are built as plain dicts with ids assigned here, then written in one transaction by
domain.support.bulk_rows (COPY on PostgreSQL); no ORM object is built per row.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import itertools
import random
import time
from collections.abc import Callable

import sqlalchemy
from sqlalchemy import select
from sqlmodel import SQLModel

from domain.demo import names as words
from domain.demo.names import GRADES, LEVEL_GRADES, LEVELS
from domain.demo.staff_and_classes import ACTIVE, INACTIVE, StaffAndClasses
from domain.support.bulk_rows import insert_rows
from domain.directory.standard_profiles import PARENT, PROFILES, STUDENT
from models.caller_ids import CallerId
from models.directory import (
    Contact, District, Enrollment, Profile, ProfileGrant, Role,
    School, SchoolYear, Section, Student, StudentLink, User, UserProfile,
)


@dataclasses.dataclass
class SeedSummary:
    """Rows created per table (by table name) and the seconds the whole seed took."""

    rows: dict[str, int]
    seconds: float = dataclasses.field(compare=False)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def seed_district(engine: sqlalchemy.engine.Engine, *, students: int, seed: int,
                  progress: Callable[[str], None] | None = None) -> SeedSummary:
    """Fill empty directory tables with one district; the same arguments give the same rows.
    ``progress`` hears one line per phase, with its counts."""
    if students < 0:
        raise ValueError("students must not be negative")
    report = progress or (lambda _line: None)
    started = time.perf_counter()
    with engine.begin() as connection:
        if connection.execute(select(District.id).limit(1)).first() is not None:
            raise ValueError("the database already holds a district")
        report(f"building a district of {students:,} students (seed {seed})")
        rows = _DistrictBuilder(students=students, seed=seed).build(report)
        total = sum(len(table_rows) for table_rows in rows.values())
        report(f"writing {total:,} rows into {sum(1 for r in rows.values() if r)} tables")
        insert_rows(connection, rows)
    if engine.dialect.name == "postgresql":
        report("analysing the tables")
        # Fresh statistics, so the first resolutions are planned for the real table sizes.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    counts = {table.name: len(rows[table]) for table in SQLModel.metadata.sorted_tables
              if table in rows}
    return SeedSummary(rows=counts, seconds=time.perf_counter() - started)


class _DistrictBuilder(StaffAndClasses):
    """Builds every row of one district in memory, keyed by table."""

    def __init__(self, *, students: int, seed: int):
        self.rng = random.Random(seed)
        # SMS-02 flags come from a stream of their own, so adding them left every other seeded value as it was.
        self.sms_rng = random.Random(f"sms-enabled-{seed}")
        self.wanted = students
        self.rows: dict[sqlalchemy.Table, list[dict]] = collections.defaultdict(list)
        self.n_schools = min(60, max(3, round(students / 500)))
        self.n_teachers = max(6, round(students / 20))
        # Staff ids are reserved up front: admin 1, principals, then teachers.
        self.first_teacher_id = 2 + self.n_schools
        self.user_ids = itertools.count(self.first_teacher_id + self.n_teachers)
        self.parent_numbers, self.adult_numbers = itertools.count(1), itertools.count(1)
        self.roster: dict[tuple[int, int], list[int]] = {}  # (school, grade) -> active students
        self.students: list[tuple[int, int, int, str, bool]] = []  # id, school, grade, lang, active
        self.staff_emails: set[str] = set()

    def build(self, report: Callable[[str], None]) -> dict[sqlalchemy.Table, list[dict]]:
        self._district_and_schools()
        for profile_id, (name, role, grants) in enumerate(PROFILES, 1):
            self._add(Profile, id=profile_id, name=name, role=role.value)
            for perm, level in grants.items():
                self._add(ProfileGrant, profile_id=profile_id, permission=perm.value,
                          level=level.value)
        while len(self.students) < self.wanted:
            size = self.rng.choices(*words.FAMILY_SIZES)[0]
            self._family(min(size, self.wanted - len(self.students)))
        report(f"families: {len(self.students):,} students, {self._count(Contact):,} contacts, "
               f"{self._count(StudentLink):,} sibling links")
        self._staff()
        self.teacher1_students: list[int] = []
        for level, school_ids in enumerate(self.schools_by_level):
            for school_id in school_ids:
                enrolled: dict[int, list[int]] = {}
                for grade in LEVEL_GRADES[level]:
                    if roster := self.roster.get((school_id, grade)):
                        self._sections(school_id, grade, roster, enrolled)
                self._assign_teachers(school_id, enrolled)
        self._groups()
        report(f"schools and staff: {self.n_schools} schools, {self._count(User):,} accounts, "
               f"{self._count(Section):,} sections, {self._count(Enrollment):,} enrollments")
        return self.rows

    def _count(self, model: type[SQLModel]) -> int:
        return len(self.rows.get(model.__table__, ()))

    def _add(self, model: type[SQLModel], **values) -> None:
        self.rows[model.__table__].append(values)

    def _next_id(self, model: type[SQLModel]) -> int:
        return len(self.rows.get(model.__table__, ())) + 1

    def _phone(self) -> str:
        return f"+1{self.rng.choice(words.PHONE_AREA_CODES)}555{self.rng.randrange(10000):04d}"

    def _district_and_schools(self) -> None:
        rng = self.rng
        stem = rng.choice(words.DISTRICT_STEMS)
        self.domain = f"{words.slug(stem)}.example.org"
        self._add(District, id=1, name=f"{stem} Unified School District",
                  time_zone="America/Chicago", call_window_start=dt.time(8, 0),
                  call_window_end=dt.time(20, 0), sms_character_limit=130, addon_callout=True,
                  addon_translations=True, addon_docmgmt=False, addon_ai=False)
        high = max(1, round(self.n_schools * 0.23))
        middle = max(1, round(self.n_schools * 0.22))
        self.schools_by_level: list[list[int]] = [[], [], []]
        self.school_names: dict[int, str] = {}
        for level, count in enumerate((self.n_schools - high - middle, middle, high)):
            for stem in rng.sample(words.SCHOOL_STEMS, count):
                school_id = self._next_id(School)
                self.school_names[school_id] = f"{stem} {LEVELS[level]}"
                self.schools_by_level[level].append(school_id)
                self._add(School, id=school_id, district_id=1, sort_order=school_id * 10,
                          name=self.school_names[school_id], sourced_id=f"sch-{school_id}")
        # VOI-02: calls need a District Default caller ID; the district office's number is one.
        self._add(CallerId, id=1, title="District office", phone="+13125550100", public=True,
                  student_attendance=False, school_default=False, district_default=True,
                  created_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
        for year_id, start in enumerate((2025, 2026), 1):
            self._add(SchoolYear, id=year_id, district_id=1, name=f"{start}-{start + 1}",
                      start_date=dt.date(start, 8, 15), end_date=dt.date(start + 1, 6, 10),
                      is_current=start == 2026)
        self.current_year_id = 2

    def _user(self, user_id: int, login: str, role: Role, profile: int, first: str, last: str,
              *, email: str | None, phone: str | None, language: str = "en",
              status: str = ACTIVE, student_id: int | None = None) -> None:
        self._add(User, id=user_id, login=login, role=role.value, first_name=first,
                  last_name=last, email=email, phone=phone, language=language, status=status,
                  student_id=student_id)
        self._add(UserProfile, user_id=user_id, profile_id=profile)

    def _sibling_grades(self, size: int) -> list[int]:
        """Siblings span at most four grades, so they share a school or a neighbouring level."""
        grades = [self.rng.randint(0, 12)]
        for _ in range(size - 1):
            grades.append(self.rng.randint(max(0, max(grades) - 3), min(12, min(grades) + 3)))
        return grades

    def _family(self, size: int) -> None:
        """Siblings sharing a last name, linked both ways, with the same adults on every card."""
        rng = self.rng
        language = rng.choices(*words.LANGUAGES)[0]
        female, male, surnames = words.NAMES[language]
        last = rng.choice(surnames)
        neighbourhood = rng.random()  # a feeder pattern: the same spot at every level
        adults = self._adults(language, last)
        siblings = []
        for grade in self._sibling_grades(size):
            student_id = len(self.students) + 1
            schools = self.schools_by_level[0 if grade < 6 else 1 if grade < 9 else 2]
            school = schools[int(neighbourhood * len(schools))]
            first = rng.choice(female if rng.random() < 0.5 else male)
            spoken = language if language == "en" or rng.random() < 0.75 else "en"
            status = INACTIVE if rng.random() < 0.01 else ACTIVE
            local = f"{words.slug(first)}.{words.slug(last)}"
            email = f"{local}.{student_id}@{self.domain}" if rng.random() < 0.9 else None
            personal_email = (f"{local}{student_id}@{rng.choice(words.EMAIL_HOSTS)}"
                              if rng.random() < 0.5 else None)
            phone = self._phone() if rng.random() < 0.7 else None
            self._add(Student, id=student_id, school_id=school, grade_level=GRADES[grade],
                      first_name=first, last_name=last, primary_email=email, personal_email=personal_email,
                      primary_phone=phone, sms_enabled=phone is not None and self.sms_rng.random() < 0.85,
                      language=spoken, status=status, sourced_id=f"stu-{student_id}")
            self.students.append((student_id, school, grade, spoken, status == ACTIVE))
            if status == ACTIVE:
                self.roster.setdefault((school, grade), []).append(student_id)
            if grade >= 6:
                self._user(next(self.user_ids), f"student.{student_id}", Role.STUDENT, STUDENT,
                           first, last, email=email, phone=None, language=spoken,
                           status=status, student_id=student_id)
            for order, adult in enumerate(adults, 1):
                self._add(Contact, id=self._next_id(Contact), student_id=student_id,
                          sort_order=order, **adult)
            siblings.append(student_id)
        for student_id, linked in itertools.permutations(siblings, 2):  # RCP-08
            self._add(StudentLink, student_id=student_id, linked_student_id=linked)

    def _adults(self, language: str, last: str) -> list[dict]:
        """The contact fields of a family's adults, the same on each sibling's card."""
        rng = self.rng
        female, male, surnames = words.NAMES[language]
        home = self._phone() if rng.random() < 0.35 else None
        mother_first = rng.random() < 0.6
        adults: list[dict] = []
        for order in range(1, rng.choices(*words.ADULT_COUNTS)[0] + 1):
            if order <= 2:
                is_female = mother_first == (order == 1)
                relationship = "Guardian" if rng.random() < 0.05 else (
                    "Mother" if is_female else "Father")
            else:
                relationship, is_female = rng.choice(words.EXTENDED_FAMILY)
            first = rng.choice(female if is_female else male)
            surname = rng.choice(surnames) if order > 2 and rng.random() < 0.5 else last
            custodial = order == 1 or (order == 2 and rng.random() < 0.85)  # RCP-06
            email = mobile = home_phone = None
            if rng.random() >= 0.03:  # else nothing on file at all
                if rng.random() >= 0.052:
                    email = (f"{words.slug(first)}.{words.slug(surname)}{next(self.adult_numbers)}"
                             f"@{rng.choice(words.EMAIL_HOSTS)}")
                if order == 2 and email and adults[0]["email"] and rng.random() < 0.04:
                    email = adults[0]["email"]  # a shared family mailbox (RCP-11)
                mobile = None if rng.random() < 0.124 else self._phone()
                home_phone = home if order <= 2 else None
                if email is None and mobile is None and home_phone is None:
                    home_phone = self._phone()
            spoken = language if rng.random() < 0.9 else "en"
            user_id = None
            if rng.random() < (0.85 if custodial else 0.1):
                user_id = next(self.user_ids)
                self._user(user_id, f"parent.{next(self.parent_numbers)}", Role.PARENT, PARENT,
                           first, surname, email=email, phone=mobile, language=spoken,
                           status=INACTIVE if rng.random() < 0.01 else ACTIVE)
            adults.append(dict(  # SYS-09 flags, SYS-10 opt-out
                first_name=first, last_name=surname, relationship=relationship,
                custodial=custodial, email=email, home_phone=home_phone, mobile_phone=mobile,
                callout=rng.random() >= 0.03, blocked=rng.random() < 0.02,
                sms=rng.random() >= 0.05, unsubscribe=rng.random() < 0.02,
                email_opt_out=rng.random() < 0.03, user_id=user_id, language=spoken))
        return adults
