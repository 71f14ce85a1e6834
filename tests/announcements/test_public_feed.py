"""GET /public/announcements (ANN-10): the mobile app's feed without a token, over HTTP: active public
announcements only, no targeting data, an ETag with If-None-Match → 304, Cache-Control, NOT_FOUND for
an unknown district, and a rate per client address (RATE_LIMITED with Retry-After)."""

from __future__ import annotations

import datetime as dt
import os
import time

from sqlalchemy import update
from starlette.testclient import TestClient

from announcement_rows import TODAY, announcements  # noqa: F401  (fixture)
from factories import add_school
from harness import DATABASE_URL
from helpers import gid
from models.announcements import Announcement
from models.db import session_scope

URL = "/public/announcements"
DISTRICT = gid("District", 1)


def _mine(response, ids) -> list[dict]:
    wanted = {gid("Announcement", a) for a in ids}
    return [item for item in response.json()["announcements"] if item["id"] in wanted]


def test_ann10_active_public_announcements_without_a_token_and_no_targeting_data(client, engine, announcements):
    school = add_school(engine)
    shown = announcements(title="Snow day", public=True, profiles=(), schools=[school], grades=["5"], sort_order=1,
                          files=["map.pdf"])
    hidden = [announcements(title="Not public", schools=[school]),
              announcements(title="Later", public=True, start_date=TODAY + dt.timedelta(days=3)),
              announcements(title="Over", public=True, end_date=TODAY - dt.timedelta(days=3))]
    response = client.get(URL, params={"district": DISTRICT})
    assert response.status_code == 200 and response.headers["cache-control"] == "public, max-age=60"
    [item] = _mine(response, [shown, *hidden])
    assert item == {"id": gid("Announcement", shown), "title": "Snow day", "subtitle": item["subtitle"],
                    "htmlBody": "<p>Snow day</p>", "startDate": (TODAY - dt.timedelta(days=2)).isoformat(),
                    "endDate": None, "fileNames": ["map.pdf"], "files": item["files"], "language": None,
                    "original": {"title": "Snow day", "htmlBody": "<p>Snow day</p>"}, "translated": None}
    assert [(f["name"], f["size"]) for f in item["files"]] == [("map.pdf", 1)]
    assert item["subtitle"].startswith("School ")  # ANN-15; no profiles, schools, grades or options


def test_ann10_etag_answers_304_until_the_feed_changes_and_ann21_deleted_ones_leave(client, engine, announcements):
    first = announcements(title="Bus routes", public=True, profiles=())
    response = client.get(URL, params={"district": "1"})
    tag = response.headers["etag"]
    assert tag.startswith('"') and _mine(response, [first])
    again = client.get(URL, params={"district": "1"}, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert again.headers["cache-control"] == "public, max-age=60"
    with session_scope(engine) as session:
        session.execute(update(Announcement).where(Announcement.id == first).values(deleted_at=dt.datetime.now(dt.UTC)))
    changed = client.get(URL, params={"district": "1"}, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag and not _mine(changed, [first])


def test_ann10_an_unknown_district_is_not_found(client):
    for district in (gid("District", 999999), "not-an-id", gid("School", 1)):
        response = client.get(URL, params={"district": district})
        assert response.status_code == 404 and response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert client.get(URL).status_code == 404


def test_ann10_rate_limited_per_client_address(engine):
    from homeroom.app import create_app
    from homeroom.settings import load_settings

    settings = load_settings(environment="production", jwt_secret=os.environ["HOMEROOM_JWT_SECRET"],
                             database_url=DATABASE_URL, redis_url=None, rate_limit_public_feed="3 per 2 seconds")
    with TestClient(create_app(settings, run_worker=False)) as limited:
        for _ in range(3):
            assert limited.get(URL, params={"district": DISTRICT}).status_code == 200
        over = limited.get(URL, params={"district": DISTRICT})
        assert over.status_code == 429
        error = over.json()["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert over.headers["retry-after"] == str(error["extensions"]["retryAfter"])
        time.sleep(error["extensions"]["retryAfter"])
        assert limited.get(URL, params={"district": DISTRICT}).status_code == 200
