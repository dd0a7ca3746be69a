"""PDF typesetting: only package and template files are ever loaded, refused URLs are reported,
fonts come from the package, and each letter's pages are found again in a chunk."""

from __future__ import annotations

import io
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import ROOT, SAMPLES
from lettergen import Account, Address, Invoice, Policy
from lettergen.compose import Composer
from lettergen.errors import TypesetError
from lettergen.plan import job_for_stage
from lettergen.typeset.pdf import FONTS_DIR, PdfRenderer

AS_OF = date(2026, 11, 27)
POLICY = Policy.from_yaml(SAMPLES / "policy.yaml")
TEMPLATES = ROOT / "letter_templates"


def account(id: str = "T-1", name: str = "Jane Doe") -> Account:
    return Account(
        id=id, name=name, address=Address(lines=("1 Main St",), city="Albany", region="NY", postal_code="12207"),
        invoices=(Invoice(number=f"INV-{id}", issue_date=date(2026, 8, 1), due_date=date(2026, 9, 1),
                          original_amount="640.00", balance="640.00"),),
    )


def letters(templates: Path, *accounts: Account, stage: str = "polite_reminder"):
    composer = Composer(POLICY, templates)
    return [composer.compose(job_for_stage(a, POLICY, (), AS_OF, stage)) for a in accounts]


def typeset(templates: Path, *accounts: Account, stage: str = "polite_reminder"):
    ls = letters(templates, *accounts, stage=stage)
    chunk = PdfRenderer(templates, AS_OF).render([lt.html for lt in ls], [lt.anchor for lt in ls], "test")
    with pdfplumber.open(io.BytesIO(chunk.pdf)) as pdf:
        pages = [p.extract_text() for p in pdf.pages]
    return chunk, pages


