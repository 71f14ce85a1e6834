"""rewriteText, the Magic Wand (AI-02), through the API against a real OpenAI-compatible server:
the request the SDK sends, suggestions only (AI-03), try again (AI-04), the gate (AI-01, PERM-07,
PERM-44) and each error code."""

from __future__ import annotations

import pytest

from assistant_support import CAPABILITIES, REWRITE, calls_of, every_table_but_the_call_log
from assistant_support import MODEL
from domain.access.permissions import Perm
from domain.assistant.prompts import BASE_INSTRUCTIONS, MODE_INSTRUCTIONS, RewriteMode
from helpers import gql, make_user, set_district
from models.directory import Role

TEXT = "the gym is closed friday becuase of the floor work, PE classes meet in room 12"


@pytest.mark.parametrize("mode", list(RewriteMode))
def test_each_of_the_eight_modes_sends_its_fixed_instructions_and_only_the_typed_text_AI_02(
        ai_client, chat_server, teacher, mode):
    """AI-02: each mode is a fixed instruction; the user content is exactly the typed text (no
    names or contact details added), to the configured model, with the output limit."""
    body = gql(ai_client, REWRITE, {"text": TEXT, "mode": mode.value}, teacher)
    answer = body["data"]["rewriteText"]
    assert answer == {"__typename": "AssistantSuggestion", "text": f"Suggestion 1: {TEXT.upper()}",
                      "truncated": False}, body
    (sent,) = chat_server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == MODEL and sent.body["max_tokens"] == 1000
    assert sent.messages == [{"role": "system", "content": f"{BASE_INSTRUCTIONS}\n\n{MODE_INSTRUCTIONS[mode]}"},
                             {"role": "user", "content": TEXT}]
    assert "user" not in sent.body and "safety_identifier" not in sent.body  # nothing identifies the user
    assert "Test" not in sent.messages[0]["content"] and "@" not in sent.messages[0]["content"]


def test_a_suggestion_changes_no_message_draft_or_template_and_try_again_resends_the_request_AI_03_AI_04(
        ai_client, chat_server, engine, admin):
    """AI-03: only suggested text comes back; every message, draft and template row is as it was.
    AI-04: tryAgain sends the same request again and gives another suggestion."""
    before = every_table_but_the_call_log(engine)
    first = gql(ai_client, REWRITE, {"text": TEXT, "mode": "PROFESSIONAL"}, admin)["data"]["rewriteText"]
    again = gql(ai_client, REWRITE, {"text": TEXT, "mode": "PROFESSIONAL", "tryAgain": True},
                admin)["data"]["rewriteText"]
    assert first["text"] != again["text"] and again["__typename"] == "AssistantSuggestion"
    assert chat_server.requests[0].body == chat_server.requests[1].body
    assert every_table_but_the_call_log(engine) == before
    assert [(call.operation, call.mode, call.try_again, call.outcome) for call in calls_of(engine, admin)] == [
        ("REWRITE", "PROFESSIONAL", False, "OK"), ("REWRITE", "PROFESSIONAL", True, "OK")]


def test_an_answer_cut_at_the_output_limit_says_so(ai_client, chat_server, teacher):
    chat_server.behaviours.append("length")
    answer = gql(ai_client, REWRITE, {"text": TEXT, "mode": "MAKE_LONGER"}, teacher)["data"]["rewriteText"]
    assert answer["truncated"] is True


@pytest.mark.parametrize(("text", "code", "field"), [("   ", "REQUIRED", "text"), ("x" * 501, "TOO_LONG", "text")])
def test_bad_text_is_a_field_error_and_nothing_is_written_or_sent(ai_client, chat_server, engine, teacher,
                                                                  text, code, field):
    """Bad input: a field error, no call to the provider, no row written (not even the call record)."""
    before = every_table_but_the_call_log(engine)
    answer = gql(ai_client, REWRITE, {"text": text, "mode": "SUMMARIZE"}, teacher)["data"]["rewriteText"]
    assert answer["__typename"] == "RewriteTextErrors"
    assert [(error["field"], error["code"]) for error in answer["errors"]] == [(field, code)]
    assert chat_server.calls == 0 and calls_of(engine, teacher) == []
    assert every_table_but_the_call_log(engine) == before


