"""HTML text: the visible policy text of a web page as plain lines, without scripts, navigation, chrome or hidden text."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from retrieval.errors import DocumentError
from retrieval.pdf_text import describe

if TYPE_CHECKING:
    from bs4 import Tag

_DROPPED_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "aside", "form", "iframe", "svg", "button",
        "head", "title", "meta", "link", "object", "embed", "canvas", "audio", "video", "select",
        "textarea", "input",
    }
)  # fmt: skip
# Site chrome, unless it belongs to the content: <article><header><h1>Prolotherapy</h1></header> is the policy's own.
_CHROME_TAGS = ("header", "footer")
_CONTENT_SECTIONS = ("article", "main", "section")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PARAGRAPH_BLOCKS = frozenset({"p", "blockquote", "figure", "hr", "pre"})
_LINE_BLOCKS = frozenset(
    {
        "div", "section", "article", "main", "address", "figcaption", "dl", "dt", "dd", "center",
        "fieldset", "legend", "details", "summary", "caption", "body", "html",
    }
)  # fmt: skip
# A row holding these is page layout, not data: render its cells as blocks instead of one line.
_LAYOUT_MARKERS = ("table", "h1", "h2", "h3", "h4", "h5", "h6")
_BULLET = "\u2022"
_INLINE_WS = re.compile(r"\s+")
_EXCESS_BLANK_LINES = re.compile(r"\n{4,}")
_NAMED_COLOURS = {
    "white": "#ffffff",
    "black": "#000000",
    "red": "#ff0000",
    "green": "#008000",
    "blue": "#0000ff",
    "yellow": "#ffff00",
    "gray": "#808080",
    "grey": "#808080",
    "silver": "#c0c0c0",
    "transparent": "transparent",
}
_NON_COLOURS = frozenset({"", "inherit", "initial", "unset", "revert", "currentcolor"})
_COLOUR_TOKEN = re.compile(r"#[0-9a-f]{3,8}\b|rgba?\([^)]*\)|(?<![\w-])[a-z]+(?![\w-])")
_CSS_URL = re.compile(r"url\([^)]*\)")
_ZERO_LENGTH = re.compile(r"^[+-]?0*\.?0*(px|pt|em|rem|ex|ch|vw|vh|%)?$")


@dataclass(frozen=True)
class _Context:
    """What an element inherits from its ancestors' inline styles and structure."""

    colour: str | None = None
    background: str | None = None
    font_zero: bool = False
    list_depth: int = 0
    in_list_item: bool = False
    preformatted: bool = False


def decode_html(data: bytes, source: str) -> tuple[str, str | None]:
    """(visible text, title hint) of an HTML page: scripts, navigation, site chrome and hidden text dropped."""
    from bs4 import BeautifulSoup

    try:
        # Bytes, not str: BeautifulSoup honours the declared charset (BOM, <meta charset>) and sniffs otherwise.
        soup = BeautifulSoup(data, "lxml")
        title_hint = _html_title(soup)
        writer = _PlainTextWriter()
        _render(soup.body or soup, _Context(), writer)
        text = writer.text()
    except RecursionError:
        raise DocumentError(source, "HTML is nested too deeply to read") from None
    except Exception as exc:  # noqa: BLE001 — any parser failure is a bad document, reported as such
        raise DocumentError(source, f"could not parse HTML ({describe(exc)})") from None
    if not text:
        raise DocumentError(source, "no visible text in HTML")
    return text, title_hint


def _html_title(soup: Tag) -> str | None:
    for candidate in (soup.find("title"), soup.find("h1")):
        if candidate is not None:
            title = _INLINE_WS.sub(" ", candidate.get_text()).strip()
            if title:
                return title
    return None


def _render(node: Tag, context: _Context, writer: _PlainTextWriter) -> None:
    from bs4.element import NavigableString, PreformattedString, Tag

    for child in node.children:
        if isinstance(child, Tag):
            _render_element(child, context, writer)
        # PreformattedString covers comments, CDATA, doctypes and processing instructions.
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString) and _visible(context):
            if context.preformatted:
                writer.preformatted(str(child))
            else:
                writer.inline(str(child))