@pytest.fixture
def tpl(tmp_path: Path) -> Path:
    d = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES, d)
    return d


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A stylesheet outside the template folder that would print a marker if it were ever loaded."""
    d = tmp_path / "outside"
    d.mkdir()
    p = d / "secret.css"
    p.write_text('.body::before { content: "LEAKED-SECRET"; }\n', encoding="utf-8")
    return p


def add_css(tpl: Path, css: str, first: bool = False) -> None:
    style = tpl / "style.css"
    text = style.read_text(encoding="utf-8")
    style.write_text(css + "\n" + text if first else text + "\n" + css + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- the URL fetcher


def test_a_stylesheet_in_the_template_folder_may_be_imported(tpl):
    """The control case: @import of a file inside the template folder works (so the refusals below mean something)."""
    (tpl / "extra.css").write_text('.body::before { content: "ALLOWED-IMPORT"; }\n', encoding="utf-8")
    add_css(tpl, '@import url("extra.css");', first=True)
    chunk, pages = typeset(tpl, account())
    assert "ALLOWED-IMPORT" in pages[0]
    assert chunk.refused == ()


@pytest.mark.parametrize("how", ["absolute", "relative", "symlink"])
def test_css_import_from_outside_the_template_folder_is_refused_and_reported(tpl, secret, how):
    if how == "absolute":
        url = secret.as_uri()
    elif how == "relative":
        url = "../outside/secret.css"
    else:
        os.symlink(secret, tpl / "linked.css")
        url = "linked.css"
    add_css(tpl, f'@import url("{url}");', first=True)
    chunk, pages = typeset(tpl, account())
    assert "LEAKED-SECRET" not in "\n".join(pages)
    assert "Dear Jane Doe," in pages[0]  # the letter itself is there
    assert len(chunk.refused) == 1 and chunk.refused[0].endswith(("secret.css", "linked.css")), chunk.refused


@pytest.mark.parametrize(
    "css, refused",
    [
        ('@import url("file:///etc/passwd");', "file:///etc/passwd"),
        (".body { background: url(file:///etc/passwd); }", "file:///etc/passwd"),
        ('@font-face { font-family: "Leak"; src: url(http://example.com/x.ttf); }\n.body p { font-family: "Leak", "Noto Sans"; }',
         "http://example.com/x.ttf"),
        (".body::after { content: url(https://example.com/pixel.png); }", "https://example.com/pixel.png"),
        (".letterhead { background-image: url(ftp://example.com/logo.png); }", "ftp://example.com/logo.png"),
    ],
)
def test_other_files_and_the_network_are_refused_and_reported(tpl, css, refused):
    add_css(tpl, css, first=css.startswith("@import"))
    chunk, pages = typeset(tpl, account())
    text = "\n".join(pages)
    assert "root:" not in text and "/bin/" not in text
    assert "Dear Jane Doe," in text
    assert refused in chunk.refused, chunk.refused


def test_a_url_in_a_template_style_attribute_is_refused_and_reported(tpl):
    path = tpl / "polite_reminder.html.j2"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("<p>{{ tone.opening }}</p>", '<p style="background: url(file:///etc/passwd)">{{ tone.opening }}</p>', 1),
                    encoding="utf-8")
    chunk, pages = typeset(tpl, account())
    assert "file:///etc/passwd" in chunk.refused
    assert "root:" not in "\n".join(pages)


def test_refused_urls_are_reported_for_every_chunk_of_a_renderer(tpl):
    """A stylesheet is parsed once per worker, but every chunk it serves reports what it could not load."""
    add_css(tpl, '@import url("file:///etc/passwd");', first=True)
    ls = letters(tpl, account("A"), account("B"))
    renderer = PdfRenderer(tpl, AS_OF)
    first = renderer.render([ls[0].html], [ls[0].anchor], "one")
    second = renderer.render([ls[1].html], [ls[1].anchor], "two")
    assert first.refused == second.refused == ("file:///etc/passwd",)


def test_the_shipped_templates_load_nothing_from_outside():
    chunk, _ = typeset(TEMPLATES, account())
    assert chunk.refused == ()


# ----------------------------------------------------------------------------- fonts


def embedded_fonts(pdf_bytes: bytes) -> set[str]:
    names = set()
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            fonts = page.obj.get("/Resources", {}).get("/Font", {})
            for _, font in fonts.items():
                names.add(str(font.get("/BaseFont")))
                for d in font.get("/DescendantFonts", []):
                    assert "/FontFile2" in d["/FontDescriptor"] or "/FontFile3" in d["/FontDescriptor"] or "/FontFile" in d["/FontDescriptor"]
    return names


def test_fonts_are_the_ones_shipped_in_the_package_and_embedded():
    assert {p.name for p in FONTS_DIR.iterdir()} >= {"NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansCJK-Subset.ttf", "OFL.txt"}
    chunk, _ = typeset(TEMPLATES, account(name="山田 太郎"), account("T-2", "Ελένη Παπαδοπούλου"))
    names = embedded_fonts(chunk.pdf)
    assert names and all("Noto" in n for n in names), names
    assert any("CJK" in n for n in names), names  # the Japanese name is set in the CJK fallback
    with pdfplumber.open(io.BytesIO(chunk.pdf)) as pdf:
        page = pdf.pages[0]
        text = page.extract_text()
        assert "山田 太郎" in text
        ids = sorted((w for w in page.extract_words(extra_attrs=["fontname"]) if w["text"] == "T-1"), key=lambda w: w["top"])
        assert "Bold" in ids[0]["fontname"]  # <b>Account T-1</b> in the reference line
        assert "Bold" not in ids[-1]["fontname"]  # "Please quote account T-1 with your payment."


# ----------------------------------------------------------------------------- chunks


def test_each_letter_is_found_on_its_first_page_in_a_chunk():
    accs = [account("C-1", "Ann One"), account("C-2", "Bob Two"), account("C-3", "Cy Three")]
    ls = letters(TEMPLATES, *accs, stage="final_demand") + letters(TEMPLATES, account("C-4", "Di Four"))
    chunk = PdfRenderer(TEMPLATES, AS_OF).render([lt.html for lt in ls], [lt.anchor for lt in ls], "chunk")
    assert chunk.starts[0] == 0 and list(chunk.starts) == sorted(chunk.starts)
    with pdfplumber.open(io.BytesIO(chunk.pdf)) as pdf:
        assert len(pdf.pages) == chunk.pages
        for lt, start in zip(ls, chunk.starts):
            text = pdf.pages[start].extract_text()
            assert f"Account {lt.job.account.id} ·" in text and f"Dear {lt.job.account.name}," in text
        # a letter never shares a page with the next one
        ends = list(chunk.starts[1:]) + [chunk.pages]
        for lt, start, end in zip(ls, chunk.starts, ends):
            for i in range(start, end):
                t = pdf.pages[i].extract_text()
                others = [o.job.account.id for o in ls if o is not lt]
                assert not any(re.search(rf"\b{o}\b", t) for o in others)


def test_a_template_without_the_letter_anchor_is_a_typeset_error(tpl):
    path = tpl / "_layout.html.j2"
    path.write_text(path.read_text(encoding="utf-8").replace(' id="{{ letter.anchor }}"', "", 1), encoding="utf-8")
    ls = letters(tpl, account())
    with pytest.raises(TypesetError) as e:
        PdfRenderer(tpl, AS_OF).render([ls[0].html], [ls[0].anchor], "x")
    assert "letter.anchor" in e.value.message


def test_same_letters_give_the_same_pdf_bytes():
    ls = letters(TEMPLATES, account("D-1", "Ann One"), account("D-2", "Bob Two"))
    a = PdfRenderer(TEMPLATES, AS_OF).render([lt.html for lt in ls], [lt.anchor for lt in ls], "same")
    b = PdfRenderer(TEMPLATES, AS_OF).render([lt.html for lt in ls], [lt.anchor for lt in ls], "same")
    assert a.pdf == b.pdf
    with pikepdf.open(io.BytesIO(a.pdf)) as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20261127")
