"""The evidence trail: per-letter evidence and batch-file hashes in a real SQLite ledger, shown and verified."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import count
from lettergen.errors import LedgerError
from lettergen.assemble.checksums import folder_hashes
from lettergen.evidence import history_json, history_table, letter_evidence, lint_summary, verify_batch
from lettergen.ledger import EVIDENCE_KEYS, HISTORY_KEYS, MIGRATIONS, SCHEMA_VERSION, Ledger
from lettergen.models import SentLetter

JUNE = date(2026, 6, 1)
JULY = date(2026, 7, 1)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def letter(account_id: str = "A1", stage: str = "polite_reminder", sent_on: date = JUNE, **kw: object) -> SentLetter:
    fields: dict[str, object] = {
        "account_id": account_id, "stage": stage, "sent_on": sent_on, "batch_id": "ignored", "template": stage,
        "template_hash": "t" * 64, "content_hash": f"c-{account_id}-{stage}", "invoices": ("INV-1", "INV-2"),
        "amount": Decimal("1234.50"), "currency": "USD",
    }
    fields.update(kw)
    return SentLetter(**fields)  # type: ignore[arg-type]


def evidence(account_id: str, stage: str, pdf: bytes, batch_pdf: bytes, pdf_file: str = "", **kw: object) -> dict:
    ev: dict[str, object] = {
        "input_record": {"id": account_id, "name": "Ærø Café GmbH", "invoices": [{"number": "INV-1", "balance": "1234.50"}]},
        "template": stage,
        "template_hash": sha(f"template {stage}".encode()),
        "tone": "friendly",
        "tone_hash": sha(b"tone friendly"),
        "approvals": {f"letter_templates/{stage}.html.j2": f"APR-{stage[:4]}", "tone_profiles/friendly.yaml": "APR-tone"},
        "rule_packs": {"US-FDCPA": "1.2.0", "plain-language": "0.9"},
        "lint": [
            {"rule": "plain.long-sentence", "level": "warning", "message": "A sentence of 41 words.", "suppressed": False},
            {"rule": "fdcpa.mini-miranda", "level": "error", "message": "No mini-Miranda.", "suppressed": True},
            {"rule": "plain.passive", "level": "suggestion", "message": "Passive voice.", "suppressed": True},
        ],
        "pdf_file": pdf_file,
        "pdf_sha256": sha(pdf),
        "batch_pdf_sha256": sha(batch_pdf),
    }
    ev.update(kw)
    return ev


def write_batch(out: Path, batch_id: str, letters: dict[str, bytes]) -> tuple[Path, bytes]:
    """A batch folder of real files: letters/*.pdf, batch.pdf, manifest.csv, SHA256SUMS."""
    folder = out / batch_id
    (folder / "letters").mkdir(parents=True)
    for name, data in letters.items():
        (folder / "letters" / name).write_bytes(data)
    batch_pdf = b"%PDF-1.7\n" + b"".join(letters.values()) + b"%%EOF\n"
    (folder / "batch.pdf").write_bytes(batch_pdf)
    (folder / "manifest.csv").write_text("sequence,account_id\n" + "".join(f"{i},{n}\n" for i, n in enumerate(letters, 1)), encoding="utf-8")
    (folder / "SHA256SUMS").write_text("".join(f"{sha(d)}  letters/{n}\n" for n, d in letters.items()), encoding="utf-8")
    return folder, batch_pdf


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Ledger, Path]:
    """One batch of two letters, recorded with evidence and the hashes of its folder's files."""
    ledger = Ledger(tmp_path / "batches" / "lettergen.db")
    pdfs = {"0001-A1-polite_reminder.pdf": b"%PDF-1.7 letter A1\n", "0002-B2-polite_reminder.pdf": b"%PDF-1.7 letter B2\n"}
    folder, batch_pdf = write_batch(tmp_path / "batches", "2026-06-01-001", pdfs)
    ledger.record(
        folder.name, JUNE, [letter("A1"), letter("B2")],
        evidence=[
            evidence("A1", "polite_reminder", pdfs["0001-A1-polite_reminder.pdf"], batch_pdf, "letters/0001-A1-polite_reminder.pdf"),
            evidence("B2", "polite_reminder", pdfs["0002-B2-polite_reminder.pdf"], batch_pdf),  # no pdf_file: found by its hash
        ],
        batch_files=folder_hashes(folder),
    )
    return ledger, folder


# ---------------------------------------------------------------- migration


def test_a_version_2_ledger_is_migrated_to_3_and_keeps_its_letters(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:2]:  # the schema as lettergen wrote it before the evidence trail
        for statement in migration.split(";"):
            if statement.strip():
                con.execute(statement)
    con.execute("PRAGMA user_version = 2")
    con.execute("INSERT INTO batches(batch_id, as_of, letters, source) VALUES ('old-batch', '2026-05-01', 1, 'batch')")
    con.execute(
        "INSERT INTO letters(account_id, stage, sent_on, batch_id, template, template_hash, content_hash, invoices, amount, currency, imb) "
        "VALUES ('A1', 'polite_reminder', '2026-05-01', 'old-batch', 'polite_reminder', 'th', 'ch', '[\"INV-1\"]', '99.90', 'USD', '')"
    )
    con.close()

    ledger = Ledger(path)
    assert SCHEMA_VERSION == 3
    assert [(s.stage, s.sent_on, s.amount) for s in ledger.history("A1")] == [("polite_reminder", date(2026, 5, 1), Decimal("99.90"))]
    assert count(path, "PRAGMA user_version") == 3
    assert count(path, "PRAGMA integrity_check") == "ok"
    assert count(path, "SELECT COUNT(*) FROM evidence") == 0
    assert count(path, "SELECT COUNT(*) FROM batch_files") == 0

    # the old letter has no evidence, and new letters can be recorded with it
    (old,) = ledger.letter_history("A1")
    assert old["has_evidence"] is False
    assert (old["tone"], old["approvals"], old["rule_packs"], old["lint"], old["pdf_sha256"]) == ("", {}, {}, [], "")
    assert (old["template"], old["template_hash"], old["content_hash"], old["invoices"]) == ("polite_reminder", "th", "ch", ["INV-1"])
    ledger.record("new-batch", JULY, [letter("A1", "firm_notice", JULY)], evidence=[evidence("A1", "firm_notice", b"x", b"y")])
    assert [(r["batch_id"], r["has_evidence"]) for r in ledger.letter_history("A1")] == [("old-batch", False), ("new-batch", True)]


# ---------------------------------------------------------------- recording and reading


def test_record_without_evidence_works_as_before(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    assert ledger.record("b1", JUNE, [letter("A1")]) == 1
    assert ledger.batch_files("b1") == {}
    (row,) = ledger.letter_history("A1")
    assert set(row) == set(HISTORY_KEYS)
    assert row["has_evidence"] is False and row["batch_source"] == "batch" and row["as_of"] == JUNE
    assert count(tmp_path / "l.db", "SELECT COUNT(*) FROM evidence") == 0


def test_two_batches_for_one_account_give_two_entries_oldest_first_with_their_hashes(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    july_files = {"batch.pdf": sha(b"july batch"), "letters/0001-A1-firm_notice.pdf": sha(b"july A1")}
    june_files = {"batch.pdf": sha(b"june batch"), "letters/0001-A1-polite_reminder.pdf": sha(b"june A1"), "manifest.csv": sha(b"m")}
    # recorded out of order: the history is still oldest first
    ledger.record("2026-07-01-001", JULY, [letter("A1", "firm_notice", JULY, imb="0" * 20)],
                  evidence=[evidence("A1", "firm_notice", b"july A1", b"july batch", "letters/0001-A1-firm_notice.pdf")],
                  batch_files=july_files)
    ledger.record("2026-06-01-001", JUNE, [letter("A1"), letter("B2")],
                  evidence=[evidence("A1", "polite_reminder", b"june A1", b"june batch", "letters/0001-A1-polite_reminder.pdf"),
                            evidence("B2", "polite_reminder", b"june B2", b"june batch")],
                  batch_files=june_files)

    rows = ledger.letter_history("A1")
    assert [(r["sent_on"], r["stage"], r["batch_id"]) for r in rows] == [
        (JUNE, "polite_reminder", "2026-06-01-001"), (JULY, "firm_notice", "2026-07-01-001"),
    ]
    june, july = rows
    assert all(set(r) == set(HISTORY_KEYS) and r["has_evidence"] for r in rows)
    assert june["pdf_sha256"] == sha(b"june A1") and june["batch_pdf_sha256"] == sha(b"june batch")
    assert july["pdf_sha256"] == sha(b"july A1") and july["batch_pdf_sha256"] == sha(b"july batch")
    assert july["pdf_file"] == "letters/0001-A1-firm_notice.pdf" and july["imb"] == "0" * 20
    assert june["template_hash"] == sha(b"template polite_reminder") and july["template_hash"] == sha(b"template firm_notice")
    assert june["tone"] == "friendly" and june["tone_hash"] == sha(b"tone friendly")
    assert june["approvals"] == {"letter_templates/polite_reminder.html.j2": "APR-poli", "tone_profiles/friendly.yaml": "APR-tone"}
    assert june["rule_packs"] == {"US-FDCPA": "1.2.0", "plain-language": "0.9"}
    assert [f["rule"] for f in june["lint"]] == ["plain.long-sentence", "fdcpa.mini-miranda", "plain.passive"]
    assert june["input_record"]["name"] == "Ærø Café GmbH"
    assert june["amount"] == Decimal("1234.50") and june["invoices"] == ["INV-1", "INV-2"] and june["currency"] == "USD"
    assert june["content_hash"] == "c-A1-polite_reminder" and june["as_of"] == JUNE

    assert ledger.batch_files("2026-06-01-001") == june_files
    assert ledger.batch_files("2026-07-01-001") == july_files
    assert ledger.batch_files("nope") == {}
    assert [r["account_id"] for r in ledger.batch_evidence("2026-06-01-001")] == ["A1", "B2"]


def test_evidence_is_written_in_the_same_transaction(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    ledger = Ledger(path)
    ledger.record("b1", JUNE, [letter("A1")], evidence=[evidence("A1", "polite_reminder", b"a", b"b")], batch_files={"batch.pdf": sha(b"b")})
    # the same batch id again: refused, and neither evidence nor files double
    with pytest.raises(LedgerError, match="already recorded"):
        ledger.record("b1", JUNE, [letter("A2")], evidence=[evidence("A2", "polite_reminder", b"c", b"d")], batch_files={"x": "y"})
    assert count(path, "SELECT COUNT(*) FROM evidence") == 1
    assert count(path, "SELECT COUNT(*) FROM batch_files") == 1
    # evidence that cannot be stored rolls the letters back too
    with pytest.raises(TypeError):
        ledger.record("b2", JUNE, [letter("A3")], evidence=[{"input_record": {"x": object()}}])
    assert ledger.history("A3") == () and [b for b, *_ in ledger.batches()] == ["b1"]


def test_evidence_count_and_keys_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    ledger = Ledger(path)
    with pytest.raises(ValueError, match="fewer evidence dicts than the 2 letters"):
        ledger.record("b1", JUNE, [letter("A1"), letter("A2")], evidence=[{}])
    with pytest.raises(ValueError, match="more evidence dicts than the 1 letters"):
        ledger.record("b1", JUNE, iter([letter("A1")]), evidence=({} for _ in range(2)))
    with pytest.raises(ValueError, match="unknown keys pdf_sha"):
        ledger.record("b1", JUNE, [letter("A1")], evidence=[{"pdf_sha": "x"}])
    assert ledger.batches() == []
    # every key is optional: a missing one is stored empty
    ledger.record("b1", JUNE, [letter("A1")], evidence=[{"tone": "firm"}])
    (row,) = ledger.letter_history("A1")
    assert row["has_evidence"] and row["tone"] == "firm" and row["lint"] == [] and row["approvals"] == {} and row["pdf_sha256"] == ""
    assert row["template"] == "polite_reminder"  # the letter's own, when the evidence has none
    assert set(EVIDENCE_KEYS) <= set(HISTORY_KEYS)


def test_input_record_json_is_stable_and_takes_dates_and_decimals(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Ledger(path).record("b1", JUNE, [letter("A1")], evidence=[{"input_record": {"z": Decimal("1.10"), "a": date(2026, 1, 2), "name": "Zoë"}}])
    assert count(path, "SELECT input_record FROM evidence") == '{"a":"2026-01-02","name":"Zoë","z":"1.10"}'


def test_letter_history_of_a_missing_ledger_creates_nothing(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "none" / "l.db")
    assert ledger.letter_history("A1") == []
    assert ledger.batch_files("b1") == {}
    assert ledger.batch("b1") is None
    assert not (tmp_path / "none").exists()


def test_imported_history_has_empty_evidence(tmp_path: Path) -> None:
    csv_path = tmp_path / "history.csv"
    csv_path.write_text("account_id,stage,sent_on\nA1,polite_reminder,2026-04-02\n", encoding="utf-8")
    ledger = Ledger(tmp_path / "l.db")
    ledger.import_csv(csv_path, "import-1", JUNE)
    (row,) = ledger.letter_history("A1")
    assert row["batch_source"] == "import" and not row["has_evidence"] and row["content_hash"] == "imported"
    assert "(imported)" in history_table([row]) and "none (imported from a history file)" in history_table([row])


# ---------------------------------------------------------------- building


def test_letter_evidence_from_a_composed_letter() -> None:
    from types import SimpleNamespace

    from lettergen.models import Account, Address, Finding

    account = Account(id="A1", name="Acme", address=Address(lines=("1 Main St",), city="Springfield"))
    lt = SimpleNamespace(job=SimpleNamespace(account=account), template="polite_reminder", template_hash="th", tone="friendly", tone_hash="toh")
    ev = letter_evidence(
        lt,
        findings=[Finding(rule="r1", level="warning", message="m", suppressed=True, suppression_reason="legal OK'd")],
        packs=[SimpleNamespace(name="US-FDCPA", version="1.2.0")],
        approvals={"letter_templates/polite_reminder.html.j2": "APR-1"},
        pdf_file="letters/0001-A1-polite_reminder.pdf", pdf_sha256="p", batch_pdf_sha256="b",
    )
    assert set(ev) == set(EVIDENCE_KEYS)
    assert ev["input_record"]["id"] == "A1" and ev["input_record"]["address"]["city"] == "Springfield"
    assert ev["lint"] == [{"rule": "r1", "level": "warning", "message": "m", "suppressed": True, "suppression_reason": "legal OK'd"}]
    assert ev["rule_packs"] == {"US-FDCPA": "1.2.0"}
    json.dumps(ev)  # storable as is


# ---------------------------------------------------------------- showing


def test_history_table_shows_each_letter_with_its_evidence(recorded: tuple[Ledger, Path], tmp_path: Path) -> None:
    ledger, folder = recorded
    ledger.record("2026-07-01-001", JULY, [letter("A1", "firm_notice", JULY)])  # a later letter without evidence
    text = history_table(ledger.letter_history("A1"))
    assert text.startswith("Account A1: 2 letters, oldest first\n")
    first, second = text.split("\n\n")[1:]
    assert first.startswith("2026-06-01  polite_reminder  batch 2026-06-01-001\n")
    assert f"polite_reminder  sha256 {sha(b'template polite_reminder')[:12]}\n" in first
    assert sha(b"template polite_reminder") not in first  # short
    assert f"friendly  sha256 {sha(b'tone friendly')[:12]}\n" in first
    assert "letter_templates/polite_reminder.html.j2: APR-poli" in first and "tone_profiles/friendly.yaml: APR-tone" in first
    assert "US-FDCPA 1.2.0, plain-language 0.9" in first
    assert "lint       0 errors, 1 warning, 2 suppressed" in first
    assert f"letter PDF {sha(b'%PDF-1.7 letter A1' + chr(10).encode())}  letters/0001-A1-polite_reminder.pdf" in first
    assert f"batch.pdf  {sha((folder / 'batch.pdf').read_bytes())}" in first
    assert "INV-1, INV-2  amount 1,234.50 USD" in first
    assert second.startswith("2026-07-01  firm_notice  batch 2026-07-01-001\n")
    assert "none (recorded before the evidence trail)" in second
    assert history_table([]) == "No letters recorded.\n"


def test_lint_summary_counts() -> None:
    assert lint_summary([]) == "0 errors, 0 warnings, 0 suppressed"
    lint = [{"level": "error", "suppressed": False}, {"level": "error", "suppressed": False}, {"level": "warning", "suppressed": True},
            {"level": "suggestion", "suppressed": False}]
    assert lint_summary(lint) == "2 errors, 0 warnings, 1 suggestion, 1 suppressed"


def test_history_json_is_stable_and_readable(recorded: tuple[Ledger, Path]) -> None:
    ledger, _ = recorded
    rows = ledger.letter_history("A1")
    text = history_json(rows)
    assert text == history_json(ledger.letter_history("A1"))
    data = json.loads(text)
    assert isinstance(data, list) and len(data) == 1
    (entry,) = data
    assert list(entry) == sorted(entry)  # sorted keys
    assert entry["sent_on"] == "2026-06-01" and entry["as_of"] == "2026-06-01"
    assert entry["amount"] == "1234.50"  # a string, never a float
    assert entry["rule_packs"] == {"US-FDCPA": "1.2.0", "plain-language": "0.9"}
    assert entry["lint"][0]["level"] == "warning"
    assert "Ærø Café GmbH" in text  # not ASCII-escaped
    assert history_json([]) == "[]\n"


# ---------------------------------------------------------------- verifying


def test_verify_an_untouched_batch_folder(recorded: tuple[Ledger, Path]) -> None:
    ledger, folder = recorded
    assert verify_batch(folder, ledger) == []
    assert verify_batch(Path(str(folder) + "/"), Ledger(ledger.path)) == []


def test_verify_names_batch_pdf_when_one_byte_changed(recorded: tuple[Ledger, Path]) -> None:
    ledger, folder = recorded
    pdf = folder / "batch.pdf"
    before = pdf.read_bytes()
    data = bytearray(before)
    data[10] ^= 0x01
    pdf.write_bytes(bytes(data))
    (msg,) = verify_batch(folder, ledger)
    assert msg == f"batch.pdf: SHA-256 differs from the ledger (recorded {sha(before)[:12]}..., now {sha(bytes(data))[:12]}...)"


def test_verify_a_changed_letter_pdf(recorded: tuple[Ledger, Path]) -> None:
    ledger, folder = recorded
    (folder / "letters" / "0002-B2-polite_reminder.pdf").write_bytes(b"%PDF-1.7 letter B2, edited\n")
    (msg,) = verify_batch(folder, ledger)
    assert msg.startswith("letters/0002-B2-polite_reminder.pdf: SHA-256 differs from the ledger (recorded ")


def test_verify_a_deleted_file_is_missing(recorded: tuple[Ledger, Path]) -> None:
    ledger, folder = recorded
    (folder / "letters" / "0001-A1-polite_reminder.pdf").unlink()
    (folder / "manifest.csv").unlink()
    assert verify_batch(folder, ledger) == ["letters/0001-A1-polite_reminder.pdf: missing", "manifest.csv: missing"]


def test_verify_an_added_file_is_not_in_the_ledger(recorded: tuple[Ledger, Path]) -> None:
    ledger, folder = recorded
    (folder / "extra.txt").write_text("added after the batch\n", encoding="utf-8")
    (folder / "letters" / "0003-C3-polite_reminder.pdf").write_bytes(b"%PDF slipped in\n")
    assert verify_batch(folder, ledger) == ["extra.txt: not in the ledger", "letters/0003-C3-polite_reminder.pdf: not in the ledger"]


def test_verify_checks_each_letter_pdf_against_the_letters_own_hash(tmp_path: Path) -> None:
    """The batch's file list and the letter's evidence disagree (a file replaced before recording): both are checked."""
    pdfs = {"0001-A1-polite_reminder.pdf": b"%PDF A1\n"}
    folder, batch_pdf = write_batch(tmp_path, "b1", pdfs)
    ledger = Ledger(tmp_path / "l.db")
    ledger.record("b1", JUNE, [letter("A1")],
                  evidence=[evidence("A1", "polite_reminder", b"%PDF what was typeset\n", batch_pdf, "letters/0001-A1-polite_reminder.pdf")],
                  batch_files=folder_hashes(folder))
    (msg,) = verify_batch(folder, ledger)
    assert msg.startswith("letters/0001-A1-polite_reminder.pdf: SHA-256 differs from the ledger (recorded ")
    assert msg.endswith("(the letter to A1, polite_reminder)")


def test_verify_an_unknown_batch_is_a_clear_error(recorded: tuple[Ledger, Path], tmp_path: Path) -> None:
    ledger, folder = recorded
    other = tmp_path / "elsewhere" / "2026-08-01-001"
    other.mkdir(parents=True)
    (other / "batch.pdf").write_bytes(b"%PDF")
    with pytest.raises(LedgerError) as info:
        verify_batch(other, ledger)
    msg = str(info.value)
    assert "2026-08-01-001" in msg and str(ledger.path) in msg and "--ledger" in msg
    # a ledger that does not exist says so, and is not created
    missing = Ledger(tmp_path / "nope" / "lettergen.db")
    with pytest.raises(LedgerError, match="there is no ledger file there"):
        verify_batch(folder, missing)
    assert not (tmp_path / "nope").exists()


def test_verify_a_batch_recorded_without_file_hashes_is_a_clear_error(tmp_path: Path) -> None:
    folder, _ = write_batch(tmp_path, "b-old", {"0001-A1-polite_reminder.pdf": b"%PDF A1\n"})
    ledger = Ledger(tmp_path / "l.db")
    ledger.record("b-old", JUNE, [letter("A1")])
    with pytest.raises(LedgerError, match="without the SHA-256 of its files"):
        verify_batch(folder, ledger)
