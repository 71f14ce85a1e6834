"""Who may manage announcements, and which field needs which permission (PERM-22, PERM-25…PERM-29,
PERM-48…PERM-53, ANN-22, SMS-01, VOI-01): a refusal is a top-level FORBIDDEN and writes nothing;
another's announcement, a section not one's own and a missing id answer alike."""

from __future__ import annotations

import pytest

from announcement_steps import (
    CREATE, DELETE, LIST, ONE, TEACHER_PERMS, UPDATE, announcement_count, clean_announcements, create, edit,  # noqa: F401
    parent_profile_id, staff, staff_profile_id,
)
from domain.access.permissions import Perm
from domain.support.global_ids import Kind
from factories import add_section, first_school_id
from helpers import gid, gql, set_district
from models.directory import Role

pytestmark = pytest.mark.usefixtures("clean_announcements")


def _forbidden(body: dict) -> bool:
    return bool(body.get("errors")) and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _profile(engine) -> str:
    return gid(Kind.PROFILE, parent_profile_id(engine))


@pytest.fixture
def callout(engine):
    previous = set_district(engine, addon_callout=True)
    yield
    set_district(engine, **previous)


@pytest.mark.parametrize(("field", "value", "perm"), [
    ("email", {"subject": "S", "htmlBody": "<p>b</p>"}, Perm.ANNOUNCEMENTS_SEND_EMAILS),
    ("smsText", "Hello", Perm.ANNOUNCEMENTS_SEND_SMS),
    ("callText", "Hello", Perm.ANNOUNCEMENTS_SEND_CALLS),
    ("public", True, Perm.ANNOUNCEMENTS_MOBILE_APP_PUBLIC),
    ("push", True, Perm.PUSH_NOTIFICATIONS),
], ids=["PERM-26", "PERM-27", "PERM-28", "PERM-29", "PERM-22"])
def test_perm26_perm27_perm28_perm29_perm22_each_field_needs_its_permission(client, engine, callout, field, value,
                                                                          perm):
    """Covers PERM-26…PERM-29 and PERM-22 (and the announcement halves of SMS-01, VOI-01): without the
    permission, setting the field on create or update is FORBIDDEN and nothing changes; with it, it
    is stored."""
    token, _ = staff(engine, without=[perm])
    before = announcement_count(engine)
    body = gql(client, CREATE, {"input": {"title": "Gated", "profileIds": [_profile(engine)], field: value}}, token)
    assert _forbidden(body) and body["errors"][0]["extensions"]["permission"]
    assert announcement_count(engine) == before
    saved = create(client, token, title="Plain", profileIds=[_profile(engine)])
    body = gql(client, UPDATE, {"id": saved["announcement"]["id"], "input": {field: value}}, token)
    assert _forbidden(body)
    assert gql(client, ONE, {"id": saved["announcement"]["id"]}, token)["data"]["announcement"] == saved["announcement"]
    holder, _ = staff(engine)
    allowed = create(client, holder, title="Allowed", profileIds=[_profile(engine)], **{field: value})
    assert allowed["__typename"] == "AnnouncementSaved", allowed


def test_perm26_removing_an_attachment_needs_its_permission_too(client, engine):
    """Covers PERM-26 and ANN-12: null removes the email, and only with the email permission."""
    holder, _ = staff(engine)
    saved = create(client, holder, title="Mail", profileIds=[_profile(engine)],
                   email={"subject": "S", "htmlBody": "<p>b</p>"})["announcement"]
    removed = edit(client, holder, saved["id"], email=None)
    assert removed["__typename"] == "AnnouncementSaved" and removed["announcement"]["email"] is None


def test_perm25_view_lists_and_reads_but_only_edit_changes(client, engine):
    """Covers PERM-25: "Announcements" at View lists and reads; creating, editing and deleting need
    Edit; without it at all even the list is refused."""
    editor, _ = staff(engine)
    saved = create(client, editor, title="Perm 25", profileIds=[_profile(engine)], schoolIds=[
        gid(Kind.SCHOOL, first_school_id(engine))])["announcement"]
    viewer, _ = staff(engine, view_only=[Perm.ANNOUNCEMENTS])
    listed = gql(client, LIST, {"filter": {"titleContains": "Perm 25"}}, viewer)["data"]["announcements"]
    assert [edge["node"]["id"] for edge in listed["edges"]] == [saved["id"]]
    assert gql(client, ONE, {"id": saved["id"]}, viewer)["data"]["announcement"]["canEdit"] is False
    before = announcement_count(engine)
    assert _forbidden(gql(client, CREATE, {"input": {"title": "No", "profileIds": [_profile(engine)]}}, viewer))
    assert _forbidden(gql(client, UPDATE, {"id": saved["id"], "input": {"title": "No"}}, viewer))
    assert _forbidden(gql(client, DELETE, {"id": saved["id"]}, viewer))
    assert announcement_count(engine) == before
    assert gql(client, ONE, {"id": saved["id"]}, editor)["data"]["announcement"]["title"] == "Perm 25"
    nobody, _ = staff(engine, without=[Perm.ANNOUNCEMENTS])
    assert _forbidden(gql(client, LIST, {}, nobody))


