"""What uses a template, so deleting it is refused until nothing does (TPL-15).

Features that keep a template by id register a referrer here when they exist: an attendance
threshold's Communication Template (TPL-15), an integration's workflow trigger (TPL-09). A
referrer answers, for one template, a short description of each thing that uses it ("attendance
threshold 'Three absences'"); the delete refusal names them all. Messages never refer to a
template: using one copies it (TPL-14).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

#: (session, template id) -> descriptions of what uses it.
Referrer = Callable[[Session, int], list[str]]

_REFERRERS: dict[str, Referrer] = {}


def register(name: str, referrer: Referrer) -> None:
    """Add (or replace) the referrer called ``name``."""
    _REFERRERS[name] = referrer


def unregister(name: str) -> None:
    _REFERRERS.pop(name, None)


def referencing(session: Session, template_id: int) -> list[str]:
    """Everything any referrer says uses the template, in registration order."""
    return [description for referrer in _REFERRERS.values() for description in referrer(session, template_id)]
