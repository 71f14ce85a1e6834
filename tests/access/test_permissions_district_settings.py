"""District against school administration (issue 13 point 5): district-wide settings need the
catalogue's "Communication District Settings" (a district administrator); a school's own setting
needs an administrator of that school, and another school answers like a missing one."""

from __future__ import annotations

from sqlalchemy import select, text

from factories import add_user, email, first_school_id
from helpers import gid, gql, make_user, token_for
from models.caller_ids import CallerId
from models.db import session_scope
from models.directory import District, Role, School, User, UserSchool

SMS_HELP = """mutation($t: String) { setSmsHelpText(text: $t) { __typename ... on SmsHelpText { text }
  ... on SetSmsHelpTextErrors { errors { field code message } } } }"""
SET_DEFAULT = """mutation($s: UserSetting!, $v: Boolean!, $e: Boolean!) {
  setDefaultUserPreference(setting: $s, value: $v, enforced: $e) { setting value enforced } }"""
PUSH_DEFAULT = """mutation($v: Boolean, $s: ID) { setPushByDefault(value: $v, schoolId: $s) { __typename ... on PushByDefault { value }
  ... on SetPushByDefaultErrors { errors { field code message } } } }"""
FLAGGED = """mutation($w: [String!]!) { setFlaggedWords(words: $w) { __typename
  ... on FlaggedWords { words } ... on SetFlaggedWordsErrors { errors { field code message } } } }"""
PERMISSIONS = "{ viewer { permissions { key level requirements } } }"
CALLER_ID = """mutation($input: CallerIdInput!) { createCallerId(input: $input) { __typename
  ... on CallerIdSaved { callerId { id } } } }"""
UPDATE_CALLER_ID = """mutation($id: ID!, $input: CallerIdInput!) { updateCallerId(id: $id, input: $input) {
  __typename } }"""
DELETE_CALLER_ID = "mutation($id: ID!) { deleteCallerId(id: $id) { __typename } }"
FORM = """mutation { setReenrolmentForm(audience: PARENT, title: "Update your number", instructions: "Call us") {
  __typename ... on ReenrolmentForm { title } } }"""


def school_of(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(UserSchool.school_id).join(User, User.id == UserSchool.user_id)
                               .where(User.login == login)).scalar_one()


def district_settings(engine) -> tuple:
    with session_scope(engine) as session:
        district = session.execute(select(District)).scalars().one()
        return (district.sms_help_text, dict(district.user_preference_defaults), district.push_by_default,
                list(district.flagged_words))


def school_push(engine, school_id: int):
    with session_scope(engine) as session:
        return session.get(School, school_id).push_by_default


def forbidden(body: dict) -> bool:
    """A top-level FORBIDDEN error and no result (null data, or a null nullable field)."""
    return not any((body["data"] or {}).values()) and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_sys_05_set_09_a_school_administrator_cannot_change_district_settings(client, engine):
    """Covers SYS-05, SET-09, INB-11 (issue 13 point 5): the seeded principal of school 1 (a School
    Administrator) is FORBIDDEN to change the SMS help text, enforce a district default (such as
    email notifications off for all staff), change the district's push default or its flagged
    words; nothing changes. The district administrator may."""
    principal = token_for(engine, "principal.1")
    before = district_settings(engine)
    assert forbidden(gql(client, SMS_HELP, {"t": "Text STOP. Principal was here."}, principal))
    assert forbidden(gql(client, SET_DEFAULT, {"s": "EMAIL_NOTIFICATIONS_OFF", "v": True, "e": True}, principal))
    assert forbidden(gql(client, PUSH_DEFAULT, {"v": not before[2], "s": None}, principal))
    assert forbidden(gql(client, FLAGGED, {"w": []}, principal))
    assert district_settings(engine) == before
    admin = token_for(engine, "admin")
    try:
        assert gql(client, SMS_HELP, {"t": "Reply STOP to stop."}, admin)["data"]["setSmsHelpText"]["text"] == \
            "Reply STOP to stop."
        assert gql(client, SET_DEFAULT, {"s": "TABLE_VIEW", "v": True, "e": False}, admin)["data"][
            "setDefaultUserPreference"] == {"setting": "TABLE_VIEW", "value": True, "enforced": False}
    finally:
        with session_scope(engine) as session:
            session.execute(District.__table__.update().values(sms_help_text=before[0],
                                                               user_preference_defaults=before[1]))


