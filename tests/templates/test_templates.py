"""Templates over GraphQL: every field, sharing, publishing, the list, deleting (TPL-01…TPL-05,
TPL-12, TPL-13, TPL-15, PERM-30…PERM-33, CMP-03, SMS-01, VOI-01)."""

from __future__ import annotations

from sqlalchemy import func, select

from factories import add_school, unique
from helpers import gid, gql, pk_of, set_district
from domain.access.permissions import Perm
from domain.templates import references
from models.db import session_scope
from models.directory import Role
from models.templates import MessageTemplate, MessageTemplateProfile
from template_steps import (
    CREATE, DELETE, TEMPLATE, TEMPLATES, UPDATE, USE, create, errors_of, forbidden, letterhead, profile_of, staff, user_id,
)




def template_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(MessageTemplate)).scalar_one()


def test_tpl_01_a_template_holds_every_field_and_reads_back(client, engine):
    """TPL-01, SMS-01, VOI-01, CMP-03: title, letterhead, profiles, schools, tab, academic record
    (docmgmt), secure, priority, Add Log Record and push, subject, body, SMS and call."""
    previous = set_district(engine, addon_docmgmt=True)
    try:
        school = add_school(engine)
        admin, login = staff(engine)
        head = letterhead(engine, "COMMUNICATION", "FORMS")
        template = create(client, admin, title="Field trip permission", subject="Field trip on {{student.first_name}}",
                          htmlBody="<p>Dear family of {{student.full_name}}</p>", smsText="Trip form due Friday",
                          callText="Please return the trip form", letterheadId=gid("Letterhead", head),
                          academicRecordCategory="Correspondence", secure=True, priority=True, addLogRecord=True,
                          push=True, profileIds=[gid("Profile", profile_of(engine, login))],
                          schoolIds=[gid("School", school)], tabTarget="ATTENDANCE")
    finally:
        set_district(engine, **previous)
    assert template["title"] == "Field trip permission"
    assert template["subject"] == "Field trip on {{student.first_name}}"
    assert template["smsText"] == "Trip form due Friday" and template["callText"] == "Please return the trip form"
    assert template["letterhead"]["id"] == gid("Letterhead", head)
    assert template["academicRecordCategory"] == "Correspondence" and template["tabTarget"] == "ATTENDANCE"
    assert template["secure"] and template["priority"] and template["addLogRecord"] and template["push"]
    assert [p["id"] for p in template["profiles"]] == [gid("Profile", profile_of(engine, login))]
    assert [s["id"] for s in template["schools"]] == [gid("School", school)]
    assert template["author"]["id"] == gid("User", user_id(engine, login))
    assert template["canEdit"] and template["canPublish"]
    assert gql(client, TEMPLATE, {"id": template["id"]}, admin)["data"]["template"] == template


def test_tpl_01_bad_fields_are_refused_each_with_its_path_and_nothing_is_written(client, engine):
    """TPL-01 (title required), CMP-03 (a letterhead not for Communication), CMP-25 (unknown insert
    field), SMS-04 (over the limit): every problem at once, nothing written."""
    admin, _ = staff(engine)
    report_cards = letterhead(engine, "REPORT_CARDS")
    before = template_count(engine)
    body = gql(client, CREATE, {"input": {"title": "  ", "htmlBody": "<p>{{student.shoe_size}}</p>",
                                          "letterheadId": gid("Letterhead", report_cards), "smsText": "x" * 400}}, admin)
    problems = {(e["field"], e["code"]) for e in errors_of(body, "createTemplate")}
    assert problems == {("title", "REQUIRED"), ("htmlBody", "UNKNOWN_FIELD"), ("letterheadId", "INVALID"),
                        ("smsText", "TOO_LONG")}
    body = gql(client, CREATE, {"input": {"title": "No body", "htmlBody": "<p> </p>"}}, admin)
    assert {(e["field"], e["code"]) for e in errors_of(body, "createTemplate")} == {("htmlBody", "REQUIRED")}
    assert template_count(engine) == before


