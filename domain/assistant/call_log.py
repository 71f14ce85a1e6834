"""Every assistant call recorded (``assistant_call``), and the per-user rate counted from the rows.

The rows are written in transactions of their own, beside the request's: a call refused for its
rate or failed upstream is recorded although the mutation answers an error and writes nothing
else. A call is recorded (PENDING) and counted in one transaction that holds the user's lock (their
``app_user`` row, FOR NO KEY UPDATE on PostgreSQL; SQLite's single writer, taken by the INSERT), so
concurrent calls for a user's last slot are counted one after the other and only one passes:
counting rows up to one's own id was not enough, since ids are handed out before commits land.
Calls refused for the rate do not count, so a user who keeps trying is not locked out longer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from domain.assistant.prompts import AssistantRequest
from domain.assistant.service import CallRate
from models.assistant import AssistantCall, AssistantOutcome
from models.db import session_scope, utcnow
from models.directory import User

#: The outcomes that count toward the rate: every call that reached (or is reaching) the provider.
COUNTED = (AssistantOutcome.PENDING.value, AssistantOutcome.OK.value, AssistantOutcome.UNAVAILABLE.value,
           AssistantOutcome.FAILED.value)


@dataclasses.dataclass(frozen=True)
class Started:
    call_id: int
    #: Seconds until the user may call again; None: within the rate, go ahead.
    retry_after: int | None


def start_call(engine: Engine, user_id: int, request: AssistantRequest, *, try_again: bool,
               rate: CallRate, now: dt.datetime | None = None) -> Started:
    """Record the call and count it against ``rate`` under the user's lock; over it, the row ends
    RATE_LIMITED."""
    now = now or utcnow()
    since = now - dt.timedelta(seconds=rate.window_seconds)
    with session_scope(engine) as session:
        # Waits for the user's other calls to commit their rows (a no-op on SQLite: see the INSERT).
        session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))
        call = AssistantCall(user_id=user_id, created_at=now, operation=request.operation.value,
                             mode=request.mode.value if request.mode else None, try_again=try_again)
        session.add(call)
        session.flush()  # on SQLite the write lock, held to the commit, serialises the count below
        call_id = call.id
        assert call_id is not None
        counted, oldest = session.execute(
            select(func.count(), func.min(AssistantCall.created_at))
            .where(AssistantCall.user_id == user_id, AssistantCall.created_at > since,
                   AssistantCall.outcome.in_(COUNTED))).one()
        if counted <= rate.calls:
            return Started(call_id, None)
        call.outcome, call.error_code = AssistantOutcome.RATE_LIMITED.value, "RATE_LIMITED"
    frees_at = _aware(oldest) + dt.timedelta(seconds=rate.window_seconds)
    return Started(call_id, max(1, math.ceil((frees_at - now).total_seconds())))


def finish_call(engine: Engine, call_id: int, outcome: AssistantOutcome, *, prompt_tokens: int | None = None,
                completion_tokens: int | None = None, error_code: str | None = None) -> None:
    """How the call ended, with the tokens the provider counted."""
    with session_scope(engine) as session:
        session.execute(update(AssistantCall).where(AssistantCall.id == call_id).values(
            outcome=outcome.value, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            error_code=error_code))


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
