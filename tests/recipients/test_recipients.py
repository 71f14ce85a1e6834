"""Recipient rules (RCP-*), contact flags (SYS-09, SYS-10) and exclusions, on exact small families."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import insert, select, update

from factories import (
    add_app_device,
    add_contact,
    add_school,
    add_section,
    add_student,
    add_user,
    email,
    first_school_id,
    link_siblings,
    phone,
)
from models.db import session_scope
from models.directory import Contact, Student, StudentGroup, StudentGroupAssignee, StudentGroupMember, User
from models.messaging import ChannelOptOut
from resolve import resolve


@pytest.fixture(scope="module")
def school(engine):
    return first_school_id(engine)


def by_status(rows):
    return Counter(row["status"] for row in rows)


def queued(rows, channel="EMAIL"):
    return sorted(row["address"] for row in rows if row["status"] == "QUEUED" and row["channel"] == channel)


def test_rcp_03_rcp_04_rcp_05_student_email_and_its_fallbacks(engine, school):
    """Covers RCP-03, RCP-04, RCP-05: STUDENTS uses the primary email, else the personal one;
    STUDENT_PERSONAL uses the personal email, else the primary one; the primary phone for SMS."""
    both = add_student(engine, school, primary_email=email("p"), personal_email=email("q"), primary_phone=phone())
    primary_only = add_student(engine, school, primary_email=email("p"))
    personal_only = add_student(engine, school, personal_email=email("q"))
    ids = [both, primary_only, personal_only]
    students, _ = resolve(engine, "admin", "STUDENTS", ids, channels=("EMAIL", "SMS"))
    personal, _ = resolve(engine, "admin", "STUDENT_PERSONAL", ids)
    with session_scope(engine) as session:
        rows = {s.id: s for s in session.execute(select(Student).where(Student.id.in_(ids))).scalars()}
    assert queued(students) == sorted([rows[both].primary_email, rows[primary_only].primary_email,
                                       rows[personal_only].personal_email])
    assert queued(personal) == sorted([rows[both].personal_email, rows[primary_only].primary_email,
                                       rows[personal_only].personal_email])
    assert queued(students, "SMS") == [rows[both].primary_phone]
    assert by_status(r for r in students if r["channel"] == "SMS")["NO_CONTACT_INFO"] == 2


def test_rcp_06_rcp_07_custodial_versus_all_contacts(engine, school):
    """Covers RCP-06, RCP-07."""
    kid = add_student(engine, school)
    mom = add_contact(engine, kid, custodial=True, sort_order=1, email=email("mom"))
    dad = add_contact(engine, kid, custodial=True, sort_order=2, email=email("dad"))
    aunt = add_contact(engine, kid, custodial=False, sort_order=3, email=email("aunt"))
    primary, _ = resolve(engine, "admin", "PRIMARY_CONTACTS", [kid])
    everyone, _ = resolve(engine, "admin", "ALL_CONTACTS", [kid])
    assert sorted(r["recipient_id"] for r in primary) == sorted([mom, dad])
    assert sorted(r["recipient_id"] for r in everyone) == sorted([mom, dad, aunt])
    assert {r["recipient_kind"] for r in everyone} == {"CONTACT"}


def test_rcp_13_rcp_14_students_with_contacts(engine, school):
    """Covers RCP-13, RCP-14: the union of the student and (all | custodial) contacts; custodial
    contacts with different addresses each receive it."""
    kid = add_student(engine, school, primary_email=email("kid"))
    add_contact(engine, kid, custodial=True, sort_order=1, email=email("a"))
    add_contact(engine, kid, custodial=True, sort_order=2, email=email("b"))
    add_contact(engine, kid, custodial=False, sort_order=3, email=email("c"))
    with_primary, _ = resolve(engine, "admin", "STUDENTS_AND_PRIMARY_CONTACTS", [kid])
    with_all, _ = resolve(engine, "admin", "STUDENTS_AND_ALL_CONTACTS", [kid])
    assert Counter(r["recipient_kind"] for r in with_primary) == {"STUDENT": 1, "CONTACT": 2}
    assert Counter(r["recipient_kind"] for r in with_all) == {"STUDENT": 1, "CONTACT": 3}
    assert len(set(queued(with_primary))) == 3


def test_rcp_15_rcp_16_linked_user_details_fill_missing_contact_details(engine, school):
    """Covers RCP-15, RCP-16: a contact without an email or phone falls back to its linked user's."""
    parent = add_user(engine, "PARENT", email=email("acct"), phone=phone())
    kid = add_student(engine, school)
    add_contact(engine, kid, custodial=True, user_id=parent)  # no email, no phone on the card
    add_app_device(engine, parent)  # and uses the app, so push reaches the account (CMP-08)
    rows, _ = resolve(engine, "admin", "PRIMARY_CONTACTS", [kid], channels=("EMAIL", "SMS", "VOICE", "PUSH"))
    with session_scope(engine) as session:
        account = session.get(User, parent)
    addresses = {r["channel"]: r["address"] for r in rows}
    assert addresses == {"EMAIL": account.email, "SMS": account.phone, "VOICE": account.phone,
                         "PUSH": f"user:{parent}"}
    assert set(by_status(rows)) == {"QUEUED"}


