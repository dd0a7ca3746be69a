"""The envelope-window check on real letters: each letter composed from the shipped templates, tone profiles and
the sample policy, typeset by WeasyPrint, and its first page read back from the PDF, as the mail clerk holding the
folded letter behind the window would see it: the address and nothing else in each window, at a readable size, and
nothing showing that the letter is about a debt; a letter that would go wrong is held, with the reason."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from conftest import ROOT, SAMPLES
from lettergen import Account, Address, Invoice, Ledger, Policy, load_accounts
from lettergen.batch import WINDOW_RULE, BatchOptions, run_batch
from lettergen.compose import Composer
from lettergen.postal.envelope import PRESETS, Envelope, Rect
from lettergen.mail.window import check_page
from lettergen.mail.reader import first_page_words
from lettergen.plan import job_for_stage
from lettergen.typeset.pdf import PdfRenderer

AS_OF = date(2026, 11, 27)
TEMPLATES = ROOT / "letter_templates"
TONES = ROOT / "tone_profiles"
US10 = PRESETS["us-10-double-window"]
DIN = PRESETS["din-5008-b"]
PAGE = PRESETS["address-page"]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_yaml(SAMPLES / "policy.yaml")


@pytest.fixture(scope="module")
def return_lines(policy) -> list[str]:
    lines = [policy.sender.company, *policy.sender.address]
    assert lines == ["Acme Supplies, Inc.", "200 Harbor Street, Suite 400", "Brooklyn, NY 11201"]
    return lines


@pytest.fixture(scope="module")
def composer(policy) -> Composer:
    return Composer(policy)


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer(TEMPLATES, AS_OF, "us-10-double-window")


# ----------------------------------------------------------------------------- helpers


def account(key: str, name: str, street: list[str], city: str, region: str, postal: str, country: str, *,
            attention: str | None = None, locale: str = "en_US", currency: str = "USD") -> Account:
    """An account with one invoice due 1 October 2026 (overdue on the as-of date)."""
    return Account(
        id=f"W-{key}", name=name, attention=attention,
        address=Address(lines=tuple(street), city=city, region=region, postal_code=postal, country=country),
        locale=locale, debt_type="commercial", jurisdiction="US-NY" if country == "US" else country,
        invoices=(Invoice(number=f"INV-{key}", issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1),
                          original_amount=Decimal("840.00"), balance=Decimal("840.00"), currency=currency),),
    )


def compose(composer: Composer, policy: Policy, acc: Account, stage: str = "polite_reminder"):
    return composer.compose(job_for_stage(acc, policy, (), AS_OF, stage))


class Page:
    """A letter's first page as the window check reads it from the real PDF."""

    def __init__(self, letter: Any, words: list[dict], chars: list[dict], size: tuple[float, float],
                 envelope: Envelope, return_lines: list[str]) -> None:
        self.letter = letter
        self.words, self.chars, self.size, self.envelope = words, chars, size, envelope
        self.recipient_lines: list[str] = list(letter.context["recipient_lines"])
        self.problems = check_page(words, envelope, recipient_lines=self.recipient_lines, return_lines=return_lines,
                                   chars=chars, page_size=size)

    def in_area(self, area: Rect) -> list[dict]:
        """The words any part of which lies in ``area``, top to bottom, left to right."""
        return sorted((w for w in self.words if Rect.from_word(w).intersects(area)),
                      key=lambda w: (round(w["top"]), w["x0"]))


def typeset(renderer: PdfRenderer, letters: list, return_lines: list[str]) -> tuple[Any, list[Page]]:
    chunk = renderer.render([lt.html for lt in letters], [lt.anchor for lt in letters], "test_window")
    read = first_page_words(chunk.pdf, list(chunk.starts), renderer.envelope)
    assert len(read) == len(letters)
    assert all(r.unreadable is None for r in read), [r.unreadable for r in read]
    return chunk, [Page(lt, r.words, r.chars, r.size, renderer.envelope, return_lines) for lt, r in zip(letters, read)]


