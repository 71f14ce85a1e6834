"""Which feed events a viewer may see (issue 16 point 4), as SQL for pages and in memory for the hub.

- A partner key (``viewer.key``) sees the events of its schools: ``viewer.school_ids``, which
  load_viewer already narrowed to the key's schools (all its creator's schools when it names none).
  An event without a school (an imported recipient) belongs to no key.
- Anyone else sees the events of the messages whose report they may read, as the communication
  report decides (domain.reports.communication_report): every delivery of a message they sent or,
  for a district administrator, of any message; for another's message only the deliveries to
  recipients in their own scope.
- ``schools`` (the feed's argument) narrows either further; a school outside scope matches nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import enum
from collections.abc import Hashable, Iterable

from sqlalchemy import exists, select
from sqlmodel import Session

from domain.access.message_scope import visible_messages
from domain.access.scope import is_district_administrator
from domain.access.viewer import Viewer
from domain.reports.communication_report import deliveries_in_scope, reads_every_delivery
from models.delivery_events import DeliveryEvent
from models.messaging import Delivery, Message


class MessageAccess(enum.Enum):
    EVERY_DELIVERY = "every"
    SOME_DELIVERIES = "some"  # another's message: only the deliveries to recipients in the viewer's scope
    NONE = "none"


@dataclasses.dataclass(frozen=True)
class FeedScope:
    viewer: Viewer
    #: The ``schools:`` argument; None reads every school in scope.
    schools: frozenset[int] | None = None

    @property
    def by_school(self) -> bool:
        """A partner key granted schools sees their events alone (a recipient's school: a student's,
        or a staff member's first); a key without schools reads as its creator does."""
        return self.viewer.key is not None and self.viewer.key.school_ids is not None

    @functools.cached_property  # asked at every batch by every follower: worked out once per scope
    def share_key(self) -> Hashable:
        """Equal for two scopes that see the same events: the hub filters a batch once per key, and
        every follower with that key gets the same list (and the same frame). A key's schools
        decide for it; for anyone else, who they are and everything message access reads (role,
        permissions, schools, the key narrowing them)."""
        viewer = self.viewer
        if self.by_school:
            return "schools", viewer.school_ids, self.schools
        return ("viewer", viewer.id, viewer.role, tuple(viewer.permissions.held()), viewer.school_ids,
                viewer.key.key_id if viewer.key else None, self.schools)

    def where(self) -> list:
        """WHERE clauses on DeliveryEvent, set-based (no per-event query)."""
        clauses = []
        if self.schools is not None:
            clauses.append(DeliveryEvent.school_id.in_(sorted(self.schools)))
        if self.by_school:
            clauses.append(DeliveryEvent.school_id.in_(sorted(self.viewer.school_ids)))
            return clauses
        clauses.append(DeliveryEvent.message_id.in_(select(Message.id).where(visible_messages(self.viewer))))
        if not is_district_administrator(self.viewer):
            own = DeliveryEvent.message_id.in_(select(Message.id).where(Message.sender_id == self.viewer.id))
            in_scope = exists().where(Delivery.id == DeliveryEvent.delivery_id, deliveries_in_scope(self.viewer))
            clauses.append(own | in_scope)
        return clauses

    def school_matches(self, school_id: int | None) -> bool:
        """The school test, in memory (the hub's fan-out)."""
        if self.schools is not None and school_id not in self.schools:
            return False
        return not self.by_school or school_id in self.viewer.school_ids


def message_access(session: Session, viewer: Viewer, message_ids: Iterable[int]) -> dict[int, MessageAccess]:
    """What the viewer may read of each message, in one statement (the hub asks once per new message)."""
    wanted = sorted(set(message_ids))
    access = dict.fromkeys(wanted, MessageAccess.NONE)
    if wanted:
        for message_id, sender_id in session.execute(
                select(Message.id, Message.sender_id).where(Message.id.in_(wanted), visible_messages(viewer))).all():
            access[message_id] = (MessageAccess.EVERY_DELIVERY if reads_every_delivery(viewer, sender_id)
                                  else MessageAccess.SOME_DELIVERIES)
    return access
