"""The port print work is handed to once the print job's row is committed; jobs.printing implements
it with a Dramatiq actor, so a print never runs in the request that asked for it."""

from __future__ import annotations

from typing import Protocol


class PrintJobs(Protocol):
    def print_letters(self, job_id: int) -> None:
        """The job that renders the print job's letters (domain.letters.print_jobs.run_print_job)."""