def test_tpl_02_perm_30_perm_31_a_private_template_is_its_authors_and_others_holders(client, engine):
    """TPL-02: no profiles, private: another teacher neither sees, uses, changes nor deletes it (each
    answers like a missing id). PERM-30: "Templates Created by Others" at View sees and uses it;
    PERM-31: only at Edit changes it."""
    author, _ = staff(engine, Role.TEACHER)
    template = create(client, author, title=unique("Private "))
    other, _ = staff(engine, Role.TEACHER)
    assert gql(client, TEMPLATE, {"id": template["id"]}, other)["data"]["template"] is None
    titles = [e["node"]["title"] for e in gql(client, TEMPLATES, {"title": template["title"]}, other)
              ["data"]["templates"]["edges"]]
    assert titles == []
    for body, mutation in ((gql(client, USE, {"id": template["id"]}, other), "useTemplate"),
                           (gql(client, UPDATE, {"id": template["id"], "input": {"title": "Mine"}}, other),
                            "updateTemplate"),
                           (gql(client, DELETE, {"id": template["id"]}, other), "deleteTemplate")):
        assert [(e["field"], e["code"]) for e in errors_of(body, mutation)] in ([("id", "NOT_FOUND")],
                                                                                [("templateId", "NOT_FOUND")])
    viewer, _ = staff(engine, view_only=[Perm.TEMPLATES_CREATED_BY_OTHERS])
    seen = gql(client, TEMPLATE, {"id": template["id"]}, viewer)["data"]["template"]
    assert seen["title"] == template["title"] and seen["canEdit"] is False
    assert gql(client, USE, {"id": template["id"]}, viewer)["data"]["useTemplate"]["__typename"] == "TemplateUsed"
    assert forbidden(gql(client, UPDATE, {"id": template["id"], "input": {"title": "Renamed"}}, viewer))
    assert forbidden(gql(client, DELETE, {"id": template["id"]}, viewer))
    editor, _ = staff(engine)  # every administrator permission at Edit
    renamed = gql(client, UPDATE, {"id": template["id"], "input": {"title": "Renamed by the office"}}, editor)
    assert renamed["data"]["updateTemplate"]["template"]["title"] == "Renamed by the office"
    assert gql(client, TEMPLATE, {"id": template["id"]}, author)["data"]["template"]["title"] == "Renamed by the office"


def test_tpl_03_a_shared_template_reaches_its_profiles_at_its_schools(client, engine):
    """TPL-03: shared with a profile, it is visible to and usable by that profile's holders at one of
    its schools; no schools selected means every school."""
    school, elsewhere = add_school(engine), add_school(engine)
    holder, holder_login = staff(engine, Role.TEACHER, school_ids=[school])
    profile = gid("Profile", profile_of(engine, holder_login))
    admin, _ = staff(engine)
    at_school = create(client, admin, title=unique("Shared "), profileIds=[profile], schoolIds=[gid("School", school)])
    at_other = create(client, admin, title=unique("Shared "), profileIds=[profile],
                      schoolIds=[gid("School", elsewhere)])
    everywhere = create(client, admin, title=unique("Shared "), profileIds=[profile])
    private = create(client, admin, title=unique("Office only "))
    visible = {t["id"]: gql(client, TEMPLATE, {"id": t["id"]}, holder)["data"]["template"] is not None
               for t in (at_school, at_other, everywhere, private)}
    assert visible == {at_school["id"]: True, at_other["id"]: False, everywhere["id"]: True, private["id"]: False}
    used = gql(client, USE, {"id": everywhere["id"]}, holder)["data"]["useTemplate"]
    assert used["__typename"] == "TemplateUsed"
    not_holder, _ = staff(engine, Role.TEACHER, school_ids=[school])
    assert gql(client, TEMPLATE, {"id": at_school["id"]}, not_holder)["data"]["template"] is None


def test_perm_33_publishing_fields_need_publish_templates_and_nothing_is_written(client, engine):
    """PERM-33: profiles, schools and the tab need "Publish Templates" on one's own template too;
    without it the request is refused as an authorization error and writes nothing."""
    teacher, login = staff(engine, Role.TEACHER)
    before = template_count(engine)
    for field, value in (("profileIds", [gid("Profile", profile_of(engine, login))]), ("tabTarget", "GRADES")):
        body = gql(client, CREATE, {"input": {"title": "Mine", "htmlBody": "<p>x</p>", field: value}}, teacher)
        assert forbidden(body), body
        assert body["errors"][0]["extensions"]["permission"] == "Publish Templates"
    assert template_count(engine) == before
    own = create(client, teacher)
    assert own["canPublish"] is False
    assert forbidden(gql(client, UPDATE, {"id": own["id"], "input": {"tabTarget": "GRADES"}}, teacher))
    with session_scope(engine) as session:
        assert session.get(MessageTemplate, pk_of(own["id"])).tab_target is None


