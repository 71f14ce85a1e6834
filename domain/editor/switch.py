"""The one-way switch to the new editor (EDT-02): every template's HTML converted, the preference
removed, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session

from domain.editor.html import new_editor_html
from models.directory import District
from models.templates import MessageTemplate

#: Templates read and written per round trip: bodies run to 100,000 characters (TPL-01).
CHUNK = 200


def lock_preference(session: Session) -> bool | None:
    """The stored preference, held (FOR UPDATE) until the transaction ends: a second switch waits
    and then finds it gone; a template being saved finishes first (domain.editor.mode)."""
    return session.execute(select(District.use_original_text_editor).limit(1).with_for_update()).scalar()


def switch_to_new_editor(session: Session) -> int:
    """EDT-02: convert every template's HTML to new-editor HTML (the body is a template's only HTML;
    its SMS and call texts are plain text) and remove the preference; the number of templates whose
    HTML changed. A template's updated_at stays: its content means what it meant."""
    converted = convert_every_template(session)
    session.execute(update(District).values(use_original_text_editor=None))
    return converted


def convert_every_template(session: Session) -> int:
    """Every template's HTML in new-editor form, in chunks of CHUNK, each changed one written back in
    one bulk UPDATE per chunk; templates already in that form are left untouched (the conversion is
    idempotent), so a later Alembic migration can call it again (EDT-03)."""
    converted, after = 0, 0
    while True:
        rows = session.execute(select(MessageTemplate.id, MessageTemplate.html_body).where(MessageTemplate.id > after)
                               .order_by(MessageTemplate.id).limit(CHUNK).with_for_update()).all()
        if not rows:
            return converted
        changed = [{"id": row.id, "html_body": html} for row in rows
                   if (html := new_editor_html(row.html_body)) != row.html_body]
        if changed:
            session.execute(update(MessageTemplate), changed)  # bulk UPDATE by primary key
        converted += len(changed)
        after = rows[-1].id
