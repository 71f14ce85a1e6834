"""The management list and its edits: ANN-19 filters, ANN-09 order and pages without N+1, inline
and full edits with re-posting (ANN-20), deletion (ANN-21), the ANN-07 confirmation and the form's
school options (ANN-05)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from announcement_steps import (
    DELETE, LIST, ONE, announcement_count, clean_announcements, create, edit, parent_profile_id,  # noqa: F401
    staff,
)
from domain.access.permissions import Perm
from domain.announcements.calendar import district_today
from domain.support.global_ids import Kind
from factories import add_school, first_school_id, unique
from helpers import count_statements, gid, gql, pk_of, set_district
from domain.audit.actions import AuditAction
from models.announcements import Announcement
from models.audit import AuditLog
from models.db import session_scope
from models.directory import District, School

pytestmark = pytest.mark.usefixtures("clean_announcements")

OPTIONS = "query { announcementSchoolOptions { id name sortOrder } }"


def _today(engine) -> dt.date:
    with session_scope(engine) as session:
        return district_today(session.execute(select(District)).scalars().one())


def _titles(client, token, **filter_) -> list[str]:
    data = gql(client, LIST, {"filter": filter_, "first": 100}, token)["data"]["announcements"]
    return [edge["node"]["title"] for edge in data["edges"]]


def test_ann19_inactive_and_all_schools_are_left_out_unless_asked_and_the_toggles_combine(client, engine):
    """Covers ANN-19: the title filter, and the two toggles alone and together."""
    token, _ = staff(engine)
    tag = unique("ann19-")
    today = _today(engine)
    profile = [gid(Kind.PROFILE, parent_profile_id(engine))]
    school = [gid(Kind.SCHOOL, first_school_id(engine))]
    ended = {"startDate": (today - dt.timedelta(days=9)).isoformat(),
             "endDate": (today - dt.timedelta(days=1)).isoformat()}
    create(client, token, title=f"{tag} school", profileIds=profile, schoolIds=school)
    create(client, token, title=f"{tag} district", profileIds=profile)
    create(client, token, title=f"{tag} school ended", profileIds=profile, schoolIds=school, **ended)
    create(client, token, title=f"{tag} district ended", profileIds=profile, **ended)
    create(client, token, title="Other title", profileIds=profile, schoolIds=school)
    assert sorted(_titles(client, token, titleContains=tag.upper())) == [f"{tag} school"]
    assert sorted(_titles(client, token, titleContains=tag, includeInactive=True)) == [
        f"{tag} school", f"{tag} school ended"]
    assert sorted(_titles(client, token, titleContains=tag, includeAllSchools=True)) == [
        f"{tag} district", f"{tag} school"]
    assert sorted(_titles(client, token, titleContains=tag, includeInactive=True, includeAllSchools=True)) == [
        f"{tag} district", f"{tag} district ended", f"{tag} school", f"{tag} school ended"]


def test_ann09_the_list_pages_in_sort_order_then_newest_start_in_a_fixed_number_of_statements(client, engine):
    """Covers ANN-09 (sorted ones first, ascending; then newest start first) across pages, and the
    list's columns loaded without a statement per row (STYLE: no N+1)."""
    token, _ = staff(engine)
    tag = unique("ann09-")
    today = _today(engine)
    profile = [gid(Kind.PROFILE, parent_profile_id(engine))]
    specs = [("s2", 2, 0), ("s1-old", 1, 5), ("s1-new", 1, 1), ("u-new", None, 0), ("u-old", None, 3),
             ("u-mid", None, 2), ("s7", 7, 4)]
    for name, sort_order, days_ago in specs:
        create(client, token, title=f"{tag} {name}", profileIds=profile, sortOrder=sort_order,
               startDate=(today - dt.timedelta(days=days_ago)).isoformat(), email={"subject": "s", "htmlBody": "b"},
               gradeLevels=["K"], schoolIds=[gid(Kind.SCHOOL, first_school_id(engine))])
    expected = [f"{tag} {name}" for name in ("s1-new", "s1-old", "s2", "s7", "u-new", "u-mid", "u-old")]
    seen, after = [], None
    while True:
        data = gql(client, LIST, {"filter": {"titleContains": tag}, "first": 3, "after": after},
                   token)["data"]["announcements"]
        seen += [edge["node"]["title"] for edge in data["edges"]]
        assert data["totalCount"] == len(expected)
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == expected
    full = LIST.replace("allSchools }", "allSchools profiles { id } schools { id } gradeLevels sections { id } "
                                        "files { id } translations { language } postings { postingNumber } subtitle "
                                        "author { name } email { subject } }")
    with count_statements(engine) as small:
        gql(client, full, {"filter": {"titleContains": tag}, "first": 2}, token)
    with count_statements(engine) as large:
        gql(client, full, {"filter": {"titleContains": tag}, "first": 7}, token)
    assert len(large) == len(small)


