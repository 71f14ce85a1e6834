"""Text rules: the stored HTML body as plain text for text/plain email, SMS and speech, and the
one-line rule for what becomes an email header."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from channels.email.format import CONTROL_CHARACTERS

#: The code of a field refused for control characters (issue 13 point 10).
INVALID_CHARACTERS = "INVALID_CHARACTERS"


def has_control_characters(text: str | None) -> bool:
    """True when ``text`` holds a line break, tab or other control character: text that becomes
    an email header (a subject, a name, an address) or a caller ID title is one line."""
    return bool(text) and CONTROL_CHARACTERS.search(text) is not None


_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return text.strip()
