"""Creating, changing and deleting templates (TPL-01, TPL-04, TPL-13…TPL-15, SMS-01, VOI-01).

One request type serves both: a field left at ``KEEP`` keeps its stored value (an edit, whether
from the full form or the list, TPL-13) or takes its default (a new template). Every problem is
reported at once with its input path and nothing is written; a change the viewer may not make is
an AuthorizationError (domain.templates.rules). Once the district uses the new editor, the body is
saved as new-editor HTML (EDT-03, domain.editor.mode).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.content.call_text import tts_limit
from domain.content.html_policy import sanitized_html
from domain.content.insert_fields import unknown_fields
from domain.content.sms_text import sms_count
from domain.content.text import INVALID_CHARACTERS, has_control_characters, html_to_text
from domain.messages.drafts import camel
from domain.support.errors import FieldProblem, InvalidInput
from domain.templates import references
from domain.content.letterheads import letterhead_problem
from domain.editor.mode import TextEditor, editor_in_use, template_html
from domain.templates.rules import TemplateNotFound, check_change, require_template_access, visible_template
from domain.translations.carried import replace_template_translations, stored_template_texts
from domain.translations.manual import (
    ManualText,
    check_manual_texts,
    district_limits,
    require_translations_addon,
    stored_texts,
)
from models.db import utcnow
from models.directory import Profile, Role
from models.templates import (
    MessageTemplate,
    MessageTemplateAttachment,
    MessageTemplateProfile,
    MessageTemplateSchool,
    TabTarget,
)
from models.translations import TemplateTranslation

TITLE_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
CATEGORY_MAX_LENGTH = 100


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclasses.dataclass(frozen=True, kw_only=True)
class TemplateRequest:
    """A template's fields as the caller gave them (KEEP: not given)."""

    title: str = KEEP
    subject: str | None = KEEP
    html_body: str = KEEP
    sms_text: str | None = KEEP
    call_text: str | None = KEEP
    letterhead_id: int | None = KEEP
    academic_record_category: str | None = KEEP
    secure: bool = KEEP
    priority: bool = KEEP
    add_log_record: bool = KEEP
    push: bool = KEEP
    # Publishing fields (PERM-33).
    profile_ids: tuple[int, ...] = KEEP
    school_ids: tuple[int, ...] = KEEP
    tab_target: TabTarget | None = KEEP
    # TRN-04: the template's manual translations; the list replaces the set.
    translations: tuple[ManualText, ...] = KEEP

    def given(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                if getattr(self, field.name) is not KEEP}


def _line(problems: list, name: str, value: str | None, limit: int, *, required: bool = False) -> None:
    text = (value or "").strip()
    if required and not text:
        problems.append(FieldProblem((camel(name),), "REQUIRED", f"A template needs a {name.replace('_', ' ')}."))
    elif len(text) > limit:
        problems.append(FieldProblem((camel(name),), "TOO_LONG", f"At most {limit} characters; this is {len(text)}."))
    elif has_control_characters(text):
        problems.append(FieldProblem((camel(name),), INVALID_CHARACTERS,
                                     "One line: remove line breaks, tabs and other control characters."))


