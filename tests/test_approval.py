"""Legal sign-off through the CLI: approve, the batch's refusal of unapproved text, --draft, diff, history, verify.

Every test works on copies of the shipped templates and tone profiles (with
their approvals.yaml and .approved/ copies) and a real ledger.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import docx
import pypdf
import pytest
import yaml

from conftest import ROOT, SAMPLES, Run, run_cli

POLICY = SAMPLES / "policy.yaml"
AS_OF = "2026-11-27"


def run(*args: object, cwd: Path) -> Run:
    return run_cli(*args, cwd=cwd)


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "letter_templates", tmp_path / "letter_templates")
    shutil.copytree(ROOT / "tone_profiles", tmp_path / "tone_profiles")
    (tmp_path / "accounts.csv").write_text(
        "account_id,name,address1,city,region,postal_code,invoice_number,due_date,balance\n"
        "A-1,Ann Lee,12 Park Street,Albany,NY,12207,I-1,2026-10-01,100.00\n"
        "A-2,Bo Ng,1 Elm Avenue,Fresno,CA,93650,I-2,2026-10-05,250.00\n",
        encoding="utf-8")
    return tmp_path


def batch(work: Path, *extra: object, as_of: str = AS_OF) -> Run:
    return run("batch", work / "accounts.csv", "--policy", POLICY, "--as-of", as_of, "--out", work / "out",
               "--templates", work / "letter_templates", "--tones", work / "tone_profiles", "--jobs", "1", *extra, cwd=work)


def edit_one_word(work: Path) -> Path:
    tpl = work / "letter_templates" / "polite_reminder.html.j2"
    text = tpl.read_text(encoding="utf-8")
    assert "Payment reminder" in text
    tpl.write_text(text.replace("Payment reminder", "Payment notice", 1), encoding="utf-8")
    return tpl


def test_approved_text_is_mailed_and_recorded(work):
    r = batch(work)
    assert r.code == 0, r
    assert "Ledger: recorded" in r.out
    approvals = yaml.safe_load((work / "letter_templates" / "approvals.yaml").read_text(encoding="utf-8"))["approvals"]
    assert {a["path"] for a in approvals} >= {"polite_reminder.html.j2", "_layout.html.j2", "style.css"}
    assert all(len(a["sha256"]) == 64 and a["approved_by"] and a["rule_packs"]["FDCPA"] for a in approvals)
    assert (work / "letter_templates" / ".approved" / "polite_reminder.html.j2").is_file()


def test_one_changed_word_stops_the_batch_and_names_the_file(work):
    tpl = edit_one_word(work)
    r = batch(work)
    assert r.code == 2, r
    assert f"{tpl} changed since approval letter_templates:APR-" in r.err
    assert f"lettergen diff {tpl}" in r.err and "--draft" in r.err
    assert not (work / "out").exists() or not any(p.name[0].isdigit() for p in (work / "out").iterdir())


def test_an_unapproved_file_stops_the_batch(work):
    (work / "letter_templates" / "approvals.yaml").unlink()
    r = batch(work)
    assert r.code == 2 and "is not approved (lettergen approve" in r.err, r


def test_diff_shows_the_changed_words(work):
    tpl = edit_one_word(work)
    r = run("diff", tpl, "--no-color", cwd=work)
    assert r.code == 1, r
    assert "[-reminder-]{+notice+}" in r.out and "approved as letter_templates:APR-" in r.out
    html = run("diff", tpl, "--format", "html", cwd=work)
    assert "<del>reminder</del>" in html.out and "<ins>notice</ins>" in html.out
    colour = run("diff", tpl, "--color", cwd=work)
    assert "\x1b[31;9mreminder\x1b[0m" in colour.out and "\x1b[32;4mnotice\x1b[0m" in colour.out
    same = run("diff", work / "letter_templates" / "firm_notice.html.j2", cwd=work)
    assert same.code == 0 and "unchanged since" in same.out


def test_draft_stamps_every_page_and_records_nothing(work):
    edit_one_word(work)
    r = batch(work, "--draft")
    assert r.code == 0, r
    folder = work / "out" / f"draft-{AS_OF}-001"
    assert "Ledger: NOT recorded" in (folder / "summary.txt").read_text(encoding="utf-8")
    pdfs = [folder / "batch.pdf", *sorted((folder / "letters").glob("*.pdf")), *sorted((folder / "mail").glob("*.pdf"))]
    assert len(pdfs) >= 4
    for pdf in pdfs:
        for page in pypdf.PdfReader(pdf).pages:
            text = page.extract_text()
            assert "DRAFT" in text and "NOT APPROVED" in text, (pdf, text[:200])
    for d in [folder / "batch.docx", *sorted((folder / "letters").glob("*.docx"))]:
        header = " ".join(p.text for s in docx.Document(str(d)).sections for p in s.header.paragraphs)
        assert "DRAFT – NOT APPROVED" in header, d
    # the letters are still checked and mailable in form: the stamp does not count against the envelope windows
    manifest = list(csv.DictReader((folder / "manifest.csv").open(encoding="utf-8")))
    assert [m["account_id"] for m in manifest] == ["A-1", "A-2"]
    show = run("ledger", "show", "--ledger", work / "out" / "lettergen.db", cwd=work)
    assert "A-1" not in show.out and "A-2" not in show.out
    again = batch(work)
    assert again.code == 2  # still refused without --draft


def test_approve_records_the_change_and_refuses_lint_errors(work):
    tpl = edit_one_word(work)
    r = run("approve", tpl, "--by", "Lee Legal, counsel", "--note", "subject wording", "--policy", POLICY, "--on", "2026-11-24", cwd=work)
    assert r.code == 0, r
    assert "approved by Lee Legal, counsel on 2026-11-24" in r.out
    assert batch(work).code == 0
    bad = work / "letter_templates" / "firm_notice.html.j2"
    bad.write_text(bad.read_text(encoding="utf-8").replace("{% block purpose %}", "{% block purpose %}<p>We will have you arrested.</p>", 1),
                   encoding="utf-8")
    refused = run("approve", bad, "--by", "Lee Legal", "--policy", POLICY, cwd=work)
    assert refused.code == 2 and "lint error" in refused.err and "FDCPA.ThreatOfArrest" in refused.err, refused
    approvals = yaml.safe_load((work / "letter_templates" / "approvals.yaml").read_text(encoding="utf-8"))["approvals"]
    entry = next(a for a in approvals if a["path"] == "firm_notice.html.j2")
    assert entry["approved_by"] != "Lee Legal"  # the old approval stands; the edit is not approved


def test_history_after_two_batches_and_verify(work):
    assert batch(work).code == 0
    assert batch(work, as_of="2026-12-11").code == 0  # two weeks later: the firm notice
    h = run("history", "A-1", "--ledger", work / "out" / "lettergen.db", "--format", "json", cwd=work)
    assert h.code == 0, h
    rows = json.loads(h.out)
    assert [r["stage"] for r in rows] == ["polite_reminder", "firm_notice"]
    for r in rows:
        assert len(r["pdf_sha256"]) == 64 and len(r["batch_pdf_sha256"]) == 64 and len(r["template_hash"]) == 64
        assert r["approvals"] and all(v.startswith(("letter_templates:APR-", "tone_profiles:APR-")) for v in r["approvals"].values())
        assert r["rule_packs"]["FDCPA"] and r["input_record"]["id"] == "A-1"
    table = run("history", "A-1", "--ledger", work / "out" / "lettergen.db", cwd=work)
    assert "polite_reminder" in table.out and "firm_notice" in table.out and rows[0]["pdf_sha256"] in table.out
    folder = work / "out" / f"{AS_OF}-001"
    ok = run("verify", folder, cwd=work)
    assert ok.code == 0 and "every file matches" in ok.out, ok
    data = bytearray((folder / "batch.pdf").read_bytes())
    data[len(data) // 3] ^= 0x20
    (folder / "batch.pdf").write_bytes(bytes(data))
    bad = run("verify", folder, cwd=work)
    assert bad.code == 1 and "batch.pdf: SHA-256 differs from the ledger" in bad.out, bad
