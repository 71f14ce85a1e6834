"""Opaque global ids (issue 17 point 1): every id the API, the delivery feed, webhook payloads and
the report's CSV show is ``base64url("Kind:pk")`` without padding, the Relay convention GitHub,
Shopify and Saleor follow. A client treats it as an opaque string; the kind in it says which table
the row is in, so an id of one kind never names a row of another, and ``node(id:)`` knows where to
look.

Decoding is strict: only the exact spelling ``global_id`` writes names a row (no padding, no
standard-alphabet variant, no leading zeros, a known kind, a pk in the integer range), so every
other string answers exactly like an id that names nothing.
"""

from __future__ import annotations

import base64
import binascii
import enum

from models.db import row_id


class Kind(enum.StrEnum):
    """What a global id names: one table (or, for groups, one of two)."""

    SCHOOL = "School"
    STUDENT = "Student"
    CONTACT = "Contact"
    USER = "User"
    SECTION = "Section"
    STUDENT_GROUP = "StudentGroup"
    USER_GROUP = "UserGroup"
    PROFILE = "Profile"
    MESSAGE = "Message"
    DELIVERY = "Delivery"
    IMPORTED_RECIPIENT = "ImportedRecipient"
    FILE = "File"
    THREAD = "Thread"
    THREAD_REPLY = "ThreadReply"
    REFERRAL_REQUEST = "ReferralRequest"
    PORTAL_ALERT = "PortalAlert"
    CALLER_ID = "CallerId"
    PARTNER_KEY = "PartnerKey"
    WEBHOOK_ENDPOINT = "WebhookEndpoint"
    WEBHOOK_MESSAGE = "WebhookMessage"
    WEBHOOK_ATTEMPT = "WebhookAttempt"
    WEBHOOK_NOTICE = "WebhookNotice"
    AUDIT_ENTRY = "AuditEntry"
    PUSH_SUBSCRIPTION = "PushSubscription"
    PRINT_JOB = "PrintJob"
    TEMPLATE = "MessageTemplate"
    TEMPLATE_FILE = "TemplateFile"
    LETTERHEAD = "Letterhead"
    SCHOOL_YEAR = "SchoolYear"
    ANNOUNCEMENT = "Announcement"
    ANNOUNCEMENT_FILE = "AnnouncementFile"
    DISTRICT = "District"  # the public announcement feed names its district (ANN-10)


_KINDS = {kind.value: kind for kind in Kind}
#: The kind of a delivery's recipient id, by its recipient_kind (models.messaging.RecipientKind).
RECIPIENT_KINDS = {"STUDENT": Kind.STUDENT, "CONTACT": Kind.CONTACT, "USER": Kind.USER,
                   "IMPORTED": Kind.IMPORTED_RECIPIENT}


def global_id(kind: Kind, pk: int) -> str:
    """The opaque id of row ``pk`` of ``kind``."""
    return base64.urlsafe_b64encode(f"{kind.value}:{pk}".encode()).decode().rstrip("=")


def optional_global_id(kind: Kind, pk: int | None) -> str | None:
    """``global_id``, or None for a row that is not there."""
    return None if pk is None else global_id(kind, pk)


def decoded(value: object) -> tuple[Kind, int] | None:
    """The (kind, pk) an opaque id names, or None when it names none (see the module's rule)."""
    if not isinstance(value, str) or not 2 <= len(value) <= 64 or not value.isascii():
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    name, _, digits = text.partition(":")
    kind, pk = _KINDS.get(name), row_id(digits)
    if kind is None or pk is None or pk < 0 or str(pk) != digits or global_id(kind, pk) != value:
        return None
    return kind, pk


def pk_of(value: object, kind: Kind) -> int | None:
    """The row of ``kind`` an opaque id names, or None: not an id, or an id of another kind."""
    parsed = decoded(value)
    return parsed[1] if parsed is not None and parsed[0] is kind else None


#: An in-app delivery's address in the ledger: ``user:<pk>`` (the inbox of that account).
INBOX_ADDRESS_PREFIX = "user:"


def shown_address(address: str | None) -> str | None:
    """A delivery's address as clients see it: an in-app inbox names its user by global id
    (``user:<User id>``); an email address or phone number as it is; None when there was none."""
    if not address:
        return None
    if address.startswith(INBOX_ADDRESS_PREFIX) and address[len(INBOX_ADDRESS_PREFIX):].isdigit():
        return INBOX_ADDRESS_PREFIX + global_id(Kind.USER, int(address[len(INBOX_ADDRESS_PREFIX):]))
    return address
