"""The per-user assistant rate holds under concurrent calls (HOMEROOM_ASSISTANT_RATE_LIMIT, AI-01):
the check and the record of a call happen under the user's lock, so N calls racing for k slots
let exactly k through to the real OpenAI-compatible peer.

PostgreSQL only: SQLite has one writer, so ids, commits and counts already come in one order there.
To make the calls truly meet, the test holds the user's row locked (as any update of the user
would) until every racer is waiting on it, then lets them all go at once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from assistant_support import assistant_service, calls_of
from domain.assistant.operations import generate_text
from domain.support.errors import InvalidInput
from harness import USES_POSTGRES
from helpers import make_user
from models.db import session_scope
from models.directory import Role, User
from resolve import viewer_for

RACERS = 8  # two connections each (the request's and the call log's) within the pool of 20
SLOTS = 3
ROUNDS = 3


def waiting_on_locks(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND wait_event_type = 'Lock'")).scalar_one()


def race(engine, service, login: str) -> list[str]:
    """RACERS threads call generateText for ``login`` while the user's row is locked, released once
    they all wait; each answers OK or its error code."""
    start = threading.Barrier(RACERS + 1)
    answers: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        with session_scope(engine) as session:
            viewer = viewer_for(session, login)
            start.wait()
            try:
                generate_text(session, viewer, service, prompt="a note about the field trip")
                answer = "OK"
            except InvalidInput as refused:
                answer = refused.problems[0].code
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=call) for _ in range(RACERS)]
    with engine.connect() as holder, holder.begin():
        holder.execute(select(User.id).where(User.login == login).with_for_update())
        for thread in threads:
            thread.start()
        start.wait()
        deadline = time.monotonic() + 20
        while waiting_on_locks(engine) < RACERS and time.monotonic() < deadline:
            time.sleep(0.05)
    for thread in threads:
        thread.join(60)
    return answers


@pytest.mark.skipif(not USES_POSTGRES, reason="SQLite has one writer: its calls cannot pass the rate check together")
def test_ai_01_concurrent_calls_never_pass_the_rate_together(engine, chat_server, ai_addon):
    """AI-01 (the assistant's per-user rate): 8 concurrent calls of one user with a rate of 3 per
    minute, three times over with fresh users: exactly 3 reach the provider and succeed, the other 5
    are RATE_LIMITED, and the call log says the same."""
    service = assistant_service(chat_server.base_url, calls=SLOTS)
    for _ in range(ROUNDS):
        chat_server.requests.clear()
        login = f"ai.race.{threading.get_ident()}.{_}.{id(service)}"
        token = make_user(engine, Role.TEACHER, login=login)
        answers = race(engine, service, login)
        assert sorted(answers) == ["OK"] * SLOTS + ["RATE_LIMITED"] * (RACERS - SLOTS)
        assert chat_server.calls == SLOTS
        outcomes = sorted(call.outcome for call in calls_of(engine, token))
        assert outcomes == ["OK"] * SLOTS + ["RATE_LIMITED"] * (RACERS - SLOTS)
