"""Plain records and text output for plans: one records function feeds table, CSV and JSON."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency

from lettergen.csvout import csv_text
from lettergen.load import rejected_account_ids
from lettergen.models import LetterJob
from lettergen.plan import PlanResult


def money(amount: Decimal, currency: str) -> str:
    """``1,234.50 USD``: a locale-neutral form for staff reports (letters use the account's locale)."""
    return format_currency(amount, currency, format="#,##0.00 ¤¤", locale="en_US", currency_digits=True)


def plan_records(result: PlanResult) -> list[dict[str, Any]]:
    """One record per account, in input order: letters and skips, then rejected accounts."""
    out: list[dict[str, Any]] = []
    for d in result.decisions:
        a = d.account
        rec: dict[str, Any] = {
            "account_id": a.id,
            "name": a.name,
            "outcome": "letter" if isinstance(d, LetterJob) else "skip",
            "stage": d.stage if isinstance(d, LetterJob) else "",
            "skip": "" if isinstance(d, LetterJob) else d.code.value,
            "days_past_due": d.days_past_due,
            "amount_due": str(d.amount_due),
            "currency": d.currency,
            "tone": d.tone if isinstance(d, LetterJob) else "",
            "template": d.template if isinstance(d, LetterJob) else "",
            "invoices": [i.number for i in d.invoices] if isinstance(d, LetterJob) else [],
            "reason": "" if isinstance(d, LetterJob) else d.reason,
        }
        out.append(rec)
    for aid in rejected_account_ids(result.rejections):
        rs = [r for r in result.rejections if r.account_id == aid]
        out.append(
            {
                "account_id": aid, "name": "", "outcome": "rejected", "stage": "", "skip": rs[0].code,
                "days_past_due": "", "amount_due": "", "currency": "", "tone": "", "template": "", "invoices": [],
                "reason": "; ".join(f"row {r.row}, {r.column or 'account'}: {r.reason}" for r in rs),
            }
        )
    return out


def rejection_records(result: PlanResult) -> list[dict[str, Any]]:
    return [
        {"file": r.file, "row": r.row, "column": r.column or "", "account_id": r.account_id or "", "code": r.code, "reason": r.reason}
        for r in result.rejections
    ]


def plan_json(result: PlanResult) -> str:
    totals = {
        stage: {"letters": n, "amount_due": {c: str(v) for c, v in sums.items()}}
        for stage, (n, sums) in result.totals_by_stage().items()
    }
    doc = {
        "as_of": result.as_of.isoformat(),
        "accounts": plan_records(result),
        "totals": {"letters": len(result.jobs), "by_stage": totals, "skipped": result.skips_by_code(),
                   "rejected_accounts": len(rejected_account_ids(result.rejections)), "rejected_rows": len(result.rejections)},
        "rejections": rejection_records(result),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


PLAN_CSV_COLUMNS = ("account_id", "name", "outcome", "stage", "skip", "days_past_due", "amount_due", "currency", "tone", "template", "invoices", "reason")


def plan_csv(result: PlanResult) -> str:
    return csv_text(PLAN_CSV_COLUMNS, ([";".join(rec["invoices"]) if c == "invoices" else rec.get(c, "")
                                        for c in PLAN_CSV_COLUMNS] for rec in plan_records(result)))


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1 for ch in s)


def clip(s: str, n: int) -> str:
    if width(s) <= n:
        return s
    out = ""
    for ch in s:
        if width(out + ch) > n - 1:
            break
        out += ch
    return out + "…"


def pad(s: str, n: int, right: bool = False) -> str:
    fill = " " * max(0, n - width(s))
    return fill + s if right else s + fill


def table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset(), max_width: dict[int, int] | None = None) -> str:
    max_width = max_width or {}
    rows = [[clip(c, max_width[i]) if i in max_width else c for i, c in enumerate(r)] for r in rows]
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, widths[i], i in right) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(pad(c, widths[i], i in right) for i, c in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines)


def plan_table(result: PlanResult) -> str:
    rows = []
    for rec in plan_records(result):
        if rec["outcome"] == "rejected":
            continue
        what = rec["stage"] if rec["outcome"] == "letter" else f"skip: {rec['skip']}"
        amount = money(Decimal(rec["amount_due"]), rec["currency"])
        rows.append([rec["account_id"], rec["name"], str(rec["days_past_due"]), what, amount, rec["reason"]])
    out = [f"Plan as of {result.as_of.isoformat()}: {len(result.decisions) + len(rejected_account_ids(result.rejections))} accounts", ""]
    out.append(table(["account", "name", "days", "letter", "amount due", "why not"], rows, right={2, 4}, max_width={1: 28, 5: 90}))
    out += ["", "Letters by stage:"]
    totals = result.totals_by_stage()
    if not totals:
        out.append("  none")
    for stage, (n, sums) in totals.items():
        out.append(f"  {stage}: {n} letter{'s' if n != 1 else ''}, " + ", ".join(money(v, c) for c, v in sorted(sums.items())))
    skips = result.skips_by_code()
    out.append(f"Skipped: {len(result.skips)}" + (" (" + ", ".join(f"{k} {v}" for k, v in skips.items()) + ")" if skips else ""))
    rejected = rejected_account_ids(result.rejections)
    out.append(f"Rejected: {len(rejected)} account{'s' if len(rejected) != 1 else ''}, {len(result.rejections)} row problem{'s' if len(result.rejections) != 1 else ''}")
    for r in result.rejections:
        where = f"{r.file}:{r.row}" if r.row is not None else r.file
        out.append(f"  {where} [{r.column or '-'}] {r.account_id or '(no account)'}: {r.reason} ({r.code})")
    return "\n".join(out) + "\n"
