"""Test harness: one database and broker per run, chosen by the environment.

- default: a SQLite file and the in-process worker (embedded mode);
- ``HOMEROOM_TEST_DATABASE_URL=postgresql+psycopg://…`` and ``HOMEROOM_TEST_REDIS_URL=redis://…``:
  a fresh PostgreSQL database and Redis, with a real ``homeroom worker`` process.

Settings are environment variables read when ``jobs`` is first imported, so they are set here,
before any test module imports the application.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

RUN_DIR = Path(tempfile.mkdtemp(prefix="homeroom-tests-"))
OUTBOX_DIR = RUN_DIR / "outbox"
#: The outbox plugin plays the provider's signed callbacks (tests/test_webhooks.py).
OUTBOX_WEBHOOK_SECRET = "outbox-webhook-" + uuid.uuid4().hex
BASE_DATABASE_URL = os.environ.get("HOMEROOM_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("HOMEROOM_TEST_REDIS_URL", "")
SEED_STUDENTS = 300
SEED = 11


def _create_postgres_database(base_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"homeroom_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


if BASE_DATABASE_URL.startswith("postgresql"):
    DATABASE_URL = _create_postgres_database(BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
else:
    DATABASE_URL = f"sqlite:///{RUN_DIR / 'homeroom.db'}"

os.environ.update({
    "HOMEROOM_DATABASE_URL": DATABASE_URL,
    "HOMEROOM_ENVIRONMENT": "production",
    "HOMEROOM_JWT_SECRET": "test-secret-" + uuid.uuid4().hex,
    "HOMEROOM_PLUGIN_CONFIG": json.dumps({"outbox": {"directory": str(OUTBOX_DIR),
                                                     "webhook_secret": OUTBOX_WEBHOOK_SECRET}}),
    "HOMEROOM_DISPATCH_BATCH_SIZE": "50",
    # The embedded queue clock runs once at start-up; tests run the queue themselves (queue_tick).
    "HOMEROOM_QUEUE_INTERVAL_SECONDS": "3600",
    "HOMEROOM_REPLY_DOMAIN": "replies.homeroom.test",
})
if REDIS_URL:
    os.environ["HOMEROOM_REDIS_URL"] = REDIS_URL
else:
    os.environ.pop("HOMEROOM_REDIS_URL", None)

USES_REDIS = bool(REDIS_URL)
USES_POSTGRES = DATABASE_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def engine():
    from domain.demo.seeding import seed_district
    from homeroom.migrate import upgrade
    from models.db import engine_for

    upgrade(DATABASE_URL)  # the real migrations, on SQLite or PostgreSQL
    engine = engine_for(DATABASE_URL)
    seed_district(engine, students=SEED_STUDENTS, seed=SEED)
    # No call window (start == end), so a test's SMS goes out whatever the hour it runs at; the
    # call-window tests set a window of their own and restore this.
    from tests.helpers import set_district

    set_district(engine, call_window_start=dt.time(0, 0), call_window_end=dt.time(0, 0))
    yield engine
    engine.dispose()
    if USES_POSTGRES:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = make_url(DATABASE_URL).database
        admin = create_engine(BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def worker_process(engine):
    """With Redis: a real `homeroom worker` in its own process, as in production."""
    if not USES_REDIS:
        yield None
        return
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    log = open(RUN_DIR / "worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "homeroom.cli", "worker", "--processes", "1", "--threads", "4"],
        env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
    )
    time.sleep(2)
    assert process.poll() is None, (RUN_DIR / "worker.log").read_text()
    yield process
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session", autouse=True)
def runtime():
    """The test process's runtime, built from the environment set above and installed for the
    actors (the in-process worker, queue runs a test makes): what the shell does at start-up."""
    import jobs.runtime
    from homeroom.runtime import build_runtime
    from homeroom.settings import load_settings

    built = build_runtime(load_settings())
    jobs.runtime.install(built)
    yield built
    jobs.runtime.uninstall()


@pytest.fixture(scope="session")
def app(engine, worker_process, runtime):
    from homeroom.app import create_app

    return create_app(runtime=runtime)


@pytest.fixture(scope="session")
def client(app):
    from starlette.testclient import TestClient

    with TestClient(app) as test_client:  # runs the lifespan: the in-process worker in embedded mode
        yield test_client


@pytest.fixture
def db(engine):
    from models.db import session_scope

    with session_scope(engine) as session:
        yield session


@pytest.fixture
def push_service():
    """A local Web Push service that verifies VAPID and decrypts what it receives (push_receiver)."""
    from push_receiver import PushService

    service = PushService()
    yield service
    service.close()


@pytest.fixture(autouse=True)
def _no_emergency_left_on_the_urgent_board(runtime):
    """An emergency chunk a test enqueued but never ran would hold other tests' paced traffic back
    (domain.delivery.pacing); each test starts with an empty board."""
    yield
    from domain.delivery import pacing

    runtime.pacer.urgent.clear()
    if USES_REDIS:
        import redis

        redis.Redis.from_url(REDIS_URL).delete(pacing.RedisUrgentBoard.KEY)