def test_perm_32_a_publisher_changes_only_the_publishing_fields_of_anothers_template(client, engine):
    """PERM-32, TPL-04: without "Templates Created by Others" (Edit), another user's template is
    read-only except its profiles, schools and tab, which "Publish Templates" may set."""
    author, _ = staff(engine, Role.TEACHER)
    template = create(client, author)
    publisher, publisher_login = staff(engine, view_only=[Perm.TEMPLATES_CREATED_BY_OTHERS])
    profile = gid("Profile", profile_of(engine, publisher_login))
    published = gql(client, UPDATE, {"id": template["id"], "input": {"profileIds": [profile],
                                                                      "tabTarget": "SCHEDULE"}}, publisher)
    assert published["data"]["updateTemplate"]["template"]["tabTarget"] == "SCHEDULE", published
    assert forbidden(gql(client, UPDATE, {"id": template["id"], "input": {"title": "Not yours"}}, publisher))
    # The same title sent back unchanged is no change (an edit form that sends every field).
    same = gql(client, UPDATE, {"id": template["id"], "input": {"title": template["title"], "tabTarget": "GRADES"}},
               publisher)
    assert same["data"]["updateTemplate"]["template"]["tabTarget"] == "GRADES", same
    with session_scope(engine) as session:
        assert session.execute(select(MessageTemplateProfile.profile_id).where(
            MessageTemplateProfile.template_id == pk_of(template["id"]))).scalars().all() == [pk_of(profile)]


def test_sms_01_voi_01_a_templates_sms_and_call_need_their_permissions(client, engine):
    """SMS-01, VOI-01 (the template half): an SMS needs "Send SMS", a call "Phone Calls"."""
    no_sms, _ = staff(engine, Role.TEACHER, without=[Perm.SEND_SMS, Perm.PHONE_CALLS])
    for field in ("smsText", "callText"):
        assert forbidden(gql(client, CREATE, {"input": {"title": "T", "htmlBody": "<p>x</p>", field: "Hi"}}, no_sms))
    teacher, _ = staff(engine, Role.TEACHER)
    assert create(client, teacher, smsText="Hi", callText="Hello")["smsText"] == "Hi"


def test_tpl_12_tpl_13_the_list_filters_by_title_and_shows_its_columns(client, engine):
    """TPL-12, TPL-13: own and others' templates (with "Templates Created by Others"), filtered by a
    title substring in any case, each with profiles, schools, tab, letterhead, category and creator,
    paged by title."""
    marker = unique("Bus-")
    teacher, _ = staff(engine, Role.TEACHER)
    create(client, teacher, title=f"{marker} route change")
    admin, login = staff(engine)
    head = letterhead(engine, "COMMUNICATION")
    create(client, admin, title=f"{marker} DELAY notice", letterheadId=gid("Letterhead", head), tabTarget="GENERAL",
           profileIds=[gid("Profile", profile_of(engine, login))])
    create(client, admin, title=unique("Lunch menu "))
    listed = gql(client, TEMPLATES, {"title": marker.lower()}, admin)["data"]["templates"]
    assert listed["totalCount"] == 2
    first, second = (edge["node"] for edge in listed["edges"])
    assert (first["title"], second["title"]) == (f"{marker} DELAY notice", f"{marker} route change")
    assert first["tabTarget"] == "GENERAL" and first["letterhead"]["name"].startswith("Letterhead ")
    assert first["profiles"] and first["author"]["name"] == f"Test {login}"
    page = gql(client, TEMPLATES, {"title": marker, "first": 1}, admin)["data"]["templates"]
    assert page["pageInfo"]["hasNextPage"]
    rest = gql(client, TEMPLATES, {"title": marker, "first": 1, "after": page["pageInfo"]["endCursor"]}, admin)
    assert [e["node"]["title"] for e in rest["data"]["templates"]["edges"]] == [f"{marker} route change"]
    assert [e["node"]["title"] for e in gql(client, TEMPLATES, {"title": marker}, teacher)
            ["data"]["templates"]["edges"]] == [f"{marker} route change"]


