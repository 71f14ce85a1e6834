"""Every problem with an announcement's values, reported at once with its input path (ANN-01,
ANN-03, ANN-05, ANN-22, SMS-04, VOI-06, TRN-04); the caller writes nothing when there is one.

``values`` are the announcement as it would be stored (a new one's defaults, or the stored values
with the changes applied); ``changed`` names the fields the request changes, so a value kept as
it was (a school outside the editor's reach, an SMS written under an older limit) meets no check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.announcements.request import INPUT_NAMES, TranslationText
from domain.content.call_text import tts_limit
from domain.content.html_policy import sanitized_html
from domain.content.sms_text import sms_count
from domain.content.text import INVALID_CHARACTERS, has_control_characters, html_to_text
from domain.support.errors import FieldProblem
from domain.translations.manual import check_translation_languages
from models.directory import Profile, Section, SectionTeacher, Student

TITLE_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
#: ANN-09: a sort order is a small non-negative number; anything else is INVALID.
SORT_ORDER_RANGE = range(0, 10_000)
#: The grade levels every district knows (Homeroom's labels, domain.integrations.oneroster.people);
#: a grade a student of the district carries is known too.
STANDARD_GRADE_LEVELS = frozenset({"IT", "PR", "PK", "TK", "K", *map(str, range(1, 14)), "PS", "UG", "Other"})


def _line(problems: list, path: tuple, value: str | None, limit: int, what: str) -> None:
    text = (value or "").strip()
    if not text:
        problems.append(FieldProblem(path, "REQUIRED", f"An announcement needs {what}."))
    elif len(text) > limit:
        problems.append(FieldProblem(path, "TOO_LONG", f"At most {limit} characters; this is {len(text)}."))
    elif has_control_characters(text):
        problems.append(FieldProblem(path, INVALID_CHARACTERS,
                                     "One line: remove line breaks, tabs and other control characters."))


def _body(problems: list, path: tuple, value: str | None, *, required: bool) -> None:
    if len(value or "") > BODY_MAX_LENGTH:
        problems.append(FieldProblem(path, "TOO_LONG", f"The body exceeds {BODY_MAX_LENGTH} characters."))
    elif required and not html_to_text(sanitized_html(value or "")):
        problems.append(FieldProblem(path, "REQUIRED", "The email needs a body."))


def _sms(problems: list, viewer: Viewer, path: tuple, text: str | None) -> None:
    """SMS-04: the SMS fits the district's limit as composed (SYS-03)."""
    if text is None:
        return
    count = sms_count(text, viewer.district.sms_character_limit)
    if not text.strip():
        problems.append(FieldProblem(path, "REQUIRED", "The SMS is empty; leave it null for none."))
    elif count.over_limit:
        problems.append(FieldProblem(path, "TOO_LONG",
                                     f"The SMS is {count.length} characters; the district's limit is {count.limit}."))


def _call(problems: list, viewer: Viewer, path: tuple, text: str | None) -> None:
    """VOI-06: the call text fits the district's call-minute limit."""
    if text is None:
        return
    limit = tts_limit(viewer.district.tts_minutes)
    if not text.strip():
        problems.append(FieldProblem(path, "REQUIRED", "The call text is empty; leave it null for none."))
    elif len(text) > limit:
        problems.append(FieldProblem(path, "TOO_LONG", f"The call text is {len(text)} characters; the limit is {limit}."))


def _ids(problems: list, field: str, ids: Iterable, allowed: set, what: str) -> None:
    seen: set = set()
    for index, value in enumerate(ids):
        if value in seen:
            problems.append(FieldProblem((field, index), "DUPLICATE", "Listed more than once."))
        elif value not in allowed:
            problems.append(FieldProblem((field, index), "NOT_FOUND", f"No {what} has that id."))
        seen.add(value)


