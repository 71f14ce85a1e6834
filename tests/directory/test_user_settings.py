"""User settings (SET-03..SET-06), the district's enforced defaults (SET-09), push to app users
(CMP-08) and the push default of the sender's school (CMP-09, SYS-05), through GraphQL and on to
what a real SMTP server and a real Web Push receiver get."""

from __future__ import annotations

import contextlib

from sqlalchemy import select, update

from channels.base import ChannelKind
from channels.registry import ChannelRegistry
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from domain.conversations.threads.recipient_thread import sent_thread
from domain.support.keyset import Window
from factories import add_contact, add_school, add_student, add_user, email, first_school_id
from helpers import gid, gql, make_user, pk_of, set_district, token_for
from homeroom.auth import mint_token
from homeroom.settings import get_settings
from jobs.runtime import current
from models.db import session_scope
from models.directory import Role, School, User
from models.messaging import Delivery, Message, RecipientKind
from peers.push_service import b64url, plugin
from resolve import request, resolve, viewer_for

SETTINGS = """{ viewer { settings { pushAllMessages { value chosen enforcedByDistrict }
  emailNotificationsOff { value chosen enforcedByDistrict } allowReplyByDefault { value chosen enforcedByDistrict }
  tableView { value chosen enforcedByDistrict } } } }"""
UPDATE = """mutation($input: MySettingsInput!) { updateMySettings(input: $input) { __typename
  ... on MySettings { pushAllMessages { value chosen } tableView { value chosen enforcedByDistrict } }
  ... on UpdateMySettingsErrors { errors { field code message } } } }"""
SET_DEFAULT = """mutation($s: UserSetting!, $v: Boolean!, $e: Boolean!) {
  setDefaultUserPreference(setting: $s, value: $v, enforced: $e) { setting value enforced } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code } } } }"""


def token_of(engine, user_id: int) -> str:
    with session_scope(engine) as session:
        login = session.get(User, user_id).login
    return mint_token(get_settings(), user_id=user_id, login=login)


@contextlib.contextmanager
def district_defaults(engine, **defaults):
    """Give the district these default user preferences for the block, then restore them."""
    previous = set_district(engine, user_preference_defaults={
        name: {"value": value, "enforced": enforced} for name, (value, enforced) in defaults.items()})
    try:
        yield
    finally:
        set_district(engine, **previous)


def test_set_03_set_04_set_05_set_06_users_read_and_change_their_settings(client, engine):
    """Covers SET-03, SET-04, SET-05, SET-06: each setting is stored per user and returned; a user
    who never chose follows the district's default; null goes back to following it."""
    token = make_user(engine, Role.TEACHER)
    settings = gql(client, SETTINGS, token=token)["data"]["viewer"]["settings"]
    assert all(s == {"value": False, "chosen": None, "enforcedByDistrict": False} for s in settings.values())
    changed = gql(client, UPDATE, {"input": {"pushAllMessages": True, "tableView": True}}, token)
    assert changed["data"]["updateMySettings"]["pushAllMessages"] == {"value": True, "chosen": True}
    with district_defaults(engine, table_view=(True, False), email_notifications_off=(True, False)):
        gql(client, UPDATE, {"input": {"tableView": None, "emailNotificationsOff": False}}, token)
        settings = gql(client, SETTINGS, token=token)["data"]["viewer"]["settings"]
        assert settings["tableView"] == {"value": True, "chosen": None, "enforcedByDistrict": False}
        assert settings["emailNotificationsOff"] == {"value": False, "chosen": False, "enforcedByDistrict": False}
        assert settings["pushAllMessages"]["value"] is True  # untouched by the second update
    other = make_user(engine, Role.TEACHER)
    assert gql(client, SETTINGS, token=other)["data"]["viewer"]["settings"]["tableView"]["value"] is False


