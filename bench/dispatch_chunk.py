"""Where one dispatch chunk's time goes: the phases of ``dispatch_deliveries``, in one process.

    python bench/dispatch_chunk.py [--database-url URL] [--chunks 60] [--profile]

Uses the district of bench/recipients.py (PostgreSQL), sends one email to every student's contacts
and fans it out, then dispatches ``--chunks`` chunks of 500 through the ``discard`` plugin on this
thread, timing each phase of every chunk: the claim statement, building the envelopes, the plugin
call, gathering the outcomes and recording them. In the same run it times the bare harness's one
statement per chunk (bench/dispatch_harness.py's ``UPDATE … RETURNING`` on a scratch table of the
same size), the floor a chunk is compared with. ``--profile`` prints cProfile's top functions over
every chunk. Last line: ``chunk_ms=… claim_ms=… envelopes_ms=… send_ms=… record_ms=… harness_chunk_ms=…``
(medians).
"""

from __future__ import annotations

import argparse
import cProfile
import pathlib
import pstats
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.dispatch import (  # noqa: E402
    CHUNK, DEFAULT_REDIS, DEFAULT_URL, HARNESS_CLAIM, configure, create_harness_table, drop_harness_table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--chunks", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    configure(args.database_url, args.redis_url)

    from sqlalchemy import select, text

    from bench.recipients import ensure_district, every_student, forget_messages
    from domain.access.viewer import load_viewer
    from domain.delivery import dispatch
    from domain.delivery.fan_out import fan_out, queued_delivery_chunks
    from domain.messages.send import create_message
    from homeroom.runtime import start_runtime
    from models.db import session_scope
    from models.directory import User
    from models.messaging import StudentRecipientType

    runtime = start_runtime()
    engine = runtime.engine
    ensure_district(engine, 50_000, reuse=True)
    with session_scope(engine) as session:
        admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        message = create_message(session, load_viewer(session, admin), every_student(StudentRecipientType.ALL_CONTACTS))
        session.flush()
        fan_out(session, message.id)
        chunks = list(queued_delivery_chunks(session, message.id, CHUNK))[: args.chunks]

    phases: dict[str, list[float]] = {name: [] for name in ("chunk", "claim", "envelopes", "send", "record")}
    services = runtime.delivery
    timed = {"claim": dispatch._claim_rows, "envelopes": dispatch.build_envelopes, "send": dispatch.send,
             "record": dispatch.record}
    current: dict[str, float] = {}

    def timing(name, function):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                current[name] = current.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    for name, function in timed.items():
        setattr(dispatch, function.__name__, timing(name, function))
    profiler = cProfile.Profile() if args.profile else None
    try:
        for ids in chunks:
            current.clear()
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            dispatch.dispatch_deliveries(engine, runtime.registry, ids, services)
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
            phases["chunk"].append(elapsed)
            for name in timed:
                phases[name].append(current.get(name, 0.0))
    finally:
        for function in timed.values():
            setattr(dispatch, function.__name__, function)

    create_harness_table(engine, CHUNK * len(chunks))
    claim = text(HARNESS_CLAIM)
    harness = []
    for n in range(len(chunks)):
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(claim, {"ids": list(range(n * CHUNK + 1, (n + 1) * CHUNK + 1))}).all()
        harness.append(time.perf_counter() - started)
    drop_harness_table(engine)
    forget_messages(engine, [message.id])

    median = {name: statistics.median(values) * 1000 for name, values in phases.items()}
    harness_ms = statistics.median(harness) * 1000
    for name, value in median.items():
        print(f"{name:>10}: median {value:6.2f} ms  (min {min(phases[name]) * 1000:.2f}, "
              f"max {max(phases[name]) * 1000:.2f})")
    print(f"{'harness':>10}: median {harness_ms:6.2f} ms per chunk of {CHUNK}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    print(" ".join(f"{name}_ms={value:.2f}" for name, value in median.items())
          + f" harness_chunk_ms={harness_ms:.2f} chunks={len(chunks)} chunk={CHUNK}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
