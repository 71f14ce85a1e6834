"""A mutation's transaction that PostgreSQL aborts to break a deadlock is run again (graph.errors.perform)."""

from __future__ import annotations

import types

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from graph.errors import DEADLOCK_RETRIES, perform


class _Aborted(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _info(engine):
    return types.SimpleNamespace(context=types.SimpleNamespace(session=Session(engine)))


def test_a_deadlocked_transaction_runs_again_and_answers_once(engine):
    """Two messages filing the same thread's sides in opposite directions can deadlock on
    PostgreSQL (SET-08's two absent users did, in a full run); the aborted one wrote nothing, so
    it is run again and the caller gets its answer instead of an internal error."""
    calls = []

    def action():
        calls.append(1)
        if len(calls) == 1:
            raise DBAPIError("INSERT INTO thread_side …", {}, _Aborted("40P01"))
        return "sent"

    assert perform(_info(engine), action, done=lambda result: result) == "sent"
    assert len(calls) == 2


def test_other_database_errors_and_endless_deadlocks_still_raise(engine):
    """Only deadlocks and serialization failures are retried, and only DEADLOCK_RETRIES times."""
    def broken():
        raise DBAPIError("UPDATE …", {}, _Aborted("23505"))

    with pytest.raises(DBAPIError):
        perform(_info(engine), broken, done=lambda result: result)
    calls = []

    def always():
        calls.append(1)
        raise DBAPIError("UPDATE …", {}, _Aborted("40P01"))

    with pytest.raises(DBAPIError):
        perform(_info(engine), always, done=lambda result: result)
    assert len(calls) == DEADLOCK_RETRIES + 1
