"""print_letters: render a print job's letters to one PDF (domain.letters.print_jobs), on its own
queue (``printing``) so a district-wide print never holds a dispatch lane. Takes the job's id and
is idempotent: only the run that claims a QUEUED job renders it; a job already RUNNING or finished
is left alone (Redis may deliver a message twice after a crash, the queue clock re-sends a job that
waited long). Its time limit is PRINT_TIME_LIMIT, which the queue clock's upkeep reckons with."""

from __future__ import annotations

import dataclasses

import dramatiq

from domain.letters.print_jobs import PRINT_TIME_LIMIT, run_print_job
from jobs.runtime import current

QUEUE = "printing"
#: After the dispatch lanes (domain.delivery.lanes: 0, 10, 20) and webhooks (50).
PRIORITY = 60


@dramatiq.actor(actor_name="print_letters", queue_name=QUEUE, priority=PRIORITY, max_retries=0,
                time_limit=int(PRINT_TIME_LIMIT.total_seconds() * 1000))
def print_letters(job_id: int) -> None:
    runtime = current()
    run_print_job(runtime.engine, job_id, translator=runtime.translator)


@dataclasses.dataclass(frozen=True)
class DramatiqPrintJobs:
    """domain.letters.jobs.PrintJobs on ``broker``."""

    broker: dramatiq.Broker

    def print_letters(self, job_id: int) -> None:
        self.broker.enqueue(print_letters.message(job_id))
