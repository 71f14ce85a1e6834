"""What Homeroom's Twilio plugins share: the account's config, an SDK client whose one HTTP
session is reused for a batch, and the X-Twilio-Signature check of callbacks."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, SecretStr, field_validator
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels.base import PluginConfig, WebhookRejected

E164 = r"^\+[1-9]\d{6,14}$"


class TwilioAccountConfig(PluginConfig):
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$", description="The account's SID (AC…).")
    auth_token: SecretStr = Field(description="Signs API calls and verifies Twilio's callbacks.")
    public_base_url: str | None = Field(
        default=None, description="Homeroom's public URL, for callbacks and call content; none: no callbacks.")
    api_base_url: str = Field(default="https://api.twilio.com",
                              description="Twilio's REST API; a proxy or a local mock in tests.")
    timeout_seconds: float = Field(default=10, gt=0, le=60)

    @field_validator("public_base_url", "api_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/") if value else value


def client_for(config: TwilioAccountConfig) -> Client:
    http = TwilioHttpClient(timeout=config.timeout_seconds)  # one session: connections are reused
    client = Client(config.account_sid, config.auth_token.get_secret_value(), http_client=http)
    client.api.base_url = config.api_base_url
    return client


def verified_params(config: TwilioAccountConfig, headers: Mapping[str, str], body: bytes, url: str) -> dict[str, str]:
    """The form parameters of a genuine Twilio request; WebhookRejected for anything else."""
    signature = {key.lower(): value for key, value in headers.items()}.get("x-twilio-signature", "")
    params = {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}
    if not signature or not RequestValidator(config.auth_token.get_secret_value()).validate(url, params, signature):
        raise WebhookRejected("missing or wrong X-Twilio-Signature")
    return params


def reference_in(url: str) -> str:
    """The delivery a callback URL names (``?ref=<delivery id>``)."""
    return parse_qs(urlsplit(url).query).get("ref", [""])[-1]
