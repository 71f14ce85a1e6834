"""The edit paths that reach an attachment without touching its own field (PERM-22, PERM-26…PERM-28,
PERM-49…PERM-51, ANN-20, TRN-04): a translated email, SMS or call text, and a re-post that sends
every attachment again, need the attachment's permission; a refusal is FORBIDDEN and writes nothing."""

from __future__ import annotations

import pytest

from announcement_steps import (
    ONE, UPDATE, clean_announcements, create, staff, parent_profile_id,  # noqa: F401
)
from domain.access.permissions import CATALOGUE, Perm
from domain.support.global_ids import Kind
from factories import add_section, first_school_id
from helpers import gid, gql, set_district
from models.directory import Role

pytestmark = pytest.mark.usefixtures("clean_announcements")

ORIGINAL = {"language": "es", "title": "Hola", "emailSubject": "Asunto", "emailHtmlBody": "<p>Correo</p>",
            "smsText": "Texto", "callText": "Llamada"}


@pytest.fixture
def addons(engine):
    previous = set_district(engine, addon_callout=True, addon_translations=True)
    yield
    set_district(engine, **previous)


def _forbidden(body: dict) -> bool:
    return bool(body.get("errors")) and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _profile(engine) -> str:
    return gid(Kind.PROFILE, parent_profile_id(engine))


def _read(client, token, announcement_id) -> dict:
    return gql(client, ONE, {"id": announcement_id}, token)["data"]["announcement"]


@pytest.mark.parametrize(("part", "perm"), [
    ("emailSubject", Perm.ANNOUNCEMENTS_SEND_EMAILS),
    ("emailHtmlBody", Perm.ANNOUNCEMENTS_SEND_EMAILS),
    ("smsText", Perm.ANNOUNCEMENTS_SEND_SMS),
    ("callText", Perm.ANNOUNCEMENTS_SEND_CALLS),
], ids=["PERM-26-subject", "PERM-26-body", "PERM-27", "PERM-28"])
def test_perm26_perm27_perm28_a_translated_attachment_needs_its_permission(client, engine, addons, part, perm):
    """Covers PERM-26…PERM-28 with TRN-04: an administrator without the attachment's permission may
    not rewrite (or drop) its translation, FORBIDDEN and nothing written; the title's translation
    and a form sent back unchanged still save."""
    holder, _ = staff(engine)
    saved = create(client, holder, title="Hello", profileIds=[_profile(engine)],
                   email={"subject": "S", "htmlBody": "<p>b</p>"}, smsText="Text", callText="Call",
                   translations=[ORIGINAL])
    assert saved["__typename"] == "AnnouncementSaved", saved
    announcement = saved["announcement"]
    token, _ = staff(engine, without=[perm])
    for translations in ([{**ORIGINAL, part: "Reescrito"}], [{**ORIGINAL, part: None}],
                         [ORIGINAL, {"language": "fr", part: "Nouveau"}]):
        body = gql(client, UPDATE, {"id": announcement["id"], "input": {"translations": translations}}, token)
        assert _forbidden(body), body
        assert body["errors"][0]["extensions"]["permission"] == CATALOGUE[perm].label
        assert _read(client, holder, announcement["id"]) == announcement
    kept = gql(client, UPDATE, {"id": announcement["id"], "input": {
        "translations": [{**ORIGINAL, "title": "Saludos"}]}}, token)["data"]["updateAnnouncement"]
    assert kept["__typename"] == "AnnouncementSaved", kept
    assert kept["announcement"]["translations"][0]["title"] == "Saludos"


def test_perm27_a_translated_sms_on_create_needs_the_sms_permission(client, engine, addons):
    """Covers PERM-27 with TRN-04 on create: a translation's SMS text without the SMS permission."""
    token, _ = staff(engine, without=[Perm.ANNOUNCEMENTS_SEND_SMS])
    body = gql(client, """mutation($input: AnnouncementInput!) { createAnnouncement(input: $input, confirm: true)
      { __typename } }""", {"input": {"title": "T", "profileIds": [_profile(engine)],
                                      "translations": [{"language": "es", "smsText": "Hola"}]}}, token)
    assert _forbidden(body)