def test_sys_05_a_school_setting_only_for_the_callers_own_schools(client, engine):
    """Covers SYS-05 (issue 13 point 5): the principal of school 1 sets school 1's push default;
    school 2 answers NOT_FOUND (a field error on schoolId, issue 14 point 5) exactly like a school
    that does not exist (and like school 2's row number as an id of another kind), and is unchanged; a
    teacher of school 1 is FORBIDDEN; the district administrator sets any school's."""
    principal = token_for(engine, "principal.1")
    own, other = school_of(engine, "principal.1"), school_of(engine, "principal.2")
    own_before, other_before = school_push(engine, own), school_push(engine, other)
    try:
        assert gql(client, PUSH_DEFAULT, {"v": True, "s": gid("School", own)}, principal)["data"]["setPushByDefault"]["value"] is True
        assert school_push(engine, own) is True
        foreign = gql(client, PUSH_DEFAULT, {"v": True, "s": gid("School", other)}, principal)
        missing = gql(client, PUSH_DEFAULT, {"v": True, "s": gid("School", 987654)}, principal)
        other_kind = gql(client, PUSH_DEFAULT, {"v": True, "s": gid("Student", other)}, principal)
        assert "errors" not in foreign and "errors" not in missing, (foreign, missing)
        assert other_kind == missing, (other_kind, missing)
        [refused] = foreign["data"]["setPushByDefault"]["errors"]
        assert (refused["field"], refused["code"]) == ("schoolId", "NOT_FOUND"), foreign
        assert foreign["data"] == missing["data"], (foreign, missing)  # word for word, a missing school's answer
        assert school_push(engine, other) == other_before
        teacher = add_user(engine, "TEACHER", school_ids=[own], profile="Teacher", email=email("t"))
        with session_scope(engine) as session:
            teacher_login = session.get(User, teacher).login
        assert forbidden(gql(client, PUSH_DEFAULT, {"v": False, "s": gid("School", own)}, token_for(engine, teacher_login)))
        admin = token_for(engine, "admin")
        assert gql(client, PUSH_DEFAULT, {"v": True, "s": gid("School", other)}, admin)["data"]["setPushByDefault"]["value"] is True
        assert school_push(engine, other) is True
    finally:
        with session_scope(engine) as session:
            session.execute(School.__table__.update().where(School.id == own).values(push_by_default=own_before))
            session.execute(School.__table__.update().where(School.id == other).values(push_by_default=other_before))


def test_the_catalogue_grants_district_settings_to_district_administrators_only(client, engine):
    """Covers SYS-05, SET-09 (issue 13 point 5): "Communication District Settings" is a catalogue
    permission for the ADMIN role, cited with the requirements it enforces; the seeded District
    Administrator profile holds it, the School Administrator profile does not; the SDL of each
    district-wide mutation names it."""
    from domain.access.permissions import CATALOGUE, Perm
    from graph.schema import export_sdl
    from models.directory import PermissionLevel

    spec = CATALOGUE[Perm.DISTRICT_SETTINGS]
    assert spec.label == "Communication District Settings" and dict(spec.levels) == {Role.ADMIN: PermissionLevel.EDIT}
    assert "SYS-05" in spec.requirements and "SET-09" in spec.requirements
    def held(login: str) -> set:
        return {p["key"] for p in gql(client, PERMISSIONS, token=token_for(engine, login))["data"]["viewer"][
            "permissions"]}

    assert "district_settings" in held("admin")
    assert "district_settings" not in held("principal.1") and "send_from_school" in held("principal.1")
    sdl = export_sdl()
    for field in ("setSmsHelpText", "setDefaultUserPreference", "setPushByDefault", "setFlaggedWords",
                  "setReenrolmentForm", "removeReenrolmentForm"):
        description = sdl[:sdl.index(f"  {field}(")].rsplit('"""', 2)[-2]
        assert '"Communication District Settings" (Edit)' in description, field


