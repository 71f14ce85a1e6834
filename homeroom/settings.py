"""Settings read from the environment (prefix ``HOMEROOM_``), validated once at start-up."""

from __future__ import annotations

import enum
import functools
from typing import Any

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
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
    max_request_bytes: int = Field(
        default=2**20, gt=0, description="The largest request body a route takes unless it says otherwise; "
                                         "larger is 413 before the body is read.")
    max_graphql_request_bytes: int = Field(
        default=24 * 2**20, gt=0, description="POST /graphql: room for a 10 MB CSV import escaped in JSON.")
    max_upload_request_bytes: int = Field(
        default=21 * 2**20, gt=0, description="The upload routes (attachments, call recordings): their largest "
                                              "file (20 MB) and the multipart framing around it.")
    subscriptions_per_key: int = Field(
        default=100, gt=0, description="Live subscriptions one partner key may hold at once on one API process; "
                                       "past it a subscription is refused with SUBSCRIPTION_LIMIT.")
    subscriptions_per_district: int = Field(
        default=5_000, gt=0, description="Live subscriptions one district may hold at once on one API process.")
    ws_ping_seconds: float = Field(
        default=20, ge=0, description="How often a WebSocket gets a graphql-transport-ws ping; 0 = never.")
    ws_send_queue_frames: int = Field(
        default=256, gt=0, description="Frames a WebSocket may have waiting to be written; a client that lets "
                                       "more pile up is dropped as a slow consumer (close 1013).")

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

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

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
    return f"invalid setting {variable}: {first['msg'].removeprefix('Value error, ')}"


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