def visual_lines(words: list[dict]) -> list[str]:
    """Words grouped into the lines a reader sees (same baseline band), each line's words joined by spaces."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(w["top"] - lines[-1][0]["top"]) < 2:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [" ".join(w["text"] for w in sorted(ln, key=lambda w: w["x0"])) for ln in lines]


def squash(lines: list[str]) -> str:
    return "".join("".join(lines).split())


# ----------------------------------------------------------------------------- 1. addresses, one letter each

SHORT_US = account("short", "Jane Doe", ["1 Main St"], "Springfield", "IL", "62701", "US")
THREE_STREETS = account("three", "Brightline Logistics, Inc.", ["7700 Harwin Drive", "Dock 4", "Building 7"],
                        "Houston", "TX", "77036", "US", attention="Accounts Payable")
JAPAN = account("jp", "山田 太郎", ["丸の内1-1-1", "丸の内ビルディング 12F"], "千代田区", "東京都", "100-0005", "JP",
                currency="JPY")
GERMANY = account("de", "Müller & Söhne GmbH", ["Hauptstraße 12"], "Berlin", "", "10115", "DE",
                  attention="Frau Sabine Krüger", locale="de_DE", currency="EUR")
BRITAIN = account("gb", "Harrington & Blake Ltd", ["Flat 3, 27 Queen's Road"], "London", "", "EC1A 4HD", "GB",
                  attention="Mr. Oliver Harrington", locale="en_GB", currency="GBP")
LONG_NAME = "Northeastern Regional Institutional Food Service Cooperative LLC"
WRAPPING_NAME = account("wrap", LONG_NAME, ["1200 Commonwealth Ave"], "Boston", "MA", "02134", "US")
WRAPPING_NAME_ATTN = account("wrapattn", LONG_NAME, ["1200 Commonwealth Ave"], "Boston", "MA", "02134", "US",
                             attention="Accounts Payable")
# samples/accounts.csv ACC-1004: every line longer than the window is wide
VERY_LONG = account(
    "long", "Northeastern Regional Institutional Food Service & Hospitality Supply Cooperative, LLC",
    ["1200 Commonwealth Avenue Extension, Building 7 West Wing, Loading Dock Entrance C",
     "Suite 1450, c/o Facilities Procurement Office"], "Boston", "MA", "02134-1803", "US",
    attention="Accounts Payable Department, Attn: Ms. Bernadette Castellanos-Whitmore")
# 7 lines (name, attention, 3 street lines, city line, country): one more than 6 at 8 pt
EIGHT_LINES = account("ca", "Maple Leaf Restaurant Supply Ltd", ["1200 Rue Sherbrooke Ouest", "Bureau 400", "Entrée C", "Porte 2"],
                      "Montréal", "QC", "H3A 1H6", "CA", attention="Comptes fournisseurs", locale="en_CA", currency="CAD")

MAILABLE = {
    "short-us": (SHORT_US, ["JANE DOE", "1 MAIN ST", "SPRINGFIELD IL 62701"]),
    "us-three-street-lines-and-attention": (THREE_STREETS, [
        "BRIGHTLINE LOGISTICS, INC.", "ATTN: ACCOUNTS PAYABLE", "7700 HARWIN DR", "DOCK 4", "BLDG 7", "HOUSTON TX 77036"]),
    "japan": (JAPAN, ["山田 太郎", "〒100-0005", "東京都千代田区", "丸の内1-1-1", "丸の内ビルディング 12F", "JAPAN"]),
    "germany": (GERMANY, ["Müller & Söhne GmbH", "Attn: Frau Sabine Krüger", "Hauptstraße 12", "10115 Berlin", "GERMANY"]),
    "britain": (BRITAIN, ["Harrington & Blake Ltd", "Attn: Mr. Oliver Harrington", "Flat 3, 27 Queen's Road", "London",
                          "EC1A 4HD", "UNITED KINGDOM"]),
    "name-wraps": (WRAPPING_NAME, [LONG_NAME.upper(), "1200 COMMONWEALTH AVE", "BOSTON MA 02134"]),
}

@pytest.mark.parametrize("case", [*MAILABLE, "name-wraps-with-attention"])
def test_a_mailable_address_shows_alone_in_the_window(case, policy, composer, renderer, return_lines):
    if case == "name-wraps-with-attention":
        acc, expected = WRAPPING_NAME_ATTN, [LONG_NAME.upper(), "ATTN: ACCOUNTS PAYABLE", "1200 COMMONWEALTH AVE",
                                            "BOSTON MA 02134"]
    else:
        acc, expected = MAILABLE[case]
    letter = compose(composer, policy, acc)
    assert letter.context["recipient_lines"] == expected  # USPS style for US addresses, the country last abroad
    _, (page,) = typeset(renderer, [letter], return_lines)

    assert page.problems == []
    # Through the recipient window: the address, every line of it and nothing else.
    seen = page.in_area(US10.recipient_window)
    assert seen, "no words in the recipient window"
    assert squash(visual_lines(seen)) == squash(expected)
    for w in seen:
        assert US10.recipient_inner.contains(Rect.from_word(w)), (w["text"], US10.recipient_inner)
        assert w["size"] >= US10.min_font_pt - 0.05, w
    # Where the return window can show (the window and the sheet's play around it): our return address, nothing
    # else. (The vendor's return block starts above Lob's window; with the sheet's play it shows through.)
    shown = [w for w in page.in_area(dict(US10.visible_areas())["return"]) if w["bottom"] <= US10.recipient_inner.top]
    assert visual_lines(shown) == return_lines
    assert all(US10.return_inner.contains(Rect.from_word(w)) for w in shown)


def test_a_short_address_is_set_at_full_size(policy, composer, renderer, return_lines):
    _, (page,) = typeset(renderer, [compose(composer, policy, SHORT_US)], return_lines)
    seen = page.in_area(US10.recipient_window)
    assert len(seen) == 8 and {round(w["size"], 2) for w in seen} == {9.5}
    assert visual_lines(seen) == ["JANE DOE", "1 MAIN ST", "SPRINGFIELD IL 62701"]


def test_three_street_lines_and_an_attention_line_are_set_smaller_to_fit(policy, composer, renderer, return_lines):
    letter = compose(composer, policy, THREE_STREETS)
    _, (page,) = typeset(renderer, [letter], return_lines)
    assert page.problems == []
    seen = page.in_area(US10.recipient_window)
    assert len(visual_lines(seen)) == 6
    sizes = [w["size"] for w in seen]
    assert sizes and max(sizes) < 9.5  # the layout shrank the block to fit the window
    assert min(sizes) >= 8.0 - 0.05  # and not below the USPS minimum
    # the city line is the last line, and it sits inside the window less clearance
    lowest = max(w["top"] for w in seen)
    assert visual_lines([w for w in seen if w["top"] > lowest - 2]) == ["HOUSTON TX 77036"]
    assert max(w["bottom"] for w in seen) <= US10.recipient_inner.bottom + 0.01


def test_the_country_is_the_last_line_inside_the_window(policy, composer, renderer, return_lines):
    _, (page,) = typeset(renderer, [compose(composer, policy, GERMANY)], return_lines)
    assert page.problems == []
    seen = page.in_area(US10.recipient_window)
    lines = visual_lines(seen)
    assert lines[-1] == "GERMANY" and len(lines) == 5
    germany = [w for w in seen if w["text"] == "GERMANY"]
    assert len(germany) == 1
    assert US10.recipient_inner.contains(Rect.from_word(germany[0]))
    assert germany[0]["top"] > max(w["top"] for w in seen if w["text"] != "GERMANY")


def test_a_japanese_name_prints_in_cjk_inside_the_window(policy, composer, renderer, return_lines):
    _, (page,) = typeset(renderer, [compose(composer, policy, JAPAN)], return_lines)
    assert page.problems == []
    seen = page.in_area(US10.recipient_window)
    lines = visual_lines(seen)
    assert squash(lines[:1]) == "山田太郎" and lines[-1] == "JAPAN"


def test_a_long_name_wraps_onto_a_second_line_inside_the_window(policy, composer, renderer, return_lines):
    _, (page,) = typeset(renderer, [compose(composer, policy, WRAPPING_NAME)], return_lines)
    assert page.problems == []
    lines = visual_lines(page.in_area(US10.recipient_window))
    # three address lines, four printed lines: the name takes two, and none of it is cut off
    assert len(lines) == 4
    assert squash(lines[:2]) == squash([LONG_NAME.upper()]) and lines[2:] == ["1200 COMMONWEALTH AVE", "BOSTON MA 02134"]


@pytest.mark.parametrize("case", ["acc-1004", "eight-lines"])
def test_an_address_that_cannot_fit_is_refused_with_the_reason(case, policy, composer, renderer, return_lines):
    acc = VERY_LONG if case == "acc-1004" else EIGHT_LINES
    letter = compose(composer, policy, acc)
    _, (page,) = typeset(renderer, [letter], return_lines)
    problems = page.problems
    assert problems, "a letter whose address does not fit the window passed the check"
    assert any("outside the recipient block" in p or "the block fits" in p for p in problems), problems
    # the reason is about the recipient address only: the return address and the rest of the page are fine
    assert all(p.startswith("recipient address") for p in problems), problems
    last = page.recipient_lines[-1]
    assert any(f"'{last}'" in p and "is outside the recipient block" in p for p in problems), problems
    # and the text that overflows is really printed below the window less clearance on the page
    below = [w for w in page.words if w["top"] < 264 and Rect.from_word(w).intersects(US10.recipient_window.grow(0, 40))
             and w["bottom"] > US10.recipient_inner.bottom + 0.01]
    assert below, "nothing printed below the window's inner edge, yet the check says the address is outside"
    if case == "eight-lines":
        assert last == "CANADA" and len(page.recipient_lines) == 8
        assert "recipient address has 8 lines; the block fits 7 at 8 pt (even at 8 pt it fits 7; shorten it)" in problems
    else:
        assert last == "BOSTON MA 02134-1803"


# ----------------------------------------------------------------------------- 2. 'PAST DUE' in the address area

EDITS = {
    # the return address line starts with the words
    "return": ('<p class="return">', '<p class="return">PAST DUE '),
    # an extra first line in the recipient block
    "recipient": ('<address class="recipient"{% if recipient_style %} style="{{ recipient_style }}"{% endif %}><p>',
                  '<address class="recipient"{% if recipient_style %} style="{{ recipient_style }}"{% endif %}><p>'
                  "PAST DUE<br>"),
    # a stamp of its own, placed over the recipient window (the linter does not see it as envelope text)
    "stamp": ('<address class="recipient"',
              '<p class="stamp" style="position: absolute; top: 2.1in; left: 3in; margin: 0">PAST DUE</p>\n'
              '<address class="recipient"'),
}


def edited_templates(root: Path, edit: str) -> tuple[Path, Path]:
    """A copy of letter_templates/ and tone_profiles/ with ``_layout.html.j2`` edited."""
    templates, tones = root / "letter_templates", root / "tone_profiles"
    shutil.copytree(TEMPLATES, templates)
    shutil.copytree(TONES, tones)
    layout = templates / "_layout.html.j2"
    source = layout.read_text(encoding="utf-8")
    old, new = EDITS[edit]
    assert source.count(old) == 1, f"the layout no longer has {old!r}"
    layout.write_text(source.replace(old, new), encoding="utf-8")
    return templates, tones


@pytest.mark.parametrize("edit, window", [("return", "return"), ("recipient", "recipient"), ("stamp", "recipient")])
def test_past_due_printed_in_a_window_fails_the_pdf_check(edit, window, tmp_path, policy, return_lines):
    templates, tones = edited_templates(tmp_path, edit)
    composer = Composer(policy, templates, tones)
    letter = compose(composer, policy, SHORT_US)
    assert "PAST DUE" in letter.html
    _, (page,) = typeset(PdfRenderer(templates, AS_OF, "us-10-double-window"), [letter], return_lines)
    words = page.in_area(dict(US10.visible_areas())[window])
    assert [w["text"] for w in words if w["text"] in ("PAST", "DUE")] == ["PAST", "DUE"]  # it really is printed there
    assert f"text 'PAST DUE' is visible through the envelope ({window} window)" in page.problems, page.problems
    assert any(p.startswith("text 'PAST DUE' at ") and p.endswith(f"is in the {window} window; only the address may show there")
               for p in page.problems), page.problems
    # the addresses themselves are still found and in place: the words are the only problem
    assert all("PAST DUE" in p for p in page.problems), page.problems


BATCH_ACCOUNTS = ("ACC-1005", "ACC-1010")


def small_input(folder: Path):
    """Two accounts of samples/accounts.csv, written to a CSV of their own and loaded as an export is."""
    with (SAMPLES / "accounts.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    keep = [r for r in rows[1:] if r[0] in BATCH_ACCOUNTS]
    path = folder / "accounts.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([rows[0], *keep])
    loaded = load_accounts(path)
    assert [a.id for a in loaded.accounts] == list(BATCH_ACCOUNTS) and not loaded.rejections
    return loaded


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def ledger_state(path: Path) -> tuple:
    ledger = Ledger(path)
    files = sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in path.parent.glob(path.name + "*"))
    return ledger.batches(), ledger.histories(BATCH_ACCOUNTS), files


# The linter reads the return address and the recipient block as envelope text and stops the letter before it is
# typeset; a stamp elsewhere in the markup that only lands in the window on the page is caught by the PDF check.
HELD_BY = {"return": "FDCPA.EnvelopeDisclosure", "stamp": WINDOW_RULE}


@pytest.mark.parametrize("edit", list(HELD_BY))
def test_a_template_printing_past_due_in_the_address_area_is_held(edit, tmp_path, policy):
    templates, tones = edited_templates(tmp_path / "tpl", edit)
    loaded = small_input(tmp_path)
    ledger = tmp_path / "ledger" / "lettergen.db"
    Ledger(ledger).import_csv(SAMPLES / "ledger-history.csv", "history", AS_OF)
    before = ledger_state(ledger)
    assert before[0] and before[1]["ACC-1010"], "the ledger should hold the sample history"

    result = run_batch(loaded, policy, AS_OF, BatchOptions(out=tmp_path / "out", ledger=ledger, jobs=1, record=False,
                                                           templates=templates, tones=tones, draft=True))
    folder = result.folder
    held = read_csv(folder / "held.csv")
    assert {h["account_id"] for h in held} == set(BATCH_ACCOUNTS)
    for account_id in BATCH_ACCOUNTS:
        rows = [h for h in held if h["account_id"] == account_id]
        assert rows and {h["rule"] for h in rows} == {HELD_BY[edit]}, rows
        assert all(h["level"] == "error" for h in rows)
        assert any("'PAST DUE'" in h["message"] for h in rows), rows
    if edit == "stamp":
        messages = {h["message"] for h in held}
        assert "text 'PAST DUE' is visible through the envelope (recipient window)" in messages
    assert read_csv(folder / "manifest.csv") == []
    assert result.produced == [] and len(result.held) == 2
    if (folder / "batch.pdf").exists():
        with pdfplumber.open(folder / "batch.pdf") as pdf:
            assert len(pdf.pages) == 0
    assert list((folder / "letters").iterdir()) == []
    summary = (folder / "summary.txt").read_text(encoding="utf-8")
    assert "letters produced:  0\n" in summary and "Pages in batch.pdf: 0\n" in summary
    assert not result.recorded
    assert ledger_state(ledger) == before


# ----------------------------------------------------------------------------- 3. reading only the upper page


def test_first_page_words_reads_what_pdfplumber_reads_on_the_whole_page(policy, composer, renderer, return_lines):
    loaded = load_accounts(SAMPLES / "accounts.csv")
    accounts = {a.id: a for a in loaded.accounts}
    picks = [("ACC-1001", "polite_reminder"), ("ACC-1002", "firm_notice"), ("ACC-1003", "final_demand"),
             ("ACC-1006", "firm_notice"), ("ACC-1009", "final_demand")]
    letters = [compose(composer, policy, accounts[a], stage) for a, stage in picks]
    chunk = renderer.render([lt.html for lt in letters], [lt.anchor for lt in letters], "five letters")
    assert len(chunk.starts) == 5 and chunk.starts[0] == 0 and list(chunk.starts) == sorted(set(chunk.starts))
    assert chunk.pages > 5  # some letters run to a second page: the first pages are not simply 0..4
    fast = first_page_words(chunk.pdf, list(chunk.starts), US10)

    def key(w: dict) -> tuple:
        return (w["text"], round(w["x0"], 2), round(w["top"], 2), round(w["x1"], 2), round(w["bottom"], 2),
                round(w["size"], 2))

    with pdfplumber.open(io.BytesIO(chunk.pdf)) as pdf:
        for n, (start, (words, chars, size, unreadable)) in enumerate(zip(chunk.starts, fast)):
            assert unreadable is None
            page = pdf.pages[start]
            assert size == (float(page.width), float(page.height)) == (612.0, 792.0)
            # The same characters with the same boxes and sizes (to 0.01 pt) as pdfminer reads them...
            whole_chars = sorted(key(c) for c in page.chars if c["top"] < 250 and not c["text"].isspace())
            upper_chars = sorted(key(c) for c in chars if c["top"] < 250 and not c["text"].isspace())
            assert len(whole_chars) > 100 and upper_chars == whole_chars, f"letter {n} (page {start})"
            # ... and the same words, where pdfplumber does not split a word at a 1e-13 pt size difference
            # between two fonts (it does for '〒100-0005': CJK '〒' then Latin digits, the same 8 pt)
            whole = [w for w in page.extract_words(extra_attrs=["size"]) if w["top"] < 250]
            upper = [w for w in words if w["top"] < 250]
            assert len(whole) > 20, whole  # letterhead, return address, recipient block, date

            def lines(ws: list[dict]) -> dict[int, str]:
                out: dict[int, list[dict]] = {}
                for w in ws:
                    out.setdefault(round(w["top"]), []).append(w)
                return {t: "".join(x["text"] for x in sorted(v, key=lambda x: x["x0"])) for t, v in out.items()}

            assert lines(upper) == lines(whole), f"letter {n} (page {start})"
            same = [key(w) for w in whole if key(w) in {key(u) for u in upper}]
            assert len(same) >= len(whole) - 4  # all but the words pdfplumber splits at a font change
            upper = [key(w) for w in upper]
            # the recipient's first line is among them
            name = letters[n].context["recipient_lines"][0].split()[0]
            assert any(w[0] == name for w in upper), name
            # the page's remaining words are cut at the fold (plus a margin), and the body below is not read
            assert max(w["top"] for w in words) < 330
            assert any(w["top"] > 400 for w in page.extract_words())
            assert chars and all(c["top"] < 330 for c in chars)


# ----------------------------------------------------------------------------- 4. other envelopes


def test_din_5008_b_letter_is_a4_and_passes(policy, return_lines):
    din_policy = policy.model_copy(update={"envelope": "din-5008-b"})
    letter = compose(Composer(din_policy), din_policy, GERMANY)
    renderer = PdfRenderer(TEMPLATES, AS_OF, "din-5008-b")
    chunk, (page,) = typeset(renderer, [letter], return_lines)
    width, height = page.size
    assert width == pytest.approx(595.28, abs=0.1) and height == pytest.approx(841.89, abs=0.1)
    with pdfplumber.open(io.BytesIO(chunk.pdf)) as pdf:
        assert all(p.width == pytest.approx(595.28, abs=0.1) and p.height == pytest.approx(841.89, abs=0.1)
                   for p in pdf.pages)
    assert page.problems == []
    seen = page.in_area(DIN.recipient_window)
    assert visual_lines(seen) == ["Müller & Söhne GmbH", "Attn: Frau Sabine Krüger", "Hauptstraße 12", "10115 Berlin",
                                  "GERMANY"]
    assert all(DIN.recipient_inner.contains(Rect.from_word(w)) for w in seen)
    assert visual_lines(page.in_area(DIN.return_window)) == return_lines
    # the same A4 page is refused for a #10 envelope
    wrong = check_page(page.words, US10, recipient_lines=page.recipient_lines, return_lines=return_lines,
                       chars=page.chars, page_size=page.size)
    assert wrong and wrong[0] == "the page is 595.3 × 841.9 pt; the us-10-double-window envelope takes 612 × 792 pt pages"


def test_address_page_carries_only_the_addresses_and_the_letter_starts_on_page_2(policy, return_lines):
    page_policy = policy.model_copy(update={"envelope": "address-page"})
    letter = compose(Composer(page_policy), page_policy, SHORT_US)
    renderer = PdfRenderer(TEMPLATES, AS_OF, "address-page")
    chunk, (page,) = typeset(renderer, [letter], return_lines)
    with pdfplumber.open(io.BytesIO(chunk.pdf)) as pdf:
        texts = [p.extract_text() for p in pdf.pages]
    assert page.words, "nothing printed on the address page"
    assert "Dear" not in texts[0]
    assert chunk.pages >= 2 and "Dear" in texts[1]
    assert squash(visual_lines(page.in_area(PAGE.recipient_window))) == squash(["JANE DOE", "1 MAIN ST", "SPRINGFIELD IL 62701"])
    assert visual_lines(page.in_area(PAGE.return_inner)) == return_lines
    assert page.problems == []
