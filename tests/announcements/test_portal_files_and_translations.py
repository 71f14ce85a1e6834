"""What readers get of an announcement's files and translations (ANN-10, ANN-12, TRN-03, TRN-04): a
signed-in reader downloads a file of an announcement on their feed, anyone a file of an active Public
one (the public feed's limit applies); deleted, inactive, hidden and not-public answer the same 404; the
feed, the subscription payload and the public feed read the reader's language's manual translation."""

from __future__ import annotations

import datetime as dt
import os
import uuid

from sqlalchemy import select, update
from starlette.testclient import TestClient

from announcement_rows import TODAY, announcements  # noqa: F401  (fixture)
from factories import add_contact, add_school, add_student, add_user
from harness import DATABASE_URL
from domain.access.permissions import Perm
from helpers import count_statements, gid, gql, make_user, token_for
from models.announcements import Announcement, AnnouncementAttachment
from models.db import session_scope
from models.directory import Role, User

FEED = """query { announcementFeed(first: 100) { edges { node { id title htmlBody language fileNames
  original { title htmlBody } translated { language title htmlBody } files { id name size downloadPath } } } } }"""


def _reader(engine, school: int, language: str = "en") -> tuple[str, int]:
    user_id = add_user(engine, "PARENT", profile="Parent", language=language)
    add_contact(engine, add_student(engine, school), user_id=user_id, custodial=True, sort_order=1)
    with session_scope(engine) as session:
        login = session.get(User, user_id).login
    return token_for(engine, login), user_id


def _feed(client, token) -> dict[str, dict]:
    body = gql(client, FEED, {}, token)
    assert "errors" not in body, body
    return {edge["node"]["id"]: edge["node"] for edge in body["data"]["announcementFeed"]["edges"]}