def _render_element(element: Tag, context: _Context, writer: _PlainTextWriter) -> None:
    name = element.name.lower()
    if name in _DROPPED_TAGS or _hidden(element):
        return
    if name in _CHROME_TAGS and element.find_parent(_CONTENT_SECTIONS) is None:
        return
    context = _inherit(element, context)
    if name == "br":
        writer.line_break()
    elif name in _HEADINGS:
        writer.block(blank_line=True)
        _render(element, context, writer)
        writer.block(blank_line=True)
    elif name in ("ul", "ol"):
        # A nested list continues its parent item; a top-level list stands apart from the text before it.
        writer.block(blank_line=context.list_depth == 0)
        _render(element, replace(context, list_depth=context.list_depth + 1, in_list_item=False), writer)
        writer.block(blank_line=context.list_depth == 0)
    elif name == "li":
        writer.block(blank_line=False)
        writer.bullet("  " * max(context.list_depth, 1) + _BULLET + " ")
        _render(element, replace(context, in_list_item=True), writer)
        writer.block(blank_line=False)
    elif name == "table":
        writer.block(blank_line=True)
        _render(element, context, writer)
        writer.block(blank_line=True)
    elif name == "tr":
        _render_row(element, context, writer)
    elif name in _PARAGRAPH_BLOCKS:
        # Word-exported lists wrap each item in <p>; a blank line there would split the item from its bullet.
        blank = not context.in_list_item
        writer.block(blank_line=blank)
        _render(element, replace(context, preformatted=context.preformatted or name == "pre"), writer)
        writer.block(blank_line=blank)
    elif name in _LINE_BLOCKS or name in ("td", "th"):
        writer.block(blank_line=False)
        _render(element, context, writer)
        writer.block(blank_line=False)
    else:
        _render(element, context, writer)


def _render_row(row: Tag, context: _Context, writer: _PlainTextWriter) -> None:
    cells = [cell for cell in row.find_all(["td", "th"], recursive=False) if not _hidden(cell)]
    if any(cell.find(_LAYOUT_MARKERS) for cell in cells):
        writer.block(blank_line=True)
        for cell in cells:
            _render_element(cell, context, writer)
        writer.block(blank_line=True)
        return
    texts = []
    for cell in cells:
        cell_writer = _PlainTextWriter()
        _render(cell, _inherit(cell, context), cell_writer)
        texts.append(" ".join(cell_writer.text().split()))
    line = "  ".join(text for text in texts if text)
    if line:
        writer.block(blank_line=False)
        writer.line(line)
        writer.block(blank_line=False)


def _visible(context: _Context) -> bool:
    if context.font_zero or context.colour == "transparent":
        return False
    # Same colour on same background is invisible to a reader but not to a parser: a known injection trick.
    return context.colour is None or context.colour != context.background


def _hidden(element: Tag) -> bool:
    if element.has_attr("hidden") or str(element.get("aria-hidden", "")).strip().lower() == "true":
        return True
    style = _inline_style(element)
    if style.get("display") == "none" or style.get("visibility") in ("hidden", "collapse"):
        return True
    opacity = style.get("opacity")
    return opacity is not None and _is_zero(opacity)


def _inherit(element: Tag, context: _Context) -> _Context:
    style = _inline_style(element)
    colour = _colour(style.get("color") or str(element.get("color", "")))
    background = _colour(style.get("background-color") or str(element.get("bgcolor", ""))) or _colour(
        style.get("background", ""), shorthand=True
    )
    font_size = style.get("font-size")
    if colour is None and background is None and font_size is None:
        return context
    return replace(
        context,
        colour=colour or context.colour,
        background=background or context.background,
        font_zero=_is_zero(font_size) if font_size is not None else context.font_zero,
    )


