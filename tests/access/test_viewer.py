"""viewer: profiles, effective permissions and compose capabilities."""

from __future__ import annotations

from domain.access.permissions import Perm
from helpers import gql, make_user, set_district, token_for
from models.directory import Role

VIEWER = """{ viewer { login role profiles { name role } addons
  permissions { key level requirements }
  compose { canSend recipientTypes channels canSendToStaff canSendAsDistrict canSendAsSchool
            canMarkPriority canSendEmergency pushByDefault } } }"""


def test_admin_sees_every_compose_option(client, engine):
    viewer = gql(client, VIEWER, token=token_for(engine, "admin"))["data"]["viewer"]
    assert viewer["profiles"] == [{"name": "District Administrator", "role": "ADMIN"}]
    compose = viewer["compose"]
    assert compose["canSend"] and compose["canSendAsDistrict"] and compose["canSendEmergency"]
    assert set(compose["channels"]) == {"EMAIL", "SMS", "VOICE", "PUSH"}
    assert set(compose["recipientTypes"]) == {  # RCP-01: every type, for a holder of every permission
        "STUDENTS", "STUDENT_PERSONAL", "PRIMARY_CONTACTS", "ALL_CONTACTS", "ONCE_PER_FAMILY", "TEACHERS_OF",
        "STUDENTS_AND_ALL_CONTACTS", "STUDENTS_AND_PRIMARY_CONTACTS"}


def test_perm_02_missing_permissions_are_absent_from_compose(client, engine):
    """Covers PERM-02, PERM-47: a teacher without SMS or push sees neither; no admin-only options."""
    token = make_user(engine, Role.TEACHER, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES, Perm.SEND_TO_STUDENT])
    compose = gql(client, VIEWER, token=token)["data"]["viewer"]["compose"]
    assert compose["channels"] == ["EMAIL"]
    assert compose["recipientTypes"] == ["STUDENTS"]
    assert not any(compose[k] for k in ("canSendToStaff", "canSendAsDistrict", "canMarkPriority", "canSendEmergency"))


def test_perm_09_without_send_messages_nothing_can_be_sent(client, engine):
    """Covers PERM-09, PERM-06."""
    token = make_user(engine, Role.ADMIN, perms=[Perm.COMMUNICATION, Perm.SEND_TO_STUDENT])
    compose = gql(client, VIEWER, token=token)["data"]["viewer"]["compose"]
    assert compose["canSend"] is False and compose["recipientTypes"] == [] and compose["channels"] == []


def test_perm_01_any_one_profile_grants_a_permission(client, engine, db):
    """Covers PERM-01: a second profile adds its grants to the first."""
    from sqlalchemy import insert, select

    from models.directory import Profile, User, UserProfile

    token = make_user(engine, Role.ADMIN, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES])
    login = gql(client, VIEWER, token=token)["data"]["viewer"]["login"]
    user_id = db.execute(select(User.id).where(User.login == login)).scalar_one()
    district_admin = db.execute(select(Profile.id).where(Profile.name == "District Administrator")).scalar_one()
    db.execute(insert(UserProfile), [{"user_id": user_id, "profile_id": district_admin}])
    db.commit()
    viewer = gql(client, VIEWER, token=token)["data"]["viewer"]
    assert len(viewer["profiles"]) == 2
    assert {"key": "send_as_priority", "level": "EDIT", "requirements": ["PERM-12"]} in viewer["permissions"]


def test_perm_03_addon_off_hides_callout_channels(client, engine):
    """Covers PERM-03, CMP-09: callout off removes SMS/VOICE; push default follows the preference."""
    previous = set_district(engine, addon_callout=False, push_by_default=True)
    try:
        viewer = gql(client, VIEWER, token=token_for(engine, "admin"))["data"]["viewer"]
        assert set(viewer["compose"]["channels"]) == {"EMAIL", "PUSH"}
        assert "callout" not in viewer["addons"]
        assert viewer["compose"]["pushByDefault"] is True
        assert not any(p["key"] in ("send_sms", "phone_calls") for p in viewer["permissions"])
    finally:
        set_district(engine, **previous)
