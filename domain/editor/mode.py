"""Which editor the district uses (EDT-01) and the form a template's HTML is saved in (EDT-03).

The "Use Original Text Editor" preference is ``District.use_original_text_editor``: true keeps the
original editor; null is the new editor, with the preference gone (a district without templates
started there, migration 0038, and a district that turned it off came there, domain.editor.switch).
"""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlmodel import Session

from domain.content.html_policy import sanitized_html
from domain.editor.html import new_editor_html
from models.directory import District


class TextEditor(str, enum.Enum):
    """The editor staff compose in."""

    ORIGINAL = "ORIGINAL"  # the original text editor: templates keep its HTML; no AI (AI-01)
    NEW = "NEW"  # the new (CKEditor 5) editor


def text_editor(use_original_text_editor: bool | None) -> TextEditor:
    """EDT-01: the original editor while the preference is on, else (off, or gone) the new one."""
    return TextEditor.ORIGINAL if use_original_text_editor else TextEditor.NEW


def editor_in_use(session: Session, *, lock: bool = False) -> TextEditor:
    """The district's editor as stored now. ``lock`` holds the preference (FOR SHARE) until the
    transaction ends, so a template saved while the district switches is saved after the switch,
    in new-editor form, rather than in original-editor form after its templates were converted."""
    query = select(District.use_original_text_editor).limit(1)
    if lock:
        query = query.with_for_update(read=True)
    return text_editor(session.execute(query).scalar())


def template_html(editor: TextEditor, markup: str) -> str:
    """EDT-03: a template's HTML as saved: new-editor HTML once the district uses the new editor;
    under the original editor, cleaned by the policy and otherwise as that editor wrote it."""
    return new_editor_html(markup) if editor is TextEditor.NEW else sanitized_html(markup)
