"""mailing: the vendor's side of a batch: mailpieces, inserter groups, manifests, the job ticket, checksums.

After typesetting, every mailable letter becomes a *piece*. Pieces go into
groups the inserter can run in one pass:

* ``certified``: letters of a stage with ``certified: true`` (sent by
  certified mail, with its own forms and postage), whatever their size;
* ``flat``: letters with more sheets than the envelope takes (6 for a #10):
  they go in a large envelope;
* otherwise, with the policy's ``mailing.group_by_sheets``, one group per sheet
  count (``1-sheet``, ``2-sheet`` ...), else one group ``all``.

For each group the batch folder's ``mail/`` gets ``batch-<group>.pdf`` (the
letters in sequence, a bookmark and a page label each, a blank back page after
an odd page count when duplex) and ``manifest-<group>.csv`` (one row per
piece; column names and order can be remapped per vendor with
``mailing.vendor_columns``). ``mail/job.json`` is the job ticket: counts, page
size, duplex, envelope, groups, totals and the SHA-256 of every file in
``mail/``. ``SHA256SUMS`` in the batch folder covers every output file
(``sha256sum -c SHA256SUMS`` checks it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lettergen.csvout import csv_text
from lettergen.assemble.records import Produced, printed_pages, sheets_for
from lettergen.assemble.checksums import sha256_file
from lettergen.postal.envelope import Envelope
from lettergen.config.policy import VENDOR_COLUMNS, Policy


@dataclass(frozen=True)
class Piece:
    """One letter as the mailing vendor sees it."""

    piece_id: str
    sequence: int
    account_id: str
    group: str
    pages: int
    sheets: int
    certified: bool
    imb: str
    recipient_lines: tuple[str, ...]
    country: str
    pages_sha256: str


def group_for(sheets: int, certified: bool, envelope: Envelope, by_sheets: bool) -> str:
    if certified:
        return "certified"
    if sheets > envelope.max_sheets:
        return "flat"
    return f"{sheets}-sheet" if by_sheets else "all"


def pieces(produced: Sequence[Produced], policy: Policy, envelope: Envelope, batch_id: str, duplex: bool) -> list[Piece]:
    certified = {s.name for s in policy.stages if s.certified}
    out = []
    for p in produced:
        job = p.letter.job
        sheets = sheets_for(p.pages, duplex)
        cert = job.stage in certified
        out.append(Piece(
            piece_id=f"{batch_id}-{p.seq:05d}", sequence=p.seq, account_id=job.account.id,
            group=group_for(sheets, cert, envelope, policy.mailing.group_by_sheets), pages=p.pages, sheets=sheets,
            certified=cert, imb=p.letter.imb, recipient_lines=tuple(p.letter.context["recipient_lines"]),
            country=job.account.address.country.upper(), pages_sha256=p.pdf_sha256,
        ))
    return out


def _group_order(name: str) -> tuple[int, int, str]:
    if name == "certified":
        return (0, 0, name)
    if name.endswith("-sheet"):
        return (1, int(name.split("-")[0]), name)
    return (2, 0, name)  # all, flat


def write_mail(folder: Path, chunks: Path, produced: Sequence[Produced], policy: Policy, envelope: Envelope, batch_id: str,
               as_of: date, duplex: bool) -> list[Piece]:
    """Write ``mail/``: a PDF and a manifest per group and the job ticket. Returns the pieces, in sequence."""
    from lettergen.assemble.letters import merge_batch

    items = pieces(produced, policy, envelope, batch_id, duplex)
    mail = folder / "mail"
    mail.mkdir(exist_ok=True)
    by_seq = {p.seq: p for p in produced}
    groups: list[dict[str, Any]] = []
    for name in sorted({i.group for i in items}, key=_group_order):
        members = [i for i in items if i.group == name]
        pdf_name, csv_name = f"batch-{name}.pdf", f"manifest-{name}.csv"
        pages = merge_batch(mail / pdf_name, chunks, [by_seq[i.sequence] for i in members],
                            f"lettergen batch {batch_id} – {name}", as_of, duplex)
        rows, first = [], 1
        for i in members:
            last = first + printed_pages(i.pages, duplex) - 1
            rows.append({
                "piece_id": i.piece_id, "sequence": i.sequence, "account_id": i.account_id, "file": pdf_name,
                "first_page": first, "last_page": last, "sheets": i.sheets, "duplex": "yes" if duplex else "no",
                "envelope": envelope.name, "mail_class": policy.mailing.mail_class,
                "extra_service": "Certified Mail" if i.certified else "", "recipient_lines": " | ".join(i.recipient_lines),
                "country": i.country, "imb_tracking_code": i.imb, "pages_sha256": i.pages_sha256,
            })
            first = last + 1
        (mail / csv_name).write_text(vendor_csv(rows, policy.mailing.vendor_columns), encoding="utf-8")
        groups.append({
            "name": name, "file": pdf_name, "manifest": csv_name, "pieces": len(members), "pages": pages,
            "sheets": sum(i.sheets for i in members), "certified": name == "certified",
        })
    files = {p.name: sha256_file(p) for p in sorted(mail.iterdir()) if p.is_file()}
    ticket = {
        "batch_id": batch_id,
        "as_of": as_of.isoformat(),
        "envelope": {"name": envelope.name, "description": envelope.description, "max_sheets": envelope.max_sheets},
        "page_size": {"width_pt": round(envelope.page_width, 3), "height_pt": round(envelope.page_height, 3)},
        "duplex": duplex,
        "mail_class": policy.mailing.mail_class,
        "groups": [{**g, "sha256": {"pdf": files[g["file"]], "manifest": files[g["manifest"]]}} for g in groups],
        "totals": {
            "pieces": len(items), "pages": sum(g["pages"] for g in groups), "sheets": sum(i.sheets for i in items),
            "certified": sum(1 for i in items if i.certified), "with_imb": sum(1 for i in items if i.imb),
        },
        "files": files,
    }
    (mail / "job.json").write_text(json.dumps(ticket, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return items


def vendor_csv(rows: Sequence[dict[str, Any]], columns: dict[str, str] | None) -> str:
    """The manifest with the vendor's column names, in the vendor's order (default: ours, all of them)."""
    mapping = columns or {c: c for c in VENDOR_COLUMNS}
    return csv_text(list(mapping.values()), ([r[c] for c in mapping] for r in rows))


