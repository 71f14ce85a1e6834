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
from domain.support.bulk_rows import insert_rows
from domain.directory.standard_profiles import (
    DISTRICT_ADMIN, PARENT, PROFILES, SCHOOL_ADMIN, STUDENT, TEACHER, TEACHER_READ_ONLY,
)
from models.caller_ids import CallerId
from models.directory import (
    AccountStatus, Contact, District, Enrollment, Profile, ProfileGrant, Role,
    School, SchoolYear, Section, SectionTeacher, Student, StudentGroup, StudentGroupAssignee,
    StudentGroupMember, StudentLink, User, UserGroup, UserGroupAssignee, UserGroupMember,
    UserProfile, UserSchool,
)

GRADES = ("K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
LEVELS = ("Elementary School", "Middle School", "High School")
LEVEL_GRADES = (range(0, 6), range(6, 9), range(9, 13))
ACTIVE, INACTIVE = AccountStatus.ACTIVE.value, AccountStatus.INACTIVE.value


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


def _apportion(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights``, at least one each, by largest remainder."""
    rest, weight_sum = total - len(weights), sum(weights) or 1
    quotas = [rest * w / weight_sum for w in weights]
    shares = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [1 + share for share in shares]


class _DistrictBuilder:
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

    def _staff_user(self, user_id: int, login: str, profile: int, school_ids: list[int], *,
                    status: str = ACTIVE) -> None:
        rng = self.rng
        female, male, surnames = words.NAMES["es" if rng.random() < 0.1 else "en"]
        first, last = rng.choice(female if rng.random() < 0.7 else male), rng.choice(surnames)
        local, n = ("admin", 1) if login == "admin" else (f"{words.slug(first)}.{words.slug(last)}", 1)
        while (email := f"{local}{n if n > 1 else ''}@{self.domain}") in self.staff_emails:
            n += 1
        self.staff_emails.add(email)
        role = Role.ADMIN if profile in (DISTRICT_ADMIN, SCHOOL_ADMIN) else Role.TEACHER
        self._user(user_id, login, role, profile, first, last, email=email,
                   phone=self._phone() if rng.random() < 0.85 else None, status=status)
        for school_id in school_ids:
            self._add(UserSchool, user_id=user_id, school_id=school_id)

    def _staff(self) -> None:
        """The district admin, a principal per school, and teachers spread by enrolment."""
        schools = list(self.school_names)
        self._staff_user(1, "admin", DISTRICT_ADMIN, schools)
        self.principal_of = {school_id: 1 + n for n, school_id in enumerate(schools, 1)}
        for n, school_id in enumerate(schools, 1):
            self._staff_user(1 + n, f"principal.{n}", SCHOOL_ADMIN, [school_id])
        size = collections.Counter(school_id for _, school_id, *_ in self.students)
        # The largest school comes first, so teacher.1 has the most students to teach.
        ordered = sorted(schools, key=lambda s: (-size[s], s))
        self.teachers_by_school: dict[int, list[int]] = {s: [] for s in schools}
        user_ids = itertools.count(self.first_teacher_id)
        per_school = _apportion(self.n_teachers, [size[s] for s in ordered])
        for school_id, count in zip(ordered, per_school):
            for user_id in itertools.islice(user_ids, count):
                n = user_id - self.first_teacher_id + 1
                profile = TEACHER_READ_ONLY if n > 1 and self.rng.random() < 0.05 else TEACHER
                status = INACTIVE if n > 1 and self.rng.random() < 0.01 else ACTIVE
                self._staff_user(user_id, f"teacher.{n}", profile, [school_id], status=status)
                if status == ACTIVE:
                    self.teachers_by_school[school_id].append(user_id)

    def _sections(self, school_id: int, grade: int, roster: list[int],
                  enrolled: dict[int, list[int]]) -> None:
        """About one section per six students, each student in 1-2 (K-5) or 5-6 (6-12)."""
        rng = self.rng
        subjects = words.ELEMENTARY_SUBJECTS if grade < 6 else words.SECONDARY_COURSES[grade]
        by_subject: dict[str, list[int]] = {}
        for i in range(max(1, round(len(roster) / 6))):
            subject, section_id = subjects[i % len(subjects)], self._next_id(Section)
            room, period = rng.randint(100, 350), i // len(subjects) % 7 + 1
            if grade < 6:
                label = "Kindergarten" if grade == 0 else f"Grade {grade}"
                name, code = f"{label} {subject} — Room {room}", f"{GRADES[grade]}-{subject[:4]}"
            else:
                name = f"{subject} — Period {period} — Room {room}"
                code = f"{words.slug(subject)[:4]}-{grade:02d}"
            self._add(Section, id=section_id, school_id=school_id, name=name,
                      school_year_id=self.current_year_id, course_code=code.upper(),
                      sourced_id=f"sec-{section_id}")
            by_subject.setdefault(subject, []).append(section_id)
            enrolled[section_id] = []
        offered = list(by_subject)  # Homeroom first in elementary grades
        for student_id in roster:
            if grade < 6:
                extra = len(offered) > 1 and rng.random() < 0.5
                taken = offered[:1] + (rng.sample(offered[1:], 1) if extra else [])
            else:
                taken = rng.sample(offered, min(len(offered), rng.choice((5, 6, 6))))
            for subject in taken:
                section_id = rng.choice(by_subject[subject])
                enrolled[section_id].append(student_id)
                self._add(Enrollment, section_id=section_id, student_id=student_id)

    def _assign_teachers(self, school_id: int, enrolled: dict[int, list[int]]) -> None:
        """Round-robin, fullest section first, so a school's first teacher has a full class."""
        teachers = self.teachers_by_school[school_id]
        fullest = sorted(enrolled, key=lambda section_id: (-len(enrolled[section_id]), section_id))
        for i, section_id in enumerate(fullest if teachers else ()):
            teacher = teachers[i % len(teachers)]
            self._add(SectionTeacher, section_id=section_id, user_id=teacher)
            if len(teachers) > 1 and self.rng.random() < 0.1:  # co-taught
                self._add(SectionTeacher, section_id=section_id,
                          user_id=teachers[(i + 1) % len(teachers)])
            if teacher == self.first_teacher_id:
                self.teacher1_students.extend(enrolled[section_id])

    def _groups(self) -> None:
        """A few student and user groups, assigned to users or to profiles (RCP-19, RCP-21)."""
        rng = self.rng

        def some(share: float, keep) -> list[int]:
            """A sorted sample (at most 400) of the active students that ``keep`` accepts."""
            pool = [s[0] for s in self.students if s[4] and keep(s)]
            return sorted(rng.sample(pool, min(len(pool), max(1, round(len(pool) * share)), 400)))

        teachers = [t for ts in self.teachers_by_school.values() for t in ts]
        teacher1, principal1 = self.first_teacher_id, self.principal_of[1]
        self._group_rows(StudentGroup, StudentGroupMember, StudentGroupAssignee, "student_id", (
            ("Honor Roll", some(0.05, lambda s: s[2] >= 6),
             [(None, SCHOOL_ADMIN), (principal1, None)]),
            ("Marching Band", some(0.04, lambda s: s[2] >= 9), [(None, TEACHER)]),
            ("Robotics Club", some(0.02, lambda s: s[2] >= 6), [(rng.choice(teachers), None)]),
            ("English Learners", some(0.3, lambda s: s[3] != "en"),
             [(None, TEACHER), (None, DISTRICT_ADMIN)]),
            ("Grade 5 Field Trip", some(0.25, lambda s: s[2] == 5), [(principal1, None)]),
            ("Reading Group", sorted(set(self.teacher1_students))[:12], [(teacher1, None)]),
        ))
        principals = sorted(self.principal_of.values())
        home = next(s for s, ts in self.teachers_by_school.items() if teacher1 in ts)
        self._group_rows(UserGroup, UserGroupMember, UserGroupAssignee, "user_id", (
            ("Principals", principals, [(None, DISTRICT_ADMIN)]),
            (f"{self.school_names[home]} Staff",
             [self.principal_of[home], *self.teachers_by_school[home]],
             [(self.principal_of[home], None)]),
            ("Crisis Response Team",
             sorted({1, *principals[:5], *rng.sample(teachers, min(3, len(teachers)))}),
             [(None, SCHOOL_ADMIN)]),
            ("Grade Level Leads",
             sorted({teacher1, *rng.sample(teachers, min(8, len(teachers)))}),
             [(None, TEACHER), (teacher1, None)]),
        ))

    def _group_rows(self, group_model, member_model, assignee_model, member_key, groups) -> None:
        for name, members, assignees in groups:
            group_id = self._next_id(group_model)
            self._add(group_model, id=group_id, name=name)
            for member in members:
                self._add(member_model, group_id=group_id, **{member_key: member})
            for user_id, profile_id in assignees:
                self._add(assignee_model, id=self._next_id(assignee_model), group_id=group_id,
                          user_id=user_id, profile_id=profile_id)
