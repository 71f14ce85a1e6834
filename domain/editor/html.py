"""New-editor HTML (EDT-02, EDT-03): what a CKEditor-5-style editor loads without rewriting it.

The original editor saved presentational markup: ``<font color face size>``, ``<center>``,
``<b>``/``<i>``/``<strike>``, ``align=`` on paragraphs, bare text at the top level. The new editor's
model has none of these, so ``new_editor_html`` turns them into what it keeps (``<span style>``,
a centred ``<p>``/``<div>``, ``<strong>``/``<em>``/``<s>``, ``style="text-align:…"``, paragraphs),
pushes inline formatting that wraps blocks down into them, and leaves everything else alone:
insert fields (``{{…}}``, CMP-25) are text and stay as written, and an imported HTML block (EDT-04:
``<div class="raw-html-embed">``, the new editor's HTML embed) is copied byte for byte.

The markup is cleaned by the one policy first (html5ever, inside nh3, parses it to well-formed
HTML, so the standard library's tokenizer below reads every element closed: no second HTML5 parser
is needed, lxml and html5lib are not dependencies) and again last. The conversion is
idempotent: converted HTML converts to itself, so a later run over saved templates changes none
that are already compatible (EDT-03; tests/editor has the property test).
"""

from __future__ import annotations

import dataclasses
import re
from html import escape
from html.parser import HTMLParser

from domain.content.html_policy import sanitized_html

#: The class of the new editor's HTML embed: an imported block (EDT-04), never converted.
IMPORTED_HTML_CLASS = "raw-html-embed"

#: Elements that sit inside a line of text; everything else is a block.
INLINE_TAGS = frozenset({
    "a", "abbr", "b", "big", "br", "cite", "code", "del", "dfn", "em", "font", "i", "img", "ins", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "tt", "u", "var", "wbr",
})
VOID_TAGS = frozenset({"br", "col", "hr", "img", "wbr"})
#: Blocks whose content the new editor holds as blocks: text directly inside them becomes a paragraph.
BLOCK_CONTAINERS = frozenset({"#root", "div", "blockquote", "section", "article", "header", "footer"})
#: Blocks whose alignment the new editor keeps as ``text-align`` rather than ``align=``.
ALIGNED_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6"})
RENAMED = {"b": "strong", "i": "em", "strike": "s"}
ALIGNMENTS = frozenset({"left", "right", "center", "justify"})
#: HTML's legacy font sizes 1…7 as CSS keywords (the HTML standard's "legacy font size" table).
FONT_SIZES = ("x-small", "small", "medium", "large", "x-large", "xx-large", "xxx-large")
#: Rounds of conversion until the HTML is stable: html5ever reads a few nestings the conversion can
#: produce from broken markup (a heading inside a heading) otherwise than they were written, and the
#: next round settles them; well-formed HTML is stable after the first.
MAX_ROUNDS = 4
_COLOR = re.compile(r"#[0-9a-f]{3,8}|[a-z]+|rgba?\(\s*[\d.%]+\s*(,\s*[\d.%]+\s*){2,3}\)", re.IGNORECASE)
_FACE = re.compile(r"[\w\s,'\"-]+")
_FONT_SIZE = re.compile(r"([+-]?)([1-7])")


@dataclasses.dataclass
class Element:
    """One element of the parsed fragment; ``raw`` is an imported block's source, copied as is."""

    tag: str
    attrs: list[tuple[str, str | None]]
    children: list[Element | str] = dataclasses.field(default_factory=list)
    raw: str | None = None

    def attr(self, name: str) -> str | None:
        return next((value for key, value in self.attrs if key == name), None)

    def without(self, *names: str) -> list[tuple[str, str | None]]:
        return [(key, value) for key, value in self.attrs if key not in names]


Node = Element | str  # a string is text as written in the source (entities unexpanded)


