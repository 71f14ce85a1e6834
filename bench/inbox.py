"""Time the inbox and a thread page over HTTP for a heavy user, beside a plain FastAPI endpoint.

    python bench/inbox.py [--database-url URL] [--redis-url URL] [--requests 500] [--reuse]

Loads 1,000,000 messages into PostgreSQL with COPY (database ``homeroom_bench_inbox``, created if
missing): 20,000 users, one heavy user with 5,000 threads (one of them 10,000 messages long), and
15,000 threads between other users; rows in message, delivery (one in-app row each), thread and
thread_side. Serves the app with uvicorn (a subprocess) and, in a second uvicorn process, a plain
FastAPI app whose two endpoints (``response_model``) serve the same rows from the same SQL (the
domain functions the GraphQL resolvers call). Requests alternate between the four, sequentially,
over keep-alive connections; figures are p50/p95 of ``--requests`` each. ``--reuse`` keeps a
database already loaded. Last line: ``inbox_p95_ms=… inbox_base_p95_ms=… inbox_ratio=…
thread_p95_ms=… thread_base_p95_ms=… thread_ratio=… messages=…``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import pathlib
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.dispatch import DEFAULT_REDIS, configure  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/homeroom_bench_inbox"
USERS, HEAVY, LONG_PARTNER, HEAVY_THREADS, OTHER_THREADS = 20_000, 1, 2, 5_000, 15_000
MESSAGES, LONG_THREAD = 1_000_000, 10_000
START = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)

INBOX = """{ inbox(first: 30) { pageInfo { hasNextPage endCursor } edges { cursor node { id unreadCount
  lastActivityAt lastReceivedAt lastSentAt archived canReply correspondent { id name roleLabel schoolName } } } } }"""
THREAD = """query($id: ID!) { thread(id: $id) { anchorMessageId thread { id unreadCount correspondent { id name } }
  messages { pageInfo { hasPreviousPage startCursor } edges { cursor node { id subject htmlBody received authorName
  sentAt read readAt } } } } }"""


def ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def loaded(engine) -> bool:
    from sqlalchemy import text

    with contextlib.suppress(Exception), engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM message")).scalar_one() >= MESSAGES
    return False


def plan_messages(rng: random.Random) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The threads (low, high) and every message as (thread index, sender), in time order."""
    threads = [(HEAVY, partner) for partner in range(2, 2 + HEAVY_THREADS)]
    others: set[tuple[int, int]] = set()
    while len(others) < OTHER_THREADS:
        a, b = sorted(rng.sample(range(2 + HEAVY_THREADS, USERS + 1), 2))
        others.add((a, b))
    threads += sorted(others)
    per_heavy = (200_000 - LONG_THREAD) // (HEAVY_THREADS - 1)
    counts = [LONG_THREAD] + [per_heavy] * (HEAVY_THREADS - 1)
    rest = MESSAGES - sum(counts)
    counts += [rest // OTHER_THREADS + (1 if n < rest % OTHER_THREADS else 0) for n in range(OTHER_THREADS)]
    order = [index for index, count in enumerate(counts) for _ in range(count)]
    rng.shuffle(order)
    return threads, [(index, threads[index][rng.randrange(2)]) for index in order]


def load(engine, rng: random.Random) -> None:
    """Every row by COPY, then the sequences and statistics."""
    from sqlalchemy import text

    threads, messages = plan_messages(rng)
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()

        def copy(table: str, columns: str, rows) -> None:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)

        copy("district", "id,name,time_zone,call_window_start,call_window_end,sms_character_limit,tts_minutes,"
             "always_confirm_recipient_count,push_by_default,user_preference_defaults,flagged_words,"
             "hide_schedules_from_teachers,hide_schedules_from_family,addon_callout,addon_translations,addon_docmgmt,"
             "addon_ai", [(1, "Bench District", "America/New_York", "08:00", "20:00", 130, 1, False, False, "{}", "[]",
                           False, False, False, False, False, False)])
        copy("school", "id,district_id,name,sort_order,exclude_from_communication",
             [(n, 1, f"School {n:02d}", n, False) for n in range(1, 21)])
        copy("profile", "id,name,role", [(1, "Bench staff", "TEACHER")])
        copy("profile_grant", "profile_id,permission,level", [(1, "communication", "EDIT"), (1, "send_messages", "EDIT")])
        copy("app_user", "id,login,role,first_name,last_name,status,language,hidden_from_search",
             ((u, f"user.{u}", "TEACHER", f"First{u}", f"Last{u}", "ACTIVE", "en", False) for u in range(1, USERS + 1)))
        copy("user_profile", "user_id,profile_id", ((u, 1) for u in range(1, USERS + 1)))
        copy("user_school", "user_id,school_id", ((u, u % 20 + 1) for u in range(1, USERS + 1)))
        copy("thread", "id,low_user_id,high_user_id,created_at",
             ((n + 1, low, high, START) for n, (low, high) in enumerate(threads)))
        sides: dict[tuple[int, int], list] = {}  # (thread, user) -> [received, sent, unread]
        copy("message", "id,sender_id,subject,html_body,text_body,channels,priority,emergency,send_as_district,secure,"
             "copy_self,cc,cc_first_only,include_signature,allow_reply,flagged,family_seed,status,created_at,"
             "fanned_out_at,completed_at,open_deliveries,auto_reply",
             ((n + 1, sender, f"Message {n + 1}", f"<p>Body of message {n + 1}</p>", f"Body of message {n + 1}",
               '["EMAIL"]', False, False, False, False, False, "[]", False, False, True, False, 1, "COMPLETED",
               START + dt.timedelta(seconds=n), START + dt.timedelta(seconds=n), START + dt.timedelta(seconds=n), 0,
               False) for n, (_, sender) in enumerate(messages)))

        def deliveries():
            for n, (index, sender) in enumerate(messages):
                low, high = threads[index]
                reader = high if sender == low else low
                at = START + dt.timedelta(seconds=n)
                unread = rng.random() < 0.1
                side = sides.setdefault((index + 1, reader), [None, None, 0])
                side[0] = at
                side[2] += unread
                sides.setdefault((index + 1, sender), [None, None, 0])[1] = at
                yield (n + 1, n + 1, "INAPP", "USER", reader, f"First{reader} Last{reader}", f"user:{reader}", "en",
                       "DELIVERED" if unread else "READ", 0, at, at, None if unread else at)

        copy("delivery", "id,message_id,channel,recipient_kind,recipient_id,recipient_name,address,language,status,"
             "attempts,created_at,updated_at,read_at", deliveries())

        def side_rows():
            for (thread_id, user), (received, sent, unread) in sides.items():
                low, high = threads[thread_id - 1]
                yield (thread_id, user, high if user == low else low, received, sent, max(filter(None, (received, sent))),
                       unread)

        copy("thread_side", "thread_id,user_id,correspondent_id,last_received_at,last_sent_at,last_activity_at,"
             "unread_count", side_rows())
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as connection:
        for table in ("district", "school", "profile", "app_user", "thread", "message", "delivery"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"loaded {MESSAGES:,} messages, {len(threads):,} threads in {time.perf_counter() - started:.0f} s")


