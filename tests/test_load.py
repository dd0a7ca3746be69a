"""load_accounts: every input format, row numbers, rejections, encodings, column mappings.

Inputs are written into ``tmp_path`` by each test (CSV text, XLSX built with
openpyxl, JSON, YAML); tests/data/load holds one ERP export and its mapping file.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from lettergen.errors import EncodingError, LoadError, MappingError
from lettergen.config.mapping import ColumnMapping
from lettergen.load import LoadResult, load_accounts
from lettergen.models import Rejection

DATA = Path(__file__).parent / "data" / "load"

BASE = {
    "account_id": "A1",
    "name": "Ann Lee",
    "address1": "1 Main St",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02134",
    "invoice_number": "I-1",
    "due_date": "2026-01-15",
    "balance": "100.00",
}
HEADER = list(BASE)


def row(**kw: str) -> dict[str, str]:
    return {**BASE, **kw}


def write_csv(path: Path, rows: list[dict[str, str]], fieldnames: list[str] | None = None, encoding: str = "utf-8") -> Path:
    fieldnames = fieldnames or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding=encoding) as f:
        w = csv.DictWriter(f, fieldnames=fieldnames)
        w.writeheader()
        w.writerows(rows)
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def ids(result: LoadResult) -> list[str]:
    return [a.id for a in result.accounts]


def only(result: LoadResult, code: str) -> Rejection:
    found = [r for r in result.rejections if r.code == code]
    assert len(found) == 1, result.rejections
    return found[0]


def assert_partition(result: LoadResult, input_ids: set[str]) -> None:
    """Every account id of the input is either loaded or rejected, never both, never lost."""
    loaded = set(ids(result))
    rejected = {r.account_id for r in result.rejections if r.account_id}
    assert loaded.isdisjoint(rejected), (loaded, rejected)
    assert loaded | rejected == input_ids


def account(result: LoadResult, account_id: str):
    return next(a for a in result.accounts if a.id == account_id)


# --------------------------------------------------------------------------- flat CSV


def test_flat_csv_groups_invoice_rows_into_accounts_in_input_order(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [
        row(account_id="B2", name="Bob Roe", invoice_number="I-9", balance="$1,234.50"),
        row(invoice_number="I-1", balance="100.10", due_date="01/15/2026"),
        row(account_id="B2", name="Bob Roe", invoice_number="I-10", balance="(0.00)"),
        row(invoice_number="I-2", balance="0.20", due_date="2026-02-15"),
    ])
    result = load_accounts(p)
    assert result.rejections == ()
    assert ids(result) == ["B2", "A1"]
    ann = account(result, "A1")
    assert [i.number for i in ann.invoices] == ["I-1", "I-2"]
    assert [i.due_date for i in ann.invoices] == [date(2026, 1, 15), date(2026, 2, 15)]
    assert ann.balance == Decimal("100.30")
    assert ann.source is not None and ann.source.rows == (3, 5)
    bob = account(result, "B2")
    # a zero-balance invoice is not an open invoice and is left out of the letter
    assert [i.number for i in bob.invoices] == ["I-9"]
    assert bob.balance == Decimal("1234.50")
    for a in result.accounts:
        assert type(a.balance) is Decimal
        for i in a.invoices:
            assert type(i.balance) is Decimal and type(i.original_amount) is Decimal


def test_flat_csv_conflicting_account_data_names_row_and_column(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.csv", (
        "Account,Customer,Address,City,State,ZIP,Invoice,Due Date,Balance Due\n"
        "A1,Ann Lee,1 Main St,Boston,MA,02134,I-1,2026-01-15,10.00\n"
        "B2,Bob Roe,2 Elm St,Boston,MA,02134,I-2,2026-01-15,20.00\n"
        "A1,Ann Lee,1 Main St,Cambridge,MA,02134,I-3,2026-01-15,30.00\n"
    ))
    result = load_accounts(p)
    assert ids(result) == ["B2"]
    r = only(result, "conflicting_account_data")
    assert (r.row, r.column, r.account_id) == (4, "City", "A1")
    assert "'Cambridge' here but 'Boston' on row 2" in r.reason
    assert_partition(result, {"A1", "B2"})


def test_flat_csv_account_columns_left_blank_on_later_rows_are_not_a_conflict(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [
        row(),
        row(name="", address1="", city="", region="", postal_code="", invoice_number="I-2", balance="5"),
    ])
    result = load_accounts(p)
    assert result.rejections == ()
    assert account(result, "A1").balance == Decimal("105.00")


# --------------------------------------------------------------------------- accounts CSV + invoices CSV

ACC_HEADER = "account_id,name,address1,city,region,postal_code\n"
INV_HEADER = "account_id,invoice_number,due_date,balance\n"


def test_accounts_and_invoices_csv_are_joined_on_account_id(tmp_path: Path) -> None:
    acc = write_text(tmp_path / "accounts.csv", ACC_HEADER + (
        "A1,Ann Lee,1 Main St,Boston,MA,02134\n"
        "B2,Bob Roe,2 Elm St,Oakland,CA,94618\n"
    ))
    inv = write_text(tmp_path / "invoices.csv", INV_HEADER + (
        "B2,I-3,2026-03-01,7.25\n"
        "A1,I-1,2026-01-15,10.00\n"
        "A1,I-2,2026-02-15,2.50\n"
    ))
    result = load_accounts(acc, invoices=inv)
    assert result.rejections == ()
    assert ids(result) == ["A1", "B2"]
    assert [i.number for i in account(result, "A1").invoices] == ["I-1", "I-2"]
    assert account(result, "A1").balance == Decimal("12.50")
    assert account(result, "B2").jurisdiction == "US-CA"


def test_accounts_csv_duplicate_id_with_different_data_rejects_that_account(tmp_path: Path) -> None:
    acc = write_text(tmp_path / "accounts.csv", ACC_HEADER + (
        "A1,Ann Lee,1 Main St,Boston,MA,02134\n"
        "B2,Bob Roe,2 Elm St,Boston,MA,02134\n"
        "A1,Ann Lee,9 Oak Ave,Boston,MA,02134\n"
    ))
    inv = write_text(tmp_path / "invoices.csv", INV_HEADER + "A1,I-1,2026-01-15,10\nB2,I-2,2026-01-15,20\n")
    result = load_accounts(acc, invoices=inv)
    assert ids(result) == ["B2"]
    r = only(result, "duplicate_account")
    assert (r.file, r.row, r.column, r.account_id) == (str(acc), 4, "address1", "A1")
    assert "'9 Oak Ave' here, '1 Main St' on row 2" in r.reason
    assert_partition(result, {"A1", "B2"})


def test_accounts_csv_identical_duplicate_is_accepted_once(tmp_path: Path) -> None:
    acc = write_text(tmp_path / "accounts.csv", ACC_HEADER + (
        "A1,Ann Lee,1 Main St,Boston,MA,02134\n"
        "A1,Ann Lee,1 Main St,Boston,MA,02134\n"
    ))
    inv = write_text(tmp_path / "invoices.csv", INV_HEADER + "A1,I-1,2026-01-15,10\n")
    result = load_accounts(acc, invoices=inv)
    assert result.rejections == ()
    assert ids(result) == ["A1"]
    assert account(result, "A1").balance == Decimal("10.00")


def test_invoice_for_unknown_account_and_account_without_invoices(tmp_path: Path) -> None:
    acc = write_text(tmp_path / "accounts.csv", ACC_HEADER + (
        "A1,Ann Lee,1 Main St,Boston,MA,02134\n"
        "C3,Cy Doe,3 Pine St,Boston,MA,02134\n"
    ))
    inv = write_text(tmp_path / "invoices.csv", "Customer ID,invoice_number,due_date,balance\n" + (
        "A1,I-1,2026-01-15,10\n"
        "Z9,I-2,2026-01-15,20\n"
        ",I-3,2026-01-15,30\n"
    ))
    result = load_accounts(acc, invoices=inv)
    assert ids(result) == ["A1"]
    unknown = only(result, "unknown_account")
    assert (unknown.file, unknown.row, unknown.column, unknown.account_id) == (str(inv), 3, "Customer ID", "Z9")
    assert "not in the accounts file" in unknown.reason
    blank = only(result, "missing_account_id")
    assert (blank.file, blank.row, blank.column, blank.account_id) == (str(inv), 4, "Customer ID", None)
    empty = only(result, "no_open_invoices")
    assert (empty.file, empty.row, empty.column, empty.account_id) == (str(acc), 3, None, "C3")
    assert "no open invoices" in empty.reason
    assert_partition(result, {"A1", "C3", "Z9"})


def test_invoices_file_without_a_balance_column_names_the_file_and_column(tmp_path: Path) -> None:
    acc = write_text(tmp_path / "accounts.csv", ACC_HEADER + "A1,Ann Lee,1 Main St,Boston,MA,02134\n")
    inv = write_text(tmp_path / "invoices.csv", "account_id,invoice_number,due_date,Outstanding\nA1,I-1,2026-01-15,10\n")
    with pytest.raises(LoadError) as exc:
        load_accounts(acc, invoices=inv)
    msg = str(exc.value)
    assert str(inv) in msg and "no column for balance" in msg and "--mapping" in msg


# --------------------------------------------------------------------------- XLSX


def test_xlsx_flat_sheet_reads_date_and_number_cells_with_excel_row_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Open Items"
    ws.append(["Account", "Customer", "Address", "City", "State", "ZIP", "Invoice", "Invoice Date", "Due Date", "Amount Due", "Sales Rep"])
    ws.append([1001, "Ann Lee", "1 Main St", "Boston", "MA", "02134", 5001, datetime(2026, 1, 1), datetime(2026, 1, 31), 0.1, "Joe"])
    ws.append([1001, "Ann Lee", "1 Main St", "Boston", "MA", "02134", 5002, datetime(2026, 1, 1), date(2026, 2, 28), 0.2, "Joe"])
    ws.append([])  # an empty row in the sheet still counts in Excel's numbering
    ws.append([1002, "Bob Roe", "2 Elm St", "Boston", "MA", "02134", 5003, None, "31.01.2026", 1.005, "Sue"])
    ws.append([1003, "Cy Doe", "3 Pine St", "Oakland", "CA", "94618", 5004, None, "03/31/2026", 1.005, None])
    p = tmp_path / "ar.xlsx"
    wb.save(p)

    result = load_accounts(p)
    assert ids(result) == ["1001", "1003"]
    ann = account(result, "1001")
    assert [(i.number, i.issue_date, i.due_date) for i in ann.invoices] == [
        ("5001", date(2026, 1, 1), date(2026, 1, 31)),
        ("5002", date(2026, 1, 1), date(2026, 2, 28)),
    ]
    assert ann.balance == Decimal("0.30") and type(ann.balance) is Decimal
    assert ann.extra == {"Sales Rep": "Joe"}
    # 1.005 from a number cell is read as written and rounded half up, not as the binary 1.00499...
    assert account(result, "1003").invoices[0].balance == Decimal("1.01")
    r = only(result, "bad_date")
    assert (r.file, r.row, r.column, r.account_id) == (f"{p}[Open Items]", 5, "Due Date", "1002")
    assert "'31.01.2026' is not a date" in r.reason


def test_xlsx_accounts_and_invoices_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    accounts = wb.active
    accounts.title = "Accounts"
    accounts.append(["account_id", "name", "address1", "city", "region", "postal_code", "country"])
    accounts.append(["A1", "Ann Lee", "1 Main St", "Boston", "MA", "02134", "US"])
    accounts.append(["B2", "Bob Roe", "2 Elm St", "Boston", "MA", "02134", "US"])
    accounts.append(["A1", "Ann Lee", "1 Main St", "Boston", "MA", "02134", "US"])  # identical: fine
    invoices = wb.create_sheet("Invoices")
    invoices.append(["account_id", "invoice_number", "due_date", "balance", "currency"])
    invoices.append(["A1", 7001, datetime(2026, 1, 15), 250, "USD"])
    invoices.append(["B2", 7002, datetime(2026, 1, 15), "abc", "USD"])
    invoices.append(["Z9", 7003, datetime(2026, 1, 15), 5, "USD"])
    p = tmp_path / "ar.xlsx"
    wb.save(p)

    result = load_accounts(p)
    assert ids(result) == ["A1"]
    inv = account(result, "A1").invoices[0]
    assert (inv.number, inv.due_date, inv.balance) == ("7001", date(2026, 1, 15), Decimal("250.00"))
    bad = only(result, "bad_amount")
    assert (bad.file, bad.row, bad.column, bad.account_id) == (f"{p}[Invoices]", 3, "balance", "B2")
    assert "'abc' is not an amount" in bad.reason
    unknown = only(result, "unknown_account")
    assert (unknown.file, unknown.row, unknown.column) == (f"{p}[Invoices]", 4, "account_id")
    assert_partition(result, {"A1", "B2", "Z9"})


# --------------------------------------------------------------------------- JSON / YAML


def test_json_nested_invoices_keep_decimal_amounts_exact(tmp_path: Path) -> None:
    data = {
        "accounts": [
            {
                "account_id": "J1",
                "name": "Ann Lee",
                "address": {"lines": ["1 Main St", "Apt 2"], "city": "Boston", "region": "MA", "postal_code": "02134"},
                "customer_ref": "CR-1",
                "invoices": [
                    {"invoice_number": "I-1", "due_date": "2026-01-15", "balance": 0.1},
                    {"invoice_number": "I-2", "due_date": "2026-01-15", "balance": 0.2},
                    {"invoice_number": "I-3", "due_date": "2026-01-15", "balance": 1.005, "amount": 2.675},
                ],
            },
            {
                "account_id": "J2",
                "name": "Bob Roe",
                "address1": "2 Elm St", "city": "Boston", "region": "MA", "postal_code": "02134",
                "invoices": [
                    {"invoice_number": "I-4", "due_date": "2026-01-15", "balance": 5},
                    {"invoice_number": "I-5", "due_date": "15/01/2026", "balance": 5},
                ],
            },
        ]
    }
    p = tmp_path / "ar.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    result = load_accounts(p)
    assert ids(result) == ["J1"]
    j1 = account(result, "J1")
    assert j1.address.lines == ("1 Main St", "Apt 2") and j1.jurisdiction == "US-MA"
    assert j1.extra == {"customer_ref": "CR-1"}
    # exact decimals: 0.1 + 0.2 is 0.30, and 1.005 / 2.675 round half up (as binary floats they would round down)
    assert [i.balance for i in j1.invoices] == [Decimal("0.10"), Decimal("0.20"), Decimal("1.01")]
    assert j1.invoices[2].original_amount == Decimal("2.68")
    assert sum(i.balance for i in j1.invoices[:2]) == Decimal("0.30")
    assert all(type(i.balance) is Decimal for i in j1.invoices)
    r = only(result, "bad_date")
    assert (r.row, r.column, r.account_id) == (2, "accounts[2].invoices[2].due_date", "J2")


def test_yaml_nested_address_flags_and_codes_that_look_like_numbers_or_booleans(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.yaml", """\
- account_id: 007
  name: Ola Nordmann
  address: {lines: [Karl Johans gate 1], city: Oslo, postal_code: "0154", country: NO}
  invoices:
    - {invoice_number: 1, due_date: 2026-01-05, balance: 0.1, currency: NOK}
    - {invoice_number: 2, due_date: 2026-01-05, balance: 0.2, currency: NOK}
