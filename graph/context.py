"""The per-request context: settings, a database session, the viewer and the loaders."""

from __future__ import annotations

import functools
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from strawberry.fastapi import BaseContext

from domain.errors import AuthenticationError
from domain.viewer import Viewer, load_viewer
from graph.loaders import Loaders
from homeroom.auth import bearer_token, user_id_from_token
from homeroom.settings import Settings


def unauthenticated(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})


class Context(BaseContext):
    def __init__(self, settings: Settings, engine: Engine, enqueue_fan_out: Any, enqueue_dispatch: Any = None):
        super().__init__()
        self.settings = settings
        self.engine = engine
        self.enqueue_fan_out = enqueue_fan_out
        self.enqueue_dispatch = enqueue_dispatch
        self._session: Session | None = None
        self.loaders = Loaders(self)

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.engine, expire_on_commit=False)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _token(self) -> str | None:
        if self.connection_params is not None:  # WebSocket: the connection_init payload
            params = self.connection_params or {}
            return bearer_token(params.get("Authorization") or params.get("authorization")) or params.get("token")
        if self.request is not None:
            return bearer_token(self.request.headers.get("authorization"))
        return None

    @functools.cached_property
    def _viewer_or_error(self) -> Viewer | AuthenticationError:
        try:
            user_id = user_id_from_token(self.settings, self._token())
            return load_viewer(self.session, user_id)
        except AuthenticationError as error:
            return error

    @property
    def viewer(self) -> Viewer:
        """The authenticated viewer, or a top-level UNAUTHENTICATED error."""
        viewer = self._viewer_or_error
        if isinstance(viewer, AuthenticationError):
            raise unauthenticated(str(viewer))
        return viewer


Info = strawberry.Info[Context, None]