def plain_app():
    """The baseline: the same domain functions behind two plain FastAPI endpoints with response models,
    showing (and, for the thread, taking) the same opaque global ids the API does (issue 17 point 1)."""
    from fastapi import FastAPI
    from pydantic import BaseModel
    from sqlmodel import Session

    from domain.conversations.threads.inbox import Box, list_threads
    from domain.conversations.threads.thread_pages import thread_page
    from domain.support.global_ids import Kind, global_id, optional_global_id
    from homeroom.routes.path_ids import path_pk
    from models.db import engine_for

    engine = engine_for(os.environ["HOMEROOM_DATABASE_URL"])

    class Correspondent(BaseModel):
        id: str
        name: str
        roleLabel: str | None
        schoolName: str | None

    class InboxThread(BaseModel):
        id: str
        correspondent: Correspondent
        unreadCount: int
        lastActivityAt: dt.datetime
        lastReceivedAt: dt.datetime | None
        lastSentAt: dt.datetime | None
        archived: bool
        canReply: bool

    class ThreadMessage(BaseModel):
        id: str
        subject: str
        htmlBody: str
        received: bool
        authorName: str
        sentAt: dt.datetime
        read: bool
        readAt: dt.datetime | None

    class ThreadView(BaseModel):
        thread: InboxThread
        anchorMessageId: str | None
        messages: list[ThreadMessage]

    def summary(row) -> InboxThread:
        return InboxThread(id=global_id(Kind.THREAD, row.thread_id), correspondent=Correspondent(
            id=global_id(Kind.USER, row.correspondent_id), name=row.correspondent_name, roleLabel=row.role_label,
            schoolName=row.school_name), unreadCount=row.unread_count, lastActivityAt=row.last_activity_at,
            lastReceivedAt=row.last_received_at, lastSentAt=row.last_sent_at, archived=row.archived,
            canReply=row.can_reply)

    app = FastAPI()

    @app.get("/inbox/{user_id}", response_model=list[InboxThread])
    def inbox(user_id: int):
        with Session(engine) as session:
            return [summary(row) for row in list_threads(session, user_id=user_id, box=Box.INBOX, limit=31)[:30]]

    @app.get("/thread/{user_id}/{thread_gid}", response_model=ThreadView)
    def thread(user_id: int, thread_gid: str):
        thread_id = path_pk(thread_gid, Kind.THREAD, "thread")
        with Session(engine) as session:
            page = thread_page(session, user_id=user_id, thread_id=thread_id)
        return ThreadView(thread=summary(page.thread), anchorMessageId=optional_global_id(
            Kind.MESSAGE, page.anchor_message_id), messages=[
            ThreadMessage(id=global_id(Kind.MESSAGE, m.message.id), subject=m.message.subject,
                          htmlBody=m.message.html_body, received=m.received,
                          authorName=m.author_name, sentAt=m.message.fanned_out_at or m.message.created_at,
                          read=m.read, readAt=m.read_at) for m in page.messages])

    return app


