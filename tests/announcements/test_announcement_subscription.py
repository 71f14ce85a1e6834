"""The announcements subscription (ANN-16…ANN-18, ANN-21 reading side): new and changed announcements
the subscriber sees, each notice authorized again for that subscriber; a deleted one they saw is
REMOVED; one they cannot see sends nothing. For signed-in users and partner keys (announcements:read).
With Redis the notice crosses Redis pub/sub from a bus of its own, as from another process."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import update

from announcement_rows import add_announcement, remove_announcements
from announcement_steps import clean_announcements  # noqa: F401  (fixture)
from domain.announcements.events import publish_announcement_changed
from domain.delivery.progress_events import make_bus
from factories import add_contact, add_school, add_student, add_user
from harness import REDIS_URL
from helpers import gid, token_for
from models.announcements import Announcement
from models.db import session_scope
from partner_key_steps import create_key
from shared_steps import subscription_socket

SUBSCRIBE = """subscription { announcements { change announcementId announcement { id title subtitle } } }"""


@pytest.fixture
def bus(runtime):
    """With Redis a bus of its own (as another process's), else the app's in-process bus."""
    return make_bus(REDIS_URL) if REDIS_URL else runtime.events


def changed(engine, bus, announcement_id: int, **values) -> None:
    """Write a change and announce it as B's and C's actions do: published once the transaction commits."""
    with session_scope(engine) as session:
        if values:
            session.execute(update(Announcement).where(Announcement.id == announcement_id).values(**values))
        publish_announcement_changed(session, bus, announcement_id)


def next_event(socket) -> dict:
    message = socket.receive_json()
    while message["type"] == "ping":
        socket.send_json({"type": "pong"})
        message = socket.receive_json()
    assert message["type"] == "next", message
    return message["payload"]["data"]["announcements"]


def test_ann18_a_subscriber_gets_what_they_see_and_ann21_removal_of_what_they_saw(client, engine, bus):
    school, other_school = add_school(engine), add_school(engine)
    parent_id = add_user(engine, "PARENT", profile="Parent", login=f"parent.sub.{school}")
    add_contact(engine, add_student(engine, school), user_id=parent_id)
    made: list[int] = []
    ws, socket = subscription_socket(client, token_for(engine, f"parent.sub.{school}"))
    try:
        socket.send_json({"id": "a", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        time.sleep(0.5)  # listening before the first change
        made.append(add_announcement(engine, title="Field trip", schools=[school]))
        changed(engine, bus, made[-1])
        event = next_event(socket)
        assert event == {"change": "SHOWN", "announcementId": gid("Announcement", made[0]),
                         "announcement": {"id": gid("Announcement", made[0]), "title": "Field trip",
                                          "subtitle": event["announcement"]["subtitle"]}}
        made.append(add_announcement(engine, title="Not theirs", schools=[other_school]))
        changed(engine, bus, made[-1])  # nothing for this subscriber: the next frame is the edit below
        changed(engine, bus, made[0], title="Field trip (moved)")
        assert next_event(socket)["announcement"]["title"] == "Field trip (moved)"
        changed(engine, bus, made[0], deleted_at=dt.datetime.now(dt.UTC))
        assert next_event(socket) == {"change": "REMOVED", "announcementId": gid("Announcement", made[0]),
                                      "announcement": None}
        changed(engine, bus, made[0])  # removed once: a second notice of it sends nothing
        made.append(add_announcement(engine, title="Bake sale", schools=[school]))
        changed(engine, bus, made[-1])
        assert next_event(socket)["announcement"]["title"] == "Bake sale"
    finally:
        ws.__exit__(None, None, None)
        remove_announcements(engine, made)


def test_ann16_a_partner_key_with_announcements_read_follows_its_creators_feed(client, engine, bus):
    key = create_key(client, engine, scopes=("ANNOUNCEMENTS_READ",))
    made = [add_announcement(engine, title="Board meeting", profiles=("District Administrator",))]
    ws, socket = subscription_socket(client, key["secret"])
    try:
        socket.send_json({"id": "k", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        time.sleep(0.5)
        changed(engine, bus, made[0], title="Board meeting (agenda)")
        assert next_event(socket)["announcement"]["title"] == "Board meeting (agenda)"
    finally:
        ws.__exit__(None, None, None)
        remove_announcements(engine, made)


def test_ann18_a_key_without_the_scope_is_refused(client, engine):
    key = create_key(client, engine, scopes=("DIRECTORY_READ",))
    ws, socket = subscription_socket(client, key["secret"])
    try:
        socket.send_json({"id": "k", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        message = socket.receive_json()
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        ws.__exit__(None, None, None)


def test_ann18_ann21_creating_and_deleting_through_the_api_reaches_a_subscriber(client, engine, clean_announcements):
    """The management mutations publish (domain.announcements.editing.announcement_changed): a
    parent subscribed before an admin posts to their child's school hears SHOWN, then REMOVED."""
    from announcement_steps import DELETE, create, parent_profile_id, staff
    from helpers import gql

    school = add_school(engine)
    parent_id = add_user(engine, "PARENT", profile="Parent", login=f"parent.api.{school}")
    add_contact(engine, add_student(engine, school), user_id=parent_id)
    admin_token, _ = staff(engine, school_ids=[school])
    ws, socket = subscription_socket(client, token_for(engine, f"parent.api.{school}"))
    try:
        socket.send_json({"id": "a", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        time.sleep(0.5)
        saved = create(client, admin_token, title="Picture day", profileIds=[gid("Profile", parent_profile_id(engine))],
                       schoolIds=[gid("School", school)])
        announcement_id = saved["announcement"]["id"]
        assert next_event(socket) == {"change": "SHOWN", "announcementId": announcement_id,
                                      "announcement": {"id": announcement_id, "title": "Picture day",
                                                       "subtitle": saved["announcement"]["subtitle"]}}
        deleted = gql(client, DELETE, {"id": announcement_id}, admin_token)["data"]["deleteAnnouncement"]
        assert deleted["__typename"] == "AnnouncementDeleted"
        assert next_event(socket) == {"change": "REMOVED", "announcementId": announcement_id, "announcement": None}
    finally:
        ws.__exit__(None, None, None)


def test_trn03_trn04_the_subscription_payload_reads_the_subscribers_language(client, engine, bus):
    """Covers TRN-03 and TRN-04 on the subscription: a SHOWN announcement with a manual translation
    into the subscriber's account language carries its title and body, the original beside it, and
    its files (ANN-12)."""
    school = add_school(engine)
    parent_id = add_user(engine, "PARENT", profile="Parent", login=f"parent.es.{school}", language="es")
    add_contact(engine, add_student(engine, school), user_id=parent_id)
    made: list[int] = []
    document = """subscription { announcements { change announcement { title htmlBody language
      original { title } translated { language title } files { name } } } }"""
    ws, socket = subscription_socket(client, token_for(engine, f"parent.es.{school}"))
    try:
        socket.send_json({"id": "a", "type": "subscribe", "payload": {"query": document}})
        time.sleep(0.5)
        made.append(add_announcement(engine, title="Field trip", schools=[school], files=["form.txt"],
                                     translations=[{"language": "es", "title": "Excursión"}]))
        changed(engine, bus, made[-1])
        assert next_event(socket) == {"change": "SHOWN", "announcement": {
            "title": "Excursión", "htmlBody": "<p>Field trip</p>", "language": "es",
            "original": {"title": "Field trip"}, "translated": {"language": "es", "title": "Excursión"},
            "files": [{"name": "form.txt"}]}}
    finally:
        ws.__exit__(None, None, None)
        remove_announcements(engine, made)