def test_an_unknown_mode_is_refused_before_anything_runs_AI_02(ai_client, chat_server, engine, teacher):
    """AI-02 has exactly eight modes: the schema's RewriteMode refuses any other value."""
    body = gql(ai_client, REWRITE, {"text": TEXT, "mode": "POETIC"}, teacher)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert chat_server.calls == 0 and calls_of(engine, teacher) == []


def test_the_domain_names_an_unknown_mode_UNKNOWN_MODE_AI_02(engine, ai_addon):
    """A caller below GraphQL passing a mode outside the eight gets UNKNOWN_MODE on the mode field."""
    from domain.access.viewer import load_viewer
    from domain.assistant.operations import rewrite_text
    from domain.support.errors import InvalidInput
    from models.db import session_scope
    from assistant_support import user_of

    token = make_user(engine, Role.TEACHER)
    with session_scope(engine) as session:
        viewer = load_viewer(session, user_of(token))
        with pytest.raises(InvalidInput) as refused:
            rewrite_text(session, viewer, None, text=TEXT, mode="POETIC")
    assert [(problem.path, problem.code) for problem in refused.value.problems] == [(("mode",), "UNKNOWN_MODE")]


def test_without_communication_ai_it_is_forbidden_PERM_07_PERM_44(ai_client, chat_server, engine, ai_addon):
    """PERM-07 (administrators) and PERM-44 (teachers): "Communication AI" at Edit is required."""
    for role in (Role.ADMIN, Role.TEACHER):
        token = make_user(engine, role, without=[Perm.COMMUNICATION_AI])
        body = gql(ai_client, REWRITE, {"text": TEXT, "mode": "CASUAL"}, token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        assert body["errors"][0]["extensions"]["permission"] == "Communication AI"
    assert chat_server.calls == 0


def test_without_the_ai_addon_it_is_forbidden_AI_01(ai_client, chat_server, engine, teacher):
    """AI-01: the district's ai add-on is required, whatever the profile grants."""
    previous = set_district(engine, addon_ai=False)
    try:
        body = gql(ai_client, REWRITE, {"text": TEXT, "mode": "CASUAL"}, teacher)
    finally:
        set_district(engine, **previous)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["errors"][0]["extensions"]["addon"] == "ai"
    assert chat_server.calls == 0


def test_with_the_original_text_editor_it_is_forbidden_AI_01(ai_client, chat_server, engine, teacher):
    """AI-01, EDT-01: while the district's "Use Original Text Editor" preference is on, AI operations are
    refused (FORBIDDEN, nothing sent or recorded) and the assistant reads ORIGINAL_EDITOR; the same
    teacher is served again once the preference is gone (the new editor)."""
    previous = set_district(engine, use_original_text_editor=True)
    try:
        body = gql(ai_client, REWRITE, {"text": TEXT, "mode": "CASUAL"}, teacher)
        capabilities = gql(ai_client, CAPABILITIES, {}, teacher)["data"]["assistant"]
    finally:
        set_district(engine, **previous)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "original text editor" in body["errors"][0]["message"]
    assert (capabilities["available"], capabilities["unavailableReason"]) == (False, "ORIGINAL_EDITOR")
    assert chat_server.calls == 0 and calls_of(engine, teacher) == []
    assert previous == {"use_original_text_editor": None}
    served = gql(ai_client, REWRITE, {"text": TEXT, "mode": "CASUAL"}, teacher)["data"]["rewriteText"]
    assert served["__typename"] == "AssistantSuggestion" and chat_server.calls == 1