_LAUNCH = {
    "graphql": "from homeroom.app import create_app, server_options\nfrom homeroom.settings import get_settings\n"
               "app = create_app(run_worker=False)\noptions = server_options(get_settings())\n",
    "plain": "from bench.inbox import plain_app\napp = plain_app()\noptions = {}\n",
}


@contextlib.contextmanager
def serve(kind: str, env: dict, log: pathlib.Path, launch: dict[str, str] = _LAUNCH):
    """One uvicorn process serving ``kind`` (``launch[kind]`` builds ``app`` and ``options``); its
    base URL while the block runs."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\nimport uvicorn\n{launch[kind]}"
            f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', access_log=False, **options)\n")
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-c", code], env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{kind} server stopped: {log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/docs" if kind == "plain" else f"{base}/healthz", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"{kind} server did not start: {log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--reuse", action="store_true", help="keep a database already loaded")
    args = parser.parse_args(argv)
    env = configure(args.database_url, args.redis_url)

    import httpx
    from sqlalchemy import select

    from bench.recipients import _rebuild_schema
    from domain.support.global_ids import Kind, global_id
    from homeroom.auth import mint_token
    from homeroom.settings import get_settings
    from models.conversations import Thread
    from models.db import engine_for, session_scope

    ensure_database(args.database_url)
    engine = engine_for(args.database_url)
    if not (args.reuse and loaded(engine)):
        _rebuild_schema(engine)
        load(engine, random.Random(15))
    with session_scope(engine) as session:
        long_thread_row = session.execute(select(Thread.id).where(Thread.low_user_id == HEAVY,
                                                              Thread.high_user_id == LONG_PARTNER)).scalar_one()
    long_thread = global_id(Kind.THREAD, long_thread_row)  # the id the API shows for it
    token = mint_token(get_settings(), user_id=HEAVY, login=f"user.{HEAVY}")
    logs = pathlib.Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    with serve("graphql", env, logs / "graphql.log") as api, serve("plain", env, logs / "plain.log") as plain, \
            httpx.Client(timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}
        calls = {
            "inbox": lambda: client.post(f"{api}/graphql", json={"query": INBOX}, headers=headers),
            "inbox_base": lambda: client.get(f"{plain}/inbox/{HEAVY}"),
            "thread": lambda: client.post(f"{api}/graphql", json={"query": THREAD, "variables": {"id": long_thread}},
                                          headers=headers),
            "thread_base": lambda: client.get(f"{plain}/thread/{HEAVY}/{long_thread}"),
        }
        checks = {name: call() for name, call in calls.items()}
        for name, response in checks.items():
            assert response.status_code == 200 and "errors" not in response.json(), (name, response.text[:500])
        assert len(checks["inbox"].json()["data"]["inbox"]["edges"]) == len(checks["inbox_base"].json()) == 30
        assert len(checks["thread"].json()["data"]["thread"]["messages"]["edges"]) == 30
        for _ in range(30):  # warm both processes
            for call in calls.values():
                call()
        timings: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.requests):
            for name, call in calls.items():
                started = time.perf_counter()
                call()
                timings[name].append((time.perf_counter() - started) * 1000)
    figures = {}
    for name, values in timings.items():
        figures[f"{name}_p50_ms"] = statistics.median(values)
        figures[f"{name}_p95_ms"] = percentile(values, 95)
        print(f"{name:12} p50 {figures[f'{name}_p50_ms']:7.2f} ms   p95 {figures[f'{name}_p95_ms']:7.2f} ms")
    inbox_ratio = figures["inbox_p95_ms"] / figures["inbox_base_p95_ms"]
    thread_ratio = figures["thread_p95_ms"] / figures["thread_base_p95_ms"]
    print(f"inbox_p95_ms={figures['inbox_p95_ms']:.2f} inbox_base_p95_ms={figures['inbox_base_p95_ms']:.2f} "
          f"inbox_ratio={inbox_ratio:.2f} thread_p95_ms={figures['thread_p95_ms']:.2f} "
          f"thread_base_p95_ms={figures['thread_base_p95_ms']:.2f} thread_ratio={thread_ratio:.2f} messages={MESSAGES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
