"""The shared side of messageProgress: one watch per message in this process, however many follow
it (issue 16 point 6).

Each subscriber used to hold its own bus subscription and re-read the counts from the database at
every notice and every 2 s while idle: 1,000 subscribers of a message made 1,000 identical reads
per notice burst. Now a ``MessageWatch`` per message listens once, reads at the first notice of a
burst and once more after it for all that came meanwhile (reads at least MIN_READ_GAP_SECONDS
apart), and hands the snapshot to its followers, who each hold only the latest one (a
follower that falls behind skips to the newest, so the publisher never waits and completion is
never lost behind older counts).

Authorization stays per viewer, without a read per subscriber per event. Followers are grouped by
who they are (user, partner key): each identity is checked (account active, REQUIRED permissions,
the message visible as message(id) decides) when it first subscribes and again at a refresh once
its last check is RECHECK_SECONDS old, which an idle message's fallback poll brings about too.
Counts are read once per distinct delivery scope: one read for every viewer who reads all of the
message's deliveries (its sender, district administrators), and one per restricted viewer (a
teacher sees only the recipients in their scope, readable_deliveries).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Hashable
from typing import Any

import anyio
from anyio.lowlevel import RunVar
from graphql import GraphQLError
from sqlalchemy import func, select
from sqlmodel import Session

from domain.access.permissions import Perm
from domain.access.viewer import Viewer, load_viewer
from domain.reports.communication_report import reads_every_delivery, readable_deliveries, visible_message
from domain.support.errors import AuthenticationError
from graph.delivery.progress_types import AccessEnded, MessageProgress, Snapshot
from graph.permissions import require
from graph.shared_results import shared
from graph.thread_limits import subscription_read_threads
from models import messaging as db

#: What following a message needs; checked again with the rest of the viewer's access.
REQUIRED = (Perm.COMMUNICATION,)
#: Reads of one message start at least this far apart: a burst of notices makes one read at
#: its start and one after, however long it lasts.
MIN_READ_GAP_SECONDS = 0.1
#: A message with no notices is read again this often while anyone follows it (a lost notice, a
#: scheduled message becoming due), and its followers' access is checked again then.
FALLBACK_POLL_SECONDS = 5.0
#: An identity's access is checked again at a refresh once its last check is this old.
RECHECK_SECONDS = 5.0

log = logging.getLogger(__name__)

Identity = tuple[int, Any]  # (user id, the partner key's grant or None)
ALL_DELIVERIES: Hashable = ("all",)


@dataclasses.dataclass(eq=False)
class Follower:
    """One subscriber: who it is and the latest thing it has to be told (never more than one)."""

    identity: Identity
    latest: Snapshot | None = None
    ready: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    def tell(self, item: Snapshot) -> None:
        self.latest = item
        self.ready.set()

    async def next(self) -> Snapshot:
        await self.ready.wait()
        self.ready.clear()
        return self.latest


@dataclasses.dataclass
class _Access:
    """What an identity's last check found: its delivery scope, or why it may not follow."""

    checked_at: float
    scope_key: Hashable | None = None
    clauses: tuple = ()
    ended: AccessEnded | GraphQLError | None = None


def _check(session: Session, identity: Identity, message_id: int) -> _Access:
    """One identity's access to the message now, on ``session``."""
    now = time.monotonic()
    try:
        viewer: Viewer = load_viewer(session, identity[0], identity[1])
    except AuthenticationError:
        return _Access(now, ended=AccessEnded.ACCOUNT_INACTIVE)
    try:
        require(viewer, *REQUIRED)
    except GraphQLError as error:
        return _Access(now, ended=error)
    message = visible_message(session, viewer, message_id)
    if message is None:
        return _Access(now, ended=AccessEnded.MESSAGE_HIDDEN)
    if reads_every_delivery(viewer, message.sender_id):
        return _Access(now, ALL_DELIVERIES, ())
    return _Access(now, ("viewer", identity), readable_deliveries(viewer, message.sender_id))


def _snapshot(session: Session, message_id: int, clauses: tuple) -> MessageProgress:
    """The message's status and its delivery counts within ``clauses`` (readable_deliveries)."""
    status = session.execute(select(db.Message.status).where(db.Message.id == message_id)).scalar_one()
    rows = session.execute(select(db.Delivery.status, func.count())
                           .where(db.Delivery.message_id == message_id, *clauses)
                           .group_by(db.Delivery.status)).all()
    return shared(MessageProgress.of(message_id, status, rows))  # one execution for all its followers


def _read(engine, message_id: int, due: list[Identity], scopes: dict[Hashable, tuple]
          ) -> tuple[dict[Identity, _Access], dict[Hashable, MessageProgress]]:
    """One session: the identities due a check, then one snapshot per scope still in use."""
    with Session(engine) as session:
        checked = {identity: _check(session, identity, message_id) for identity in due}
        for access in checked.values():
            if access.scope_key is not None:
                scopes.setdefault(access.scope_key, access.clauses)
        return checked, {key: _snapshot(session, message_id, clauses) for key, clauses in scopes.items()}


