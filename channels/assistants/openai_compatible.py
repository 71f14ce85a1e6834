"""The ``openai-compatible`` assistant plugin: chat completions through the ``openai`` SDK.

One protocol, many servers: OpenAI (``https://api.openai.com/v1``, the default), Azure OpenAI's v1
API (``https://<resource>.openai.azure.com/openai/v1``, the model being the deployment's name), and
the self-hosted servers that speak it (vLLM, Ollama at ``http://host:11434/v1``, llama.cpp's
``llama-server``). The SDK's own retries are off: a user waits on the answer, so a busy or failing
server is reported at once as :class:`AssistantRetryable` with its Retry-After, and the user tries
again. Nothing identifies the user to the provider (no ``user`` or ``safety_identifier``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar, Literal
from urllib.parse import urlsplit

import openai
from pydantic import Field, SecretStr, field_validator

from channels.assistants.base import (
    AssistantConfig,
    AssistantPermanent,
    AssistantPlugin,
    AssistantRetryable,
    ChatMessage,
    Completion,
)

#: Self-hosted servers check no key, but the SDK will not send a request without one.
NO_KEY = "no-key"
#: Statuses worth trying again besides 5xx: a timeout, a conflict, a rate limit.
RETRYABLE_STATUSES = frozenset({408, 409, 429})
#: The longest Retry-After honoured; a provider asking for longer is "unavailable" all the same.
MAX_RETRY_AFTER_SECONDS = 3600


class OpenAICompatibleConfig(AssistantConfig):
    base_url: str = Field(default="https://api.openai.com/v1",
                          description="The server's API root, ending in /v1 (OpenAI, Azure OpenAI, vLLM, Ollama, "
                                      "llama.cpp).")
    model: str = Field(min_length=1, max_length=200,
                       description="The model (Azure: the deployment name; Ollama: e.g. llama3.1).")
    api_key: SecretStr | None = Field(default=None, description="The API key; unset for servers that need none.")
    timeout_seconds: float = Field(default=30, gt=0, le=300, description="How long one call may take.")
    temperature: float = Field(default=0.7, ge=0, le=2, description="Sampling temperature; \"try again\" relies "
                                                                     "on it being above 0 to vary.")
    output_token_parameter: Literal["max_tokens", "max_completion_tokens"] = Field(
        default="max_tokens", description="How the output limit is sent: max_tokens (most servers) or "
                                          "max_completion_tokens (OpenAI's reasoning models).")

    @field_validator("base_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an http(s) URL without query or fragment, e.g. https://api.openai.com/v1")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; set api_key")
        return value.rstrip("/")


class OpenAICompatibleAssistant(AssistantPlugin):
    name: ClassVar[str] = "openai-compatible"
    Config: ClassVar[type[AssistantConfig]] = OpenAICompatibleConfig

    config: OpenAICompatibleConfig

    def __init__(self, config: AssistantConfig):
        super().__init__(config)
        key = self.config.api_key.get_secret_value() if self.config.api_key else NO_KEY
        # One client (its connection pool) for the process; it is thread-safe and never changed.
        self._client = openai.OpenAI(api_key=key, base_url=self.config.base_url, max_retries=0,
                                     timeout=self.config.timeout_seconds)

    def complete(self, messages: Sequence[ChatMessage], *, max_output_tokens: int) -> Completion:
        limit = {self.config.output_token_parameter: max_output_tokens}
        try:
            answer = self._client.chat.completions.create(
                model=self.config.model, temperature=self.config.temperature,
                messages=[{"role": message.role, "content": message.content} for message in messages],  # type: ignore[misc]
                **limit)
        except openai.APIStatusError as error:
            raise failure_of_status(error.status_code, error.response.headers) from None
        except openai.APITimeoutError:
            raise AssistantRetryable("TIMEOUT", f"no answer within {self.config.timeout_seconds:g} s") from None
        except openai.APIConnectionError:
            raise AssistantRetryable("UNREACHABLE", "the server could not be reached") from None
        except (openai.APIResponseValidationError, ValueError):
            raise AssistantPermanent("BAD_RESPONSE", "the answer is not an OpenAI chat completion") from None
        if not answer.choices or answer.choices[0].message.content is None:
            raise AssistantPermanent("BAD_RESPONSE", "the answer has no message")
        choice = answer.choices[0]
        usage = answer.usage
        return Completion(text=choice.message.content.strip(),
                          prompt_tokens=usage.prompt_tokens if usage else None,
                          completion_tokens=usage.completion_tokens if usage else None,
                          truncated=choice.finish_reason == "length")

    def close(self) -> None:
        self._client.close()


def failure_of_status(status: int, headers: Mapping[str, str]) -> AssistantRetryable | AssistantPermanent:
    """A provider's error status as the contract's error; only the status travels on (its body
    could echo what was sent)."""
    if status >= 500 or status in RETRYABLE_STATUSES:
        code = "RATE_LIMITED" if status == 429 else f"HTTP_{status}"
        return AssistantRetryable(code, f"the server answered {status}", delay_seconds=retry_after(headers))
    return AssistantPermanent(f"HTTP_{status}", f"the server refused the call ({status})")


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``retry-after-ms`` (OpenAI's) or ``Retry-After`` (seconds; an HTTP date is not
    worth parsing for a user waiting at a keyboard); None when absent or nonsense."""
    for name, scale in (("retry-after-ms", 1000), ("retry-after", 1)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        if math.isfinite(seconds) and 0 <= seconds <= MAX_RETRY_AFTER_SECONDS:
            return seconds
    return None
