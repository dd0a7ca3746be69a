"""The DOCX says what the letter HTML says: read it back as a person would see it."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from lettergen.compose.html import ALLOWED_TAGS, check_html, visible_text
from lettergen.errors import UnsupportedElement
from lettergen.typeset.docx import build_docx

LETTER = """<section class="letter" id="L0001" data-account="ACC-1001" data-stage="polite_reminder">
  <header class="letterhead"><p class="company"><b>Acme Supplies, Inc.</b></p><p>200 Harbor Street<br>Brooklyn, NY 11201</p></header>
  <address class="recipient"><p>Jane Doe<br>Attn: Accounts Payable<br>1 Main St<br>ALBANY NY 12207</p></address>
  <p class="date">November 27, 2026</p>
  <p class="reference"><b>Account ACC-1001</b></p>
  <h2>Reminder</h2>
  <p>Dear Jane Doe,</p>
  <p>Our records show that <b>$1,244.50</b> was due on <u>October 1, 2026</u>. <i>Thank you</i> for your business.</p>
  <table class="invoices"><thead><tr><th>Invoice</th><th>Issued</th><th>Due</th><th class="num">Balance</th></tr></thead>
    <tbody><tr><td>INV-1</td><td>Sep 1, 2026</td><td>Oct 1, 2026</td><td class="num">$1,234.50</td></tr></tbody>
    <tfoot><tr><td colspan="3">Total due</td><td class="num">$1,244.50</td></tr></tfoot></table>
  <ul><li>Pay online at acme.example/pay</li><li>Call (718) 555-0142</li></ul>
  <ol><li>First installment</li></ol>
  <p class="closing">Kind regards,</p>
  <p class="signature">Dana Whitfield<br>Accounts Receivable Manager</p>
  <footer class="contact"><p>Acme Supplies · accounts@acme.example</p></footer>
