"""The per-user rate of assistant calls, the call record, and the ``assistant`` capabilities query
(AI-01, PERM-07, PERM-44)."""

from __future__ import annotations

import datetime as dt

from assistant_support import CAPABILITIES, GENERATE, REWRITE, calls_of, user_of
from assistant_support import TEST_RATE_CALLS
from domain.access.permissions import Perm
from helpers import gql, make_user, set_district
from models.directory import Role


def test_a_user_over_the_rate_gets_RATE_LIMITED_and_the_provider_is_not_called(ai_client, chat_server, engine,
                                                                               teacher, admin):
    for _ in range(TEST_RATE_CALLS):
        assert gql(ai_client, GENERATE, {"prompt": "a note"}, teacher)["data"]["generateText"]["__typename"] == \
            "AssistantSuggestion"
    over = gql(ai_client, REWRITE, {"text": "a note", "mode": "CASUAL"}, teacher)["data"]["rewriteText"]
    (error,) = over["errors"]
    assert error["code"] == "RATE_LIMITED" and "try again in" in error["message"]
    assert chat_server.calls == TEST_RATE_CALLS
    calls = calls_of(engine, teacher)
    assert [call.outcome for call in calls] == ["OK"] * TEST_RATE_CALLS + ["RATE_LIMITED"]
    assert all(call.user_id == user_of(teacher) and call.created_at is not None for call in calls)
    # the rate is per user: another user is not held back
    assert gql(ai_client, GENERATE, {"prompt": "a note"}, admin)["data"]["generateText"]["__typename"] == \
        "AssistantSuggestion"


def test_the_window_moves_and_refused_calls_do_not_count(engine, ai_addon):
    """A call refused for the rate does not lengthen the wait; once the oldest call leaves the window
    the user may call again."""
    from domain.assistant.call_log import start_call
    from domain.assistant.prompts import AssistantRequest
    from domain.assistant.service import CallRate
    from models.assistant import AssistantOperation

    user_id = user_of(make_user(engine, Role.TEACHER))
    rate, request = CallRate(calls=2, window_seconds=60), AssistantRequest(AssistantOperation.GENERATE, text="x")
    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    at = [start, start + dt.timedelta(seconds=10), start + dt.timedelta(seconds=20), start + dt.timedelta(seconds=61)]
    waits = [start_call(engine, user_id, request, try_again=False, rate=rate, now=moment).retry_after for moment in at]
    assert waits == [None, None, 40, None]


def test_capabilities_say_whether_the_viewer_may_use_the_assistant_AI_01_PERM_07_PERM_44(ai_client, client, engine,
                                                                                        teacher, ai_addon):
    available = gql(ai_client, CAPABILITIES, token=teacher)["data"]["assistant"]
    assert available == {"configured": True, "available": True, "unavailableReason": None,
                         "modes": ["IMPROVE_WRITING", "MAKE_SHORTER", "MAKE_LONGER", "SIMPLIFY_LANGUAGE", "SUMMARIZE",
                                   "CONTINUE", "PROFESSIONAL", "CASUAL"], "maxPromptCharacters": 500}
    without = make_user(engine, Role.ADMIN, without=[Perm.COMMUNICATION_AI])
    assert gql(ai_client, CAPABILITIES, token=without)["data"]["assistant"]["unavailableReason"] == \
        "PERMISSION_MISSING"
    not_configured = gql(client, CAPABILITIES, token=teacher)["data"]["assistant"]
    assert not_configured["configured"] is False and not_configured["unavailableReason"] == "NOT_CONFIGURED"
    assert not_configured["maxPromptCharacters"] is None
    previous = set_district(engine, addon_ai=False)
    try:
        assert gql(ai_client, CAPABILITIES, token=teacher)["data"]["assistant"]["unavailableReason"] == \
            "ADDON_DISABLED"
    finally:
        set_district(engine, **previous)


def test_capabilities_need_a_signed_in_user(ai_client):
    body = gql(ai_client, CAPABILITIES)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
