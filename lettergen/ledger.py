"""ledger: the SQLite record of every letter produced.

The planner reads it (last stage and date per account); a batch writes it,
in one transaction, only after every output file is complete. The schema is
created and migrated by the code (``PRAGMA user_version``). Writers take the
write lock up front (``BEGIN IMMEDIATE``) and wait up to ``timeout`` seconds
for another writer; after that they raise ``LedgerBusyError``, never a
traceback and never a half-written batch.

Evidence trail (schema version 3). For auditors, every letter a batch records
can carry the evidence of how it was made, written in the same transaction as
the letter itself (``Ledger.record(..., evidence=..., batch_files=...)``):

``evidence``: one row per letter (``letter_id`` is the primary key and refers
    to ``letters(id)``), with its ``batch_id``, ``account_id`` and ``as_of``, and

    ================  ========================================================
    input_record      JSON object: the account as it was loaded
    template          the template used, and ``template_hash`` its SHA-256
    tone              the tone profile used, and ``tone_hash`` its SHA-256
    approvals         JSON object ``{file path: approval id}`` of the approved
                      template and tone files the letter was made from
    rule_packs        JSON object ``{pack name: version}`` it was linted with
    lint              JSON list of the findings ``{rule, level, message,
                      suppressed, ...}`` (what the linter said, suppressed
                      ones included, with their reason when given)
    pdf_file          the letter's PDF, relative to the batch folder
                      (``letters/0001-ACC-1001-polite_reminder.pdf``; '' when
                      not known)
    pdf_sha256        SHA-256 of the letter's own PDF
    batch_pdf_sha256  SHA-256 of the batch's ``batch.pdf``
    ================  ========================================================

    JSON columns are written with sorted keys, so equal evidence is equal text.

``batch_files``: ``(batch_id, path, sha256)``, one row per file of the batch
    folder (``path`` relative to the folder, with ``/``), stored once per
    batch rather than once per letter. ``lettergen verify`` re-hashes a folder
    against it (``lettergen.evidence.verify_batch``).

Letters recorded before version 3, or imported (``ledger import``), have no
evidence: ``letter_history`` gives them with empty evidence values.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from lettergen.errors import LedgerBusyError, LedgerError
from lettergen.postal.imb import mailer_and_serial
from lettergen.models import SentLetter
from lettergen.packed import Packed

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
    # 3: the evidence trail: how each letter was made, and the hashes of each batch folder's files
    """
    CREATE TABLE evidence (
        letter_id        INTEGER PRIMARY KEY REFERENCES letters(id),
        batch_id         TEXT NOT NULL REFERENCES batches(batch_id),
        account_id       TEXT NOT NULL,
        as_of            TEXT NOT NULL,
        input_record     TEXT NOT NULL DEFAULT '{}',
        template         TEXT NOT NULL DEFAULT '',
        template_hash    TEXT NOT NULL DEFAULT '',
        tone             TEXT NOT NULL DEFAULT '',
        tone_hash        TEXT NOT NULL DEFAULT '',
        approvals        TEXT NOT NULL DEFAULT '{}',
        rule_packs       TEXT NOT NULL DEFAULT '{}',
        lint             TEXT NOT NULL DEFAULT '[]',
        pdf_file         TEXT NOT NULL DEFAULT '',
        pdf_sha256       TEXT NOT NULL DEFAULT '',
        batch_pdf_sha256 TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX evidence_by_batch ON evidence(batch_id, letter_id);
    CREATE TABLE batch_files (
        batch_id  TEXT NOT NULL REFERENCES batches(batch_id),
        path      TEXT NOT NULL,
        sha256    TEXT NOT NULL,
        PRIMARY KEY (batch_id, path)
    ) WITHOUT ROWID
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

EVIDENCE_KEYS: tuple[str, ...] = (
    "input_record", "template", "template_hash", "tone", "tone_hash", "approvals", "rule_packs", "lint",
    "pdf_file", "pdf_sha256", "batch_pdf_sha256",
)
"""The keys of one letter's evidence dict (``Ledger.record(evidence=...)``); every one is optional."""

_EVIDENCE_JSON: dict[str, Any] = {"input_record": {}, "approvals": {}, "rule_packs": {}, "lint": []}
"""The evidence keys stored as JSON, with their empty value."""


def _imb_serials_taken(con: sqlite3.Connection, items: Sequence[SentLetter]) -> list[str]:
    """The 'mailer id/serial' of ``items`` that a recorded letter already has (any barcode id or service type)."""
    wanted: dict[str, set[int]] = {}
    for s in items:
        ms = mailer_and_serial(s.imb)
        if ms is not None:
            wanted.setdefault(ms[0], set()).add(ms[1])
    taken: list[str] = []
    for mailer, serials in sorted(wanted.items()):
        start = 6 + len(mailer)  # 1-based position of the serial
        rows = con.execute(
            "SELECT DISTINCT CAST(substr(imb, ?, ?) AS INTEGER) FROM letters WHERE length(imb) >= 20 AND substr(imb, 6, ?) = ? "
            "AND CAST(substr(imb, ?, ?) AS INTEGER) BETWEEN ? AND ?",
            (start, 21 - start, len(mailer), mailer, start, 21 - start, min(serials), max(serials)),
        )
        taken += [f"{mailer}/{r[0]}" for r in rows if r[0] in serials]
    return sorted(taken)


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
        """A connection: read-write for ``write``, else read-only (``mode=ro``; ``immutable=1`` where even that cannot
        open, e.g. a write-ahead-log ledger on a read-only file system), so reading never changes the file."""
        if write:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerError(f"{self.path}: cannot create the ledger's folder ({exc.strerror}); pass another --ledger path.") from None
        sidecars = [self.path.with_name(self.path.name + s) for s in ("-wal", "-shm")]
        had = [p.exists() for p in sidecars]
        try:
            with self._connection(write) as con:
                yield con
        finally:
            if not write and not any(had) and any(p.exists() for p in sidecars) and os.access(self.path.parent, os.W_OK):
                # a read-only connection cannot remove the -wal/-shm files it had to make for a WAL ledger; a
                # read-write one that opens and closes (writing nothing: the log is empty) lets SQLite remove them
                try:
                    tidy = sqlite3.connect(self.path, timeout=self.timeout)
                    try:
                        tidy.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                    finally:
                        tidy.close()
                except sqlite3.Error:
                    pass

    @contextmanager
    def _connection(self, write: bool) -> Iterator[sqlite3.Connection]:
        try:
            con = self._open(write)
        except sqlite3.OperationalError as exc:
            raise LedgerError(f"{self.path}: cannot open the ledger ({exc}); check the path and its permissions.") from None
        except sqlite3.DatabaseError as exc:
            raise self._not_ours(exc) from None
        try:
            con.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            self._check_foreign(con)
            if write:
                con.execute("PRAGMA foreign_keys = ON")
                self._migrate(con)
            elif self._needs_upgrade(con):
                con.close()
                with self._connect(write=True):  # upgrade the schema once (a read-only ledger says so, in plain words)
                    pass
                con = self._open(write)
            yield con
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._busy() from None
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise self._read_only(str(exc), "Nothing was recorded.") from None
            raise LedgerError(f"{self.path}: ledger error ({exc}).") from None
        except sqlite3.DatabaseError as exc:
            raise self._not_ours(exc) from None
        finally:
            con.close()

    def _not_ours(self, exc: Exception) -> LedgerError:
        return LedgerError(f"{self.path}: is not a lettergen ledger ({exc}); pass the right file with --ledger, "
                           "or move this one aside to start a new ledger.")

    def check_writable(self) -> None:
        """Refuse, before a batch does any work, a ledger it could not record in: a read-only file, folder or file
        system (SQLite also writes its journal files beside the ledger)."""

        folder = self.path.parent if self.path.parent.exists() else next(
            (p for p in self.path.parents if p.exists()), Path("."))
        target = self.path if self.path.exists() else folder
        readonly_fs = bool(os.statvfs(target).f_flag & os.ST_RDONLY) if hasattr(os, "statvfs") else False
        if readonly_fs or not os.access(folder, os.W_OK) or (self.path.exists() and not os.access(self.path, os.W_OK)):
            where = "its file system is mounted read-only" if readonly_fs else "this user may not write it or its folder"
            raise self._read_only(where, "Nothing was typeset or recorded.")

    def _read_only(self, why: str, outcome: str) -> LedgerError:
        return LedgerError(
            f"{self.path}: the ledger is read-only ({why}), and a batch must record the letters it makes there. "
            f"{outcome} Give this user write access to the file and its folder, or pass --ledger with a writable "
            "copy; plan, history, ledger show and verify only read and work as it is.")

    def _open(self, write: bool) -> sqlite3.Connection:
        if write:
            return sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        uri = self.path.resolve().as_uri()
        con = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=self.timeout, isolation_level=None)
        try:
            con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.DatabaseError as exc:
            con.close()
            if not isinstance(exc, sqlite3.OperationalError):
                raise
            # a WAL ledger on a read-only file system cannot make its -shm file: read it as a file nobody changes
            return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=self.timeout, isolation_level=None)

    def _check_foreign(self, con: sqlite3.Connection) -> None:
        """Refuse another program's SQLite database: lettergen must not add its tables to it."""
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        ours = {"batches", "letters", "evidence", "batch_files"}
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if tables and (tables - ours or not {"batches", "letters"} <= tables or version == 0):
            raise LedgerError(
                f"{self.path}: is a SQLite database of another program (its tables: {', '.join(sorted(tables))}), not a "
                "lettergen ledger; lettergen will not add its tables to it. Pass the ledger's path with --ledger, or a new "
                "file name to start a ledger.")

    def _needs_upgrade(self, con: sqlite3.Connection) -> bool:
        return 0 < self._version(con) < SCHEMA_VERSION

    def _busy(self) -> LedgerBusyError:
        return LedgerBusyError(
            f"{self.path}: the ledger is busy: another lettergen process is writing to it and did not finish within "
            f"{self.timeout:g} s. Nothing was recorded; wait for the other run to finish and run this one again."
        )

    def _version(self, con: sqlite3.Connection) -> int:
        """The ledger's schema version; refused when newer than this lettergen understands."""
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path}: the ledger has schema version {version}, newer than this lettergen understands "
                f"({SCHEMA_VERSION}); upgrade lettergen."
            )
        return version

    def _migrate(self, con: sqlite3.Connection) -> None:
        version = self._version(con)
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
        # imb holds the barcode's digits: the 20-digit tracking code, then the routing code (ZIP, ZIP+4 or 11 digits)
        start = len(barcode_id) + len(service_type) + 1
        serial_at = start + len(mailer_id)
        with self._connect(write=False) as con:
            row = con.execute(
                "SELECT MAX(CAST(substr(imb, ?, ?) AS INTEGER)) FROM letters WHERE length(imb) >= 20 AND substr(imb, ?, ?) = ?",
                (serial_at, 21 - serial_at, start, len(mailer_id), mailer_id),
            ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def letter_history(self, account_id: str) -> list[dict[str, Any]]:
        """Every letter sent to ``account_id``, oldest first, with its evidence: dicts with the keys ``HISTORY_KEYS``.

        The letter's facts (``sent_on``, ``as_of`` are dates, ``amount`` a Decimal
        or None, ``invoices`` a list) joined with its evidence. Letters without
        evidence (imported, or recorded before schema version 3) have
        ``has_evidence`` False and empty evidence values ('', {} or []).
        ``template``/``template_hash`` are the evidence's when it has them, else
        the letter's.
        """
        return self._letter_rows("l.account_id = ?", (account_id,), "l.sent_on, l.id")

    def batch_evidence(self, batch_id: str) -> list[dict[str, Any]]:
        """Every letter of batch ``batch_id`` with its evidence, in the order recorded (same dicts as ``letter_history``)."""
        return self._letter_rows("l.batch_id = ?", (batch_id,), "l.id")

    def batch_files(self, batch_id: str) -> dict[str, str]:
        """``{relative path: sha256}`` of the batch folder's files as recorded; {} when none were recorded."""
        if not self.path.exists():
            return {}
        with self._connect(write=False) as con:
            return dict(con.execute("SELECT path, sha256 FROM batch_files WHERE batch_id = ? ORDER BY path", (batch_id,)))

    def batch(self, batch_id: str) -> tuple[str, date, int, str] | None:
        """``(batch_id, as_of, letters, source)`` of one batch, or None when it is not recorded."""
        if not self.path.exists():
            return None
        with self._connect(write=False) as con:
            r = con.execute("SELECT batch_id, as_of, letters, source FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()
        return None if r is None else (r[0], date.fromisoformat(r[1]), r[2], r[3])

    def _letter_rows(self, where: str, params: tuple[Any, ...], order: str) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self._connect(write=False) as con:
            rows = con.execute(
                "SELECT l.id, l.account_id, l.stage, l.sent_on, l.batch_id, l.template, l.template_hash, l.content_hash, "
                "l.invoices, l.amount, l.currency, l.imb, b.source, b.as_of, e.letter_id, e.as_of, e.input_record, e.template, "
                "e.template_hash, e.tone, e.tone_hash, e.approvals, e.rule_packs, e.lint, e.pdf_file, e.pdf_sha256, e.batch_pdf_sha256 "
                "FROM letters l JOIN batches b ON b.batch_id = l.batch_id LEFT JOIN evidence e ON e.letter_id = l.id "
                f"WHERE {where} ORDER BY {order}",
                params,
            ).fetchall()
        return [_history_row(r) for r in rows]

    def batches(self) -> list[tuple[str, date, int, str]]:
        if not self.path.exists():
            return []
        with self._connect(write=False) as con:
            return [
                (b, date.fromisoformat(d), n, s)
                for b, d, n, s in con.execute("SELECT batch_id, as_of, letters, source FROM batches ORDER BY as_of, batch_id")
            ]

    # ------------------------------------------------------------------ writing
    def record(
        self,
        batch_id: str,
        as_of: date,
        letters: Iterable[SentLetter],
        source: str = "batch",
        refuse_same_day: bool = False,
        *,
        evidence: Iterable[Mapping[str, Any]] | None = None,
        batch_files: Mapping[str, str] | None = None,
    ) -> int:
        """Record a batch's letters in one transaction; returns how many were recorded.

        A batch id can be recorded once; recording it again is an error, so a
        retried run never doubles the history. With ``refuse_same_day``, the
        whole batch is refused when another batch recorded a letter for one of
        its accounts on the same day (two batches run at once on one export).

        ``evidence`` is one dict per letter, in the same order (keys
        ``EVIDENCE_KEYS``, all optional); ``batch_files`` is ``{relative path:
        sha256}`` of every file of the batch folder. Both are written in the
        same transaction as the letters. A wrong count or an unknown key is a
        ``ValueError`` (a programming error) and records nothing. ``letters`` and ``evidence`` may be iterators:
        they are read one letter at a time.
        """
        items = Packed(letters)  # a batch's letters, compact: at 20,000 letters the lists of models took ~100 MB
        ev_rows = None if evidence is None else _evidence_rows(evidence)
        file_rows = None if batch_files is None else _file_rows(batch_id, batch_files)
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
                taken = _imb_serials_taken(con, items)
                if taken:
                    raise LedgerError(
                        f"{self.path}: the Intelligent Mail barcode serial{'s' if len(taken) > 1 else ''} "
                        f"{', '.join(taken[:5])}{' ...' if len(taken) > 5 else ''} (mailer id and serial) "
                        f"{'are' if len(taken) > 1 else 'is'} already recorded by another batch, which must have run at the "
                        "same time; a serial may be used once. Nothing was recorded; run this batch again and its serials "
                        "will follow the ledger's."
                    )
                con.execute(
                    "INSERT INTO batches(batch_id, as_of, letters, source) VALUES (?, ?, ?, ?)",
                    (batch_id, as_of.isoformat(), len(items), source),
                )
                insert = (
                    "INSERT INTO letters(account_id, stage, sent_on, batch_id, template, template_hash, content_hash, invoices, amount, currency, imb) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                )
                values = (
                    (
                        s.account_id, s.stage, s.sent_on.isoformat(), batch_id, s.template, s.template_hash,
                        s.content_hash, json.dumps(list(s.invoices)),
                        None if s.amount is None else str(s.amount), s.currency, s.imb,
                    )
                    for s in items
                )
                if ev_rows is None:
                    con.executemany(insert, values)
                else:
                    for s, v in zip(items, values):
                        ev = next(ev_rows, None)
                        if ev is None:
                            raise ValueError(f"record(): fewer evidence dicts than the {len(items)} letters; give one per "
                                             "letter, in the same order.")
                        letter_id = con.execute(insert, v).lastrowid
                        con.execute(
                            f"INSERT INTO evidence(letter_id, batch_id, account_id, as_of, {', '.join(EVIDENCE_KEYS)}) "
                            f"VALUES ({', '.join('?' * (4 + len(EVIDENCE_KEYS)))})",
                            (letter_id, batch_id, s.account_id, as_of.isoformat(), *ev),
                        )
                    if next(ev_rows, None) is not None:
                        raise ValueError(f"record(): more evidence dicts than the {len(items)} letters; give one per "
                                         "letter, in the same order.")
                if file_rows:
                    con.executemany("INSERT INTO batch_files(batch_id, path, sha256) VALUES (?, ?, ?)", file_rows)
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


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, Decimal)):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, Path):
        return value.as_posix()
    if hasattr(value, "model_dump"):  # a pydantic model (an Account, a Finding)
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _evidence_rows(evidence: Iterable[Mapping[str, Any]]) -> Iterator[tuple[str, ...]]:
    """The evidence dicts as column values (``EVIDENCE_KEYS`` order), one at a time as the letters are written (a
    wrong key, or a count that does not match the letters', rolls the whole transaction back)."""
    for i, ev in enumerate(evidence):
        unknown = set(ev) - set(EVIDENCE_KEYS)
        if unknown:
            raise ValueError(f"record(): evidence {i} has unknown keys {', '.join(sorted(unknown))}; the keys are {', '.join(EVIDENCE_KEYS)}.")
        row = []
        for key in EVIDENCE_KEYS:
            value = ev.get(key)
            if key in _EVIDENCE_JSON:
                row.append(_dumps(_EVIDENCE_JSON[key] if value is None else value))
            else:
                row.append("" if value is None else str(value))
        yield tuple(row)


