"""Dramatiq broker and actors. The broker module is imported before any actor is declared; the
actors read the runtime the shell installs (jobs.runtime)."""

from jobs import broker  # noqa: F401  (must come first)
from jobs.dispatch import DISPATCH, enqueue_dispatch  # noqa: F401
from jobs.hand_on import HAND_ON, enqueue_hand_on  # noqa: F401
from jobs.job_queue import DramatiqJobQueue  # noqa: F401
from jobs.webhooks import DramatiqWebhookJobs  # noqa: F401