def test_cid_06_job_06_caller_id_district_default_and_reenrolment_forms_are_district_settings(client, engine):
    """Covers CID-06, JOB-06 (issue 13 point 5): an administrator who manages caller IDs but is no
    district administrator may add a number, but not flag it District Default, nor change or
    delete the district's default number, nor set the district's re-enrolment forms."""
    from domain.access.permissions import Perm

    manager = make_user(engine, Role.ADMIN, without=[Perm.DISTRICT_SETTINGS], school_ids=[first_school_id(engine)])
    plain = {"title": "Gym line", "phone": "+13125550181"}
    assert gql(client, CALLER_ID, {"input": plain}, manager)["data"]["createCallerId"]["__typename"] == \
        "CallerIdSaved"
    assert forbidden(gql(client, CALLER_ID, {"input": {**plain, "districtDefault": True}}, manager))
    with session_scope(engine) as session:
        number = CallerId(title="District line", phone="+13125550182", district_default=True)
        session.add(number)
        session.flush()
        default_id = number.id
    try:
        assert forbidden(gql(client, UPDATE_CALLER_ID, {"id": gid("CallerId", default_id), "input": {
            "title": "Mine now", "phone": "+13125550183"}}, manager))
        assert forbidden(gql(client, DELETE_CALLER_ID, {"id": gid("CallerId", default_id)}, manager))
        with session_scope(engine) as session:
            row = session.get(CallerId, default_id)
            assert (row.title, row.phone, row.district_default) == ("District line", "+13125550182", True)
        assert forbidden(gql(client, FORM, token=manager))
        admin = token_for(engine, "admin")
        assert gql(client, DELETE_CALLER_ID, {"id": gid("CallerId", default_id)}, admin)["data"]["deleteCallerId"] == {"__typename": "CallerIdDeleted"}
    finally:
        with session_scope(engine) as session:
            session.execute(CallerId.__table__.delete().where(CallerId.id == default_id))


def test_migration_0023_grants_district_settings_to_district_administrator_profiles(tmp_path):
    """Covers SYS-05, RCP-22 (issue 13 points 1 and 5): upgrading a database whose profiles predate
    the two new permissions grants "Communication District Settings" to the District Administrator
    profile only, and "Send to Outside Addresses" to staff profiles that hold Send Messages (never
    to parents or students); the downgrade takes both back."""
    from homeroom.migrate import downgrade, upgrade
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'grants.db'}"
    upgrade(url, "0022")
    engine = make_engine(url)
    profiles = [("District Administrator", "ADMIN"), ("School Administrator", "ADMIN"), ("Teacher", "TEACHER"),
                ("Teacher (read only)", "TEACHER"), ("Parent", "PARENT")]
    with engine.begin() as connection:
        for number, (name, role) in enumerate(profiles, 1):
            connection.execute(text("INSERT INTO profile (id, name, role) VALUES (:i, :n, :r)"),
                               {"i": number, "n": name, "r": role})
            permissions = ["communication"] + (["send_messages"] if name != "Teacher (read only)" else [])
            for permission in permissions:
                connection.execute(text("INSERT INTO profile_grant VALUES (:i, :p, 'EDIT')"),
                                   {"i": number, "p": permission})

    def grants() -> set:
        with engine.connect() as connection:
            return set(connection.execute(text(
                "SELECT p.name, g.permission FROM profile_grant g JOIN profile p ON p.id = g.profile_id "
                "WHERE g.permission IN ('district_settings', 'outside_recipients')")).all())

    upgrade(url)
    assert grants() == {("District Administrator", "district_settings"), ("District Administrator",
                        "outside_recipients"), ("School Administrator", "outside_recipients"),
                        ("Teacher", "outside_recipients")}
    downgrade(url, "0022")
    assert grants() == set()
    engine.dispose()
