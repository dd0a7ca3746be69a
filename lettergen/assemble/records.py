"""assemble: typeset letters -> the batch folder staff and the mailing vendor receive.

One records function per output (``manifest_records``) feeds both the CSV and
the JSON manifest, so the two cannot drift apart. PDFs are cut and merged with
pikepdf (about 1 ms a letter), never re-rendered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from lettergen.csvout import csv_text
from lettergen.load import rejected_account_ids
from lettergen.models import Letter, Rejection, Skip, SlimLetter
from lettergen.report import money


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def letter_basename(seq: int, account_id: str, stage: str) -> str:
    """``0001-ACC-1001-polite_reminder``: sortable, safe on every file system."""
    return f"{seq:04d}-{_SAFE.sub('_', account_id).strip('_') or 'account'}-{stage}"


def printed_pages(pages: int, duplex: bool) -> int:
    """Pages a letter takes in the merged PDFs: with ``duplex``, a blank back page after an odd count, so
    that every letter starts on a front side."""
    return pages + pages % 2 if duplex else pages


def sheets_for(pages: int, duplex: bool) -> int:
    """Sheets of paper a letter of ``pages`` pages takes."""
    return printed_pages(pages, duplex) // 2 if duplex else pages


# ----------------------------------------------------------------------------- PDF


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Produced:
    """A letter that was typeset, with where it landed."""

    seq: int
    letter: SlimLetter
    basename: str
    pages: int
    first_page: int
    """1-based page of the letter's first page in batch.pdf."""
    pdf_sha256: str
    files: tuple[str, ...] = ()
    chunk: str = "00000"
    """The typeset chunk file the letter's pages are in (.chunks/<chunk>.pdf while the batch is written)..."""
    chunk_page: int = 0
    """... and the 0-based page there where the letter starts."""
    lint: tuple[Any, ...] = ()
    """The letter's lint findings (warnings, suppressed ones): kept for the evidence trail."""


MANIFEST_COLUMNS = (
    "sequence", "account_id", "name", "address_lines", "stage", "tone", "template", "pages", "first_page", "sheets",
    "mail_group", "amount_due", "currency", "response_date", "imb_tracking_code", "pdf_sha256", "pdf_file", "docx_file",
)


