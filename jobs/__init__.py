"""Dramatiq broker and actors. The broker module is imported before any actor is declared; the
actors read the runtime the shell installs (jobs.runtime)."""

from jobs import broker  # noqa: F401  (must come first)
from jobs.dispatch import DISPATCH, enqueue_dispatch  # noqa: F401
from jobs.fan_out import FAN_OUT, enqueue_fan_out  # noqa: F401
from jobs.job_queue import JobQueue  # noqa: F401
