"""SQLModel tables and the engine/session factory. Import every table module here so that
``SQLModel.metadata`` is complete for Alembic and for tests."""

from models import (  # noqa: F401
    attachments, audit, caller_ids, conversations, delivery_events, devices, directory, messaging, partner_keys,
    reenrolment, scheduling, sign_in, speech, webhooks,
)
from models.db import metadata, session_scope  # noqa: F401
