"""The ``azure`` translator plugin: Azure AI Translator, Text Translation v3, over httpx (TRN-01).

One request is ``POST {endpoint}/translate?api-version=3.0&from=…&to=…&textType=html|plain`` with
the texts as ``[{"Text": …}, …]``; the answer is one ``{"translations": [{"text", "to"}]}`` per text,
in order. The key travels in ``Ocp-Apim-Subscription-Key`` and, for a regional or multi-service
resource, the region in ``Ocp-Apim-Subscription-Region``. The service's documented per-request
limits (1,000 array elements, 50,000 characters) are the config's defaults and its ceilings; the
core batches within them (domain.translations.batching).

A busy (429), failing (5xx) or slow (408) service, a timeout and a refused connection are
:class:`TranslatorRetryable`, with the service's Retry-After (seconds or an HTTP date) as the
delay; any other refusal is :class:`TranslatorPermanent` with the service's numeric error code
(``401000``: bad key). Errors name the status, the code and the request's ``X-ClientTraceId``
(which Microsoft's support can look up), never the key, the texts or the service's message.
"""

from __future__ import annotations

import email.utils
import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from pydantic import Field, SecretStr, field_validator

from channels.translators.base import (
    TranslatorConfig,
    TranslatorPermanent,
    TranslatorPlugin,
    TranslatorRetryable,
)

API_VERSION = "3.0"
#: The service's limits for one translate request (Azure AI Translator "Service limits").
SERVICE_MAX_TEXTS = 1000
SERVICE_MAX_CHARACTERS = 50_000
#: Statuses worth trying again besides 5xx: a rate limit, and 408 (a custom model still loading).
RETRYABLE_STATUSES = frozenset({408, 429})
#: The longest Retry-After honoured; beyond it the delay is left to the core's own schedule.
MAX_RETRY_AFTER_SECONDS = 24 * 3600
#: What the service's commonest error codes mean, so an operator reading FAILED needs no lookup.
KNOWN_CODES = {
    400035: "the source language is not valid",
    400036: "the target language is not valid",
    400050: "a text is too long",
    400077: "the request is over the service's size limit",
    401000: "the key is missing or not valid for this resource",
    401015: "the key is for another Azure service than Translator",
    403000: "the operation is not allowed for this key",
    403001: "the subscription's free quota is used up",
}


class AzureTranslatorConfig(TranslatorConfig):
    endpoint: str = Field(default="https://api.cognitive.microsofttranslator.com",
                          description="The Translator endpoint: the global one (the default), a regional one "
                                      "(https://api-eur.cognitive.microsofttranslator.com) or a resource's custom "
                                      "domain (https://<name>.cognitiveservices.azure.com/translator/text/v3.0).")
    key: SecretStr = Field(description="The Translator (or multi-service) resource's key.")
    region: str | None = Field(default=None, pattern=r"^[a-z0-9]{2,40}$",
                               description="The resource's region (e.g. westeurope); required unless the resource "
                                           "is global.")
    category: str | None = Field(default=None, min_length=1, max_length=100,
                                 description="A Custom Translator category (a trained model); unset = the general model.")
    timeout_seconds: float = Field(default=30, gt=0, le=300,
                                   description="How long one request may take (the service answers within 15 s, 120 s "
                                               "for a custom model).")
    max_texts_per_request: int = Field(default=SERVICE_MAX_TEXTS, gt=0, le=SERVICE_MAX_TEXTS,
                                       description="The most texts one request carries (the service takes 1,000).")
    max_characters_per_request: int = Field(default=SERVICE_MAX_CHARACTERS, gt=0, le=SERVICE_MAX_CHARACTERS,
                                            description="The most characters, all texts together, one request carries "
                                                        "(the service takes 50,000).")

    @field_validator("endpoint")
    @classmethod
    def _service_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an http(s) URL without query or fragment, "
                             "e.g. https://api.cognitive.microsofttranslator.com")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; set key")
        return value.rstrip("/")


