"""The ledger: a real SQLite file recording every letter, safe with more than one writer."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import count
from lettergen.errors import LedgerBusyError, LedgerError
from lettergen.ledger import SCHEMA_VERSION, Ledger
from lettergen.models import SentLetter

AS_OF = date(2026, 6, 1)
PROJECT = Path(__file__).resolve().parent.parent


def letter(account_id: str = "A1", stage: str = "polite_reminder", sent_on: date = AS_OF, **kw: object) -> SentLetter:
    fields: dict[str, object] = {
        "account_id": account_id,
        "stage": stage,
        "sent_on": sent_on,
        "batch_id": "ignored",
        "template": stage,
        "template_hash": "t-hash",
        "content_hash": f"c-{account_id}-{stage}",
        "invoices": ("INV-1", "INV-2"),
        "amount": Decimal("1234.50"),
        "currency": "USD",
    }
    fields.update(kw)
    return SentLetter(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- round trip


def test_record_then_history_round_trips_every_field(tmp_path: Path) -> None:
    path = tmp_path / "ledger" / "lettergen.db"  # the folder is created on first write
    ledger = Ledger(path)
    original = letter(amount=Decimal("1234.50"), invoices=("INV-1", "INV-2"), currency="USD")
    no_amount = letter(stage="firm_notice", sent_on=date(2026, 6, 15), amount=None, currency=None, invoices=())
    assert ledger.record("batch-1", AS_OF, [original]) == 1
    assert ledger.record("batch-2", date(2026, 6, 15), [no_amount]) == 1

    history = Ledger(path).history("A1")
    assert len(history) == 2
    first, second = history
    assert first == original.model_copy(update={"batch_id": "batch-1"})
    assert isinstance(first.amount, Decimal) and str(first.amount) == "1234.50"  # never a float, trailing zero kept
    assert first.invoices == ("INV-1", "INV-2")
    assert first.sent_on == AS_OF
    assert second == no_amount.model_copy(update={"batch_id": "batch-2"})
    assert second.amount is None and second.invoices == ()


def test_history_is_oldest_first_and_per_account(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    ledger.record("b2", date(2026, 7, 1), [letter("A1", "firm_notice", date(2026, 7, 1)), letter("B7", "polite_reminder", date(2026, 7, 1))])
    ledger.record("b1", date(2026, 6, 1), [letter("A1", "polite_reminder", date(2026, 6, 1))])
    assert [s.stage for s in ledger.history("A1")] == ["polite_reminder", "firm_notice"]
    assert [s.stage for s in ledger.history("B7")] == ["polite_reminder"]
    assert ledger.history("nobody") == ()


def test_histories_for_many_accounts(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    ledger.record("b1", AS_OF, [letter(f"ACC-{i:03}") for i in range(50)])
    ledger.record("b2", date(2026, 6, 20), [letter("ACC-007", "firm_notice", date(2026, 6, 20))])
    everyone = ledger.histories()
    assert len(everyone) == 50
    assert [s.stage for s in everyone["ACC-007"]] == ["polite_reminder", "firm_notice"]
    some = ledger.histories(["ACC-001", "ACC-007", "ACC-999"])
    assert set(some) == {"ACC-001", "ACC-007"}  # an account without letters is simply absent
    assert [s.batch_id for s in some["ACC-007"]] == ["b1", "b2"]
    assert [(b, d, n, s) for b, d, n, s in ledger.batches()] == [("b1", AS_OF, 50, "batch"), ("b2", date(2026, 6, 20), 1, "batch")]


def test_reading_a_missing_ledger_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "lettergen.db"
    ledger = Ledger(path)
    assert ledger.history("A1") == ()
    assert ledger.histories() == {}
    assert ledger.batches() == []
    assert not path.exists()
    assert not path.parent.exists()


def test_an_empty_batch_is_recorded(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    assert ledger.record("empty", AS_OF, []) == 0
    assert ledger.batches() == [("empty", AS_OF, 0, "batch")]


# ---------------------------------------------------------------- never twice


def test_recording_the_same_batch_twice_is_an_error_and_nothing_doubles(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    ledger = Ledger(path)
    ledger.record("batch-1", AS_OF, [letter("A1"), letter("A2")])
    with pytest.raises(LedgerError) as info:
        ledger.record("batch-1", AS_OF, [letter("A1"), letter("A2"), letter("A3")])
    assert "batch-1" in str(info.value)
    assert "already recorded" in str(info.value)
    assert not isinstance(info.value, LedgerBusyError)
    assert len(ledger.history("A1")) == 1
    assert ledger.history("A3") == ()
    assert count(path, "SELECT COUNT(*) FROM letters") == 2
    assert count(path, "SELECT COUNT(*) FROM batches") == 1


def test_a_failed_batch_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    ledger = Ledger(path)
    ledger.record("batch-1", AS_OF, [letter("A1")])

    def letters():
        yield letter("B1")
        raise RuntimeError("the generator broke")

    with pytest.raises(RuntimeError):
        ledger.record("batch-2", AS_OF, letters())
    assert [b for b, *_ in ledger.batches()] == ["batch-1"]
    assert ledger.history("B1") == ()


# ---------------------------------------------------------------- the file


def test_schema_version_is_set(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Ledger(path).record("b1", AS_OF, [letter()])
    assert SCHEMA_VERSION >= 1
    assert count(path, "PRAGMA user_version") == SCHEMA_VERSION
    assert count(path, "PRAGMA integrity_check") == "ok"


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,name\n" + "A1,Acme\n" * 200, encoding="utf-8")
    for action in (lambda: Ledger(path).history("A1"), lambda: Ledger(path).record("b1", AS_OF, [letter()])):
        with pytest.raises(LedgerError) as info:
            action()
        msg = str(info.value)
        assert str(path) in msg
        assert "not a lettergen ledger" in msg
        assert "--ledger" in msg
    assert path.read_text(encoding="utf-8").startswith("account_id,name\n")  # left untouched


def test_a_ledger_with_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Ledger(path).record("b1", AS_OF, [letter()])
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    for action in (lambda: Ledger(path).history("A1"), lambda: Ledger(path).record("b2", AS_OF, [letter()])):
        with pytest.raises(LedgerError) as info:
            action()
        assert "newer" in str(info.value)
        assert "upgrade lettergen" in str(info.value)
    assert count(path, "SELECT COUNT(*) FROM batches") == 1


# ---------------------------------------------------------------- import


def test_import_csv_of_letters_sent_before_lettergen(tmp_path: Path) -> None:
    csv_path = tmp_path / "history.csv"
    csv_path.write_text(
        "\ufeffaccount_id,stage,sent_on,invoices,template\n"
        "A1,polite_reminder,2026-04-02,INV-1; INV-2,old_reminder\n"
        " A1 ,firm_notice,2026-05-02,,\n"
        "B2,polite_reminder,2026-05-10,INV-9,\n",
        encoding="utf-8",
    )
    ledger = Ledger(tmp_path / "l.db")
    assert ledger.import_csv(csv_path, "import-1", AS_OF) == 3
    a1 = ledger.history("A1")
    assert [(s.stage, s.sent_on, s.invoices, s.template) for s in a1] == [
        ("polite_reminder", date(2026, 4, 2), ("INV-1", "INV-2"), "old_reminder"),
        ("firm_notice", date(2026, 5, 2), (), "firm_notice"),  # template defaults to the stage
    ]
    assert all(s.batch_id == "import-1" for s in a1)
    assert ledger.batches() == [("import-1", AS_OF, 3, "import")]
    # importing the same file again under the same id does not double it
    with pytest.raises(LedgerError, match="already recorded"):
        ledger.import_csv(csv_path, "import-1", AS_OF)
    assert len(ledger.history("A1")) == 2


def test_import_csv_bad_date_names_row_and_column(tmp_path: Path) -> None:
    csv_path = tmp_path / "history.csv"
    csv_path.write_text(
        "account_id,stage,sent_on\nA1,polite_reminder,2026-04-02\nA2,polite_reminder,04/31/2026\n",
        encoding="utf-8",
    )
    path = tmp_path / "l.db"
    with pytest.raises(LedgerError) as info:
        Ledger(path).import_csv(csv_path, "import-1", AS_OF)
    msg = str(info.value)
    assert "row 3" in msg  # the spreadsheet row: header is row 1
    assert "sent_on" in msg
    assert "04/31/2026" in msg
    assert "YYYY-MM-DD" in msg
    assert Ledger(path).history("A1") == ()  # nothing of the file was recorded


def test_import_csv_missing_columns_are_named(tmp_path: Path) -> None:
    csv_path = tmp_path / "history.csv"
    csv_path.write_text("account,stage,date\nA1,polite_reminder,2026-04-02\n", encoding="utf-8")
    with pytest.raises(LedgerError) as info:
        Ledger(tmp_path / "l.db").import_csv(csv_path, "import-1", AS_OF)
    assert "account_id" in str(info.value) and "sent_on" in str(info.value)


def test_import_csv_row_without_account_or_stage_names_row_and_column(tmp_path: Path) -> None:
    csv_path = tmp_path / "history.csv"
    csv_path.write_text("account_id,sent_on,stage\nA1,2026-04-02,polite_reminder\nA2,2026-04-03\n", encoding="utf-8")
    with pytest.raises(LedgerError) as info:
        Ledger(tmp_path / "l.db").import_csv(csv_path, "import-1", AS_OF)
    assert "row 3" in str(info.value) and "stage" in str(info.value)

    csv_path.write_text("account_id,sent_on,stage\n ,2026-04-02,polite_reminder\n", encoding="utf-8")
    with pytest.raises(LedgerError) as info:
        Ledger(tmp_path / "l.db").import_csv(csv_path, "import-2", AS_OF)
    assert "row 2" in str(info.value) and "account_id" in str(info.value)


def test_import_csv_missing_file_is_a_ledger_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="cannot read the history file"):
        Ledger(tmp_path / "l.db").import_csv(tmp_path / "nope.csv", "import-1", AS_OF)


# ---------------------------------------------------------------- more than one writer

WRITER = textwrap.dedent(
    """
    import os, sys, time
    from datetime import date
    from decimal import Decimal
    from lettergen.ledger import Ledger
    from lettergen.models import SentLetter

    path, tag, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:  # start together with the other writer
        time.sleep(0.005)
    ledger = Ledger(path)
    for i in range(n):
        letters = [
            SentLetter(account_id=f"{tag}-{i}-{k}", stage="polite_reminder", sent_on=date(2026, 6, 1), batch_id="x",
                       template="polite_reminder", content_hash="h", invoices=(f"INV-{i}",), amount=Decimal("10.00"), currency="USD")
            for k in range(5)
        ]
        assert ledger.record(f"{tag}-{i}", date(2026, 6, 1), letters) == 5
        ledger.history(f"{tag}-{i}-0")
    print("done", tag)
    """
)


def test_two_concurrent_writers_record_every_batch_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "lettergen.db"  # neither process finds a ledger: both race to create it
    n = 60
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), tag, str(n), str(go)],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("alpha", "beta")
    ]
    go.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert "Traceback" not in err, err
        assert p.returncode == 0, err
        assert out.startswith("done")

    assert count(path, "PRAGMA integrity_check") == "ok"
    con = sqlite3.connect(path)
    try:
        batch_ids = [r[0] for r in con.execute("SELECT batch_id FROM batches")]
        per_batch = dict(con.execute("SELECT batch_id, COUNT(*) FROM letters GROUP BY batch_id").fetchall())
    finally:
        con.close()
    expected = {f"{tag}-{i}" for tag in ("alpha", "beta") for i in range(n)}
    assert len(batch_ids) == len(expected)
    assert set(batch_ids) == expected
    assert per_batch == {b: 5 for b in expected}
    assert len(Ledger(path).histories()) == 2 * n * 5


def test_a_writer_blocked_by_a_held_lock_says_the_ledger_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Ledger(path).record("b1", AS_OF, [letter("A1")])
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        blocker.execute("INSERT INTO batches(batch_id, as_of, letters) VALUES ('other', '2026-06-01', 0)")
        with pytest.raises(LedgerBusyError) as info:
            Ledger(path, timeout=0.2).record("b2", AS_OF, [letter("A2")])
        msg = str(info.value)
        assert "busy" in msg
        assert str(path) in msg
        assert "Nothing was recorded" in msg
        assert not isinstance(info.value, sqlite3.Error)
        assert info.value.__cause__ is None or not isinstance(info.value.__cause__, sqlite3.Error)
        # a reader is not blocked by the writer
        assert [s.batch_id for s in Ledger(path, timeout=0.2).history("A1")] == ["b1"]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # once the lock is released the same batch can be recorded
    assert Ledger(path, timeout=0.2).record("b2", AS_OF, [letter("A2")]) == 1
    assert [b for b, *_ in Ledger(path).batches()] == ["b1", "b2"]


def test_a_writer_blocked_while_the_ledger_is_being_created_says_busy(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(LedgerBusyError, match="busy"):
            Ledger(path, timeout=0.2).record("b1", AS_OF, [letter("A1")])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert Ledger(path).record("b1", AS_OF, [letter("A1")]) == 1


def test_an_imb_serial_already_recorded_refuses_the_whole_batch(tmp_path):
    """Two batches that read the last serial at the same moment would print the same barcodes; the ledger
    refuses the second in its recording transaction. The key is mailer id + serial, whatever the barcode id,
    service type or ZIP; 9-digit mailer ids (beginning with 9) have 6-digit serials."""
    led = Ledger(tmp_path / "l.db")
    six = "00" "040" "123456" "000001000"  # barcode id, service type, mailer id, serial
    nine = "00" "040" "912345678" "000042"
    led.record("B1", AS_OF, [letter("A1", imb=six + "12345"), letter("A2", imb=nine + "606061234"), letter("A3")])
    again = "01" "300" "123456" "000001000" + "99999"  # same mailer id and serial, other barcode id / STID / ZIP
    with pytest.raises(LedgerError) as err:
        led.record("B2", AS_OF + timedelta(days=7), [letter("A4", imb="00040123456000001001"), letter("A5", imb=again)])
    assert "123456/1000" in str(err.value) and "run this batch again" in str(err.value)
    assert [b[0] for b in led.batches()] == ["B1"]  # nothing of B2 was recorded
    with pytest.raises(LedgerError, match="912345678/42"):
        led.record("B3", AS_OF + timedelta(days=7), [letter("A6", imb="00040912345678000042")])
    # other serials, or the same serial under another mailer id, are fine
    n = led.record("B4", AS_OF + timedelta(days=7), [letter("A4", imb="00040123456000001001"),
                                                     letter("A5", imb="00040654321000001000"), letter("A7")])
    assert n == 3 and [b[0] for b in led.batches()] == ["B1", "B4"]