def test_perm50_a_teacher_without_sms_may_not_rewrite_a_translated_sms(client, engine, addons):
    """Covers PERM-50 with TRN-04: a teacher's class announcement with an SMS (written while the
    teacher held PERM-50) cannot have its translated SMS rewritten once the teacher lacks it."""
    token, teacher = staff(engine, Role.TEACHER, perms=None)
    section = add_section(engine, first_school_id(engine), teacher_ids=[teacher])
    saved = create(client, token, title="Quiz", profileIds=[_profile(engine)], sectionIds=[gid(Kind.SECTION, section)],
                   translations=[{"language": "es", "title": "Examen"}])
    assert saved["__typename"] == "AnnouncementSaved", saved
    body = gql(client, UPDATE, {"id": saved["announcement"]["id"], "input": {
        "translations": [{"language": "es", "title": "Examen", "smsText": "Examen el lunes"}]}}, token)
    assert _forbidden(body) and body["errors"][0]["extensions"]["permission"] == CATALOGUE[Perm.ANNOUNCEMENTS_SEND_SMS].label
    assert _read(client, token, saved["announcement"]["id"]) == saved["announcement"]


@pytest.mark.parametrize(("fields", "perm"), [
    ({"email": {"subject": "S", "htmlBody": "<p>b</p>"}}, Perm.ANNOUNCEMENTS_SEND_EMAILS),
    ({"smsText": "Text"}, Perm.ANNOUNCEMENTS_SEND_SMS),
    ({"callText": "Call"}, Perm.ANNOUNCEMENTS_SEND_CALLS),
    ({"push": True}, Perm.PUSH_NOTIFICATIONS),
], ids=["PERM-26", "PERM-27", "PERM-28", "PERM-22"])
def test_ann20_perm22_perm26_perm27_perm28_repost_needs_each_attachments_permission(client, engine, addons, fields,
                                                                                  perm):
    """Covers ANN-20 with PERM-22 and PERM-26…PERM-28: a re-post sends the announcement's
    attachments again, so without one's permission it is FORBIDDEN and the posting number stays;
    with every permission it re-posts."""
    holder, _ = staff(engine)
    saved = create(client, holder, title="Again", profileIds=[_profile(engine)], **fields)
    assert saved["__typename"] == "AnnouncementSaved", saved
    announcement = saved["announcement"]
    token, _ = staff(engine, without=[perm])
    body = gql(client, UPDATE, {"id": announcement["id"], "input": {}, "repost": True, "confirm": True}, token)
    assert _forbidden(body) and body["errors"][0]["extensions"]["permission"] == CATALOGUE[perm].label
    assert _read(client, holder, announcement["id"]) == announcement
    body = gql(client, UPDATE, {"id": announcement["id"], "input": {}, "repost": True, "confirm": True}, holder)
    assert body["data"]["updateAnnouncement"]["announcement"]["postingNumber"] == announcement["postingNumber"] + 1


def test_perm27_perm28_repost_of_sms_and_call_needs_the_callout_addon(client, engine, addons):
    """Covers PERM-27, PERM-28 (SMS-01, VOI-01): with the callout add-on off, the SMS and call
    permissions lapse, so re-posting an announcement that has them is FORBIDDEN."""
    holder, _ = staff(engine)
    saved = create(client, holder, title="Callout", profileIds=[_profile(engine)], smsText="Text")
    assert saved["__typename"] == "AnnouncementSaved", saved
    previous = set_district(engine, addon_callout=False)
    try:
        body = gql(client, UPDATE, {"id": saved["announcement"]["id"], "input": {}, "repost": True, "confirm": True},
                   holder)
        assert _forbidden(body)
    finally:
        set_district(engine, **previous)
    assert _read(client, holder, saved["announcement"]["id"]) == saved["announcement"]
