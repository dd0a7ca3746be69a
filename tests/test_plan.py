"""plan(): which letter each account gets on the as-of date, or why none."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lettergen.models import Account, Address, Invoice, LetterJob, PromiseToPay, SentLetter, Skip, SkipCode
from lettergen.plan import PlanResult, current_series, plan, plan_all
from lettergen.config.policy import Policy

AS_OF = date(2026, 6, 1)  # a Monday


# ---------------------------------------------------------------- helpers


def make_policy(**changes: Any) -> Policy:
    data: dict[str, Any] = {
        "name": "test policy",
        "escalation": "sequential",
        "calendar": {"country": "US"},
        "sender": {"company": "Acme Supplies, Inc."},
        "holds": {"promise_grace_days": 3, "min_balance": "25.00"},
        "stages": [
            {"name": "polite_reminder", "template": "polite_reminder", "after_days": 3, "days": "business", "tone": "warm"},
            {"name": "firm_notice", "template": "firm_notice", "after_days": 30, "min_days_since_previous": 14, "tone": "neutral"},
            {"name": "final_demand", "template": "final_demand", "after_days": 45, "min_days_since_previous": 14, "tone": "firm"},
        ],
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Policy.from_dict(data, source="test-policy.yaml")


POLICY = make_policy()


def inv(number: str, due: date, balance: str = "100.00", currency: str = "USD") -> Invoice:
    return Invoice(number=number, due_date=due, original_amount=Decimal(balance) or Decimal("100"), balance=Decimal(balance), currency=currency)


def account(*invoices: Invoice, id: str = "A1", **kw: Any) -> Account:
    return Account(id=id, name=f"Client {id}", address=Address(lines=("1 Main Street",), city="Albany", region="NY", postal_code="12207"), invoices=invoices, **kw)


def overdue_account(days: int, number: str = "INV-1", balance: str = "100.00", **kw: Any) -> Account:
    return account(inv(number, AS_OF - timedelta(days=days), balance), **kw)


def sent(stage: str, on: date, invoices: tuple[str, ...] = ("INV-1",), account_id: str = "A1", batch: str = "b-1") -> SentLetter:
    return SentLetter(account_id=account_id, stage=stage, sent_on=on, batch_id=batch, template=stage, content_hash="h", invoices=invoices)


def days_ago(n: int) -> date:
    return AS_OF - timedelta(days=n)


def as_skip(decision: object, code: SkipCode) -> Skip:
    assert isinstance(decision, Skip), f"expected a skip ({code.value}), got a letter: {decision!r}"
    assert decision.code is code, decision.reason
    assert decision.reason.strip()
    return decision


def as_job(decision: object, stage: str) -> LetterJob:
    assert isinstance(decision, LetterJob), f"expected a {stage} letter, got a skip: {getattr(decision, 'reason', decision)}"
    assert decision.stage == stage
    return decision


# ---------------------------------------------------------------- holds


def test_do_not_contact_is_held_even_when_overdue() -> None:
    s = as_skip(plan(overdue_account(90, do_not_contact=True), POLICY, [], AS_OF), SkipCode.DO_NOT_CONTACT)
    assert "not to be contacted" in s.reason
    assert s.days_past_due == 90
    assert s.amount_due == Decimal("100.00")


def test_do_not_contact_wins_over_dispute() -> None:
    decision = plan(overdue_account(90, do_not_contact=True, in_dispute=True), POLICY, [], AS_OF)
    as_skip(decision, SkipCode.DO_NOT_CONTACT)


def test_in_dispute_is_held() -> None:
    s = as_skip(plan(overdue_account(90, in_dispute=True), POLICY, [], AS_OF), SkipCode.IN_DISPUTE)
    assert "dispute" in s.reason


def test_promise_to_pay_holds_until_its_date_plus_grace_then_letters_resume() -> None:
    promised = date(2026, 6, 1)
    acct = account(inv("INV-1", date(2026, 4, 1)), promise=PromiseToPay(date=promised, amount=Decimal("100.00")))
    for day in (promised - timedelta(days=5), promised, promised + timedelta(days=3)):
        s = as_skip(plan(acct, POLICY, [], day), SkipCode.PROMISE_TO_PAY)
        assert "2026-06-01" in s.reason  # the promise date
        assert "2026-06-04" in s.reason  # held until: date + 3 days' grace
        assert "100.00 USD" in s.reason
    # the day after the grace period ends, the broken promise is followed up
    as_job(plan(acct, POLICY, [], promised + timedelta(days=4)), "polite_reminder")


def test_promise_grace_days_come_from_the_policy() -> None:
    acct = account(inv("INV-1", date(2026, 4, 1)), promise=PromiseToPay(date=date(2026, 6, 1)))
    no_grace = make_policy(holds={"promise_grace_days": 0})
    as_skip(plan(acct, no_grace, [], date(2026, 6, 1)), SkipCode.PROMISE_TO_PAY)
    as_job(plan(acct, no_grace, [], date(2026, 6, 2)), "polite_reminder")


def test_below_minimum_is_held_and_names_both_amounts() -> None:
    s = as_skip(plan(overdue_account(60, balance="20.00"), POLICY, [], AS_OF), SkipCode.BELOW_MINIMUM)
    assert "20.00 USD" in s.reason
    assert "25.00 USD" in s.reason


def test_minimum_compares_the_sum_of_overdue_invoices_only() -> None:
    # two small overdue invoices together pass the minimum
    two_small = account(inv("INV-1", days_ago(60), "15.00"), inv("INV-2", days_ago(50), "15.00"))
    assert as_job(plan(two_small, POLICY, [], AS_OF), "polite_reminder").amount_due == Decimal("30.00")
    # a large invoice not yet due does not lift a small overdue one over the minimum
    small_overdue = account(inv("INV-1", days_ago(60), "10.00"), inv("INV-2", AS_OF + timedelta(days=10), "5000.00"))
    s = as_skip(plan(small_overdue, POLICY, [], AS_OF), SkipCode.BELOW_MINIMUM)
    assert s.amount_due == Decimal("10.00")


def test_per_currency_minimum() -> None:
    policy = make_policy(holds={"min_balance": {"USD": "25", "EUR": "200"}})
    eur = account(inv("E-1", days_ago(60), "150.00", currency="EUR"))
    s = as_skip(plan(eur, policy, [], AS_OF), SkipCode.BELOW_MINIMUM)
    assert "EUR" in s.reason and s.currency == "EUR"
    as_job(plan(overdue_account(60, balance="150.00"), policy, [], AS_OF), "polite_reminder")


def test_invoice_due_today_is_not_overdue() -> None:
    s = as_skip(plan(account(inv("INV-1", AS_OF)), POLICY, [], AS_OF), SkipCode.NOT_OVERDUE)
    assert "2026-06-01" in s.reason  # when it falls due


def test_paid_invoices_are_not_overdue() -> None:
    acct = account(inv("INV-1", days_ago(90), "0.00"))
    s = as_skip(plan(acct, POLICY, [], AS_OF), SkipCode.NOT_OVERDUE)
    assert s.amount_due == Decimal(0)


def test_account_without_invoices_is_not_overdue() -> None:
    as_skip(plan(account(), POLICY, [], AS_OF), SkipCode.NOT_OVERDUE)


def test_no_letter_asks_for_nothing_when_credits_cover_the_overdue_invoices() -> None:
    policy = make_policy(holds={"min_balance": "0"})
    acct = account(inv("INV-1", days_ago(60), "50.00"), inv("CN-1", days_ago(30), "-50.00"))
    s = as_skip(plan(acct, policy, [], AS_OF), SkipCode.NOT_OVERDUE)
    assert "nothing is owed" in s.reason
    # a partial credit still leaves a letter for the rest
    acct = account(inv("INV-1", days_ago(60), "50.00"), inv("CN-1", days_ago(30), "-20.00"))
    assert as_job(plan(acct, policy, [], AS_OF), "polite_reminder").amount_due == Decimal("30.00")


# ---------------------------------------------------------------- sequential escalation


def test_first_letter_is_always_the_polite_reminder_even_90_days_overdue() -> None:
    job = as_job(plan(overdue_account(90), POLICY, [], AS_OF), "polite_reminder")
    assert job.stage_index == 0
    assert job.previous == ()


def test_firm_notice_follows_a_polite_reminder_14_days_ago_at_30_days_overdue() -> None:
    history = [sent("polite_reminder", days_ago(14))]
    job = as_job(plan(overdue_account(30), POLICY, history, AS_OF), "firm_notice")
    assert job.stage_index == 1
    assert job.previous == tuple(history)


def test_sequential_never_skips_a_stage_even_when_old_enough_for_the_last() -> None:
    history = [sent("polite_reminder", days_ago(60))]
    as_job(plan(overdue_account(90), POLICY, history, AS_OF), "firm_notice")


def test_too_soon_after_the_previous_letter() -> None:
    history = [sent("polite_reminder", days_ago(13))]
    s = as_skip(plan(overdue_account(40), POLICY, history, AS_OF), SkipCode.TOO_SOON)
    assert s.next_stage == "firm_notice"
    assert "13 days" in s.reason and "14 days" in s.reason
    assert "polite_reminder" in s.reason
    assert s.days_past_due == 40
    assert s.amount_due == Decimal("100.00")


def test_not_yet_old_enough_for_the_next_stage() -> None:
    history = [sent("polite_reminder", days_ago(20))]
    s = as_skip(plan(overdue_account(29), POLICY, history, AS_OF), SkipCode.NOT_YET)
    assert s.next_stage == "firm_notice"
    assert "29 days" in s.reason and "30 days" in s.reason


def test_final_demand_after_firm_notice() -> None:
    history = [sent("polite_reminder", days_ago(40)), sent("firm_notice", days_ago(20))]
    job = as_job(plan(overdue_account(50), POLICY, history, AS_OF), "final_demand")
    assert [p.stage for p in job.previous] == ["polite_reminder", "firm_notice"]
    assert job.tone == "firm"


def test_after_the_final_demand_the_account_is_exhausted() -> None:
    history = [sent("polite_reminder", days_ago(80)), sent("firm_notice", days_ago(60)), sent("final_demand", days_ago(30))]
    s = as_skip(plan(overdue_account(90), POLICY, history, AS_OF), SkipCode.EXHAUSTED)
    assert "ready for agency referral" in s.reason
    assert days_ago(30).isoformat() in s.reason


def test_a_letter_already_recorded_today_is_never_sent_twice() -> None:
    history = [sent("polite_reminder", AS_OF, batch="2026-06-01-a")]
    s = as_skip(plan(overdue_account(90), POLICY, history, AS_OF), SkipCode.ALREADY_SENT)
    assert "polite_reminder" in s.reason
    assert "2026-06-01-a" in s.reason


def test_history_order_does_not_matter() -> None:
    history = [sent("firm_notice", days_ago(20)), sent("polite_reminder", days_ago(40))]
    job = as_job(plan(overdue_account(50), POLICY, history, AS_OF), "final_demand")
    assert [p.stage for p in job.previous] == ["polite_reminder", "firm_notice"]


# ---------------------------------------------------------------- a new debt after payment


def test_series_restarts_after_the_old_debt_was_paid() -> None:
    # letters for OLD-1 (now paid) went all the way to the final demand; a new invoice is overdue
    history = [
        sent("polite_reminder", date(2026, 1, 5), invoices=("OLD-1",)),
        sent("firm_notice", date(2026, 2, 5), invoices=("OLD-1",)),
        sent("final_demand", date(2026, 2, 20), invoices=("OLD-1",)),
    ]
    acct = account(inv("OLD-1", date(2025, 12, 1), "0.00"), inv("NEW-1", days_ago(10), "300.00"))
    job = as_job(plan(acct, POLICY, history, AS_OF), "polite_reminder")
    assert job.previous == ()
    assert [i.number for i in job.invoices] == ["NEW-1"]
    assert job.amount_due == Decimal("300.00")


def test_series_restarts_when_old_invoices_are_no_longer_in_the_export() -> None:
    history = [sent("polite_reminder", days_ago(40), invoices=("OLD-1",)), sent("firm_notice", days_ago(20), invoices=("OLD-1",))]
    job = as_job(plan(overdue_account(10, number="NEW-1"), POLICY, history, AS_OF), "polite_reminder")
    assert job.previous == ()


def test_series_continues_while_one_covered_invoice_is_still_open() -> None:
    history = [sent("polite_reminder", days_ago(40), invoices=("INV-1", "INV-2"))]
    acct = account(inv("INV-1", days_ago(60), "0.00"), inv("INV-2", days_ago(45)))
    job = as_job(plan(acct, POLICY, history, AS_OF), "firm_notice")
    assert job.previous == tuple(history)


def test_imported_letters_without_invoice_numbers_count_for_the_series() -> None:
    history = [sent("polite_reminder", days_ago(40), invoices=())]
    as_job(plan(overdue_account(45), POLICY, history, AS_OF), "firm_notice")


def test_current_series_stops_at_the_first_letter_for_a_settled_debt() -> None:
    old = sent("polite_reminder", date(2026, 1, 5), invoices=("OLD-1",))
    new = sent("polite_reminder", date(2026, 5, 1), invoices=("INV-1",))
    assert current_series([old, new], [inv("INV-1", days_ago(40))]) == (new,)


# ---------------------------------------------------------------- escalation: age


def test_age_mode_jumps_to_the_stage_the_age_calls_for() -> None:
    policy = make_policy(escalation="age")
    as_job(plan(overdue_account(50), policy, [], AS_OF), "final_demand")
    as_job(plan(overdue_account(35), policy, [], AS_OF), "firm_notice")
    as_job(plan(overdue_account(10), policy, [], AS_OF), "polite_reminder")


def test_age_mode_not_yet_for_a_fresh_invoice() -> None:
    policy = make_policy(escalation="age")
    # due Thu 2026-05-28: Fri 29 and Mon 1 are 2 business days
    s = as_skip(plan(account(inv("INV-1", date(2026, 5, 28))), policy, [], AS_OF), SkipCode.NOT_YET)
    assert s.next_stage == "polite_reminder"
    assert "2 business days" in s.reason and "3 business days" in s.reason


def test_age_mode_never_goes_back_to_an_earlier_stage() -> None:
    policy = make_policy(escalation="age")
    history = [sent("firm_notice", days_ago(20))]
    # 35 days calls for the firm notice, which was sent: the next letter is the final demand, when due
    s = as_skip(plan(overdue_account(35), policy, history, AS_OF), SkipCode.NOT_YET)
    assert s.next_stage == "final_demand"


def test_age_mode_respects_min_days_since_previous() -> None:
    policy = make_policy(escalation="age")
    history = [sent("polite_reminder", days_ago(5))]
    s = as_skip(plan(overdue_account(60), policy, history, AS_OF), SkipCode.TOO_SOON)
    assert s.next_stage == "final_demand"


# ---------------------------------------------------------------- business days


@pytest.mark.parametrize(
    ("subdivision", "first_day"),
    [(None, date(2026, 12, 1)), ("CA", date(2026, 12, 2))],
)
def test_first_reminder_counts_business_days_across_thanksgiving(subdivision: str | None, first_day: date) -> None:
    policy = make_policy(calendar={"country": "US", "subdivision": subdivision})
    acct = account(inv("INV-1", date(2026, 11, 25)))  # due the Wednesday before Thanksgiving
    s = as_skip(plan(acct, policy, [], date(2026, 11, 30)), SkipCode.NOT_YET)
    assert s.next_stage == "polite_reminder"
    assert "business day" in s.reason
    as_skip(plan(acct, policy, [], first_day - timedelta(days=1)), SkipCode.NOT_YET)
    job = as_job(plan(acct, policy, [], first_day), "polite_reminder")
    assert job.days_past_due == (first_day - date(2026, 11, 25)).days  # reported in calendar days


def test_calendar_day_stage_counts_weekends_and_holidays() -> None:
    policy = make_policy(stages=[{"name": "reminder", "template": "reminder", "after_days": 5}])
    acct = account(inv("INV-1", date(2026, 11, 25)))
    as_job(plan(acct, policy, [], date(2026, 11, 30)), "reminder")


# ---------------------------------------------------------------- the letter job


def test_letter_job_fields() -> None:
    acct = account(
        inv("INV-3", days_ago(5), "50.00"),
        inv("INV-1", days_ago(40), "100.10"),
        inv("INV-9", AS_OF + timedelta(days=20), "999.00"),  # not yet due
        inv("INV-0", days_ago(80), "0.00"),  # paid
        inv("INV-2", days_ago(40), "20.00"),
    )
    job = as_job(plan(acct, POLICY, [], AS_OF), "polite_reminder")
    assert job.account == acct
    assert job.template == "polite_reminder"
    assert job.tone == "warm"  # the stage's tone
    assert job.amount_due == Decimal("170.10")
    assert job.currency == "USD"
    assert [i.number for i in job.invoices] == ["INV-1", "INV-2", "INV-3"]  # oldest first, overdue only
    assert job.days_past_due == 40  # calendar days since the oldest overdue due date
    assert job.as_of == AS_OF


def test_account_tone_overrides_the_stage_tone() -> None:
    job = as_job(plan(overdue_account(60, tone="firm"), POLICY, [], AS_OF), "polite_reminder")
    assert job.tone == "firm"


def test_plan_is_repeatable() -> None:
    acct = overdue_account(60)
    history = [sent("polite_reminder", days_ago(30))]
    assert plan(acct, POLICY, history, AS_OF) == plan(acct, POLICY, history, AS_OF)


# ---------------------------------------------------------------- plan_all


def test_plan_all_keeps_input_order_and_totals_by_stage() -> None:
    accounts = [
        overdue_account(60, id="Z9", balance="100.00"),
        overdue_account(60, id="A1", balance="40.00", in_dispute=True),
        overdue_account(60, id="M5", balance="250.50"),
        account(inv("E-1", days_ago(60), "80.00", currency="EUR"), id="B2"),
        overdue_account(60, id="C3", balance="70.00"),
        account(inv("INV-1", AS_OF + timedelta(days=3)), id="D4"),
    ]
    histories = {"C3": (sent("polite_reminder", days_ago(20), account_id="C3"),)}
    result = plan_all(accounts, POLICY, histories, AS_OF)
    assert isinstance(result, PlanResult)
    assert [d.account.id for d in result.decisions] == ["Z9", "A1", "M5", "B2", "C3", "D4"]
    assert [j.account.id for j in result.jobs] == ["Z9", "M5", "B2", "C3"]
    assert [s.account_id for s in result.skips] == ["A1", "D4"]
    totals = result.totals_by_stage()
    assert list(totals) == ["polite_reminder", "firm_notice"]
    assert totals["polite_reminder"] == (3, {"USD": Decimal("350.50"), "EUR": Decimal("80.00")})
    assert totals["firm_notice"] == (1, {"USD": Decimal("70.00")})
    assert result.skips_by_code() == {"in_dispute": 1, "not_overdue": 1}
    assert result.as_of == AS_OF


def test_plan_all_uses_each_accounts_own_history() -> None:
    accounts = [overdue_account(60, id="A1"), overdue_account(60, id="A2")]
    histories = {"A1": (sent("polite_reminder", days_ago(20), account_id="A1"),)}
    result = plan_all(accounts, POLICY, histories, AS_OF)
    assert [d.stage for d in result.jobs] == ["firm_notice", "polite_reminder"]  # type: ignore[union-attr]
