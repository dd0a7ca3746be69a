"""Every script the letters print, on any machine: the shipped fonts, the text layer every PDF reader agrees on,
the font check that holds a letter with a character no font has (and only that letter), right-to-left addresses
in the envelope window, and a runtime that needs none of the test-only packages."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from conftest import ROOT, SAMPLES
from lettergen import Account, Address, Invoice, Policy
from lettergen.batch import BatchOptions, _ChunkTask, _init_worker, _typeset_chunk, run_batch
from lettergen.compose import Composer
from lettergen.postal.envelope import PRESETS
from lettergen.mail.window import check_page
from lettergen.mail.reader import first_page_words
from lettergen.mail.text import visual
from lettergen.load import LoadResult
from lettergen.plan import job_for_stage
from lettergen.fonts import FONT_FILES, FONTS_DIR, coverage, describe, font_face_css, unprintable, unprintable_messages
from lettergen.typeset.pdf import PdfRenderer

AS_OF = date(2026, 11, 27)
TEMPLATES = ROOT / "letter_templates"
US10 = PRESETS["us-10-double-window"]

# One line per script, each set in the face named (family, weight, style) of FONT_FILES.
LINES = [
    ("Latin", "lettergen Noto Sans", "normal", "normal", "Zoë Ångström-Müller, Łódź Čapek Ñandú"),
    ("Latin bold", "lettergen Noto Sans", "bold", "normal", "Søren Kierkegaard Straße Açaí"),
    ("Latin italic", "lettergen Noto Sans", "normal", "italic", "Renée Dvořák Þórður Œuvre"),
    ("Latin bold italic", "lettergen Noto Sans", "bold", "italic", "François Gonçalves Ēriks"),
    ("Greek", "lettergen Noto Sans", "normal", "normal", "Ελένη Παπαδοπούλου Αθήνα"),
    ("Cyrillic", "lettergen Noto Sans", "normal", "normal", "Дмитрий Иванов Москва"),
    ("Han and kana", "lettergen Noto Sans CJK", "normal", "normal", "山田太郎 東京都千代田区 齋藤 カタカナ"),
    ("Hangul", "lettergen Noto Sans CJK", "normal", "normal", "김민준 서울특별시"),
    ("Arabic", "lettergen Noto Sans Arabic", "normal", "normal", "محمد عبد الله الهاشمي"),
    ("Arabic bold", "lettergen Noto Sans Arabic", "bold", "normal", "شارع النيل القاهرة"),
    ("Hebrew", "lettergen Noto Sans Hebrew", "normal", "normal", "דוד כהן תל אביב"),
    ("Hebrew bold", "lettergen Noto Sans Hebrew", "bold", "normal", "רחוב הרצל חיפה"),
]
BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


@pytest.fixture(scope="module")
def specimen(tmp_path_factory) -> Path:
    """A PDF with each line of LINES, in its own font, 24 pt apart."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fc = FontConfiguration()
    css = CSS(string=font_face_css() + "@page { size: 8.5in 11in; margin: 1in } p { margin: 0 0 12pt; font-size: 12pt }",
              font_config=fc)
    body = "".join(f'<p style="font-family: \'{fam}\'; font-weight: {w}; font-style: {st}">{text}</p>'
                   for _, fam, w, st, text in LINES)
    path = tmp_path_factory.mktemp("specimen") / "specimen.pdf"
    HTML(string=f"<html><body>{body}</body></html>").write_pdf(path, stylesheets=[css], font_config=fc)
    return path


def test_every_shipped_font_file_is_declared_and_every_face_is_truetype():
    """No CFF (OpenType/CFF) outlines: those were embedded as CID Type 0C fonts whose encoding depended on the
    machine's Pango, and pdfminer and pypdf read them as garbage on Debian 12."""
    from fontTools.ttLib import TTFont

    declared = {name for _, name, _, _ in FONT_FILES}
    shipped = {p.name for p in FONTS_DIR.iterdir() if p.suffix in (".ttf", ".otf")}
    assert declared == shipped
    for name in declared:
        font = TTFont(FONTS_DIR / name, lazy=True)
        assert "glyf" in font and "CFF " not in font, name
        # Noto Sans's vertical metrics everywhere: a mixed-script line is as tall as a Latin one
        assert (font["hhea"].ascent, font["hhea"].descent) == (1069, -293), name
        assert (font["OS/2"].sTypoAscender, font["OS/2"].sTypoDescender) == (1069, -293), name