class MessageWatch:
    """One message followed in this process: one bus subscription, one read per burst per scope."""

    def __init__(self, hub: ProgressHub, message_id: int) -> None:
        self.hub, self.message_id = hub, message_id
        self.followers: set[Follower] = set()
        self.access: dict[Identity, _Access] = {}
        self.snapshots: dict[Hashable, MessageProgress] = {}
        self.listening = asyncio.Event()
        self.task = asyncio.create_task(self._run(), name=f"homeroom-progress-{message_id}")

    async def join(self, follower: Follower) -> None:
        """Check the follower's access (unless its identity was checked lately) and tell it the
        current counts of its scope at once."""
        await self.listening.wait()
        self.followers.add(follower)
        access = self.access.get(follower.identity)
        if access is None or access.ended is not None or time.monotonic() - access.checked_at > RECHECK_SECONDS:
            checked, snapshots = await self._read_in_thread([follower.identity], scopes={})
            access = self.access[follower.identity] = checked[follower.identity]
            for key, snapshot in snapshots.items():
                self.snapshots.setdefault(key, snapshot)
        if access.ended is not None:
            follower.tell(access.ended)
        elif access.scope_key in self.snapshots:
            follower.tell(self.snapshots[access.scope_key])
        else:  # a scope the watch has not read yet
            _, snapshots = await self._read_in_thread([], scopes={access.scope_key: access.clauses})
            self.snapshots.setdefault(access.scope_key, snapshots[access.scope_key])
            follower.tell(self.snapshots[access.scope_key])

    def leave(self, follower: Follower) -> None:
        self.followers.discard(follower)
        if not self.followers:
            self.hub.forget(self)

    async def _run(self) -> None:
        try:
            async with self.hub.bus.subscribe(self.message_id) as notices:
                self.listening.set()
                last_read = 0.0
                while True:
                    try:  # the first notice of a burst starts a read at once (no earlier than MIN_READ_GAP
                        # after the last): the notices that arrive while it runs make one read after it
                        await asyncio.wait_for(notices.get(), timeout=FALLBACK_POLL_SECONDS)
                        await asyncio.sleep(max(0.0, last_read + MIN_READ_GAP_SECONDS - time.monotonic()))
                        while not notices.empty():
                            notices.get_nowait()
                    except TimeoutError:
                        pass
                    last_read = time.monotonic()
                    if self.followers:
                        try:
                            await self._refresh()
                        except Exception:  # noqa: BLE001  (the database hiccuped: the next notice or poll reads again)
                            log.warning("could not refresh the progress of message %s", self.message_id, exc_info=True)
                        log.debug("refreshed message %s in %.0f ms", self.message_id,
                                  (time.monotonic() - last_read) * 1000)
        finally:
            self.listening.set()  # a joiner never waits on a watch that could not listen

    async def _refresh(self) -> None:
        """Re-read once for every follower: the identities due a check, each scope's counts."""
        now = time.monotonic()
        identities = {follower.identity for follower in self.followers}
        due = [identity for identity in identities
               if identity not in self.access or now - self.access[identity].checked_at > RECHECK_SECONDS]
        scopes = {access.scope_key: access.clauses for identity, access in self.access.items()
                  if identity in identities and access.scope_key is not None and identity not in due}
        checked, snapshots = await self._read_in_thread(due, scopes)
        self.access.update(checked)
        changed = {key for key, snapshot in snapshots.items()
                   if key not in self.snapshots or self.snapshots[key].key() != snapshot.key()}
        self.snapshots = snapshots
        for follower in list(self.followers):
            access = self.access.get(follower.identity)
            if access is None:
                continue
            if access.ended is not None:
                follower.tell(access.ended)
            elif access.scope_key in changed:
                follower.tell(snapshots[access.scope_key])

    async def _read_in_thread(self, due: list[Identity], scopes: dict[Hashable, tuple]):
        return await anyio.to_thread.run_sync(_read, self.hub.engine, self.message_id, due, scopes,
                                              limiter=subscription_read_threads())


class ProgressHub:
    """This event loop's watches of one engine and bus."""

    def __init__(self, engine, bus) -> None:
        self.engine, self.bus = engine, bus
        self.watches: dict[int, MessageWatch] = {}

    def watch(self, message_id: int) -> MessageWatch:
        found = self.watches.get(message_id)
        if found is None or found.task.done():
            found = self.watches[message_id] = MessageWatch(self, message_id)
        return found

    def forget(self, watch: MessageWatch) -> None:
        if self.watches.get(watch.message_id) is watch:
            del self.watches[watch.message_id]
        watch.task.cancel()


_hubs: RunVar[dict[tuple[int, int], ProgressHub]] = RunVar("homeroom_progress_hubs")


def hub_for(engine, bus) -> ProgressHub:
    """The running loop's hub for ``engine`` and ``bus`` (one per process in the API)."""
    try:
        hubs = _hubs.get()
    except LookupError:
        hubs = {}
        _hubs.set(hubs)
    key = (id(engine), id(bus))
    if key not in hubs:
        hubs[key] = ProgressHub(engine, bus)
    return hubs[key]


@contextlib.asynccontextmanager
async def follow(engine, bus, message_id: int, viewer: Viewer) -> AsyncIterator[Follower]:
    """Follow ``message_id`` as ``viewer``: the follower is told the current counts at once, then
    each change, or why access ended."""
    watch = hub_for(engine, bus).watch(message_id)
    follower = Follower(identity=(viewer.id, viewer.key))
    try:
        await watch.join(follower)
        yield follower
    finally:
        watch.leave(follower)
