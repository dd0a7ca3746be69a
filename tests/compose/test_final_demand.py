"""Final demands (and the letters before them) that read consistently and match the ledger (issue 15)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from conftest import SAMPLES
from lettergen import Account, Address, Invoice, Policy
from lettergen.compose import Composer
from lettergen.compose.html import visible_text
from lettergen.lint import lint_letter, lint_text, load_packs
from lettergen.lint.checks import LintContext
from lettergen.models import SentLetter
from lettergen.plan import job_for_stage

AS_OF = date(2026, 11, 27)
POLICY = Policy.from_yaml(SAMPLES / "policy.yaml")
PACKS = load_packs()


def account(balance: str = "1200.00", tone: str | None = None) -> Account:
    return Account(id="FD-1", name="Margaret O'Connell", tone=tone, locale="en_US",
                   address=Address(lines=("418 Prospect Park West",), city="Brooklyn", region="NY", postal_code="11215", country="US"),
                   invoices=(Invoice(number="INV-1", issue_date=date(2026, 8, 1), due_date=date(2026, 9, 1),
                                     original_amount=Decimal(balance), balance=Decimal(balance)),))


def sent(stage: str, days_ago: int) -> SentLetter:
    return SentLetter(account_id="FD-1", stage=stage, sent_on=AS_OF - timedelta(days=days_ago), batch_id="b", template=stage,
                      content_hash="x", invoices=("INV-1",))


def letter(stage: str = "final_demand", balance: str = "1200.00", tone: str | None = None, history=(), policy: Policy = POLICY):
    return Composer(policy).compose(job_for_stage(account(balance, tone), policy, tuple(history), AS_OF, stage))


def text(lt) -> str:
    return " ".join(visible_text(lt.html).split())


@pytest.mark.parametrize("tone", ["warm", "neutral", "firm"])
def test_the_plan_is_introduced_before_its_table_and_its_dates_agree(tone: str) -> None:
    lt = letter(tone=tone)
    t = text(lt)
    plan = lt.payment_plan
    assert len(plan) >= 2
    table = t.index("Installment Due date Amount")
    assert " below" not in t[table:], "nothing after the plan table may point 'below' at it"
    assert "accept the payment plan above" in t[table:] or tone != "firm"
    respond = lt.context["response_date"]
    first = lt.context["payment_plan"]["installments"][0]
    assert f"To accept the plan, let us know by {respond}." in t
    assert f"The first installment of {first['amount']} is then due on {first['due_date']}" in t
    assert f"in {len(plan)} monthly installments" in t


def test_a_small_balance_gets_no_one_installment_plan() -> None:
    lt = letter(balance="60.00")  # min_installment 50: one installment only
    t = text(lt)
    assert lt.payment_plan == () and "1 monthly installments" not in t and "payment plan" not in t.lower()
    assert "If you cannot pay the full amount at once, please call us before" in t


@pytest.mark.parametrize("tone", ["warm", "neutral", "firm"])
@pytest.mark.parametrize("stage", ["firm_notice", "final_demand"])
def test_no_claim_of_earlier_letters_without_them_in_the_ledger(tone: str, stage: str) -> None:
    first = letter(stage, tone=tone)
    t = text(first).lower()
    for claim in ("earlier letter", "written to you", "wrote to you", "second notice", "has not been answered"):
        assert claim not in t, (claim, t[:300])
    assert not [f for f in lint_letter(first, POLICY, PACKS) if f.rule == "House.EarlierLetters"]
    two = [sent("polite_reminder", 40), sent("firm_notice", 20)] if stage == "final_demand" else [sent("polite_reminder", 20)]
    later = letter(stage, tone=tone, history=two)
    assert not [f for f in lint_letter(later, POLICY, PACKS) if f.rule == "House.EarlierLetters"]
    if stage == "final_demand" and tone != "neutral":
        assert "earlier letters" in text(later)


def test_the_rule_catches_a_history_claim_the_ledger_does_not_back() -> None:
    first = letter("firm_notice")
    ctx = LintContext(stage="firm_notice", letter=first, history=())
    found = [f for f in lint_text("Despite our repeated reminders, the balance is unpaid.", packs=PACKS, ctx=ctx, rendered=True)
             if f.rule == "House.EarlierLetters"]
    assert found and "no earlier letters" in found[0].message and found[0].level == "error"
    one = LintContext(stage="firm_notice", letter=first, history=(sent("polite_reminder", 20),))
    plural = [f for f in lint_text("Despite our earlier letters, the balance is unpaid.", packs=PACKS, ctx=one, rendered=True)
              if f.rule == "House.EarlierLetters"]
    singular = [f for f in lint_text("Despite our earlier letter, the balance is unpaid.", packs=PACKS, ctx=one, rendered=True)
                if f.rule == "House.EarlierLetters"]
    assert plural and "1 earlier letter " in plural[0].message and not singular


def test_the_last_paragraph_states_the_declared_next_step_or_only_that_the_balance_stays_due() -> None:
    t = text(letter())
    assert t.split("Sincerely,")[0].rstrip().endswith("the full balance remains due.")
    assert "Please give this matter your immediate attention. If the balance is not paid" in t
    stages = list(POLICY.stages)
    stages[-1] = stages[-1].model_copy(update={"intended_actions": ("agency_referral",)})
    declared = POLICY.model_copy(update={"stages": tuple(stages)})
    lt = letter(policy=declared)
    assert "we intend to refer your account to a collection agency." in text(lt)
    assert not [f for f in lint_letter(lt, declared, PACKS) if f.level == "error" and not f.suppressed]
