"""plan: which letter, if any, each account gets on the as-of date.

``plan()`` is a pure function of (account, policy, ledger history, as-of date).
It never reads the clock or the ledger itself, so the same inputs always give
the same decision, and ``lettergen plan`` shows exactly what a batch would do.

Decision order (the first that applies wins):

1. do-not-contact, then in dispute: always held (the law requires it);
2. no invoice past its due date, or credits cover the overdue ones: not overdue;
3. overdue amount under the policy minimum: below minimum;
4. a promise to pay whose date plus the grace days has not passed: held;
5. the series: the letters of the ledger that covered at least one of the
   account's overdue invoices. When none of them did (the earlier debt was
   paid and a new one is overdue) the series starts over;
6. a letter already recorded on the as-of date: never a duplicate;
7. sequential escalation: the stage after the last one sent (never skipping
   a stage); ``escalation: age``: the latest stage the age calls for. After
   the last stage the account is exhausted (ready for agency referral);
8. the stage's ``after_days`` and ``min_days_since_previous``, counted in
   calendar or business days as the stage says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from lettergen.models import Account, Invoice, LetterJob, Rejection, SentLetter, Skip, SkipCode
from lettergen.money import quantize
from lettergen.packed import Packed, Subset
from lettergen.config.policy import Policy, Stage

Decision = LetterJob | Skip


def _count(policy: Policy, stage: Stage, start: date, end: date) -> int:
    return policy.business_calendar().days_between(start, end, business=stage.days == "business")


def _unit(stage: Stage, n: int) -> str:
    word = "business day" if stage.days == "business" else "day"
    return f"{n} {word}{'' if n == 1 else 's'}"


def current_series(history: Sequence[SentLetter], overdue: Iterable[Invoice]) -> tuple[SentLetter, ...]:
    """The letters, oldest first, that belong to the account's current run of letters.

    Walking back from the newest letter, a letter belongs to the series when it
    covered one of the invoices now overdue (or, for imported history, names no
    invoices). The first letter that does not marks an earlier, settled debt.
    """
    numbers = {i.number for i in overdue}
    series: list[SentLetter] = []
    for letter in sorted(history, key=lambda s: s.sent_on, reverse=True):
        if letter.invoices and not numbers.intersection(letter.invoices):
            break
        series.append(letter)
    return tuple(reversed(series))


def plan(account: Account, policy: Policy, history: Sequence[SentLetter], as_of: date) -> Decision:
    """Decide the letter for one account. Pure: no clock, no I/O."""
    currency = account.currency
    overdue = tuple(sorted((i for i in account.open_invoices if i.due_date < as_of), key=lambda i: (i.due_date, i.number)))
    amount = quantize(sum((i.balance for i in overdue), Decimal(0)), currency)
    days = (as_of - overdue[0].due_date).days if overdue else 0

    def skip(code: SkipCode, reason: str, next_stage: str | None = None) -> Skip:
        return Skip(account=account, code=code, reason=reason, days_past_due=days, amount_due=amount, currency=currency, next_stage=next_stage)

    if account.do_not_contact:
        return skip(SkipCode.DO_NOT_CONTACT, "the client asked not to be contacted; no letter may be sent")
    if account.in_dispute:
        return skip(SkipCode.IN_DISPUTE, "the debt is in dispute; collection stops until the dispute is resolved")
    if not overdue:
        if not account.open_invoices:
            return skip(SkipCode.NOT_OVERDUE, "no open invoice; nothing is owed")
        first_due = min(i.due_date for i in account.open_invoices)
        return skip(SkipCode.NOT_OVERDUE, f"no invoice is past due yet (next due {first_due.isoformat()})")
    if amount <= 0:
        return skip(SkipCode.NOT_OVERDUE, f"credits cover the overdue invoices (net {amount} {currency}); nothing is owed")
    minimum = policy.holds.minimum_for(currency)
    if amount < minimum:
        return skip(SkipCode.BELOW_MINIMUM, f"overdue amount {amount} {currency} is under the policy minimum of {quantize(minimum, currency)} {currency}")
    if account.promise is not None:
        until = account.promise.date + timedelta(days=policy.holds.promise_grace_days)
        if as_of <= until:
            what = f"{account.promise.amount} {currency} " if account.promise.amount is not None else ""
            return skip(
                SkipCode.PROMISE_TO_PAY,
                f"promised to pay {what}by {account.promise.date.isoformat()}; held until {until.isoformat()} "
                f"({policy.holds.promise_grace_days} days' grace)",
            )

    series = current_series(history, overdue)
    if any(s.sent_on == as_of for s in history):
        sent = next(s for s in history if s.sent_on == as_of)
        return skip(SkipCode.ALREADY_SENT, f"a {sent.stage} letter was already recorded on {as_of.isoformat()} (batch {sent.batch_id})")
    known = [i for i in (policy.stage_index(s.stage) for s in series) if i is not None]
    last_idx = max(known) if known else -1
    last = series[-1] if series else None
    stages = policy.stages

    if last_idx == len(stages) - 1:
        assert last is not None
        return skip(
            SkipCode.EXHAUSTED,
            f"all {len(stages)} letters sent (last: {stages[-1].name} on {last.sent_on.isoformat()}); "
            "the account is exhausted and ready for agency referral",
        )

    if policy.escalation == "sequential":
        target = last_idx + 1
    else:
        due = [i for i, st in enumerate(stages) if _count(policy, st, overdue[0].due_date, as_of) >= st.after_days]
        target = max(due) if due else 0
        if target <= last_idx:
            target = last_idx + 1
    stage = stages[target]
    age = _count(policy, stage, overdue[0].due_date, as_of)
    if age < stage.after_days:
        return skip(
            SkipCode.NOT_YET,
            f"{_unit(stage, age)} past due; {stage.name} is sent from {_unit(stage, stage.after_days)}",
            next_stage=stage.name,
        )
    if last is not None and stage.min_days_since_previous:
        since = _count(policy, stage, last.sent_on, as_of)
        if since < stage.min_days_since_previous:
            return skip(
                SkipCode.TOO_SOON,
                f"last letter ({last.stage}) was {_unit(stage, since)} ago; {stage.name} needs "
                f"{_unit(stage, stage.min_days_since_previous)} between letters",
                next_stage=stage.name,
            )
    return LetterJob(
        account=account,
        stage=stage.name,
        stage_index=target,
        template=stage.template,
        tone=account.tone or stage.tone,
        days_past_due=days,
        amount_due=amount,
        currency=currency,
        invoices=overdue,
        as_of=as_of,
        previous=series,
    )


@dataclass(frozen=True)
class PlanResult:
    """Decisions in input order, plus the loader's rejections: every account in exactly one place."""

    as_of: date
    decisions: Sequence[Decision]
    """From :func:`plan_all` a :class:`~lettergen.packed.Packed` sequence; ``jobs`` and ``skips`` are then views of
    it (a batch keeps them for its whole run: compact, not one model per account)."""
    rejections: tuple[Rejection, ...] = ()
    jobs: Sequence[LetterJob] = field(init=False)
    skips: Sequence[Skip] = field(init=False)

    def __post_init__(self) -> None:
        if isinstance(self.decisions, Packed):
            kinds = [isinstance(d, LetterJob) for d in self.decisions]
            object.__setattr__(self, "jobs", Subset(self.decisions, (i for i, j in enumerate(kinds) if j)))
            object.__setattr__(self, "skips", Subset(self.decisions, (i for i, j in enumerate(kinds) if not j)))
            return
        object.__setattr__(self, "jobs", tuple(d for d in self.decisions if isinstance(d, LetterJob)))
        object.__setattr__(self, "skips", tuple(d for d in self.decisions if isinstance(d, Skip)))

    def totals_by_stage(self) -> dict[str, tuple[int, dict[str, Decimal]]]:
        """stage -> (letters, amount per currency), in the order stages appear."""
        out: dict[str, tuple[int, dict[str, Decimal]]] = {}
        for j in self.jobs:
            n, sums = out.get(j.stage, (0, {}))
            sums = dict(sums)
            sums[j.currency] = sums.get(j.currency, Decimal(0)) + j.amount_due
            out[j.stage] = (n + 1, sums)
        return out

    def skips_by_code(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.skips:
            out[s.code.value] = out.get(s.code.value, 0) + 1
        return out


def plan_all(
    accounts: Iterable[Account],
    policy: Policy,
    histories: Mapping[str, Sequence[SentLetter]],
    as_of: date,
    rejections: Iterable[Rejection] = (),
) -> PlanResult:
    """Plan every account, keeping input order.

    An account that would get a letter but whose address cannot be mailed (a US
    address without a USPS state code or ZIP, a missing city or street, an
    unknown country: ``lettergen.postal.usps.check_address``) is rejected with the
    reason instead: the address is never changed silently.
    """
    from lettergen.postal.usps import check_address

    decisions: Packed[Decision] = Packed()
    rejected = list(rejections)
    for a in accounts:
        d = plan(a, policy, histories.get(a.id, ()), as_of)
        if isinstance(d, LetterJob):
            problems = check_address(a.address)
            if problems:
                rejected.append(_rejected(a, "address", "bad_address", f"account {a.id}: the address cannot be mailed: "
                                          f"{'; '.join(problems)}. Correct it in the export."))
                continue
            if policy.sender.instructions_for(d.currency) is None:  # never tell a customer to pay the wrong way
                given = sorted(policy.sender.payment_instructions) if isinstance(policy.sender.payment_instructions, dict) else []
                rejected.append(_rejected(
                    a, "currency", "no_payment_instructions",
                    f"account {a.id} pays in {d.currency}, and the policy's sender.payment_instructions say how to pay in "
                    f"{', '.join(given)} only: add instructions for {d.currency} to the policy, or correct the currency "
                    "in the export"))
                continue
        decisions.append(d)
    return PlanResult(as_of=as_of, decisions=decisions, rejections=tuple(rejected))


def _rejected(a: Account, column: str, code: str, reason: str) -> Rejection:
    """A planned account that cannot be mailed, rejected at its first row of the export."""
    src = a.source
    return Rejection(file=src.file if src else "input", row=src.rows[0] if src and src.rows else None, column=column,
                     reason=reason, code=code, account_id=a.id)


def job_for_stage(account: Account, policy: Policy, history: Sequence[SentLetter], as_of: date, stage_name: str) -> LetterJob:
    """The letter of ``stage_name`` for ``account``, whatever the plan would decide (for previews).

    Uses the overdue invoices, or every open invoice when none is overdue yet.
    """
    idx = policy.stage_index(stage_name)
    if idx is None:
        from lettergen.errors import PlanError

        raise PlanError(f"unknown stage '{stage_name}'; the policy's stages are {', '.join(s.name for s in policy.stages)}.")
    stage = policy.stages[idx]
    overdue = tuple(sorted((i for i in account.open_invoices if i.due_date < as_of), key=lambda i: (i.due_date, i.number)))
    invoices = overdue or tuple(sorted(account.open_invoices, key=lambda i: (i.due_date, i.number)))
    return LetterJob(
        account=account, stage=stage.name, stage_index=idx, template=stage.template, tone=account.tone or stage.tone,
        days_past_due=max(0, (as_of - invoices[0].due_date).days), amount_due=quantize(sum((i.balance for i in invoices), Decimal(0)), account.currency),
        currency=account.currency, invoices=invoices, as_of=as_of, previous=current_series(history, invoices),
    )
