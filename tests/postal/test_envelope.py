"""Envelope geometry: the preset numbers, the CSS made from them, fit() and capacity(), and the check that reads
a letter's first page back from a real PDF (rendered by WeasyPrint with the package fonts) and says whether the
addresses sit in the envelope windows."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from lettergen.postal import envelope as E
from lettergen.postal.envelope import PRESETS, Envelope, Rect, capacity, fit, get
from lettergen.mail.window import check_page
from lettergen.typeset.placement import css
from lettergen.mail.overlay import debug_overlay
from lettergen.typeset.pdf import font_face_css

US10 = PRESETS["us-10-double-window"]
DIN = PRESETS["din-5008-b"]
PAGE = PRESETS["address-page"]

RETURN = ["Acme Services LLC", "PO Box 1200", "Albany, NY 12207"]
JANE = ["Jane Doe", "1 Main St", "Springfield, IL 62701"]

# ----------------------------------------------------------------------------- Rect


def check_pdf(pdf_path, page_index: int, envelope, **kw):
    """check_page on one page of a PDF as pdfplumber reads it (an independent reader: the library reads its own
    PDFs with envelope.first_page_words)."""
    import pdfplumber

    with pdfplumber.open(str(pdf_path)) as pdf:
        page = pdf.pages[page_index]
        words = page.extract_words(extra_attrs=["size"])
        kw.setdefault("chars", page.chars)
        kw.setdefault("page_size", (float(page.width), float(page.height)))
        return check_page(words, envelope, **kw)


def test_rect_size_shrink_grow():
    r = Rect(10, 20, 110, 70)
    assert (r.width, r.height) == (100, 50)
    assert r.shrink(5) == Rect(15, 25, 105, 65)
    assert r.grow(5) == Rect(5, 15, 115, 75)
    assert r.grow(3, 7) == Rect(7, 13, 113, 77)
    assert r.shrink(5).grow(5) == r
    with pytest.raises(ValueError):
        r.shrink(30)  # nothing left of a 50 pt high rectangle
    with pytest.raises(ValueError):
        Rect(10, 0, 5, 10)


def test_rect_contains_and_intersects():
    r = Rect(0, 0, 100, 100)
    assert r.contains(Rect(0, 0, 100, 100))  # edges may touch
    assert r.contains(Rect(10, 10, 20, 20))
    assert r.contains(Rect(0, 0, 100.000001, 50))  # float noise from text matrices
    assert not r.contains(Rect(90, 10, 101, 20))
    assert r.intersects(Rect(90, 90, 110, 110))
    assert not r.intersects(Rect(100, 0, 120, 50))  # touching edges do not overlap
    assert not r.intersects(Rect(200, 200, 210, 210))
    assert r.clip(Rect(50, -10, 150, 40)) == Rect(50, 0, 100, 40)
    assert r.clip(Rect(200, 200, 210, 210)) is None
    assert Rect(0, 0, 10, 10).distance(Rect(13, 14, 20, 20)) == 5


# ----------------------------------------------------------------------------- presets


def test_us10_windows_derived_from_the_envelope():
    # By hand, 1 in = 72 pt. The page (8.5 in) is centred in the 9.5 in envelope: 0.5 in each side, so
    # page x = envelope x - 0.5 in. The letter's top edge is at the envelope's top, so a window whose bottom edge
    # is b from the envelope's bottom and whose height is h starts at 4.125 - b - h from the page top.
    #   recipient: x 0.625-0.5 = 0.125 in = 9 pt to 0.125+4 = 4.125 in = 297 pt;
    #              top 4.125-1-1 = 2.125 in = 153 pt, bottom 3.125 in = 225 pt
    #   return:    x 9 pt to 0.125+3.25 = 3.375 in = 243 pt;
    #              top 4.125-2.375-0.875 = 0.875 in = 63 pt, bottom 1.75 in = 126 pt
    assert US10.recipient_window == Rect(9, 153, 297, 225)
    assert US10.return_window == Rect(9, 63, 243, 126)
    # where the text must stay: the vendor's shift-safe blocks (PostalMethods), not the windows less clearance
    #   recipient: 0.5 in from the left, 2.042 in from the top, 3.5 x 0.875 in = x 36-288, y 147.024-210.024 pt
    #   return:    0.5 in / 0.5 in, 3.5 x 0.792 in = x 36-288, y 36-93.024 pt
    assert US10.clearance == 9
    assert US10.recipient_inner == pytest.approx(Rect(36, 147.024, 288, 210.024))
    assert US10.return_inner == pytest.approx(Rect(36, 36, 288, 93.024))
    # printable: 0.5 in from the top, left and bottom edges, 0.6 in from the right
    assert US10.printable == pytest.approx(Rect(36, 36, 612 - 43.2, 792 - 36))
    assert "PostalMethods" in US10.source and "Lob" in US10.source
    assert (US10.page_width, US10.page_height) == (612, 792)
    assert US10.first_fold == 264  # 11 in / 3
    # play: (9.5-8.5)/2 in = 36 pt across; 4.125 in - 11/3 in = 297 - 264 = 33 pt up and down
    assert (US10.play_x, US10.play_y) == (36, 33)
    # visible area: window grown by the play, clipped to the page (x >= 0) and the top panel (y <= 264)
    #   recipient: x 9-36 -> 0 .. 297+36 = 333, y 153-33 = 120 .. 225+33 = 258
    #   return:    x 0 .. 243+36 = 279,          y 63-33 = 30 .. 126+33 = 159
    assert US10.visible_area == (Rect(0, 120, 333, 258), Rect(0, 30, 279, 159))
    assert [label for label, _ in US10.visible_areas()] == ["recipient", "return"]
    assert (US10.min_font_pt, US10.max_sheets, US10.address_page) == (8, 6, False)


def test_din_5008_b_zones():
    mm = 72 / 25.4
    # Address field 85 x 45 mm at 20 mm from the left and 45 mm from the top; the top 17.7 mm the
    # Zusatz- und Vermerkzone (return), the lower 27.3 mm the Anschriftzone (recipient).
    assert DIN.return_window == pytest.approx(Rect(20 * mm, 45 * mm, 105 * mm, 62.7 * mm))
    r = DIN.recipient_window
    assert (r.x0, r.top, r.x1, r.bottom) == pytest.approx((56.693, 177.732, 297.638, 255.118), abs=1e-3)
    assert r.height == pytest.approx(27.3 * mm)
    assert (DIN.page_width, DIN.page_height) == pytest.approx((595.276, 841.890), abs=1e-3)
    assert DIN.first_fold == pytest.approx(105 * mm)
    assert DIN.max_sheets == 5
    # C6/5 (229 x 114 mm) is the looser envelope: (229-210)/2 = 9.5 mm across, 114-105 = 9 mm up and down
    assert (DIN.play_x, DIN.play_y) == pytest.approx((9.5 * mm, 9 * mm))
    assert DIN.visible_area[0] == pytest.approx(Rect(10.5 * mm, 53.7 * mm, 114.5 * mm, 99 * mm))


def test_address_page_preset():
    assert PAGE.address_page
    assert (PAGE.recipient_window, PAGE.return_window) == (US10.recipient_window, US10.return_window)


def test_get():
    assert get("us-10-double-window") is US10
    with pytest.raises(ValueError) as err:
        get("us-9")
    assert isinstance(err.value, KeyError)
    assert "us-9" in str(err.value) and "din-5008-b" in str(err.value) and "address-page" in str(err.value)


def test_envelope_is_frozen_and_visible_area_follows_the_windows():
    with pytest.raises(Exception):
        US10.clearance = 0  # type: ignore[misc]
    import dataclasses

    moved = dataclasses.replace(US10, play_x=0, play_y=0)
    assert moved.visible_area == (US10.recipient_window, US10.return_window)


# ----------------------------------------------------------------------------- capacity, fit, css


def test_capacity():
    # us-10 recipient block: 0.875 in = 63 pt high; n lines need
    # n * size * (lh + 0.05) + 0.2 * size (the allowances for CJK fallback lines and glyph boxes).
    assert capacity(US10, 9.5, 1.15) == 5  # (63 - 1.9) / 11.4 = 5.36
    assert capacity(US10, 9.5, 1.05) == 5  # 61.1 / 10.45 = 5.85
    assert capacity(US10, 9.5, 1.0) == 6  # 61.1 / 9.975 = 6.13
    assert capacity(US10, 9.0, 1.15) == 5  # 61.2 / 10.8 = 5.67
    assert capacity(US10, 8.0, 1.0) == 7  # 61.4 / 8.4 = 7.31
    assert capacity(US10, 8.5, 1.25, window="return") == 5  # return block 57.02 pt: (57.02 - 1.7) / 11.05 = 5.006
    assert capacity(DIN, 9.5, 1.15) == 6  # (77.386 - 1.9) / 11.4 = 6.62


def test_fit():
    assert fit(3, US10) == (9.5, 1.15)
    assert fit(5, US10) == (9.5, 1.15)
    assert fit(6, US10) == (9.5, 1.0)  # 9.5 at 1.05 fits 5.85 lines
    assert fit(7, US10) == (8.0, 1.0)  # 8.5 at 1.0: 61.3 / 8.925 = 6.87; 8 at 1.05: 61.4 / 8.8 = 6.98
    assert fit(8, US10) is None  # 8 pt at 1.0 fits 7.31
    assert fit(6, "din-5008-b") == (9.5, 1.15)


def test_css_places_the_blocks_in_the_windows_less_clearance():
    text = css(US10)
    assert "@page letter { size: 612pt 792pt; }" in text
    # recipient: the block x 36-288, y 147.024-210.024 pt; section.letter starts at the page margins
    # (54 pt from the top, 54 pt from the left): top 147.024-54 = 93.024, left 36-54 = -18
    assert "address.recipient { position: absolute; top: 93.024pt; left: -18pt; width: 252pt; height: 63pt;" in text
    assert "font-size: 9.5pt; line-height: 1.15;" in text
    # return: x 36-288, y 36-93.024 -> top -18, left -18, 252 x 57.024
    assert "p.return { position: absolute; top: -18pt; left: -18pt; width: 252pt; height: 57.024pt;" in text
    assert "top: 147.024pt; left: 36pt;" in css(US10, margin_top=0, margin_left=0)
    assert "font-size: 8pt; line-height: 1;" in css(US10, font_pt=8, line_height=1.0)
    assert "size: 595.276pt 841.89pt" in css("din-5008-b")


# ----------------------------------------------------------------------------- real PDFs

BASE_CSS = """
html { font-family: "Noto Sans", "Noto Sans CJK JP", sans-serif; font-size: 10pt; line-height: 1.32; color: #111; }
body { margin: 0; }
@page letter { size: 8.5in 11in; margin: 0.75in 0.75in 0.85in 0.75in; }
section.letter { page: letter; position: relative; padding-top: 2.625in; }
.letterhead { position: absolute; top: 0; right: 0; width: 2.9in; text-align: right; }
.letterhead .company { font-size: 13pt; font-weight: bold; margin: 0 0 2pt; }
.letterhead .contact { font-size: 8.5pt; margin: 0; }
/* the placement of letter_templates/style.css today, which css() must override */
p.return { position: absolute; top: 0.35in; left: 0.05in; width: 3.1in; font-size: 8.5pt; line-height: 1.25; margin: 0; }
address.recipient { position: absolute; top: 1.55in; left: 0.05in; width: 3.6in; font-style: normal; font-size: 9.5pt; line-height: 1.15; }
address.recipient p { margin: 0; }
p.date { margin: 0; text-align: right; }
p.reference { margin: 4pt 0 10pt; }
.body p { margin: 0 0 6pt; }
"""

DIN_PAGE_CSS = """
@page letter { size: A4; margin: 20mm 20mm 20mm 25mm; }
section.letter { padding-top: 85mm; }
"""


def lines_html(lines: list[str], sep: str = "<br>") -> str:
    return sep.join(escape(x) for x in lines)


def render(tmp_path: Path, env: Envelope, recipient: list[str], ret: list[str] = RETURN, *, font_pt: float | None = None,
           line_height: float | None = None, extra_css: str = "", extra_html: str = "", page_css: str = "",
           margins: tuple[float, float] = (E.LETTER_MARGIN_TOP, E.LETTER_MARGIN_LEFT), company: str = "Acme Services",
           paragraphs: int = 3, name: str = "pdf") -> Path:
    """A letter's first page laid out like letter_templates/_layout.html.j2, with the envelope CSS appended."""
    import weasyprint

    if font_pt is None:
        fitted = fit(len(recipient), env)
        assert fitted is not None
        font_pt, line_height = fitted
    env_css = css(env, font_pt=font_pt, line_height=line_height or 1.15, margin_top=margins[0], margin_left=margins[1])
    body = "".join(
        f"<p>Dear {escape(recipient[0])}, this is paragraph {i + 1} about your account. Our records show an open "
        f"balance on invoice INV-{i}; please call us when convenient to talk it over, or write to us.</p>"
        for i in range(paragraphs))
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>
{font_face_css()}{BASE_CSS}{page_css}{env_css}{extra_css}</style></head><body>
<section class="letter" id="L1">
<header class="letterhead"><p class="company">{escape(company)}</p><p class="contact">+1 518 555 0100<br>billing@example.com</p></header>
<p class="return">{lines_html(ret)}</p>
<address class="recipient"><p>{lines_html(recipient)}</p></address>
{extra_html}
<p class="date">27 November 2026</p>
<p class="reference"><b>Account T-1</b> · Your account</p>
<div class="body">{body}</div>
</section></body></html>"""
    path = tmp_path / f"{name}.pdf"
    weasyprint.HTML(string=html).write_pdf(str(path))
    return path


def check(path: Path, env: Envelope, recipient: list[str], ret: list[str] = RETURN) -> list[str]:
    return check_pdf(path, 0, env, recipient_lines=recipient, return_lines=ret)


def test_a_short_address_passes(tmp_path):
    pdf = render(tmp_path, US10, JANE)
    assert check(pdf, US10, JANE) == []


def test_a_five_line_address_passes_at_the_fitted_size(tmp_path):
    lines = ["Jane Doe", "Attn: Accounts Payable", "Springfield Widget Works", "1200 Industrial Pkwy Ste 4",
             "Springfield, IL 62701"]
    pdf = render(tmp_path, US10, lines)  # fit(5) = 9.5 pt at line height 1.0
    assert check(pdf, US10, lines) == []


def test_a_six_line_address_passes_at_the_fitted_size(tmp_path):
    lines = ["Jane Doe", "Attn: Accounts Payable", "Springfield Widget Works", "Building 7", "1200 Industrial Pkwy",
             "Springfield, IL 62701"]
    pdf = render(tmp_path, US10, lines)  # fit(6) = 8 pt at line height 1.0
    assert check(pdf, US10, lines) == []


LATIN_LINES = ["Jyggy Quippy-Gjq", "Attn: Pygmy Jaguar Supply", "Gypsy Jig Quay Bldg 7", "Apt 9g Quiggly Way",
               "1200 Jpqy Parkway", "Springfield, GA 30301"]  # descenders everywhere
CJK_LINES = ["山田 太郎 様", "株式会社 山田商会", "丸の内1-1-1", "東京都千代田区 100-0005", "千代田 ビル 3", "JAPAN"]


@pytest.mark.parametrize("script", ["latin", "cjk"])
@pytest.mark.parametrize("n", range(1, 7))
def test_every_length_that_fits_passes_at_the_fitted_size(tmp_path, n, script):
    """capacity() and the check agree: CJK fallback lines are taller than Latin ones, glyph boxes hang below."""
    lines = (LATIN_LINES if script == "latin" else CJK_LINES)[:n]
    pdf = render(tmp_path, US10, lines)
    assert check(pdf, US10, lines) == []


def test_a_nine_line_address_at_9_5_pt_does_not_fit(tmp_path):
    lines = ["Jane Doe", "Attn: Accounts Payable", "Springfield Widget Works", "Building 7", "Floor 3", "Dock B",
             "1200 Industrial Pkwy", "Springfield, IL 62701", "UNITED STATES"]
    pdf = render(tmp_path, US10, lines, font_pt=9.5, line_height=1.15)
    problems = check(pdf, US10, lines)
    assert "recipient address has 9 lines; the block fits 5 at 9.5 pt (even at 8 pt it fits 7; shorten it)" in problems
    outside = [p for p in problems if p.startswith("recipient address: ") and "is outside the recipient block" in p]
    assert any("'UNITED STATES'" in p for p in outside)
    assert not any("'Jane Doe'" in p for p in outside)  # the first lines are in the window


def test_past_due_in_the_recipient_window_fails(tmp_path):
    # a stamp at x=200, y=205 pt on the page: inside the recipient window (x 9-297, y 153-225)
    stamp = f"p.stamp {{ position: absolute; top: {205 - 54}pt; left: {200 - 54}pt; margin: 0; font-size: 9pt; }}"
    pdf = render(tmp_path, US10, JANE, extra_css=stamp, extra_html='<p class="stamp">PAST DUE</p>')
    problems = check(pdf, US10, JANE)
    assert "text 'PAST DUE' is visible through the envelope (recipient window)" in problems
    assert any(p.startswith("text 'PAST DUE' at x=200") and "is in the recipient window" in p for p in problems)
    assert len(problems) == 2, problems


def test_past_due_above_the_fold_in_the_visible_area_fails(tmp_path):
    # y=236 pt: below the recipient window (ends at 225) but within its play (visible area down to 258)
    stamp = f"p.stamp {{ position: absolute; top: {236 - 54}pt; left: {60 - 54}pt; margin: 0; font-size: 9pt; }}"
    pdf = render(tmp_path, US10, JANE, extra_css=stamp, extra_html='<p class="stamp">Past due</p>')
    assert check(pdf, US10, JANE) == ["text 'Past due' is visible through the envelope (recipient window)"]


def test_past_due_below_the_fold_passes(tmp_path):
    stamp = f"p.stamp {{ position: absolute; top: {300 - 54}pt; left: {60 - 54}pt; margin: 0; font-size: 9pt; }}"
    pdf = render(tmp_path, US10, JANE, extra_css=stamp, extra_html='<p class="stamp">PAST DUE</p>')
    assert check(pdf, US10, JANE) == []


def test_a_return_address_revealing_collection_fails(tmp_path):
    ret = ["Acme Collections LLC", "PO Box 1200", "Albany, NY 12207"]
    pdf = render(tmp_path, US10, JANE, ret)
    assert check(pdf, US10, JANE, ret) == ["text 'Collections' is visible through the envelope (return window)"]


def test_a_return_address_outside_its_window_fails(tmp_path):
    pdf = render(tmp_path, US10, JANE, extra_css="p.return { top: 100pt; left: 300pt; }")  # x = 354, y = 154 pt
    problems = check(pdf, US10, JANE)
    assert problems, problems
    assert all(p.startswith("return address: '") and "is outside the return block" in p
               for p in problems), problems
    assert any("'Acme Services LLC' at x=354–" in p for p in problems)


def test_a_7_pt_address_fails(tmp_path):
    pdf = render(tmp_path, US10, JANE, font_pt=7, line_height=1.15)
    assert check(pdf, US10, JANE) == ["recipient address text is 7 pt; the minimum is 8 pt"]


def test_cjk_address_passes(tmp_path):
    lines = ["山田 太郎 様", "東京都千代田区丸の内1-1-1", "100-0005", "JAPAN"]
    pdf = render(tmp_path, US10, lines)
    assert check(pdf, US10, lines) == []


def test_five_line_cjk_address_passes(tmp_path):
    lines = ["山田 太郎 様", "株式会社 山田商会", "丸の内1-1-1", "東京都千代田区 100-0005", "JAPAN"]
    pdf = render(tmp_path, US10, lines)
    assert check(pdf, US10, lines) == []


def test_german_address_passes(tmp_path):
    lines = ["Herrn Jürgen Weiß", "Hauptstraße 5", "10115 Berlin", "GERMANY"]
    pdf = render(tmp_path, US10, lines)
    assert check(pdf, US10, lines) == []


def test_apostrophes_match_whatever_quote_the_caller_uses(tmp_path):
    lines = ["Siobhán O\u2019Brien", "Apt 4B", "12 Main St", "Springfield, IL 62701"]
    pdf = render(tmp_path, US10, lines)
    assert check(pdf, US10, lines) == []
    assert check(pdf, US10, ["Siobhán O'Brien", *lines[1:]]) == []


def test_din_5008_b_on_a4_passes(tmp_path):
    recipient = ["Frau", "Erika Mustermann", "Musterstraße 12", "12345 Musterstadt"]
    ret = ["Acme GmbH · Hauptstr. 1 · 10115 Berlin"]
    pdf = render(tmp_path, DIN, recipient, ret, page_css=DIN_PAGE_CSS, margins=(E.mm(20), E.mm(25)))
    assert check(pdf, DIN, recipient, ret) == []
    # the same page in a #10 envelope: wrong page size, and the addresses miss the windows
    problems = check(pdf, US10, recipient, ret)
    assert problems[0] == "the page is 595.3 × 841.9 pt; the us-10-double-window envelope takes 612 × 792 pt pages"


def test_a_missing_address_is_reported(tmp_path):
    pdf = render(tmp_path, US10, JANE)
    problems = check(pdf, US10, ["John Roe", *JANE[1:]])
    # the name that did print is then just text in the window
    assert problems == ["recipient address: line 'John Roe' was not found on the page",
                        "text 'Jane Doe' at x=36–75.7 pt, y=149.5–159 pt is in the recipient window; "
                        "only the address may show there"]


# ----------------------------------------------------------------------------- check_page on word lists


def word(text: str, x0: float, top: float, size: float = 9.5, width: float | None = None) -> dict:
    w = width if width is not None else 5.0 * len(text)
    return {"text": text, "x0": x0, "x1": x0 + w, "top": top, "bottom": top + size, "size": size}


def block(lines: list[str], x0: float, top: float, size: float = 9.5, pitch: float = 11) -> list[dict]:
    out = []
    for k, line in enumerate(lines):
        x = x0
        for tok in line.split():
            out.append(word(tok, x, top + k * pitch, size))
            x += 5.0 * len(tok) + 3
    return out


def test_check_page_text_in_a_window_and_phrases_across_words():
    words = block(RETURN, 40, 40, 8.5, 10.5) + block(JANE, 40, 150)
    assert check_page(words, US10, recipient_lines=JANE, return_lines=RETURN) == []
    other = words + [word("Account", 200, 190), word("T-1", 240, 190)]
    assert check_page(other, US10, recipient_lines=JANE, return_lines=RETURN) == [
        "text 'Account T-1' at x=200–255 pt, y=190–199.5 pt is in the recipient window; only the address may show there"]
    notice = words + [word("FINAL", 40, 240), word("NOTICE", 70, 240)]
    assert check_page(notice, US10, recipient_lines=JANE, return_lines=RETURN) == [
        "text 'FINAL NOTICE' is visible through the envelope (recipient window)"]
    split = words + [word("FINAL", 300, 240), word("NOTICE", 340, 240)]  # only 'FINAL' would show
    assert check_page(split, US10, recipient_lines=JANE, return_lines=RETURN) == []
    assert check_page(words + [word("Overdue:", 40, 240)], US10, recipient_lines=JANE, return_lines=RETURN) == [
        "text 'Overdue:' is visible through the envelope (recipient window)"]


def test_check_page_finds_the_block_not_the_same_words_elsewhere():
    # 'Jane Doe' also opens the letter body; the block in the window is the address.
    words = block(["Dear", "Jane Doe"], 60, 300) + block(RETURN, 40, 40, 8.5, 10.5) + block(JANE, 40, 150)
    assert check_page(words, US10, recipient_lines=JANE, return_lines=RETURN) == []


def test_check_page_address_page_carries_nothing_else():
    words = block(RETURN, 40, 40, 8.5, 10.5) + block(JANE, 40, 150)
    assert check_page(words, PAGE, recipient_lines=JANE, return_lines=RETURN) == []
    problems = check_page(words + [word("Invoice", 60, 400)], PAGE, recipient_lines=JANE, return_lines=RETURN)
    assert problems == ["text 'Invoice' at x=60–95 pt, y=400–409.5 pt is on the address page, which must carry only the addresses"]


# ----------------------------------------------------------------------------- debug overlay


def ops_count(pdf: pikepdf.Pdf, index: int, op: str) -> int:
    return sum(1 for _, operator in pikepdf.parse_content_stream(pdf.pages[index]) if str(operator) == op)


def test_debug_overlay(tmp_path):
    src = render(tmp_path, US10, JANE, paragraphs=40)  # more than one page
    out1, out2 = tmp_path / "overlay1.pdf", tmp_path / "overlay2.pdf"
    debug_overlay(src, out1, US10, pages=[0])
    debug_overlay(src, out2, "us-10-double-window", pages=[0])
    assert out1.read_bytes() == out2.read_bytes()  # deterministic
    with pikepdf.open(src) as before, pikepdf.open(out1) as after:
        assert len(before.pages) >= 2 and len(after.pages) == len(before.pages)
        # 2 visible areas, 2 windows, 2 address blocks, the printable area on the first page; the second untouched
        assert ops_count(after, 0, "re") == ops_count(before, 0, "re") + 7
        assert ops_count(after, 1, "re") == ops_count(before, 1, "re")
        content = b"".join(s.read_bytes() for s in after.pages[0].obj.Contents)
        assert b"36.000 581.976 252.000 63.000 re S" in content  # the recipient block: y = 792 - 210.024
    # the overlay adds no text: the page still passes
    assert check(out1, US10, JANE) == []
    with pdfplumber.open(out1) as pdf, pikepdf.open(src) as before:
        assert len(pdf.pages) == len(before.pages)
    debug_overlay(src, tmp_path / "all.pdf", US10)
    with pikepdf.open(tmp_path / "all.pdf") as pdf:
        assert ops_count(pdf, 1, "re") >= 6


def test_a_page_in_a_font_weasyprint_does_not_write_is_held_with_the_reason_not_guessed(tmp_path):
    """A page with a simple Type1 font (not what WeasyPrint writes) is not read by guesswork: the letter is held
    and the reason says why (the library has no second PDF reader to fall back on at run time)."""
    import pikepdf

    from lettergen.mail.window import check_letters
    from lettergen.mail.reader import first_page_words

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    page = pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                                           Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 1 0 0 1 50 700 Tm (HELLO WORLD) Tj ET BT /F1 12 Tf 1 0 0 1 50 100 Tm (BELOW) Tj ET")
    pdf.pages.append(page)
    path = tmp_path / "t1.pdf"
    pdf.save(path)
    (read,) = first_page_words(path.read_bytes(), [0], "us-10-double-window")
    assert read.size == (612.0, 792.0) and read.words == [] and "/Helvetica" in read.unreadable
    (problems,) = check_letters(path.read_bytes(), [0], "us-10-double-window", recipients=[["HELLO WORLD"]],
                                return_lines=["Acme"])
    assert problems == ["the first page's text could not be read back to check the envelope windows "
                        "(font /Helvetica is not a Type0 font with 2-byte codes and a ToUnicode map)"]