def test_rcp_15_rcp_16_the_linked_user_stands_in_for_a_bare_card_or_a_custodial_email_only(engine, school):
    """Covers RCP-15, RCP-16 (issue 13 point 19): a card with a phone but no email gets no email from
    its linked user in ALL_CONTACTS or ONCE_PER_FAMILY, only in PRIMARY_CONTACTS (RCP-16: the email
    alone); a card with an email but no phone never gets the user's phone, in any type."""
    phone_user = add_user(engine, "PARENT", email=email("acct"), phone=phone())
    email_user = add_user(engine, "PARENT", email=email("acct"), phone=phone())
    kid = add_student(engine, school)
    card_phone, card_email = phone(), email("card")
    phone_only = add_contact(engine, kid, custodial=True, sort_order=1, user_id=phone_user, mobile_phone=card_phone)
    email_only = add_contact(engine, kid, custodial=True, sort_order=2, user_id=email_user, email=card_email)
    with session_scope(engine) as session:
        account_email = session.get(User, phone_user).email
    channels = ("EMAIL", "SMS", "VOICE")
    own = {(phone_only, "SMS"): card_phone, (phone_only, "VOICE"): card_phone, (email_only, "EMAIL"): card_email}
    for kind in ("ALL_CONTACTS", "ONCE_PER_FAMILY", "PRIMARY_CONTACTS"):
        rows, _ = resolve(engine, "admin", kind, [kid], channels=channels)
        reached = {(r["recipient_id"], r["channel"]): r["address"] for r in rows if r["status"] == "QUEUED"}
        missing = {(r["recipient_id"], r["channel"]) for r in rows if r["status"] == "NO_CONTACT_INFO"}
        if kind == "PRIMARY_CONTACTS":
            assert reached == {**own, (phone_only, "EMAIL"): account_email}, kind
            assert missing == {(email_only, "SMS"), (email_only, "VOICE")}, kind
        else:
            assert reached == own, kind
            assert missing == {(phone_only, "EMAIL"), (email_only, "SMS"), (email_only, "VOICE")}, kind


def test_sms_02_a_student_phone_gets_sms_only_when_its_card_enables_sms(engine, school):
    """Covers SMS-02, RCP-03 (issue 13 point 20): a student's primary phone whose SMS flag is off is
    planned NO_SMS for SMS and still called; with the flag on it gets the SMS."""
    texting = add_student(engine, school, primary_phone=phone(), sms_enabled=True)
    calls_only = add_student(engine, school, primary_phone=phone(), sms_enabled=False)
    rows, _ = resolve(engine, "admin", "STUDENTS", [texting, calls_only], channels=("SMS", "VOICE"))
    assert {(r["recipient_id"], r["channel"]): r["status"] for r in rows} == {
        (texting, "SMS"): "QUEUED", (texting, "VOICE"): "QUEUED",
        (calls_only, "SMS"): "NO_SMS", (calls_only, "VOICE"): "QUEUED"}
    urgent, _ = resolve(engine, "admin", "STUDENTS", [calls_only], channels=("SMS",), emergency=True)
    assert [r["status"] for r in urgent] == ["NO_SMS"]  # an emergency cannot make a phone take SMS


def test_rcp_08_rcp_09_once_per_family_picks_one_student_per_transitive_sibling_group(engine, school):
    """Covers RCP-08, RCP-09: siblings linked A–B and B–C form one family even though A and C are
    not linked; one student with a contact is picked, and the message goes to its custodial
    contacts plus its sort-order-1 contact; a re-run with the message's seed picks the same student."""
    a, b, c = (add_student(engine, school) for _ in range(3))
    link_siblings(engine, a, b)
    link_siblings(engine, b, c)
    lone = add_student(engine, school)
    contacts = {}
    for kid in (a, b, c, lone):
        contacts[kid] = {
            "first": add_contact(engine, kid, custodial=False, sort_order=1, email=email("first")),
            "custodial": add_contact(engine, kid, custodial=True, sort_order=2, email=email("cust")),
            "other": add_contact(engine, kid, custodial=False, sort_order=3, email=email("other")),
        }
    rows, _ = resolve(engine, "admin", "ONCE_PER_FAMILY", [a, b, c, lone], family_seed=20261201)
    picked = {r["student_id"] for r in rows}
    assert len(picked & {a, b, c}) == 1 and lone in picked
    for kid in picked:
        mine = {r["recipient_id"] for r in rows if r["student_id"] == kid}
        assert mine == {contacts[kid]["first"], contacts[kid]["custodial"]}
    again, _ = resolve(engine, "admin", "ONCE_PER_FAMILY", [a, b, c, lone], family_seed=20261201)
    assert again == rows


