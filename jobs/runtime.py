"""The runtime the actors of this process read: installed once by the process shell (the API's
in-process worker, ``homeroom worker``, ``homeroom scheduler``) before any job runs.

Actors are module functions taking ids (Dramatiq), so they cannot be handed the runtime; they
read it here, never from settings. The runtime's type lives in the shell (homeroom.runtime);
here it is only held.
"""

from __future__ import annotations

from typing import Any

import dramatiq

from jobs.broker import placeholder

_current: Any = None


class NoRuntime(RuntimeError):
    """A job ran in a process whose shell installed no runtime."""


def install(runtime: Any) -> None:
    """Make ``runtime`` this process's: its broker becomes Dramatiq's, and every actor (declared on
    the placeholder broker at import) is moved onto it."""
    global _current
    _current = runtime
    broker = runtime.broker
    dramatiq.set_broker(broker)
    for actor in list(placeholder.actors.values()):
        actor.broker = broker
        broker.declare_actor(actor)


def current() -> Any:
    """The installed runtime (a ``homeroom.runtime.Runtime``)."""
    if _current is None:
        raise NoRuntime("no runtime is installed in this process: the shell calls jobs.runtime.install first")
    return _current


def uninstall() -> None:
    """Forget the installed runtime (a test that installed one of its own puts the old one back)."""
    global _current
    _current = None
