"""The per-request context: the runtime (settings, engine, registry, job queue, event bus), a
database session, the viewer and the loaders. The shell builds it (homeroom.app) and says how a
request authenticates; graph never reads tokens or settings itself."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlmodel import Session
from strawberry.fastapi import BaseContext

from domain.support.errors import AuthenticationError
from domain.access.viewer import Viewer, load_viewer
from domain.audit.trail import AuditEntry, append
from domain.delivery.policy import JobQueue
from graph.loaders import Loaders


def unauthenticated(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})


#: The shell's answer to "who is this?": (request, connection_params) → an object with
#: ``user_id``, ``expires_at``, ``key`` and ``sid`` (homeroom.auth.Credentials), or an AuthenticationError.
Authenticate = Callable[[Any, dict | None], Any]


@dataclasses.dataclass
class Disclosure:
    """A disclosure an operation made (graph.audit.disclosures): its audit entry, and where in the
    answer the data it disclosed is (a field noted more than once has several places)."""

    entry: AuditEntry
    paths: list[tuple[str | int, ...]]


class Context(BaseContext):
    def __init__(self, runtime: Any, authenticate: Authenticate):
        """``runtime``: the process's homeroom.runtime.Runtime (its type lives in the shell)."""
        super().__init__()
        self.runtime = runtime
        self.settings = runtime.settings
        self.engine = runtime.engine
        self.registry = runtime.registry
        self.events = runtime.events
        #: Where domain actions hand work after their commit (domain.delivery.policy.after_commit).
        self.jobs: JobQueue = runtime.jobs
        self._authenticate = authenticate
        self._session: Session | None = None
        self._viewer_loaded: Viewer | AuthenticationError | None = None
        self.loaders = Loaders(self)
        #: True for a context that serves one operation on a worker thread (HTTP, or a query sent
        #: over a WebSocket): it keeps its session until the operation ends, and graph.schema
        #: validates inline. A WebSocket's own context lives on the event loop for the socket's life.
        self.on_worker_thread = False
        #: When the bearer token expires; known once the viewer is authenticated.
        self.token_expires_at: dt.datetime | None = None
        #: Set by the WebSocket handler: closes the connection (4403) with a reason.
        self.close_connection: Callable[[str], Awaitable[None]] | None = None
        #: The operation's disclosures, kept here rather than in the session's transaction, which a
        #: later field may roll back; written by ``close`` (issue 16 point 8).
        self.disclosures: list[Disclosure] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.engine, expire_on_commit=False)
        return self._session

    def roll_back(self) -> None:
        """Roll back the operation's open transaction (a timed-out operation keeps nothing unfinished)."""
        if self._session is not None:
            self._session.rollback()

    def close(self) -> None:
        """End the operation: close its session (what it left uncommitted rolls back), then write the
        disclosures it made in a transaction of their own (issue 16 point 8). Data that reached the
        answer was disclosed, whatever a later field rolled back; graph.audit.disclosures has
        already dropped those whose field failed before answering."""
        try:
            if self._session is not None:
                self._session.close()
        finally:
            self._session = None
            disclosures, self.disclosures = self.disclosures, []
            append(self.engine, [disclosure.entry for disclosure in disclosures])

    @property
    def is_websocket(self) -> bool:
        return self.connection_params is not None

    @property
    def _viewer_or_error(self) -> Viewer | AuthenticationError:
        """Authenticated once per context. Not functools.cached_property: on Python 3.11 it holds
        one lock per class while it computes, which made every operation of the process wait for
        the others' token checks and viewer statements. A context serves one operation (or one
        WebSocket), so no two threads compute this for one context at once; if they did, both
        would read the same viewer."""
        if self._viewer_loaded is None:
            self._viewer_loaded = self._load_viewer_or_error()
        return self._viewer_loaded

    def _load_viewer_or_error(self) -> Viewer | AuthenticationError:
        try:
            found = self._authenticate(self.request, self.connection_params)
            self.token_expires_at = found.expires_at
            if self.on_worker_thread:
                return load_viewer(self.session, found.user_id, found.key, found.sid)
            return self._load_viewer_briefly(found)
        except AuthenticationError as error:
            return error

    def _load_viewer_briefly(self, found: Any) -> Viewer:
        """On a session closed at once: a WebSocket lives for hours and must hold no connection
        (issue 13 point 14); its operations open their own sessions for each read."""
        with Session(self.engine, expire_on_commit=False) as session:
            return load_viewer(session, found.user_id, found.key, found.sid)

    def for_one_operation(self) -> Context:
        """A context for one query or mutation sent over this WebSocket: the same credentials
        (checked again), a session and loaders of its own, closed when the operation ends."""
        twin = Context(self.runtime, self._authenticate)
        twin.request, twin.connection_params = self.request, self.connection_params
        return twin

    def fresh_viewer(self) -> Viewer | None:
        """The viewer as the database has them now, or None when the account is no longer active or
        the credential is no longer accepted (a revoked partner key, a deactivated identity)."""
        try:
            return self._load_viewer_briefly(self._authenticate(self.request, self.connection_params))
        except AuthenticationError:
            return None

    async def revoke_access(self, reason: str) -> None:
        """The viewer lost access mid-connection: a WebSocket is closed with 4403."""
        if self.close_connection is not None:
            await self.close_connection(reason)

    @property
    def viewer(self) -> Viewer:
        """The authenticated viewer, or a top-level UNAUTHENTICATED error."""
        viewer = self._viewer_or_error
        if isinstance(viewer, AuthenticationError):
            raise unauthenticated(str(viewer))
        return viewer


Info = strawberry.Info[Context, None]