def test_rcp_09_student_without_contacts_is_never_the_pick(engine, school):
    """Covers RCP-09: only a student having at least one contact can be picked."""
    without, with_contact = add_student(engine, school), add_student(engine, school)
    link_siblings(engine, without, with_contact)
    contact = add_contact(engine, with_contact, email=email())
    for _ in range(3):
        rows, _ = resolve(engine, "admin", "ONCE_PER_FAMILY", [without, with_contact])
        assert [(r["student_id"], r["recipient_id"]) for r in rows] == [(with_contact, contact)]


def test_rcp_10_two_contacts_linked_to_one_user_are_one_recipient(engine, school):
    """Covers RCP-10."""
    parent = add_user(engine, "PARENT", email=email("acct"))
    kid = add_student(engine, school)
    add_contact(engine, kid, custodial=True, sort_order=1, user_id=parent, email=email("home"))
    add_contact(engine, kid, custodial=True, sort_order=2, user_id=parent, email=email("work"))
    rows, _ = resolve(engine, "admin", "ONCE_PER_FAMILY", [kid])
    assert len(rows) == 1 and rows[0]["status"] == "QUEUED"


def test_rcp_11_same_address_across_families_is_written_once_as_sent_and_then_duplicate(engine, school):
    """Covers RCP-11: every record is created, only one per address is transmitted."""
    shared = email("shared")
    kids = [add_student(engine, school) for _ in range(3)]
    for kid in kids:
        add_contact(engine, kid, custodial=True, email=shared)
    rows, _ = resolve(engine, "admin", "ONCE_PER_FAMILY", kids)
    assert len(rows) == 3
    assert by_status(rows) == {"QUEUED": 1, "DUPLICATE": 2}
    plain, _ = resolve(engine, "admin", "PRIMARY_CONTACTS", kids)  # gap 11: only once-per-family dedupes
    assert by_status(plain) == {"QUEUED": 3}


def test_rcp_12_teachers_of_reaches_each_scheduled_teacher_once(engine, school):
    """Covers RCP-12: teachers of current sections, once each however many students they share."""
    t1 = add_user(engine, "TEACHER", school_ids=[school], email=email("t1"))
    t2 = add_user(engine, "TEACHER", school_ids=[school], email=email("t2"))
    old = add_user(engine, "TEACHER", school_ids=[school], email=email("old"))
    k1, k2 = add_student(engine, school), add_student(engine, school)
    add_section(engine, school, teacher_ids=[t1], student_ids=[k1, k2])
    add_section(engine, school, teacher_ids=[t2], student_ids=[k2])
    from models.directory import SchoolYear

    with session_scope(engine) as session:
        past = session.execute(select(SchoolYear.id).where(SchoolYear.is_current.is_(False))).scalar()
    add_section(engine, school, teacher_ids=[old], student_ids=[k1], school_year_id=past)
    rows, _ = resolve(engine, "admin", "TEACHERS_OF", [k1, k2])
    assert sorted(r["recipient_id"] for r in rows) == sorted([t1, t2])
    assert {r["recipient_kind"] for r in rows} == {"USER"}


def test_sys_09_sys_10_contact_flags_and_emergency(engine, school):
    """Covers SYS-09, SYS-10, RPT-02 (issue 13 point 22): no Callout → no calls/SMS even in an
    emergency (NO_CALLOUT); Blocked → none unless emergency (BLOCKED); no SMS flag → no SMS
    (NO_SMS); Unsubscribe → no email (UNSUBSCRIBED): each flag of the card is its own reason; the
    email opt-out toggle, the family's own opt-out (an unsubscribe link sets it), is OPTED_OUT."""
    kid = add_student(engine, school)
    cases = {
        "no_callout": dict(callout=False),
        "blocked": dict(blocked=True),
        "no_sms": dict(sms=False),
        "unsubscribed": dict(unsubscribe=True),
        "opted_out": dict(email_opt_out=True),
    }
    ids = {name: add_contact(engine, kid, email=email(name), mobile_phone=phone(), **flags)
           for name, flags in cases.items()}
    channels = ("EMAIL", "SMS", "VOICE")
    normal, _ = resolve(engine, "admin", "PRIMARY_CONTACTS", [kid], channels=channels)
    urgent, _ = resolve(engine, "admin", "PRIMARY_CONTACTS", [kid], channels=("SMS", "VOICE"), emergency=True)

    def status(rows, name, channel):
        return next(r["status"] for r in rows if r["recipient_id"] == ids[name] and r["channel"] == channel)

    assert [status(normal, "no_callout", c) for c in channels] == ["QUEUED", "NO_CALLOUT", "NO_CALLOUT"]
    assert [status(urgent, "no_callout", c) for c in ("SMS", "VOICE")] == ["NO_CALLOUT", "NO_CALLOUT"]
    assert [status(normal, "blocked", c) for c in channels] == ["QUEUED", "BLOCKED", "BLOCKED"]
    assert [status(urgent, "blocked", c) for c in ("SMS", "VOICE")] == ["QUEUED", "QUEUED"]
    assert [status(normal, "no_sms", c) for c in channels] == ["QUEUED", "NO_SMS", "QUEUED"]
    assert [status(urgent, "no_sms", c) for c in ("SMS", "VOICE")] == ["NO_SMS", "QUEUED"]
    assert [status(normal, "unsubscribed", c) for c in channels] == ["UNSUBSCRIBED", "QUEUED", "QUEUED"]
    assert [status(normal, "opted_out", c) for c in channels] == ["OPTED_OUT", "QUEUED", "QUEUED"]


