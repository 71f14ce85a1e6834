"""SQLModel tables and the engine/session factory. Import every table module here so that
``SQLModel.metadata`` is complete for Alembic and for tests."""

from models import (  # noqa: F401
    attachments, caller_ids, conversations, devices, directory, messaging, reenrolment, scheduling, speech,
)
from models.db import metadata, session_scope  # noqa: F401