def _inline_style(element: Tag) -> dict[str, str]:
    declarations: dict[str, str] = {}
    for declaration in str(element.get("style", "")).split(";"):
        prop, sep, value = declaration.partition(":")
        if sep:
            value = value.lower().replace("!important", "").strip()
            declarations[prop.strip().lower()] = value
    return declarations


def _is_zero(value: str) -> bool:
    return bool(_ZERO_LENGTH.match(value.strip())) and "0" in value


def _colour(value: str, *, shorthand: bool = False) -> str | None:
    """Normalise a CSS colour to #rrggbb or 'transparent'; None when the value sets none (or only inherits)."""
    value = value.strip().lower()
    if value in _NON_COLOURS:
        return None
    # An image name such as url(white.png) is not a colour.
    tokens: list[str] = _COLOUR_TOKEN.findall(_CSS_URL.sub(" ", value))
    for token in tokens:
        if token in _NAMED_COLOURS:
            return _NAMED_COLOURS[token]
        if token.startswith("#") and len(token) in (4, 5, 7, 9):
            digits = token[1:]
            if len(digits) in (3, 4):
                digits = "".join(ch * 2 for ch in digits)
            if len(digits) == 8:
                if digits[6:] == "00":
                    return "transparent"
                digits = digits[:6]
            return "#" + digits
        if token.startswith("rgb"):
            parts = [part for part in re.split(r"[\s,/]+", token[token.index("(") + 1 : -1]) if part]
            try:
                rgb = [round(float(p[:-1]) * 2.55) if p.endswith("%") else int(float(p)) for p in parts[:3]]
                alpha = float(parts[3].rstrip("%")) if len(parts) > 3 else 1.0
            except (ValueError, IndexError):
                continue
            if len(rgb) == 3:
                return "transparent" if alpha == 0 else "#" + "".join(f"{max(0, min(c, 255)):02x}" for c in rgb)
    # A colour property holds one colour, so an unlisted name ("navy") still compares equal to itself;
    # the background shorthand mixes colours with images and keywords, so only recognised colours count there.
    return None if shorthand else value


class _PlainTextWriter:
    """Accumulates visible text, turning block structure into line breaks owed before the next text."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._newlines = 0
        self._space = False
        self._prefix = ""

    def block(self, *, blank_line: bool) -> None:
        if self._parts:
            self._newlines = max(self._newlines, 2 if blank_line else 1)

    def line_break(self) -> None:
        # Each <br> counts, so <br><br> leaves a blank line as it does on the page.
        if self._parts:
            self._newlines += 1

    def bullet(self, prefix: str) -> None:
        # Written lazily with the item's first text, so an empty <li> leaves no stray bullet.
        self._prefix = prefix

    def inline(self, text: str) -> None:
        text = _INLINE_WS.sub(" ", text)
        core = text.strip(" ")
        if not core:
            self._space = self._space or bool(text)
            return
        if text.startswith(" "):
            self._space = True
        self._emit(core)
        self._space = text.endswith(" ")

    def line(self, text: str) -> None:
        self._emit(text)
        self._space = False

    def preformatted(self, text: str) -> None:
        if text:
            self._emit(text)
            self._space = False

    def _emit(self, text: str) -> None:
        if self._newlines:
            # Preformatted text may already end in line breaks; owe only the rest.
            owed = self._newlines - (len(self._last) - len(self._last.rstrip("\n")))
            self._parts.append("\n" * max(owed, 0))
        elif self._space and self._parts and not self._prefix:
            self._parts.append(" ")
        if self._prefix:
            self._parts.append(self._prefix)
        self._parts.append(text)
        self._newlines = 0
        self._prefix = ""

    @property
    def _last(self) -> str:
        return self._parts[-1] if self._parts else ""

    def text(self) -> str:
        lines = "".join(self._parts).split("\n")
        text = "\n".join(line.rstrip() for line in lines)
        # Only blank lines are stripped at the start: a leading "  • " or <pre> indent is structure.
        return _EXCESS_BLANK_LINES.sub("\n\n\n", text).lstrip("\n").rstrip()


