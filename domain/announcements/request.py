"""An announcement's fields as a caller gives them, for create, full edit and inline edit alike
(ANN-20): a field left at ``KEEP`` keeps its stored value (an edit) or takes its default (a new
announcement: start today, no end, ANN-02; no schools: district-wide, ANN-06)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from models.announcements import AnnouncementStudentContacts


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclasses.dataclass(frozen=True)
class EmailAttachment:
    """The email an announcement's posting sends (ANN-12, PERM-26)."""

    subject: str
    html_body: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class TranslationText:
    """One language's manual translation (TRN-04); None in a field: that part is not translated."""

    language: str
    title: str | None = None
    html_body: str | None = None
    email_subject: str | None = None
    email_html_body: str | None = None
    sms_text: str | None = None
    call_text: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class AnnouncementRequest:
    """The fields given (KEEP: not given). ``repost`` (a full edit, ANN-20) earns one more posting;
    ``confirm`` answers the ANN-07 confirmation."""

    title: str = KEEP
    html_body: str = KEEP
    start_date: dt.date = KEEP
    end_date: dt.date | None = KEEP
    sort_order: int | None = KEEP
    student_contacts: AnnouncementStudentContacts | None = KEEP
    push: bool = KEEP
    public: bool = KEEP
    profile_ids: tuple[int, ...] = KEEP
    school_ids: tuple[int, ...] = KEEP
    grade_levels: tuple[str, ...] = KEEP
    section_ids: tuple[int, ...] = KEEP
    email: EmailAttachment | None = KEEP
    sms_text: str | None = KEEP
    call_text: str | None = KEEP
    translations: tuple[TranslationText, ...] = KEEP
    repost: bool = False
    confirm: bool = False

    def given(self) -> dict[str, Any]:
        """The content fields given, by name (not ``repost`` or ``confirm``)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                if field.name not in ("repost", "confirm") and getattr(self, field.name) is not KEEP}


#: A new announcement's values for the fields not given (ANN-02's start date is the district's today).
DEFAULTS: dict[str, Any] = {
    "title": "", "html_body": "", "end_date": None, "sort_order": None, "student_contacts": None, "push": False,
    "public": False, "profile_ids": (), "school_ids": (), "grade_levels": (), "section_ids": (), "email": None,
    "sms_text": None, "call_text": None, "translations": (),
}

#: The input name of each request field (for paths and permission checks).
INPUT_NAMES = {
    "title": "title", "html_body": "htmlBody", "start_date": "startDate", "end_date": "endDate",
    "sort_order": "sortOrder", "student_contacts": "studentContacts", "push": "push", "public": "public",
    "profile_ids": "profileIds", "school_ids": "schoolIds", "grade_levels": "gradeLevels",
    "section_ids": "sectionIds", "email": "email", "sms_text": "smsText", "call_text": "callText",
    "translations": "translations",
}
