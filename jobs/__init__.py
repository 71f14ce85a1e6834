"""Dramatiq broker and actors. The broker module is imported before any actor is declared."""

from jobs import broker  # noqa: F401  (must come first)
from jobs.dispatch import DISPATCH, enqueue_dispatch  # noqa: F401
from jobs.fan_out import FAN_OUT, enqueue_fan_out  # noqa: F401
