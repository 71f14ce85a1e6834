"""A bare chunked Dramatiq job for bench/dispatch.py to compare against: each job claims a chunk
of rows of a scratch table with one UPDATE … RETURNING and reads them, nothing else. Started by
the benchmark as ``python -m dramatiq bench.dispatch_harness`` from the project root."""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import create_engine, text

from bench.dispatch import HARNESS_CLAIM

broker = RedisBroker(url=os.environ["BENCH_REDIS_URL"], namespace="homeroom-harness")
dramatiq.set_broker(broker)
engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=16)

CLAIM = text(HARNESS_CLAIM)


@dramatiq.actor(queue_name="harness", max_retries=0)
def harness_chunk(ids: list[int]) -> None:
    with engine.begin() as connection:
        connection.execute(CLAIM, {"ids": ids}).all()
