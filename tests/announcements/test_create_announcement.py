"""createAnnouncement: defaults, the stored fields read back, and every field error with nothing
written (ANN-01…ANN-03, ANN-05, ANN-06, ANN-12, SMS-01, VOI-01, TRN-04, TRN-05)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from announcement_steps import (
    CREATE, ONE, announcement_count, clean_announcements, create, parent_profile_id, staff,  # noqa: F401
)
from domain.announcements.calendar import district_today
from domain.audit.actions import AuditAction
from domain.support.global_ids import Kind
from factories import add_school
from helpers import gid, gql, pk_of, set_district
from models.audit import AuditLog
from models.db import session_scope
from models.directory import District, School

pytestmark = pytest.mark.usefixtures("clean_announcements")


def _today(engine) -> dt.date:
    with session_scope(engine) as session:
        return district_today(session.execute(select(District)).scalars().one())


def _codes(answer: dict) -> dict[str, str]:
    assert answer["__typename"] == "CreateAnnouncementErrors", answer
    return {error["field"]: error["code"] for error in answer["errors"]}


def test_ann01_ann02_ann06_a_titled_announcement_starts_today_never_ends_and_is_district_wide(client, engine):
    """Covers ANN-01, ANN-02 and ANN-06: the defaults, and the row the type reads back."""
    token, author = staff(engine)
    profile = gid(Kind.PROFILE, parent_profile_id(engine))
    answer = create(client, token, title="  Snow day  ", htmlBody="<p>Stay home<script>x()</script></p>",
                    profileIds=[profile])
    assert answer["__typename"] == "AnnouncementSaved", answer
    shown = answer["announcement"]
    assert shown["title"] == "Snow day"
    assert "script" not in shown["htmlBody"] and "Stay home" in shown["htmlBody"]
    assert shown["startDate"] == _today(engine).isoformat() and shown["endDate"] is None and shown["active"]
    assert shown["schools"] == [] and shown["allSchools"] and shown["subtitle"] == "District Announcement"
    assert [p["id"] for p in shown["profiles"]] == [profile]
    assert shown["postingNumber"] == 1 and shown["canEdit"] and not shown["classAnnouncement"]
    again = gql(client, ONE, {"id": shown["id"]}, token)["data"]["announcement"]
    assert again == shown
    node = gql(client, "query($id: ID!) { node(id: $id) { ... on Announcement { title } } }", {"id": shown["id"]},
               token)["data"]["node"]
    assert node == {"title": "Snow day"}
    with session_scope(engine) as session:  # audited like every other change
        rows = session.execute(select(AuditLog.action, AuditLog.object_ids).where(
            AuditLog.object_type == "announcement", AuditLog.actor_user_id == author)).all()
        assert [tuple(row) for row in rows] == [(AuditAction.ANNOUNCEMENT_CREATED.value, [pk_of(shown["id"])])]


def test_ann12_sms01_voi01_trn04_attachments_and_translations_are_stored_and_read_back(client, engine):
    """Covers ANN-12 (email, SMS, call), the announcement halves of SMS-01 and VOI-01, and TRN-04 /
    TRN-05 for announcements: the translations are saved with the announcement, by language."""
    previous = set_district(engine, addon_callout=True, addon_translations=True)
    try:
        token, _ = staff(engine)
        school = gid(Kind.SCHOOL, _first_school(engine))
        answer = create(client, token, title="Picture day", profileIds=[gid(Kind.PROFILE, parent_profile_id(engine))],
                        schoolIds=[school], gradeLevels=["K", "3"], endDate=(_today(engine) + dt.timedelta(days=3))
                        .isoformat(), sortOrder=2, studentContacts="PRIMARY", push=True, public=True,
                        email={"subject": "Picture day", "htmlBody": "<p>Smile</p>"}, smsText="Picture day Friday",
                        callText="Picture day is Friday.",
                        translations=[{"language": "ES", "title": "Día de fotos", "smsText": "Fotos el viernes"}])
        assert answer["__typename"] == "AnnouncementSaved", answer
        shown = answer["announcement"]
        assert shown["email"] == {"subject": "Picture day", "htmlBody": "<p>Smile</p>"}
        assert (shown["smsText"], shown["callText"]) == ("Picture day Friday", "Picture day is Friday.")
        assert shown["gradeLevels"] == ["3", "K"] and shown["sortOrder"] == 2 and shown["studentContacts"] == "PRIMARY"
        assert shown["push"] and shown["public"] and [s["id"] for s in shown["schools"]] == [school]
        assert shown["subtitle"] == shown["schools"][0]["name"]
        assert shown["translations"] == [{"language": "es", "title": "Día de fotos", "htmlBody": None,
                                          "emailSubject": None, "smsText": "Fotos el viernes", "callText": None}]
    finally:
        set_district(engine, **previous)


def _first_school(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(School.id).where(School.exclude_from_communication.is_(False))
                               .order_by(School.id)).scalars().first()


def test_ann01_ann03_a_blank_title_and_no_profile_are_field_errors_and_nothing_is_written(client, engine):
    """Covers ANN-01 (a title is required) and ANN-03 (a profile unless public)."""
    token, _ = staff(engine)
    before = announcement_count(engine)
    assert _codes(create(client, token, title="   ")) == {"title": "REQUIRED", "profileIds": "REQUIRED"}
    assert _codes(create(client, token, profileIds=[gid(Kind.PROFILE, parent_profile_id(engine))])) == {
        "title": "REQUIRED"}
    assert announcement_count(engine) == before
    public = create(client, token, title="Open house", public=True)  # ANN-03: public needs no profile
    assert public["__typename"] == "AnnouncementSaved", public


def test_ann05_bad_values_each_answer_a_field_error_and_nothing_is_written(client, engine):
    """Covers ANN-05 (a school outside the author's reach answers like a missing one), the end date
    before the start, unknown grade levels and profiles, and the sort order range."""
    token, _ = staff(engine)
    outside = add_school(engine)  # a school the author does not work at
    before = announcement_count(engine)
    today = _today(engine)
    profile = gid(Kind.PROFILE, parent_profile_id(engine))
    answer = create(client, token, title="Bad", profileIds=[profile, profile, gid(Kind.PROFILE, 999_999)],
                    schoolIds=[gid(Kind.SCHOOL, outside), gid(Kind.SCHOOL, 999_999)], gradeLevels=["K", "ZZ"],
                    startDate=today.isoformat(), endDate=(today - dt.timedelta(days=1)).isoformat(), sortOrder=-1)
    assert _codes(answer) == {
        "profileIds.1": "DUPLICATE", "profileIds.2": "NOT_FOUND", "schoolIds.0": "NOT_FOUND",
        "schoolIds.1": "NOT_FOUND", "gradeLevels.1": "NOT_FOUND", "endDate": "END_BEFORE_START",
        "sortOrder": "INVALID"}
    messages = {error["field"]: error["message"] for error in answer["errors"]}
    assert messages["schoolIds.0"] == messages["schoolIds.1"]  # outside reads as missing
    assert announcement_count(engine) == before


def test_sms01_voi01_an_sms_over_the_district_limit_and_a_call_over_the_minutes_are_field_errors(client, engine):
    """Covers the announcement halves of SMS-01 (with SMS-04's limit) and VOI-01 (with VOI-06's)."""
    previous = set_district(engine, addon_callout=True, sms_character_limit=20, tts_minutes=1)
    try:
        token, _ = staff(engine)
        before = announcement_count(engine)
        answer = create(client, token, title="Long", public=True, smsText="x" * 21, callText="y" * 1001,
                        email={"subject": "Line\nbreak", "htmlBody": "<p></p>"})
        assert _codes(answer) == {"smsText": "TOO_LONG", "callText": "TOO_LONG",
                                  "email.subject": "INVALID_CHARACTERS", "email.htmlBody": "REQUIRED"}
        assert announcement_count(engine) == before
    finally:
        set_district(engine, **previous)


def test_trn04_unsupported_duplicate_and_original_languages_are_field_errors(client, engine):
    """Covers TRN-04 for announcements: one text per supported language, never the original's; a
    translated SMS fits the district limit as the original must; a part the announcement lacks is
    a CONFLICT."""
    previous = set_district(engine, addon_translations=True, addon_callout=True, sms_character_limit=20)
    try:
        token, _ = staff(engine)
        before = announcement_count(engine)
        answer = create(client, token, title="T", public=True, smsText="short", translations=[
            {"language": "xx", "title": "?"}, {"language": "es", "title": "a"}, {"language": "ES", "title": "b"},
            {"language": "en", "title": "c"}, {"language": "fr", "smsText": "z" * 21, "callText": "no call"}])
        assert _codes(answer) == {
            "translations.0.language": "UNSUPPORTED_LANGUAGE", "translations.2.language":
                "DUPLICATE_LANGUAGE", "translations.3.language": "SAME_AS_ORIGINAL",
            "translations.4.smsText": "TOO_LONG", "translations.4.callText": "CONFLICT"}
        assert announcement_count(engine) == before
    finally:
        set_district(engine, **previous)


def test_trn04_translations_need_the_translations_addon(client, engine):
    """Covers TRN-04's add-on: without it, manual translations are refused and nothing is written."""
    previous = set_district(engine, addon_translations=False)
    try:
        token, _ = staff(engine)
        before = announcement_count(engine)
        body = gql(client, CREATE, {"input": {"title": "T", "public": True,
                                              "translations": [{"language": "es", "title": "T"}]}}, token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert announcement_count(engine) == before
    finally:
        set_district(engine, **previous)
