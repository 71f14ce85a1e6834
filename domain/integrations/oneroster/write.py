"""Writing a checked OneRoster import plan: each directory table synchronised in bulk, with one
batch of inserts (COPY on PostgreSQL), one executemany UPDATE and one executemany DELETE; no
statement runs per row (``domain.integrations.oneroster.importer`` holds the mapping)."""

from __future__ import annotations

import collections
import datetime as dt

import sqlalchemy
from sqlalchemy import bindparam, delete, insert, select, update

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record_on_connection
from domain.conversations.moderation.inactive import mark_read_from
from domain.support.bulk_rows import write_table
from domain.integrations.oneroster.plan import Existing, Plan
from domain.integrations.oneroster.report import ImportReport
from domain.directory.standard_profiles import PROFILES
from models.directory import (
    AccountStatus, Contact, District, Enrollment, MarkingPeriod, Profile, ProfileGrant, School, SchoolYear,
    Section, SectionTeacher, Student, StudentLink, User, UserProfile, UserSchool,
)


class PlanWriter:
    """Applies a plan with one batch of statements per table."""

    def __init__(self, connection: sqlalchemy.Connection, existing: Existing, plan: Plan,
                 report: ImportReport):
        self.conn, self.db, self.plan, self.report = connection, existing, plan, report
        self.assigned_profiles: list[int] = []

    def write(self) -> None:
        plan, db = self.plan, self.db
        district_id = self._district()
        schools = self._upsert(School, "schools", {
            sid: {**row, "district_id": district_id, "sourced_id": sid} for sid, row in plan.schools.items()
        }, db.schools, insert_only={"sort_order"})
        wanted_years = self._wanted_years(district_id)
        by_name = self._adopt(plan.years, db.years, lambda sid, row: db.years_by_name.pop(row["name"], None))
        years = self._upsert(SchoolYear, "school_years", wanted_years, by_name, insert_only={"is_current"})
        self._upsert(MarkingPeriod, "marking_periods", {
            sid: {**{k: v for k, v in row.items() if k != "year"}, "school_year_id": years[row["year"]],
                  "sourced_id": sid} for sid, row in plan.marking_periods.items()}, db.marking_periods, ids=False)
        students = self._upsert(Student, "students", {
            sid: {**{k: v for k, v in row.items() if k != "school"}, "school_id": schools[row["school"]],
                  "sourced_id": sid} for sid, row in plan.students.items()}, db.students)
        existing_users = self._adopt(plan.users, db.users, self._user_by_login)
        users = self._upsert(User, "users", {
            sid: {**{k: v for k, v in row.items() if k != "student"}, "sourced_id": sid,
                  "student_id": students[row["student"]] if row["student"] else None}
            for sid, row in plan.users.items()}, existing_users)
        # INB-24: what an account made inactive or deleted sent and nobody read yet is marked read.
        mark_read_from(self.conn, user_ids=[users[sid] for sid, row in plan.users.items()
                                            if row["status"] != AccountStatus.ACTIVE and sid in existing_users
                                            and existing_users[sid]["status"] == AccountStatus.ACTIVE])
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
        if self.assigned_profiles:  # issue 16 point 8: who holds which profile changed; last, so the
            # audit chain is locked only while the import commits (one row naming the profiles assigned)
            record_on_connection(self.conn, Actor.system(), AuditAction.PERMISSIONS_CHANGED, object_type="profile",
                                 object_ids=self.assigned_profiles)

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
        self.assigned_profiles = sorted({row["profile_id"] for row in rows})
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
