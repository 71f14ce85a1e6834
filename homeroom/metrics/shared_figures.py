"""The deployment's figures, read at scrape time (homeroom.metrics): deliveries by channel and
status, Dramatiq queue depth, and dispatch latency. Workers record what they do in the database
and take their work from Redis, so any API process can read the whole deployment's figures there.

Each read is one set-based statement bounded by a primary-key range (no scan of the whole ledger),
and the figures are kept ``CACHE_SECONDS`` so that Prometheus scraping every API process, or two
Prometheus servers, cost one read per period. A source that fails reads as
``homeroom_metrics_source_up{source=…} 0`` and leaves its figures out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator

import dramatiq
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

import jobs.dispatch  # noqa: F401  (declares the dispatch lanes' queues)
import jobs.hand_on  # noqa: F401  (and the hand-on lanes')
import jobs.webhooks  # noqa: F401  (and the webhooks queue)
from jobs.broker import placeholder
from models.messaging import Delivery, DeliveryAttempt

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
#: homeroom_deliveries counts the newest this many deliveries (by id): recent traffic, at a cost
#: that does not grow with the ledger (an index range, ~50 ms on PostgreSQL).
DELIVERY_WINDOW = 100_000
#: Dispatch latency covers the first attempts among the newest this many attempts…
LATENCY_ATTEMPT_WINDOW = 5_000
#: …that started within this long before the scrape.
LATENCY_PERIOD = dt.timedelta(minutes=15)
#: Seconds from a delivery being written (fan-out) to its first provider call.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


@dataclasses.dataclass(frozen=True)
class Figures:
    deliveries: dict[tuple[str, str], int] | None
    latencies: list[float] | None
    queues: dict[str, int] | None


class SharedFigures(Collector):
    def __init__(self, engine: Engine, broker: dramatiq.Broker) -> None:
        self._engine, self._broker = engine, broker
        self._lock = threading.Lock()
        self._cached: tuple[float, Figures] | None = None

    def collect(self) -> Iterator[Metric]:
        figures = self._figures()
        up = GaugeMetricFamily("homeroom_metrics_source_up", "Whether the last read of a shared figure's source "
                                                             "(database, queue) succeeded.", labels=["source"])
        up.add_metric(["database"], float(figures.deliveries is not None))
        up.add_metric(["queue"], float(figures.queues is not None))
        yield up
        if figures.deliveries is not None:
            deliveries = GaugeMetricFamily(
                "homeroom_deliveries", f"Deliveries by channel and status among the newest {DELIVERY_WINDOW} in the "
                                       "ledger (all processes).", labels=["channel", "status"])
            for (channel, status), count in sorted(figures.deliveries.items()):
                deliveries.add_metric([channel, status], count)
            yield deliveries
        if figures.latencies is not None:
            yield _latency_histogram(figures.latencies)
        if figures.queues is not None:
            queues = GaugeMetricFamily(
                "homeroom_queue_messages", "Dramatiq messages not yet acknowledged on each queue: waiting, delayed "
                                           "(a retry's wait) or being worked on.", labels=["queue"])
            for queue, depth in sorted(figures.queues.items()):
                queues.add_metric([queue], depth)
            yield queues

    def _figures(self) -> Figures:
        with self._lock:  # concurrent scrapes share one read
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > CACHE_SECONDS:
                self._cached = (now, self._read())
            return self._cached[1]

    def _read(self) -> Figures:
        try:
            deliveries, latencies = self._read_ledger()
        except Exception as error:  # noqa: BLE001  (a scrape reports the source down, it does not fail)
            log.warning("metrics: the ledger could not be read (%s)", type(error).__name__)
            deliveries = latencies = None
        try:
            queues = queue_depths(self._broker)
        except Exception as error:  # noqa: BLE001
            log.warning("metrics: the queues could not be read (%s)", type(error).__name__)
            queues = None
        return Figures(deliveries=deliveries, latencies=latencies, queues=queues)

    def _read_ledger(self) -> tuple[dict[tuple[str, str], int], list[float]]:
        newest_delivery = select(func.coalesce(func.max(Delivery.id), 0)).scalar_subquery()
        newest_attempt = select(func.coalesce(func.max(DeliveryAttempt.id), 0)).scalar_subquery()
        first_attempt = (select(func.min(DeliveryAttempt.id)).where(
            DeliveryAttempt.delivery_id == Delivery.id).correlate(Delivery).scalar_subquery())
        with Session(self._engine) as session:
            counts = session.execute(
                select(Delivery.channel, Delivery.status, func.count())
                .where(Delivery.id > newest_delivery - DELIVERY_WINDOW)
                .group_by(Delivery.channel, Delivery.status)).all()
            attempts = session.execute(
                select(DeliveryAttempt.started_at, Delivery.created_at)
                .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
                .where(DeliveryAttempt.id > newest_attempt - LATENCY_ATTEMPT_WINDOW,
                       DeliveryAttempt.id == first_attempt)).all()
        since = dt.datetime.now(dt.UTC) - LATENCY_PERIOD
        latencies = [(_utc(started) - _utc(created)).total_seconds() for started, created in attempts
                     if _utc(started) >= since]
        return {(_value(channel), _value(status)): count for channel, status, count in counts}, latencies


def queue_depths(broker: dramatiq.Broker) -> dict[str, int]:
    """Messages not yet acknowledged per queue (its delay queue included): from Redis in production,
    from the in-process stub broker in embedded mode."""
    names = sorted({actor.queue_name for actor in placeholder.actors.values()} | set(broker.get_declared_queues()))
    names = [name for name in names if not name.endswith((".DQ", ".XQ"))]
    client = getattr(broker, "client", None)
    if client is None:  # the stub broker: its queues (and their delay queues) in memory
        queues = getattr(broker, "queues", {})
        return {name: sum(queues[q].qsize() for q in (name, f"{name}.DQ") if q in queues) for name in names}
    namespace = broker.namespace
    pipeline = client.pipeline(transaction=False)
    for name in names:
        pipeline.hlen(f"{namespace}:{name}.msgs")
        pipeline.hlen(f"{namespace}:{name}.DQ.msgs")
    sizes = pipeline.execute()
    return {name: sizes[2 * index] + sizes[2 * index + 1] for index, name in enumerate(names)}


def _latency_histogram(latencies: list[float]) -> GaugeHistogramMetricFamily:
    buckets = [(str(bound), float(sum(1 for value in latencies if value <= bound))) for bound in LATENCY_BUCKETS]
    buckets.append(("+Inf", float(len(latencies))))
    return GaugeHistogramMetricFamily(
        "homeroom_dispatch_latency_seconds",
        "Seconds from a delivery being written (fan-out) to the start of its first provider call, for first "
        f"attempts among the newest {LATENCY_ATTEMPT_WINDOW} started in the last "
        f"{int(LATENCY_PERIOD.total_seconds() // 60)} minutes (all workers).",
        buckets=buckets, gsum_value=sum(latencies))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _value(item: object) -> str:
    return str(getattr(item, "value", item))
