"""SQLModel tables and the engine/session factory. Import every table module here so that
``SQLModel.metadata`` is complete for Alembic and for tests."""

from models import caller_ids, directory, messaging, reenrolment, speech  # noqa: F401
from models.db import metadata, session_scope  # noqa: F401
