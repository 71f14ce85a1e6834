"""Operations on different threads authenticate and load their viewers at the same time: nothing
process-wide serialises them (issue 17 Speed). Python 3.11's functools.cached_property holds one
lock per class across the computation, so a Context.viewer computed through it made every
request of the process wait for each other's token check and viewer statements."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from graph.context import Context
from homeroom.auth import Credentials
from models.db import session_scope
from models.directory import User
from sqlmodel import select


def test_issue_17_two_operations_load_their_viewers_at_once(runtime, engine):
    """Two contexts whose authentication waits for the other to be authenticating too: both
    finish. With the class-wide lock the second never started and the barrier broke."""
    with session_scope(engine) as session:
        user_id = session.exec(select(User.id).where(User.login == "admin")).first()
    both_inside = threading.Barrier(2, timeout=5)

    def authenticate(_request, _params) -> Credentials:
        both_inside.wait()  # raises BrokenBarrierError if the other context cannot get in
        return Credentials(user_id=user_id, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))

    def load() -> int:
        context = Context(runtime, authenticate)
        context.on_worker_thread = True
        try:
            return context.viewer.id
        finally:
            context.close()

    with ThreadPoolExecutor(2) as pool:
        loaded = [future.result() for future in [pool.submit(load), pool.submit(load)]]
    assert loaded == [user_id, user_id]


def test_issue_17_a_context_authenticates_once(runtime, engine):
    """The viewer stays cached per context: its fields read it many times, the credential is checked once."""
    with session_scope(engine) as session:
        user_id = session.exec(select(User.id).where(User.login == "admin")).first()
    calls = []

    def authenticate(_request, _params) -> Credentials:
        calls.append(1)
        return Credentials(user_id=user_id, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))

    context = Context(runtime, authenticate)
    context.on_worker_thread = True
    try:
        assert context.viewer is context.viewer
    finally:
        context.close()
    assert calls == [1]
