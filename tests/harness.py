"""The run's environment, set before anything imports the application: one database and broker
per run, chosen by the environment.

- default: a SQLite file and the in-process worker (embedded mode);
- ``HOMEROOM_TEST_DATABASE_URL=postgresql+psycopg://…`` and ``HOMEROOM_TEST_REDIS_URL=redis://…``:
  a fresh PostgreSQL database and Redis, with a real ``homeroom worker`` process.

Settings are environment variables read when ``jobs`` is first imported, so ``conftest.py``
imports this module first. Test modules take the run's paths and flags from here
(``from harness import OUTBOX_DIR``), never from ``conftest``.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from pathlib import Path

RUN_DIR = Path(tempfile.mkdtemp(prefix="homeroom-tests-"))
OUTBOX_DIR = RUN_DIR / "outbox"
#: The outbox plugin plays the provider's signed callbacks (tests/inbound/test_webhooks.py).
OUTBOX_WEBHOOK_SECRET = "outbox-webhook-" + uuid.uuid4().hex
BASE_DATABASE_URL = os.environ.get("HOMEROOM_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("HOMEROOM_TEST_REDIS_URL", "")
SEED_STUDENTS = 300
SEED = 11


def _create_postgres_database(base_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"homeroom_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


if BASE_DATABASE_URL.startswith("postgresql"):
    DATABASE_URL = _create_postgres_database(BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
else:
    DATABASE_URL = f"sqlite:///{RUN_DIR / 'homeroom.db'}"

os.environ.update({
    "HOMEROOM_DATABASE_URL": DATABASE_URL,
    "HOMEROOM_ENVIRONMENT": "production",
    "HOMEROOM_JWT_SECRET": "test-secret-" + uuid.uuid4().hex,
    "HOMEROOM_PLUGIN_CONFIG": json.dumps({"outbox": {"directory": str(OUTBOX_DIR),
                                                     "webhook_secret": OUTBOX_WEBHOOK_SECRET}}),
    "HOMEROOM_DISPATCH_BATCH_SIZE": "50",
    # The embedded queue clock runs once at start-up; tests run the queue themselves (queue_tick).
    "HOMEROOM_QUEUE_INTERVAL_SECONDS": "3600",
    "HOMEROOM_REPLY_DOMAIN": "replies.homeroom.test",
    # Outbound webhooks (issue 16 point 5) reach the tests' receiver on 127.0.0.1 over http, and
    # retry and give up in seconds rather than a day (tests/webhooks).
    "HOMEROOM_WEBHOOKS_ALLOW_PRIVATE": "true",
    "HOMEROOM_WEBHOOKS_TIMEOUT_SECONDS": "1.5",
    "HOMEROOM_WEBHOOKS_RETRY_SCHEDULE_SECONDS": "[0, 1, 1]",
    "HOMEROOM_WEBHOOKS_DISABLE_AFTER_SECONDS": "2",
    "HOMEROOM_WEBHOOKS_DISABLE_AFTER_FAILURES": "4",
    # The suite runs thousands of operations as a handful of users from one address: rate limits
    # (issue 17 point 6) are tested with rates of their own (tests/shell/test_rate_limits.py).
    "HOMEROOM_RATE_LIMIT_GRAPHQL": "1000000/minute",
    "HOMEROOM_RATE_LIMIT_TOKEN_ROUTES": "1000000/minute",
    "HOMEROOM_RATE_LIMIT_PUBLIC_FEED": "1000000/minute",
})
if REDIS_URL:
    os.environ["HOMEROOM_REDIS_URL"] = REDIS_URL
else:
    os.environ.pop("HOMEROOM_REDIS_URL", None)

USES_REDIS = bool(REDIS_URL)
USES_POSTGRES = DATABASE_URL.startswith("postgresql")
