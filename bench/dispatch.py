"""Deliveries dispatched per second by `homeroom worker` processes on PostgreSQL + Redis.

    python bench/dispatch.py [--database-url URL] [--redis-url URL] [--threads 4]

Uses the district of bench/recipients.py (database ``homeroom_bench``, seeded if empty), sends one
email to every student's contacts (~100,000 deliveries, ~97,000 of them sendable), fans it out,
then, with 1 and then 2 worker processes running the ``discard`` plugin, enqueues every chunk and
times until the last delivery is SENT. In the same run a bare chunked Dramatiq job (one UPDATE …
RETURNING per 500 rows of a scratch table, bench/dispatch_harness.py) is timed with 2 processes,
the ceiling Homeroom's own dispatch is measured against. Last line:
``dispatch_per_s_1w=… dispatch_per_s_2w=… harness_per_s=… harness_ratio=…`` (2 processes ÷ harness).
bench/dispatch_chunk.py shows where one chunk's time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
# Run as a file, this script's folder is first on sys.path, where bench/email.py would shadow the
# standard library's email; the project root goes there instead, and siblings are bench.<name>.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/homeroom_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
CHUNK = 500


#: Rate limits high enough that no bench refuses its own load (1,000 subscriptions of one user, say).
BENCH_RATE_LIMITS = {"HOMEROOM_RATE_LIMIT_GRAPHQL": "100000000/minute",
                     "HOMEROOM_RATE_LIMIT_TOKEN_ROUTES": "100000000/minute"}


def configure(database_url: str, redis_url: str) -> dict:
    env = {
        "HOMEROOM_DATABASE_URL": database_url, "HOMEROOM_REDIS_URL": redis_url,
        "HOMEROOM_CHANNEL_PLUGINS": json.dumps({kind: "discard" for kind in ("email", "sms", "voice", "push")}),
        "HOMEROOM_PLUGIN_CONFIG": "{}", "HOMEROOM_DISPATCH_BATCH_SIZE": str(CHUNK),
        "HOMEROOM_ENVIRONMENT": "production", "HOMEROOM_JWT_SECRET": "bench-only-secret-bench-only-secret",
        # A bench is one caller making all the load from one address: the rate limits still count
        # every request in Redis (that cost is the product's), at rates its load stays under.
        **BENCH_RATE_LIMITS,
    }
    os.environ.update(env)
    return {**os.environ, **env}


#: The harness's one statement per chunk (bench/dispatch_harness.py; timed alone by bench/dispatch_chunk.py).
HARNESS_CLAIM = ("UPDATE bench_harness SET status = 'SENT' WHERE id = ANY(CAST(:ids AS integer[])) "
                 "AND status = 'QUEUED' RETURNING id, status")


def create_harness_table(engine, rows: int) -> None:
    """The harness's scratch table: ``rows`` QUEUED rows, ids 1…rows, analysed."""
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_harness"))
        connection.execute(text("CREATE TABLE bench_harness (id serial PRIMARY KEY, status text NOT NULL)"))
        connection.execute(text("INSERT INTO bench_harness (status) SELECT 'QUEUED' FROM generate_series(1, :n)"),
                           {"n": rows})
        connection.execute(text("ANALYZE bench_harness"))


def drop_harness_table(engine) -> None:
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_harness"))


def wait_for(predicate, timeout: float, poll: float = 0.05) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.perf_counter()
        time.sleep(poll)
    raise SystemExit("timed out waiting for the workers")