def test_the_specimen_uses_only_the_shipped_fonts_embedded_as_truetype_with_identity_encoding(specimen):
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) is not installed; `make test` installs it as root")
    out = subprocess.run(["pdffonts", str(specimen)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert len(out) == len(FONT_FILES)  # every face, once
    for line in out:
        assert "lettergen-Noto-Sans" in line and "CID TrueType" in line and "Identity-H" in line, line
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, ToUnicode


def _pdftotext_lines(path: Path) -> list[str]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; `make test` installs it as root")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [ln.translate(BIDI_MARKS).strip() for ln in text.splitlines() if ln.strip()]


def test_the_text_layer_reads_the_same_with_pdfminer_pypdf_and_pdftotext(specimen):
    """What the vendor's address-reading software, a search and a screen reader get: each line's own text, with
    three independent readers. pdfminer reports characters in page order, left to right, as it must: a Hebrew
    or Arabic line is turned back into reading order with the bidi algorithm (the window check does the
    reverse, setting the expected line in page order)."""
    expected = [text for *_, text in LINES]
    with pdfplumber.open(specimen) as pdf:
        page = pdf.pages[0]
        plumber = [visual(ln) for ln in page.extract_text().splitlines() if ln.strip()]
        chars = [c["text"] for c in page.chars]
    assert "\ufffd" not in chars and all(ch.strip() == "" or ord(ch[0]) > 0x1F for ch in chars)
    pypdf_lines = [ln.strip() for ln in pypdf.PdfReader(specimen).pages[0].extract_text().splitlines() if ln.strip()]
    poppler = _pdftotext_lines(specimen)
    assert plumber == expected
    assert pypdf_lines == expected
    assert poppler == expected


def test_coverage_is_the_union_of_the_shipped_fonts():
    covered = coverage()
    for ch in "AzÉßĞŁΩωЖж山田太郎齋藤あア김محمدדוד€£¥〒":
        assert ord(ch) in covered, describe(ch)
    assert unprintable("Party 🎉 time, 👨‍👩‍👧 family") == ["🎉", "👨", "👩", "👧"]  # ZWJ prints nothing: not named
    assert unprintable("山田 太郎, محمد, דוד, Ελένη, Дмитрий\u200d\u00ad") == []
    assert describe("🎉") == "U+1F389 PARTY POPPER"


def acct(key: str, name: str, street: list[str], city: str, region: str, postal: str, country: str, **kw) -> Account:
    return Account(
        id=f"S-{key}", name=name, address=Address(lines=tuple(street), city=city, region=region, postal_code=postal, country=country),
        debt_type="commercial", jurisdiction="US-NY" if country == "US" else country, **kw,
        invoices=(Invoice(number=f"INV-{key}", issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1),
                          original_amount=Decimal("840.00"), balance=Decimal("840.00")),),
    )


def test_the_message_names_the_character_its_code_point_and_the_field():
    policy = Policy.from_yaml(SAMPLES / "policy.yaml")
    a = acct("E", "Party 🎉 Supplies", ["1 Main St 齉"], "Springfield", "IL", "62701", "US")
    letter = Composer(policy).compose(job_for_stage(a, policy, (), AS_OF, "polite_reminder"))
    assert unprintable_messages(letter.html, a)[0].startswith(
        "name contains U+1F389 PARTY POPPER, which the letter fonts cannot print (they print Latin, Greek, Cyrillic")
    assert unprintable_messages(letter.html, a)[1].startswith("address line 1 contains U+9F49 CJK UNIFIED IDEOGRAPH-9F49,")


ARABIC = acct("AR", "محمد عبد الله الهاشمي", ["12 شارع النيل", "الطابق الثالث"], "القاهرة", "", "11511", "EG")
HEBREW = acct("HE", "דוד כהן", ["רחוב הרצל 5", "דירה 3"], "תל אביב", "", "6100000", "IL")
LIGATURE = acct("LA", "علاء (Alaa) للتجارة", ["شارع الملك فهد"], "الرياض", "", "12211", "SA")


@pytest.fixture(scope="module")
def rtl_pages():
    policy = Policy.from_yaml(SAMPLES / "policy.yaml")
    composer = Composer(policy)
    renderer = PdfRenderer(TEMPLATES, AS_OF, "us-10-double-window")
    letters = [composer.compose(job_for_stage(a, policy, (), AS_OF, "polite_reminder")) for a in (ARABIC, HEBREW, LIGATURE)]
    chunk = renderer.render([lt.html for lt in letters], [lt.anchor for lt in letters], "rtl")
    read = first_page_words(chunk.pdf, list(chunk.starts), US10)
    return policy, letters, chunk, read


def test_right_to_left_addresses_pass_the_window_check_inside_the_window(rtl_pages):
    policy, letters, chunk, read = rtl_pages
    for lt, page in zip(letters, read):
        assert page.unreadable is None
        problems = check_page(page.words, US10, recipient_lines=lt.context["recipient_lines"],
                              return_lines=policy.sender.return_lines, chars=page.chars, page_size=page.size)
        assert problems == [], (lt.context["recipient_lines"], problems)


def test_right_to_left_addresses_outside_the_window_fail_with_the_true_reason_in_reading_order(rtl_pages):
    """Judged against the DIN 5008 window (not where this letter put them): the lines are found, and the
    message quotes them as a person reads them, not reversed."""
    policy, letters, chunk, read = rtl_pages
    for lt, page in zip(letters[:2], read[:2]):
        problems = check_page(page.words, PRESETS["din-5008-b"], recipient_lines=lt.context["recipient_lines"],
                              return_lines=policy.sender.return_lines, chars=page.chars)
        outside = [p for p in problems if p.startswith("recipient address:") and "is outside the recipient window" in p]
        assert outside and not any("was not found" in p for p in problems), problems
        assert any(f"'{lt.context['recipient_lines'][0]}'" in p for p in outside), outside


def test_the_fast_reader_reads_right_to_left_pages_as_pdfminer_does(rtl_pages):
    _, letters, chunk, read = rtl_pages
    key = lambda c: (c["text"], round(c["x0"], 2), round(c["top"], 2), round(c["x1"], 2), round(c["size"], 2))  # noqa: E731
    with pdfplumber.open(io.BytesIO(chunk.pdf)) as pdf:
        for start, page in zip(chunk.starts, read):
            theirs = sorted(key(c) for c in pdf.pages[start].chars if c["top"] < 250 and not c["text"].isspace())
            ours = sorted(key(c) for c in page.chars if c["top"] < 250 and not c["text"].isspace())
            assert len(ours) > 100 and ours == theirs


def write_accounts(path: Path, accounts: list[Account]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["account_id", "name", "address1", "address2", "city", "region", "postal_code", "country", "debt_type",
                    "invoice", "issue_date", "due_date", "amount", "balance"])
        for a in accounts:
            lines = list(a.address.lines) + [""]
            inv = a.invoices[0]
            w.writerow([a.id, a.name, lines[0], lines[1], a.address.city, a.address.region, a.address.postal_code,
                        a.address.country, a.debt_type, inv.number, inv.issue_date, inv.due_date, inv.original_amount, inv.balance])


def test_a_batch_of_24_with_an_emoji_name_mails_23_and_holds_that_one_naming_the_character(tmp_path):
    """Two full chunks of 12: the emoji account is held by the font check before typesetting, its chunk-mates
    (an Arabic and a Hebrew name among them) are mailed."""
    from lettergen import load_accounts

    accounts = [acct(f"{i:02d}", f"Customer {i:02d} Ltd", [f"{i} Main St"], "Springfield", "IL", "62701", "US") for i in range(22)]
    accounts[5] = acct("05", "Party 🎉 Supplies", ["5 Main St"], "Springfield", "IL", "62701", "US")
    accounts[7] = ARABIC
    accounts += [HEBREW, LIGATURE]
    src = tmp_path / "accounts.csv"
    write_accounts(src, accounts)
    loaded = load_accounts(src)
    assert len(loaded.accounts) == 24 and not loaded.rejections
    policy = Policy.from_yaml(SAMPLES / "policy.yaml")
    result = run_batch(loaded, policy, AS_OF, BatchOptions(out=tmp_path / "out", jobs=1))
    mailed = [p.letter.job.account.id for p in result.produced]
    assert len(mailed) == 23 and "S-05" not in mailed and {"S-AR", "S-HE", "S-LA"} <= set(mailed)
    (held,) = result.held
    assert held.letter.job.account.id == "S-05"
    (finding,) = held.findings
    assert finding.rule == "typeset.Glyphs" and finding.message.startswith("name contains U+1F389 PARTY POPPER")
    rows = list(csv.DictReader((result.folder / "held.csv").open(encoding="utf-8")))
    assert [(r["account_id"], r["rule"]) for r in rows] == [("S-05", "typeset.Glyphs")] and "U+1F389" in rows[0]["message"]
    summary = (result.folder / "summary.txt").read_text(encoding="utf-8")
    assert "1 by the font check" in summary and "Fonts: 1 letter held" in summary


def test_one_letter_that_cannot_be_typeset_never_takes_its_chunk_down(tmp_path):
    """A full chunk of 12 whose 4th letter cannot be typeset (its section lost the anchor the pages are found
    by): that letter is held with its own reason, the 11 others are typeset again without it and mailable."""
    policy = Policy.from_yaml(SAMPLES / "policy.yaml")
    composer = Composer(policy)
    accounts = [acct(f"{i:02d}", f"Customer {i:02d} Ltd", [f"{i} Main St"], "Springfield", "IL", "62701", "US") for i in range(12)]
    letters = [composer.compose(job_for_stage(a, policy, (), AS_OF, "polite_reminder")) for a in accounts]
    sections = [lt.html for lt in letters]
    sections[3] = sections[3].replace(f'id="{letters[3].anchor}"', 'id="lost"')
    assert sections[3] != letters[3].html
    (tmp_path / "letters").mkdir()
    (tmp_path / ".chunks").mkdir()
    _init_worker(str(TEMPLATES), AS_OF, "us-10-double-window")
    task = _ChunkTask(index=0, sections=sections, anchors=[lt.anchor for lt in letters], keys=[f"k{i:02d}" for i in range(12)],
                      titles=[f"t{i}" for i in range(12)], recipients=[list(lt.context["recipient_lines"]) for lt in letters],
                      return_lines=policy.sender.return_lines, folder=str(tmp_path), formats=("pdf",), as_of=AS_OF,
                      page_size="letter")
    res = _typeset_chunk(task)
    assert len(res.problems[3]) == 1 and res.problems[3][0].startswith("the letter could not be typeset (letters ")
    assert [i for i, p in enumerate(res.problems) if p] == [3]
    assert all(res.hashes[i] for i in range(12) if i != 3) and res.hashes[3] == ""
    assert sorted(p.name for p in (tmp_path / "letters").iterdir()) == [f"k{i:02d}.pdf" for i in range(12) if i != 3]
    for i in range(12):  # every mailable letter's own PDF is that letter
        if i != 3:
            text = pypdf.PdfReader(tmp_path / "letters" / f"k{i:02d}.pdf").pages[0].extract_text()
            assert f"CUSTOMER {i:02d} LTD" in text.upper()


HIDDEN = ("pytest", "pdfplumber", "pdfminer", "pypdf", "pypdfium2", "playwright", "_pytest")


def test_the_library_runs_with_only_its_runtime_dependencies(tmp_path):
    """Every module of lettergen imports, and a small batch (a Japanese, an Arabic and a Hebrew name among its
    accounts) runs, in a Python where the test extras cannot be imported: what `make demo` installs is enough."""
    rows = list(csv.reader((SAMPLES / "accounts.csv").open(encoding="utf-8")))
    keep = [rows[0]] + [r for r in rows[1:] if r[0] in ("ACC-1001", "ACC-1003", "ACC-1007", "ACC-1008")]
    with (tmp_path / "accounts.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(keep)
    write_accounts(tmp_path / "rtl.csv", [ARABIC, HEBREW])
    script = textwrap.dedent(f"""
        import importlib, importlib.abc, pkgutil, sys
        HIDDEN = {HIDDEN!r}
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in HIDDEN:
                    raise ModuleNotFoundError(f"No module named {{name!r}} (hidden: a test-only package)", name=name)
                return None
        sys.meta_path.insert(0, Block())
        for m in list(sys.modules):
            if m.split(".")[0] in HIDDEN:
                del sys.modules[m]
        import lettergen
        names = [m.name for m in pkgutil.walk_packages(lettergen.__path__, "lettergen.") if m.name != "lettergen.__main__"]
        for name in names:
            importlib.import_module(name)
        print("imported", len(names), "modules")
        from lettergen.cli import main
        for accounts, out in (({str(tmp_path / 'accounts.csv')!r}, "out"), ({str(tmp_path / 'rtl.csv')!r}, "rtl")):
            try:
                main(["batch", accounts, "--policy", {str(SAMPLES / 'policy.yaml')!r}, "--as-of", "2026-11-27",
                      "--out", {str(tmp_path)!r} + "/" + out, "--jobs", "2"])
            except SystemExit as exc:
                assert not exc.code, exc.code
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "imported" in proc.stdout and "Traceback" not in proc.stderr
    manifest = list(csv.DictReader((next((tmp_path / "out").glob("2026-11-27-*")) / "manifest.csv").open(encoding="utf-8")))
    assert {r["account_id"] for r in manifest} == {"ACC-1001", "ACC-1003", "ACC-1007", "ACC-1008"}
    rtl = list(csv.DictReader((next((tmp_path / "rtl").glob("2026-11-27-*")) / "manifest.csv").open(encoding="utf-8")))
    assert {r["account_id"] for r in rtl} == {"S-AR", "S-HE"}


def test_preview_of_a_letter_with_an_unprintable_character_says_why_and_writes_nothing(lettergen, tmp_path):
    write_accounts(tmp_path / "accounts.csv", [acct("E", "Party 🎉 Supplies", ["5 Main St"], "Springfield", "IL", "62701", "US")])
    r = lettergen("preview", tmp_path / "accounts.csv", "--account", "S-E", "--stage", "polite_reminder",
                  "--policy", SAMPLES / "policy.yaml", "--as-of", "2026-11-27", "--out", tmp_path / "previews",
                  "--ledger", tmp_path / "none.db")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err.startswith("lettergen: error: account S-E: name contains U+1F389 PARTY POPPER, which the letter fonts "
                            "cannot print"), r.err
    assert not (tmp_path / "previews").exists()
