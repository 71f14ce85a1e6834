"""What the translator must leave alone (TRN-01): insert-field tokens (``{{student.first_name}}``,
filled in per recipient after translation) and the district glossary (school and programme names,
``District.translation_glossary``).

Every text goes to the translator as HTML (``html=True``), so one marking works for all of them:
each protected run is wrapped in ``<span class="homeroom-keep" translate="no">…</span>``, which the translator contract
says comes back unchanged, and unwrapped afterwards. A plain text (subject, SMS, call script) is
HTML-escaped before wrapping and unescaped after, so its own ``<`` or ``&`` survive as written.
Only text between tags is marked: a token inside an attribute (a link's ``href``) is not text the
service translates.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import nh3

from domain.content.insert_fields import FIELD

_TAG = re.compile(r"(<[^>]*>)")
_MARK = "homeroom-keep"  # our spans only: a span the author marked translate="no" stays
_KEPT = re.compile(rf"""<span\b[^>]*\b{_MARK}\b[^>]*>(.*?)</span>""", re.DOTALL | re.IGNORECASE)


class Protection:
    """The marking for one district's glossary, built once per message and reused per language."""

    def __init__(self, glossary: Iterable[str] = ()):
        names = sorted({name.strip() for name in glossary if name and name.strip()}, key=len, reverse=True)
        # Longest first, so "Lincoln High School" wins over "Lincoln"; whole words only.
        alternatives = [FIELD.pattern] + [rf"(?<!\w){re.escape(html.escape(name, quote=False))}(?!\w)"
                                          for name in names]
        self._pattern = re.compile("|".join(f"(?:{alternative})" for alternative in alternatives))

    def wrap(self, text: str, *, is_html: bool) -> str:
        """``text`` as the HTML sent to the translator, its protected runs marked."""
        source = text if is_html else html.escape(text, quote=False)
        return "".join(part if part.startswith("<") else self._pattern.sub(_keep, part)
                       for part in _TAG.split(source))

    @staticmethod
    def unwrap(translated: str, *, is_html: bool) -> str:
        """The translator's answer with the marks removed; for a plain text, any element the answer
        carries dropped (the source had none: its own ``<`` was escaped; a script's content goes
        with it) and then unescaped."""
        kept = _KEPT.sub(lambda match: match.group(1), translated)
        return kept if is_html else html.unescape(nh3.clean(kept, tags=set()))


def _keep(match: re.Match) -> str:
    return f'<span class="{_MARK}" translate="no">{match.group(0)}</span>'
