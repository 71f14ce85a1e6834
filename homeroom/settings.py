"""Settings read from the environment (prefix ``HOMEROOM_``), validated once at start-up."""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError as SourceParseError

CHANNEL_KINDS = ("email", "sms", "voice", "push")
#: The plugin of every channel HOMEROOM_CHANNEL_PLUGINS does not name.
DEFAULT_CHANNEL_PLUGIN = "outbox"
#: Signs tokens and links when nothing else is set: public, so development only.
DEVELOPMENT_SECRET = "homeroom-development-secret-change-me"
MIN_SECRET_LENGTH = 32


class Environment(str, enum.Enum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


#: Browser origins a development server answers CORS for when HOMEROOM_CORS_ORIGINS is unset.
DEVELOPMENT_CORS_ORIGIN_PATTERN = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"
_CLAIM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,99}")
_EMAIL_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)+")


class TrustedIssuer(BaseModel):
    """One OpenID Provider whose tokens sign people in (issue 16 point 1), as HOMEROOM_OIDC_ISSUERS lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(description="The provider's issuer URL, exactly as its tokens' iss claim spells it.")
    audience: list[str] = Field(
        description="The client id (and any API audience) a token must be addressed to: a string or a list.")
    user_claim: str = Field(
        default="email",
        description="The claim that finds the Homeroom user at a first sign-in: email (a verified email matched "
                    "to the user's email) or another claim (e.g. preferred_username) matched to the user's login.")
    allowed_email_domains: list[str] = Field(
        default_factory=list, description="With user_claim email: only these domains link; empty = any.")

    @field_validator("issuer")
    @classmethod
    def _issuer_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"issuer {value!r} must be an https URL without query or fragment")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError(f"issuer {value!r} must use https (plain http only on this machine, for tests)")
        return value

    @field_validator("audience", mode="before")
    @classmethod
    def _one_or_more_audiences(cls, value: Any) -> Any:
        audiences = [value] if isinstance(value, str) else value
        if not isinstance(audiences, list) or not audiences or not all(
                isinstance(item, str) and item.strip() for item in audiences):
            raise ValueError("audience must be the client id (a non-empty string) or a list of them")
        return audiences

    @field_validator("user_claim")
    @classmethod
    def _claim_name(cls, value: str) -> str:
        if not _CLAIM_NAME.fullmatch(value):
            raise ValueError(f"user_claim {value!r} is not a claim name")
        return value

    @field_validator("allowed_email_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        domains = [domain.strip().lower().removeprefix("@") for domain in value]
        bad = [domain for domain in domains if not _EMAIL_DOMAIN.fullmatch(domain)]
        if bad:
            raise ValueError(f"allowed_email_domains has {bad[0]!r}, which is not a domain name")
        return domains

    @model_validator(mode="after")
    def _domains_need_email(self) -> TrustedIssuer:
        if self.allowed_email_domains and self.user_claim != "email":
            raise ValueError(f"allowed_email_domains applies only with user_claim \"email\", not {self.user_claim!r}")
        return self


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Settings(BaseSettings):
    """Every knob Homeroom reads; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="HOMEROOM_", extra="ignore")

    environment: Environment = Environment.PRODUCTION
    database_url: str = Field(
        default="sqlite:///homeroom.db",
        description="SQLAlchemy URL; a SQLite file by default, postgresql+psycopg://… in production.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for jobs and events; unset = embedded mode (in-process worker)."
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET), validate_default=True,
        description="The secret every bearer token and signed link is signed with (through keys derived per "
                    f"purpose); in production required, at least {MIN_SECRET_LENGTH} characters.",
    )
    jwt_previous_secrets: list[SecretStr] = Field(
        default_factory=list,
        description="Secrets rotated out, as a JSON list: what they signed is still accepted until it expires or "
                    "they are removed; nothing new is signed with them.",
    )
    graphql_introspection: bool | None = Field(
        default=None, description="GraphQL introspection; unset = on in development, off in production.")
    jwt_ttl_minutes: int = Field(default=720, gt=0)
    public_base_url: str = Field(default="http://127.0.0.1:8000")
    channel_plugins: dict[str, str] = Field(
        default_factory=dict,
        description='Which plugin serves each channel, as JSON: {"sms": "twilio", …}. Unset: outbox for all four. '
                    'In development a channel it does not name keeps outbox; production needs all four named. '
                    'Read back, it names all four.',
    )
    plugin_config: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Per-plugin configuration, as JSON: {"outbox": {"directory": "outbox"}}.',
    )
    speech_plugin: str = Field(default="espeak", description="The homeroom.speech plugin calls speak with.")
    speech_config: dict[str, Any] = Field(default_factory=dict, description="That plugin's config (JSON).")
    assistant_plugin: str | None = Field(
        default=None, description="The homeroom.assistants plugin of the writing assistant (issue 18 point 6), e.g. "
                                  "openai-compatible; unset = no assistant (AI operations answer "
                                  "ASSISTANT_NOT_CONFIGURED).")
    assistant_config: dict[str, Any] = Field(
        default_factory=dict, repr=False, description='That plugin\'s config (JSON), e.g. {"base_url": "https://api.openai.com/v1", '
                                          '"model": "gpt-4o-mini", "api_key": "..."}; secrets are never printed.')
    assistant_rate_limit: str = Field(
        default="30/hour", description="Writing-assistant calls one user may make, as the limits package writes a "
                                       "rate (\"30/hour\", \"5/minute\"); over it: RATE_LIMITED with the wait.")
    translator_plugin: str = Field(
        default="none", min_length=1, description="The homeroom.translators plugin that machine-translates messages (issue 19, "
                                   "TRN-01): none (the default: recipients without a manual translation get the "
                                   "original) or azure.")
    translator_config: dict[str, Any] = Field(
        default_factory=dict, repr=False, description='That plugin\'s config (JSON), e.g. {"key": "...", "region": '
                                          '"westeurope"} for azure; secrets are never printed.')
    print_max_unfinished_jobs: int = Field(
        default=3, gt=0, le=100, description="Prints (printMessage) one user may have queued or running at once; "
                                             "the next answers RATE_LIMITED until one finishes.")
    print_retention_days: int = Field(
        default=7, gt=0, le=366, description="How long a finished print's PDF is kept; each queue run deletes older "
                                             "ones (the job stays, EXPIRED, and its download link says so).")
    dispatch_batch_size: int = Field(default=500, gt=0, le=5000)
    worker_threads: int = Field(default=2, gt=0, le=64)
    reply_domain: str | None = Field(
        default=None, description="The domain whose mail (reply+…@domain) homeroom inbound-smtp receives; unset = "
                                  "no email replies.")
    reply_mailbox_url: SecretStr | None = Field(
        default=None, description="JOB-03: the central reply mailbox each queue run reads, "
                                  "imaps://user:password@host/INBOX; unset = replies arrive by homeroom inbound-smtp.")
    queue_interval_seconds: float = Field(
        default=60, gt=0, le=3600, description="How often the communication queue runs (homeroom scheduler).")
    delivery_event_retention_hours: int = Field(
        default=168, gt=0, le=24 * 366,
        description="How long the delivery feed keeps its events (deliveryEvents); each queue run deletes older "
                    "ones, and a cursor older than this answers CURSOR_EXPIRED.")
    max_request_bytes: int = Field(
        default=2**20, gt=0, description="The largest request body a route takes unless it says otherwise; "
                                         "larger is 413 before the body is read.")
    max_graphql_request_bytes: int = Field(
        default=24 * 2**20, gt=0, description="POST /graphql: room for a 10 MB CSV import escaped in JSON.")
    max_upload_request_bytes: int = Field(
        default=21 * 2**20, gt=0, description="The upload routes (attachments, call recordings): their largest "
                                              "file (20 MB) and the multipart framing around it.")
    oidc_issuers: list[TrustedIssuer] = Field(
        default_factory=list,
        description='OpenID Providers whose ID or JWT access tokens sign people in, as JSON: [{"issuer": url, '
                    '"audience": client id, "user_claim": "email", "allowed_email_domains": [...]}]. Empty: '
                    'only Homeroom tokens.')
    oidc_leeway_seconds: int = Field(
        default=30, ge=0, le=300, description="Clock skew allowed when checking a provider token's exp, nbf and iat.")
    oidc_jwks_cache_seconds: float = Field(
        default=3600, gt=0, description="How long a provider's discovery document and JWKS are kept before a refetch.")
    oidc_jwks_min_refresh_seconds: float = Field(
        default=60, ge=0,
        description="A token naming an unknown kid refetches the JWKS at most this often per issuer, so a flood of "
                    "made-up kids cannot hammer the provider.")
    oidc_http_timeout_seconds: float = Field(
        default=5, gt=0, le=60, description="Timeout of each discovery or JWKS request to a provider.")
    access_token_ttl_minutes: int = Field(
        default=15, gt=0, le=720, description="Lifetime of the Homeroom token POST /auth/token issues.")
    refresh_token_ttl_days: int = Field(
        default=30, gt=0, le=365, description="Lifetime of a refresh token family from the sign-in that began it.")
    cors_origins: list[str] | None = Field(
        default=None,
        description='Browser origins allowed to call /graphql and /auth across origins, as JSON: '
                    '["https://app.district.org"]. Unset: none in production; localhost and 127.0.0.1 on any '
                    'port in development.')
    cors_allow_credentials: bool = Field(
        default=False, description="Whether cross-origin requests may carry cookies or HTTP authentication.")

    webhooks_allow_private: bool = Field(
        default=False,
        description="Let webhook endpoints be loopback, private or link-local addresses, reached over plain http "
                    "(development and tests only; production refuses them, and http, while this is off).")
    webhooks_timeout_seconds: float = Field(
        default=15, gt=0, le=60, description="How long one webhook POST may take before it counts as failed.")
    webhooks_retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: [0, 5, 300, 1800, 7200, 18000, 36000, 36000], min_length=1, max_length=20,
        description="Seconds before each attempt of a webhook message, as a JSON list (Standard Webhooks: at once, "
                    "5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); its length is how many attempts a message gets.")
    webhooks_disable_after_seconds: float = Field(
        default=86_400, ge=0, description="An endpoint that has failed for this long without a success is disabled "
                                          "(with at least HOMEROOM_WEBHOOKS_DISABLE_AFTER_FAILURES failures in a row).")
    webhooks_disable_after_failures: int = Field(
        default=5, gt=0, description="The failed attempts in a row an endpoint needs before it can be disabled.")
    webhooks_batch_size: int = Field(
        default=100, gt=0, le=1000, description="At most this many delivery changes in one delivery.updated webhook.")
    webhooks_secret_grace_seconds: float = Field(
        default=86_400, ge=0, description="How long a rotated-out webhook secret still signs beside the new one.")
    subscriptions_per_key: int = Field(
        default=100, gt=0, description="Live subscriptions one partner key may hold at once on one API process; "
                                       "past it a subscription is refused with SUBSCRIPTION_LIMIT.")
    subscriptions_per_district: int = Field(
        default=5_000, gt=0, description="Live subscriptions one district may hold at once on one API process.")
    ws_ping_seconds: float = Field(
        default=20, ge=0, description="How often a WebSocket gets a graphql-transport-ws ping; 0 = never.")
    graphiql_assets_dir: Path | None = Field(
        default=None,
        description="Development's GraphiQL: a node_modules directory holding the npm packages graphiql 3.x, react "
                    "and react-dom 18, whose files Homeroom serves itself; unset = the checkout's .tools/node_modules "
                    "(./run tools installs them there).")
    ws_send_queue_frames: int = Field(
        default=256, gt=0, description="Frames a WebSocket may have waiting to be written; a client that lets "
                                       "more pile up is dropped as a slow consumer (close 1013).")
    rate_limit_graphql: str = Field(
        default="600/minute", description="Operations one user or partner key may run on /graphql (HTTP requests "
                                          "and operations over WebSockets alike; an anonymous caller counts by "
                                          "its address), as the limits package writes a rate: \"600/minute\", "
                                          "\"20/second\". Over it: RATE_LIMITED with retryAfter, HTTP 429.")
    rate_limit_token_routes: str = Field(
        default="30/minute", description="Requests one client address may make to POST /auth/token (exchange "
                                         "and refresh) and /auth/revoke.")
    metrics_token: SecretStr | None = Field(
        default=None, description="The bearer token GET /metrics asks for. Unset: /metrics is open in "
                                  "development and answers 404 in production.")
    readiness_timeout_seconds: float = Field(
        default=2, gt=0, le=30, description="How long each check of GET /readyz (database, Redis) may take.")

    graphql_max_cost: int = Field(
        default=25_000, gt=0,
        description="The most nodes a GraphQL document may be estimated to return (page sizes multiplied along each "
                    "path, as GitHub's API counts); above it the document is refused with QUERY_TOO_COSTLY.")
    graphql_timeout_seconds: float = Field(
        default=30, gt=0, le=3600,
        description="How long a GraphQL query or mutation may execute; past it the operation stops at its next "
                    "database statement, its transaction rolls back and it answers TIMEOUT.")
    graphql_document_cache_size: int = Field(
        default=1024, ge=0, le=100_000,
        description="How many valid GraphQL documents stay parsed and validated in memory (an LRU); 0 = none.")
    database_statement_timeout_seconds: float = Field(
        default=30, ge=0, le=86_400,
        description="PostgreSQL cancels a statement of the API (and of its workers) that runs longer; 0 = never. "
                    "SQLite has no statement timeout.")
    persisted_queries: Path | None = Field(
        default=None, description="The persisted-query manifest (homeroom persisted-queries build): requests may "
                                  "send extensions.persistedQuery.sha256Hash instead of the document.")
    persisted_only: bool = Field(
        default=False, description="Run only the documents of the persisted-query manifest; any other gets "
                                   "PERSISTED_QUERY_NOT_FOUND (needs HOMEROOM_PERSISTED_QUERIES).")

    @field_validator("persisted_only")
    @classmethod
    def _persisted_only_needs_a_manifest(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("persisted_queries") is None:
            raise ValueError("needs HOMEROOM_PERSISTED_QUERIES, the manifest to run from")
        return value

    @field_validator("jwt_secret")
    @classmethod
    def _strong_secret_in_production(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        if info.data.get("environment") is Environment.PRODUCTION:
            _check_production_secret(value.get_secret_value())
        return value

    @field_validator("jwt_previous_secrets")
    @classmethod
    def _strong_previous_secrets(cls, value: list[SecretStr], info: ValidationInfo) -> list[SecretStr]:
        if info.data.get("environment") is Environment.PRODUCTION:
            for secret in value:
                _check_production_secret(secret.get_secret_value())
        return value

    @field_validator("oidc_issuers")
    @classmethod
    def _distinct_issuers(cls, value: list[TrustedIssuer]) -> list[TrustedIssuer]:
        issuers = [item.issuer for item in value]
        repeated = sorted({issuer for issuer in issuers if issuers.count(issuer) > 1})
        if repeated:
            raise ValueError(f"lists the issuer {repeated[0]!r} more than once")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        for origin in value or []:
            parts = urlsplit(origin)
            if origin == "*":
                raise ValueError('"*" would let every site call Homeroom with its users\' tokens; list the origins')
            if parts.scheme not in ("https", "http") or not parts.hostname or origin != f"{parts.scheme}://{parts.netloc}":
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], no path or trailing slash)")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("assistant_plugin")
    @classmethod
    def _no_assistant_when_empty(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @field_validator("channel_plugins")
    @classmethod
    def _known_channels(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        unknown = sorted(set(value) - set(CHANNEL_KINDS))
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; channels are {list(CHANNEL_KINDS)}")
        missing = [kind for kind in CHANNEL_KINDS if kind not in value]
        if value and missing and info.data.get("environment") is not Environment.DEVELOPMENT:
            # In production a channel left out would go to the outbox: its deliveries would read
            # SENT while nobody receives them. Naming none keeps the all-outbox default of a trial.
            raise ValueError(f"names no plugin for {', '.join(missing)}; in production name one for every channel "
                             f"({', '.join(CHANNEL_KINDS)}): \"outbox\" writes files, \"discard\" drops")
        return value

    _named_channels: frozenset[str] = PrivateAttr(default=frozenset())

    @model_validator(mode="after")
    def _default_unnamed_channels(self) -> Settings:
        # In development naming one channel must not leave the others without a plugin (issue 13
        # point 24); production refuses to start instead (_known_channels).
        self._named_channels = frozenset(self.channel_plugins)
        self.channel_plugins = {kind: self.channel_plugins.get(kind, DEFAULT_CHANNEL_PLUGIN)
                                for kind in CHANNEL_KINDS}
        return self

    @property
    def defaulted_channels(self) -> list[str]:
        """The channels HOMEROOM_CHANNEL_PLUGINS does not name, served by the default plugin."""
        return [kind for kind in CHANNEL_KINDS if kind not in self._named_channels]

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def introspection(self) -> bool:
        """Whether /graphql answers introspection queries (``__schema``, ``__type``)."""
        return self.is_development if self.graphql_introspection is None else self.graphql_introspection

    @field_validator("rate_limit_graphql", "rate_limit_token_routes", "assistant_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate; write it as \"600/minute\" or \"20 per second\"") from None
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (a random token from your secret store)")
        return value

    @property
    def graphiql(self) -> bool:
        """Whether GET /graphql serves the GraphiQL page (development only)."""
        return self.is_development

    @property
    def queries_via_get(self) -> bool:
        """Whether GET /graphql?query=… runs queries (development only; production takes POST)."""
        return self.is_development

    @property
    def field_suggestions(self) -> bool:
        """Whether validation errors suggest field names ("Did you mean …"), which reveal the schema."""
        return self.is_development

    @property
    def masks_unexpected_errors(self) -> bool:
        """Whether an unexpected error answers "Internal server error" with a request id (production)."""
        return not self.is_development

    @field_validator("webhooks_retry_schedule_seconds")
    @classmethod
    def _retry_delays_not_negative(cls, value: list[float]) -> list[float]:
        if any(delay < 0 for delay in value):
            raise ValueError("delays must be 0 or more seconds")
        return value

    @property
    def cors_origin_pattern(self) -> str | None:
        """The origins a development server allows when HOMEROOM_CORS_ORIGINS is unset."""
        return DEVELOPMENT_CORS_ORIGIN_PATTERN if self.cors_origins is None and self.is_development else None

    @property
    def embedded(self) -> bool:
        """Embedded mode: no Redis, jobs run on an in-process worker."""
        return self.redis_url is None


def _check_production_secret(secret: str) -> None:
    """The secret never appears in the message."""
    if secret == DEVELOPMENT_SECRET:
        raise ValueError("is unset or the public development default; production (HOMEROOM_ENVIRONMENT=production) "
                         f"needs a random secret of at least {MIN_SECRET_LENGTH} characters")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"is {len(secret)} characters long; production (HOMEROOM_ENVIRONMENT=production) needs a "
                         f"random secret of at least {MIN_SECRET_LENGTH} characters")


class SettingsError(SystemExit):
    """Start-up stops with one line naming the bad variable."""


def describe_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "settings"
    variable = "HOMEROOM_" + field.split(".")[0].upper()
    # Inside a JSON setting (an entry of HOMEROOM_OIDC_ISSUERS), say where: "entry 1, audience".
    inner = ", ".join(f"entry {part + 1}" if isinstance(part, int) else str(part) for part in first["loc"][1:])
    where = f" ({inner})" if inner else ""
    return f"invalid setting {variable}{where}: {first['msg'].removeprefix('Value error, ')}"


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None
    except SourceParseError as error:
        field = str(error).split('"')[1] if '"' in str(error) else "settings"
        raise SettingsError(f"invalid setting HOMEROOM_{field.upper()}: not valid JSON") from None


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