def manifest_records(produced: Iterable[Produced], pieces: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """One record per letter; ``pieces`` (``lettergen.assemble.vendor.Piece``, by sequence) add sheets and the mail group."""
    by_seq = {pc.sequence: pc for pc in pieces}
    out = []
    for p in produced:
        job = p.letter.job
        piece = by_seq.get(p.seq)
        out.append(
            {
                "sequence": p.seq,
                "account_id": job.account.id,
                "name": job.account.name,
                "address_lines": list(p.letter.context["recipient_lines"]),
                "stage": job.stage,
                "tone": p.letter.tone,
                "template": p.letter.template,
                "pages": p.pages,
                "first_page": p.first_page,
                "sheets": piece.sheets if piece else p.pages,
                "mail_group": piece.group if piece else "",
                "amount_due": str(job.amount_due),
                "currency": job.currency,
                "response_date": p.letter.response_date.isoformat(),
                "imb_tracking_code": p.letter.imb,
                "pdf_sha256": p.pdf_sha256,
                "pdf_file": next((f for f in p.files if f.endswith(".pdf")), ""),
                "docx_file": next((f for f in p.files if f.endswith(".docx")), ""),
            }
        )
    return out


def manifest_csv(records: list[dict[str, Any]]) -> str:
    return csv_text(MANIFEST_COLUMNS, ([" | ".join(r["address_lines"]) if c == "address_lines" else r.get(c, "")
                                         for c in MANIFEST_COLUMNS] for r in records))


def manifest_json(records: list[dict[str, Any]], batch_id: str, as_of: date) -> str:
    doc = {"batch_id": batch_id, "as_of": as_of.isoformat(), "letters": records}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def skipped_csv(skips: Iterable[Skip]) -> str:
    return csv_text(["account_id", "name", "reason_code", "reason", "days_past_due", "amount_due", "currency"],
                    ([s.account.id, s.account.name, s.code.value, s.reason, s.days_past_due, str(s.amount_due), s.currency]
                     for s in skips))


def rejected_csv(rejections: Iterable[Rejection]) -> str:
    return csv_text(["file", "row", "column", "account_id", "code", "reason"],
                    ([r.file, "" if r.row is None else r.row, r.column or "", r.account_id or "", r.code, r.reason]
                     for r in rejections))


HELD_COLUMNS = ("account_id", "name", "stage", "tone", "template", "rule", "level", "message", "citation", "match")


def held_csv(held: Iterable[tuple[Letter | SlimLetter, Sequence[Any]]]) -> str:
    """One row per finding of every held letter: what stopped it, and the rule it rests on."""
    return csv_text(HELD_COLUMNS, ([letter.job.account.id, letter.job.account.name, letter.job.stage, letter.tone,
                                    letter.template, f.rule, f.level, f.message, f.citation, f.match]
                                   for letter, findings in held for f in findings))


@dataclass
class Summary:
    batch_id: str
    as_of: date
    policy: str
    accounts_in: int
    produced: Sequence[Produced]
    skips: Sequence[Skip]
    rejections: Sequence[Rejection]
    pages: int
    formats: Sequence[str]
    refused_urls: Sequence[str] = ()
    warnings: Sequence[str] = field(default_factory=list)
    recorded: bool = True
    held: int = 0
    lint_warnings: int = 0
    held_rules: Sequence[str] = ()
    held_window: int = 0
    """Of ``held``: letters the envelope-window check stopped."""
    held_glyphs: int = 0
    """Of ``held``: letters with a character the letter fonts cannot print (the rest the linter stopped)."""
    mail_groups: Sequence[tuple[str, int, int]] = ()
    """(group, pieces, sheets) of the vendor's mail/ folder."""
    duplex: bool = False

    def text(self) -> str:
        by_stage: dict[str, list[Produced]] = {}
        for p in self.produced:
            by_stage.setdefault(p.letter.job.stage, []).append(p)
        totals: dict[str, Decimal] = {}
        for p in self.produced:
            totals[p.letter.job.currency] = totals.get(p.letter.job.currency, Decimal(0)) + p.letter.job.amount_due
        skip_counts: dict[str, int] = {}
        for s in self.skips:
            skip_counts[s.code.value] = skip_counts.get(s.code.value, 0) + 1
        rejected = rejected_account_ids(self.rejections)
        lines = [
            f"lettergen batch {self.batch_id}",
            f"as of {self.as_of.isoformat()} · policy {self.policy}",
            "",
            f"Accounts in the input: {self.accounts_in}",
            f"  letters produced:  {len(self.produced)}",
            f"  skipped:           {len(self.skips)}",
            f"  rejected:          {len(rejected)}  ({len(self.rejections)} row problem{'s' if len(self.rejections) != 1 else ''}, see rejected.csv)",
            f"  held:              {self.held}  (see held.csv: {self.held - self.held_window - self.held_glyphs} by the linter, "
            f"{self.held_glyphs} by the font check, "
            f"{self.held_window} by the envelope-window check{'; rules ' + ', '.join(self.held_rules) if self.held_rules else ''})",
            "",
            "Letters by stage:",
        ]
        for stage, items in by_stage.items():
            sums: dict[str, Decimal] = {}
            for p in items:
                sums[p.letter.job.currency] = sums.get(p.letter.job.currency, Decimal(0)) + p.letter.job.amount_due
            lines.append(f"  {stage:<18} {len(items):>5}   " + ", ".join(money(v, c) for c, v in sorted(sums.items())))
        if not by_stage:
            lines.append("  none")
        lines.append(f"  {'total':<18} {len(self.produced):>5}   " + ", ".join(money(v, c) for c, v in sorted(totals.items())))
        lines += ["", "Skipped by reason (see skipped.csv):"]
        lines += [f"  {code:<18} {n:>5}" for code, n in sorted(skip_counts.items())] or ["  none"]
        lint_held = self.held - self.held_window - self.held_glyphs
        lines += ["", f"Lint: {lint_held} letter{'s' if lint_held != 1 else ''} held for errors, {self.lint_warnings} warning{'s' if self.lint_warnings != 1 else ''} in mailed letters"]
        lines += [f"Envelope window: {self.held_window} letter{'s' if self.held_window != 1 else ''} held (address outside its window, too small, or debt wording visible)"]
        if self.held_glyphs:
            lines += [f"Fonts: {self.held_glyphs} letter{'s' if self.held_glyphs != 1 else ''} held (a character the letter fonts cannot print)"]
        lines += ["", f"Pages in batch.pdf: {self.pages}" + (" (duplex: a blank back page after each odd page count)" if self.duplex else ""),
                  f"Formats: {', '.join(self.formats)}"]
        if self.produced:
            one = sum(1 for p in self.produced if sheets_for(p.pages, self.duplex) == 1)
            lines.append(f"One-sheet pieces: {one} of {len(self.produced)} ({one / len(self.produced):.0%}); "
                         "a letter on more sheets costs paper and, at the inserter, postage")
        if self.mail_groups:
            lines += ["Mail groups (mail/): " + ", ".join(f"{g} {n} piece{'s' if n != 1 else ''} / {sh} sheet{'s' if sh != 1 else ''}"
                                                      for g, n, sh in self.mail_groups)]
        lines.append("Ledger: recorded" if self.recorded else "Ledger: NOT recorded (draft or preview)")
        if self.refused_urls:
            lines += ["", f"Refused to load {len(set(self.refused_urls))} resource(s) named by templates or data:"]
            lines += [f"  {u}" for u in sorted(set(self.refused_urls))[:10]]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  {w}" for w in self.warnings]
        return "\n".join(lines) + "\n"


def letter_title(seq: int, letter: Letter | SlimLetter) -> str:
    return f"{seq:04d} {letter_doc_title(letter)}"


def letter_doc_title(letter: Letter | SlimLetter) -> str:
    """The title of a letter's own PDF and DOCX (the sequence number is given later, after the window check)."""
    return f"{letter.job.account.id} {letter.job.stage} – {letter.job.account.name}"