def test_set_09_enforced_defaults_override_users_and_cannot_be_changed(client, engine):
    """Covers SET-09: an administrator enforces a default; it overrides the user's own choice, a
    change is refused with ENFORCED_BY_DISTRICT and writes nothing; only administrators set them."""
    teacher = make_user(engine, Role.TEACHER)
    admin = token_for(engine, "admin")
    gql(client, UPDATE, {"input": {"tableView": False}}, teacher)
    denied = gql(client, SET_DEFAULT, {"s": "TABLE_VIEW", "v": True, "e": True}, teacher)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    with session_scope(engine) as session:
        from models.directory import District

        assert session.execute(select(District.user_preference_defaults)).scalar_one() == {}
    try:
        made = gql(client, SET_DEFAULT, {"s": "TABLE_VIEW", "v": True, "e": True}, admin)["data"]
        assert made["setDefaultUserPreference"] == {"setting": "TABLE_VIEW", "value": True, "enforced": True}
        shown = gql(client, SETTINGS, token=teacher)["data"]["viewer"]["settings"]["tableView"]
        assert shown == {"value": True, "chosen": False, "enforcedByDistrict": True}
        refused = gql(client, UPDATE, {"input": {"tableView": False, "pushAllMessages": True}}, teacher)
        assert refused["data"]["updateMySettings"]["errors"] == [{
            "field": "input.tableView", "code": "ENFORCED_BY_DISTRICT",
            "message": "The district sets this for everyone; it cannot be changed."}]
        after = gql(client, SETTINGS, token=teacher)["data"]["viewer"]["settings"]
        assert after["pushAllMessages"]["chosen"] is None  # the valid half was not written either
        listed = gql(client, "{ defaultUserPreferences { setting value enforced } }", token=teacher)["data"]
        assert {"setting": "TABLE_VIEW", "value": True, "enforced": True} in listed["defaultUserPreferences"]
    finally:
        set_district(engine, user_preference_defaults={})


def test_set_05_no_email_about_new_messages_but_the_message_still_reaches_them(engine, mailbox):  # noqa: F811
    """Covers SET-05, SET-09: a parent and a colleague who turned email notifications off get no
    email (OPTED_OUT, nothing reaches the SMTP server) while the message is still theirs in the
    conversation and their in-app inbox (INAPP DELIVERED); the district enforcing the setting stops
    email to everyone, never the inbox."""
    parent = add_user(engine, "PARENT", profile="Parent", email=email("parent"), email_notifications_off=True)
    kid = add_student(engine, first_school_id(engine))
    contact = add_contact(engine, kid, custodial=True, user_id=parent, email=email("card"))
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                         email=email("colleague"), email_notifications_off=True)
    listening = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                         email=email("listening"))
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", [kid], staff_ids=(colleague, listening)))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
    for chunk in chunks:
        dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: mailbox.plugin}), chunk, current().delivery)
    with session_scope(engine) as session:
        statuses = {(kind, who): status for kind, who, status in session.execute(
            select(Delivery.recipient_kind, Delivery.recipient_id, Delivery.status).where(
                Delivery.message_id == message.id, Delivery.channel == "EMAIL"))}
        in_app = {(kind, who): status for kind, who, status in session.execute(
            select(Delivery.recipient_kind, Delivery.recipient_id, Delivery.status).where(
                Delivery.message_id == message.id, Delivery.channel == "INAPP"))}
        thread = sent_thread(session, message.sender_id, RecipientKind.USER, colleague).page(session, Window(size=5))
    assert {status for (kind, who), status in statuses.items() if (kind, who) != ("USER", listening)} == {
        "OPTED_OUT"} and len(statuses) == 3 and statuses[("USER", listening)] == "SENT"
    assert [recipients for recipients, _ in mailbox.received] == [[f"{_email_of(engine, listening)}"]]
    assert in_app == {(kind, who): "DELIVERED" for kind, who in statuses if kind == "USER"} | {
        ("CONTACT", contact): "DELIVERED"}
    assert [entry.message.id for entry in thread.rows] == [message.id]  # still in the conversation
    with district_defaults(engine, email_notifications_off=(True, True)):
        rows, _ = resolve(engine, "admin", staff_ids=(listening,))
    assert sorted((row["channel"], row["status"]) for row in rows) == [("EMAIL", "OPTED_OUT"), ("INAPP", "DELIVERED")]


