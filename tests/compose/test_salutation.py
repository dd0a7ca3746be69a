"""Salutations a person would write (issue 15), and capitals by the language's rules."""

from __future__ import annotations

import pytest

from lettergen.compose import recipient_lines
from lettergen.compose.salutation import is_organisation, salutation
from lettergen.models import Account, Address
from lettergen.textcase import upper


def acct(name: str, attention: str | None = None, locale: str = "en_US", country: str = "US", given: str | None = None) -> Account:
    region, postal = ("NY", "10001") if country == "US" else ("", "10115")
    return Account(id="A-1", name=name, attention=attention, salutation=given, locale=locale,
                   address=Address(lines=("1 Main St",), city="Springfield", region=region, postal_code=postal, country=country))


@pytest.mark.parametrize(("name", "attention", "locale", "country", "expected"), [
    # German envelope forms in an English letter: translated, the surname kept
    ("Herrn Markus Schneider", None, "de_DE", "DE", "Mr. Schneider"),
    ("Frau Sabine Krüger", None, "de_DE", "DE", "Ms. Krüger"),
    ("Herr Dr. Klaus Müller", None, "de_DE", "DE", "Dr. Müller"),
    # the person in the attention line, not the department
    ("Castellanos Holdings LLC", "Accounts Payable Department, Attn: Ms. Bernadette Castellanos-Whitmore", "en_US", "US",
     "Ms. Castellanos-Whitmore"),
    ("Acme Inc.", "Jonathan Patel, Accounts Payable Department", "en_US", "US", "Jonathan Patel"),
    # British usage: no full stop
    ("Mr. Oliver Harrington", None, "en_GB", "GB", "Mr Harrington"),
    ("Mrs Jane Smith", None, "en_GB", "GB", "Mrs Smith"),
    ("Mr. Oliver Harrington", None, "en_US", "US", "Mr. Harrington"),
    # no honorific: the full name
    ("Margaret O'Connell", None, "en_US", "US", "Margaret O'Connell"),
    # surnames with particles, Spanish double surnames
    ("Dr. Anna van der Berg", None, "en_US", "US", "Dr. van der Berg"),
    ("Sra. María Hernández García", None, "es_US", "US", "Ms. Hernández García"),
    ("M. Jean Dupont", None, "en_GB", "GB", "Mr Dupont"),
    # only an organisation or a department: no person to greet
    ("Acme LLC", "Accounts Payable Department", "en_US", "US", "Sir or Madam"),
    ("Harrington & Blake", None, "en_GB", "GB", "Sir or Madam"),
    ("Schneider Elektrotechnik GmbH", "Buchhaltung", "de_DE", "DE", "Sir or Madam"),
    ("Northwind Ltd", "Attn: Mr. Tom Lee", "en_GB", "GB", "Mr Lee"),
])
def test_derived_salutations(name: str, attention: str | None, locale: str, country: str, expected: str) -> None:
    got = salutation(acct(name, attention, locale, country))
    assert got == expected
    for never in ("Herrn", "Frau", "Attn", "Department", "LLC"):
        assert never not in got


def test_the_exports_salutation_wins_without_its_dear_and_comma() -> None:
    assert salutation(acct("Acme LLC", "Accounts Payable", given="Dear Ms Roe,")) == "Ms Roe"
    assert salutation(acct("Herrn Markus Schneider", given="Markus")) == "Markus"
    assert salutation(acct("Herrn Markus Schneider", given="  ")) == "Mr. Schneider"


def test_organisation_words() -> None:
    assert is_organisation("Accounts Payable Department") and is_organisation("Müller & Söhne")
    assert is_organisation("Greenfield Agricultural Cooperative") and is_organisation("Blue Ridge KG")
    assert not is_organisation("Thomas Ng") and not is_organisation("Siobhan Whitfield-Armstrong")


def test_the_loader_reads_a_salutation_column(tmp_path) -> None:
    from lettergen.load import load_accounts

    p = tmp_path / "a.csv"
    p.write_text("account_id,name,address1,city,region,postal_code,greeting,invoice_number,due_date,balance\n"
                 "A1,Acme LLC,1 Main St,Springfield,IL,62701,Dear Ms Roe,I1,2026-10-01,10.00\n", encoding="utf-8")
    (a,) = load_accounts(p).accounts
    assert a.salutation == "Dear Ms Roe" and salutation(a) == "Ms Roe"


@pytest.mark.parametrize(("text", "locale", "expected"), [
    ("Ελένη Παπαδοπούλου", "", "ΕΛΕΝΗ ΠΑΠΑΔΟΠΟΥΛΟΥ"),  # Greek capitals drop the tonos
    ("Γιώργος Νικολάου", "el_GR", "ΓΙΩΡΓΟΣ ΝΙΚΟΛΑΟΥ"),
    ("Κάιρο", "", "ΚΑΪΡΟ"),  # the accent that kept two vowels apart becomes a diaeresis
    ("Μαΐου", "", "ΜΑΪΟΥ"),  # a diaeresis stays
    ("ᾄδω", "", "ΑΙΔΩ"),  # polytonic: accents and breathings go, the iota subscript is written
    ("Straße", "de_DE", "STRASSE"),
    ("Istanbul iskele", "tr_TR", "ISTANBUL İSKELE"),  # Turkish dotted i
    ("Istanbul iskele", "en_US", "ISTANBUL ISKELE"),
    ("Zoë Øster-Ελένη", "", "ZOË ØSTER-ΕΛΕΝΗ"),
])
def test_upper_follows_the_language(text: str, locale: str, expected: str) -> None:
    assert upper(text, locale) == expected


def test_usps_style_names_and_lines_use_those_capitals() -> None:
    a = Account(id="A-2", name="Ελένη Παπαδοπούλου", locale="en_US",
                address=Address(lines=("12 Οδός Αθηνάς",), city="Astoria", region="NY", postal_code="11102", country="US"))
    lines = recipient_lines(a, usps_style=True)
    assert lines[0] == "ΕΛΕΝΗ ΠΑΠΑΔΟΠΟΥΛΟΥ" and "ΟΔΟΣ ΑΘΗΝΑΣ" in lines[1]
    assert not any(ch in "".join(lines) for ch in "ΆΈΉΊΌΎΏ")
