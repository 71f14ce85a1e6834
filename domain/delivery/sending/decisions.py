"""What each plugin outcome does to its delivery's ledger row: a pure ``decide(row, outcome)``
written with ``match``, and the retry rules it applies (JOB-05: a provider's Retry-After wins,
then doubling back-off; a sent delivery is never sent again)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Row

from channels.base import OPTED_OUT, UNREACHABLE, Outcome, Retryable, Sent
from models.messaging import Channel, DeliveryStatus as DS

MAX_ATTEMPTS = 5
#: How long deliveries that stepped aside for emergency traffic wait before trying again.
STEP_ASIDE_SECONDS = 1.0
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


def retry_delay_seconds(attempts: int, provider_hint: float | None) -> float:
    """A provider's Retry-After wins; else 30 s, 60 s, 120 s … (doubling per attempt, at most an
    hour)."""
    if provider_hint is not None and provider_hint >= 0:
        return float(provider_hint)
    return float(min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


@dataclasses.dataclass(frozen=True)
class SteppedAside:
    """Not sent: a non-emergency envelope that stepped aside for emergency traffic (domain.delivery.sending.pacing)."""

    reference: str


@dataclasses.dataclass(frozen=True, slots=True)
class LedgerChange:
    """What one outcome does to its delivery's row. The provider's id and the endpoints it says
    are gone are taken from the outcome as they are."""

    status: str
    #: The attempt row's outcome; None: no attempt was spent (the delivery stepped aside).
    attempt: str | None
    code: str | None = None
    detail: str | None = None
    #: QUEUED again: seconds before it may go out (a retry's not_before; dispatched again then).
    retry_in: float | None = None
    #: The provider says the recipient opted out: the address is opted out on the channel.
    opts_out: bool = False
    #: A call to a number that cannot be reached, for the status-updates job (JOB-06).
    unreachable_call: bool = False


#: The common case, shared: no allocation per sent delivery.
SENT = LedgerChange(DS.SENT.value, "Sent")
STEPPED_ASIDE = LedgerChange(DS.QUEUED.value, None, retry_in=STEP_ASIDE_SECONDS)


def decide(row: Row, outcome: Outcome | SteppedAside) -> LedgerChange:
    """What ``outcome`` does to the delivery ``row`` (its channel and attempts so far): sent; back
    to the queue, with no attempt spent, after stepping aside for emergency traffic; queued for a
    retry while attempts remain (a provider's Retry-After wins); opted out; or failed."""
    match outcome:
        case Sent() if type(outcome) is Sent:
            return SENT
        case Sent():  # a plugin's subclass of Sent
            return LedgerChange(DS.SENT.value, type(outcome).__name__)
        case SteppedAside():
            return STEPPED_ASIDE
        case Retryable(delay_seconds=delay, code=code, detail=detail) if row.attempts < MAX_ATTEMPTS:
            return LedgerChange(DS.QUEUED.value, type(outcome).__name__, code, detail,
                                retry_in=retry_delay_seconds(row.attempts, delay))
    code, detail = getattr(outcome, "code", None), getattr(outcome, "detail", None)
    if code == OPTED_OUT:  # the provider says the recipient opted out: never again
        return LedgerChange(DS.OPTED_OUT.value, type(outcome).__name__, code, detail, opts_out=True)
    return LedgerChange(DS.FAILED.value, type(outcome).__name__, code or "RETRIES_EXHAUSTED", detail,
                        unreachable_call=code == UNREACHABLE and row.channel == Channel.VOICE.value)