def test_ann20_an_inline_edit_changes_only_what_it_sends_and_a_form_sent_back_needs_no_permission(client, engine):
    """Covers ANN-20 (inline edits of title, dates, profiles, schools, grade levels, student
    contacts and the flags), and that a value sent back unchanged meets no permission."""
    previous = set_district(engine, addon_callout=True)
    try:
        token, _ = staff(engine)
        today = _today(engine)
        profile = gid(Kind.PROFILE, parent_profile_id(engine))
        saved = create(client, token, title="Inline", profileIds=[profile], smsText="Text",
                       push=True)["announcement"]
        school = gid(Kind.SCHOOL, first_school_id(engine))
        changed = edit(client, token, saved["id"], title="Inline 2", endDate=(today + dt.timedelta(days=2)).isoformat(),
                       schoolIds=[school], gradeLevels=["5"], studentContacts="ALL", public=True)
        assert changed["__typename"] == "AnnouncementSaved", changed
        shown = changed["announcement"]
        assert (shown["title"], shown["gradeLevels"], shown["studentContacts"], shown["public"], shown["smsText"],
                shown["push"]) == ("Inline 2", ["5"], "ALL", True, "Text", True)
        assert [s["id"] for s in shown["schools"]] == [school] and shown["postingNumber"] == 1
        limited, _ = staff(engine, without=[Perm.ANNOUNCEMENTS_SEND_SMS, Perm.PUSH_NOTIFICATIONS])
        sent_back = edit(client, limited, saved["id"], title="Inline 3", smsText="Text", push=True)
        assert sent_back["__typename"] == "AnnouncementSaved", sent_back
        assert sent_back["announcement"]["title"] == "Inline 3"
    finally:
        set_district(engine, **previous)


def test_ann20_a_full_edit_changes_the_body_and_attachments_and_reposts_once(client, engine):
    """Covers ANN-20 (a full edit may re-post: one more posting number) and ANN-12 (removing an
    attachment deletes it, its translations too)."""
    previous = set_district(engine, addon_callout=True, addon_translations=True)
    try:
        token, _ = staff(engine)
        saved = create(client, token, title="Full", profileIds=[gid(Kind.PROFILE, parent_profile_id(engine))],
                       smsText="Old", translations=[{"language": "es", "smsText": "Viejo"}])["announcement"]
        changed = edit(client, token, saved["id"], repost=True, htmlBody="<p>New body</p>", smsText=None,
                       callText="Call")
        assert changed["__typename"] == "AnnouncementSaved", changed
        shown = changed["announcement"]
        assert (shown["htmlBody"], shown["smsText"], shown["callText"], shown["postingNumber"]) == (
            "<p>New body</p>", None, "Call", 2)
        assert shown["translations"][0]["smsText"] is None
        assert edit(client, token, saved["id"], title="Full")["announcement"]["postingNumber"] == 2
    finally:
        set_district(engine, **previous)


