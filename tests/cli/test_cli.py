"""The command line through its real entry points: exit codes, output formats, no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES

POLICY = SAMPLES / "policy.yaml"

GOOD = """account_id,name,address1,city,region,postal_code,invoice_number,issue_date,due_date,balance
A1,Jane Doe,1 Main St,Albany,NY,12207,INV-1,2026-09-01,2026-10-01,"1,234.50"
A1,Jane Doe,1 Main St,Albany,NY,12207,INV-2,2026-09-05,2026-10-05,$10.00
A2,Bo Chen,2 Main St,Albany,NY,12207,INV-3,2026-11-01,2026-12-01,50.00
A3,Al Bad,3 Main St,Albany,NY,12207,INV-4,2026-09-01,2026-10-01,12.3.4
"""


@pytest.fixture
def accounts(tmp_path: Path) -> Path:
    p = tmp_path / "accounts.csv"
    p.write_text(GOOD, encoding="utf-8")
    return p


def test_plan_table_shows_letters_skips_totals_and_rejections(lettergen, accounts):
    r = lettergen("plan", accounts, "--policy", POLICY, "--as-of", "2026-11-27")
    assert r.code == 0, r
    lines = r.out.splitlines()
    a1 = next(line for line in lines if line.startswith("A1"))
    assert "Jane Doe" in a1 and "polite_reminder" in a1 and "1,244.50 USD" in a1 and " 57 " in a1
    a2 = next(line for line in lines if line.startswith("A2"))
    assert "skip: not_overdue" in a2
    assert "polite_reminder: 1 letter, 1,244.50 USD" in r.out
    assert "Skipped: 1 (not_overdue 1)" in r.out
    assert "Rejected: 1 account, 1 row problem" in r.out
    assert f"{accounts}:5 [balance] A3: '12.3.4' is not an amount" in r.out


def test_plan_json_and_csv_agree(lettergen, accounts):
    j = lettergen("plan", accounts, "--policy", POLICY, "--as-of", "2026-11-27", "--format", "json")
    c = lettergen("plan", accounts, "--policy", POLICY, "--as-of", "2026-11-27", "--format", "csv")
    assert j.code == 0 and c.code == 0, (j, c)
    doc = json.loads(j.out)
    rows = list(csv.DictReader(io.StringIO(c.out)))
    assert [a["account_id"] for a in doc["accounts"]] == [r["account_id"] for r in rows] == ["A1", "A2", "A3"]
    assert [a["outcome"] for a in doc["accounts"]] == ["letter", "skip", "rejected"]
    assert doc["accounts"][0]["amount_due"] == rows[0]["amount_due"] == "1244.50"
    assert doc["accounts"][0]["invoices"] == ["INV-1", "INV-2"] and rows[0]["invoices"] == "INV-1;INV-2"
    assert doc["totals"]["by_stage"]["polite_reminder"] == {"letters": 1, "amount_due": {"USD": "1244.50"}}
    assert doc["rejections"][0] == {
        "file": str(accounts), "row": 5, "column": "balance", "account_id": "A3", "code": "bad_amount",
        "reason": doc["rejections"][0]["reason"],
    }
    assert doc["as_of"] == "2026-11-27"


def _no_traceback(r) -> None:
    assert r.code == 2, r
    assert "Traceback" not in r.err and "Traceback" not in r.out, r
    assert r.err.startswith("lettergen: error:") or "Error:" in r.err, r


def test_missing_file_is_a_clear_error(lettergen, tmp_path):
    r = lettergen("plan", tmp_path / "nope.csv", "--policy", POLICY)
    _no_traceback(r)
    assert "nope.csv: file not found" in r.err


def test_bad_policy_names_the_key(lettergen, accounts, tmp_path):
    bad = tmp_path / "policy.yaml"
    bad.write_text(POLICY.read_text(encoding="utf-8").replace("escalation:", "escalaton:"), encoding="utf-8")
    r = lettergen("plan", accounts, "--policy", bad)
    _no_traceback(r)
    assert "escalaton" in r.err


def test_unknown_column_mapping_is_a_clear_error(lettergen, accounts, tmp_path):
    m = tmp_path / "map.yaml"
    m.write_text("columns:\n  Customer: nme\n", encoding="utf-8")
    r = lettergen("plan", accounts, "--policy", POLICY, "--mapping", m)
    _no_traceback(r)
    assert "unknown field 'nme'" in r.err


def test_export_without_required_column_names_it(lettergen, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("account_id,name,address1,invoice_number,balance\nA1,Jo,1 St,I1,5\n", encoding="utf-8")
    r = lettergen("plan", p, "--policy", POLICY)
    _no_traceback(r)
    assert "no column for due_date" in r.err and "--mapping" in r.err


def test_wrong_encoding_names_the_option(lettergen, tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(GOOD.replace("Jane", "José").encode("cp1252"))
    r = lettergen("plan", p, "--policy", POLICY)
    _no_traceback(r)
    assert "--encoding" in r.err
    ok = lettergen("plan", p, "--policy", POLICY, "--encoding", "cp1252", "--as-of", "2026-11-27")
    assert ok.code == 0 and "José Doe" in ok.out, ok


def test_bad_as_of_is_usage_error(lettergen, accounts):
    r = lettergen("plan", accounts, "--policy", POLICY, "--as-of", "27/11/2026")
    _no_traceback(r)
    assert "YYYY-MM-DD" in r.err


def test_no_policy_anywhere_says_how_to_fix(lettergen, accounts):
    r = lettergen("plan", accounts)
    _no_traceback(r)
    assert "--policy" in r.err and "samples/policy.yaml" in r.err


def test_plan_reads_the_ledger_and_import_refuses_twice(lettergen, accounts, tmp_path):
    hist = tmp_path / "history.csv"
    hist.write_text("account_id,stage,sent_on,invoices\nA1,polite_reminder,2026-11-01,INV-1;INV-2\n", encoding="utf-8")
    db = tmp_path / "ledger.db"
    r = lettergen("ledger", "import", hist, "--ledger", db, "--as-of", "2026-11-27")
    assert r.code == 0 and "imported 1 letter" in r.out, r
    again = lettergen("ledger", "import", hist, "--ledger", db, "--as-of", "2026-11-27")
    _no_traceback(again)
    assert "already recorded" in again.err
    p = lettergen("plan", accounts, "--policy", POLICY, "--ledger", db, "--as-of", "2026-11-27", "--format", "json")
    a1 = json.loads(p.out)["accounts"][0]
    assert a1["stage"] == "firm_notice", p
    show = lettergen("ledger", "show", "--ledger", db)
    assert "A1  2026-11-01  polite_reminder" in show.out


def test_plan_never_creates_the_ledger(lettergen, accounts, tmp_path):
    r = lettergen("plan", accounts, "--policy", POLICY, "--as-of", "2026-11-27")
    assert r.code == 0
    assert not (tmp_path / "batches").exists()


def test_console_script_and_help():
    exe = Path(sys.executable).parent / "lettergen"
    script = str(exe) if exe.exists() else shutil.which("lettergen")
    assert script, "the lettergen console script is not installed"
    r = subprocess.run([script, "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "plan" in r.stdout and "ledger" in r.stdout
    h = subprocess.run([script, "plan", "--help"], capture_output=True, text=True)
    assert "--as-of" in h.stdout and "--mapping" in h.stdout and "--ledger" in h.stdout
    v = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert v.returncode == 0 and "lettergen" in v.stdout
