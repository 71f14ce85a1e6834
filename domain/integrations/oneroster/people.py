"""Planning the people of a OneRoster import: users.csv rows and the contacts their agents make.

Mixed into the planner of ``domain.integrations.oneroster.plan``; see ``domain.integrations.oneroster.importer`` for the mapping.
"""

from __future__ import annotations

import collections
import itertools

from domain.integrations.oneroster.read import Row, check_bool, check_email, check_length, split_list
from models.directory import AccountStatus, Role

ACTIVE, INACTIVE, DELETED = (s.value for s in AccountStatus)
#: users.csv role -> what it becomes: "student", "agent", a staff Role, or "skip".
USER_ROLES = {
    "student": "student", "parent": "agent", "guardian": "agent", "relative": "agent",
    "teacher": Role.TEACHER.value, "administrator": Role.ADMIN.value,
    # OneRoster 1.2 names for administrators (the shared sample uses "principal").
    "principal": Role.ADMIN.value, "districtAdministrator": Role.ADMIN.value,
    "siteAdministrator": Role.ADMIN.value, "systemAdministrator": Role.ADMIN.value,
    "aide": "skip", "proctor": "skip",
}
RELATIONSHIPS = {"parent": "Parent", "guardian": "Guardian", "relative": "Relative"}
#: CEDS entry grade levels -> Homeroom's grade labels; other values are kept as given.
GRADES = {"KG": "K", **{f"{n:02d}": str(n) for n in range(1, 13)}}
PERSONAL_EMAIL = "metadata.homeroom.personalEmail"


