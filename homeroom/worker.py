"""What a ``homeroom worker`` process loads (``python -m dramatiq homeroom.worker``): its runtime,
built from the environment and installed for the actors, whose broker Dramatiq then consumes."""

from __future__ import annotations

from homeroom.runtime import start_runtime

runtime = start_runtime()
#: Dramatiq's CLI consumes this broker; the actors were moved onto it by start_runtime.
broker = runtime.broker
