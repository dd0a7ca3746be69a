"""Money: amounts as AR exports write them, and rounding to the currency's minor unit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lettergen.models import Invoice
from lettergen.errors import AmountError
from lettergen.money import currency_exponent, parse_amount, quantize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("$1,234.50", "1234.50"),
        ("(12.00)", "-12.00"),
        ("$(12.00)", "-12.00"),
        ("-12", "-12"),
        ("-$12.00", "-12.00"),
        ("USD 1,234.50", "1234.50"),
        ("1,234.50 USD", "1234.50"),
        ("1234", "1234"),
        (".5", "0.5"),
        ("1,000,000", "1000000"),
        ("  42.10  ", "42.10"),
        ("€ 7", "7"),
    ],
)
def test_parse_amount_accepts_export_formats(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert type(value) is Decimal
    assert value == Decimal(expected)
    assert value.as_tuple() == Decimal(expected).as_tuple()  # digits kept as written, no float detour


@pytest.mark.parametrize("text", ["12.3.4", "1,23.00", "abc", "", "   ", "1 234,50", "1.234,50", "12-", "$", "1e3", "NaN"])
def test_parse_amount_rejects_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(AmountError) as exc:
        parse_amount(text)
    assert isinstance(exc.value, ValueError)
    assert "amount" in str(exc.value)


def test_two_minus_signs_are_rejected() -> None:
    with pytest.raises(AmountError, match="two minus signs"):
        parse_amount("(-12)")
    with pytest.raises(AmountError, match="two minus signs"):
        parse_amount("$(-12.00)")


def test_rejection_message_says_what_is_accepted() -> None:
    with pytest.raises(AmountError) as exc:
        parse_amount("1 234,50")
    msg = str(exc.value)
    assert "'1 234,50' is not an amount" in msg and "1,234.50" in msg and "(12.00)" in msg


def test_parse_amount_from_cell_values() -> None:
    assert parse_amount(Decimal("12.345")) == Decimal("12.345")
    assert type(parse_amount(7)) is Decimal and parse_amount(7) == 7
    # a float from a spreadsheet cell is read through its shortest repr: 0.1 stays 0.1, 1.005 stays 1.005
    assert parse_amount(0.1) == Decimal("0.1")
    assert parse_amount(1.005) == Decimal("1.005")
    assert type(parse_amount(0.1)) is Decimal
    assert parse_amount(0.1) + parse_amount(0.2) == Decimal("0.3")


@pytest.mark.parametrize("value", [True, False, float("nan"), float("inf"), Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_parse_amount_rejects_non_amount_values(value: object) -> None:
    with pytest.raises(AmountError):
        parse_amount(value)


@pytest.mark.parametrize(("currency", "places"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("BHD", 3), ("KWD", 3)])
def test_currency_exponent_follows_babel(currency: str, places: int) -> None:
    assert currency_exponent(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.125", "USD", "0.13"),
        ("0.124", "USD", "0.12"),
        ("-0.125", "USD", "-0.13"),
        ("2.5", "JPY", "3"),
        ("1234.4", "JPY", "1234"),
        ("1.0005", "BHD", "1.001"),
        ("7", "BHD", "7.000"),
        ("10", "USD", "10.00"),
    ],
)
def test_quantize_rounds_half_up_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    value = quantize(Decimal(amount), currency)
    assert type(value) is Decimal
    assert str(value) == expected


def test_invoice_model_rounds_per_currency_and_keeps_decimal() -> None:
    jpy = Invoice(number="1", due_date=date(2026, 1, 1), original_amount=Decimal("125000.5"), balance=Decimal("48500.4"), currency="JPY")
    assert (str(jpy.original_amount), str(jpy.balance)) == ("125001", "48500")
    bhd = Invoice(number="2", due_date=date(2026, 1, 1), original_amount=parse_amount("1.2345"), balance=parse_amount("0.0005"), currency="BHD")
    assert (str(bhd.original_amount), str(bhd.balance)) == ("1.235", "0.001")
    usd = Invoice(number="3", due_date=date(2026, 1, 1), original_amount=parse_amount(1.005), balance=parse_amount("$(0.125)"), currency="USD")
    assert (str(usd.original_amount), str(usd.balance)) == ("1.01", "-0.13")
    for inv in (jpy, bhd, usd):
        assert type(inv.balance) is Decimal and type(inv.original_amount) is Decimal
