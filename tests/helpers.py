"""Helpers shared by the tests: GraphQL over HTTP, tokens, users with chosen permissions."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from dramatiq.worker import WorkerThread
from sqlalchemy import event, func, insert, select

from domain.access.permissions import CATALOGUE, Perm
from domain.support.global_ids import Kind, decoded, global_id
from homeroom.auth import mint_token
from homeroom.settings import get_settings
from jobs.queue_clock import THREAD_NAME as QUEUE_THREAD_NAME
from models.db import session_scope
from models.directory import (
    District,
    PermissionLevel,
    Profile,
    ProfileGrant,
    Role,
    School,
    User,
    UserProfile,
    UserSchool,
)
from models.messaging import Message, MessageStaff, MessageStudent


def gid(kind: Kind | str, pk: int | str) -> str:
    """The opaque global id the API shows for row ``pk`` of ``kind`` (a Kind or its name: "Student")."""
    return global_id(Kind(kind), int(pk))


def gids(kind: Kind | str, pks) -> list[str]:
    """gid of each row of a list."""
    return [gid(kind, pk) for pk in pks]


def pk_of(value: str) -> int:
    """The row an opaque global id names (a test reads it back to find the row in the database)."""
    parsed = decoded(value)
    assert parsed is not None, f"not a global id: {value!r}"
    return parsed[1]


@contextlib.contextmanager
def count_statements(engine, *, this_thread_only: bool = False):
    """The SQL statements run on ``engine`` inside the block, except the in-process worker's and
    the queue clock's (the API runs on worker threads, domain calls on the test's own thread).
    ``this_thread_only``: only the calling thread's (a domain call measured while a subscription
    of the same test reads on its own threads)."""
    statements: list[str] = []
    caller = threading.current_thread()

    def before(_conn, _cursor, statement, *_args):
        thread = threading.current_thread()
        if this_thread_only and thread is not caller:
            return
        if not isinstance(thread, WorkerThread) and thread.name != QUEUE_THREAD_NAME:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def gql(client, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def token_for(engine, login: str) -> str:
    with session_scope(engine) as session:
        user = session.execute(select(User).where(User.login == login)).scalars().one()
    return mint_token(get_settings(), user_id=user.id, login=login)


def make_user(engine, role: Role, *, perms: list[Perm] | None = None, without: list[Perm] = (),
              school_ids: list[int] | None = None, login: str | None = None) -> str:
    """A user with one fresh profile granting ``perms`` (default: every permission of the role)."""
    login = login or f"{role.value.lower()}.{uuid.uuid4().hex[:8]}"
    if perms is None:
        perms = [perm for perm, spec in CATALOGUE.items() if role in spec.levels]
    perms = [perm for perm in perms if perm not in without]
    with session_scope(engine) as session:
        profile = Profile(name=f"test profile {login}", role=role)
        user = User(login=login, role=role, first_name="Test", last_name=login,
                    email=f"{login}@staff.example.org", phone="+13125550100")
        session.add_all([profile, user])
        session.flush()
        if perms:
            session.execute(insert(ProfileGrant), [
                {"profile_id": profile.id, "permission": perm.value, "level": PermissionLevel.EDIT.value}
                for perm in perms])
        session.execute(insert(UserProfile), [{"user_id": user.id, "profile_id": profile.id}])
        if school_ids is None:
            # Every school that takes part in communication (tests add excluded ones, SYS-07).
            school_ids = list(session.execute(
                select(School.id).where(School.exclude_from_communication.is_(False))).scalars())
        if school_ids:
            session.execute(insert(UserSchool), [{"user_id": user.id, "school_id": s} for s in school_ids])
    return token_for(engine, login)


def set_district(engine, **values) -> dict:
    """Change district preferences; returns the previous values so a test can restore them."""
    with session_scope(engine) as session:
        district = session.execute(select(District)).scalars().one()
        previous = {key: getattr(district, key) for key in values}
        for key, value in values.items():
            setattr(district, key, value)
    return previous


def row_counts(engine) -> dict[str, int]:
    """What a rejected mutation must leave unchanged: messages and their selections (deliveries
    only ever belong to a message; the background worker may still be writing older ones)."""
    with session_scope(engine) as session:
        counts = {table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in (Message, MessageStudent, MessageStaff)}
        counts["max_message_id"] = session.execute(select(func.max(Message.id))).scalar_one() or 0
    return counts


def wait_for_message(client, token: str, message_id: str, timeout: float = 60.0) -> dict:
    """Poll message(id) until every delivery is final (the worker runs elsewhere)."""
    query = """query($id: ID!) { message(id: $id) { id status subject
        deliveryCounts { status count } } }"""
    deadline = time.monotonic() + timeout
    while True:
        data = gql(client, query, {"id": message_id}, token)["data"]["message"]
        if data["status"] == "COMPLETED" or time.monotonic() > deadline:
            return data
        time.sleep(0.1)


def closed_window_now() -> dict:
    """District values for a New York call window that opens in two hours' time, so every send
    in the test is outside it (the ``closed_window`` fixture)."""
    local = dt.datetime.now(ZoneInfo("America/New_York"))
    return {"time_zone": "America/New_York",
            "call_window_start": (local + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0),
            "call_window_end": (local + dt.timedelta(hours=3)).time().replace(second=0, microsecond=0)}


def every_node(client, query: str, field: str, variables: dict[str, Any] | None = None,
               token: str | None = None) -> list[dict]:
    """Every node of the connection ``field`` (a top-level field of ``query``, which takes
    ``$after`` and selects ``pageInfo { hasNextPage endCursor }`` and ``edges { node }``), paged
    forward to its end (pages are at most 100 rows, issue 17 point 1)."""
    nodes, after = [], None
    while True:
        body = gql(client, query, {**(variables or {}), "after": after}, token)
        assert "errors" not in body, body
        page = body["data"][field]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
