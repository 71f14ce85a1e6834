"""The one policy for HTML that Homeroom stores and sends: message bodies (sent, drafted,
scheduled, written by jobs), email signatures (SET-07) and imported HTML (EDT-04), cleaned by
ammonia (nh3, an allowlist sanitiser) before they are written, and each email's HTML once more
when it is composed (rows stored before this policy, and the parts Homeroom adds).

What email needs survives: table layouts and their attributes, inline ``style`` with the CSS
properties mail clients honour, images (http(s), ``cid:`` and ``data:image/…`` sources), links
(http(s), ``mailto:``, ``tel:``; each gets ``rel="noopener noreferrer"``), headings, lists, fonts and
colours, and ``{{insert fields}}`` as written (CMP-25). Everything else goes: scripts and their
text, event handlers, ``<iframe>``, ``<object>``, ``<svg>``, forms, ``<style>`` blocks (CSS there
cannot be checked a declaration at a time), ``javascript:`` and other schemes, and CSS that loads
anything (``url(…)`` other than an image over http(s), ``expression(…)``, ``-moz-binding``).
EDT-04 keeps imported HTML's styling, never its scripts (issue 13 point 8).
"""

from __future__ import annotations

import functools
import re

import nh3

TAGS = frozenset({
    "a", "abbr", "address", "article", "b", "big", "blockquote", "br", "caption", "center", "cite", "code", "col",
    "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font", "footer", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "section", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "tt", "u", "ul", "var", "wbr",
})

#: Tags removed with everything inside them (their text is code or chrome, never message text).
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template",
                                  "svg", "math", "applet", "frame", "frameset", "select", "textarea", "title"})

_LAYOUT = {"align", "valign", "width", "height", "bgcolor", "border"}
ATTRIBUTES = {
    "*": {"style", "class", "dir", "lang", "title", "align"},
    "a": {"href", "target"},
    "img": {"src", "alt", "width", "height", "border", "hspace", "vspace"},
    "table": _LAYOUT | {"cellpadding", "cellspacing", "summary", "role", "frame", "rules"},
    "thead": _LAYOUT, "tbody": _LAYOUT, "tfoot": _LAYOUT, "tr": _LAYOUT,
    "td": _LAYOUT | {"colspan", "rowspan", "nowrap", "headers"},
    "th": _LAYOUT | {"colspan", "rowspan", "nowrap", "headers", "scope"},
    "col": {"span", "width", "align", "valign"}, "colgroup": {"span", "width", "align", "valign"},
    "font": {"color", "face", "size"},
    "div": _LAYOUT, "p": {"align"}, "center": {"width"},
    "hr": {"width", "size", "noshade", "color"},
    "ol": {"start", "type", "reversed"}, "ul": {"type"}, "li": {"value", "type"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
}

#: CSS properties kept in ``style`` attributes: what email templates use for layout and type.
STYLE_PROPERTIES = frozenset({
    "background", "background-color", "background-image", "background-position", "background-repeat",
    "background-size", "border", "border-bottom", "border-bottom-color", "border-bottom-left-radius",
    "border-bottom-right-radius", "border-bottom-style", "border-bottom-width", "border-collapse", "border-color",
    "border-left", "border-left-color", "border-left-style", "border-left-width", "border-radius", "border-right",
    "border-right-color", "border-right-style", "border-right-width", "border-spacing", "border-style",
    "border-top", "border-top-color", "border-top-left-radius", "border-top-right-radius", "border-top-style",
    "border-top-width", "border-width", "box-sizing", "caption-side", "clear", "color", "direction", "display",
    "empty-cells", "float", "font", "font-family", "font-size", "font-style", "font-variant", "font-weight",
    "height", "letter-spacing", "line-height", "list-style", "list-style-position", "list-style-type", "margin",
    "margin-bottom", "margin-left", "margin-right", "margin-top", "max-height", "max-width", "min-height",
    "min-width", "mso-line-height-rule", "mso-table-lspace", "mso-table-rspace", "opacity", "outline", "overflow",
    "padding", "padding-bottom", "padding-left", "padding-right", "padding-top", "table-layout", "text-align",
    "text-decoration", "text-indent", "text-transform", "vertical-align", "visibility", "white-space", "width",
    "word-break", "word-spacing", "word-wrap",
})

URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid", "data"})
_DATA_IMAGE = re.compile(r"data:image/(png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=\s]*\Z", re.IGNORECASE)
#: CSS that fetches or runs something: any url() but an http(s) image, IE's expression(), script
#: schemes, and escapes (which could spell any of these). Behaviours and bindings are properties
#: outside STYLE_PROPERTIES, so they never get this far.
_CSS_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)
_CSS_ACTIVE = re.compile(r"expression\s*\(|javascript:|vbscript:|\\", re.IGNORECASE)


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Per-attribute rules that an allowlist of names cannot express."""
    if name == "src" and value.strip().lower().startswith("data:"):
        return value if tag == "img" and _DATA_IMAGE.match(value.strip()) else None  # images only, never SVG
    if name == "href" and value.strip().lower().startswith(("data:", "cid:")):
        return None  # a link opens a page: no inline documents
    if name == "style":
        return _safe_style(value)
    if name == "target":
        return "_blank" if value.strip().lower() == "_blank" else None
    return value


def _safe_style(style: str) -> str | None:
    kept = []
    for declaration in style.split(";"):
        if not declaration.strip() or _CSS_ACTIVE.search(declaration):
            continue
        urls = _CSS_URL.findall(declaration)
        if any(not url.lower().startswith(("https://", "http://")) for url in urls):
            continue
        kept.append(declaration.strip())
    return ";".join(kept) or None


_cleaner = nh3.Cleaner(
    tags=set(TAGS), clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    attribute_filter=_attribute, url_schemes=set(URL_SCHEMES), filter_style_properties=set(STYLE_PROPERTIES),
    link_rel="noopener noreferrer", strip_comments=True,
)


#: A ``<pre>`` whose text opens with a line break. A parser drops the line break that follows
#: ``<pre>``, and html5ever's serializer does not write the extra one back (as the HTML standard's
#: serializer did), so each cleaning ate one and cleaning was not idempotent: written back here.
_PRE_OPENING_NEWLINE = re.compile(r"(<pre\b[^>]*>)\n")


@functools.lru_cache(maxsize=16)
def sanitized_html(markup: str) -> str:
    """``markup`` as Homeroom stores and sends it: the allowlist above, nothing active left.
    Cleaning is idempotent; the last few results are kept, as a body is validated, stored and
    then emailed in quick succession."""
    return _PRE_OPENING_NEWLINE.sub("\\1\n\n", _cleaner.clean(markup))

