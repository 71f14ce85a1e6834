"""What is audited, and who did it."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


class AuditAction(str, enum.Enum):
    """One audited kind of action. Other parts of issue 16 record theirs with the same ``record``."""

    MESSAGE_SENT = "MESSAGE_SENT"  # sendMessage, sendDraft, a reply in a thread
    SCHEDULED_MESSAGE_SENT = "SCHEDULED_MESSAGE_SENT"  # a scheduled message going out at its queue run
    MESSAGE_RESENT = "MESSAGE_RESENT"  # resendToFailed
    MESSAGE_SCHEDULED = "MESSAGE_SCHEDULED"  # scheduleMessage, scheduleDraft
    SCHEDULE_UPDATED = "SCHEDULE_UPDATED"
    SCHEDULE_CANCELLED = "SCHEDULE_CANCELLED"
    REPORT_EXPORTED = "REPORT_EXPORTED"  # the delivery report as CSV
    DIRECTORY_EXPORTED = "DIRECTORY_EXPORTED"  # homeroom export oneroster
    PERMISSIONS_CHANGED = "PERMISSIONS_CHANGED"  # profiles, their grants, or who holds them
    CONTACT_DATA_VIEWED = "CONTACT_DATA_VIEWED"  # addresses (emails, phones) of students and their contacts
    PARTNER_READ = "PARTNER_READ"  # a partner key read student, contact or delivery data
    PARTNER_KEY_CREATED = "PARTNER_KEY_CREATED"
    PARTNER_KEY_ROTATED = "PARTNER_KEY_ROTATED"
    PARTNER_KEY_REVOKED = "PARTNER_KEY_REVOKED"
    WEBHOOK_ENDPOINT_CREATED = "WEBHOOK_ENDPOINT_CREATED"
    WEBHOOK_ENDPOINT_UPDATED = "WEBHOOK_ENDPOINT_UPDATED"
    WEBHOOK_ENDPOINT_DELETED = "WEBHOOK_ENDPOINT_DELETED"
    WEBHOOK_ENDPOINT_DISABLED = "WEBHOOK_ENDPOINT_DISABLED"  # by the system, after persistent failure
    WEBHOOK_ENDPOINT_ENABLED = "WEBHOOK_ENDPOINT_ENABLED"
    WEBHOOK_SECRET_ROTATED = "WEBHOOK_SECRET_ROTATED"
    ANNOUNCEMENT_CREATED = "ANNOUNCEMENT_CREATED"  # createAnnouncement (ANN-01)
    ANNOUNCEMENT_UPDATED = "ANNOUNCEMENT_UPDATED"  # updateAnnouncement, inline or full, re-posting too (ANN-20)
    ANNOUNCEMENT_DELETED = "ANNOUNCEMENT_DELETED"  # deleteAnnouncement (ANN-21)
    SIGN_IN_LINKED = "SIGN_IN_LINKED"  # an identity provider's subject linked to a user


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who acted: a user, a partner key (with the user it acts for), or the system (an operator's
    command, no user). ``district_id`` None: the district is looked up when the row is written."""

    user_id: int | None
    key_id: int | None = None
    district_id: int | None = None

    @classmethod
    def of(cls, viewer: Any) -> Actor:
        """The actor behind a domain.access.viewer.Viewer (its partner key, when one called)."""
        return cls(user_id=viewer.id, key_id=viewer.key.key_id if viewer.key is not None else None,
                   district_id=viewer.district.id)

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None)
