"""Who may use the writing assistant (AI-01, PERM-07, PERM-44): the district's ``ai`` add-on, the
"Communication AI" permission at Edit, and the new editor (the original text editor disables AI).
The Call Out System is not checked (REQUIREMENTS "Readings" 2)."""

from __future__ import annotations

import enum

from sqlmodel import Session

from domain.access.permissions import EDIT, Perm
from domain.access.viewer import Viewer
from domain.editor.mode import TextEditor, editor_in_use
from domain.support.errors import AuthorizationError

#: The requirement a refusal names when the district still uses the original editor (AI-01).
NEW_EDITOR = "new_editor"


class Unavailable(str, enum.Enum):
    """Why the assistant is not available to a viewer."""

    NOT_CONFIGURED = "NOT_CONFIGURED"  # no HOMEROOM_ASSISTANT_PLUGIN
    ADDON_DISABLED = "ADDON_DISABLED"  # the district has no ai add-on
    PERMISSION_MISSING = "PERMISSION_MISSING"  # no "Communication AI" at Edit
    ORIGINAL_EDITOR = "ORIGINAL_EDITOR"  # the district uses the original text editor


def original_editor_in_use(session: Session) -> bool:
    """Whether the district uses the original text editor (EDT-01), which disables AI (AI-01): its
    "Use Original Text Editor" preference is on."""
    return editor_in_use(session) is TextEditor.ORIGINAL


def refusal(session: Session, viewer: Viewer) -> Unavailable | None:
    """The first reason ``viewer`` may not use the assistant, or None (the plugin aside)."""
    if not viewer.district.addon_ai:
        return Unavailable.ADDON_DISABLED
    if not viewer.permissions.has(Perm.COMMUNICATION_AI, EDIT):
        return Unavailable.PERMISSION_MISSING
    if original_editor_in_use(session):
        return Unavailable.ORIGINAL_EDITOR
    return None


def require_assistant(session: Session, viewer: Viewer) -> None:
    """AuthorizationError (a top-level FORBIDDEN) unless ``viewer`` may use the assistant."""
    match refusal(session, viewer):
        case Unavailable.ADDON_DISABLED:
            raise AuthorizationError("The writing assistant needs the district's ai add-on (AI-01).",
                                     requirement=Perm.COMMUNICATION_AI.value)
        case Unavailable.PERMISSION_MISSING:
            raise AuthorizationError('You need the "Communication AI" permission at Edit (PERM-07, PERM-44).',
                                     requirement=Perm.COMMUNICATION_AI.value)
        case Unavailable.ORIGINAL_EDITOR:
            raise AuthorizationError("The writing assistant works only with the new editor; the district uses "
                                     "the original text editor (AI-01).", requirement=NEW_EDITOR)
