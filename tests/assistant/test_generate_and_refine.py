"""generateText (AI-05) and refineSuggestion (AI-04) through the API against a real
OpenAI-compatible server, and how a failing provider answers (ASSISTANT_UNAVAILABLE with its
Retry-After, ASSISTANT_FAILED), and no assistant configured (ASSISTANT_NOT_CONFIGURED)."""

from __future__ import annotations

import pytest

from assistant_support import GENERATE, REFINE, calls_of, every_table_but_the_call_log
from domain.assistant.prompts import BASE_INSTRUCTIONS, GENERATE_INSTRUCTIONS, REFINE_INSTRUCTIONS
from helpers import gql

PROMPT = "An announcement for Prom on May 3 in the gym, tickets $20 at the front office"


def test_generate_text_sends_the_prompt_alone_after_fixed_instructions_AI_05(ai_client, chat_server, engine,
                                                                             teacher):
    """AI-05: new text from a free-form prompt; the request carries the fixed instructions and the
    typed prompt, nothing else, and nothing stored changes (AI-03)."""
    before = every_table_but_the_call_log(engine)
    answer = gql(ai_client, GENERATE, {"prompt": PROMPT}, teacher)["data"]["generateText"]
    assert answer == {"__typename": "AssistantSuggestion", "text": f"Suggestion 1: {PROMPT.upper()}",
                      "truncated": False}
    (sent,) = chat_server.requests
    assert sent.messages == [{"role": "system", "content": f"{BASE_INSTRUCTIONS}\n\n{GENERATE_INSTRUCTIONS}"},
                             {"role": "user", "content": PROMPT}]
    assert sent.headers["authorization"].startswith("Bearer sk-test-")
    assert every_table_but_the_call_log(engine) == before
    (call,) = calls_of(engine, teacher)
    assert (call.operation, call.mode, call.outcome, call.prompt_tokens, call.completion_tokens) == (
        "GENERATE", None, "OK", 22, 7)


def test_refine_applies_the_instruction_to_the_previous_suggestion_and_can_try_again_AI_04(
        ai_client, chat_server, engine, teacher):
    """AI-04: the previous suggestion goes back as the assistant's turn and the instruction as the
    user's; "try again" on a refinement sends the same exchange again."""
    previous = "Prom is on May 3 in the gym."
    first = gql(ai_client, REFINE, {"previous": previous, "instruction": "make it friendlier"},
                teacher)["data"]["refineSuggestion"]
    again = gql(ai_client, REFINE, {"previous": previous, "instruction": "make it friendlier", "tryAgain": True},
                teacher)["data"]["refineSuggestion"]
    assert first["text"] == "Suggestion 1: MAKE IT FRIENDLIER" and again["text"] == "Suggestion 2: MAKE IT FRIENDLIER"
    assert chat_server.requests[0].messages == [
        {"role": "system", "content": f"{BASE_INSTRUCTIONS}\n\n{REFINE_INSTRUCTIONS}"},
        {"role": "assistant", "content": previous}, {"role": "user", "content": "make it friendlier"}]
    assert chat_server.requests[1].body == chat_server.requests[0].body
    assert [(call.operation, call.try_again) for call in calls_of(engine, teacher)] == [
        ("REFINE", False), ("REFINE", True)]


def test_refine_needs_both_fields_and_counts_them_together_against_the_limit(ai_client, chat_server, engine,
                                                                             teacher):
    empty = gql(ai_client, REFINE, {"previous": "", "instruction": " "}, teacher)["data"]["refineSuggestion"]
    assert [(error["field"], error["code"]) for error in empty["errors"]] == [
        ("previous", "REQUIRED"), ("instruction", "REQUIRED")]
    long = gql(ai_client, REFINE, {"previous": "x" * 400, "instruction": "y" * 101}, teacher)["data"]["refineSuggestion"]
    assert [(error["field"], error["code"]) for error in long["errors"]] == [("instruction", "TOO_LONG")]
    assert chat_server.calls == 0 and calls_of(engine, teacher) == []


@pytest.mark.parametrize(("behaviour", "code", "outcome", "error_code", "says"), [
    ("429", "ASSISTANT_UNAVAILABLE", "UNAVAILABLE", "RATE_LIMITED", "try again in 7 s"),
    ("500", "ASSISTANT_UNAVAILABLE", "UNAVAILABLE", "HTTP_500", "try again in a moment"),
    ("malformed", "ASSISTANT_FAILED", "FAILED", "BAD_RESPONSE", "BAD_RESPONSE"),
    ("no-choices", "ASSISTANT_FAILED", "FAILED", "BAD_RESPONSE", "BAD_RESPONSE"),
    ("401", "ASSISTANT_FAILED", "FAILED", "HTTP_401", "HTTP_401"),
])
def test_an_upstream_failure_has_its_own_code_and_is_recorded_AI_05(ai_client, chat_server, engine, teacher,
                                                                   behaviour, code, outcome, error_code, says):
    """A 429 (with its Retry-After) or a 5xx is worth trying again; a refusal or malformed JSON is not.
    The SDK does not retry on its own: the server sees one request. Nothing but the record is written."""
    chat_server.behaviours.append(behaviour)
    before = every_table_but_the_call_log(engine)
    answer = gql(ai_client, GENERATE, {"prompt": PROMPT}, teacher)["data"]["generateText"]
    assert answer["__typename"] == "GenerateTextErrors"
    (error,) = answer["errors"]
    assert error["code"] == code and says in error["message"]
    assert "sk-test" not in error["message"] and PROMPT not in error["message"]
    assert chat_server.calls == 1
    assert [(call.outcome, call.error_code) for call in calls_of(engine, teacher)] == [(outcome, error_code)]
    assert every_table_but_the_call_log(engine) == before


def test_without_an_assistant_configured_the_answer_is_ASSISTANT_NOT_CONFIGURED_AI_01(client, engine, teacher):
    """The default runtime has no assistant (HOMEROOM_ASSISTANT_PLUGIN unset)."""
    answer = gql(client, GENERATE, {"prompt": PROMPT}, teacher)["data"]["generateText"]
    assert [(error["field"], error["code"]) for error in answer["errors"]] == [("", "ASSISTANT_NOT_CONFIGURED")]
    assert calls_of(engine, teacher) == []


def test_try_again_sends_a_suggestions_request_again_AI_04(ai_client, chat_server, engine, teacher):
    """AI-04 in the domain: ``try_again(suggestion.request)`` asks the same again and records it so."""
    import dataclasses

    from domain.access.viewer import load_viewer
    from domain.assistant.operations import generate_text, try_again
    from models.db import session_scope
    from assistant_support import user_of
    from assistant_support import assistant_service

    service = assistant_service(chat_server.base_url)
    with session_scope(engine) as session:
        viewer = load_viewer(session, user_of(teacher))
        first = generate_text(session, viewer, service, prompt=PROMPT)
        second = try_again(session, viewer, service, first.request)
    assert second.request == first.request and second.text != first.text
    assert chat_server.requests[0].body == chat_server.requests[1].body
    assert [call.try_again for call in calls_of(engine, teacher)] == [False, True]
    assert dataclasses.asdict(first.request)["text"] == PROMPT
