"""How each account pays (issue 15): instructions per currency, a link of its own and a QR code that decodes to it."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import SAMPLES
from lettergen import Account, Address, Invoice, Policy
from lettergen.compose import Composer
from lettergen.compose.html import visible_text
from lettergen.compose.payment import payment_link, qr_svg
from lettergen.errors import PolicyError
from lettergen.plan import job_for_stage, plan_all
from lettergen.typeset.pdf import PdfRenderer

AS_OF = date(2026, 11, 27)
POLICY = Policy.from_yaml(SAMPLES / "policy.yaml")


def account(aid: str, currency: str, country: str = "US", locale: str = "en_US") -> Account:
    region, postal, city = {"US": ("NY", "10001", "New York"), "DE": ("", "10115", "Berlin"),
                            "GB": ("", "SW1A 1AA", "London"), "CH": ("", "8001", "Zürich")}[country]
    return Account(id=aid, name="Jane Roe", locale=locale,
                   address=Address(lines=("1 Main St",), city=city, region=region, postal_code=postal, country=country),
                   invoices=(Invoice(number=f"{aid}-1", issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1),
                                     original_amount=Decimal("980.00"), balance=Decimal("980.00"), currency=currency),))


def text_of(acc: Account, policy: Policy = POLICY) -> str:
    lt = Composer(policy).compose(job_for_stage(acc, policy, (), AS_OF, "polite_reminder"))
    return " ".join(visible_text(lt.html).split())


def test_each_currency_is_told_its_own_way_to_pay() -> None:
    usd = text_of(account("U-1", "USD"))
    eur = text_of(account("E-1", "EUR", "DE", "de_DE"))
    gbp = text_of(account("G-1", "GBP", "GB", "en_GB"))
    assert "ACH" in usd and "routing" in usd
    assert "IBAN DE89 3704 0044 0532 0130 00" in eur and "BIC COBADEFFXXX" in eur
    assert "sort code 20-20-15" in gbp and "IBAN GB33" in gbp
    for t in (eur, gbp):
        assert "ACH" not in t and "routing" not in t


def test_a_currency_without_instructions_is_rejected_with_the_reason() -> None:
    result = plan_all([account("C-1", "CHF", "CH", "de_CH"), account("U-2", "USD")], POLICY, {}, AS_OF)
    assert [j.account.id for j in result.jobs] == ["U-2"]
    (rej,) = result.rejections
    assert rej.code == "no_payment_instructions" and rej.account_id == "C-1" and rej.column == "currency"
    assert "pays in CHF" in rej.reason and "EUR, GBP, JPY, USD" in rej.reason and "add instructions for CHF" in rej.reason


def test_one_text_for_every_currency_still_works() -> None:
    one = POLICY.model_copy(update={"sender": POLICY.sender.model_copy(update={"payment_instructions": "Pay by check."})})
    assert plan_all([account("C-1", "CHF", "CH", "de_CH")], one, {}, AS_OF).rejections == ()
    assert "Pay by check." in text_of(account("C-1", "CHF", "CH", "de_CH"), one)


def test_the_payment_link_is_filled_in_url_encoded_and_checked_in_the_policy(tmp_path: Path) -> None:
    assert payment_link("https://x.example/p?a={account_id}&m={amount}&c={currency}", "ACC 1/2", Decimal("12.50"), "EUR") == \
        "https://x.example/p?a=ACC%201%2F2&m=12.50&c=EUR"
    text = (SAMPLES / "policy.yaml").read_text(encoding="utf-8").replace("{currency}", "{customer}")
    bad = tmp_path / "policy.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        Policy.from_yaml(bad)
    assert "{customer}" in str(err.value) and "{account_id}" in str(err.value)


def test_the_qr_code_is_vector_and_deterministic() -> None:
    svg = qr_svg("https://acme-supplies.example/pay?account=ACC-1001")
    assert svg == qr_svg("https://acme-supplies.example/pay?account=ACC-1001")
    assert svg.startswith("<svg") and svg.count("<path") == 1 and "<image" not in svg and 'width="64.8pt"' in svg


def test_the_qr_code_on_the_printed_letter_decodes_to_the_accounts_link(tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; `make test` installs it as root")

    acc = account("ACC-77", "USD")
    lt = Composer(POLICY).compose(job_for_stage(acc, POLICY, (), AS_OF, "polite_reminder"))
    link = lt.context["payment_link"]
    assert link == "https://acme-supplies.example/pay?account=ACC-77&amount=980.00&currency=USD"
    assert f"Pay online at {link}" in " ".join(visible_text(lt.html).split())
    pdf = tmp_path / "l.pdf"
    chunk = PdfRenderer(SAMPLES.parent / "letter_templates", AS_OF, POLICY.envelope).render([lt.html], [lt.anchor], "qr")
    pdf.write_bytes(chunk.pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    (png,) = tmp_path.glob("p*.png")
    found = zxingcpp.read_barcodes(Image.open(png))
    assert [(r.format, r.text) for r in found] == [(zxingcpp.BarcodeFormat.QRCode, link)]
