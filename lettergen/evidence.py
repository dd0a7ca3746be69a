"""evidence: the per-letter evidence trail, for auditors.

A batch records, with each letter, how it was made (``Ledger.record(...,
evidence=..., batch_files=...)``; the tables are described in
``lettergen.ledger``): the account as loaded, the template and tone profile and
their SHA-256, the approval ids they were signed off under, the rule packs
(and versions) the letter was linted with and what the linter found, the
SHA-256 of the letter's own PDF and of ``batch.pdf``, and the SHA-256 of every
file of the batch folder.

This module builds and shows that trail:

* ``letter_evidence(...)``: the evidence dict of one letter, for ``Ledger.record``;
* ``folder_hashes(folder)``: ``{relative path: sha256}`` of a batch folder's files;
* ``history_table(rows)`` / ``history_json(rows)``: an account's letters
  (``Ledger.letter_history``) for the terminal, or as JSON;
* ``verify_batch(folder, ledger)``: re-hash a batch folder against the ledger
  and list every difference (an empty list: the folder is as recorded).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from lettergen.assemble.checksums import folder_hashes
from lettergen.errors import LedgerError, LettergenError
from lettergen.ledger import Ledger

SHORT = 12
"""Hex digits of a SHA-256 shown where a short form is enough (templates, tones, messages)."""


# ----------------------------------------------------------------------------- building


def letter_evidence(
    letter: Any,
    *,
    findings: Iterable[Any] = (),
    packs: Iterable[Any] = (),
    approvals: Mapping[str, str] | None = None,
    pdf_file: str = "",
    pdf_sha256: str = "",
    batch_pdf_sha256: str = "",
) -> dict[str, Any]:
    """The evidence dict of one composed letter (a ``lettergen.models.Letter``), for ``Ledger.record(evidence=[...])``.

    ``findings`` are the lint findings of the letter (``Finding`` models or dicts),
    ``packs`` the rule packs it was linted with (anything with ``name`` and
    ``version``), ``approvals`` ``{file path: approval id}`` of the template and
    tone files, ``pdf_file`` the letter's PDF relative to the batch folder.
    """
    return {
        "input_record": letter.job.account.model_dump(mode="json"),
        "template": letter.template,
        "template_hash": letter.template_hash,
        "tone": letter.tone,
        "tone_hash": letter.tone_hash,
        "approvals": dict(approvals or {}),
        "rule_packs": {p.name: p.version for p in packs},
        "lint": [lint_record(f) for f in findings],
        "pdf_file": pdf_file,
        "pdf_sha256": pdf_sha256,
        "batch_pdf_sha256": batch_pdf_sha256,
    }


def lint_record(finding: Any) -> dict[str, Any]:
    """``{rule, level, message, suppressed, suppression_reason}`` of a lint finding (a ``Finding`` or a dict)."""
    get = finding.get if isinstance(finding, Mapping) else (lambda k, d=None: getattr(finding, k, d))
    return {
        "rule": get("rule", ""),
        "level": get("level", ""),
        "message": get("message", ""),
        "suppressed": bool(get("suppressed", False)),
        "suppression_reason": get("suppression_reason", "") or "",
    }


# ----------------------------------------------------------------------------- showing


def lint_summary(lint: Sequence[Mapping[str, Any]]) -> str:
    """``0 errors, 1 warning, 2 suppressed``: unsuppressed errors and warnings, and suppressed findings of any level."""
    errors = sum(1 for f in lint if f.get("level") == "error" and not f.get("suppressed"))
    warnings = sum(1 for f in lint if f.get("level") == "warning" and not f.get("suppressed"))
    suggestions = sum(1 for f in lint if f.get("level") == "suggestion" and not f.get("suppressed"))
    suppressed = sum(1 for f in lint if f.get("suppressed"))
    parts = [_plural(errors, "error"), _plural(warnings, "warning")]
    if suggestions:
        parts.append(_plural(suggestions, "suggestion"))
    parts.append(f"{suppressed} suppressed")
    return ", ".join(parts)


def history_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """An account's letters (``Ledger.letter_history``) as plain-text blocks, one per letter, for the terminal."""
    if not rows:
        return "No letters recorded.\n"
    out: list[str] = []
    account = None
    for r in rows:
        if r["account_id"] != account:
            account = r["account_id"]
            n = sum(1 for x in rows if x["account_id"] == account)
            if out:
                out.append("")
            out.append(f"Account {account}: {_plural(n, 'letter')}, oldest first")
        out.append("")
        source = " (imported)" if r.get("batch_source") == "import" else ""
        out.append(f"{_iso(r['sent_on'])}  {r['stage']}  batch {r['batch_id']}{source}")
        out.append(_line("template", r["template"] + (f"  sha256 {_short(r['template_hash'])}" if r.get("template_hash") else "")))
        if r.get("has_evidence"):
            out += _evidence_lines(r)
        else:
            why = "imported from a history file" if source else "recorded before the evidence trail"
            out.append(_line("evidence", f"none ({why})"))
        invoices = ", ".join(r.get("invoices") or ()) or "-"
        amount = "" if r.get("amount") is None else f"  amount {_money(r['amount'], r.get('currency'))}"
        out.append(_line("invoices", invoices + amount))
        if r.get("imb"):
            out.append(_line("IMb", r["imb"]))
    return "\n".join(out) + "\n"