def _problems(session: Session, viewer: Viewer, given: dict[str, Any], *, new: bool,
              kept_school_ids: frozenset[int] = frozenset()) -> list[FieldProblem]:
    """Every problem of the values ``given``; ``kept_school_ids``: schools the template already
    names, which stay allowed although they are not the editor's."""
    problems: list[FieldProblem] = []
    if new or "title" in given:
        _line(problems, "title", given.get("title"), TITLE_MAX_LENGTH, required=True)
    if given.get("subject") is not None:
        _line(problems, "subject", given["subject"], SUBJECT_MAX_LENGTH)
    if given.get("academic_record_category") is not None:
        _line(problems, "academic_record_category", given["academic_record_category"], CATEGORY_MAX_LENGTH,
              required=True)
    if len(given.get("html_body") or "") > BODY_MAX_LENGTH:
        problems.append(FieldProblem(("htmlBody",), "TOO_LONG", f"The body exceeds {BODY_MAX_LENGTH} characters."))
    elif (new or "html_body" in given) and not html_to_text(sanitized_html(given.get("html_body") or "")):
        problems.append(FieldProblem(("htmlBody",), "REQUIRED", "A template needs an email body."))
    sms_text = given.get("sms_text")
    if sms_text is not None:  # SMS-04: it fits as composed (fields are filled in, then cut, when sent)
        count = sms_count(sms_text, viewer.district.sms_character_limit)
        if not sms_text.strip():
            problems.append(FieldProblem(("smsText",), "REQUIRED", "The SMS is empty; leave smsText null for none."))
        elif count.over_limit:
            problems.append(FieldProblem(("smsText",), "TOO_LONG",
                                         f"The SMS is {count.length} characters; the district's limit is {count.limit}."))
    call_text = given.get("call_text")
    if call_text is not None:  # VOI-06
        limit = tts_limit(viewer.district.tts_minutes)
        if not call_text.strip():
            problems.append(FieldProblem(("callText",), "REQUIRED", "The call text is empty; leave callText null."))
        elif len(call_text) > limit:
            problems.append(FieldProblem(("callText",), "TOO_LONG",
                                         f"The call text is {len(call_text)} characters; the limit is {limit}."))
    for name in ("subject", "html_body", "sms_text", "call_text"):
        for field in unknown_fields(given.get(name)):  # CMP-25
            problems.append(FieldProblem((camel(name),), "UNKNOWN_FIELD",
                                         f"{{{{{field}}}}} is not an insert field (see insertFields)."))
    if given.get("letterhead_id") is not None:
        problem = letterhead_problem(session, given["letterhead_id"], ("letterheadId",))
        if problem:
            problems.append(problem)
    if given.get("translations"):
        limits = district_limits(viewer, subject=SUBJECT_MAX_LENGTH, body=BODY_MAX_LENGTH)
        problems += check_manual_texts(given["translations"], limits, ("translations",))[1]
    _check_ids(problems, "profileIds", given.get("profile_ids") or (), _staff_profile_ids(session))
    _check_ids(problems, "schoolIds", given.get("school_ids") or (), set(viewer.school_ids) | kept_school_ids)
    return problems


def _stored_translations(texts: tuple[ManualText, ...], editor: TextEditor) -> tuple[ManualText, ...]:
    """TRN-04: translations in the template's stored form, in language order; their HTML saved as
    the body's is (EDT-03)."""
    return tuple(sorted((dataclasses.replace(text, html_body=template_html(editor, text.html_body))
                         if text.html_body is not None else text for text in stored_texts(texts)),
                        key=lambda text: text.language))


def _staff_profile_ids(session: Session) -> set[int]:
    return set(session.execute(select(Profile.id).where(Profile.role.in_([Role.ADMIN.value, Role.TEACHER.value])))
               .scalars())


def _check_ids(problems: list, field: str, ids: tuple[int, ...], allowed: set[int]) -> None:
    seen: set[int] = set()
    for index, value in enumerate(ids):
        if value in seen:
            problems.append(FieldProblem((field, index), "DUPLICATE", "Listed more than once."))
        elif value not in allowed:
            what = "staff profile" if field == "profileIds" else "school of yours"
            problems.append(FieldProblem((field, index), "NOT_FOUND", f"No {what} has that id."))
        seen.add(value)


_COLUMNS = ("title", "subject", "html_body", "sms_text", "call_text", "letterhead_id", "academic_record_category",
            "secure", "priority", "add_log_record", "push", "tab_target")


def _stored(name: str, value: Any, editor: TextEditor) -> Any:
    if name in ("title", "academic_record_category") and value is not None:
        return value.strip()
    if name == "subject":
        return (value or "").strip()
    if name == "html_body":  # cleaned as every stored body is (issue 13 point 8); new-editor form (EDT-03)
        return template_html(editor, value or "")
    if name == "tab_target" and value is not None:
        return TabTarget(value).value
    return value


def _replace_publishing(session: Session, template_id: int, given: dict[str, Any]) -> None:
    for name, table, column in (("profile_ids", MessageTemplateProfile, "profile_id"),
                                ("school_ids", MessageTemplateSchool, "school_id")):
        if name not in given:
            continue
        session.execute(delete(table).where(table.template_id == template_id))
        if given[name]:
            session.execute(insert(table), [{"template_id": template_id, column: value} for value in given[name]])


def _current(session: Session, template: MessageTemplate) -> dict[str, Any]:
    """The template's stored values by request name, its profiles and schools as sets."""
    current = {name: getattr(template, name) for name in _COLUMNS}
    current["profile_ids"] = frozenset(session.execute(select(MessageTemplateProfile.profile_id).where(
        MessageTemplateProfile.template_id == template.id)).scalars())
    current["translations"] = tuple(stored_template_texts(session, template.id))
    current["school_ids"] = frozenset(session.execute(select(MessageTemplateSchool.school_id).where(
        MessageTemplateSchool.template_id == template.id)).scalars())
    return current