def start(command: list[str], env: dict) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(3)  # processes boot and their consumers connect
    if process.poll() is not None:
        raise SystemExit(process.stderr.read().decode())
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    env = configure(args.database_url, args.redis_url)

    import redis
    from sqlalchemy import func, select, text, update

    import jobs
    from homeroom.runtime import start_runtime
    from domain.delivery.fan_out import fan_out, queued_delivery_chunks
    from domain.delivery.lanes import Lane
    from domain.messages.send import create_message
    from domain.access.viewer import load_viewer
    from models.db import engine_for, session_scope
    from models.directory import User
    from models.messaging import Delivery, DeliveryAttempt, Message, MessageStatus, StudentRecipientType
    from bench.recipients import ensure_district, every_student, forget_messages

    start_runtime()  # the broker jobs.enqueue_* send on, from the environment configure() set
    engine = engine_for(args.database_url)
    ensure_district(engine, 50_000, reuse=True)
    redis_client = redis.Redis.from_url(args.redis_url)
    with session_scope(engine) as session:
        admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        message = create_message(session, load_viewer(session, admin), every_student(StudentRecipientType.ALL_CONTACTS))
        session.flush()
        fan_out(session, message.id)
        ids = [i for chunk in queued_delivery_chunks(session, message.id, 10**9) for i in chunk]
    print(f"message {message.id}: {len(ids):,} sendable deliveries")

    def reset() -> None:
        with session_scope(engine) as session:
            session.execute(DeliveryAttempt.__table__.delete().where(DeliveryAttempt.delivery_id.in_(
                select(Delivery.id).where(Delivery.message_id == message.id))))
            session.execute(update(Delivery).where(Delivery.id.in_(
                select(Delivery.id).where(Delivery.message_id == message.id, Delivery.status == "SENT")))
                .values(status="QUEUED", attempts=0, sent_at=None, provider_id=None))
            session.execute(update(Message).where(Message.id == message.id).values(
                status=MessageStatus.SENDING.value, open_deliveries=len(ids), completed_at=None))
        redis_client.flushdb()

    def all_sent() -> bool:
        """The message's counter of open deliveries reaches zero as the last chunk settles: one
        row read per poll, so the measuring does not compete with the workers for the CPU (a
        count over the ledger every 50 ms took a good part of a core)."""
        with engine.connect() as connection:
            return connection.execute(select(Message.open_deliveries).where(
                Message.id == message.id)).scalar_one() <= 0

    rates = {}
    for processes in (1, 2):
        reset()
        worker = start([sys.executable, "-m", "homeroom.cli", "worker", "--processes", str(processes),
                        "--threads", str(args.threads)], env)
        try:
            started = time.perf_counter()
            jobs.enqueue_dispatch((Lane.NORMAL, ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK))
            finished = wait_for(all_sent, timeout=600)
        finally:
            stop(worker)
        with engine.connect() as connection:
            sent = connection.execute(select(func.count()).select_from(Delivery).where(
                Delivery.message_id == message.id, Delivery.status == "SENT")).scalar_one()
        assert sent == len(ids), f"{sent} of {len(ids)} deliveries SENT"
        rates[processes] = len(ids) / (finished - started)
        print(f"homeroom dispatch, {processes} worker process(es) × {args.threads} threads: "
              f"{len(ids):,} in {finished - started:.2f} s = {rates[processes]:,.0f} deliveries/s")

    # The bare harness: same Redis, same chunking, one UPDATE … RETURNING per job.
    create_harness_table(engine, len(ids))
    redis_client.flushdb()
    harness_env = {**env, "BENCH_REDIS_URL": args.redis_url, "BENCH_DATABASE_URL": args.database_url}
    harness = start([sys.executable, "-m", "dramatiq", "bench.dispatch_harness", "--processes", "2",
                     "--threads", str(args.threads)], harness_env)
    os.environ.update({"BENCH_REDIS_URL": args.redis_url, "BENCH_DATABASE_URL": args.database_url})
    try:
        from bench import dispatch_harness  # its own broker: enqueue through it
        import dramatiq

        dramatiq.set_broker(dispatch_harness.broker)
        started = time.perf_counter()
        for start_id in range(1, len(ids) + 1, CHUNK):
            dispatch_harness.harness_chunk.send(list(range(start_id, min(start_id + CHUNK, len(ids) + 1))))

        def harness_done() -> bool:
            with engine.connect() as connection:
                return connection.execute(text("SELECT count(*) FROM bench_harness WHERE status = 'SENT'")
                                          ).scalar_one() >= len(ids)
        finished = wait_for(harness_done, timeout=600)
    finally:
        stop(harness)
    harness_rate = len(ids) / (finished - started)
    print(f"bare chunked Dramatiq harness, 2 processes × {args.threads} threads: {harness_rate:,.0f} rows/s")
    drop_harness_table(engine)
    redis_client.flushdb()
    forget_messages(engine, [message.id])
    print(f"dispatch_per_s_1w={rates[1]:.0f} dispatch_per_s_2w={rates[2]:.0f} harness_per_s={harness_rate:.0f} "
          f"harness_ratio={rates[2] / harness_rate:.2f} deliveries={len(ids)} chunk={CHUNK} threads={args.threads}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