def _email_of(engine, user_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(User, user_id).email


def _register_browser(client, engine, push_service, user_id: int, name: str):
    browser = push_service.browser(name)
    result = gql(client, """mutation($input: PushSubscriptionInput!) { registerPushSubscription(input: $input) {
        __typename } }""", {"input": {"endpoint": browser.endpoint, "p256dh": browser.p256dh,
                                      "auth": b64url(browser.auth)}}, token_of(engine, user_id))
    assert result["data"]["registerPushSubscription"]["__typename"] == "PushSubscriptionRegistered"


def test_cmp_08_set_04_push_reaches_app_users_and_those_who_opted_in_for_all(client, engine, push_service):
    """Covers CMP-08, SET-04: a message that asks for push reaches only recipients with the app; an
    email-only message still pushes to an app user who opted in to push for every message, and to
    nobody else. What arrives is VAPID-signed, decrypted by the receiver, and carries no content."""
    school = first_school_id(engine)
    staff_of_school = dict(school_ids=[school], profile="Teacher")
    opted_in = add_user(engine, "TEACHER", **staff_of_school, email=email("in"), push_all_messages=True)
    app_only = add_user(engine, "TEACHER", **staff_of_school, email=email("app"))
    no_app = add_user(engine, "TEACHER", **staff_of_school, email=email("none"), push_all_messages=True)
    _register_browser(client, engine, push_service, opted_in, "opted-in")
    _register_browser(client, engine, push_service, app_only, "app-only")
    staff = (opted_in, app_only, no_app)

    def send(channels):
        with session_scope(engine) as session:
            message = create_message(session, viewer_for(session, "admin"), request(
                channels=channels, staff_ids=staff, subject="Picture day moved"))
            fan_out(session, message.id)
            chunks = queued_delivery_chunks(session, message.id, 500)
            pushes = dict(session.execute(select(Delivery.recipient_id, Delivery.status).where(
                Delivery.message_id == message.id, Delivery.channel == "PUSH")).all())
        registry = ChannelRegistry({ChannelKind.PUSH: plugin(), ChannelKind.EMAIL: current().registry.for_kind(
            ChannelKind.EMAIL)})
        for chunk in chunks:
            dispatch_deliveries(engine, registry, chunk, current().delivery)
        return pushes

    assert send(("PUSH",)) == {opted_in: "QUEUED", app_only: "QUEUED"}  # CMP-08: no_app has no push row
    assert sorted(r["name"] for r in push_service.received) == ["app-only", "opted-in"]
    push_service.received.clear()
    assert send(("EMAIL",)) == {opted_in: "QUEUED"}  # SET-04
    [received] = push_service.received
    assert received["name"] == "opted-in" and "Picture" not in str(received["payload"])
    with district_defaults(engine, push_all_messages=(False, True)):  # SET-09: enforced off
        push_service.received.clear()
        assert send(("EMAIL",)) == {}


def test_cmp_09_sys_05_push_defaults_from_the_senders_school(client, engine):
    """Covers CMP-09, SYS-05: with the current school's "push with every message by default" on, a
    holder of the push permission sees pushByDefault and a message that leaves push unsaid asks
    for it; push false leaves it off; without the permission the default is off; a school that
    does not set it follows the district's default school preferences."""
    school = add_school(engine)
    sender = make_user(engine, Role.TEACHER, school_ids=[school])
    no_push = make_user(engine, Role.TEACHER, school_ids=[school], without=[_push_perm()])
    admin = token_for(engine, "admin")
    compose = "{ viewer { compose { pushByDefault } } }"
    mutation = """mutation($v: Boolean, $s: ID) { setPushByDefault(value: $v, schoolId: $s) { __typename ... on PushByDefault { value }
  ... on SetPushByDefaultErrors { errors { field code message } } } }"""
    denied = gql(client, mutation, {"v": True, "s": gid("School", school)}, sender)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert gql(client, compose, token=sender)["data"]["viewer"]["compose"]["pushByDefault"] is False
    previous = set_district(engine, push_by_default=False)
    try:
        assert gql(client, mutation, {"v": True, "s": gid("School", school)}, admin)["data"]["setPushByDefault"]["value"] is True
        assert gql(client, compose, token=sender)["data"]["viewer"]["compose"]["pushByDefault"] is True
        assert gql(client, compose, token=no_push)["data"]["viewer"]["compose"]["pushByDefault"] is False
        colleague = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email("c"))
        base = {"subject": "Bus", "htmlBody": "<p>Late bus</p>", "channels": ["EMAIL"], "staffIds": [gid("User", colleague)]}
        channels = {}
        for name, token, extra in (("default", sender, {}), ("off", sender, {"push": False}),
                                   ("no permission", no_push, {})):
            sent = gql(client, SEND, {"input": {**base, **extra}}, token)["data"]["sendMessage"]
            assert sent["__typename"] == "SendMessageSuccess", sent
            with session_scope(engine) as session:
                channels[name] = session.get(Message, pk_of(sent["message"]["id"])).channels
        assert channels == {"default": ["EMAIL", "PUSH"], "off": ["EMAIL"], "no permission": ["EMAIL"]}
        conflict = gql(client, SEND, {"input": {**base, "channels": ["EMAIL", "PUSH"], "push": False}}, sender)
        assert conflict["data"]["sendMessage"]["errors"] == [{"field": "input.push", "code": "CONFLICT"}]
        # The school follows the district again (null); the district's default is off, then on.
        gql(client, mutation, {"v": None, "s": gid("School", school)}, admin)
        assert gql(client, compose, token=sender)["data"]["viewer"]["compose"]["pushByDefault"] is False
        gql(client, mutation, {"v": True, "s": None}, admin)
        assert gql(client, compose, token=sender)["data"]["viewer"]["compose"]["pushByDefault"] is True
    finally:
        set_district(engine, **previous)
        with session_scope(engine) as session:
            session.execute(update(School).where(School.id == school).values(push_by_default=None))