def _new_values(given: dict[str, Any]) -> set[str]:
    """The input names of a new template's fields given other than their defaults."""
    defaults = {"secure": False, "priority": False, "add_log_record": False, "push": False, "profile_ids": (),
                "school_ids": ()}
    return {camel(name) for name, value in given.items() if value not in (None, "", defaults.get(name))}


def _changes(current: dict[str, Any], given: dict[str, Any], editor: TextEditor) -> dict[str, Any]:
    """The values of ``given`` that differ from the stored ones. An unchanged value is no change: a
    form that sends every field back (SMS text its editor may not set, schools outside the editor's)
    needs no permission, and meets no check, for the values it keeps."""
    changes = {}
    for name, value in given.items():
        wanted = frozenset(value) if name in ("profile_ids", "school_ids") else _stored(name, value, editor)
        stored = current[name]
        if name == "translations":  # compared in stored form, language by language (TRN-04)
            wanted, stored = _stored_translations(value, editor), _stored_translations(stored, editor)
        if name == "html_body":  # a body saved before a policy or editor change may not be in today's form
            stored = _stored(name, stored, editor)
        if wanted != stored:
            changes[name] = value
    return changes


def create(session: Session, viewer: Viewer, request: TemplateRequest) -> MessageTemplate:
    """TPL-01: a new template of the viewer's; private unless published to profiles (TPL-02)."""
    require_template_access(viewer)
    given = request.given()
    editor = editor_in_use(session, lock=True)  # EDT-03: the form a switch in progress leads to
    check_change(viewer, None, _new_values(given))
    require_translations_addon(viewer, given.get("translations"))  # TRN-08
    problems = _problems(session, viewer, given, new=True)
    if problems:
        raise InvalidInput(problems)
    template = MessageTemplate(author_id=viewer.id, **{name: _stored(name, given[name], editor) for name in _COLUMNS
                                                        if name in given})
    session.add(template)
    session.flush()
    _replace_publishing(session, template.id, given)
    if given.get("translations"):
        replace_template_translations(session, template.id, _stored_translations(given["translations"], editor))
    return template


def update(session: Session, viewer: Viewer, template_id: int, request: TemplateRequest) -> MessageTemplate:
    """TPL-04, TPL-13, TPL-14: change the given fields; messages that used it keep their copy."""
    given = request.given()
    editor = editor_in_use(session, lock=True)  # before the template's lock, in the switch's order
    try:
        template = visible_template(session, viewer, template_id, lock=True)
    except TemplateNotFound:
        # With no template to compare with, every gated value given is a change: FORBIDDEN for a value
        # the viewer may not set, whether the id is missing or another's (which answers the same).
        check_change(viewer, None, {camel(name) for name in given})
        require_translations_addon(viewer, given.get("translations"))
        raise
    current = _current(session, template)
    changes = _changes(current, given, editor)
    check_change(viewer, template, {camel(name) for name in changes})
    require_translations_addon(viewer, changes.get("translations"))  # TRN-08: a set sent back unchanged passes
    problems = _problems(session, viewer, changes, new=False, kept_school_ids=current["school_ids"])
    if problems:
        raise InvalidInput(problems)
    if not changes:  # a form sent back as it was: nothing to write, and the template keeps its date
        return template
    for name in _COLUMNS:
        if name in changes:
            setattr(template, name, _stored(name, changes[name], editor))
    template.updated_at = utcnow()
    session.add(template)
    _replace_publishing(session, template.id, changes)
    if "translations" in changes:  # TRN-04: the list replaces the set
        replace_template_translations(session, template.id, _stored_translations(changes["translations"], editor))
    session.flush()
    return template


def remove(session: Session, viewer: Viewer, template_id: int) -> int:
    """TPL-04, TPL-15: delete a template with its sharing and files, unless something uses it."""
    template = visible_template(session, viewer, template_id, lock=True)
    check_change(viewer, template, {"delete"})
    users = references.referencing(session, template.id)
    if users:
        raise InvalidInput([FieldProblem(("id",), "IN_USE", "The template is used by " + "; ".join(users) +
                                         ". Change those first.")])
    for table in (MessageTemplateProfile, MessageTemplateSchool, MessageTemplateAttachment, TemplateTranslation):
        session.execute(delete(table).where(table.template_id == template.id))
    session.execute(delete(MessageTemplate).where(MessageTemplate.id == template.id))
    return template.id

