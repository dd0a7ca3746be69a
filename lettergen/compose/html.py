"""The small HTML subset that letters are written in.

A composed letter is HTML. WeasyPrint renders it to PDF, and
``lettergen.typeset.docx`` rebuilds it as a Word document. Both must say the
same words, so a letter may only use elements that both can show faithfully:

    containers   html head body section div header footer address main
    blocks       p h1 h2 h3 h4 ul ol li table thead tbody tfoot tr th td
    inline       br b strong i em u span small a
    metadata     meta title (not shown)

Anything else (``img``, ``script``, ``style``, ``iframe``, forms...) is
rejected by :func:`check_html` with the element's line in the HTML source.

:func:`visible_text` gives the words a reader sees, one line per block, so that
tests can compare the PDF's and the DOCX's wording with the HTML's.
"""

from __future__ import annotations

import re
from typing import Iterator

import lxml.etree
import lxml.html

from lettergen.errors import UnsupportedElement

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        # document and metadata
        "html", "head", "body", "meta", "title",
        # containers
        "section", "div", "header", "footer", "address", "main",
        # blocks
        "p", "h1", "h2", "h3", "h4",
        "ul", "ol", "li",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td",
        # inline
        "br", "b", "strong", "i", "em", "u", "span", "small", "a",
    }
)

#: Elements that start a new line (a block box in CSS terms).
BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "html", "body", "section", "div", "header", "footer", "address", "main",
        "p", "h1", "h2", "h3", "h4", "ul", "ol", "li",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    }
)

#: Elements whose content is never shown.
HIDDEN_TAGS: frozenset[str] = frozenset({"head", "title", "meta", "script", "style", "template", "svg"})

#: Graphics lettergen itself puts into a letter (the Intelligent Mail barcode under the address, an
#: inline ``<svg>`` of ``<rect>`` bars; the payment link's QR code, one ``<path>``). Not allowed in templates; in the DOCX, which is for people,
#: not for the postal scanner, they are left out.
GRAPHIC_TAGS: frozenset[str] = frozenset({"svg", "rect", "path"})

_SUPPORTED_HINT = (
    "p, br, b/strong, i/em, u, span, small, a, ul, ol, li, "
    "table (thead, tbody, tfoot, tr, th, td), h1-h4, "
    "and section, div, header, footer, address, main as containers"
)

# HTML's "ASCII whitespace"; a no-break space (U+00A0) is *not* collapsed.
_WS = re.compile(r"[ \t\n\r\f]+")


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse a letter or a whole batch document; returns the ``<html>`` element.

    The text is parsed as UTF-8 bytes, so a ``<meta charset>`` in the document
    cannot make the parser re-decode it.
    """
    if not html.strip():
        return lxml.html.document_fromstring(b"<html><body></body></html>", parser=_parser())
    return lxml.html.document_fromstring(html.encode("utf-8"), parser=_parser())


def _parser() -> lxml.html.HTMLParser:
    # A parser is cheap; a fresh one per call keeps this thread-safe.
    return lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)


def iter_unsupported(root: lxml.etree._Element) -> Iterator[lxml.etree._Element]:
    """Every element under (and including) ``root`` that is not in the subset, in source order."""
    skip: set[lxml.etree._Element] = set()
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions, entities
            continue
        if tag.lower() == "svg":
            skip.update(el.iterdescendants())
            continue
        if el in skip:
            if tag.lower() in GRAPHIC_TAGS:
                continue
            yield el
        elif tag.lower() not in ALLOWED_TAGS:
            yield el


def check_tree(root: lxml.etree._Element) -> None:
    """Raise :class:`UnsupportedElement` for the first element of ``root`` outside the subset."""
    for el in iter_unsupported(root):
        raise UnsupportedElement(str(el.tag).lower(), el.sourceline, _SUPPORTED_HINT)


def check_html(html: str) -> None:
    """Raise :class:`UnsupportedElement` for the first element outside :data:`ALLOWED_TAGS`.

    Comments are fine. ``line`` on the exception is the element's line in ``html``.
    """
    check_tree(parse_html(html))


def visible_text(html: str) -> str:
    """The words a reader sees: whitespace collapsed, one line per block or ``<br>``.

    ``<head>`` (title, meta) is not shown. List markers (bullets, numbers) and
    table borders are decoration and are not part of the text. Empty lines are
    dropped. The same function is used on both sides of a comparison, so it
    stays deliberately simple.
    """
    root = parse_html(html)
    lines: list[str] = []
    buf: list[str] = []

    def newline() -> None:
        line = _WS.sub(" ", "".join(buf)).strip(" ")
        if line:
            lines.append(line)
        buf.clear()

    def walk(el: lxml.etree._Element) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if tag is not None and tag not in HIDDEN_TAGS:
            if tag == "br":
                newline()
            else:
                block = tag in BLOCK_TAGS
                if block:
                    newline()
                if el.text:
                    buf.append(el.text)
                for child in el:
                    walk(child)
                if block:
                    newline()
        if el.tail:
            buf.append(el.tail)

    walk(root)
    newline()
    return "\n".join(lines)


__all__ = [
    "ALLOWED_TAGS",
    "BLOCK_TAGS",
    "check_html",
    "check_tree",
    "iter_unsupported",
    "parse_html",
    "visible_text",
]