class _TreeBuilder(HTMLParser):
    """The element tree of well-formed markup (the policy's output), with each imported block's
    exact source kept."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=False)
        self.markup = markup
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", markup)]
        self.root = Element("#root", [])
        self.stack = [self.root]
        self.block_starts: dict[int, int] = {}  # id(element) -> offset of an imported block's start tag

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.stack[-1].children.append(element)
        if tag in VOID_TAGS:
            return
        if tag == "div" and IMPORTED_HTML_CLASS in (element.attr("class") or "").split() \
                and not any(id(open_) in self.block_starts for open_ in self.stack):
            self.block_starts[id(element)] = self._offset()
        self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, attrs))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                for element in self.stack[depth:]:
                    if id(element) in self.block_starts:
                        end = self.markup.index(">", self._offset()) + 1
                        element.raw = self.markup[self.block_starts.pop(id(element)):end]
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def handle_entityref(self, name):
        self.stack[-1].children.append(f"&{name};")

    def handle_charref(self, name):
        self.stack[-1].children.append(f"&#{name};")


def parse(markup: str) -> Element:
    builder = _TreeBuilder(markup)
    builder.feed(markup)
    builder.close()
    return builder.root


def serialize(nodes: list[Node]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif node.raw is not None:
            parts.append(node.raw)
        else:
            attributes = "".join(f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"'
                                 for name, value in node.attrs)
            parts.append(f"<{node.tag}{attributes}>")
            if node.tag not in VOID_TAGS:
                parts.append(serialize(node.children) + f"</{node.tag}>")
    return "".join(parts)


def new_editor_html(markup: str) -> str:
    """``markup`` as the new editor keeps it, cleaned by the policy; idempotent."""
    converted = sanitized_html(markup)
    for _ in range(MAX_ROUNDS):
        again = sanitized_html(serialize(_converted(parse(converted))[0].children))
        if again == converted:
            break
        converted = again
    return converted


def _is_block(node: Node) -> bool:
    return isinstance(node, Element) and node.tag not in INLINE_TAGS


def _is_blank(node: Node) -> bool:
    return isinstance(node, str) and not node.strip()


def _converted(element: Element) -> list[Node]:
    """``element`` in new-editor form: one node, or several when inline formatting wrapped blocks."""
    if element.raw is not None:
        return [element]
    children = [converted for child in element.children
                for converted in (_converted(child) if isinstance(child, Element) else [child])]
    tag, attrs = RENAMED.get(element.tag, element.tag), element.attrs
    if tag == "font":
        tag, attrs = "span", _with_style(element.without("color", "face", "size", "style"), _font_style(element),
                                         element.attr("style"))
    elif tag == "center":
        tag = "div" if any(_is_block(child) for child in children) else "p"
        attrs = _with_style(element.without("width", "align", "style"), ["text-align:center"], element.attr("style"))
    elif tag in ALIGNED_BLOCKS and element.attr("align") is not None:
        align = (element.attr("align") or "").strip().lower()
        attrs = _with_style(element.without("align", "style"), [f"text-align:{align}"] if align in ALIGNMENTS else [],
                            element.attr("style"))
    if tag in INLINE_TAGS and any(_is_block(child) for child in children):
        return _pushed_down(Element(tag, attrs), children)
    if tag in BLOCK_CONTAINERS:
        children = _paragraphs(children)
    return [Element(tag, attrs, children)]


def _font_style(font: Element) -> list[str]:
    declarations = []
    color = (font.attr("color") or "").strip()
    if _COLOR.fullmatch(color):
        declarations.append(f"color:{color}")
    face = (font.attr("face") or "").strip()
    if face and _FACE.fullmatch(face):
        declarations.append(f"font-family:{face}")
    size = _FONT_SIZE.fullmatch((font.attr("size") or "").strip())
    if size:
        sign, number = size.groups()
        legacy = 3 + int(number) * (1 if sign == "+" else -1) if sign else int(number)
        declarations.append(f"font-size:{FONT_SIZES[min(max(legacy, 1), 7) - 1]}")
    return declarations


def _with_style(attrs: list[tuple[str, str | None]], declarations: list[str], style: str | None) -> list:
    """``attrs`` with a style of ``declarations`` then the element's own (which wins, as in a browser)."""
    merged = ";".join([*declarations, *([style.strip().rstrip(";")] if style and style.strip() else [])])
    return [*attrs, ("style", merged)] if merged else attrs


def _pushed_down(wrapper: Element, nodes: list[Node]) -> list[Node]:
    """Inline formatting around blocks, moved inside them: ``<b><p>x</p></b>`` is ``<p><strong>x</strong></p>``."""
    result: list[Node] = []
    run: list[Node] = []

    def close_run() -> None:
        if any(not _is_blank(node) for node in run):
            result.append(Element(wrapper.tag, list(wrapper.attrs), list(run)))
        else:
            result.extend(run)
        run.clear()

    for node in nodes:
        if _is_block(node):
            close_run()
            result.append(node if node.raw is not None else Element(node.tag, node.attrs,
                                                                    _pushed_down(wrapper, node.children)))
        else:
            run.append(node)
    close_run()
    return result


def _paragraphs(nodes: list[Node]) -> list[Node]:
    """Each run of text and inline elements among blocks in a paragraph of its own; the blank text
    at either end of a run stays outside it."""
    result: list[Node] = []
    run: list[Node] = []

    def close_run() -> None:
        filled = [index for index, node in enumerate(run) if not _is_blank(node)]
        if filled:
            first, last = filled[0], filled[-1] + 1
            result.extend([*run[:first], Element("p", [], run[first:last]), *run[last:]])
        else:
            result.extend(run)
        run.clear()

    for node in nodes:
        if _is_block(node):
            close_run()
            result.append(node)
        else:
            run.append(node)
    close_run()
    return result


def imported_blocks(markup: str) -> list[str]:
    """The imported blocks of ``markup`` (as stored), in order, each exactly as written (EDT-04)."""
    def walk(element: Element) -> list[str]:
        return [block for child in element.children if isinstance(child, Element)
                for block in ([child.raw] if child.raw is not None else walk(child))]

    return walk(parse(markup))
