"""Partner-key scopes: what a key may reach, declared on each GraphQL field beside its permissions.

A partner key acts for the district administrator who created it, narrowed twice: to the fields
that name one of its scopes (a field that names none refuses every key), and to its schools. The
administrator's own permissions still apply, so a key never reaches more than its creator could.
"""

from __future__ import annotations

import dataclasses
import enum


class Scope(str, enum.Enum):
    DELIVERIES_READ = "deliveries:read"
    MESSAGES_READ = "messages:read"
    DIRECTORY_READ = "directory:read"
    MESSAGES_SEND = "messages:send"
    ANNOUNCEMENTS_READ = "announcements:read"


SCOPE_DESCRIPTIONS = {
    Scope.DELIVERIES_READ: "the delivery feed and message progress of the key's schools",
    Scope.MESSAGES_READ: "messages and their reports, as the key's creator reads them, within its schools",
    Scope.DIRECTORY_READ: "students, contacts, staff and sections of the key's schools",
    Scope.MESSAGES_SEND: "send messages (SIS-triggered sends) as the key's creator, to the key's schools",
    Scope.ANNOUNCEMENTS_READ: "the announcements the key's creator sees, and their changes as they happen",
}


@dataclasses.dataclass(frozen=True)
class KeyGrant:
    """What an authenticated partner key carries into a request: the key, its scopes, its schools
    (None: every school of its creator)."""

    key_id: int
    scopes: frozenset[Scope]
    school_ids: frozenset[int] | None = None

    def allows(self, *wanted: Scope) -> bool:
        """True when the key holds any one of ``wanted``."""
        return any(scope in self.scopes for scope in wanted)


def scope_text(*scopes: Scope) -> str:
    """The sentence a field's SDL description ends with."""
    if not scopes:
        return "Not available to partner keys."
    named = " or ".join(f"`{scope.value}`" for scope in scopes)
    return f"Partner keys need the {named} scope."