def _push_perm():
    from domain.access.permissions import Perm

    return Perm.PUSH_NOTIFICATIONS


def test_set_06_allow_reply_defaults_from_the_senders_setting(client, engine):
    """Covers SET-06, CMP-16: with "allow reply by default" on, a message that leaves allowReply
    unsaid allows replies; false turns it off for that message; send as district forces it off."""
    sender = make_user(engine, Role.ADMIN)
    gql(client, UPDATE, {"input": {"allowReplyByDefault": True}}, sender)
    compose = gql(client, "{ viewer { compose { allowReplyByDefault } } }", token=sender)["data"]
    assert compose["viewer"]["compose"]["allowReplyByDefault"] is True
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                         email=email("c"))
    base = {"subject": "Trip", "htmlBody": "<p>Forms due</p>", "channels": ["EMAIL"], "staffIds": [gid("User", colleague)]}
    allowed = {}
    for name, extra in (("default", {}), ("off", {"allowReply": False}), ("as district", {"sendAsDistrict": True})):
        sent = gql(client, SEND, {"input": {**base, **extra}}, sender)["data"]["sendMessage"]
        assert sent["__typename"] == "SendMessageSuccess", sent
        with session_scope(engine) as session:
            allowed[name] = session.get(Message, pk_of(sent["message"]["id"])).allow_reply
    assert allowed == {"default": True, "off": False, "as district": False}
