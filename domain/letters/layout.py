"""Letters as HTML: one section per addressee, the message body with its insert fields filled in
(CMP-25; values HTML-escaped), under the message's letterhead, in one document whose CSS (paged
media) starts each letter on a new page.

SET-02 lives in the page header: each letter carries its addressee's line as a running element
(``position: running(person-line)``) that the top margin box shows on every page of that letter.
With a letterhead header, WeasyPrint's ``element(person-line, first-except)`` leaves it off the
page where the letter starts, which is the page the letterhead header is printed on. (Page groups
would say "the first page of each letter" directly, but WeasyPrint 70 does not start a new group
for consecutive elements with the same page name; first-except does it per letter.)
"""

from __future__ import annotations

import dataclasses
import html

from domain.content.insert_fields import fields_in, render
from domain.letters.addressees import Addressee
from domain.letters.language import LetterTexts


@dataclasses.dataclass(frozen=True)
class LetterContent:
    """What every letter of one message is made of: the stored body (and its translations, when
    the print's language option reads them) and letterhead."""

    body_html: str
    header_html: str = ""
    footer_html: str = ""
    texts: LetterTexts | None = None  # None: every letter prints body_html

    def body_for(self, addressee: Addressee | None) -> str:
        """The body in the language of ``addressee``'s letter (CMP-31, CMP-32)."""
        if self.texts is None or addressee is None:
            return self.body_html
        return self.texts.body_for(addressee.language)

    @property
    def has_header(self) -> bool:
        return bool(self.header_html.strip())

    @property
    def fields(self) -> frozenset[str]:
        """The insert fields the letters use: only their sources are read for the addressees."""
        bodies = self.texts.bodies.values() if self.texts else ()
        return fields_in(self.body_html, self.header_html, self.footer_html, *bodies)


@dataclasses.dataclass(frozen=True)
class Layout:
    names_on_each_page: bool  # SET-02 (the district's setting, or the print's own choice)


_STYLE = """
@page {{ size: Letter; margin: 2.2cm 2cm;
  @top-center {{ content: element(person-line, {person_line}); font-size: 9pt; }}
  @bottom-center {{ content: element(letterhead-footer); }} }}
body {{ font-family: "DejaVu Serif", serif; font-size: 11pt; line-height: 1.4; }}
.letter {{ break-before: page; }}
.letter:first-child {{ break-before: auto; }}
.person-line {{ position: running(person-line); }}
.letterhead-footer {{ position: running(letterhead-footer); font-size: 9pt; }}
.letterhead-header {{ margin-bottom: 1.2em; }}
img {{ max-width: 100%; }}
"""


def letter_html(content: LetterContent, addressee: Addressee | None, layout: Layout) -> str:
    """One letter (a ``<section>``); ``addressee`` None: fields left empty (a preview with no recipient)."""
    values = addressee.values if addressee else {}
    parts = ['<section class="letter">']
    if layout.names_on_each_page and addressee is not None:
        parts.append(f'<div class="person-line">{html.escape(addressee.page_line)}</div>')
    if content.footer_html.strip():
        parts.append(f'<div class="letterhead-footer">{render(content.footer_html, values, as_html=True)}</div>')
    if content.has_header:
        parts.append(f'<header class="letterhead-header">{render(content.header_html, values, as_html=True)}</header>')
    body = content.body_for(addressee)
    parts.append(f'<div class="body">{render(body, values, as_html=True)}</div></section>')
    return "".join(parts)


def document_html(letters: list[str], content: LetterContent, *, title: str = "") -> str:
    """The document of ``letters`` (letter_html's sections), each on its own page(s)."""
    style = _STYLE.format(person_line="first-except" if content.has_header else "first")
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{style}</style></head><body>{''.join(letters)}</body></html>")
