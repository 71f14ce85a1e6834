"""What a ``homeroom worker`` process loads (``python -m dramatiq homeroom.worker``): its runtime,
built from the environment and installed for the actors, whose broker Dramatiq then consumes."""

from __future__ import annotations

from homeroom.log_redaction import install_redaction
from homeroom.runtime import start_runtime

install_redaction()  # Dramatiq configured this process's logging before importing this module
runtime = start_runtime()
#: Dramatiq's CLI consumes this broker; the actors were moved onto it by start_runtime.
broker = runtime.broker
