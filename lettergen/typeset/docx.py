"""A composed letter's HTML -> one Word document (python-docx).

The PDF is WeasyPrint's rendering of the letter HTML; the DOCX is rebuilt here
from the *same* HTML, so both say the same words. Only the subset in
:mod:`lettergen.compose.html` is accepted; anything else raises
:class:`~lettergen.compose.html.UnsupportedElement` with its line.

How the HTML maps to Word:

==========================================  =====================================================
HTML                                        Word
==========================================  =====================================================
``p``, text directly inside a container     a paragraph (class ``right`` / ``center`` aligns it)
``br``                                      a line break inside the paragraph
``b``/``strong``, ``i``/``em``, ``u``       bold, italic, underlined runs (nesting combines)
``span``, ``small``, ``a``                  plain runs (``a``: its text only, no hyperlink)
``h1``-``h4``                               bold paragraph, 16/14/12/11 pt, kept with the next
``ul`` / ``ol`` > ``li``                    "List Bullet" / "List Number" paragraphs; every
                                            ``ol`` restarts at 1 (or at its ``start``)
``table``                                   a "Table Grid" table: thead, tbody, tfoot rows in
                                            that order, ``th`` bold, ``colspan`` as merged
                                            cells, ``td.num`` right-aligned
section, div, header, footer, address,      containers: their children are walked in order
main
==========================================  =====================================================

Each ``section.letter`` (or the whole body, if there is none) is one letter;
every letter after the first starts on a new page ("page break before" on its
first paragraph). The output is deterministic: the same HTML and ``created``
date give a byte-identical file.

For speed the body is written as WordprocessingML text and parsed once, rather
than through python-docx's per-run object API; python-docx still provides the
package, styles, numbering, section and header.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import docx
import lxml.etree
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Inches, Mm, Pt

from lettergen.compose.html import check_tree, parse_html

__all__ = ["build_docx", "build_docx_stream", "PAGE_SIZES", "FONT_NAME", "FONT_SIZE_PT"]

FONT_NAME = "Noto Sans"
FONT_SIZE_PT = 10.5

#: page size name -> (width, height, margin), in EMU
PAGE_SIZES: dict[str, tuple[int, int, int]] = {
    "letter": (Inches(8.5), Inches(11), Inches(1)),
    "a4": (Mm(210), Mm(297), Mm(25)),
}

_EMU_PER_TWIP = 635

# inline formatting bits
_B, _I, _U = 1, 2, 4
_FMT_TAGS = {"b": _B, "strong": _B, "i": _I, "em": _I, "u": _U}
_PLAIN_INLINE = frozenset({"span", "small", "a"})
_HIDDEN = frozenset({"head", "title", "meta", "svg"})  # svg: the IMb bars are for the postal scanner, not the DOCX
_HEADING_HALF_POINTS = {"h1": 32, "h2": 28, "h3": 24, "h4": 22}  # 16/14/12/11 pt

_WS = re.compile(r"[ \t\n\r\f]+")
# Characters XML 1.0 cannot carry (the parser rarely lets them through, but a
# stray one must not make the whole batch fail).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")

_BR = None  # a line-break segment in a paragraph


class _Ctx(NamedTuple):
    """Paragraph properties inherited from the enclosing block elements."""

    align: str | None = None  # None | "right" | "center"
    heading: int = 0  # run size in half-points for h1-h4, else 0
    list_style: str | None = None  # styleId of the list paragraph style
    num_id: int = 0  # w:numId for a restarted numbered list, else 0
    list_level: int = 0
    cell: bool = False  # inside a table cell


def _esc(text: str) -> str:
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _align_of(classes: str | None, default: str | None) -> str | None:
    if classes:
        names = classes.split()
        if "right" in names:
            return "right"
        if "center" in names:
            return "center"
    return default


def _normalize(segs: list) -> tuple[list, bool]:
    """Collapse whitespace the way HTML does; merge neighbouring runs of the same format.

    ``segs`` holds ``(text, fmt)`` tuples and ``_BR``. Returns the runs (``[text,
    fmt]`` lists and ``_BR``) and whether the paragraph had any line break.
    """
    out: list = []
    had_br = False
    space_before = True  # at the start of a line a leading space is dropped

    def strip_trailing() -> None:
        while out and out[-1] is not _BR and out[-1][0].endswith(" "):
            out[-1][0] = out[-1][0][:-1]
            if out[-1][0]:
                break
            out.pop()

    for seg in segs:
        if seg is _BR:
            had_br = True
            strip_trailing()
            out.append(_BR)
            space_before = True
            continue
        text = _WS.sub(" ", seg[0])
        if space_before and text.startswith(" "):
            text = text[1:]
        if not text:
            continue
        space_before = text.endswith(" ")
        last = out[-1] if out else _BR
        if last is not _BR and last[1] == seg[1]:
            last[0] += text
        else:
            out.append([text, seg[1]])
    strip_trailing()
    # A <br> that ends a block does not start a new line in HTML.
    if out and out[-1] is _BR:
        out.pop()
        strip_trailing()
    return out, had_br


class _Writer:
    """Walks letter HTML and writes WordprocessingML body XML as text."""

    def __init__(self, text_width: int, styles: dict[str, str], numbering: dict[str, int], next_num_id: int):
        self.text_width = text_width  # twips
        self.styles = styles  # "bullet1".."number3", "table" -> styleId
        self.numbering = numbering  # styleId -> abstractNumId (numbered list styles)
        self.next_num_id = next_num_id
        self.new_nums: list[str] = []
        self.out: list[str] = []
        self.segs: list | None = None
        self.pctx = _Ctx()
        self.last_was_table = False
        self.after_table = False
        self.pending_break = False
        self._ppr_cache: dict[tuple, str] = {}
        self._rpr_cache: dict[tuple[int, int], str] = {}

    # ----------------------------------------------------------------- walking

    def letter(self, el: lxml.etree._Element, first: bool) -> None:
        self.pending_break = not first
        tag = el.tag if isinstance(el.tag, str) else ""
        self.element(el, tag, _Ctx(), 0)
        self.flush()

    def children(self, el: lxml.etree._Element, ctx: _Ctx, fmt: int) -> None:
        if el.text:
            self.text(el.text, fmt, ctx)
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                self.element(child, tag, ctx, fmt)
            if child.tail:
                self.text(child.tail, fmt, ctx)

    def element(self, el: lxml.etree._Element, tag: str, ctx: _Ctx, fmt: int) -> None:
        bit = _FMT_TAGS.get(tag)
        if bit is not None:
            self.children(el, ctx, fmt | bit)
        elif tag in _PLAIN_INLINE:
            self.children(el, ctx, fmt)
        elif tag == "br":
            if self.segs is None:
                self.segs, self.pctx = [], ctx
            self.segs.append(_BR)
        elif tag in _HIDDEN:
            pass
        elif tag == "table":
            self.flush()
            self.table(el, ctx)
        else:  # a block: p, h1-h4, ul, ol, li, containers
            self.flush()
            align = _align_of(el.get("class"), ctx.align)
            if tag in _HEADING_HALF_POINTS:
                ctx = ctx._replace(align=align, heading=_HEADING_HALF_POINTS[tag])
                fmt |= _B
            elif tag == "ul" or tag == "ol":
                level = min(ctx.list_level + 1, 3)
                kind = "bullet" if tag == "ul" else "number"
                style = self.styles.get(f"{kind}{level}")
                num_id = self.restart_numbering(style, el.get("start")) if tag == "ol" else 0
                ctx = ctx._replace(align=align, list_style=style, num_id=num_id, list_level=level)
            elif align != ctx.align:
                ctx = ctx._replace(align=align)
            self.children(el, ctx, fmt)
            self.flush()

    def text(self, text: str, fmt: int, ctx: _Ctx) -> None:
        if self.segs is None:
            if not text.strip(" \t\n\r\f"):
                return  # whitespace between blocks
            self.segs, self.pctx = [], ctx
        self.segs.append((text, fmt))

    # -------------------------------------------------------------- paragraphs

    def flush(self) -> None:
        segs = self.segs
        if segs is None:
            return
        self.segs = None
        runs, had_br = _normalize(segs)
        if not runs and not had_br:
            return
        ctx = self.pctx
        parts = ["<w:p>", self.ppr(ctx)]
        rpr_base = self.rpr(0, ctx.heading)
        for run in runs:
            if run is _BR:
                parts.append(f"<w:r>{rpr_base}<w:br/></w:r>")
            else:
                text = run[0]
                space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " else ""
                parts.append(f"<w:r>{self.rpr(run[1], ctx.heading)}<w:t{space}>{_esc(text)}</w:t></w:r>")
        parts.append("</w:p>")
        self.out.append("".join(parts))
        self.last_was_table = False
        self.after_table = False

    def ppr(self, ctx: _Ctx) -> str:
        page_break = self.pending_break and not ctx.cell
        if page_break:
            self.pending_break = False
        key = (ctx, page_break, self.after_table)
        cached = self._ppr_cache.get(key)
        if cached is not None:
            return cached
        p = []
        if ctx.list_style:
            p.append(f'<w:pStyle w:val="{ctx.list_style}"/>')
        if ctx.heading:
            p.append("<w:keepNext/>")
        if page_break:
            p.append("<w:pageBreakBefore/>")
        if ctx.num_id:
            p.append(f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{ctx.num_id}"/></w:numPr>')
        if ctx.cell:
            p.append('<w:spacing w:before="0" w:after="0"/>')
        elif ctx.heading:
            p.append('<w:spacing w:before="240" w:after="120"/>')
        elif self.after_table:
            p.append('<w:spacing w:before="160"/>')
        if ctx.align == "right":
            p.append('<w:jc w:val="right"/>')
        elif ctx.align == "center":
            p.append('<w:jc w:val="center"/>')
        xml = f"<w:pPr>{''.join(p)}</w:pPr>" if p else ""
        self._ppr_cache[key] = xml
        return xml

    def rpr(self, fmt: int, size: int) -> str:
        key = (fmt, size)
        cached = self._rpr_cache.get(key)
        if cached is None:
            p = []
            if fmt & _B:
                p.append("<w:b/><w:bCs/>")
            if fmt & _I:
                p.append("<w:i/><w:iCs/>")
            if size:
                p.append(f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>')
            if fmt & _U:
                p.append('<w:u w:val="single"/>')
            cached = self._rpr_cache[key] = f"<w:rPr>{''.join(p)}</w:rPr>" if p else ""
        return cached

    def restart_numbering(self, style: str | None, start: str | None) -> int:
        """A new w:num on the style's list definition, so this list counts from its start."""
        abstract = self.numbering.get(style or "")
        if abstract is None:
            return 0
        try:
            first = max(0, int(start)) if start is not None else 1
        except ValueError:
            first = 1
        num_id = self.next_num_id
        self.next_num_id += 1
        self.new_nums.append(
            f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract}"/>'
            f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{first}"/></w:lvlOverride></w:num>'
        )
        return num_id

    # ------------------------------------------------------------------ tables

    def table(self, el: lxml.etree._Element, ctx: _Ctx) -> None:
        head: list = []
        body: list = []
        foot: list = []
        for child in el:
            tag = child.tag
            if tag == "tr":
                body.append(child)
            elif tag == "thead":
                head.extend(tr for tr in child if tr.tag == "tr")
            elif tag == "tbody":
                body.extend(tr for tr in child if tr.tag == "tr")
            elif tag == "tfoot":
                foot.extend(tr for tr in child if tr.tag == "tr")
        rows = []
        for tr in head + body + foot:
            cells = []
            for cell in tr:
                if cell.tag == "td" or cell.tag == "th":
                    try:
                        span = int(cell.get("colspan") or 1)
                    except ValueError:
                        span = 1
                    cells.append((cell, min(max(span, 1), 1000)))
            rows.append((tr, cells))
        ncols = max((sum(span for _, span in cells) for _, cells in rows), default=0)
        if ncols == 0:
            return

        if self.pending_break and not ctx.cell:
            # A letter that opens with a table: an empty, tiny paragraph carries the break.
            self.pending_break = False
            self.out.append(
                '<w:p><w:pPr><w:pageBreakBefore/><w:spacing w:before="0" w:after="0" w:line="240"'
                ' w:lineRule="auto"/><w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>'
            )
        elif self.last_was_table:
            # Word joins two adjacent tables into one; HTML keeps them apart.
            self.out.append('<w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr></w:p>')

        width = self.text_width
        col = max(width // ncols, 1)
        x = [
            "<w:tbl><w:tblPr>",
            f'<w:tblStyle w:val="{self.styles["table"]}"/>' if "table" in self.styles else "",
            f'<w:tblW w:w="{col * ncols}" w:type="dxa"/>',
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1"'
            ' w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>',
            "</w:tblPr><w:tblGrid>",
            f'<w:gridCol w:w="{col}"/>' * ncols,
            "</w:tblGrid>",
        ]
        n_head = len(head)
        saved = (self.out, self.segs, self.pctx, self.last_was_table, self.after_table, self.text_width)
        cell_base = _Ctx(align=ctx.align, cell=True)
        for i, (tr, cells) in enumerate(rows):
            x.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if i < n_head
                     else "<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            used = 0
            for cell, span in cells:
                span = min(span, ncols - used) or 1
                used += span
                x.append(self.cell(cell, span, col, cell_base))
            for _ in range(ncols - used):
                x.append(f'<w:tc><w:tcPr><w:tcW w:w="{col}" w:type="dxa"/></w:tcPr><w:p/></w:tc>')
            x.append("</w:tr>")
        x.append("</w:tbl>")
        self.out, self.segs, self.pctx, self.last_was_table, self.after_table, self.text_width = saved
        self.out.append("".join(x))
        self.last_was_table = True
        self.after_table = not ctx.cell

    def cell(self, cell: lxml.etree._Element, span: int, col: int, base: _Ctx) -> str:
        classes = cell.get("class")
        align = base.align
        if classes:
            names = classes.split()
            if "num" in names or "right" in names:
                align = "right"
            elif "center" in names:
                align = "center"
        ctx = base._replace(align=align) if align != base.align else base
        self.out, self.segs, self.last_was_table, self.after_table = [], None, False, False
        self.text_width = col * span - 216  # minus the cell margins
        self.children(cell, ctx, _B if cell.tag == "th" else 0)
        self.flush()
        if not self.out or self.last_was_table:  # a cell must end with a paragraph
            self.out.append(f"<w:p>{self.ppr(ctx)}</w:p>")
        grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        return f'<w:tc><w:tcPr><w:tcW w:w="{col * span}" w:type="dxa"/>{grid}</w:tcPr>{"".join(self.out)}</w:tc>'


# ---------------------------------------------------------------------- document


def _find_letters(root: lxml.etree._Element) -> list:
    found = root.xpath(
        '//section[contains(concat(" ", normalize-space(@class), " "), " letter ")]'
    )
    if found:
        ids = {id(el) for el in found}
        return [el for el in found if not any(id(a) in ids for a in el.iterancestors("section"))]
    body = root.find("body")
    if body is None:
        return []
    has_content = (body.text or "").strip() or any(True for _ in body)
    return [body] if has_content else []


def _setup_styles(document: docx.document.Document) -> tuple[dict[str, str], dict[str, int], int]:
    """Default font, paragraph spacing; style ids and list definitions for the writer."""
    styles_el = document.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    half_points = str(int(FONT_SIZE_PT * 2))
    for name in ("w:rFonts", "w:sz", "w:szCs"):
        old = rpr.find(qn(name))
        if old is not None:
            rpr.remove(old)
    fonts = lxml.etree.SubElement(rpr, qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT_NAME)
    rpr.insert(0, fonts)
    for position, name in ((1, "w:sz"), (2, "w:szCs")):
        el = lxml.etree.SubElement(rpr, qn(name))
        el.set(qn("w:val"), half_points)
        rpr.insert(position, el)
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:after"), "160")
        spacing.set(qn("w:line"), "264")

    normal = document.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(FONT_SIZE_PT)

    wanted = {
        "bullet1": "List Bullet", "bullet2": "List Bullet 2", "bullet3": "List Bullet 3",
        "number1": "List Number", "number2": "List Number 2", "number3": "List Number 3",
        "table": "Table Grid",
    }
    style_ids: dict[str, str] = {}
    for key, name in wanted.items():
        try:
            style_ids[key] = document.styles[name].style_id
        except KeyError:
            continue

    numbering_el = document.part.numbering_part.element
    abstract_of = {
        num.get(qn("w:numId")): num.find(qn("w:abstractNumId")).get(qn("w:val"))
        for num in numbering_el.findall(qn("w:num"))
    }
    numbering: dict[str, int] = {}
    for key in ("number1", "number2", "number3"):
        style_id = style_ids.get(key)
        if style_id is None:
            continue
        num_el = document.styles[wanted[key]].element.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
        if num_el is not None and num_el.get(qn("w:val")) in abstract_of:
            numbering[style_id] = int(abstract_of[num_el.get(qn("w:val"))])
    next_num = max((int(n) for n in abstract_of), default=0) + 1
    return style_ids, numbering, next_num


def _append_xml(parent: lxml.etree._Element, xml: str, before: lxml.etree._Element | None = None) -> None:
    parser = lxml.etree.XMLParser(huge_tree=True, resolve_entities=False)
    frag = lxml.etree.fromstring(f"<w:frag {nsdecls('w')}>{xml}</w:frag>", parser)
    for child in list(frag):
        if before is not None:
            before.addprevious(child)
        else:
            parent.append(child)


def _zip_time(created: _dt.date | None) -> tuple[int, int, int, int, int, int]:
    if created is None:
        return (1980, 1, 1, 0, 0, 0)
    year = min(max(created.year, 1980), 2107)
    return (year, created.month, created.day, 0, 0, 0)


def build_docx(
    html: str,
    path: str | Path,
    *,
    page_size: str = "letter",
    header_text: str | None = None,
    created: _dt.date | None = None,
    title: str = "",
) -> int:
    """Write every ``section.letter`` of ``html`` into one DOCX at ``path``; return the letter count.

    Each letter after the first starts on a new page. ``page_size`` is
    ``"letter"`` (8.5 x 11 in, 1 in margins) or ``"a4"`` (210 x 297 mm, 25 mm
    margins). ``header_text`` (e.g. a draft stamp) is printed in the page
    header. ``created`` dates the document properties and the zip entries
    (1980-01-01 when ``None``), so the same input gives the same bytes.

    Raises :class:`lettergen.compose.html.UnsupportedElement` for HTML outside
    the supported subset, ``ValueError`` for an unknown ``page_size``.
    """
    return build_docx_stream([html], path, page_size=page_size, header_text=header_text, created=created, title=title)


_BODY_MARK = "lettergen-body-goes-here"


def build_docx_stream(
    htmls: Iterable[str],
    path: str | Path,
    *,
    page_size: str = "letter",
    header_text: str | None = None,
    created: _dt.date | None = None,
    title: str = "",
) -> int:
    """:func:`build_docx` over HTML documents given one at a time (a batch's chunks), with memory that does not
    grow with the letters: each document is parsed and turned into WordprocessingML on its own, the body goes to a
    temporary file as it is made, and ``word/document.xml`` is streamed into the package from it. The same letters
    give the same bytes however they are split into documents."""
    try:
        width, height, margin = PAGE_SIZES[page_size.lower()]
    except KeyError:
        raise ValueError(
            f"unknown page size {page_size!r}; use one of: {', '.join(PAGE_SIZES)}"
        ) from None

    document = docx.Document()
    style_ids, numbering, next_num = _setup_styles(document)

    section = document.sections[0]
    section.page_width, section.page_height = Emu(width), Emu(height)
    section.left_margin = section.right_margin = Emu(margin)
    section.top_margin = section.bottom_margin = Emu(margin)
    if header_text:
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(header_text)
        run.bold = True

    text_width = (width - 2 * margin) // _EMU_PER_TWIP
    writer = _Writer(text_width, style_ids, numbering, next_num)
    count = 0
    target = Path(path)
    with tempfile.TemporaryFile(dir=target.parent) as body_file:
        for html in htmls:
            root = parse_html(html)
            check_tree(root)
            for letter in _find_letters(root):
                writer.letter(letter, first=(count == 0))
                count += 1
                body_file.write(_canonical("".join(writer.out)))
                writer.out.clear()
            del root
        body = document.element.body
        _append_xml(body, f"<w:p><w:r><w:t>{_BODY_MARK}</w:t></w:r></w:p>", before=body.find(qn("w:sectPr")))
        if writer.new_nums:
            _append_xml(document.part.numbering_part.element, "".join(writer.new_nums))

        stamp = _dt.datetime.combine(created or _dt.date(1980, 1, 1), _dt.time(0, 0), tzinfo=_dt.timezone.utc)
        props = document.core_properties
        props.author = "lettergen"
        props.last_modified_by = "lettergen"
        props.title = title
        props.comments = ""
        props.revision = 1
        props.created = props.modified = props.last_printed = stamp

        buffer = io.BytesIO()
        document.save(buffer)
        body_file.seek(0)
        _write_package(buffer.getvalue(), target, _zip_time(created), body_file)
    return count


def _canonical(xml: str) -> bytes:
    """Body XML as lxml writes it inside the document (the same bytes as if it had been parsed into the tree)."""
    if not xml:
        return b""
    parser = lxml.etree.XMLParser(huge_tree=True, resolve_entities=False)
    frag = lxml.etree.fromstring(f"<w:frag {nsdecls('w')}>{xml}</w:frag>", parser)
    text = lxml.etree.tostring(frag, encoding="UTF-8")
    start = text.index(b">") + 1
    return text[start:text.rindex(b"</w:frag>")]


def _write_package(skeleton: bytes, out: Path, date_time: tuple[int, int, int, int, int, int], body: Any) -> None:
    """The package with fixed timestamps, attributes and entry order, ``word/document.xml``'s marker paragraph
    replaced by the body streamed from the file ``body``."""
    mark = f"<w:p><w:r><w:t>{_BODY_MARK}</w:t></w:r></w:p>".encode()
    with zipfile.ZipFile(io.BytesIO(skeleton)) as src, zipfile.ZipFile(out, "w") as dst:
        names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            info = src.getinfo(name)
            entry = zipfile.ZipInfo(name, date_time=date_time)
            entry.compress_type = info.compress_type
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            data = src.read(name)
            if name != "word/document.xml":
                dst.writestr(entry, data)
                continue
            head, _, tail = data.partition(mark)
            size = body.seek(0, io.SEEK_END)
            body.seek(0)
            with dst.open(entry, "w", force_zip64=size > 1 << 30) as f:
                f.write(head)
                shutil.copyfileobj(body, f, 1 << 20)
                f.write(tail)