def test_channel_opt_outs_are_honoured_by_resolution(engine, school):
    """An SMS STOP or unsubscribe recorded by a channel makes later resolutions OPTED_OUT."""
    kid = add_student(engine, school)
    number, mailbox = phone(), email("Stop")
    add_contact(engine, kid, email=mailbox, mobile_phone=number)
    with session_scope(engine) as session:
        session.execute(insert(ChannelOptOut), [{"channel": "SMS", "address": number, "source": "STOP"},
                                                {"channel": "EMAIL", "address": mailbox.lower(), "source": "link"}])
    rows, _ = resolve(engine, "admin", "PRIMARY_CONTACTS", [kid], channels=("EMAIL", "SMS", "VOICE"))
    assert {r["channel"]: r["status"] for r in rows} == {"EMAIL": "OPTED_OUT", "SMS": "OPTED_OUT", "VOICE": "QUEUED"}


def test_mrg_03_inactive_and_deleted_people(engine, school):
    """Covers MRG-03: inactive contacts are reported INACTIVE and never sent; deleted ones are gone."""
    kid = add_student(engine, school)
    active = add_contact(engine, kid, email=email())
    inactive = add_contact(engine, kid, email=email(), status="INACTIVE")
    add_contact(engine, kid, email=email(), status="DELETED")
    rows, _ = resolve(engine, "admin", "PRIMARY_CONTACTS", [kid])
    assert {r["recipient_id"]: r["status"] for r in rows} == {active: "QUEUED", inactive: "INACTIVE"}


def test_rcp_19_rcp_25_student_group_members_and_excluded_schools(engine, school):
    """Covers RCP-19, RCP-25: a group assigned to the sender targets its members at send time; a
    member at a school excluded from communication is reported EXCLUDED_SCHOOL, not reached."""
    excluded = add_school(engine, excluded=True)
    here = add_student(engine, school, primary_email=email())
    there = add_student(engine, excluded, primary_email=email())
    sender = add_user(engine, "ADMIN", school_ids=[school], profile="District Administrator")
    with session_scope(engine) as session:
        group = StudentGroup(name="Robotics club")
        session.add(group)
        session.flush()
        session.execute(insert(StudentGroupMember), [{"group_id": group.id, "student_id": s} for s in (here, there)])
        session.execute(insert(StudentGroupAssignee), [{"group_id": group.id, "user_id": sender}])
        group_id = group.id
        login = session.get(User, sender).login
    rows, summary = resolve(engine, login, "STUDENTS", (), student_group_ids=(group_id,))
    assert {r["recipient_id"]: r["status"] for r in rows} == {here: "QUEUED", there: "EXCLUDED_SCHOOL"}
    assert summary.selected_students == 2


def test_rcp_27_recipients_are_resolved_at_fan_out_not_at_save(engine, school):
    """Covers RCP-27: a contact's new email, changed after the message was stored, is used."""
    from domain.delivery.fan_out import fan_out
    from domain.messages.send import create_message
    from models.messaging import Delivery
    from resolve import request, viewer_for

    kid = add_student(engine, school)
    contact = add_contact(engine, kid, email=email("before"))
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request("PRIMARY_CONTACTS", [kid]))
    new_address = email("after")
    with session_scope(engine) as session:
        session.execute(update(Contact).where(Contact.id == contact).values(email=new_address))
    with session_scope(engine) as session:
        fan_out(session, message.id)
        address = session.execute(select(Delivery.address).where(Delivery.message_id == message.id)).scalar()
    assert address == new_address