def test_tpl_05_the_schools_offered_are_yours_in_the_districts_order(client, engine):
    """TPL-05: the caller's schools, by sort order and then by name; another school is refused."""
    first, second, other = add_school(engine), add_school(engine), add_school(engine)
    admin, _ = staff(engine, school_ids=[second, first])
    schools = gql(client, "{ templateSchools { id name sortOrder } }", None, admin)["data"]["templateSchools"]
    assert {s["id"] for s in schools} == {gid("School", first), gid("School", second)}
    assert schools == sorted(schools, key=lambda s: (s["sortOrder"], s["name"]))
    body = gql(client, CREATE, {"input": {"title": "T", "htmlBody": "<p>x</p>", "schoolIds": [gid("School", other)]}},
               admin)
    assert [(e["field"], e["code"]) for e in errors_of(body, "createTemplate")] == [("schoolIds.0", "NOT_FOUND")]


def test_tpl_06_tpl_07_tpl_08_a_tab_offers_its_templates_to_print(client, engine):
    """TPL-06: a template attached to a tab is offered there to print (a feature target takes it
    instead); TPL-07: emailing it needs "Send Messages"; TPL-08: never to linked users."""
    admin, login = staff(engine)
    profile = gid("Profile", profile_of(engine, login))
    on_tab = create(client, admin, title=unique("Tardy letter "), tabTarget="DISCIPLINE", profileIds=[profile])
    create(client, admin, title=unique("Checkout form "), tabTarget="ASSET_CHECKOUT")
    query = """query($tab: TabTarget!) { tabTemplates(tab: $tab) { edges { node { printable emailable
      emailableToLinkedUsers template { id tabTarget } } } } }"""
    offered = [e["node"] for e in gql(client, query, {"tab": "DISCIPLINE"}, admin)["data"]["tabTemplates"]["edges"]]
    mine = next(node for node in offered if node["template"]["id"] == on_tab["id"])
    assert (mine["printable"], mine["emailable"], mine["emailableToLinkedUsers"]) == (True, True, False)
    assert all(node["template"]["tabTarget"] == "DISCIPLINE" for node in offered)
    feature = gql(client, query, {"tab": "ASSET_CHECKOUT"}, admin)["data"]["tabTemplates"]["edges"]
    assert feature and all(not e["node"]["printable"] for e in feature)


def test_tpl_15_tpl_09_a_template_in_use_is_not_deleted_until_nothing_uses_it(client, engine):
    """TPL-15 (and TPL-09's workflow triggers, which would register the same way): a feature that keeps
    a template by id registers a referrer; deleting is refused naming it, then allowed once it lets go."""
    admin, _ = staff(engine)
    template = create(client, admin)
    used_by = {pk_of(template["id"])}
    references.register("attendance thresholds", lambda session, template_id: [
        "attendance threshold 'Three absences'"] if template_id in used_by else [])
    try:
        refused = errors_of(gql(client, DELETE, {"id": template["id"]}, admin), "deleteTemplate")
        assert [(e["field"], e["code"]) for e in refused] == [("id", "IN_USE")]
        assert "attendance threshold 'Three absences'" in refused[0]["message"]
        assert gql(client, TEMPLATE, {"id": template["id"]}, admin)["data"]["template"] is not None
        used_by.clear()
        deleted = gql(client, DELETE, {"id": template["id"]}, admin)["data"]["deleteTemplate"]
        assert deleted == {"__typename": "TemplateDeleted", "id": template["id"]}
    finally:
        references.unregister("attendance thresholds")
    assert gql(client, TEMPLATE, {"id": template["id"]}, admin)["data"]["template"] is None


def test_tpl_11_templates_are_for_staff_who_send_messages(client, engine):
    """TPL-11: without "Send Messages" (and for families) templates are refused as authorization errors."""
    reader, _ = staff(engine, Role.TEACHER, perms=[Perm.COMMUNICATION])
    assert forbidden(gql(client, TEMPLATES, {}, reader))
    assert forbidden(gql(client, CREATE, {"input": {"title": "T", "htmlBody": "<p>x</p>"}}, reader))
    from helpers import token_for
    parent = token_for(engine, "parent.1")
    assert forbidden(gql(client, TEMPLATES, {}, parent))
