"""The language a letter prints in (CMP-31, CMP-32): the original text, each recipient's language
version, or every letter in the language of the user linked to the student's first contact
(sort order 1).

Translations arrive with a later issue. Until then the choice is accepted and recorded with the
print job, and ``translated`` is the one step that will apply it: today it returns the original
for every choice, so the three options print the same letters.
"""

from __future__ import annotations

import enum

from domain.letters.addressees import Addressee


class PrintLanguage(str, enum.Enum):
    ORIGINAL = "ORIGINAL"  # CMP-31: the original text instead of each recipient's language version
    RECIPIENT = "RECIPIENT"  # each recipient's own language version (the default)
    PRIMARY_CONTACT = "PRIMARY_CONTACT"  # CMP-32: the language of the student's contact with sort order 1


def translated(html: str, addressee: Addressee | None, language: PrintLanguage) -> str:
    """The letter body in the language ``language`` picks for ``addressee``. The hook for the
    translations issue: no translation exists yet, so it is the original text."""
    return html
