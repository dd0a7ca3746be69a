"""Hostile input (issue 14): what an attacker or a careless export puts in a cell must not become a formula in the
spreadsheets staff and vendors open, an address must never lose a line, and a failure the user can fix is one
paragraph and an exit code, never a traceback."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import SAMPLES
from helpers import threatening_tones
from lettergen.csvout import csv_text, defuse

POLICY = SAMPLES / "policy.yaml"
FORMULAS = ['=HYPERLINK("http://x","click")', "+SUM(A1:A9)", "-2+3", "@cmd", "\t=1+1", "\r=1+1"]


def cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def live_formulas(path: Path) -> list[str]:
    """Cells a spreadsheet would run: they start with = + - @ (or a tab or CR) and are no plain number."""
    return [c for row in cells(path) for c in row if c != defuse(c)]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_cell_is_defused_with_a_quote(value):
    assert defuse(value) == "'" + value
    (row,) = list(csv.reader(io.StringIO(csv_text(["name"], [[value]]), newline="")))[1:]
    assert row == ["'" + value]  # the spreadsheet shows the text, the quote hidden


@pytest.mark.parametrize("value", ["-12.50", "+3", "1234", "-0.5", "0", "Margaret O'Connell", "", "ACC-1001", "a=b"])
def test_numbers_and_ordinary_text_are_written_as_they_are(value):
    assert defuse(value) == value


def hostile_export(tmp_path: Path) -> Path:
    """One account of each fate, every free-text cell a formula: mailed, skipped (in dispute), rejected (a bad
    amount) and held (the edited tone threatens, so the gate stops it)."""
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,name,attention,address1,city,region,postal_code,tone,in_dispute,invoice_number,due_date,balance\n"
        '@MAIL-1,"=HYPERLINK(""http://x"",""click"")",+Attn,"=1+1 Main St",Albany,NY,12207,,no,=INV-1,2026-10-01,200.00\n'
        "-SKIP-2,+SUM(A1:A9),,2 Main St,Albany,NY,12207,,yes,-INV-2,2026-10-01,300.00\n"
        "=REJ-3,@cmd,,3 Main St,Albany,NY,12207,,no,@INV-3,2026-10-01,=1+2\n"
        '+HELD-4,"-2+3",,4 Main St,Albany,NY,12207,firm,no,+INV-4,2026-10-01,400.00\n',
        encoding="utf-8",
    )
    return accounts


def test_no_csv_the_batch_writes_holds_a_live_formula(lettergen, tmp_path):
    accounts, tones, out = hostile_export(tmp_path), threatening_tones(tmp_path), tmp_path / "out"
    r = lettergen("batch", accounts, "--policy", POLICY, "--as-of", "2026-11-27", "--out", out, "--tones", tones,
                  "--jobs", "1", "--draft")
    assert r.code == 0, r
    folder = out / "draft-2026-11-27-001"
    written = sorted(folder.rglob("*.csv"))
    names = {p.relative_to(folder).as_posix() for p in written}
    assert {"manifest.csv", "skipped.csv", "rejected.csv", "held.csv"} <= names
    assert any(n.startswith("mail/manifest-") for n in names), names
    for path in written:
        assert not live_formulas(path), (path.name, live_formulas(path))
    # each account's cells are there, defused, in the file of its fate
    text = {n: (folder / n).read_text(encoding="utf-8") for n in names}
    assert "'@MAIL-1" in text["manifest.csv"] and "'=HYPERLINK" in text["manifest.csv"]
    assert "'-SKIP-2" in text["skipped.csv"] and "'+SUM(A1:A9)" in text["skipped.csv"]
    assert "'=REJ-3" in text["rejected.csv"]
    assert "'+HELD-4" in text["held.csv"] and "'-2+3" in text["held.csv"]
    mail = next(n for n in names if n.startswith("mail/manifest-"))
    assert "'@MAIL-1" in text[mail]
    # amounts stay numbers a vendor's system reads
    (mailed,) = list(csv.DictReader(io.StringIO(text["manifest.csv"])))
    assert mailed["amount_due"] == "200.00"
    # the JSON manifest keeps the exact values
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [x["account_id"] for x in doc["letters"]] == ["@MAIL-1"]
    assert doc["letters"][0]["name"] == '=HYPERLINK("http://x","click")'


def test_plan_csv_defuses_formulas(lettergen, tmp_path):
    r = lettergen("plan", hostile_export(tmp_path), "--policy", POLICY, "--as-of", "2026-11-27", "--format", "csv")
    assert r.code in (0, 1), r
    rows = list(csv.reader(io.StringIO(r.out)))
    flat = [c for row in rows for c in row]
    assert "'@MAIL-1" in flat and "'-SKIP-2" in flat
    assert all(c == defuse(c) for c in flat), [c for c in flat if c != defuse(c)]


# ----------------------------------------------------------------------------- addresses are never cut


def json_export(tmp_path: Path, street: list[str], **extra: object) -> Path:
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps([{
        "account_id": "J-1", "name": "Jo Lin", **extra,
        "address": {"lines": street, "city": "Albany", "region": "NY", "postal_code": "12207"},
        "invoices": [{"invoice_number": "I-1", "due_date": "2026-10-01", "balance": "100.00"}],
    }]), encoding="utf-8")
    return path


@pytest.mark.parametrize("street", [["1 Main St"], ["Building 4", "1 Main St"], ["Unit 9", "Building 4", "Rear", "1 Main St"]])
def test_every_street_line_is_kept_up_to_the_limit(tmp_path, street):
    from lettergen.load import load_accounts

    res = load_accounts(json_export(tmp_path, street))
    assert not res.rejections, res.rejections
    assert res.accounts[0].address.lines == tuple(street)


@pytest.mark.parametrize("n", [5, 9])
def test_a_json_address_too_long_for_the_window_is_rejected_not_cut(lettergen, tmp_path, n):
    street = [f"Line {i}" for i in range(1, n + 1)]
    r = lettergen("plan", json_export(tmp_path, street), "--policy", POLICY, "--as-of", "2026-11-27", "--format", "json")
    doc = json.loads(r.out)
    (rej,) = doc["rejections"]
    assert rej["account_id"] == "J-1" and rej["code"] == "address_too_long"
    assert f"{n + 2} lines" in rej["reason"] and "at most 6" in rej["reason"], rej
    assert rej["column"] == "accounts[1].address.lines"
    assert not [a for a in doc["accounts"] if a.get("outcome") == "letter"]


def test_line_breaks_in_a_csv_cell_become_lines(tmp_path):
    from lettergen.load import load_accounts

    path = tmp_path / "accounts.csv"
    path.write_text('account_id,name,address1,city,region,postal_code,invoice_number,due_date,balance\n'
                    'C-1,Jo Lin,"Building 4\r\nRear Entrance\n1 Main St",Albany,NY,12207,I-1,2026-10-01,100.00\n',
                    encoding="utf-8")
    res = load_accounts(path)
    assert res.accounts[0].address.lines == ("Building 4", "Rear Entrance", "1 Main St")


def test_a_csv_cell_of_eleven_lines_is_rejected_with_its_count(lettergen, tmp_path):
    path = tmp_path / "accounts.csv"
    cell = "\n".join(f"Line {i}" for i in range(1, 12))
    path.write_text('account_id,name,address1,city,region,postal_code,invoice_number,due_date,balance\n'
                    f'C-2,Jo Lin,"{cell}",Albany,NY,12207,I-1,2026-10-01,100.00\n', encoding="utf-8")
    r = lettergen("plan", path, "--policy", POLICY, "--as-of", "2026-11-27", "--format", "json")
    (rej,) = json.loads(r.out)["rejections"]
    assert rej["code"] == "address_too_long" and "13 lines" in rej["reason"] and rej["column"] == "address1", rej


@pytest.mark.parametrize("line, what", [
    ('<link rel=stylesheet href="http://evil.example/x.css">', "markup"),
    ("1 Main St<script>", "markup"),
    ("1 Main &#60;St", "markup"),
    ("1 Main\x00 St", "U+0000"),
    ("1 Main\u202e St", "U+202E"),
])
def test_a_street_line_with_markup_or_control_characters_is_rejected(lettergen, tmp_path, line, what):
    r = lettergen("plan", json_export(tmp_path, [line]), "--policy", POLICY, "--as-of", "2026-11-27", "--format", "json")
    (rej,) = json.loads(r.out)["rejections"]
    assert rej["code"] == "bad_address" and what in rej["reason"] and rej["column"] == "accounts[1].address.lines", rej


def test_an_excel_formula_without_a_computed_value_has_its_own_reason(lettergen, tmp_path):
    """openpyxl (like any program that does not calculate) saves a formula without its value; Excel shows the
    value, lettergen would read an empty cell: the account is rejected naming the cell's formula, not 'missing'."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["account_id", "name", "address1", "address2", "city", "region", "postal_code", "invoice_number",
               "due_date", "balance"])
    ws.append(["X-1", "Jo Lin", "1 Main St", None, "Albany", "NY", "12207", "I-1", "2026-10-01", "=100+50"])
    ws.append(["X-2", "Al Ko", "2 Main St", None, "Albany", "NY", "12207", "I-2", "2026-10-01", "200.00"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    r = lettergen("plan", path, "--policy", POLICY, "--as-of", "2026-11-27", "--format", "json")
    doc = json.loads(r.out)
    (rej,) = doc["rejections"]
    assert rej["account_id"] == "X-1" and rej["row"] == 2 and rej["column"] == "balance", rej
    assert rej["code"] == "formula_without_value" and "=100+50" in rej["reason"] and "save it again" in rej["reason"]
    assert [a["account_id"] for a in doc["accounts"] if a.get("outcome") == "letter"] == ["X-2"]


# ----------------------------------------------------------------------------- honest reports


def test_every_unknown_policy_key_is_reported_at_once(lettergen, tmp_path):
    text = POLICY.read_text(encoding="utf-8").replace("\nname:", "\nnmae_typo: 1\nname:", 1)
    text = text.replace("    after_days: 3 ", "    after_dayz: 3 ", 1) + "\nmailng:\n  x: 1\n"
    policy = tmp_path / "policy.yaml"
    policy.write_text(text, encoding="utf-8")
    r = lettergen("plan", SAMPLES / "accounts.csv", "--policy", policy, "--as-of", "2026-11-27")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert "4 problems" in r.err and "'nmae_typo'" in r.err and "'mailng' (did you mean 'mailing'?)" in r.err, r.err
    assert "after_dayz' (did you mean 'after_days'?)" in r.err and "missing key" in r.err, r.err


def test_plan_checks_that_every_stage_template_exists(lettergen, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY.read_text(encoding="utf-8").replace("template: final_demand", "template: final_demnd"),
                      encoding="utf-8")
    r = lettergen("plan", SAMPLES / "accounts.csv", "--policy", policy, "--as-of", "2026-11-27")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert "template 'final_demnd' not found" in r.err and "final_demand" in r.err, r.err
