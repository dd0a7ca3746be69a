"""Built-in fixture accounts: templates are rendered against them so rules that need a letter run too.

One account per kind a legal reviewer must see: consumer and commercial debt,
first- and third-party collection, and each state with a notice pack (CA, NY,
MA), plus a plain state (TX).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from lettergen.models import Account, Address, Invoice, SentLetter
from lettergen.config.policy import Policy, Sender, Stage

FIXTURE_AS_OF = date(2026, 11, 27)


@dataclass(frozen=True)
class Fixture:
    key: str
    account: Account
    collector: str


def _account(aid: str, name: str, lines: tuple[str, ...], city: str, region: str, zip_: str, debt: str, tone: str | None = None) -> Account:
    return Account(
        id=aid, name=name, address=Address(lines=lines, city=city, region=region, postal_code=zip_, country="US"),
        debt_type=debt, jurisdiction=f"US-{region}", locale="en_US", tone=tone, email="client@example.com", phone="(555) 010-0100",
        invoices=(
            Invoice(number="INV-1001", issue_date=date(2026, 7, 1), due_date=date(2026, 7, 31), original_amount=Decimal("1200.00"), balance=Decimal("1200.00")),
            Invoice(number="INV-1002", issue_date=date(2026, 8, 1), due_date=date(2026, 8, 31), original_amount=Decimal("344.50"), balance=Decimal("344.50")),
        ),
    )


FIXTURES: tuple[Fixture, ...] = (
    Fixture("consumer-first-NY", _account("FX-CN1", "Jordan Avery", ("12 Elm Street",), "Albany", "NY", "12207", "consumer"), "first_party"),
    Fixture("commercial-first-TX", _account("FX-CM1", "Lone Star Widgets LLC", ("900 Congress Ave", "Suite 300"), "Austin", "TX", "78701", "commercial"), "first_party"),
    Fixture("consumer-third-CA", _account("FX-CN2", "Maria Lopez", ("455 Mission Street",), "San Francisco", "CA", "94105", "consumer"), "third_party"),
    Fixture("consumer-third-NY", _account("FX-CN3", "Sam Okafor", ("80 Broad Street",), "New York", "NY", "10004", "consumer"), "third_party"),
    Fixture("consumer-third-MA", _account("FX-CN4", "Lee Chen", ("1 Beacon Street",), "Boston", "MA", "02108", "consumer"), "third_party"),
    Fixture("commercial-third-CA", _account("FX-CM2", "Bay Area Bakers Inc.", ("2 Market Street",), "Oakland", "CA", "94607", "commercial"), "third_party"),
)


def fixture_policy(policy: Policy | None, stage_templates: list[str], collector: str) -> Policy:
    """The given policy (or one stage per template, 10 days apart) with the fixture's collector type."""
    if policy is None:
        stages = tuple(Stage(name=t, template=t, after_days=3 + 30 * i, tone="neutral", payment_plan=(i == len(stage_templates) - 1 and i > 0))
                       for i, t in enumerate(stage_templates))
        policy = Policy(
            name="lint fixtures", sender=Sender(company="Example Supplies Inc.", address=("1 Example Plaza", "Albany, NY 12207"),
                                                phone="(555) 010-0199", email="ar@example.com",
                                                payment_instructions="Pay online at example.com/pay or by check to the address above."),
            stages=stages,
        )
    return policy.model_copy(update={"collector": collector})


def fixture_history(policy: Policy, stage_index: int, account: Account) -> tuple[SentLetter, ...]:
    """Earlier letters of the series, one per earlier stage, 20 days apart, so later stages read naturally."""
    out = []
    for i in range(stage_index):
        out.append(SentLetter(
            account_id=account.id, stage=policy.stages[i].name, sent_on=FIXTURE_AS_OF - timedelta(days=20 * (stage_index - i)),
            batch_id="fixture", template=policy.stages[i].template, content_hash="fixture",
            invoices=tuple(inv.number for inv in account.invoices),
        ))
    return tuple(out)