def test_ann21_a_deleted_announcement_leaves_every_list_and_its_row_stays(client, engine):
    """Covers ANN-21: deleteAnnouncement; the list, announcement(id) and updates no longer find it;
    the deletion is audited."""
    token, author = staff(engine)
    tag = unique("ann21-")
    saved = create(client, token, title=tag, profileIds=[gid(Kind.PROFILE, parent_profile_id(engine))])["announcement"]
    answer = gql(client, DELETE, {"id": saved["id"]}, token)["data"]["deleteAnnouncement"]
    assert answer == {"__typename": "AnnouncementDeleted", "id": saved["id"]}
    assert _titles(client, token, titleContains=tag, includeInactive=True, includeAllSchools=True) == []
    assert gql(client, ONE, {"id": saved["id"]}, token)["data"]["announcement"] is None
    assert edit(client, token, saved["id"], title="Back")["errors"][0]["code"] == "NOT_FOUND"
    with session_scope(engine) as session:
        assert session.get(Announcement, pk_of(saved["id"])).deleted_at is not None
        actions = session.execute(select(AuditLog.action).where(AuditLog.object_type == "announcement",
                                                                AuditLog.actor_user_id == author)
                                  .order_by(AuditLog.id)).scalars().all()
    assert actions == [AuditAction.ANNOUNCEMENT_CREATED.value, AuditAction.ANNOUNCEMENT_DELETED.value]


def test_ann07_an_admin_reaching_more_than_five_schools_confirms_an_all_schools_posting(client, engine):
    """Covers ANN-07: without confirm, the answer states how many schools it will reach and nothing
    is written; with confirm, or with schools selected, or for an admin with five schools or fewer,
    it is saved."""
    with session_scope(engine) as session:
        existing = list(session.execute(select(School.id).where(School.exclude_from_communication.is_(False)))
                        .scalars())
    schools = existing + [add_school(engine) for _ in range(max(0, 6 - len(existing)))]
    with session_scope(engine) as session:
        total = session.execute(select(func.count()).select_from(School).where(
            School.exclude_from_communication.is_(False))).scalar_one()
    add_school(engine, excluded=True)  # SYS-06: reached by no announcement, so neither counted nor needed
    token, _ = staff(engine, school_ids=schools)
    profile = [gid(Kind.PROFILE, parent_profile_id(engine))]
    before = announcement_count(engine)
    answer = create(client, token, confirm=False, title="Everyone", profileIds=profile)
    assert answer == {"__typename": "AnnouncementConfirmationRequired", "schoolCount": total,
                      "detail": f"This announcement reaches all {total} schools; confirm to post it."}
    assert announcement_count(engine) == before
    confirmed = create(client, token, confirm=True, title="Everyone", profileIds=profile)
    assert confirmed["__typename"] == "AnnouncementSaved" and confirmed["announcement"]["allSchools"]
    other_admin, _ = staff(engine)  # every school that takes part in communication: manages it too
    assert gql(client, ONE, {"id": confirmed["announcement"]["id"]}, other_admin)["data"]["announcement"]["canEdit"]
    some = create(client, token, title="Some", profileIds=profile, schoolIds=[gid(Kind.SCHOOL, schools[0])])
    assert some["__typename"] == "AnnouncementSaved"
    widened = edit(client, token, some["announcement"]["id"], confirm=False, schoolIds=[])
    assert widened["__typename"] == "AnnouncementConfirmationRequired"
    few, _ = staff(engine, school_ids=schools[:5])
    assert create(client, few, title="Few", profileIds=profile)["__typename"] == "AnnouncementSaved"


def test_ann05_school_options_are_the_authors_schools_by_sort_order_then_name(client, engine):
    """Covers ANN-05: the options are the schools the author can access, ordered by the district's
    school order and then by name (schools have no minimum or maximum school year in Homeroom)."""
    with session_scope(engine) as session:
        picked = list(session.execute(select(School).order_by(School.id).limit(3)).scalars())
    token, _ = staff(engine, school_ids=[school.id for school in picked[:2]])
    shown = gql(client, OPTIONS, {}, token)["data"]["announcementSchoolOptions"]
    expected = sorted(picked[:2], key=lambda school: (school.sort_order, school.name, school.id))
    assert [school["id"] for school in shown] == [gid(Kind.SCHOOL, school.id) for school in expected]