class PeoplePlanning:
    """users.csv: students, staff and agents; agents become contacts and make siblings."""

    def _users(self) -> None:
        file = self.bundle.files.get("users.csv")
        has_personal = file is not None and PERSONAL_EMAIL in file.columns
        for row in self.bundle.rows("users.csv"):
            if row.bad:
                continue
            kind = USER_ROLES.get(row["role"])
            if kind is None:
                self.bundle.error("users.csv", row, "role", "unknown_role",
                                  f"{row['role']!r} is not a OneRoster role Homeroom knows "
                                  f"({', '.join(USER_ROLES)})")
                continue
            enabled = check_bool(self.bundle, "users.csv", row, "enabledUser")
            orgs = split_list(row["orgSourcedIds"])
            for org in orgs:
                self._reference("users.csv", row, "orgSourcedIds", org, self._org(org), "an org")
            values = {"first_name": self._text("users.csv", row, "givenName", 100),
                      "last_name": self._text("users.csv", row, "familyName", 100),
                      "email": check_email(self.bundle, "users.csv", row, "email")}
            sms = check_length(self.bundle, "users.csv", row, "sms", 32) or None
            phone = check_length(self.bundle, "users.csv", row, "phone", 32) or None
            username = check_length(self.bundle, "users.csv", row, "username", 120)
            personal = check_email(self.bundle, "users.csv", row, PERSONAL_EMAIL) if has_personal else None
            if username:
                self._claim_username(row, username)
            elif kind not in ("student", "agent", "skip"):
                self.bundle.error("users.csv", row, "username", "required",
                                  "staff need a username: it is their Homeroom login")
            if row.bad:
                continue
            status = (DELETED if row["status"] == "tobedeleted" else
                      INACTIVE if not enabled or row["status"] == "inactive" else ACTIVE)
            language = {"language": self.languages[row.sourced_id]} if row.sourced_id in self.languages else {}
            account = {"login": username, **values, "status": status, "student": None, **language}
            sid = row.sourced_id
            if kind == "skip":
                self.out.skipped["users"] += 1
            elif kind == "student":
                school = next((org for org in orgs if self._org(org) == "school"), None)
                if school is None:
                    self.bundle.error("users.csv", row, "orgSourcedIds", "invalid_reference",
                                      "a student must belong to an org of type school")
                    continue
                grade = split_list(row["grades"])[:1] or [""]
                grade = GRADES.get(grade[0], grade[0])
                if len(grade) > 8:
                    self.bundle.error("users.csv", row, "grades", "too_long", f"{grade!r} is not a grade")
                    continue
                self.out.students[sid] = {
                    "school": school, "grade_level": grade, "first_name": values["first_name"],
                    "last_name": values["last_name"], "primary_email": values["email"],
                    "primary_phone": phone or sms, "status": status, **language,
                    # SMS-02: the primary phone takes SMS when it is the user's SMS number.
                    "sms_enabled": sms is not None and phone in (None, sms),
                    **({"personal_email": personal} if has_personal else {})}
                if username:
                    self.out.users[sid] = {**account, "role": Role.STUDENT.value, "phone": sms, "student": sid}
                    self.out.profiles[sid] = "Student"
            elif kind == "agent":
                self.agents[sid] = {**values, "home_phone": phone, "mobile_phone": sms,
                                    "custodial": row["role"] != "relative",
                                    "relationship": RELATIONSHIPS[row["role"]], **language,
                                    "status": DELETED if status == DELETED else (
                                        status if not username else ACTIVE)}
                if username:
                    self.out.users[sid] = {**account, "role": Role.PARENT.value, "phone": sms}
                    self.out.profiles[sid] = "Parent"
            else:
                district_wide = kind == Role.ADMIN.value and any(self._org(o) == "district" for o in orgs)
                self.out.users[sid] = {**account, "role": kind, "phone": sms or phone}
                self.out.staff_schools[sid] = None if district_wide else {
                    org for org in orgs if self._org(org) == "school"}
                self.out.profiles[sid] = ("Teacher" if kind == Role.TEACHER.value else
                                          "District Administrator" if district_wide else "School Administrator")

    def _claim_username(self, row: Row, username: str) -> None:
        if username in self.usernames:
            self.bundle.error("users.csv", row, "username", "duplicate_username",
                              f"{username!r} is already the username on row {self.usernames[username]}")
            return
        self.usernames[username] = row.number
        owner = self.db.users_by_login.get(username)
        if owner and owner["sourced_id"] != row.sourced_id and (
                owner["sourced_id"] is not None or row.sourced_id in self.db.users):
            self.bundle.error("users.csv", row, "username", "username_taken",
                              f"{username!r} is the login of another Homeroom user")

    def _contacts(self) -> None:
        """Agents become contacts on their students' cards; the link may be declared on either side."""
        declared: dict[str, list[str]] = collections.defaultdict(list)
        for side in ("student", "agent"):  # a student's own list first: it sets the sort order
            for row in self.bundle.rows("users.csv"):
                if row.bad or self.user_kinds.get(row.sourced_id) != side:
                    continue
                for ref in split_list(row["agentSourcedIds"]):
                    kind = self._user_kind(ref)
                    if ref == row.sourced_id:
                        self.bundle.error("users.csv", row, "agentSourcedIds", "invalid_reference",
                                          "a user cannot be their own agent")
                    elif not self._reference("users.csv", row, "agentSourcedIds", ref, kind, "a user"):
                        continue
                    elif side == "agent" and kind not in ("student", "?"):
                        self.not_agents += 1  # names someone who is not a student
                    else:
                        student, agent = (row.sourced_id, ref) if side == "student" else (ref, row.sourced_id)
                        if agent not in declared[student]:
                            declared[student].append(agent)
        if self.bundle.bulk("users.csv"):
            self.out.contact_students = set(self.out.students)
        families: dict[str, list[str]] = collections.defaultdict(list)
        for student, agents in declared.items():
            if student not in self.out.students and student not in self.db.students:
                continue  # a student row that failed its own checks
            position = 0
            for agent in agents:
                info = self.agents.get(agent) or self._db_agent(agent)
                if info is None:
                    self.not_agents += self._user_kind(agent) != "?"
                    continue
                position += 1
                self.out.contacts[(student, agent)] = {**info, "sort_order": position}
                if info["custodial"]:
                    families[agent].append(student)
        if self.not_agents:
            self.out.skipped["contacts"] += self.not_agents
            self.bundle.notes.append(f"{self.not_agents} agent links between users that are not a student "
                                     "and a parent, guardian or relative were skipped; they make no contact")
        for students in families.values():  # RCP-08: students sharing a parent/guardian are siblings
            self.out.links.update(itertools.permutations(students, 2))

    def _db_agent(self, sourced_id: str) -> dict | None:
        """An agent known only to the database: a parent user; details come from the account."""
        user = self.db.users.get(sourced_id)
        if sourced_id in self.user_kinds or user is None or user["role"] != Role.PARENT.value:
            return None
        return {"first_name": user["first_name"], "last_name": user["last_name"], "email": user["email"],
                "home_phone": None, "mobile_phone": user["phone"], "custodial": True,
                "relationship": "Parent", "language": user["language"], "status": ACTIVE}
