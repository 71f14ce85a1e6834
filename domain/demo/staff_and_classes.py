"""The synthetic district generator's staff and classes: staff users, sections with their rosters
and teachers, and student and user groups. Mixed into the builder of ``domain.demo.seeding``,
whose row helpers (``_add``, ``_user``, ``_next_id``) and random source they use.
"""

from __future__ import annotations

import collections
import itertools

from domain.demo import names as words
from domain.demo.names import GRADES
from domain.directory.standard_profiles import DISTRICT_ADMIN, SCHOOL_ADMIN, TEACHER, TEACHER_READ_ONLY
from models.directory import (
    AccountStatus, Enrollment, Role, Section, SectionTeacher, StudentGroup, StudentGroupAssignee,
    StudentGroupMember, UserGroup, UserGroupAssignee, UserGroupMember, UserSchool,
)

ACTIVE, INACTIVE = AccountStatus.ACTIVE.value, AccountStatus.INACTIVE.value


def _apportion(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights``, at least one each, by largest remainder."""
    rest, weight_sum = total - len(weights), sum(weights) or 1
    quotas = [rest * w / weight_sum for w in weights]
    shares = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [1 + share for share in shares]


class StaffAndClasses:
    """Staff, sections and groups of the synthetic district (a mixin of the seeding builder)."""

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
