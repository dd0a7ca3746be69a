"""The streaming PDF concatenation behind batch.pdf, read back with pypdf and checked with qpdf."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from weasyprint import HTML

from lettergen.assemble.pdf import concat_pdfs, pdf_string


def _pdf(path: Path, pages: list[str]) -> Path:
    body = "".join(f'<section style="break-before: page"><p>{t}</p><a href="https://example.org/{i}">link</a></section>'
                   for i, t in enumerate(pages))
    HTML(string=f"<html><body>{body}</body></html>").write_pdf(path)
    return path


@pytest.fixture()
def inputs(tmp_path: Path) -> list[Path]:
    return [_pdf(tmp_path / "a.pdf", ["Alpha one", "Alpha two", "Alpha three"]),
            _pdf(tmp_path / "b.pdf", ["Bravo one"]),
            _pdf(tmp_path / "c.pdf", ["Charlie one", "Charlie two"])]


def test_pages_text_bookmarks_labels_and_info(inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    marks = [("0001 Alpha – Ærø", 0), ("0002 Bravo", 3), ("0003 Charlie 山田", 4)]
    labels = [(0, "0001-"), (3, "0002-"), (4, "0003-")]
    n = concat_pdfs(inputs, out, bookmarks=marks, labels=labels, info={"Title": "batch (x)", "Creator": "lettergen"})
    assert n == 6
    r = pypdf.PdfReader(out)
    assert [p.extract_text().split("\n")[0] for p in r.pages] == [
        "Alpha one", "Alpha two", "Alpha three", "Bravo one", "Charlie one", "Charlie two"]
    assert [o.title for o in r.outline] == [t for t, _ in marks]
    assert [r.get_destination_page_number(o) for o in r.outline] == [0, 3, 4]
    assert r.page_labels == ["0001-1", "0001-2", "0001-3", "0002-1", "0003-1", "0003-2"]
    assert r.metadata.title == "batch (x)" and r.metadata.creator == "lettergen"
    # links survive on the copied pages
    assert r.pages[3]["/Annots"][0].get_object()["/A"]["/URI"] == "https://example.org/0"


def test_same_inputs_same_bytes(inputs: list[Path], tmp_path: Path) -> None:
    a, b = tmp_path / "1.pdf", tmp_path / "2.pdf"
    concat_pdfs(inputs, a, bookmarks=[("x", 0)])
    concat_pdfs(inputs, b, bookmarks=[("x", 0)])
    assert a.read_bytes() == b.read_bytes()
    concat_pdfs(inputs[:2], b, bookmarks=[("x", 0)])
    assert a.read_bytes() != b.read_bytes()


def test_bookmark_outside_the_document_is_an_error(inputs: list[Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="page 7, but the document has 6 pages"):
        concat_pdfs(inputs, tmp_path / "o.pdf", bookmarks=[("x", 6)])


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed (make test installs it with apt-get when root)")
def test_qpdf_finds_no_errors(inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    concat_pdfs(inputs, out, bookmarks=[("a", 0), ("b", 3)], labels=[(0, "1-"), (3, "2-")], info={"Title": "t"})
    res = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "No syntax or stream encoding errors" in res.stdout


def test_pdf_string_escapes() -> None:
    assert pdf_string("a(b)\\c") == b"(a\\(b\\)\\\\c)"
    assert pdf_string("é") == b"<feff00e9>"


def test_parts_select_pages_and_blank_pages(inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    from lettergen.assemble.pdf import BLANK

    n = concat_pdfs([(inputs[0], [2, BLANK]), (inputs[0], [0]), (inputs[2], [1, BLANK])], out,
                    bookmarks=[("a", 0), ("b", 2), ("c", 3)])
    assert n == 5
    r = pypdf.PdfReader(out)
    assert [p.extract_text().split("\n")[0] for p in r.pages] == ["Alpha three", "", "Alpha one", "Charlie two", ""]
    assert [float(x) for x in r.pages[1].mediabox] == [float(x) for x in r.pages[0].mediabox]
    with pytest.raises(ValueError, match="listed twice"):
        concat_pdfs([(inputs[0], [0, 0])], tmp_path / "x.pdf")