def test_perm48_ann22_a_teachers_announcement_is_a_class_announcement_of_their_own_sections(client, engine):
    """Covers PERM-48 and ANN-22 (creation): a teacher's announcement targets sections of their own
    schedule; a section not theirs answers like a missing one; schools and grade levels do not
    apply; without "Class Announcements" the teacher is refused."""
    token, teacher = staff(engine, Role.TEACHER)
    school = first_school_id(engine)
    own = add_section(engine, school, teacher_ids=[teacher])
    other = add_section(engine, school)
    before = announcement_count(engine)
    answer = create(client, token, title="Quiz", profileIds=[_profile(engine)],
                    sectionIds=[gid(Kind.SECTION, other), gid(Kind.SECTION, 999_999)],
                    schoolIds=[gid(Kind.SCHOOL, school)])
    assert answer["__typename"] == "CreateAnnouncementErrors"
    errors = {error["field"]: (error["code"], error["message"]) for error in answer["errors"]}
    assert errors["sectionIds.0"] == errors["sectionIds.1"] and errors["sectionIds.0"][0] == "NOT_FOUND"
    assert errors["schoolIds"][0] == "INVALID"
    assert announcement_count(engine) == before
    saved = create(client, token, title="Quiz", profileIds=[_profile(engine)], sectionIds=[gid(Kind.SECTION, own)])
    assert saved["__typename"] == "AnnouncementSaved", saved
    shown = saved["announcement"]
    assert shown["classAnnouncement"] and [s["id"] for s in shown["sections"]] == [gid(Kind.SECTION, own)]
    assert not shown["allSchools"]
    without, _ = staff(engine, Role.TEACHER, without=[Perm.CLASS_ANNOUNCEMENTS])
    assert _forbidden(gql(client, CREATE, {"input": {"title": "No", "profileIds": [_profile(engine)],
                                                     "sectionIds": [gid(Kind.SECTION, own)]}}, without))
    assert announcement_count(engine) == before + 1


def test_perm52_perm53_a_teacher_needs_send_to_staff_for_staff_profiles_and_push_for_push(client, engine):
    """Covers PERM-52 (staff profiles need "Send to Staff") and PERM-53 (push on a class announcement
    needs "Push Notifications")."""
    token, teacher = staff(engine, Role.TEACHER)
    section = gid(Kind.SECTION, add_section(engine, first_school_id(engine), teacher_ids=[teacher]))
    staff_profile = gid(Kind.PROFILE, staff_profile_id(engine))
    before = announcement_count(engine)
    assert _forbidden(gql(client, CREATE, {"input": {"title": "Staff", "profileIds": [staff_profile],
                                                     "sectionIds": [section]}}, token))
    assert announcement_count(engine) == before
    sender, sender_id = staff(engine, Role.TEACHER, perms=[Perm.COMMUNICATION, Perm.CLASS_ANNOUNCEMENTS,
                                                           Perm.SEND_TO_STAFF])
    own = gid(Kind.SECTION, add_section(engine, first_school_id(engine), teacher_ids=[sender_id]))
    assert create(client, sender, title="Staff", profileIds=[staff_profile], sectionIds=[own])["__typename"] == \
        "AnnouncementSaved"
    assert _forbidden(gql(client, CREATE, {"input": {"title": "Push", "profileIds": [_profile(engine)],
                                                     "sectionIds": [own], "push": True}}, sender))
    assert create(client, token, title="Push", profileIds=[_profile(engine)], sectionIds=[section],
                  push=True)["__typename"] == "AnnouncementSaved"


