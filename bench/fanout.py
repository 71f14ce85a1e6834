"""Time a 100,000-recipient message from the send mutation to every delivery queued for dispatch.

    python bench/fanout.py [--database-url URL] [--redis-url URL]

Uses the district of bench/recipients.py (50,000 students). Calls the real GraphQL ``sendMessage``
mutation in-process (email to every contact of every student, confirmed count), then runs the
hand-on job exactly as a worker would (hand_on_<lane>: the request wrote every delivery row; it enqueues
the dispatch chunks on Redis). The clock stops when every dispatch chunk is on Redis; the same job
then writes the in-app rows and files the message in its readers' threads, timed separately
(``in_app_s``: until the job returns). In the same
run it measures a raw PostgreSQL COPY of the same rows into a table shaped and indexed like the
ledger. It sends ``--runs`` times (default 3; the ledger grows by each send, as in production) and
reports the medians; each run's rows are deleted after it, so every run meets the same ledger. Last line: ``fanout_s=… rows_per_s=… copy_rows_per_s=… ratio=… in_app_s=… deliveries=… in_app_rows=…``.
"""

from __future__ import annotations

import argparse
import io
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
# Run as a file, this script's folder is first on sys.path, where bench/email.py would shadow the
# standard library's email; the project root goes there instead, and siblings are bench.<name>.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.dispatch import DEFAULT_REDIS, DEFAULT_URL, configure  # noqa: E402

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id } recipientCount }
  ... on SendMessageConfirmationRequired { recipientCount } } }"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--runs", type=int, default=3, help="sends to time; the figures are their medians")
    args = parser.parse_args(argv)
    configure(args.database_url, args.redis_url)

    import redis
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    import jobs
    from homeroom.runtime import start_runtime
    from domain.delivery.lanes import Lane
    from domain.support.global_ids import Kind, pk_of
    from homeroom.app import create_app
    from homeroom.auth import mint_token
    from homeroom.settings import get_settings
    from models.db import engine_for, session_scope
    from models.directory import User
    from bench.recipients import ensure_district, forget_messages

    engine = engine_for(args.database_url)
    ensure_district(engine, 50_000, reuse=True)
    queue = redis.Redis.from_url(args.redis_url)
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
    token = mint_token(get_settings(), user_id=admin.id, login=admin.login)
    runtime = start_runtime()  # the actor run below reads it, as a worker's would
    app = create_app(run_worker=False, runtime=runtime)
    message_input = {"subject": "Bench", "htmlBody": "<p>Bench</p>", "channels": ["EMAIL"],
                     "recipientType": "ALL_CONTACTS", "allStudents": True}

    handed_on_at: list[float] = []
    dispatch = runtime.jobs.dispatch

    def dispatch_and_note_the_time(chunks) -> None:
        dispatch(chunks)
        handed_on_at.append(time.perf_counter())

    object.__setattr__(runtime.jobs, "dispatch", dispatch_and_note_the_time)  # a frozen dataclass

    def send_and_fan_out(client) -> tuple[int, float, float, int]:
        headers = {"Authorization": f"Bearer {token}"}
        first = client.post("/graphql", json={"query": SEND, "variables": {"input": message_input}},
                            headers=headers).json()["data"]["sendMessage"]
        count = first["recipientCount"]  # the confirmation request: nothing written yet
        queue.flushdb()
        started = time.perf_counter()
        sent = client.post("/graphql", json={"query": SEND, "variables": {
            "input": {**message_input, "confirmedRecipientCount": count}}}, headers=headers).json()
        message_id = pk_of(sent["data"]["sendMessage"]["message"]["id"], Kind.MESSAGE)  # the row the job takes
        handed_on_at.clear()
        jobs.HAND_ON[Lane.NORMAL].fn(message_id)  # what the worker runs for the job just enqueued
        finished = time.perf_counter()
        return message_id, handed_on_at[-1] - started, finished - handed_on_at[-1], count

    runs = []
    with TestClient(app) as client:
        for _ in range(args.runs):
            message_id, fanout_s, in_app_s, count = send_and_fan_out(client)
            rows, queued = _ledger_counts(engine, message_id)
            in_app_rows = _in_app_rows(engine, message_id)
            dispatch_jobs = sum(queue.hlen(key) for key in queue.scan_iter("homeroom:deliveries_normal*")
                                if queue.type(key) == b"hash") or queue.llen("homeroom:deliveries_normal")
            copy_s = _raw_copy_seconds(engine, message_id)
            queue.flushdb()
            forget_messages(engine, [message_id])
            runs.append((fanout_s, copy_s, in_app_s))
            external = rows - in_app_rows
            print(f"sendMessage → {external:,} delivery rows ({queued:,} queued, {count:,} recipients) and every "
                  f"dispatch chunk on Redis in {fanout_s:.2f} s ({external / fanout_s:,.0f} rows/s), {dispatch_jobs} "
                  f"dispatch jobs; then {in_app_rows:,} in-app rows filed in {in_app_s:.2f} s; raw COPY of "
                  f"the external rows {copy_s:.2f} s ({external / copy_s:,.0f} rows/s)")
    fanout_s = statistics.median(run[0] for run in runs)
    copy_s = statistics.median(run[1] for run in runs)
    in_app_s = statistics.median(run[2] for run in runs)
    rows = external
    rows_per_s, copy_rows_per_s = rows / fanout_s, rows / copy_s
    print(f"median of {len(runs)} runs; fan-out {min(r[0] for r in runs):.2f}–{max(r[0] for r in runs):.2f} s")
    print(f"fanout_s={fanout_s:.2f} rows_per_s={rows_per_s:.0f} copy_rows_per_s={copy_rows_per_s:.0f} "
          f"ratio={rows_per_s / copy_rows_per_s:.2f} in_app_s={in_app_s:.2f} deliveries={rows} "
          f"in_app_rows={in_app_rows}")
    return 0


def _ledger_counts(engine, message_id: int) -> tuple[int, int]:
    from sqlalchemy import func, select

    from models.messaging import Delivery

    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id)).scalar_one()
        queued = connection.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id, Delivery.status == "QUEUED")).scalar_one()
    return rows, queued


def _in_app_rows(engine, message_id: int) -> int:
    from sqlalchemy import func, select

    from models.messaging import Delivery

    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id, Delivery.channel == "INAPP")).scalar_one()


def _raw_copy_seconds(engine, message_id: int) -> float:
    """A raw COPY of the message's rows into a table with the ledger's shape and indexes."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("CREATE TABLE bench_copy (LIKE delivery INCLUDING ALL)")
        buffer = io.StringIO()
        with cursor.copy(f"COPY (SELECT * FROM delivery WHERE message_id = {message_id} "
                         "AND channel <> 'INAPP') TO STDOUT") as copy:
            for block in copy:
                buffer.write(bytes(block).decode())
        data = buffer.getvalue()
        raw.commit()
        copy_started = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN") as copy:
            copy.write(data)
        raw.commit()
        copy_s = time.perf_counter() - copy_started
        cursor.execute("DROP TABLE bench_copy")
        raw.commit()
    finally:
        raw.close()
    return copy_s


if __name__ == "__main__":
    raise SystemExit(main())