def _evidence_lines(r: Mapping[str, Any]) -> list[str]:
    """The evidence lines of one letter's block in ``history_table``."""
    out = [_line("tone", (r["tone"] or "-") + (f"  sha256 {_short(r['tone_hash'])}" if r.get("tone_hash") else ""))]
    approvals = r.get("approvals") or {}
    out += _lines("approvals", [f"{path}: {aid}" for path, aid in sorted(approvals.items())] or ["none"])
    packs = r.get("rule_packs") or {}
    out.append(_line("rule packs", ", ".join(f"{name} {version}" for name, version in sorted(packs.items())) or "none"))
    out.append(_line("lint", lint_summary(r.get("lint") or [])))
    out.append(_line("letter PDF", (r.get("pdf_sha256") or "-") + (f"  {r['pdf_file']}" if r.get("pdf_file") else "")))
    out.append(_line("batch.pdf", r.get("batch_pdf_sha256") or "-"))
    return out


def history_json(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as a JSON list: sorted keys, dates as YYYY-MM-DD, amounts as strings ("1234.50"), not ASCII-escaped."""
    return json.dumps([dict(r) for r in rows], sort_keys=True, ensure_ascii=False, indent=2, default=_json_default) + "\n"


# ----------------------------------------------------------------------------- verifying


def verify_batch(folder: Path, ledger: Ledger) -> list[str]:
    """Re-hash every file of a batch folder against the ledger; return the differences, one sentence each.

    The batch id is the folder's name. Each file is checked against the batch's
    recorded files (``Ledger.batch_files``): changed, missing, or not in the
    ledger; each letter's own PDF against the letter's ``pdf_sha256``, and
    ``batch.pdf`` against the letters' ``batch_pdf_sha256``. An empty list means
    the folder is exactly as recorded. A batch the ledger does not know, or
    knows without its files' hashes, is a ``LedgerError``.
    """
    folder = Path(folder)
    batch_id = folder.resolve().name
    if not folder.is_dir():
        raise LettergenError(f"{folder}: no such batch folder; pass the folder of a batch (its name is the batch id).")
    if ledger.batch(batch_id) is None:
        state = "" if ledger.path.exists() else " (there is no ledger file there)"
        raise LedgerError(
            f"batch '{batch_id}' (the folder's name) is not recorded in the ledger {ledger.path}{state}. "
            f"If it was recorded in another ledger, pass that one with --ledger PATH "
            f"(lettergen batch records in OUT/lettergen.db unless given --ledger)."
        )
    recorded = ledger.batch_files(batch_id)
    if not recorded:
        raise LedgerError(
            f"{ledger.path}: batch '{batch_id}' is recorded without the SHA-256 of its files (it was imported, or recorded "
            "before the evidence trail), so its folder cannot be verified."
        )
    current = folder_hashes(folder)

    problems: dict[str, str] = {}
    for path in sorted(set(recorded) | set(current)):
        if path not in current:
            problems[path] = f"{path}: missing"
        elif path not in recorded:
            problems[path] = f"{path}: not in the ledger"
        elif current[path] != recorded[path]:
            problems[path] = _differs(path, recorded[path], current[path])

    def check(path: str, digest: str, what: str) -> None:
        if path in problems:  # already reported against the batch's files
            return
        if path not in current:
            problems[path] = f"{path}: missing ({what})"
        elif current[path] != digest:
            problems[path] = _differs(path, digest, current[path]) + f" ({what})"

    by_hash = {digest: path for path, digest in sorted(recorded.items(), reverse=True)}
    batch_pdfs: set[str] = set()
    for ev in ledger.batch_evidence(batch_id):
        if not ev["has_evidence"]:
            continue
        what = f"the letter to {ev['account_id']}, {ev['stage']}"
        if ev["pdf_sha256"]:
            path = ev["pdf_file"] or by_hash.get(ev["pdf_sha256"])
            if path:
                check(path, ev["pdf_sha256"], what)
            else:
                problems[f"\uffff{ev['letter_id']:012d}"] = (
                    f"{what}: its PDF (recorded {_short(ev['pdf_sha256'])}...) is not among the batch's recorded files"
                )
        if ev["batch_pdf_sha256"]:
            batch_pdfs.add(ev["batch_pdf_sha256"])
    for digest in sorted(batch_pdfs):
        check("batch.pdf", digest, "as recorded with the letters")
    return [problems[k] for k in sorted(problems)]


# ----------------------------------------------------------------------------- helpers


def _differs(path: str, recorded: str, now: str) -> str:
    return f"{path}: SHA-256 differs from the ledger (recorded {_short(recorded)}..., now {_short(now)}...)"


def _short(digest: str) -> str:
    return (digest or "")[:SHORT]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _line(label: str, text: str) -> str:
    return f"  {label:<11}{text}"


def _lines(label: str, items: Sequence[str]) -> list[str]:
    return [_line(label if i == 0 else "", item) for i, item in enumerate(items)]


def _iso(d: Any) -> str:
    return d.isoformat() if isinstance(d, date) else str(d)


def _money(amount: Any, currency: str | None) -> str:
    if currency:
        try:
            from lettergen.report import money

            return money(Decimal(str(amount)), currency)
        except Exception:  # an unknown currency code: show it plainly
            pass
    return f"{amount} {currency or ''}".strip()


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value, key=str) if not isinstance(value, tuple) else list(value)
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


__all__ = [
    "letter_evidence",
    "lint_record",
    
    "lint_summary",
    "history_table",
    "history_json",
    "verify_batch",
]