- account_id: A2
  name: Bob Roe
  address:
    lines: [1 Main St]
    city: Boston
    state: MA
    zip: 02134
  in_dispute: yes
  invoices:
    - invoice_number: I-2
      due_date: 2026-01-05
      balance: 12.50
- account_id: A3
  name: Cat Tran
  address: {lines: [100 King St W], city: Toronto, region: ON, postal_code: M5V 1A1, country: CA}
  do_not_contact: no
  invoices: [{invoice_number: I-3, due_date: 2026-01-05, balance: 7, currency: CAD}]
""")
    result = load_accounts(p)
    assert result.rejections == ()
    assert ids(result) == ["007", "A2", "A3"]
    ola = account(result, "007")
    assert (ola.address.country, ola.jurisdiction) == ("NO", "NO")  # not the boolean 'no'
    assert ola.balance == Decimal("0.30") and ola.currency == "NOK"
    bob = account(result, "A2")
    assert (bob.address.region, bob.address.postal_code) == ("MA", "02134")  # state/zip in the nested form
    assert bob.jurisdiction == "US-MA" and bob.in_dispute is True
    cat = account(result, "A3")
    assert (cat.address.region, cat.jurisdiction, cat.do_not_contact) == ("ON", "CA", False)


def test_json_account_without_invoices_and_broken_json(tmp_path: Path) -> None:
    p = tmp_path / "ar.json"
    p.write_text(json.dumps([
        {"id": "J1", "name": "Ann Lee", "address1": "1 Main St", "city": "Boston", "postal_code": "02134", "invoices": []},
        {"id": "J2", "name": "Bob Roe", "address1": "2 Elm St", "city": "Boston", "postal_code": "02134",
         "invoices": [{"invoice_number": "I-1", "due_date": "2026-01-15", "balance": "-5.00"}]},
    ]), encoding="utf-8")
    result = load_accounts(p)
    assert ids(result) == []
    assert [(r.account_id, r.code, r.row, r.column) for r in result.rejections] == [
        ("J1", "no_open_invoices", 1, None),
        ("J2", "negative_balance", 2, "accounts[2].invoices[1].balance"),
    ]
    broken = write_text(tmp_path / "broken.json", '[{"id": "J1",}]')
    # where the parser points: the "}" on Python 3.11/3.12 (column 14), the trailing comma on 3.13 (column 13)
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads('[{"id": "J1",}]')
    assert parsed.value.colno in (13, 14)
    with pytest.raises(LoadError, match=rf"broken.json: not valid JSON \(line 1, column {parsed.value.colno}: "):
        load_accounts(broken)


# --------------------------------------------------------------------------- row numbers


def test_csv_row_numbers_count_records_not_physical_lines(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.csv", ",".join(HEADER) + "\n" + (
        'A1,"Ann Lee\nc/o Lee Family Trust",1 Main St,Boston,MA,02134,I-1,2026-01-15,10\n'  # row 2, two lines
        "B2,Bob Roe,2 Elm St,Boston,MA,02134,I-2,2026-01-15,abc\n"  # row 3
        "\n"  # row 4: an empty row, as a spreadsheet shows it
        "C3,Cy Doe,3 Pine St,Boston,MA,02134,I-3,1/32/2026,5\n"  # row 5
    ))
    result = load_accounts(p)
    assert ids(result) == ["A1"]
    assert account(result, "A1").name == "Ann Lee\nc/o Lee Family Trust"
    assert [(r.account_id, r.row, r.column, r.code) for r in result.rejections] == [
        ("B2", 3, "balance", "bad_amount"),
        ("C3", 5, "due_date", "bad_date"),
    ]


# --------------------------------------------------------------------------- rejections

REJECTION_HEADER = [*HEADER, "locale", "currency", "in_dispute"]


def test_each_kind_of_bad_row_is_rejected_distinctly_and_the_run_goes_on(tmp_path: Path) -> None:
    rows = [
        row(account_id="OK1", invoice_number="I-1"),                                  # 2
        row(account_id="NEG", invoice_number="I-2", balance="-5.00"),                 # 3
        row(account_id="ZERO", invoice_number="I-3", balance="0.00"),                 # 4
        row(account_id="NOADDR", invoice_number="I-4", address1=""),                  # 5
        row(account_id="", invoice_number="I-5"),                                     # 6
        row(account_id="BADAMT", invoice_number="I-6", balance="50.00"),              # 7
        row(account_id="BADAMT", invoice_number="I-7", balance="12.3.4"),             # 8
        row(account_id="BADDATE", invoice_number="I-8", due_date="2026-13-01"),       # 9
        row(account_id="BADLOC", invoice_number="I-9", locale="xx_YY"),               # 10
        row(account_id="BADCUR", invoice_number="I-10", currency="XYZ"),              # 11
        row(account_id="BADFLAG", invoice_number="I-11", in_dispute="maybe"),         # 12
        row(account_id="MIXED", invoice_number="I-12", currency="USD"),               # 13
        row(account_id="MIXED", invoice_number="I-13", currency="EUR"),               # 14
        row(account_id="NOZIP", invoice_number="I-14", postal_code=""),               # 15
        row(account_id="OK2", invoice_number="I-15", locale="es_US", in_dispute="no"),  # 16
    ]
    result = load_accounts(write_csv(tmp_path / "ar.csv", rows, REJECTION_HEADER))
    assert ids(result) == ["OK1", "OK2"]
    got = {(r.account_id, r.code): r for r in result.rejections}
    expected = [
        ("NEG", "negative_balance", 3, "balance", "negative open balance (-5.00)"),
        ("ZERO", "no_open_invoices", 4, None, "no open invoices"),
        ("NOADDR", "missing_address", 5, "address1", "postal address is missing"),
        (None, "missing_account_id", 6, "account_id", "account id is empty"),
        ("BADAMT", "bad_amount", 8, "balance", "'12.3.4' is not an amount"),
        ("BADDATE", "bad_date", 9, "due_date", "'2026-13-01' is not a date"),
        ("BADLOC", "bad_locale", 10, "locale", "'xx_YY' is not a locale"),
        ("BADCUR", "bad_currency", 11, "currency", "'XYZ' is not an ISO currency code"),
        ("BADFLAG", "bad_flag", 12, "in_dispute", "'maybe' is not yes/no"),
        ("MIXED", "mixed_currency", 13, "currency", "invoices in EUR, USD"),
        ("NOZIP", "missing_address", 15, "postal_code", "has no ZIP code"),
    ]
    assert len(result.rejections) == len(expected)
    for aid, code, rownum, column, reason in expected:
        r = got[(aid, code)]
        assert (r.row, r.column, r.file) == (rownum, column, str(tmp_path / "ar.csv")), r
        assert reason in r.reason, r
    assert_partition(result, {r["account_id"] for r in rows if r["account_id"]})
    assert account(result, "OK2").locale == "es_US"


def test_unquoted_thousands_comma_shifts_columns_and_is_rejected_not_truncated(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.csv", ",".join(HEADER) + "\n" + (
        "A1,Ann Lee,1 Main St,Boston,MA,02134,I-1,2026-01-15,1,234.50\n"  # would otherwise load as $1.00
        "B2,Bob Roe,2 Elm St,Boston,MA,02134,I-2,2026-01-15,20.00,,\n"  # trailing empty cells are fine
    ))
    result = load_accounts(p)
    assert ids(result) == ["B2"]
    r = only(result, "extra_values")
    assert (r.row, r.column, r.account_id) == (2, None, "A1")
    assert "10 values but the header has 9 columns" in r.reason and "quote" in r.reason


def test_doubled_quotes_inside_a_quoted_value_are_one_quote_anywhere_in_the_file(tmp_path: Path) -> None:
    # 100 unquoted rows first, so the part of the file a dialect sniffer looks at has no quotes at all
    lines = [f"B{i},Name {i},1 Main St,Boston,MA,02134,I-{i},2026-01-15,10" for i in range(100)]
    lines.append('Q1,"ACME ""Best"" Corp, Inc.",1 Main St,Boston,MA,02134,I-Q,2026-01-15,10')
    result = load_accounts(write_text(tmp_path / "ar.csv", ",".join(HEADER) + "\n" + "\n".join(lines) + "\n"))
    assert result.rejections == ()
    assert account(result, "Q1").name == 'ACME "Best" Corp, Inc.'


def test_semicolon_delimited_csv(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.csv", ";".join(HEADER) + "\n" + "A1;Ann Lee;1 Main St;Boston;MA;02134;I-1;2026-01-15;1,234.50\n")
    result = load_accounts(p)
    assert result.rejections == ()
    assert account(result, "A1").balance == Decimal("1234.50")


def test_absurdly_large_amount_is_a_rejection_not_a_crash(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [
        row(account_id="BIG", balance="1000000000000000000000000000000"),
        row(account_id="OK"),
    ])
    result = load_accounts(p)
    assert ids(result) == ["OK"]
    r = only(result, "bad_amount")
    assert (r.row, r.column, r.account_id) == (2, "balance", "BIG")
    assert "too large" in r.reason


def test_negative_balance_is_reported_on_its_own_row_after_a_repeated_invoice(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [
        row(invoice_number="I-1", balance="5.00"),
        row(invoice_number="I-1", balance="5.00"),  # the same invoice exported twice: counted once
        row(invoice_number="CM-2", balance="-3.00"),
    ])
    result = load_accounts(p)
    r = only(result, "negative_balance")
    assert (r.row, r.column) == (4, "balance")
    assert "CM-2" in r.reason


def test_same_invoice_number_twice_with_different_amounts(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [row(balance="5.00"), row(balance="6.00"), row(account_id="B2")])
    result = load_accounts(p)
    assert ids(result) == ["B2"]
    r = only(result, "duplicate_invoice")
    assert (r.row, r.column, r.account_id) == (3, "invoice_number", "A1")


def test_identical_repeated_invoice_row_is_counted_once(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [row(balance="5.00"), row(balance="5.00")])
    result = load_accounts(p)
    assert result.rejections == ()
    assert account(result, "A1").balance == Decimal("5.00")


# --------------------------------------------------------------------------- encodings


def test_utf8_with_bom_from_excel_recognises_first_header(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.csv", "\ufeff" + ",".join(HEADER) + "\nA1,José Núñez,1 Main St,Boston,MA,02134,I-1,2026-01-15,10\n")
    assert p.read_bytes().startswith(b"\xef\xbb\xbfaccount_id,")
    result = load_accounts(p)
    assert result.rejections == ()
    assert account(result, "A1").name == "José Núñez"


def test_cp1252_file_needs_encoding_and_then_loads(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.csv", ",".join(HEADER) + "\nA1,José Núñez,1 Main St,Boston,MA,02134,I-1,2026-01-15,10\n", encoding="cp1252")
    with pytest.raises(EncodingError) as exc:
        load_accounts(p)
    msg = str(exc.value)
    assert "--encoding" in msg and "cp1252" in msg and "line 2" in msg
    result = load_accounts(p, encoding="cp1252")
    assert account(result, "A1").name == "José Núñez"


def test_cp1252_encoding_from_the_mapping_file(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.csv", ",".join(HEADER) + "\nA1,Zoë Öztürk,1 Main St,Boston,MA,02134,I-1,2026-01-15,10\n", encoding="cp1252")
    m = write_text(tmp_path / "map.yaml", "encoding: cp1252\n")
    assert account(load_accounts(p, mapping=m), "A1").name == "Zoë Öztürk"


def test_utf16_file_gets_a_clear_message(tmp_path: Path) -> None:
    text = ",".join(HEADER) + "\nA1,Ann Lee,1 Main St,Boston,MA,02134,I-1,2026-01-15,10\n"
    with_bom = write_text(tmp_path / "bom.csv", text, encoding="utf-16")
    with pytest.raises(EncodingError, match=r"UTF-16.*--encoding utf-16"):
        load_accounts(with_bom)
    assert ids(load_accounts(with_bom, encoding="utf-16")) == ["A1"]
    no_bom = write_text(tmp_path / "nobom.csv", text, encoding="utf-16-le")
    with pytest.raises(EncodingError, match=r"UTF-16.*--encoding utf-16-le"):
        load_accounts(no_bom)
    assert ids(load_accounts(no_bom, encoding="utf-16-le")) == ["A1"]


# --------------------------------------------------------------------------- column mapping


@pytest.mark.parametrize("how", ["path", "object"])
def test_mapping_file_renames_columns_sets_date_format_and_defaults(how: str) -> None:
    mapping = DATA / "erp_mapping.yaml"
    result = load_accounts(DATA / "erp_export.csv", mapping=mapping if how == "path" else ColumnMapping.from_yaml(mapping))
    assert ids(result) == ["K-100"]
    k = account(result, "K-100")
    assert k.name == "Müller & Söhne GmbH"
    assert (k.address.lines, k.address.city, k.address.postal_code, k.address.country) == (("Hauptstraße 12",), "Berlin", "10115", "DE")
    assert (k.jurisdiction, k.locale, k.debt_type, k.currency) == ("DE", "de_DE", "commercial", "EUR")
    assert [(i.number, i.issue_date, i.due_date, i.balance) for i in k.invoices] == [
        ("R-1", date(2026, 9, 1), date(2026, 10, 1), Decimal("4150.00")),
        ("R-2", date(2026, 9, 22), date(2026, 10, 22), Decimal("1275.90")),
    ]
    assert k.extra == {"Sales Rep": "Schmidt"}
    r = only(result, "bad_date")
    assert (r.row, r.column, r.account_id) == (4, "Pay By", "K-200")
    assert "'31.13.2026' is not a date" in r.reason and "%d.%m.%Y" in r.reason


def test_mapping_file_unknown_key_is_named(tmp_path: Path) -> None:
    m = write_text(tmp_path / "map.yaml", "columns:\n  Customer: name\ndate_fromat: '%d.%m.%Y'\n")
    with pytest.raises(MappingError) as exc:
        ColumnMapping.from_yaml(m)
    assert "unknown key 'date_fromat'" in str(exc.value) and "date_format" in str(exc.value)
    with pytest.raises(MappingError, match="date_fromat"):
        load_accounts(write_csv(tmp_path / "ar.csv", [row()]), mapping=m)


def test_mapping_to_unknown_field_lists_the_fields(tmp_path: Path) -> None:
    m = write_text(tmp_path / "map.yaml", "columns:\n  Amount Due: amount_due\n")
    with pytest.raises(MappingError) as exc:
        ColumnMapping.from_yaml(m)
    msg = str(exc.value)
    assert "'amount_due'" in msg and "Amount Due" in msg
    for f in ("account_id", "balance", "due_date", "invoice_number", "postal_code"):
        assert f in msg


def test_mapping_defaults_must_be_fields_and_country_no_stays_norway(tmp_path: Path) -> None:
    bad = write_text(tmp_path / "bad.yaml", "defaults:\n  ccy: EUR\n")
    with pytest.raises(MappingError, match=r"defaults.'ccy' is not a lettergen field"):
        ColumnMapping.from_yaml(bad)
    m = ColumnMapping.from_yaml(write_text(tmp_path / "map.yaml", "defaults:\n  country: NO\n  currency: NOK\n"))
    assert dict(m.defaults) == {"country": "NO", "currency": "NOK"}


def test_missing_due_date_column_names_the_column_and_the_mapping_fix(tmp_path: Path) -> None:
    p = write_text(tmp_path / "ar.csv", "account_id,name,address1,city,postal_code,invoice_number,Payable By,balance\nA1,Ann,1 Main,Boston,02134,I-1,2026-01-15,10\n")
    with pytest.raises(LoadError) as exc:
        load_accounts(p)
    msg = str(exc.value)
    assert "no column for due_date" in msg and "--mapping" in msg and "due_date" in msg
    m = write_text(tmp_path / "map.yaml", "columns:\n  Payable By: due_date\n")
    assert account(load_accounts(p, mapping=m), "A1").invoices[0].due_date == date(2026, 1, 15)


def test_bad_date_format_in_mapping_file(tmp_path: Path) -> None:
    m = write_text(tmp_path / "map.yaml", "date_format: '%d.%q.%Y'\n")
    with pytest.raises(MappingError, match=r"'%d.%q.%Y' is not a usable date format"):
        ColumnMapping.from_yaml(m)


# --------------------------------------------------------------------------- dates


def test_dates_in_iso_or_the_default_us_format(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [
        row(invoice_number="I-1", due_date="2026-01-15"),
        row(invoice_number="I-2", due_date="02/28/2026"),
        row(invoice_number="I-3", due_date="3/5/2026"),
        row(account_id="B2", due_date="28.02.2026"),
    ])
    result = load_accounts(p)
    assert [i.due_date for i in account(result, "A1").invoices] == [date(2026, 1, 15), date(2026, 2, 28), date(2026, 3, 5)]
    r = only(result, "bad_date")
    assert (r.row, r.column, r.account_id) == (5, "due_date", "B2")
    assert "YYYY-MM-DD" in r.reason and "%m/%d/%Y" in r.reason and "--date-format" in r.reason


def test_date_format_option_replaces_the_local_format_and_iso_still_works(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [
        row(invoice_number="I-1", due_date="28.02.2026"),
        row(invoice_number="I-2", due_date="2026-03-31"),
        row(account_id="B2", due_date="02/28/2026"),
    ])
    result = load_accounts(p, date_format="%d.%m.%Y")
    assert [i.due_date for i in account(result, "A1").invoices] == [date(2026, 2, 28), date(2026, 3, 31)]
    r = only(result, "bad_date")
    assert (r.row, r.column, r.account_id) == (4, "due_date", "B2")
    assert "'02/28/2026' is not a date" in r.reason and "YYYY-MM-DD" in r.reason and "%d.%m.%Y" in r.reason


def test_date_format_option_overrides_the_mapping_file(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [row(due_date="28.02.2026")])
    m = write_text(tmp_path / "map.yaml", "date_format: '%m/%d/%Y'\n")
    assert account(load_accounts(p, mapping=m, date_format="%d.%m.%Y"), "A1").invoices[0].due_date == date(2026, 2, 28)
    assert only(load_accounts(p, mapping=m), "bad_date").row == 2


def test_issue_date_after_due_date_is_rejected(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "ar.csv", [row(issue_date="2026-02-01", due_date="2026-01-15")])
    r = only(load_accounts(p), "bad_date")
    assert (r.row, r.column) == (2, "issue_date")
    assert "2026-02-01 is after its due date 2026-01-15" in r.reason


# --------------------------------------------------------------------------- extra columns, countries


def test_extra_columns_jurisdiction_and_country_names(tmp_path: Path) -> None:
    header = [*HEADER, "country", "Customer Ref", "Sales Rep"]
    p = write_csv(tmp_path / "ar.csv", [
        row(account_id="CA1", region="ca", city="Oakland", postal_code="94618", country="US", **{"Customer Ref": "CR-1", "Sales Rep": "Joe"}),
        row(account_id="DE1", region="", city="Berlin", postal_code="10115", country="Germany", **{"Customer Ref": "CR-2", "Sales Rep": ""}),
        row(account_id="GB1", region="", city="London", postal_code="EC1A 4HD", country="United Kingdom"),
        row(account_id="US1", country="USA"),
        row(account_id="XX1", country="Atlantis"),
    ], header)
    result = load_accounts(p)
    ca = account(result, "CA1")
    assert (ca.address.country, ca.jurisdiction) == ("US", "US-CA")
    assert ca.extra == {"Customer Ref": "CR-1", "Sales Rep": "Joe"}
    de = account(result, "DE1")
    assert (de.address.country, de.jurisdiction) == ("DE", "DE")
    assert de.extra == {"Customer Ref": "CR-2", "Sales Rep": ""}
    assert account(result, "GB1").address.country == "GB"
    assert account(result, "US1").jurisdiction == "US-MA"
    r = only(result, "bad_country")
    assert (r.row, r.column, r.account_id) == (6, "country", "XX1")
    assert "'Atlantis' is not a country" in r.reason


def test_unknown_file_type_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"unknown file type '\.pdf'"):
        load_accounts(write_text(tmp_path / "ar.pdf", "x"))
    with pytest.raises(LoadError, match="file not found"):
        load_accounts(tmp_path / "nope.csv")
