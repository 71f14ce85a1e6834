"""SQLModel tables and the engine/session factory. Import every table module here so that
``SQLModel.metadata`` is complete for Alembic and for tests."""

from models import (  # noqa: F401
    announcements, assistant, attachments, audit, caller_ids, conversations, delivery_events, devices, directory, finance, messaging,
    partner_keys, printing, reenrolment, scheduling, sign_in, speech, templates, translations, webhooks,
)
from models.db import metadata, session_scope  # noqa: F401
