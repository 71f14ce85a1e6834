"""The per-request context: settings, a database session, the viewer and the loaders."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable

import strawberry
from graphql import GraphQLError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from strawberry.fastapi import BaseContext

from domain.support.errors import AuthenticationError
from domain.access.viewer import Viewer, load_viewer
from domain.delivery.policy import JobQueue
from graph.loaders import Loaders
from homeroom.auth import bearer_token, token_expires_at, user_id_from_token
from homeroom.settings import Settings


def unauthenticated(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})


class Context(BaseContext):
    def __init__(self, settings: Settings, engine: Engine, jobs: JobQueue):
        super().__init__()
        self.settings = settings
        self.engine = engine
        #: Where domain actions hand work after their commit (domain.delivery.policy.after_commit).
        self.jobs = jobs
        self._session: Session | None = None
        self.loaders = Loaders(self)
        #: True for a context that serves one operation on a worker thread (HTTP, or a query sent
        #: over a WebSocket): it keeps its session until the operation ends, and graph.schema
        #: validates inline. A WebSocket's own context lives on the event loop for the socket's life.
        self.on_worker_thread = False
        #: When the bearer token expires; known once the viewer is authenticated.
        self.token_expires_at: dt.datetime | None = None
        #: Set by the WebSocket handler: closes the connection (4403) with a reason.
        self.close_connection: Callable[[str], Awaitable[None]] | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.engine, expire_on_commit=False)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    @property
    def is_websocket(self) -> bool:
        return self.connection_params is not None

    def _token(self) -> str | None:
        if self.is_websocket:  # the connection_init payload: any JSON, so only strings are tokens
            params = self.connection_params or {}
            header, token = params.get("Authorization") or params.get("authorization"), params.get("token")
            return (bearer_token(header) if isinstance(header, str) else None) or (
                token if isinstance(token, str) else None)
        if self.request is not None:
            return bearer_token(self.request.headers.get("authorization"))
        return None

    @functools.cached_property
    def _viewer_or_error(self) -> Viewer | AuthenticationError:
        try:
            token = self._token()
            user_id = user_id_from_token(self.settings, token)
            self.token_expires_at = token_expires_at(token)
            if self.on_worker_thread:
                return load_viewer(self.session, user_id)
            return self._load_viewer_briefly(user_id)
        except AuthenticationError as error:
            return error

    def _load_viewer_briefly(self, user_id: int) -> Viewer:
        """On a session closed at once: a WebSocket lives for hours and must hold no connection
        (issue 13 point 14); its operations open their own sessions for each read."""
        with Session(self.engine, expire_on_commit=False) as session:
            return load_viewer(session, user_id)

    def for_one_operation(self) -> Context:
        """A context for one query or mutation sent over this WebSocket: the same credentials
        (checked again), a session and loaders of its own, closed when the operation ends."""
        twin = Context(self.settings, self.engine, self.jobs)
        twin.request, twin.connection_params = self.request, self.connection_params
        return twin

    def fresh_viewer(self) -> Viewer | None:
        """The viewer as the database has them now, or None when the account is no longer active."""
        try:
            return self._load_viewer_briefly(self.viewer.id)
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
