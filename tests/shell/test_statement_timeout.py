"""Issue 17 point 6: PostgreSQL's statement timeout (HOMEROOM_DATABASE_STATEMENT_TIMEOUT_SECONDS) on
the engine's connections; a statement it cancels answers a coded TIMEOUT error, not a traceback.
SQLite has no statement timeout (the execution timeout still refuses statements past its deadline)."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.testclient import TestClient

from harness import DATABASE_URL, USES_POSTGRES
from helpers import gql, token_for

pytestmark = pytest.mark.skipif(not USES_POSTGRES, reason="the statement timeout is PostgreSQL's")


def test_issue_17_point_6_a_statement_within_the_timeout_runs_and_one_past_it_is_cancelled(engine):
    from models.db import is_statement_timeout, make_engine, set_statement_timeout

    limited = make_engine(DATABASE_URL)
    set_statement_timeout(limited, 0.5)
    try:
        with limited.connect() as connection:
            assert connection.execute(text("SELECT pg_sleep(0.1), 1")).one()[1] == 1
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "500ms"
        with limited.connect() as connection, pytest.raises(DBAPIError) as cancelled:
            connection.execute(text("SELECT pg_sleep(5)"))
        assert is_statement_timeout(cancelled.value)
    finally:
        limited.dispose()


def test_issue_17_point_6_a_request_whose_statement_is_cancelled_answers_timeout(engine, runtime):
    """A lock held elsewhere keeps the viewer's statement waiting past the statement timeout."""
    from homeroom.app import create_app
    from models.db import make_engine, set_statement_timeout

    token = token_for(engine, "admin")
    settings = runtime.settings.model_copy(update={"database_statement_timeout_seconds": 0.5})
    limited_engine = make_engine(DATABASE_URL)
    set_statement_timeout(limited_engine, 0.5)
    limited = dataclasses.replace(runtime, settings=settings, engine=limited_engine)
    with TestClient(create_app(runtime=limited, run_worker=False)) as client:
        assert gql(client, "{ viewer { login } }", token=token)["data"]["viewer"]["login"] == "admin"
        locked, release = threading.Event(), threading.Event()

        def hold_the_lock() -> None:
            with engine.connect() as connection:
                connection.execute(text("LOCK TABLE app_user IN ACCESS EXCLUSIVE MODE"))
                locked.set()
                release.wait(15)
                connection.rollback()

        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        try:
            assert locked.wait(15)
            body = gql(client, "{ viewer { login } }", token=token)
        finally:
            release.set()
            holder.join()
    limited_engine.dispose()
    assert body["data"] is None
    assert body["errors"] == [{"message": "A database statement took longer than 0.5 s and was stopped; its "
                                          "unfinished changes were rolled back.",
                               "extensions": {"code": "TIMEOUT", "limit": 0.5}}]


def test_issue_17_point_6_the_runtime_s_engine_carries_the_setting(runtime):
    """HOMEROOM_DATABASE_STATEMENT_TIMEOUT_SECONDS (30 by default) on every connection the runtime uses."""
    assert runtime.settings.database_statement_timeout_seconds == 30
    with runtime.engine.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "30s"
