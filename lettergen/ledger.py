"""ledger: the SQLite record of every letter produced.

The planner reads it (last stage and date per account); a batch writes it,
in one transaction, only after every output file is complete. The schema is
created and migrated by the code (``PRAGMA user_version``). Writers take the
write lock up front (``BEGIN IMMEDIATE``) and wait up to ``timeout`` seconds
for another writer; after that they raise ``LedgerBusyError``, never a
traceback and never a half-written batch.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from .errors import LedgerBusyError, LedgerError
from .models import SentLetter

DEFAULT_LEDGER = Path("batches") / "lettergen.db"

# Each entry migrates the schema from version i to i+1. Append, never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE batches (
        batch_id  TEXT PRIMARY KEY,
        as_of     TEXT NOT NULL,
        letters   INTEGER NOT NULL,
        source    TEXT NOT NULL DEFAULT 'batch'
    );
    CREATE TABLE letters (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id    TEXT NOT NULL,
        stage         TEXT NOT NULL,
        sent_on       TEXT NOT NULL,
        batch_id      TEXT NOT NULL REFERENCES batches(batch_id),
        template      TEXT NOT NULL,
        template_hash TEXT NOT NULL DEFAULT '',
        content_hash  TEXT NOT NULL,
        invoices      TEXT NOT NULL DEFAULT '[]',
        amount        TEXT,
        currency      TEXT
    );
    CREATE INDEX letters_by_account ON letters(account_id, sent_on, id);
    """,
    # 2: the Intelligent Mail barcode tracking code printed on each letter ('' when none)
    """
    ALTER TABLE letters ADD COLUMN imb TEXT NOT NULL DEFAULT ''
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class Ledger:
    """A ledger file. ``Ledger(path)`` creates it (and its folder) on first write.

    Reading a ledger that does not exist yet gives empty histories and creates
    nothing, so ``lettergen plan`` never leaves files behind.
    """

    def __init__(self, path: str | Path = DEFAULT_LEDGER, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = timeout

    # ------------------------------------------------------------------ connection
    @contextmanager
    def _connect(self, write: bool) -> Iterator[sqlite3.Connection]:
        if write:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerError(f"{self.path}: cannot create the ledger's folder ({exc.strerror}); pass another --ledger path.") from None
        try:
            con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot open the ledger ({exc}); check the path and its permissions.") from None
        try:
            con.execute("PRAGMA foreign_keys = ON")
            con.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            self._migrate(con)
            yield con
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._busy() from None
            raise LedgerError(f"{self.path}: ledger error ({exc}).") from None
        except sqlite3.DatabaseError as exc:
            raise LedgerError(
                f"{self.path}: is not a lettergen ledger ({exc}); pass the right file with --ledger, "
                "or move this one aside to start a new ledger."
            ) from None
        finally:
            con.close()

    def _busy(self) -> LedgerBusyError:
        return LedgerBusyError(
            f"{self.path}: the ledger is busy: another lettergen process is writing to it and did not finish within "
            f"{self.timeout:g} s. Nothing was recorded; wait for the other run to finish and run this one again."
        )

    def _migrate(self, con: sqlite3.Connection) -> None:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path}: the ledger has schema version {version}, newer than this lettergen understands "
                f"({SCHEMA_VERSION}); upgrade lettergen."
            )
        if version == SCHEMA_VERSION:
            return
        con.execute("BEGIN IMMEDIATE")
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            for i in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[i].split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute(f"PRAGMA user_version = {i + 1}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if version == 0:
            con.execute("PRAGMA journal_mode = WAL")

    # ------------------------------------------------------------------ reading
    def history(self, account_id: str) -> tuple[SentLetter, ...]:
        """Every letter recorded for ``account_id``, oldest first."""
        return self.histories([account_id]).get(account_id, ())

    def histories(self, account_ids: Iterable[str] | None = None) -> dict[str, tuple[SentLetter, ...]]:
        """Letters per account, oldest first; all accounts when ``account_ids`` is None."""
        if not self.path.exists():
            return {}
        wanted = None if account_ids is None else set(account_ids)
        out: dict[str, list[SentLetter]] = {}
        with self._connect(write=False) as con:
            rows = con.execute(
                "SELECT account_id, stage, sent_on, batch_id, template, template_hash, content_hash, invoices, amount, currency, imb "
                "FROM letters ORDER BY account_id, sent_on, id"
            )
            for r in rows:
                if wanted is not None and r[0] not in wanted:
                    continue
                out.setdefault(r[0], []).append(_letter(r))
        return {k: tuple(v) for k, v in out.items()}

    def last_imb_serial(self, barcode_id: str, service_type: str, mailer_id: str) -> int | None:
        """The highest IMb serial recorded for this mailer id (any barcode id or service type), or None."""
        if not self.path.exists():
            return None
        start = len(barcode_id) + len(service_type) + 1
        with self._connect(write=False) as con:
            row = con.execute(
                "SELECT MAX(CAST(substr(imb, ?) AS INTEGER)) FROM letters WHERE length(imb) = 20 AND substr(imb, ?, ?) = ?",
                (start + len(mailer_id), start, len(mailer_id), mailer_id),
            ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def batches(self) -> list[tuple[str, date, int, str]]:
        if not self.path.exists():
            return []
        with self._connect(write=False) as con:
            return [
                (b, date.fromisoformat(d), n, s)
                for b, d, n, s in con.execute("SELECT batch_id, as_of, letters, source FROM batches ORDER BY as_of, batch_id")
            ]

    # ------------------------------------------------------------------ writing
    def record(self, batch_id: str, as_of: date, letters: Iterable[SentLetter], source: str = "batch", refuse_same_day: bool = False) -> int:
        """Record a batch's letters in one transaction; returns how many were recorded.

        A batch id can be recorded once; recording it again is an error, so a
        retried run never doubles the history. With ``refuse_same_day``, the
        whole batch is refused when another batch recorded a letter for one of
        its accounts on the same day (two batches run at once on one export).
        """
        items = list(letters)
        with self._connect(write=True) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise self._busy() from None
                raise
            try:
                if con.execute("SELECT 1 FROM batches WHERE batch_id = ?", (batch_id,)).fetchone():
                    raise LedgerError(f"{self.path}: batch '{batch_id}' is already recorded; nothing was recorded twice.")
                if refuse_same_day and items:
                    ids = sorted({s.account_id for s in items})
                    clash: list[str] = []
                    for i in range(0, len(ids), 500):
                        part = ids[i:i + 500]
                        clash += [r[0] for r in con.execute(
                            f"SELECT DISTINCT account_id FROM letters WHERE sent_on = ? AND account_id IN ({','.join('?' * len(part))})",
                            (as_of.isoformat(), *part),
                        )]
                    if clash:
                        raise LedgerError(
                            f"{self.path}: another batch recorded letters on {as_of.isoformat()} for {len(clash)} of these accounts "
                            f"({', '.join(sorted(clash)[:5])}{' ...' if len(clash) > 5 else ''}) while this one ran; nothing was recorded."
                        )
                con.execute(
                    "INSERT INTO batches(batch_id, as_of, letters, source) VALUES (?, ?, ?, ?)",
                    (batch_id, as_of.isoformat(), len(items), source),
                )
                con.executemany(
                    "INSERT INTO letters(account_id, stage, sent_on, batch_id, template, template_hash, content_hash, invoices, amount, currency, imb) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            s.account_id, s.stage, s.sent_on.isoformat(), batch_id, s.template, s.template_hash,
                            s.content_hash, json.dumps(list(s.invoices)),
                            None if s.amount is None else str(s.amount), s.currency, s.imb,
                        )
                        for s in items
                    ],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return len(items)

    def import_csv(self, path: str | Path, batch_id: str, as_of: date) -> int:
        """Import letters sent before lettergen (columns: account_id, stage, sent_on, invoices, template).

        ``invoices`` lists the invoice numbers the letter covered, separated by
        ``;``; the planner uses them to tell a continuing series from a new one.
        """
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise LedgerError(f"{p}: cannot read the history file ({exc}).") from None
        reader = csv.DictReader(text.splitlines())
        need = {"account_id", "stage", "sent_on"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            raise LedgerError(f"{p}: the history file needs the columns {', '.join(sorted(need))}; missing {', '.join(sorted(missing))}.")
        letters = []
        for row in reader:
            try:
                sent_on = date.fromisoformat((row.get("sent_on") or "").strip())
            except ValueError:
                raise LedgerError(f"{p}: row {reader.line_num}, column sent_on: '{row.get('sent_on')}' is not a YYYY-MM-DD date.") from None
            account_id, stage = (row.get("account_id") or "").strip(), (row.get("stage") or "").strip()
            for column, value in (("account_id", account_id), ("stage", stage)):
                if not value:
                    raise LedgerError(f"{p}: row {reader.line_num}, column {column}: is empty; every letter needs an account_id and a stage.")
            invoices = tuple(x.strip() for x in (row.get("invoices") or "").split(";") if x.strip())
            letters.append(
                SentLetter(
                    account_id=account_id, stage=stage, sent_on=sent_on, batch_id=batch_id,
                    template=(row.get("template") or "").strip() or stage, content_hash="imported", invoices=invoices,
                )
            )
        return self.record(batch_id, as_of, letters, source="import")


def _letter(r: tuple) -> SentLetter:
    return SentLetter(
        account_id=r[0], stage=r[1], sent_on=date.fromisoformat(r[2]), batch_id=r[3], template=r[4],
        template_hash=r[5], content_hash=r[6], invoices=tuple(json.loads(r[7])),
        amount=None if r[8] is None else Decimal(r[8]), currency=r[9], imb=r[10] if len(r) > 10 else "",
    )
