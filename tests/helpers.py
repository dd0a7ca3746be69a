"""Helpers more than one test module uses: reading a letter's words back from its PDF and DOCX."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

FOOTER = "Acme Supplies, Inc. · 200 Harbor Street, Suite 400 · Brooklyn, NY 11201 · (718) 555-0142"
CONTINUED = re.compile(r"Account \S+ ?– ?continued")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def docx_blocks(path: Path) -> list[str]:
    """Paragraphs and table rows of a DOCX body in reading order (a merged cell once)."""
    d = docx.Document(str(path))
    out: list[str] = []
    for child in d.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append(Paragraph(child, d).text)
        elif child.tag == qn("w:tbl"):
            for tr in child.iterchildren(qn("w:tr")):
                cells = ["\n".join(Paragraph(p, d).text for p in tc.iterchildren(qn("w:p"))) for tc in tr.iterchildren(qn("w:tc"))]
                out.append(" ".join(cells))
    return [b for b in out if b.strip()]


def pdf_body_lines(pages: list[str]) -> list[str]:
    """PDF text without what prints in the page margins: the footer line and the 'continued' header."""
    return [
        line for page in pages for line in page.splitlines()
        if squash(line) != squash(FOOTER) and not CONTINUED.fullmatch(line.strip())
    ]


def same_words(pdf_pages: list[str], blocks: list[str]) -> None:
    """The body (from the greeting on) says the same words in the same order in PDF and DOCX;
    the envelope part (address, date, reference) has the same lines."""
    pdf_lines = pdf_body_lines(pdf_pages)
    g_pdf = next(i for i, line in enumerate(pdf_lines) if line.startswith("Dear "))
    g_doc = next(i for i, b in enumerate(blocks) if b.startswith("Dear "))
    doc_body = blocks[g_doc:]
    assert doc_body[-1] == FOOTER  # the DOCX has no page margins: the footer closes the letter
    pdf_text = squash("".join(pdf_lines[g_pdf:]))
    doc_text = squash("".join(doc_body[:-1]))
    if pdf_text != doc_text:
        import difflib

        diff = "\n".join(difflib.unified_diff(" ".join(pdf_lines[g_pdf:]).split(), " ".join(doc_body[:-1]).split(), "pdf", "docx", lineterm=""))
        pytest.fail(f"PDF and DOCX bodies differ:\n{diff}")
    page1 = squash(pdf_pages[0])
    for block in blocks[:g_doc]:
        for line in block.split("\n"):
            assert squash(line) in page1, line




def threatening_tones(tmp_path: Path) -> Path:
    """A copy of the shipped tone profiles whose firm tone closes with a threat of the sheriff (1692e(4)): a
    letter in that tone is held by the lint gate. The copy is unapproved, so a batch needs --draft."""
    tones = tmp_path / "tones"
    shutil.copytree(Path(__file__).resolve().parent.parent / "tone_profiles", tones)
    firm = tones / "firm.yaml"
    firm.write_text(firm.read_text(encoding="utf-8").replace(
        'closing: "We expect to hear from you by that date."',
        'closing: "If we do not hear from you, expect a visit from the sheriff."'), encoding="utf-8")
    return tones
