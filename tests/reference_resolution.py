"""A plain Python statement of the recipient rules, written for clarity, not speed.

tests/recipients/test_recipient_reference.py compares it with the SQL resolution of
domain.recipients.resolution on generated districts. Rows are (channel, kind, recipient_id, student_id, address, status).

Every message also reaches the in-app inbox (channel INAPP) of each recipient with an account whose
profile grants Communication (PERM-59): a student's own active user, a contact's active linked user,
a staff user. The row is DELIVERED when written, whatever the other channels do (INB-08, SET-05);
the same account reached twice gets one DELIVERED row and the others DUPLICATE (RCP-10).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

SOURCES = {
    "STUDENTS": ("students",),
    "STUDENT_PERSONAL": ("students_personal",),
    "PRIMARY_CONTACTS": ("custodial",),
    "ALL_CONTACTS": ("all_contacts",),
    "ONCE_PER_FAMILY": ("family",),
    "TEACHERS_OF": ("teachers_of",),
    "STUDENTS_AND_ALL_CONTACTS": ("students", "all_contacts"),
    "STUDENTS_AND_PRIMARY_CONTACTS": ("students", "custodial"),
}


#: The once-per-family draw works modulo this prime (2³¹−1); seeds are below it.
DRAW_MODULUS = 2_147_483_647


def blank(value):
    return value if value and value.strip() else None


def family_draw(seed, family_key, size):
    """RCP-09: which of a family's ``size`` pickable students (numbered by id) the message's seed
    picks. The seed's SHA-256 gives a multiplier and an offset; the family, named by its smallest
    student id, takes ((multiplier·family + offset) mod P) mod size. This is the one place the
    reference restates the implementation's arithmetic rather than the rule, so that both pick the
    same student for a seed; that the draw is uniform, and that families draw independently, is
    tested on its own (tests/recipients/test_family_pick.py, a chi-square test over many seeds)."""
    digest = hashlib.sha256(f"homeroom family draw {seed}".encode()).digest()
    multiplier = 1 + int.from_bytes(digest[:8], "big") % (DRAW_MODULUS - 1)
    offset = int.from_bytes(digest[8:16], "big") % DRAW_MODULUS
    return (multiplier * family_key + offset) % DRAW_MODULUS % size


def first(*values):
    return next((value for value in values if value is not None), None)


class Reference:
    """``d`` is the district as plain dicts; ``sender`` has school_ids, emergency, family_seed."""

    def __init__(self, d, sender):
        self.d, self.sender = d, sender
        self.at_excluded = bool(set(sender["school_ids"]) & d["excluded_schools"])
        self.push_opt_in_only = False

    # -- user settings (SET-04, SET-05) under the district's defaults (SET-09) --
    def setting(self, user, name):
        value, enforced = self.d["defaults"][name]
        return value if enforced or user[name] is None else user[name]

    def uses_app(self, user):
        """CMP-08: a registered device; SET-04: without push asked for, opted in to push for all."""
        return user["app"] and (not self.push_opt_in_only or self.setting(user, "push_all_messages"))

    def email_off(self, user):
        return self.setting(user, "email_notifications_off")

    # -- exclusions and opt-outs (RCP-25, channel opt-outs) --
    def student_excluded(self, school_id):
        if not self.d["excluded_schools"] or school_id in self.sender["school_ids"]:
            return False
        return self.at_excluded or school_id in self.d["excluded_schools"]

    def user_excluded(self, user_id):
        schools = self.d["user_schools"].get(user_id, set())
        if not self.d["excluded_schools"] or schools & set(self.sender["school_ids"]):
            return False
        return self.at_excluded or bool(schools & self.d["excluded_schools"])

    def opted_out(self, channel, address):
        """A channel opt-out; an SMS STOP does not hold back an emergency SMS."""
        if channel == "SMS" and self.sender["emergency"]:
            return False
        return (channel, address.lower()) in self.d["opt_outs"]

    def accounts_of_student(self, student_id):
        return [u for u in self.d["users"].values() if u["student_id"] == student_id and u["status"] == "ACTIVE"]

    # -- one row per source --
    def student_row(self, channel, student, personal_first):
        primary, personal = blank(student["primary_email"]), blank(student["personal_email"])
        if channel == "EMAIL":
            address = first(personal, primary) if personal_first else first(primary, personal)
        elif channel in ("SMS", "VOICE"):
            address = blank(student["primary_phone"])
        elif channel == "INAPP":
            inboxes = [u["id"] for u in self.accounts_of_student(student["id"]) if u["communication"]]
            if not inboxes:
                return None  # no account whose inbox receives messages (PERM-59)
            address = f"user:{min(inboxes)}"
        else:
            app_accounts = [u["id"] for u in self.accounts_of_student(student["id"]) if self.uses_app(u)]
            if not app_accounts:
                return None
            address = f"user:{min(app_accounts)}"
        if student["status"] != "ACTIVE":
            status = "INACTIVE"
        elif self.student_excluded(student["school_id"]):
            status = "EXCLUDED_SCHOOL"
        elif channel == "INAPP":
            status = "DELIVERED"
        elif address is None:
            status = "NO_CONTACT_INFO"
        elif channel == "SMS" and not student["sms_enabled"]:
            status = "NO_SMS"  # SMS-02: the card's phone takes no SMS
        elif self.opted_out(channel, address):
            status = "OPTED_OUT"
        elif channel == "EMAIL" and any(self.email_off(u) for u in self.accounts_of_student(student["id"])):
            status = "OPTED_OUT"
        else:
            status = "QUEUED"
        return (channel, "STUDENT", student["id"], student["id"], (address or "").strip(), status)

    def active_user(self, user_id):
        """The linked account, when it is active: an inactive or deleted one counts for nothing (MRG-03)."""
        user = self.d["users"].get(user_id)
        return user if user and user["status"] == "ACTIVE" else None

    def contact_row(self, channel, contact, primary_contacts=False):
        """``primary_contacts``: a custodial contact of PRIMARY_CONTACTS (alone or with the students),
        where RCP-16 applies."""
        student = self.d["students"][contact["student_id"]]
        linked = self.active_user(contact["user_id"])
        email, mobile, home = blank(contact["email"]), blank(contact["mobile_phone"]), blank(contact["home_phone"])
        # RCP-15: a card with neither an email nor a phone takes the linked user's details;
        # RCP-16: for PRIMARY_CONTACTS a custodial card without an email takes the user's email.
        bare = email is None and mobile is None and home is None
        linked_email = blank(linked["email"]) if linked and (bare or primary_contacts) else None
        linked_phone = blank(linked["phone"]) if linked and bare else None
        if channel == "EMAIL":
            address = first(email, linked_email)
        elif channel == "SMS":
            address = first(mobile, linked_phone)
        elif channel == "VOICE":
            address = first(mobile, home, linked_phone)
        elif channel == "INAPP":
            if not (linked and linked["communication"]):
                return None  # RCP-10: the linked user's inbox, whatever the card holds (PERM-59)
            address = f"user:{linked['id']}"
        elif linked and self.uses_app(linked):
            address = f"user:{linked['id']}"
        else:
            return None  # push only to users of the app
        if contact["status"] != "ACTIVE" or student["status"] != "ACTIVE":
            status = "INACTIVE"
        elif self.student_excluded(student["school_id"]):
            status = "EXCLUDED_SCHOOL"
        elif channel == "INAPP":
            status = "DELIVERED"  # no card flag, opt-out or setting holds back the inbox
        elif address is None:
            status = "NO_CONTACT_INFO"
        elif channel == "EMAIL" and contact["unsubscribe"]:
            status = "UNSUBSCRIBED"  # the card's Unsubscribe flag
        elif channel == "EMAIL" and contact["email_opt_out"]:
            status = "OPTED_OUT"  # the family's own opt-out toggle, as an unsubscribe link sets it
        elif channel in ("SMS", "VOICE") and not contact["callout"]:
            status = "NO_CALLOUT"
        elif channel in ("SMS", "VOICE") and contact["blocked"] and not self.sender["emergency"]:
            status = "BLOCKED"
        elif channel == "SMS" and not contact["sms"]:
            status = "NO_SMS"
        elif self.opted_out(channel, address):
            status = "OPTED_OUT"
        elif channel == "EMAIL" and linked and self.email_off(linked):
            status = "OPTED_OUT"
        else:
            status = "QUEUED"
        return (channel, "CONTACT", contact["id"], student["id"], (address or "").strip(), status)

    def user_row(self, channel, user):
        if channel == "EMAIL":
            address = blank(user["email"])
        elif channel in ("SMS", "VOICE"):
            address = blank(user["phone"])
        elif channel == "INAPP":
            if not user["communication"]:
                return None
            address = f"user:{user['id']}"
        elif self.uses_app(user):
            address = f"user:{user['id']}"
        else:
            return None
        if user["status"] != "ACTIVE":
            status = "INACTIVE"
        elif self.user_excluded(user["id"]):
            status = "EXCLUDED_SCHOOL"
        elif channel == "INAPP":
            status = "DELIVERED"
        elif address is None:
            status = "NO_CONTACT_INFO"
        elif self.opted_out(channel, address):
            status = "OPTED_OUT"
        elif channel == "EMAIL" and self.email_off(user):
            status = "OPTED_OUT"
        else:
            status = "QUEUED"
        return (channel, "USER", user["id"], None, (address or "").strip(), status)

    # -- who --
    def live_contacts(self, student_id):
        return [c for c in self.d["contacts"].values() if c["student_id"] == student_id and c["status"] != "DELETED"]

    def pickable(self, student_id):
        """RCP-09 with RCP-25 and MRG-03: a student a message may reach: active, not at a school
        excluded for this sender, with an active contact the family rule addresses."""
        student = self.d["students"][student_id]
        return (student["status"] == "ACTIVE" and not self.student_excluded(student["school_id"])
                and any(c["status"] == "ACTIVE" and (c["custodial"] or c["sort_order"] == 1)
                        for c in self.live_contacts(student_id)))

    def family_picks(self, selected):
        """RCP-08/RCP-09: transitive sibling groups, a link counting both ways however it was stored;
        one pickable selected student each, drawn by the message's seed."""
        neighbours = defaultdict(set)
        for a, b in self.d["links"]:
            neighbours[a].add(b)
            neighbours[b].add(a)
        family_of = {}
        for root in selected:
            seen, todo = {root}, [root]
            while todo:
                for other in neighbours[todo.pop()]:
                    if other not in seen:
                        seen.add(other)
                        todo.append(other)
            family_of[root] = min(seen)
        pickable = defaultdict(list)
        for student_id in sorted(selected):
            if self.pickable(student_id):
                pickable[family_of[student_id]].append(student_id)
        return [members[family_draw(self.sender["family_seed"], family, len(members))]
                for family, members in pickable.items()]

    def family_contacts(self, student_id):
        """RCP-09 custodial + sort order 1; RCP-10 one per linked active user."""
        chosen = {}
        for contact in self.live_contacts(student_id):
            if not (contact["custodial"] or contact["sort_order"] == 1):
                continue
            key = contact["user_id"] if self.active_user(contact["user_id"]) else -contact["id"]
            if key not in chosen or (contact["sort_order"], contact["id"]) < (chosen[key]["sort_order"], chosen[key]["id"]):
                chosen[key] = contact
        return list(chosen.values())

    def teachers_of(self, selected):
        teachers = set()
        for section in self.d["sections"]:
            if section["current"] and set(section["students"]) & set(selected):
                teachers |= set(section["teachers"])
        return teachers

    def resolve(self, recipient_type, selected, staff_ids, channels):
        rows = []
        sources = SOURCES[recipient_type] if recipient_type else ()
        push_all, enforced = self.d["defaults"]["push_all_messages"]
        # SET-04: push to users who opted in to it for every message, even when not asked for.
        self.push_opt_in_only = "PUSH" not in channels and (push_all or not enforced)
        if self.push_opt_in_only:
            channels = (*channels, "PUSH")
        # The in-app inbox is every message's channel; never chosen, never for imported recipients
        # or the sender's own copy.
        channels = (*channels, "INAPP")
        for channel in channels:
            for source in sources:
                if source in ("students", "students_personal"):
                    rows += [self.student_row(channel, self.d["students"][s], source == "students_personal")
                             for s in selected]
                elif source in ("custodial", "all_contacts"):
                    rows += [self.contact_row(channel, c, primary_contacts=source == "custodial")
                             for s in selected for c in self.live_contacts(s)
                             if source == "all_contacts" or c["custodial"]]
                elif source == "family":
                    rows += [self.contact_row(channel, c) for s in self.family_picks(selected)
                             for c in self.family_contacts(s)]
                elif source == "teachers_of":
                    rows += [self.user_row(channel, self.d["users"][t]) for t in self.teachers_of(selected)]
            rows += [self.user_row(channel, self.d["users"][u]) for u in staff_ids]
        # One row per (channel, recipient, address): a teacher picked twice is one recipient.
        unique = {}
        for row in filter(None, rows):
            unique.setdefault((row[0], row[1], row[2], row[4]), row)
        rows = list(unique.values())
        # SYS-01: outside the call window, SMS, calls and push that would go now wait instead
        # (an emergency goes at once, SMS-03/VOI-10); email is never held.
        if self.sender.get("outside_call_window") and not self.sender["emergency"]:
            rows = [(*row[:5], "DEFERRED") if row[0] in ("SMS", "VOICE", "PUSH") and row[5] == "QUEUED" else row
                    for row in rows]
        # RCP-10: one inbox entry per account; RCP-11 (once per family): the first sendable row per
        # address is sent. Either way the others are DUPLICATE, in the same order: rows with a
        # student first (by student), then by kind and id.
        result, taken = [], set()
        for row in sorted(rows, key=lambda r: (r[3] is None, r[3] or 0, r[1], r[2])):
            if (row[0] == "INAPP" and row[5] == "DELIVERED") or (
                    recipient_type == "ONCE_PER_FAMILY" and row[5] in ("QUEUED", "DEFERRED")):
                key = (row[0], row[4].lower())
                if key in taken:
                    row = (*row[:5], "DUPLICATE")
                taken.add(key)
            result.append(row)
        return sorted(result, key=repr)