</section>"""

LETTER_PARAGRAPHS = [
    "Acme Supplies, Inc.",
    "200 Harbor Street\nBrooklyn, NY 11201",
    "Jane Doe\nAttn: Accounts Payable\n1 Main St\nALBANY NY 12207",
    "November 27, 2026",
    "Account ACC-1001",
    "Reminder",
    "Dear Jane Doe,",
    "Our records show that $1,244.50 was due on October 1, 2026. Thank you for your business.",
    "Pay online at acme.example/pay",
    "Call (718) 555-0142",
    "First installment",
    "Kind regards,",
    "Dana Whitfield\nAccounts Receivable Manager",
    "Acme Supplies · accounts@acme.example",
]


def page(*sections: str, title: str = "Batch") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>\n'
        + "\n".join(sections)
        + "\n</body></html>"
    )


def letter(i: int) -> str:
    """The sample letter, numbered so that letters can be told apart."""
    return LETTER.replace("L0001", f"L{i:04d}").replace("Acme Supplies, Inc.", f"Acme Supplies, Inc. #{i}")


def build(tmp_path: Path, html: str, name: str = "out.docx", **kw) -> tuple[int, Document]:
    path = tmp_path / name
    n = build_docx(html, path, **kw)
    return n, docx.Document(str(path))


def body_paragraphs(doc: Document) -> list[Paragraph]:
    """Top-level paragraphs that show something (tables are separate)."""
    return [p for p in doc.paragraphs if p.text]


def docx_lines(doc: Document) -> list[str]:
    """Every visible line, in reading order: paragraphs and table cells (a merged cell once)."""
    lines: list[str] = []
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            texts = []
            for row in item.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    texts.extend(p.text for p in cell.paragraphs)
        else:
            texts = [item.text]
        for text in texts:
            lines.extend(line for line in text.split("\n") if line)
    return lines


def has_page_break(p: Paragraph) -> bool:
    return bool(p.paragraph_format.page_break_before) or bool(
        p._p.xpath('.//w:br[@w:type="page"]')
    )


# --------------------------------------------------------------------- content


def test_paragraphs_come_out_in_order_with_their_words(tmp_path):
    n, doc = build(tmp_path, page(LETTER))
    assert n == 1
    assert [p.text for p in body_paragraphs(doc)] == LETTER_PARAGRAPHS
    # no stray spaces from the HTML's indentation and newlines
    for p in body_paragraphs(doc):
        for line in p.text.split("\n"):
            assert line == line.strip() and "  " not in line


def test_inline_formatting_becomes_bold_italic_underlined_runs(tmp_path):
    _, doc = build(tmp_path, page(LETTER))
    para = next(p for p in doc.paragraphs if p.text.startswith("Our records show"))
    runs = [(r.text, bool(r.bold), bool(r.italic), bool(r.underline)) for r in para.runs]
    assert runs == [
        ("Our records show that ", False, False, False),
        ("$1,244.50", True, False, False),
        (" was due on ", False, False, False),
        ("October 1, 2026", False, False, True),
        (". ", False, False, False),
        ("Thank you", False, True, False),
        (" for your business.", False, False, False),
    ]
    company = next(p for p in doc.paragraphs if p.text == "Acme Supplies, Inc.")
    assert all(r.bold for r in company.runs)


def test_nested_inline_formatting_combines(tmp_path):
    html = page('<section class="letter"><p>a <b>bold <i>both</i></b> <u><em>under</em></u></p></section>')
    _, doc = build(tmp_path, html)
    (para,) = body_paragraphs(doc)
    assert para.text == "a bold both under"
    fmt = {r.text: (bool(r.bold), bool(r.italic), bool(r.underline)) for r in para.runs}
    assert fmt["both"] == (True, True, False)
    assert fmt["under"] == (False, True, True)
    assert fmt["bold "] == (True, False, False)


def test_heading_is_a_larger_bold_paragraph_in_the_body_font(tmp_path):
    _, doc = build(tmp_path, page(LETTER))
    heading = next(p for p in doc.paragraphs if p.text == "Reminder")
    assert all(r.bold for r in heading.runs)
    assert heading.runs[0].font.size.pt == 14
    assert heading.runs[0].font.color.rgb is None  # no theme colour from Word's heading styles
    assert heading.style.name == "Normal"


def test_default_font_is_noto_sans_10_5(tmp_path):
    _, doc = build(tmp_path, page(LETTER))
    normal = doc.styles["Normal"]
    assert normal.font.name == "Noto Sans"
    assert normal.font.size.pt == 10.5


def test_table_cells_header_and_merged_total(tmp_path):
    _, doc = build(tmp_path, page(LETTER))
    (table,) = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Invoice", "Issued", "Due", "Balance"],
        ["INV-1", "Sep 1, 2026", "Oct 1, 2026", "$1,234.50"],
        ["Total due", "Total due", "Total due", "$1,244.50"],  # one cell spanning 3 columns
    ]
    header, _, total = table.rows
    assert all(run.bold for cell in header.cells for p in cell.paragraphs for run in p.runs)
    merged = total.cells[0]
    assert merged.grid_span == 3
    assert total.cells[0]._tc is total.cells[2]._tc
    assert len(total._tr.tc_lst) == 2
    # "num" cells are right-aligned, the others are not
    assert header.cells[3].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert total.cells[3].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert table.rows[1].cells[0].paragraphs[0].alignment is None
    assert table.style.name == "Table Grid"


def test_table_rows_follow_thead_tbody_tfoot_order(tmp_path):
    html = page(
        '<section class="letter"><table><tfoot><tr><td>foot</td></tr></tfoot>'
        "<tbody><tr><td>body</td></tr></tbody><thead><tr><th>head</th></tr></thead></table></section>"
    )
    _, doc = build(tmp_path, html)
    assert [row.cells[0].text for row in doc.tables[0].rows] == ["head", "body", "foot"]


def test_lists_items_present_with_list_styles(tmp_path):
    _, doc = build(tmp_path, page(LETTER))
    items = {p.text: p.style.name for p in doc.paragraphs if p.style.name.startswith("List")}
    assert items == {
        "Pay online at acme.example/pay": "List Bullet",
        "Call (718) 555-0142": "List Bullet",
        "First installment": "List Number",
    }


def test_each_numbered_list_restarts(tmp_path):
    html = page('<section class="letter"><ol><li>a</li><li>b</li></ol><p>x</p><ol><li>c</li></ol></section>')
    _, doc = build(tmp_path, html)
    num_ids = {}
    for p in doc.paragraphs:
        ids = p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")
        if ids:
            num_ids[p.text] = ids[0]
    assert num_ids["a"] == num_ids["b"] != num_ids["c"]
    numbering = doc.part.numbering_part.element
    for text in ("a", "c"):
        (num,) = numbering.xpath(f'./w:num[@w:numId="{num_ids[text]}"]')
        assert num.xpath("./w:lvlOverride/w:startOverride/@w:val") == ["1"]


def test_alignment_classes(tmp_path):
    html = page('<section class="letter"><p class="right date">r</p><p class="center">c</p><p class="x">plain</p></section>')
    _, doc = build(tmp_path, html)
    align = {p.text: p.alignment for p in body_paragraphs(doc)}
    assert align == {"r": WD_ALIGN_PARAGRAPH.RIGHT, "c": WD_ALIGN_PARAGRAPH.CENTER, "plain": None}


def test_text_directly_in_a_container_becomes_a_paragraph(tmp_path):
    html = page('<section class="letter"><div>loose <b>text</b><p>para</p>after</div></section>')
    _, doc = build(tmp_path, html)
    assert [p.text for p in body_paragraphs(doc)] == ["loose text", "para", "after"]


# ----------------------------------------------------------- escaping, safety


def test_escaped_markup_in_data_stays_literal_text_and_not_bold(tmp_path):
    html = page('<section class="letter"><p>Dear {{ 7*7 }} &lt;b&gt;Bob&lt;/b&gt;,</p><p>Smith &amp; Sons</p></section>')
    _, doc = build(tmp_path, html)
    dear, sons = body_paragraphs(doc)
    assert dear.text == "Dear {{ 7*7 }} <b>Bob</b>,"
    assert not any(r.bold for r in dear.runs)
    assert sons.text == "Smith & Sons"


@pytest.mark.parametrize(
    "snippet, tag",
    [('<img src="logo.png">', "img"), ("<script>alert(1)</script>", "script"), ("<style>p{}</style>", "style")],
)
def test_unsupported_elements_are_refused_with_tag_and_line(tmp_path, snippet, tag):
    html = page(
        '<section class="letter">\n<p>one</p>\n<!-- a comment is fine -->\n'
        f"<p>two {snippet}</p>\n</section>"
    )
    line = html.splitlines().index(f"<p>two {snippet}</p>") + 1
    with pytest.raises(UnsupportedElement) as caught:
        check_html(html)
    assert caught.value.tag == tag and caught.value.line == line
    assert f"<{tag}> is not supported in letters (line {line})" in str(caught.value)
    with pytest.raises(UnsupportedElement) as caught:
        build_docx(html, tmp_path / "x.docx")
    assert caught.value.tag == tag and caught.value.line == line
    assert not (tmp_path / "x.docx").exists()


def test_allowed_tags_is_the_documented_subset():
    assert {"img", "script", "style", "iframe", "object", "link", "form"}.isdisjoint(ALLOWED_TAGS)
    check_html(page(LETTER))  # the sample letter only uses the subset


# --------------------------------------------------------------- batch, pages


def test_each_letter_after_the_first_starts_on_a_new_page(tmp_path):
    n, doc = build(tmp_path, page(*(letter(i) for i in range(1, 4))))
    assert n == 3
    breaks = [p for p in doc.paragraphs if has_page_break(p)]
    assert len(breaks) == 2
    assert [p.text for p in breaks] == ["Acme Supplies, Inc. #2", "Acme Supplies, Inc. #3"]
    firsts = [p.text for p in doc.paragraphs if p.text.startswith("Acme Supplies, Inc. #")]
    assert firsts == ["Acme Supplies, Inc. #1", "Acme Supplies, Inc. #2", "Acme Supplies, Inc. #3"]
    assert not has_page_break(doc.paragraphs[0])
    assert len(doc.tables) == 3


def test_without_letter_sections_the_body_is_one_letter(tmp_path):
    n, doc = build(tmp_path, page("<p>Hello</p><p>World</p>"))
    assert n == 1
    assert [p.text for p in body_paragraphs(doc)] == ["Hello", "World"]


@pytest.mark.parametrize(
    "size, width_in, height_in",
    [("letter", 8.5, 11.0), ("a4", 210 / 25.4, 297 / 25.4)],
)
def test_page_size_and_margins(tmp_path, size, width_in, height_in):
    _, doc = build(tmp_path, page(LETTER), page_size=size)
    (section,) = doc.sections
    assert section.page_width.inches == pytest.approx(width_in, abs=0.01)
    assert section.page_height.inches == pytest.approx(height_in, abs=0.01)
    margin = 1.0 if size == "letter" else 25 / 25.4
    for m in (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin):
        assert m.inches == pytest.approx(margin, abs=0.01)


def test_unknown_page_size_is_refused(tmp_path):
    with pytest.raises(ValueError, match="letter"):
        build_docx(page(LETTER), tmp_path / "x.docx", page_size="legal")


def test_header_text_is_in_the_page_header(tmp_path):
    _, doc = build(tmp_path, page(LETTER), header_text="DRAFT – NOT APPROVED")
    header = doc.sections[0].header
    assert not header.is_linked_to_previous
    assert "DRAFT – NOT APPROVED" in [p.text for p in header.paragraphs]
    _, plain = build(tmp_path, page(LETTER), name="plain.docx")
    assert all(not p.text for p in plain.sections[0].header.paragraphs)


# ---------------------------------------------------------------- determinism


def test_same_input_and_date_give_identical_bytes(tmp_path):
    html = page(*(letter(i) for i in range(1, 4)))
    day = dt.date(2026, 11, 27)
    a = tmp_path / "a.docx"
    b = tmp_path / "b.docx"
    c = tmp_path / "c.docx"
    build_docx(html, a, created=day, title="Batch 7")
    build_docx(html, b, created=day, title="Batch 7")
    build_docx(html, c, created=day + dt.timedelta(days=1), title="Batch 7")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    props = docx.Document(str(a)).core_properties
    midnight = dt.datetime(2026, 11, 27, 0, 0, tzinfo=dt.timezone.utc)
    assert props.created == props.modified == props.last_printed == midnight
    with zipfile.ZipFile(a) as z:
        assert {info.date_time for info in z.infolist()} == {(2026, 11, 27, 0, 0, 0)}
        assert z.namelist()[0] == "[Content_Types].xml"
    assert props.revision == 1 and props.author == "lettergen" and props.title == "Batch 7"


def test_no_date_is_still_deterministic(tmp_path):
    build_docx(page(LETTER), tmp_path / "a.docx")
    build_docx(page(LETTER), tmp_path / "b.docx")
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()


# ------------------------------------------------------------ same words as HTML


def test_docx_says_the_same_words_as_the_html(tmp_path):
    html = page(*(letter(i) for i in range(1, 3)))
    _, doc = build(tmp_path, html)
    assert docx_lines(doc) == visible_text(html).split("\n")


def test_visible_text_of_the_sample():
    text = visible_text(page(LETTER))
    assert "Batch" not in text  # the <title> is not shown
    lines = text.split("\n")
    assert lines[:4] == ["Acme Supplies, Inc.", "200 Harbor Street", "Brooklyn, NY 11201", "Jane Doe"]
    assert "Our records show that $1,244.50 was due on October 1, 2026. Thank you for your business." in lines
    assert lines[-1] == "Acme Supplies · accounts@acme.example"
    assert visible_text("<p>a &amp; &lt;b&gt;  b\n c</p>") == "a & <b> b c"


@pytest.mark.parametrize(
    "body",
    [
        "<p>  lead <b> bold </b> tail  </p>",
        "<p>x<br>  <br>y</p>",
        "<div>a<span> b </span>c<p>d</p>e</div>",
        "<ul><li>one <i>two</i></li><li>three</li></ul>",
        "<table><tr><td>a <b>b</b></td><td> </td></tr></table><table><tr><td>c</td></tr></table>",
        "<p>a\u00a0\u00a0b</p>",
    ],
)
def test_whitespace_is_collapsed_like_html(tmp_path, body):
    html = page(f'<section class="letter">{body}</section>')
    _, doc = build(tmp_path, html)
    assert docx_lines(doc) == visible_text(html).split("\n")


def test_a_batch_docx_built_chunk_by_chunk_is_the_one_built_at_once(tmp_path):
    """batch.docx is streamed one chunk of letters at a time (its memory does not grow with the batch): the same
    letters give the same bytes however they are split, and Word's reader sees every letter, in order."""
    from lettergen.typeset.docx import build_docx_stream

    def letter(i: int) -> str:
        return (f'<section class="letter"><h1>Letter {i}</h1><p>Dear <b>Client {i}</b>,</p>'
                f'<ol><li>first {i}</li><li>second {i}</li></ol><table><tr><td>INV-{i}</td><td>$1{i}.00</td></tr></table>'
                "</section>")

    def doc(sections: list[str]) -> str:
        return "<html><body>" + "".join(sections) + "</body></html>"

    letters = [letter(i) for i in range(7)]
    whole, parts = tmp_path / "whole.docx", tmp_path / "parts.docx"
    assert build_docx(doc(letters), whole, created=dt.date(2026, 11, 27)) == 7
    assert build_docx_stream([doc(letters[:3]), doc(letters[3:4]), doc(letters[4:])], parts,
                             created=dt.date(2026, 11, 27)) == 7
    assert parts.read_bytes() == whole.read_bytes()
    d = docx.Document(str(parts))
    heads = [p.text for p in d.paragraphs if p.text.startswith("Letter ")]
    assert heads == [f"Letter {i}" for i in range(7)]
    assert "lettergen-body-goes-here" not in zipfile.ZipFile(parts).read("word/document.xml").decode()
    assert [t.cell(0, 0).text for t in d.tables] == [f"INV-{i}" for i in range(7)]
