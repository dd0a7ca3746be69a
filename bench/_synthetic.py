"""Deterministic synthetic accounts (and their earlier letters) for the benchmarks.

``make_accounts(n)`` gives ``n`` accounts, every one of which the planner sends a
letter today (as of ``AS_OF``), with a fixed stage mix:

* 50 % ``polite_reminder``: no earlier letter, oldest invoice 7-28 days overdue;
* 30 % ``firm_notice``: a polite_reminder 15-30 days ago, oldest invoice 35-70 days overdue;
* 20 % ``final_demand``: a polite_reminder 40-60 days ago and a firm_notice 15-25 days
  ago, oldest invoice 50-100 days overdue (the final demand offers a payment plan,
  so those letters are longer).

The stages come from the planner, not from us: the earlier letters go into the
ledger (``history_letters``) and ``lettergen.plan`` decides; ``check_stage_mix``
verifies that it decided what we meant. Accounts have 1-4 invoices, names and
addresses of varied length (short personal names to long company names with an
attention line and three street lines, some accents, a few Greek or Cyrillic
names) and three locales: en_US (USD, US), en_GB (GBP, GB) and de_DE (EUR, DE).
Same ``n`` and ``seed`` -> the same accounts, byte for byte.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from lettergen.models import Account, Address, Invoice, LetterJob, SentLetter

AS_OF = date(2026, 11, 27)
SEED = 20261127
HISTORY_BATCH = "bench-history"

STAGES = ("polite_reminder", "firm_notice", "final_demand")


def stage_for(i: int) -> str:
    """50/30/20 mix, interleaved so every chunk has every stage."""
    r = i % 10
    return STAGES[0] if r < 5 else STAGES[1] if r < 8 else STAGES[2]


_FIRST = ["Ann", "Bo", "Margaret", "Jonathan", "Priya", "Kwame", "Siobhan", "Maximilian", "Lu", "Alejandra",
          "Henrik", "Olufunmilayo", "Zoë", "François", "Björn", "Chidi", "Elisabeth", "Tom"]
_LAST = ["Lee", "Ng", "O'Connell", "Whitfield-Armstrong", "Patel", "Mensah", "Müller", "Schneider",
         "Van der Berg", "Øster", "Hernández García", "Nakamura", "Fitzgerald", "Kowalczyk", "Smith"]
_EXOTIC = ["Ελένη Παπαδοπούλου", "Дмитрий Иванов", "Γιώργος Νικολάου", "Анна Смирнова"]
_CO_HEAD = ["Acme", "Harbor", "Northwind", "Blue Ridge", "Schneider Elektrotechnik", "Harrington & Blake",
            "Müller & Söhne", "Greenfield Agricultural Cooperative", "Lakeside", "Precision Components"]
_CO_TAIL = {
    "en_US": ["LLC", "Inc.", "Supply Co.", "Holdings, Inc.", "Services and Logistics Group, LLC"],
    "en_GB": ["Ltd", "plc", "& Sons Ltd", "Engineering Services Ltd", "Property Management Partnership LLP"],
    "de_DE": ["GmbH", "KG", "AG", "GmbH & Co. KG", "Anlagenbau und Industrieservice GmbH & Co. KG"],
}
_STREET = {
    "en_US": ["Main St", "Prospect Park West", "Harbor Street", "Martin Luther King Jr Boulevard", "Elm Ave"],
    "en_GB": ["High Street", "Church Road", "Victoria Embankment", "Old Kent Road", "St John's Wood Terrace"],
    "de_DE": ["Hauptstraße", "Bahnhofstr.", "Friedrich-Ebert-Allee", "Am Alten Schlachthof", "Königsallee"],
}
_CITY = {
    "en_US": [("Brooklyn", "NY", "11215"), ("San Antonio", "TX", "78207"), ("Boston", "MA", "02134"),
              ("Portland", "OR", "97205"), ("Winston-Salem", "NC", "27101")],
    "en_GB": [("London", "", "SW1A 1AA"), ("Manchester", "Greater Manchester", "M1 1AE"), ("Leeds", "", "LS1 4DY")],
    "de_DE": [("Berlin", "", "10115"), ("München", "Bayern", "80331"), ("Frankfurt am Main", "Hessen", "60311")],
}
_LOCALES = (("en_US", "USD", "US"), ("en_US", "USD", "US"), ("en_GB", "GBP", "GB"), ("de_DE", "EUR", "DE"))


@dataclass(frozen=True)
class Synthetic:
    accounts: tuple[Account, ...]
    histories: dict[str, tuple[SentLetter, ...]]
    intended: dict[str, str]
    """account id -> the stage we built it for."""

    def history_letters(self) -> list[SentLetter]:
        return [s for h in self.histories.values() for s in h]


def _name(rng: random.Random, locale: str) -> tuple[str, str | None]:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(_EXOTIC), None
    if roll < 0.55:
        first = rng.choice(_FIRST)
        if rng.random() < 0.3:
            first += " " + rng.choice(_FIRST)
        return f"{first} {rng.choice(_LAST)}", None
    company = f"{rng.choice(_CO_HEAD)} {rng.choice(_CO_TAIL[locale])}"
    attention = None
    if rng.random() < 0.6:
        attention = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" + (", Accounts Payable Department" if rng.random() < 0.4 else "")
    return company, attention


def _address(rng: random.Random, locale: str, country: str, attention: str | None = None) -> Address:
    """1-3 street lines; an account with an attention line gets at most 2, so its address block (name, attention,
    street lines, city line, country) fits the 6 lines a mailable address may have (else the loader rejects it)."""
    street = rng.choice(_STREET[locale])
    no = rng.randint(1, 2400)
    line1 = f"{street} {no}" if locale == "de_DE" else f"{no} {street}"
    lines = [line1]
    if rng.random() < 0.35:
        lines.append(rng.choice(["Apt 3F", "Suite 1200", "Building C, Floor 4", "c/o Finance Department", "Hinterhaus, 2. OG"]))
    if rng.random() < 0.1:
        third = rng.choice(["Industrial Estate North", "Gewerbegebiet Süd", "Attn: Mail Room, Loading Dock 7"])
        if not attention:  # drawn either way: the random stream, so every other account, stays as it was
            lines.append(third)
    city, region, postal = rng.choice(_CITY[locale])
    return Address(lines=tuple(lines), city=city, region=region, postal_code=postal, country=country)


def _invoices(rng: random.Random, i: int, currency: str, oldest_days: int) -> tuple[Invoice, ...]:
    count = rng.randint(1, 4)
    out = []
    for k in range(count):
        days = oldest_days if k == 0 else rng.randint(4, oldest_days)
        due = AS_OF - timedelta(days=days)
        amount = Decimal(rng.randint(6000, 500000)) / 100
        balance = amount if rng.random() < 0.8 else (amount / 2).quantize(Decimal("0.01"))
        out.append(Invoice(number=f"INV-{i:06d}-{k + 1}", issue_date=due - timedelta(days=30), due_date=due,
                           original_amount=amount, balance=balance, currency=currency))
    return tuple(out)


def make_accounts(n: int, seed: int = SEED) -> Synthetic:
    rng = random.Random(seed)
    accounts: list[Account] = []
    histories: dict[str, tuple[SentLetter, ...]] = {}
    intended: dict[str, str] = {}
    for i in range(n):
        locale, currency, country = rng.choice(_LOCALES)
        stage = stage_for(i)
        oldest = {"polite_reminder": rng.randint(7, 28), "firm_notice": rng.randint(35, 70),
                  "final_demand": rng.randint(50, 100)}[stage]
        name, attention = _name(rng, locale)
        aid = f"SYN-{i:06d}"
        invoices = _invoices(rng, i, currency, oldest)
        accounts.append(Account(
            id=aid, name=name, attention=attention, address=_address(rng, locale, country, attention),
            email=f"ap{i}@example.com", phone=f"(555) 555-{i % 10000:04d}", locale=locale,
            debt_type="commercial" if attention else "consumer", jurisdiction=country, invoices=invoices,
        ))
        first = invoices[0].number
        hist: list[SentLetter] = []
        if stage == "firm_notice":
            hist.append(_sent(aid, "polite_reminder", AS_OF - timedelta(days=rng.randint(15, 30)), first))
        elif stage == "final_demand":
            hist.append(_sent(aid, "polite_reminder", AS_OF - timedelta(days=rng.randint(40, 60)), first))
            hist.append(_sent(aid, "firm_notice", AS_OF - timedelta(days=rng.randint(15, 25)), first))
        if hist:
            histories[aid] = tuple(hist)
        intended[aid] = stage
    return Synthetic(accounts=tuple(accounts), histories=histories, intended=intended)


def _sent(account_id: str, stage: str, on: date, invoice: str) -> SentLetter:
    return SentLetter(account_id=account_id, stage=stage, sent_on=on, batch_id=HISTORY_BATCH, template=stage,
                      content_hash="bench", invoices=(invoice,))


def check_stage_mix(jobs: Sequence[LetterJob], intended: dict[str, str], accounts: int) -> Counter[str]:
    """The planner's stages must be the ones the data was built for (else the bench measures something else)."""
    if len(jobs) != accounts:
        raise SystemExit(f"bench: the planner made {len(jobs)} letters for {accounts} synthetic accounts; fix bench/_synthetic.py")
    wrong = [j.account.id for j in jobs if intended[j.account.id] != j.stage]
    if wrong:
        raise SystemExit(f"bench: {len(wrong)} accounts got another stage than intended (e.g. {wrong[:3]}); fix bench/_synthetic.py")
    return Counter(j.stage for j in jobs)


def describe_mix(counts: Counter[str]) -> str:
    return ", ".join(f"{s} {counts.get(s, 0)}" for s in STAGES)


def locales(accounts: Iterable[Account]) -> str:
    c = Counter(a.locale for a in accounts)
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items()))


CSV_COLUMNS = ("account_id", "name", "attention", "address1", "address2", "address3", "city", "region", "postal_code",
               "country", "email", "phone", "locale", "debt_type", "jurisdiction", "invoice_number", "issue_date",
               "due_date", "amount", "balance", "currency")


def write_export(syn: Synthetic, path: Path) -> None:
    """The accounts as the flat CSV export a user gives ``lettergen batch`` (one row per invoice, the default
    column names), so the bench's batch path loads them the way the command line does."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for a in syn.accounts:
            lines = [*a.address.lines, "", "", ""][:3]
            for inv in a.invoices:
                w.writerow([a.id, a.name, a.attention or "", *lines, a.address.city, a.address.region or "",
                            a.address.postal_code, a.address.country, a.email or "", a.phone or "", a.locale, a.debt_type,
                            a.jurisdiction, inv.number, inv.issue_date.isoformat(), inv.due_date.isoformat(),
                            str(inv.original_amount), str(inv.balance), inv.currency])
