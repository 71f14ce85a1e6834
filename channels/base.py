"""The contract a channel plugin implements.

A plugin is one class behind one entry point in the ``homeroom.channels`` namespace. It names
the channel kinds it serves, declares a Pydantic config (secrets as ``SecretStr``; validated when
the plugin is built) and its capabilities, and turns a batch of envelopes into one outcome per
envelope: :class:`Sent`, :class:`Retryable` (worth trying again after a delay) or
:class:`PermanentFailure` (with the provider's code). The core owns idempotency: every envelope
carries its delivery id as ``reference``, which a plugin passes to its provider where it can.
"""

from __future__ import annotations

import abc
import dataclasses
import enum
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SecretStr


class ChannelKind(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    PUSH = "push"


@dataclasses.dataclass(frozen=True, kw_only=True)
class _EnvelopeBase:
    reference: str  # the delivery id; the idempotency key for the provider
    message_id: int
    to: str
    recipient_name: str
    language: str = "en"
    emergency: bool = False


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A file to attach to an email (ATT-02)."""

    filename: str
    content_type: str
    data: bytes = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, kw_only=True)
class EmailEnvelope(_EnvelopeBase):
    kind: ClassVar[ChannelKind] = ChannelKind.EMAIL
    from_name: str
    subject: str
    html_body: str
    text_body: str
    # RFC 8058 one-click unsubscribe for this address; None on emergencies.
    unsubscribe_url: str | None = None
    # Addresses to copy (Cc header and envelope recipients), CMP-22/CMP-23.
    cc: tuple[str, ...] = ()
    # Files of the message; the same for every email of it, Cc and copy to self included (ATT-05).
    attachments: tuple[Attachment, ...] = ()
    # Where a reply goes when the message allows replies: a signed address bound to this delivery.
    reply_to: str | None = None
    # The return path (SMTP MAIL FROM) for this delivery: a signed bounce address bound to it (VERP),
    # so a delivery status notification can be trusted; None when the deployment has no reply domain.
    return_path: str | None = None
    # An automatic answer (an out-of-office reply, SET-08): sent with ``Auto-Submitted: auto-replied``
    # (RFC 3834), so that no well-behaved responder answers it in turn.
    auto_replied: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class SmsEnvelope(_EnvelopeBase):
    kind: ClassVar[ChannelKind] = ChannelKind.SMS
    text: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class VoiceEnvelope(_EnvelopeBase):
    kind: ClassVar[ChannelKind] = ChannelKind.VOICE
    script: str  # what text-to-speech reads
    caller_id: str | None = None  # the number the call shows, E.164 (CID-*); None: the plugin's own
    # Where the provider fetches what to say when the call is answered: Homeroom's TwiML for this
    # delivery (/voice/<token>/twiml), unguessable. None for a test call: speak ``script`` inline.
    content_url: str | None = None


@dataclasses.dataclass(frozen=True)
class PushTarget:
    """One browser or device the recipient registered for Web Push (RFC 8030/8291)."""

    endpoint: str
    p256dh: str  # the subscription's public key, base64url
    auth: str  # its authentication secret, base64url


@dataclasses.dataclass(frozen=True, kw_only=True)
class PushEnvelope(_EnvelopeBase):
    kind: ClassVar[ChannelKind] = ChannelKind.PUSH
    title: str  # generic; no student data travels in a push payload
    notification_id: str
    # The recipient's registered subscriptions (``to`` is ``user:<id>``), loaded by the core.
    targets: tuple[PushTarget, ...] = ()


Envelope = EmailEnvelope | SmsEnvelope | VoiceEnvelope | PushEnvelope


@dataclasses.dataclass(frozen=True)
class Sent:
    reference: str
    provider_id: str | None = None
    #: Addresses or push endpoints the provider says no longer exist; the core retires them.
    gone: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Retryable:
    """Try again later: after ``delay_seconds`` when the provider said so (a Retry-After), else
    after the core's exponential backoff."""

    reference: str
    delay_seconds: float | None = None
    code: str | None = None
    detail: str | None = None


#: The ``PermanentFailure`` code for a phone number that cannot be reached (invalid, disconnected,
#: not in service). Calls failing with it start the Communication Status Updates job (JOB-06).
UNREACHABLE = "UNREACHABLE"

#: The ``PermanentFailure`` code for a recipient who told the provider to stop sending (an SMS
#: STOP the provider enforces: Twilio's error 21610). The core records an opt-out of the address on
#: that channel, and later non-emergency messages skip it.
OPTED_OUT = "OPTED_OUT"


@dataclasses.dataclass(frozen=True)
class PermanentFailure:
    reference: str
    code: str
    detail: str | None = None
    gone: tuple[str, ...] = ()


Outcome = Sent | Retryable | PermanentFailure


class Reconciled(str, enum.Enum):
    """What a plugin knows, after a crash, of a send whose outcome was never recorded."""

    SENT = "SENT"  # the provider has it: record it as sent, never send again
    NOT_SENT = "NOT_SENT"  # the provider never saw it: safe to send
    UNKNOWN = "UNKNOWN"  # cannot tell


@dataclasses.dataclass(frozen=True)
class StatusEvent:
    """A provider's later word on a delivery (a status callback): delivered, failed, …"""

    reference: str  # the delivery id the send carried
    status: str  # "DELIVERED", "FAILED", "SENT" (accepted by the next hop) …
    code: str | None = None
    detail: str | None = None


@dataclasses.dataclass(frozen=True)
class InboundEvent:
    """A message a recipient sent back through the channel (an SMS reply, an email reply)."""

    from_address: str
    to_address: str
    text: str
    in_reply_to: str | None = None  # a reference or reply token, when the provider carries one
    external_id: str | None = None  # the provider's id for the message: a replay of it is ignored


WebhookEvent = StatusEvent | InboundEvent


class WebhookRejected(Exception):
    """The request did not come from the provider (bad or missing signature): answer 403."""


class PluginConfig(BaseModel):
    """Base for a plugin's config: unknown keys are an error, secrets are ``SecretStr``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def redacted(self) -> dict[str, Any]:
        """The config as printable data, every secret replaced by ``**********``."""
        shown: dict[str, Any] = {}
        for name, value in self:
            shown[name] = "**********" if isinstance(value, SecretStr) else value
        return shown


#: The code of an envelope longer than its plugin's ``max_body_length``.
BODY_TOO_LONG = "BODY_TOO_LONG"
#: The code of an email with files for a plugin that does not declare ``attachments``.
ATTACHMENTS_NOT_SUPPORTED = "ATTACHMENTS_NOT_SUPPORTED"


def body_of(envelope: Envelope) -> str:
    """The text ``max_body_length`` bounds: what the recipient reads or hears."""
    match envelope:
        case EmailEnvelope():
            return envelope.text_body
        case SmsEnvelope():
            return envelope.text
        case VoiceEnvelope():
            return envelope.script
        case PushEnvelope():
            return envelope.title
    raise TypeError(f"not an envelope: {type(envelope).__name__}")


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """What the core may ask of a plugin. The core enforces each, in ``fit`` alone: dispatch and
    the trial call hand a plugin only what ``fit`` lets through; ``rate_per_second`` is applied by
    the core's pacing."""

    max_batch: int = 100
    max_body_length: int | None = None
    rate_per_second: float | None = None
    attachments: bool = False
    status_callbacks: bool = False
    inbound_messages: bool = False
    #: The plugin puts what an envelope carries in front of a person (an email, a text, a call),
    #: so it needs the signed per-delivery links the core adds: an email's one-click unsubscribe,
    #: reply and return addresses, a call's content URL. A plugin that only accepts and counts
    #: (``discard``) says False, and the core signs none of them for it.
    renders_body: bool = True

    def fit(self, envelopes: Sequence[Envelope]) -> tuple[list[list[Envelope]], list[PermanentFailure]]:
        """The envelopes a plugin may be handed, in batches of at most ``max_batch``, and a
        PermanentFailure for each it may not be (longer than ``max_body_length``; an email with
        files when it declares no ``attachments``)."""
        refused: list[PermanentFailure] = []
        limit = self.max_body_length
        if limit is not None or not self.attachments:
            fitting: list[Envelope] = []
            for envelope in envelopes:
                if limit is not None and len(body_of(envelope)) > limit:
                    refused.append(PermanentFailure(envelope.reference, BODY_TOO_LONG,
                                                    f"longer than the plugin's {limit} characters"))
                elif not self.attachments and getattr(envelope, "attachments", ()):
                    refused.append(PermanentFailure(envelope.reference, ATTACHMENTS_NOT_SUPPORTED,
                                                    "the plugin does not send attachments"))
                else:
                    fitting.append(envelope)
            envelopes = fitting
        size = self.max_batch
        return [list(envelopes[start:start + size]) for start in range(0, len(envelopes), size)], refused


class ChannelPlugin(abc.ABC):
    """Base of every channel plugin. Built per use from validated config; never mutated."""

    name: ClassVar[str]
    kinds: ClassVar[frozenset[ChannelKind]]
    Config: ClassVar[type[PluginConfig]] = PluginConfig
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, config: PluginConfig):
        if not isinstance(config, self.Config):
            raise TypeError(f"{self.name} needs a {self.Config.__name__}")
        self.config = config
        rate = self.configured_rate()
        if rate:
            self.capabilities = dataclasses.replace(type(self).capabilities, rate_per_second=rate)

    def configured_rate(self) -> float | None:
        """A rate that comes from the config (a number's messages per second); it replaces
        ``capabilities.rate_per_second`` for this instance. None: the declared capabilities stand."""
        return None

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> ChannelPlugin:
        """Validate ``raw`` against the plugin's config and build the plugin."""
        return cls(cls.Config.model_validate(raw))

    @abc.abstractmethod
    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        """Send every envelope; return exactly one outcome per envelope, by reference. An envelope
        that cannot be sent is its own PermanentFailure; raising instead makes the core ask
        ``reconcile`` what went out and send the rest one at a time, under the same references."""

    def check(self) -> str | None:
        """Health check: None when ready, else a short human reason."""
        return None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, url: str) -> list[WebhookEvent]:
        """For plugins whose capabilities declare ``status_callbacks`` or ``inbound_messages``:
        verify the provider's request (raise WebhookRejected when it is not genuine) and turn it
        into events. The core serves the route and applies the events."""
        raise NotImplementedError(f"plugin {self.name!r} takes no webhooks")

    def webhook_reply(self, text: str) -> tuple[str, bytes] | None:
        """How to answer the sender at once in the webhook's HTTP response (an SMS HELP), as
        (media type, body); None: the route answers with its JSON summary and nothing is sent."""
        return None

    def reconcile(self, references: Sequence[str]) -> dict[str, Reconciled]:
        """For deliveries a crash left in SENDING: what the provider knows of each reference (the
        delivery id every send carries). A provider that can look sends up by reference should;
        anything left out counts as UNKNOWN."""
        return {}


class EmailChannel(ChannelPlugin):
    """Base for a plugin that sends :class:`EmailEnvelope` batches."""

    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.EMAIL})


class SmsChannel(ChannelPlugin):
    """Base for a plugin that sends :class:`SmsEnvelope` batches."""

    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.SMS})


class VoiceChannel(ChannelPlugin):
    """Base for a plugin that places :class:`VoiceEnvelope` calls."""

    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.VOICE})


class PushChannel(ChannelPlugin):
    """Base for a plugin that sends :class:`PushEnvelope` notifications."""

    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.PUSH})
