"""The runtime: the process-wide things every part of Homeroom shares, built once by the process
shell (the app factory, the CLI commands, the worker) and handed down, never looked up.

- the GraphQL context carries it (``info.context.runtime``, graph.context);
- actors read the one their process installed (``jobs.runtime.install``), since Dramatiq actors
  take ids, not objects;
- domain code is given the parts it needs as parameters (an engine, a registry, the delivery
  services, signing keys); nothing below the shell reads settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import dramatiq
from limits import parse
from sqlalchemy.engine import Engine

from channels.assistants.loading import load_assistant_plugin
from channels.registry import ChannelRegistry, PluginLoadError
from channels.translators.base import TranslatorConfig, TranslatorPlugin
from channels.translators.loading import TranslatorLoadError, load_translator_plugin
from channels.translators.none import NoTranslator
from domain.delivery.sending.envelopes import Links
from domain.delivery.sending.pacing import Pacer, make_pacer
from domain.delivery.progress_events import ProgressBus, make_bus
from domain.assistant.service import AssistantService, CallRate
from domain.delivery.services import DeliveryServices
from domain.letters.print_jobs import PrintPolicy
from domain.webhooks.config import UrlPolicy, WebhookConfig
from homeroom.settings import Settings, load_settings
from jobs.broker import make_broker
from jobs.job_queue import DramatiqJobQueue
from jobs.printing import DramatiqPrintJobs
from jobs.webhooks import DramatiqWebhookJobs
from models.db import engine_for, set_statement_timeout


@dataclasses.dataclass(frozen=True)
class Runtime:
    """Settings and what is built from them once per process."""

    settings: Settings
    engine: Engine
    registry: ChannelRegistry
    broker: dramatiq.Broker
    pacer: Pacer
    events: ProgressBus
    links: Links
    jobs: DramatiqJobQueue
    #: The writing assistant (issue 18 point 6); None when HOMEROOM_ASSISTANT_PLUGIN is unset.
    assistant: AssistantService | None = None
    #: The machine translator (issue 19, TRN-01): HOMEROOM_TRANSLATOR_PLUGIN, ``none`` by default.
    translator: TranslatorPlugin = dataclasses.field(default_factory=lambda: NoTranslator(TranslatorConfig()))

    @property
    def delivery(self) -> DeliveryServices:
        """What dispatch needs besides the engine and the registry."""
        return DeliveryServices(pacer=self.pacer, events=self.events, links=self.links,
                                ledger_changed=self.webhook_jobs.ledger_changed)

    @property
    def webhook_jobs(self) -> DramatiqWebhookJobs:
        """Where webhook work goes (its own queue; issue 16 point 5)."""
        return DramatiqWebhookJobs(self.broker)

    @property
    def print_jobs(self) -> DramatiqPrintJobs:
        """Where print work goes (its own queue; issue 18 point 4)."""
        return DramatiqPrintJobs(self.broker)

    @property
    def print_policy(self) -> PrintPolicy:
        """The limits on printing the settings choose (domain.letters.print_jobs.PrintPolicy)."""
        return PrintPolicy(max_unfinished=self.settings.print_max_unfinished_jobs,
                           retention=dt.timedelta(days=self.settings.print_retention_days))

    @functools.cached_property
    def webhooks(self) -> WebhookConfig:
        """The webhook rules the settings choose (domain.webhooks.config)."""
        settings = self.settings
        return WebhookConfig(
            urls=UrlPolicy(require_https=not settings.is_development, allow_private=settings.webhooks_allow_private),
            timeout_seconds=settings.webhooks_timeout_seconds,
            retry_schedule=tuple(settings.webhooks_retry_schedule_seconds),
            disable_after=dt.timedelta(seconds=settings.webhooks_disable_after_seconds),
            disable_after_failures=settings.webhooks_disable_after_failures,
            batch_size=settings.webhooks_batch_size,
            secret_grace=dt.timedelta(seconds=settings.webhooks_secret_grace_seconds))

    @property
    def reply_filer(self):
        """How the inbound paths (email, SMS, webhooks) file an account holder's answer: the one
        reply operation, handing its notifications on with this runtime's jobs and events."""
        from domain.conversations.replies.replies import file_inbound_answer

        return functools.partial(file_inbound_answer, jobs=self.jobs, events=self.events)


def build_runtime(settings: Settings, *, registry: ChannelRegistry | None = None) -> Runtime:
    """Everything ``settings`` describe. A configured plugin that fails to load raises
    ``PluginLoadError`` here, so a process stops at start-up rather than at its first send."""
    registry = registry or ChannelRegistry.from_settings(settings.channel_plugins, settings.plugin_config)
    broker = make_broker(settings.redis_url)
    pacer = make_pacer(settings.redis_url)
    engine = engine_for(settings.database_url)
    set_statement_timeout(engine, settings.database_statement_timeout_seconds)  # PostgreSQL's (issue 17 point 6)
    return Runtime(settings=settings, engine=engine, registry=registry, broker=broker, pacer=pacer,
                   events=make_bus(settings.redis_url), links=Links.from_settings(settings),
                   jobs=DramatiqJobQueue(broker, pacer.urgent, registry, settings.dispatch_batch_size),
                   assistant=build_assistant(settings), translator=build_translator(settings))


def build_assistant(settings: Settings) -> AssistantService | None:
    """The configured writing assistant, or None; a plugin that is missing or misconfigured raises
    ``PluginLoadError`` (start-up stops, naming the config field, never its value)."""
    if settings.assistant_plugin is None:
        return None
    rate = parse(settings.assistant_rate_limit)
    return AssistantService(plugin=load_assistant_plugin(settings.assistant_plugin, settings.assistant_config),
                            rate=CallRate(calls=rate.amount, window_seconds=rate.get_expiry()))


def build_translator(settings: Settings) -> TranslatorPlugin:
    """The configured translator; a plugin that is missing or misconfigured raises
    ``PluginLoadError`` naming HOMEROOM_TRANSLATOR_PLUGIN or HOMEROOM_TRANSLATOR_CONFIG and the
    config field and rule, never a value (start-up stops)."""
    try:
        return load_translator_plugin(settings.translator_plugin, settings.translator_config)
    except TranslatorLoadError as error:
        raise PluginLoadError(f"invalid setting HOMEROOM_TRANSLATOR_{error.setting.upper()}: {error}") from None


def start_runtime(settings: Settings | None = None) -> Runtime:
    """Build the runtime of a process that runs jobs (a worker, the scheduler, a benchmark) and
    install it for its actors."""
    import jobs.runtime

    runtime = build_runtime(settings or load_settings())
    # The statement timeout bounds what a request can make the database do; a job's statements (a
    # whole district's fan-out in one INSERT … SELECT) may rightly run longer.
    set_statement_timeout(runtime.engine, None)
    jobs.runtime.install(runtime)
    return runtime