def test_perm25_perm48_another_users_announcement_answers_like_a_missing_one(client, engine):
    """Covers PERM-25 and PERM-48 scope: a teacher never sees another's class announcement, and an
    administrator whose schools do not cover an announcement's schools cannot see or change it;
    each answers exactly like an id that names nothing."""
    admin, _ = staff(engine)
    school = first_school_id(engine)
    saved = create(client, admin, title="Scoped", profileIds=[_profile(engine)],
                   schoolIds=[gid(Kind.SCHOOL, school)])["announcement"]
    missing = gid(Kind.ANNOUNCEMENT, 999_999)
    teacher, _ = staff(engine, Role.TEACHER)
    elsewhere, _ = staff(engine, school_ids=[])
    for token in (teacher, elsewhere):
        assert gql(client, ONE, {"id": saved["id"]}, token)["data"]["announcement"] is None
        answers = [gql(client, UPDATE, {"id": some, "input": {"title": "Mine"}}, token)["data"]["updateAnnouncement"]
                   for some in (saved["id"], missing)]
        assert answers[0] == answers[1] and answers[0]["errors"][0]["code"] == "NOT_FOUND"
        deleted = [gql(client, DELETE, {"id": some}, token)["data"]["deleteAnnouncement"] for some in (saved["id"],
                                                                                                       missing)]
        assert deleted[0] == deleted[1] and deleted[0]["errors"][0]["code"] == "NOT_FOUND"
    assert gql(client, ONE, {"id": saved["id"]}, admin)["data"]["announcement"]["title"] == "Scoped"


def test_perm48_a_teacher_edits_and_deletes_their_own_class_announcement(client, engine):
    """Covers PERM-48 (create, edit and delete): the teacher moves their class announcement to
    another of their sections and deletes it; a section of another teacher stays NOT_FOUND."""
    token, teacher = staff(engine, Role.TEACHER)
    school = first_school_id(engine)
    first, second = (add_section(engine, school, teacher_ids=[teacher]) for _ in range(2))
    saved = create(client, token, title="Lab", profileIds=[_profile(engine)],
                   sectionIds=[gid(Kind.SECTION, first)])["announcement"]
    moved = edit(client, token, saved["id"], title="Lab moved", sectionIds=[gid(Kind.SECTION, second)])
    assert moved["__typename"] == "AnnouncementSaved", moved
    assert [s["id"] for s in moved["announcement"]["sections"]] == [gid(Kind.SECTION, second)]
    foreign = edit(client, token, saved["id"], sectionIds=[gid(Kind.SECTION, add_section(engine, school))])
    assert [(e["field"], e["code"]) for e in foreign["errors"]] == [("sectionIds.0", "NOT_FOUND")]
    emptied = edit(client, token, saved["id"], sectionIds=[])
    assert [(e["field"], e["code"]) for e in emptied["errors"]] == [("sectionIds", "REQUIRED")]
    listed = gql(client, LIST, {"filter": {"titleContains": "Lab moved"}}, token)["data"]["announcements"]["edges"]
    assert [edge["node"]["id"] for edge in listed] == [saved["id"]]
    deleted = gql(client, DELETE, {"id": saved["id"]}, token)["data"]["deleteAnnouncement"]
    assert deleted == {"__typename": "AnnouncementDeleted", "id": saved["id"]}


@pytest.mark.parametrize(("field", "value", "perm"), [
    ("email", {"subject": "S", "htmlBody": "<p>b</p>"}, Perm.ANNOUNCEMENTS_SEND_EMAILS),
    ("smsText", "Hello", Perm.ANNOUNCEMENTS_SEND_SMS),
    ("callText", "Hello", Perm.ANNOUNCEMENTS_SEND_CALLS),
], ids=["PERM-49", "PERM-50", "PERM-51"])
def test_perm49_perm50_perm51_a_teacher_needs_each_attachments_permission(client, engine, callout, field, value, perm):
    """Covers PERM-49…PERM-51 (and the announcement halves of SMS-01, VOI-01 for teachers): a
    teacher's class announcement takes an email, SMS or call only with "Announcements: Send Emails",
    "Send SMS" or "Send Calls"; without it the field is FORBIDDEN and nothing is written."""
    every = [*TEACHER_PERMS, Perm.ANNOUNCEMENTS_SEND_SMS, Perm.ANNOUNCEMENTS_SEND_CALLS]
    token, teacher = staff(engine, Role.TEACHER, perms=every, without=[perm])
    section = gid(Kind.SECTION, add_section(engine, first_school_id(engine), teacher_ids=[teacher]))
    before = announcement_count(engine)
    body = gql(client, CREATE, {"input": {"title": "Gated", "profileIds": [_profile(engine)],
                                          "sectionIds": [section], field: value}}, token)
    assert _forbidden(body) and body["errors"][0]["extensions"]["permission"]
    assert announcement_count(engine) == before
    holder, holder_id = staff(engine, Role.TEACHER, perms=every)
    own = gid(Kind.SECTION, add_section(engine, first_school_id(engine), teacher_ids=[holder_id]))
    allowed = create(client, holder, title="Allowed", profileIds=[_profile(engine)], sectionIds=[own], **{field: value})
    assert allowed["__typename"] == "AnnouncementSaved", allowed
    stored = allowed["announcement"]
    assert (stored["email"]["subject"] == "S") if field == "email" else stored[field] == value
