"""What the writing-assistant tests share: the assistant the test app uses (imported here, not from
conftest, whose module name another folder's conftest can hold in a full run), the documents and how to
read what was written."""

from __future__ import annotations

from sqlalchemy import func, select

from models.assistant import AssistantCall
from models.db import metadata, session_scope

#: The rate of the test app: a few calls per user, so one test can reach it (each test has its own users).
TEST_RATE_CALLS = 4
MODEL = "district-writer-1"
API_KEY = "sk-test-9f8e7d6c5b4a39281706"


def assistant_service(base_url: str, *, calls: int = TEST_RATE_CALLS, **config):
    from channels.assistants.loading import load_assistant_plugin
    from domain.assistant.service import AssistantService, CallRate

    plugin = load_assistant_plugin("openai-compatible", {"base_url": base_url, "model": MODEL, "api_key": API_KEY,
                                                         "max_prompt_characters": 500, **config})
    return AssistantService(plugin=plugin, rate=CallRate(calls=calls, window_seconds=60))

REWRITE = """
mutation Rewrite($text: String!, $mode: RewriteMode!, $tryAgain: Boolean! = false) {
  rewriteText(text: $text, mode: $mode, tryAgain: $tryAgain) {
    __typename
    ... on AssistantSuggestion { text truncated }
    ... on RewriteTextErrors { errors { field code message } }
  }
}
"""

GENERATE = """
mutation Generate($prompt: String!, $tryAgain: Boolean! = false) {
  generateText(prompt: $prompt, tryAgain: $tryAgain) {
    __typename
    ... on AssistantSuggestion { text truncated }
    ... on GenerateTextErrors { errors { field code message } }
  }
}
"""

REFINE = """
mutation Refine($previous: String!, $instruction: String!, $tryAgain: Boolean! = false) {
  refineSuggestion(previous: $previous, instruction: $instruction, tryAgain: $tryAgain) {
    __typename
    ... on AssistantSuggestion { text truncated }
    ... on RefineSuggestionErrors { errors { field code message } }
  }
}
"""

CAPABILITIES = "query Capabilities { assistant { configured available unavailableReason modes maxPromptCharacters } }"


def calls_of(engine, token: str) -> list[AssistantCall]:
    """The assistant_call rows of the user ``token`` names, oldest first."""
    user_id = user_of(token)
    with session_scope(engine) as session:
        return list(session.execute(select(AssistantCall).where(AssistantCall.user_id == user_id)
                                    .order_by(AssistantCall.id)).scalars())


def every_table_but_the_call_log(engine) -> dict[str, tuple]:
    """Each table's row count and (for the tables a message, draft or template lives in) a digest of
    its rows: AI-03 says an AI call changes none of them."""
    snapshot = {}
    with session_scope(engine) as session:
        for table in metadata.sorted_tables:
            if table.name in ("assistant_call", "audit_log", "audit_student_set"):
                continue
            count = session.execute(select(func.count()).select_from(table)).scalar_one()
            digest = None
            if table.name.startswith(("message", "draft")) or "template" in table.name:
                rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
                digest = hash(tuple(tuple(str(value) for value in row) for row in rows))
            snapshot[table.name] = (count, digest)
    return snapshot


def user_of(token: str) -> int:
    """The user id a test token was minted for."""
    import jwt

    return int(jwt.decode(token, options={"verify_signature": False})["sub"])