def _file_id(engine, announcement_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(select(AnnouncementAttachment.id).where(
            AnnouncementAttachment.announcement_id == announcement_id)).scalar_one()


def _path(announcement_id: int, file_id: int, public: bool = False) -> str:
    a, f = gid("Announcement", announcement_id), gid("AnnouncementFile", file_id)
    return f"/public/announcements/{a}/files/{f}" if public else f"/announcements/{a}/attachments/{f}"


def test_ann12_a_reader_downloads_the_files_of_announcements_on_their_feed(client, engine, announcements):
    """Covers ANN-12 for readers: a parent gets a file their feed lists (id, name, size, download
    path); a file of an announcement they do not see, a deleted one and an inactive one answer 404
    like a missing file."""
    school, other = add_school(engine), add_school(engine)
    token, _ = _reader(engine, school)
    shown = announcements(title="Menu", schools=[school], files=["menu.txt"])
    hidden = announcements(title="Elsewhere", schools=[other], files=["other.txt"])
    later = announcements(title="Later", schools=[school], files=["later.txt"],
                          start_date=TODAY + dt.timedelta(days=3))
    node = _feed(client, token)[gid("Announcement", shown)]
    file_id = _file_id(engine, shown)
    assert node["files"] == [{"id": gid("AnnouncementFile", file_id), "name": "menu.txt", "size": 1,
                              "downloadPath": _path(shown, file_id)}]
    headers = {"Authorization": f"Bearer {token}"}
    got = client.get(node["files"][0]["downloadPath"], headers=headers)
    assert got.status_code == 200 and got.content == b"x"
    missing = client.get(_path(shown, 999_999), headers=headers)
    assert missing.status_code == 404
    for announcement_id in (hidden, later):
        refused = client.get(_path(announcement_id, _file_id(engine, announcement_id)), headers=headers)
        assert (refused.status_code, refused.json()) == (404, missing.json())
    with session_scope(engine) as session:
        session.execute(update(Announcement).where(Announcement.id == shown)
                        .values(deleted_at=dt.datetime.now(dt.UTC)))
    gone = client.get(_path(shown, file_id), headers=headers)
    assert (gone.status_code, gone.json()) == (404, missing.json())


def test_ann10_ann12_anyone_downloads_a_file_of_an_active_public_announcement(client, engine, announcements):
    """Covers ANN-10 with ANN-12: without a token, a file of an active Public announcement downloads
    at the path the public feed gives; a non-public, inactive or deleted announcement's file answers
    404 like a missing one."""
    public = announcements(title="Bus map", public=True, profiles=(), files=["map.txt"])
    private = announcements(title="Private", files=["private.txt"])
    ended = announcements(title="Ended", public=True, files=["ended.txt"], end_date=TODAY - dt.timedelta(days=3))
    file_id = _file_id(engine, public)
    feed = client.get("/public/announcements", params={"district": "1"}).json()["announcements"]
    [item] = [item for item in feed if item["id"] == gid("Announcement", public)]
    assert item["files"] == [{"id": gid("AnnouncementFile", file_id), "name": "map.txt", "size": 1,
                              "downloadPath": _path(public, file_id, public=True)}]
    got = client.get(item["files"][0]["downloadPath"])
    assert got.status_code == 200 and got.content == b"x"
    missing = client.get(_path(public, 999_999, public=True))
    assert missing.status_code == 404
    for announcement_id in (private, ended):
        refused = client.get(_path(announcement_id, _file_id(engine, announcement_id), public=True))
        assert (refused.status_code, refused.json()) == (404, missing.json())
    assert client.get(_path(private, file_id, public=True)).status_code == 404  # another's file id
    with session_scope(engine) as session:
        session.execute(update(Announcement).where(Announcement.id == public)
                        .values(deleted_at=dt.datetime.now(dt.UTC)))
    assert client.get(_path(public, file_id, public=True)).json() == missing.json()


def test_ann10_public_file_downloads_count_against_the_public_feed_limit(engine, announcements):
    """Covers ANN-10's rate for the public file route: over it, 429 RATE_LIMITED with Retry-After."""
    from homeroom.app import create_app
    from homeroom.settings import load_settings

    public = announcements(title="Limited", public=True, profiles=(), files=["a.txt"])
    settings = load_settings(environment="production", jwt_secret=os.environ["HOMEROOM_JWT_SECRET"],
                             database_url=DATABASE_URL, redis_url=None, rate_limit_public_feed="2 per 60 seconds")
    with TestClient(create_app(settings, run_worker=False)) as limited:
        path = _path(public, _file_id(engine, public), public=True)
        assert [limited.get(path).status_code for _ in range(2)] == [200, 200]
        over = limited.get(path)
        assert over.status_code == 429 and over.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert over.headers["retry-after"]


def test_trn03_trn04_the_feed_reads_the_readers_languages_translation(client, engine, announcements):
    """Covers TRN-03 and TRN-04 for announcements: a reader whose account language has a manual
    translation reads its title and body, with the original beside it; an untranslated part reads the
    original, and a translation of the SMS alone leaves the portal's text the original; a reader of another language, or of an untranslated announcement, reads the original
    with translated null. Translations are read in one statement per page."""
    school = add_school(engine)
    spanish, _ = _reader(engine, school, language="ES")
    english, _ = _reader(engine, school)
    both = announcements(title="Picture day", schools=[school], translations=[
        {"language": "es", "title": "Día de fotos", "html_body": "<p>Fotos</p>"},
        {"language": "fr", "title": "Photos"}])
    title_only = announcements(title="Lunch", schools=[school], translations=[{"language": "es", "title": "Almuerzo"}])
    plain = announcements(title="Plain", schools=[school], translations=[{"language": "es", "sms_text": "Sólo SMS"}])
    read = _feed(client, spanish)
    assert read[gid("Announcement", both)] | {"files": [], "fileNames": []} == {
        "id": gid("Announcement", both), "title": "Día de fotos", "htmlBody": "<p>Fotos</p>", "language": "es",
        "original": {"title": "Picture day", "htmlBody": "<p>Picture day</p>"}, "files": [], "fileNames": [],
        "translated": {"language": "es", "title": "Día de fotos", "htmlBody": "<p>Fotos</p>"}}
    lunch = read[gid("Announcement", title_only)]
    assert (lunch["title"], lunch["htmlBody"]) == ("Almuerzo", "<p>Lunch</p>")
    assert read[gid("Announcement", plain)]["translated"] is None and read[gid("Announcement", plain)]["language"] is None
    original = _feed(client, english)[gid("Announcement", both)]
    assert (original["title"], original["translated"], original["language"]) == ("Picture day", None, None)
    with count_statements(engine) as few:
        _feed(client, spanish)
    announcements(title="More", schools=[school], translations=[{"language": "es", "title": "Más"}])
    with count_statements(engine) as more:
        _feed(client, spanish)
    assert len(more) == len(few)


def test_trn03_trn04_the_public_feed_takes_lang_and_its_etag_follows_it(client, engine, announcements):
    """Covers TRN-03 and TRN-04 on the public feed (ANN-10): ``lang`` reads the manual translation
    (any spelling of a supported code); an unsupported one reads the original; the ETag differs."""
    public = announcements(title="Snow day", public=True, profiles=(), translations=[
        {"language": "es", "title": "Día de nieve"}])

    def item(**params):
        response = client.get("/public/announcements", params={"district": "1", **params})
        [found] = [i for i in response.json()["announcements"] if i["id"] == gid("Announcement", public)]
        return found, response.headers["etag"]

    original, tag = item()
    spanish, spanish_tag = item(lang="ES")
    unsupported, unsupported_tag = item(lang="xx-nope")
    assert (original["title"], original["translated"], original["language"]) == ("Snow day", None, None)
    assert spanish["title"] == "Día de nieve" and spanish["original"]["title"] == "Snow day"
    assert spanish["translated"] == {"language": "es", "title": "Día de nieve", "htmlBody": "<p>Snow day</p>"}
    assert unsupported == original and unsupported_tag == tag and spanish_tag != tag
    cached = client.get("/public/announcements", params={"district": "1", "lang": "es"},
                        headers={"If-None-Match": spanish_tag})
    assert cached.status_code == 304


def test_ann12_perm06_a_reader_without_communication_gets_no_file(client, engine, announcements):
    """Covers ANN-12 with PERM-06: reading the feed needs Communication, so does downloading a file of
    an announcement the viewer would see; without it the file answers 404 like a missing one."""
    readers = {}
    for name, without in (("with", []), ("without", [Perm.COMMUNICATION, Perm.CLASS_ANNOUNCEMENTS])):
        login = f"teacher.files.{name}.{uuid.uuid4().hex[:8]}"
        readers[name] = (make_user(engine, Role.TEACHER, without=without, login=login), f"test profile {login}")
    shown = announcements(title="Staff memo", profiles=tuple(profile for _, profile in readers.values()),
                          files=["memo.txt"])
    path = _path(shown, _file_id(engine, shown))
    assert client.get(path, headers={"Authorization": f"Bearer {readers['with'][0]}"}).status_code == 200
    refused = client.get(path, headers={"Authorization": f"Bearer {readers['without'][0]}"})
    assert refused.status_code == 404