def _file_rows(batch_id: str, files: Mapping[str, str]) -> list[tuple[str, str, str]]:
    return sorted((batch_id, str(path).replace("\\", "/"), str(digest)) for path, digest in files.items())


def _history_row(r: tuple) -> dict[str, Any]:
    """One joined letters/batches/evidence row as the dict ``letter_history`` gives."""
    has = r[14] is not None
    return {
        "letter_id": r[0],
        "account_id": r[1],
        "stage": r[2],
        "sent_on": date.fromisoformat(r[3]),
        "batch_id": r[4],
        "batch_source": r[12],
        "as_of": date.fromisoformat(r[15] if has else r[13]),
        "template": (r[17] if has and r[17] else r[5]),
        "template_hash": (r[18] if has and r[18] else r[6]),
        "content_hash": r[7],
        "invoices": list(json.loads(r[8])),
        "amount": None if r[9] is None else Decimal(r[9]),
        "currency": r[10],
        "imb": r[11],
        "has_evidence": has,
        "input_record": json.loads(r[16]) if has else {},
        "tone": r[19] if has else "",
        "tone_hash": r[20] if has else "",
        "approvals": json.loads(r[21]) if has else {},
        "rule_packs": json.loads(r[22]) if has else {},
        "lint": json.loads(r[23]) if has else [],
        "pdf_file": r[24] if has else "",
        "pdf_sha256": r[25] if has else "",
        "batch_pdf_sha256": r[26] if has else "",
    }


HISTORY_KEYS: tuple[str, ...] = (
    "letter_id", "account_id", "stage", "sent_on", "batch_id", "batch_source", "as_of", "template", "template_hash",
    "content_hash", "invoices", "amount", "currency", "imb", "has_evidence", *[k for k in EVIDENCE_KEYS if k not in ("template", "template_hash")],
)
"""The keys of every dict ``letter_history`` and ``batch_evidence`` give."""


def _letter(r: tuple) -> SentLetter:
    return SentLetter(
        account_id=r[0], stage=r[1], sent_on=date.fromisoformat(r[2]), batch_id=r[3], template=r[4],
        template_hash=r[5], content_hash=r[6], invoices=tuple(json.loads(r[7])),
        amount=None if r[8] is None else Decimal(r[8]), currency=r[9], imb=r[10] if len(r) > 10 else "",
    )
