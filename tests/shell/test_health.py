"""Issue 17 point 7: liveness (/healthz) and readiness (/readyz) against the run's real database and
Redis, and against peers that cannot be reached: 503 names what failed and nothing else."""

from __future__ import annotations

import os
import time

from starlette.testclient import TestClient

from harness import DATABASE_URL, REDIS_URL, RUN_DIR, USES_REDIS
from homeroom.app import create_app
from homeroom.settings import load_settings
from live_server import free_port


def _app(**overrides):
    settings = {"environment": "production", "jwt_secret": os.environ["HOMEROOM_JWT_SECRET"],
                "database_url": DATABASE_URL, "redis_url": REDIS_URL or None, **overrides}
    return create_app(load_settings(**settings), run_worker=False)


def test_issue_17_point_7_readyz_names_what_it_checked(client, engine):
    """The run's database (SQLite or PostgreSQL) and, when the run has it, Redis."""
    response = client.get("/readyz")
    expected = {"database": "ok", **({"redis": "ok"} if USES_REDIS else {})}
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": expected}
    assert response.headers["cache-control"] == "no-store"
    assert client.get("/healthz").status_code == 200


def test_issue_17_point_7_readyz_is_503_naming_an_unreachable_redis(engine):
    """A Redis URL nobody listens on: 503, "redis" failed, the database still ok, in well under the
    timeout's worst case; the body carries neither the URL nor the host."""
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    with TestClient(_app(redis_url=unreachable, readiness_timeout_seconds=1)) as client:
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
        assert client.get("/healthz").status_code == 200  # liveness does not depend on Redis
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "checks": {"database": "ok", "redis": "failed"},
                               "failed": ["redis"]}
    assert "127.0.0.1" not in response.text and "redis://" not in response.text
    assert elapsed < 5


def test_issue_17_point_7_readyz_is_503_naming_an_unreachable_database(engine):
    """A database that cannot be opened (a SQLite file in a directory that does not exist; on
    PostgreSQL a port nobody listens on): 503 naming the database, and no path or URL."""
    if DATABASE_URL.startswith("postgresql"):
        broken = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=1"
    else:
        broken = f"sqlite:///{RUN_DIR / 'no-such-directory' / 'homeroom.db'}"
    with TestClient(_app(database_url=broken, redis_url=None, readiness_timeout_seconds=2)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "checks": {"database": "failed"}, "failed": ["database"]}
    assert "no-such-directory" not in response.text and "127.0.0.1" not in response.text

