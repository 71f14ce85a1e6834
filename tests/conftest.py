"""Test harness: the run's database and broker (chosen in ``harness``), the application, and the
fixtures that test modules in more than one area share.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import pytest

from harness import (  # first: sets the environment before the application is imported
    BASE_DATABASE_URL,
    DATABASE_URL,
    REDIS_URL,
    RUN_DIR,
    SEED,
    SEED_STUDENTS,
    USES_POSTGRES,
    USES_REDIS,
)


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
    from helpers import set_district

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


# The Translator stand-in (issue 19): ``translator_server`` for the session, ``translator_service``
# reset for each test that asks for it.
from peers.translator import translator_server, translator_service  # noqa: E402, F401


@pytest.fixture
def push_service():
    """A local Web Push service that verifies VAPID and decrypts what it receives (peers.push_service)."""
    from peers.push_service import PushService

    service = PushService()
    yield service
    service.close()


@pytest.fixture(autouse=True)
def _no_emergency_left_on_the_urgent_board(runtime):
    """An emergency chunk a test enqueued but never ran would hold other tests' paced traffic back
    (domain.delivery.sending.pacing); each test starts with an empty board."""
    yield
    from domain.delivery.sending import pacing

    runtime.pacer.urgent.clear()
    if USES_REDIS:
        import redis

        redis.Redis.from_url(REDIS_URL).delete(pacing.RedisUrgentBoard.KEY)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) that keeps what it receives: (controller, recorder)."""
    from aiosmtpd.controller import Controller

    from peers.smtp_sink import Recorder, free_port

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, recorder
    controller.stop()


@pytest.fixture
def mailbox():
    """A real SMTP server (aiosmtpd) with an smtp plugin pointed at it (``mailbox.plugin``)."""
    from aiosmtpd.controller import Controller

    from channels.email.smtp import SmtpChannel, SmtpConfig
    from peers.smtp_sink import Mailbox, free_port

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.plugin = SmtpChannel(SmtpConfig(host="127.0.0.1", port=controller.port, security="none",
                                        from_address="no-reply@district.example.org"))
    yield box
    controller.stop()


@pytest.fixture
def closed_window(engine):
    """The district's call window closed for the whole test (it opens in two hours' time)."""
    from helpers import closed_window_now, set_district

    previous = set_district(engine, **closed_window_now())
    yield
    set_district(engine, **previous)
