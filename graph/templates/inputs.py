"""The template input of createTemplate and updateTemplate (TPL-01, TPL-13, PERM-33).

Every field is optional: updateTemplate changes the fields given and keeps the rest (an edit from
the list sends only the column it changes, TPL-13); createTemplate needs a title and a body. The
publishing fields and the fields gated as on a message say what they need to be set; the domain
checks them again on every change (domain.templates.rules).
"""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.support.global_ids import Kind
from domain.templates.editing import KEEP, TemplateRequest
from graph.pagination import parse_id, parse_ids
from graph.permissions import gated
from graph.templates.types import TabTarget
from graph.translations.manual import TRANSLATIONS_DESCRIPTION, MessageTranslationInput, to_texts
from models import templates as db


def _keep_unset(value):
    return KEEP if value is strawberry.UNSET else value


@strawberry.input(description="A template's fields; a field left out keeps its value (updateTemplate) or its default "
                              "(createTemplate).")
class TemplateInput:
    title: str | None = strawberry.field(default=strawberry.UNSET, description=(
        "Required, at most 200 characters, one line (TPL-01)."))
    subject: str | None = strawberry.field(default=strawberry.UNSET, description=(
        'At most 200 characters, one line; blank: "New Message" when used (TPL-01).'))
    html_body: str | None = strawberry.field(default=strawberry.UNSET, description=(
        "The email body (HTML), stored sanitized as a message's is; insert fields as written (insertFields)."))
    sms_text: str | None = gated("The SMS it attaches, within the district's SMS limit as composed (SMS-01, SMS-04); "
                                 "null: none.", Perm.SEND_SMS, default=strawberry.UNSET)
    call_text: str | None = gated("The text-to-speech call it attaches, within the call-minute limit (VOI-01, "
                                  "VOI-06); null: none.", Perm.PHONE_CALLS, default=strawberry.UNSET)
    letterhead_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description=(
        "A letterhead available for Communication (letterheads; CMP-03); null: none."))
    academic_record_category: str | None = gated(
        "The academic record category the letter log files messages under (CMP-04); null: none.",
        Perm.ACADEMIC_RECORD, default=strawberry.UNSET)
    secure: bool | None = strawberry.field(default=strawberry.UNSET, description="Secure email (CMP-05).")
    priority: bool | None = gated("Priority (CMP-07).", Perm.SEND_AS_PRIORITY, default=strawberry.UNSET)
    add_log_record: bool | None = strawberry.field(default=strawberry.UNSET, description=(
        "Sending and printing write the letter log (CMP-10)."))
    push: bool | None = gated("Also push to the app (CMP-08).", Perm.PUSH_NOTIFICATIONS, default=strawberry.UNSET)
    profile_ids: list[strawberry.ID] | None = gated(
        "Share with users holding one of these staff profiles (TPL-03); empty: private (TPL-02).",
        Perm.PUBLISH_TEMPLATES, default=strawberry.UNSET)
    school_ids: list[strawberry.ID] | None = gated(
        "Limit sharing to these schools, among templateSchools (TPL-03, TPL-05); empty: every school.",
        Perm.PUBLISH_TEMPLATES, default=strawberry.UNSET)
    tab_target: TabTarget | None = gated("Attach to a Student Info tab or feature (TPL-06); null: none.",
                                         Perm.PUBLISH_TEMPLATES, default=strawberry.UNSET)
    translations: list[MessageTranslationInput] | None = strawberry.field(
        default=strawberry.UNSET, description=TRANSLATIONS_DESCRIPTION + " useTemplate copies them (TRN-05).")


_FLAGS = ("secure", "priority", "add_log_record", "push")


def to_template_request(data: TemplateInput) -> TemplateRequest:
    """The domain request; a boolean given as null keeps its value, as if left out."""
    values = {name: _keep_unset(getattr(data, name)) for name in (
        "title", "subject", "html_body", "sms_text", "call_text", "academic_record_category", *_FLAGS)}
    for name in ("title", "html_body", *_FLAGS):
        if values[name] is None:
            values[name] = KEEP if name in _FLAGS else ""
    letterhead = _keep_unset(data.letterhead_id)
    values["letterhead_id"] = letterhead if letterhead in (KEEP, None) else parse_id(letterhead, Kind.LETTERHEAD)
    for name, kind in (("profile_ids", Kind.PROFILE), ("school_ids", Kind.SCHOOL)):
        ids = _keep_unset(getattr(data, name))
        values[name] = KEEP if ids is KEEP else parse_ids(ids or [], kind)
    translations = _keep_unset(data.translations)
    values["translations"] = KEEP if translations in (KEEP, None) else to_texts(translations)
    tab = _keep_unset(data.tab_target)
    values["tab_target"] = tab if tab in (KEEP, None) else db.TabTarget(tab.value)
    return TemplateRequest(**values)