def known_profiles(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The role of each existing profile among ``ids``."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(session.execute(select(Profile.id, Profile.role).where(Profile.id.in_(wanted))).all())


def _known_grades(session: Session, grades: Iterable[str]) -> set[str]:
    unusual = sorted({grade for grade in grades if grade not in STANDARD_GRADE_LEVELS})
    found = set(session.execute(select(Student.grade_level).where(Student.grade_level.in_(unusual)).distinct())
                .scalars()) if unusual else set()
    return set(STANDARD_GRADE_LEVELS) | found


def _own_sections(session: Session, viewer: Viewer, ids: Iterable[int]) -> set[int]:
    """ANN-22: the sections among ``ids`` on the teacher's own schedule."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return set(session.execute(select(Section.id).join(SectionTeacher, SectionTeacher.section_id == Section.id)
                               .where(Section.id.in_(wanted), SectionTeacher.user_id == viewer.id)).scalars())


def _translations(problems: list, viewer: Viewer, values: dict[str, Any], texts: tuple[TranslationText, ...]) -> None:
    """TRN-04: one text per supported language, each part fitting as the original must, and only for
    the parts the announcement has."""
    _, language_problems = check_translation_languages([text.language for text in texts])
    problems.extend(language_problems)
    for index, text in enumerate(texts):
        path = ("translations", index)
        if text.title is not None:
            _line(problems, (*path, "title"), text.title, TITLE_MAX_LENGTH, "a title")
        if text.html_body is not None:
            _body(problems, (*path, "htmlBody"), text.html_body, required=False)
        for name, attached in (("email_subject", values["email"]), ("email_html_body", values["email"]),
                               ("sms_text", values["sms_text"]), ("call_text", values["call_text"])):
            if getattr(text, name) is not None and attached is None:
                problems.append(FieldProblem((*path, _camel(name)), "CONFLICT",
                                             "The announcement has no such attachment to translate."))
        if text.email_subject is not None and values["email"] is not None:
            _line(problems, (*path, "emailSubject"), text.email_subject, SUBJECT_MAX_LENGTH, "an email subject")
        if text.email_html_body is not None and values["email"] is not None:
            _body(problems, (*path, "emailHtmlBody"), text.email_html_body, required=False)
        if values["sms_text"] is not None:
            _sms(problems, viewer, (*path, "smsText"), text.sms_text)
        if values["call_text"] is not None:
            _call(problems, viewer, (*path, "callText"), text.call_text)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def problems_of(session: Session, viewer: Viewer, values: dict[str, Any], changed: set[str], *,
                class_announcement: bool, kept_school_ids: frozenset[int] = frozenset(),
                kept_section_ids: frozenset[int] = frozenset()) -> list[FieldProblem]:
    """Every problem of ``values`` (the announcement as it would be stored) whose fields are in
    ``changed``, and of the rules between fields whichever changed."""
    problems: list[FieldProblem] = []
    if "title" in changed:  # ANN-01
        _line(problems, ("title",), values["title"], TITLE_MAX_LENGTH, "a title")
    if "html_body" in changed:
        _body(problems, ("htmlBody",), values["html_body"], required=False)
    end: dt.date | None = values["end_date"]
    if end is not None and end < values["start_date"] and changed & {"start_date", "end_date"}:
        problems.append(FieldProblem(("endDate",), "END_BEFORE_START", "The end date is before the start date."))
    if "sort_order" in changed and values["sort_order"] is not None and values["sort_order"] not in SORT_ORDER_RANGE:
        problems.append(FieldProblem(("sortOrder",), "INVALID", f"A sort order is between {SORT_ORDER_RANGE.start} "
                                                                f"and {SORT_ORDER_RANGE.stop - 1}."))
    if "profile_ids" in changed:
        _ids(problems, "profileIds", values["profile_ids"], set(known_profiles(session, values["profile_ids"])),
             "profile")
    if not values["profile_ids"] and not values["public"]:  # ANN-03
        problems.append(FieldProblem(("profileIds",), "REQUIRED",
                                     "Select at least one profile, or make the announcement Public (Mobile App)."))
    if "school_ids" in changed:  # ANN-05: a school outside the author's reach answers like a missing one
        _ids(problems, "schoolIds", values["school_ids"], set(viewer.school_ids) | kept_school_ids, "school of yours")
    if "grade_levels" in changed:
        _ids(problems, "gradeLevels", values["grade_levels"], _known_grades(session, values["grade_levels"]),
             "grade level")
    if class_announcement:  # PERM-48, ANN-22: a teacher's own sections, instead of schools and grade levels
        if "section_ids" in changed:
            _ids(problems, "sectionIds", values["section_ids"],
                 _own_sections(session, viewer, values["section_ids"]) | kept_section_ids, "section of yours")
        if not values["section_ids"]:
            problems.append(FieldProblem(("sectionIds",), "REQUIRED", "A class announcement needs one of your sections."))
        for name in ("school_ids", "grade_levels"):
            if values[name] and name in changed:
                problems.append(FieldProblem((INPUT_NAMES[name],), "INVALID",
                                             "A class announcement reaches its sections' students; leave this empty."))
    elif values["section_ids"] and "section_ids" in changed:
        problems.append(FieldProblem(("sectionIds",), "INVALID", "Only teachers' class announcements have sections."))
    email = values["email"]
    if "email" in changed and email is not None:  # ANN-12
        _line(problems, ("email", "subject"), email.subject, SUBJECT_MAX_LENGTH, "an email subject")
        _body(problems, ("email", "htmlBody"), email.html_body, required=True)
    if "sms_text" in changed:
        _sms(problems, viewer, ("smsText",), values["sms_text"])
    if "call_text" in changed:
        _call(problems, viewer, ("callText",), values["call_text"])
    if "translations" in changed:
        _translations(problems, viewer, values, values["translations"])
    return problems
