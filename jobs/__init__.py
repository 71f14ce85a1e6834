"""Dramatiq broker and actors. The broker module is imported before any actor is declared."""

from jobs import broker  # noqa: F401  (must come first)
from jobs.fan_out import fan_out_message  # noqa: F401
from jobs.dispatch import dispatch_batch  # noqa: F401
