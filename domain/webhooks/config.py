"""What the shell decides for webhooks, from settings (homeroom.runtime): nothing here reads them."""

from __future__ import annotations

import dataclasses
import datetime as dt

#: The Standard Webhooks schedule: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (~27.5 h).
DEFAULT_RETRY_SCHEDULE = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


@dataclasses.dataclass(frozen=True)
class UrlPolicy:
    """``require_https``: production. ``allow_private``: development and tests may reach loopback
    and private addresses (and plain http to them); off by default."""

    require_https: bool = True
    allow_private: bool = False


@dataclasses.dataclass(frozen=True)
class WebhookConfig:
    urls: UrlPolicy = UrlPolicy()
    timeout_seconds: float = 15.0
    #: Seconds before each attempt of a message; its length is how many attempts a message gets.
    retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    #: An endpoint is disabled once it has failed for this long without a success in between...
    disable_after: dt.timedelta = dt.timedelta(days=1)
    #: ...and at least this many attempts in a row failed (one slow straggler does not disable it).
    disable_after_failures: int = 5
    #: At most this many delivery.updated events in one webhook message.
    batch_size: int = 100
    #: How long a rotated-out secret still signs (beside the new one), so receivers can switch over.
    secret_grace: dt.timedelta = dt.timedelta(days=1)