class AzureTranslator(TranslatorPlugin):
    name: ClassVar[str] = "azure"
    Config: ClassVar[type[TranslatorConfig]] = AzureTranslatorConfig

    config: AzureTranslatorConfig

    def __init__(self, config: TranslatorConfig):
        super().__init__(config)
        # One client (its connection pool) for the process; httpx's Client is thread-safe.
        self._client = httpx.Client(timeout=httpx.Timeout(self.config.timeout_seconds, connect=10),
                                    follow_redirects=False)

    def translate(self, texts: Sequence[str], *, source: str, target: str, html: bool) -> list[str]:
        if not texts:
            return []
        trace_id = str(uuid.uuid4())
        params = {"api-version": API_VERSION, "from": source, "to": target, "textType": "html" if html else "plain"}
        if self.config.category:
            params["category"] = self.config.category
        try:
            response = self._client.post(f"{self.config.endpoint}/translate", params=params,
                                         headers=self._headers(trace_id),
                                         json=[{"Text": text} for text in texts])
        except httpx.TimeoutException:
            raise TranslatorRetryable("TIMEOUT", f"no answer within {self.config.timeout_seconds:g} s "
                                                 f"(trace {trace_id})") from None
        except httpx.TransportError:
            raise TranslatorRetryable("UNREACHABLE", f"the service could not be reached (trace {trace_id})") from None
        if response.status_code != 200:
            raise failure_of(response, trace_id)
        return translations_of(response, len(texts), trace_id)

    def _headers(self, trace_id: str) -> dict[str, str]:
        headers = {"Ocp-Apim-Subscription-Key": self.config.key.get_secret_value(),
                   "Content-Type": "application/json; charset=UTF-8", "X-ClientTraceId": trace_id}
        if self.config.region:
            headers["Ocp-Apim-Subscription-Region"] = self.config.region
        return headers

    def check(self) -> str | None:
        """The service answers its language list (which needs no key); the key is proved by the
        first translation."""
        try:
            response = self._client.get(f"{self.config.endpoint}/languages",
                                        params={"api-version": API_VERSION, "scope": "translation"})
        except httpx.HTTPError as error:
            return f"Translator unreachable: {type(error).__name__}"
        return None if response.status_code == 200 else f"Translator answered {response.status_code}"

    def close(self) -> None:
        self._client.close()


def translations_of(response: httpx.Response, count: int, trace_id: str) -> list[str]:
    """The translated texts of a 200 answer; BAD_RESPONSE when it is not one per text, in shape."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    texts: list[str] = []
    if isinstance(answer, list) and len(answer) == count:
        for item in answer:
            translations = item.get("translations") if isinstance(item, dict) else None
            first = translations[0] if isinstance(translations, list) and translations else None
            text = first.get("text") if isinstance(first, dict) else None
            if not isinstance(text, str):
                break
            texts.append(text)
    if len(texts) != count:
        raise TranslatorPermanent("BAD_RESPONSE", f"the answer is not one translation per text (trace {trace_id})")
    return texts


def failure_of(response: httpx.Response, trace_id: str) -> TranslatorRetryable | TranslatorPermanent:
    """A refusal as the contract's error: the status and the service's numeric code travel on,
    its message does not (it could quote what was sent)."""
    status = response.status_code
    service_code = service_error_code(response)
    meaning = KNOWN_CODES.get(service_code or 0, "")
    detail = (f"the service answered {status}" + (f" ({service_code}: {meaning})" if meaning else
                                                  f" ({service_code})" if service_code else "")
              + f" (trace {trace_id})")
    if status >= 500 or status in RETRYABLE_STATUSES:
        code = "RATE_LIMITED" if status == 429 else f"HTTP_{status}"
        return TranslatorRetryable(code, detail, delay_seconds=retry_after(response.headers))
    return TranslatorPermanent(str(service_code) if service_code else f"HTTP_{status}", detail)


def service_error_code(response: httpx.Response) -> int | None:
    """The six-digit code of ``{"error": {"code": 401000, "message": …}}``, when the body has one."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds from ``Retry-After``, as delta-seconds or an HTTP date; None when absent or nonsense."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    if math.isfinite(seconds) and 0 <= seconds <= MAX_RETRY_AFTER_SECONDS:
        return seconds
    return None
