"""load: accounts-receivable exports -> (accounts, rejections).

Formats
-------
* flat CSV: one row per invoice, account columns repeated on each row;
* accounts CSV + invoices CSV (``invoices=`` path), joined on ``account_id``;
* XLSX: one flat sheet, or sheets named ``accounts`` and ``invoices``;
* JSON / YAML: a list of accounts (or ``{"accounts": [...]}``) with
  ``invoices`` nested under each account.

Headers are matched to lettergen's field names (``FIELDS``) case-insensitively,
through built-in aliases (``Customer ID`` -> ``account_id``, ``ZIP`` ->
``postal_code`` ...) and through an optional column-mapping YAML file.
Columns that match no field are kept in ``Account.extra`` for templates.

Nothing is lost: a problem with a row becomes a ``Rejection`` (file, row,
column, reason) and the account it belongs to is rejected as a whole, because
a letter that leaves out one of its invoices would state the wrong amount.
Only problems with the file as a whole (unreadable, wrong encoding, no
account-id column) raise ``LoadError``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from pydantic import ValidationError

from lettergen.config.mapping import ACCOUNT_FIELDS, DEFAULT_DATE_FORMAT, ColumnMapping, _check_date_format
from lettergen.config.yamlfile import TextLoader, parse_yaml
from lettergen.errors import AmountError, EncodingError, LettergenError, LoadError
from lettergen.models import Account, Address, Invoice, PromiseToPay, Rejection, SourceRef
from lettergen.money import parse_amount
from lettergen.packed import Packed, compacted

# --------------------------------------------------------------------------- fields

_REQUIRED_ACCOUNT = ("account_id",)
_REQUIRED_INVOICE = ("invoice_number", "due_date", "balance")
_TRUE = {"yes", "y", "true", "t", "1", "x"}
_FALSE = {"no", "n", "false", "f", "0", ""}
_CURRENCIES = frozenset(list_currencies())


# --------------------------------------------------------------------------- mapping


# --------------------------------------------------------------------------- raw rows


@dataclass
class RawRow:
    """One record of the input, its values under lettergen field names."""

    file: str
    row: int
    values: dict[str, Any]
    extra: dict[str, str]
    where: dict[str, str] = field(default_factory=dict)
    """Field -> column label to report (the export's own header, or a JSON path)."""

    def col(self, name: str) -> str:
        return self.where.get(name, name)


class LoadResult(NamedTuple):
    accounts: Sequence[Account]
    """In input order; from :func:`load_accounts` a :class:`~lettergen.packed.Packed` sequence (compact: a batch
    keeps it for its whole run)."""
    rejections: tuple[Rejection, ...]


def read_text(path: Path, encoding: str | None) -> str:
    """Read a text file as UTF-8 (a BOM is fine) or as ``encoding``; a clear error otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(f"{path}: file not found; check the path.") from None
    except IsADirectoryError:
        raise LoadError(f"{path}: is a folder; give the accounts file itself.") from None
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror}).") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not encoding:
        raise EncodingError(
            f"{path}: the file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8', "
            "or pass --encoding utf-16 (or set 'encoding: utf-16' in the mapping file)."
        )
    if not encoding and b"\x00" in data[:4096]:
        raise EncodingError(
            f"{path}: the file contains NUL bytes, so it is probably UTF-16 without a byte-order mark; "
            "save it as 'CSV UTF-8', or pass --encoding utf-16-le (or set 'encoding: utf-16-le' in the mapping file)."
        )
    enc = encoding or "utf-8"
    if enc.lower().replace("_", "-") in ("utf-8", "utf8"):
        enc = "utf-8-sig"
    try:
        return data.decode(enc)
    except LookupError:
        raise EncodingError(f"{path}: unknown encoding '{encoding}'; use a Python codec name such as cp1252 or latin-1.") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EncodingError(
            f"{path}: not valid {encoding or 'UTF-8'} (byte 0x{data[exc.start]:02x} on line {line}). "
            "Save the export as UTF-8 ('CSV UTF-8' in Excel), or name its encoding with --encoding, "
            "e.g. --encoding cp1252 (or 'encoding: cp1252' in the mapping file)."
        ) from None


def _map_headers(headers: Iterable[Any], mapping: ColumnMapping, path: Path) -> list[tuple[str, str | None]]:
    """(header, field-or-None) per column; two columns for one field is an error."""
    out: list[tuple[str, str | None]] = []
    seen: dict[str, str] = {}
    for h in headers:
        header = "" if h is None else str(h).strip()
        target = mapping.field_for(header) if header else None
        if target is not None:
            if target in seen:
                raise LoadError(
                    f"{path}: columns '{seen[target]}' and '{header}' both map to '{target}'; "
                    "rename one or map it explicitly in a mapping file."
                )
            seen[target] = header
        out.append((header, target))
    return out


def _rows_from_table(
    path: Path, label: str, headers: list[Any], rows: Iterable[tuple[int, list[Any]]], mapping: ColumnMapping
) -> tuple[list[RawRow], set[str]]:
    cols = _map_headers(headers, mapping, path)
    present = {f for _, f in cols if f}
    out: list[RawRow] = []
    for rownum, cells in rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # blank line
        values: dict[str, Any] = {}
        extra: dict[str, str] = {}
        where: dict[str, str] = {}
        for (header, target), cell in zip(cols, list(cells) + [None] * (len(cols) - len(cells))):
            if target:
                values[target] = cell
                where[target] = header
            elif header:
                extra[header] = "" if cell is None else str(cell)
        surplus = [c for c in cells[len(cols):] if not (c is None or (isinstance(c, str) and not c.strip()))]
        if surplus:
            # the values after the surplus one are shifted into the wrong columns: never guess
            values["__invalid__"] = (
                f"the row has {len(cells)} values but the header has {len(cols)} columns; a value probably "
                "contains an unquoted delimiter (e.g. 1,234.50 or 'Main St, Apt 4'): quote it in the export"
            )
            values["__code__"] = "extra_values"
            values["__column__"] = None
        out.append(RawRow(label, rownum, values, extra, where))
    return out, present


def _csv_rows(path: Path, mapping: ColumnMapping, encoding: str | None) -> tuple[list[RawRow], set[str]]:
    text = read_text(path, encoding)
    try:
        sniffed = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delimiter, skip_space = sniffed.delimiter, bool(sniffed.skipinitialspace)
    except csv.Error:
        delimiter, skip_space = ",", False
    # only the delimiter is sniffed: quoting is always Excel's ("" inside quotes is one "), because
    # the sniffer turns doubled quotes off when the sample happens to contain none
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter, skipinitialspace=skip_space)
    try:
        headers = next(reader)
    except StopIteration:
        raise LoadError(f"{path}: the file is empty; export it again with a header row.") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # the row number is the record's number, as a spreadsheet shows it (header = 1): a quoted
        # value with a line break inside is still one row
        yield from enumerate(reader, start=2)

    try:
        return _rows_from_table(path, str(path), headers, rows(), mapping)
    except csv.Error as exc:
        raise LoadError(f"{path}: line {reader.line_num}: not valid CSV ({exc}); check quoting on that line.") from None


def _xlsx_sheets(path: Path) -> dict[str, tuple[list[Any], list[tuple[int, list[Any]]]]]:
    import openpyxl  # heavy import, only for XLSX

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise LoadError(f"{path}: file not found; check the path.") from None
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise LoadError(f"{path}: not a readable XLSX workbook ({exc.__class__.__name__}); save it again from Excel as .xlsx.") from None
    sheets: dict[str, tuple[list[Any], list[tuple[int, list[Any]]]]] = {}
    try:
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            body = [(i, list(r)) for i, r in enumerate(it, start=2)]
            sheets[ws.title] = (list(header or []), body)
    finally:
        wb.close()
    if any(v is None for _h, body in sheets.values() for _i, r in body for v in r):
        _mark_uncached_formulas(path, sheets)
    return sheets


class Uncached(str):
    """A cell holding a formula but no computed value (a workbook written by a program that does not calculate,
    or saved without recalculating): openpyxl reads it as empty, so it is marked, to be named in the rejection."""


def _mark_uncached_formulas(path: Path, sheets: dict[str, tuple[list[Any], list[tuple[int, list[Any]]]]]) -> None:
    """Replace each empty cell that holds a formula with :class:`Uncached` (its formula): a second, formula-only
    read, done only when the first found empty cells."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for ws in wb.worksheets:
            if ws.title not in sheets:
                continue
            _header, body = sheets[ws.title]
            for (_i, values), formulas in zip(body, ws.iter_rows(min_row=2, values_only=True)):
                for k, f in enumerate(formulas):
                    if k < len(values) and values[k] is None and isinstance(f, str) and f.startswith("="):
                        values[k] = Uncached(f)
    finally:
        wb.close()


def _tree_rows(path: Path, mapping: ColumnMapping, encoding: str | None) -> tuple[list[RawRow], list[RawRow]]:
    """JSON/YAML: one RawRow per account and one per invoice, rows numbered by account position."""
    text = read_text(path, encoding)
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text, parse_float=Decimal)
        else:
            data = parse_yaml(text, path, LoadError, TextLoader)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    if isinstance(data, dict) and "accounts" in data:
        data = data["accounts"]
    if not isinstance(data, list):
        raise LoadError(f"{path}: expected a list of accounts (or a mapping with an 'accounts' list), each with an 'invoices' list.")
    label = str(path)
    accounts: list[RawRow] = []
    invoices: list[RawRow] = []
    for pos, item in enumerate(data, start=1):
        base = f"accounts[{pos}]"
        if not isinstance(item, dict):
            accounts.append(RawRow(label, pos, {"__invalid__": f"{base} is not a mapping of account fields"}, {}))
            continue
        item = dict(item)
        nested = item.pop("invoices", None)
        address = item.pop("address", None)
        street: list[Any] | None = None
        if isinstance(address, dict):
            lines = address.get("lines") or []
            street = [lines] if isinstance(lines, str) else list(lines) if isinstance(lines, list) else [lines]
            for k, val in address.items():
                if k != "lines":
                    item[k] = val
        elif isinstance(address, list):
            street = list(address)
        elif address is not None:
            item["address1"] = address
        flags = item.pop("flags", None)
        if isinstance(flags, dict):
            item.update(flags)
        promise = item.pop("promise", None) or item.pop("promise_to_pay", None)
        if isinstance(promise, dict):
            item["promise_date"] = promise.get("date")
            item["promise_amount"] = promise.get("amount")
        values, extra, where = _map_record(item, mapping, base)
        if street is not None:  # every line of address.lines, however many: the loader checks the count
            values[STREET_LINES] = ["" if x is None else str(x) for x in street]
            where[STREET_LINES] = f"{base}.address.lines"
        row = RawRow(label, pos, values, extra, where)
        accounts.append(row)
        if nested is None:
            nested = []
        if not isinstance(nested, list):
            row.values["__invalid__"] = f"{base}.invoices must be a list"
            continue
        for j, inv in enumerate(nested, start=1):
            ib = f"{base}.invoices[{j}]"
            if not isinstance(inv, dict):
                invoices.append(RawRow(label, pos, {"account_id": values.get("account_id"), "__invalid__": f"{ib} is not a mapping"}, {}))
                continue
            iv, iextra, iwhere = _map_record(inv, mapping, ib)
            iv["account_id"] = values.get("account_id")
            invoices.append(RawRow(label, pos, iv, iextra, iwhere))
    return accounts, invoices


def _map_record(item: dict[str, Any], mapping: ColumnMapping, base: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    values: dict[str, Any] = {}
    extra: dict[str, str] = {}
    where: dict[str, str] = {}
    for k, v in item.items():
        target = mapping.field_for(str(k))
        if target:
            values[target] = v
            where[target] = f"{base}.{k}"
        elif isinstance(v, (dict, list)):
            extra[str(k)] = json.dumps(v, default=str, sort_keys=True)
        else:
            extra[str(k)] = "" if v is None else str(v)
    return values, extra, where


# --------------------------------------------------------------------------- value parsing


class _RowError(LettergenError):
    def __init__(self, column: str | None, reason: str, code: str) -> None:
        super().__init__(reason)
        self.column, self.reason, self.code = column, reason, code


STREET_LINES = "__street_lines__"
"""A JSON/YAML account's ``address.lines``, every one of them (CSV and Excel give address1..address3)."""
MAX_ADDRESS_LINES = 6
"""An address block (name, attention, street lines, city line, country) of more lines than this does not fit an
envelope window (USPS Publication 28 and the vendors' windows: about six lines); such an account is rejected,
never cut."""
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]|&#?[A-Za-z0-9]+;|[<>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def address_block_size(name: str, attention: str, address: Address) -> int:
    """How many lines the address block prints: name, attention (when not the name), street lines, the city line,
    and the country line of a foreign address (a US sender's view; lettergen.compose.recipient_lines prints it)."""
    return (1 + (1 if attention and attention != name else 0) + len(address.lines)
            + (1 if (address.city or address.region or address.postal_code) else 0) + (0 if address.country == "US" else 1))


def _street_lines(row: RawRow, v: Any) -> tuple[tuple[str, ...], str]:
    """The street lines of an account, each one kept: a cell holding line breaks gives one line per break (an
    export may put the whole street address in one cell). A line with markup or control characters is refused:
    it is no part of a postal address, and a window or a mail house's software would show or run it."""
    if STREET_LINES in row.values:
        cells = [(STREET_LINES, c) for c in row.values[STREET_LINES]]
    else:
        cells = [(f"address{i}", v(f"address{i}")) for i in (1, 2, 3)]
    out: list[str] = []
    first = next((c for c, cell in cells if _text(cell)), "address1")
    for column, cell in cells:
        for part in re.split(r"\r\n|\r|\n|\u2028|\u2029|\x0b|\x0c", _text(cell)):
            line = " ".join(part.split()) if not _CONTROL.search(part.replace("\t", " ")) else part
            if not line.strip():
                continue
            label = column
            if _CONTROL.search(line):
                bad = next(ch for ch in line if _CONTROL.match(ch))
                raise _RowError(label, f"the street line {line.strip()[:40]!r} holds the control character U+{ord(bad):04X}; "
                                       "remove it in the export", "bad_address")
            if _MARKUP.search(line):
                raise _RowError(label, f"the street line {line[:40]!r} holds markup ('<', '>' or an HTML entity), which is "
                                       "no part of a postal address; correct the address in the export", "bad_address")
            out.append(line)
    return tuple(out), (STREET_LINES if STREET_LINES in row.values else first)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _parse_date(v: Any, fmt: str, column: str) -> date | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v).strip()
    for f in ("%Y-%m-%d", fmt):
        try:
            return datetime.strptime(s, f).date()
        except ValueError:
            pass
    example = date(2026, 12, 31).strftime(fmt)
    raise _RowError(
        column,
        f"'{s}' is not a date; use YYYY-MM-DD (2026-12-31) or the local format {fmt} ({example}); "
        "set another local format with --date-format or 'date_format' in the mapping file",
        "bad_date",
    )


def _parse_bool(v: Any, column: str) -> bool:
    if isinstance(v, bool):
        return v
    s = _text(v).lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise _RowError(column, f"'{_text(v)}' is not yes/no; use yes, no, true, false, 1 or 0", "bad_flag")


def _parse_money(v: Any, column: str, required: bool) -> Decimal | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            raise _RowError(column, "the amount is empty", "missing_value")
        return None
    try:
        value = parse_amount(v)
    except AmountError as exc:
        raise _RowError(column, str(exc), "bad_amount") from None
    if abs(value) >= _MAX_AMOUNT:
        raise _RowError(
            column, f"{_text(v)} is too large for an amount; check that the column holds the amount and not a reference number", "bad_amount"
        )
    return value


_MAX_AMOUNT = Decimal("1e15")


_COUNTRY_BY_NAME: dict[str, str] | None = None


def _country_code(v: Any, column: str) -> str:
    global _COUNTRY_BY_NAME
    s = _text(v)
    if not s:
        return "US"
    if _COUNTRY_BY_NAME is None:
        names = Locale("en").territories
        _COUNTRY_BY_NAME = {n.upper(): c for c, n in names.items() if len(c) == 2 and c.isalpha()}
        _COUNTRY_BY_NAME.update({"USA": "US", "U.S.A.": "US", "U.S.": "US", "UK": "GB", "GREAT BRITAIN": "GB"})
    up = s.upper()
    if len(up) == 2 and up.isalpha() and up in Locale("en").territories:
        return up
    if up in _COUNTRY_BY_NAME:
        return _COUNTRY_BY_NAME[up]
    raise _RowError(column, f"'{s}' is not a country; use an ISO code such as US, GB or DE", "bad_country")


def _locale(v: Any, column: str) -> str:
    s = _text(v) or "en_US"
    try:
        loc = Locale.parse(s.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        raise _RowError(column, f"'{s}' is not a locale; use a code such as en_US, es_US, en_GB or de_DE", "bad_locale") from None
    return str(loc)


# --------------------------------------------------------------------------- building accounts

_ACCOUNT_COMPARE = tuple(f for f in ACCOUNT_FIELDS if f != "account_id")


@dataclass
class _Group:
    account_id: str
    rows: list[RawRow] = field(default_factory=list)
    invoice_rows: list[RawRow] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


class _Builder:
    def __init__(self, mapping: ColumnMapping, date_format: str, default_currency: str,
                 progress: Callable[..., None] | None = None) -> None:
        self.mapping = mapping
        self.date_format = date_format
        self.default_currency = default_currency
        self.progress = progress

    def groups(self, groups: dict[str, _Group]) -> Iterator[_Group]:
        """The account groups in order, telling ``progress`` (accounts done, accounts, "load") as they go."""
        total = len(groups)
        for k, g in enumerate(groups.values()):
            if self.progress is not None and k % 250 == 0:
                self.progress(k, total, "load")
            yield g
        if self.progress is not None:
            self.progress(total, total, "load")

    def value(self, row: RawRow, name: str) -> Any:
        v = row.values.get(name)
        if (v is None or (isinstance(v, str) and not v.strip())) and name in self.mapping.defaults:
            return self.mapping.defaults[name]
        return v

    def reject(self, g: _Group, row: RawRow | None, column: str | None, reason: str, code: str, file: str | None = None) -> None:
        g.rejections.append(
            Rejection(
                file=row.file if row else (file or ""),
                row=row.row if row else None,
                column=row.col(column) if (row and column) else column,
                reason=reason,
                code=code,
                account_id=g.account_id,
            )
        )

    def account(self, g: _Group, primary: RawRow, invoice_rows: list[RawRow]) -> Account | None:
        errors_before = len(g.rejections)
        for row in (primary, *invoice_rows):
            for name, cell in row.values.items():
                if isinstance(cell, Uncached):
                    self.reject(g, row, name, f"the cell holds the formula {str(cell)[:60]} but no computed value (the "
                                              "workbook was written by a program that does not calculate, or saved "
                                              "without recalculating); open it in Excel or LibreOffice and save it "
                                              "again, or export the values", "formula_without_value")
                    return None
        v = lambda name: self.value(primary, name)  # noqa: E731
        invoices: list[Invoice] = []
        for row in invoice_rows:
            try:
                invoices.append(self.invoice(row))
            except _RowError as e:
                self.reject(g, row, e.column, e.reason, e.code)
        try:
            name = _text(v("name"))
            if not name:
                raise _RowError("name", "the name is empty; a letter needs the debtor's name", "missing_name")
            country = _country_code(v("country"), "country")
            region = _text(v("region"))
            jurisdiction = _text(v("jurisdiction")).upper().replace("_", "-")
            if not jurisdiction:
                jurisdiction = f"{country}-{region.upper()}" if (country == "US" and region) else country
            elif country == "US" and "-" not in jurisdiction and jurisdiction != "US":
                jurisdiction = f"US-{jurisdiction}"
            debt_type = _text(v("debt_type")).lower() or "consumer"
            if debt_type not in ("consumer", "commercial"):
                raise _RowError("debt_type", f"'{_text(v('debt_type'))}' is not a debt type; use consumer or commercial", "bad_debt_type")
            promise_date = _parse_date(v("promise_date"), self.date_format, "promise_date")
            promise_amount = _parse_money(v("promise_amount"), "promise_amount", required=False)
            if promise_amount is not None and promise_date is None:
                raise _RowError("promise_date", "a promise amount is given without a promise date; add the date the client promised to pay by", "missing_value")
            lines, column = _street_lines(primary, v)
            in_dispute = _parse_bool(v("in_dispute"), "in_dispute")
            dnc = _parse_bool(v("do_not_contact"), "do_not_contact")
            locale = _locale(v("locale"), "locale")
        except _RowError as e:
            self.reject(g, primary, e.column, e.reason, e.code)
            return None
        if len(g.rejections) > errors_before:
            return None
        address = Address(lines=lines, city=_text(v("city")), region=region, postal_code=_text(v("postal_code")), country=country)
        attention = _text(v("attention"))
        block = address_block_size(name, attention, address)
        if block > MAX_ADDRESS_LINES:
            self.reject(
                g, primary, column,
                f"the address has {block} lines (name{', attention' if attention and attention != name else ''}, "
                f"{len(lines)} street line{'s' if len(lines) != 1 else ''}, city line{', country' if country != 'US' else ''}); "
                f"a mailable address has at most {MAX_ADDRESS_LINES}, so lettergen would have to cut it: shorten or "
                "combine the street lines in the export",
                "address_too_long",
            )
            return None
        if address.is_missing():
            self.reject(g, primary, "address1", "the postal address is missing; a letter cannot be mailed without a street line", "missing_address")
            return None
        if country == "US" and not (address.city and address.postal_code):
            missing = "city" if not address.city else "postal_code"
            self.reject(g, primary, missing, f"the US address has no {'city' if missing == 'city' else 'ZIP code'}; the letter could not be delivered", "missing_address")
            return None
        # duplicate invoice numbers within the account
        seen: dict[str, tuple[RawRow, Invoice]] = {}
        for row, inv in zip(invoice_rows, invoices):
            if inv.number in seen and seen[inv.number][1] != inv:
                self.reject(g, row, "invoice_number", f"invoice {inv.number} appears twice with different data", "duplicate_invoice")
                return None
            seen.setdefault(inv.number, (row, inv))
        pairs = list(seen.values())
        invoices = [inv for _, inv in pairs]
        currencies = sorted({i.currency for i in invoices})
        if len(currencies) > 1:
            self.reject(g, primary, "currency", f"the account has invoices in {', '.join(currencies)}; one letter states one currency, so split the account per currency in the export", "mixed_currency")
            return None
        for row, inv in pairs:
            if inv.balance < 0:
                self.reject(
                    g, row, "balance",
                    f"invoice {inv.number} has a negative open balance ({inv.balance}); apply the credit in the AR system before a letter can state the amount due",
                    "negative_balance",
                )
                return None
        if not any(i.is_open for i in invoices):
            self.reject(
                g, primary, None,
                "the account has no open invoices (no invoice rows, or every balance is zero); there is nothing to collect",
                "no_open_invoices",
            )
            return None
        promise = PromiseToPay(date=promise_date, amount=promise_amount) if promise_date else None
        extra = {}
        for row in [primary, *invoice_rows]:
            for k, val in row.extra.items():
                extra.setdefault(k, val)
        try:
            return Account(
                id=g.account_id, name=name, attention=_text(v("attention")) or None,
                salutation=_text(v("salutation")) or None, address=address,
                email=_text(v("email")) or None, phone=_text(v("phone")) or None, locale=locale,
                tone=_text(v("tone")).lower() or None, debt_type=debt_type, jurisdiction=jurisdiction,
                in_dispute=in_dispute, do_not_contact=dnc, promise=promise,
                invoices=tuple(i for i in invoices if i.is_open), extra=extra,
                source=SourceRef(file=primary.file, rows=tuple(sorted({primary.row, *(r.row for r in invoice_rows)}))),
            )
        except ValidationError as exc:  # pragma: no cover - values are checked above
            err = exc.errors()[0]
            self.reject(g, primary, ".".join(map(str, err["loc"])), err["msg"], "invalid")
            return None

    def invoice(self, row: RawRow) -> Invoice:
        if "__invalid__" in row.values:
            raise _RowError(row.values.get("__column__", "invoices"), row.values["__invalid__"], row.values.get("__code__", "invalid"))
        v = lambda name: self.value(row, name)  # noqa: E731
        number = _text(v("invoice_number"))
        if not number:
            raise _RowError("invoice_number", "the invoice number is empty", "missing_value")
        due = _parse_date(v("due_date"), self.date_format, "due_date")
        if due is None:
            raise _RowError("due_date", "the due date is empty; every invoice needs one to count days past due", "missing_value")
        issue = _parse_date(v("issue_date"), self.date_format, "issue_date")
        balance = _parse_money(v("balance"), "balance", required=True)
        amount = _parse_money(v("amount"), "amount", required=False)
        currency = (_text(v("currency")) or self.default_currency).upper()
        if currency not in _CURRENCIES:
            raise _RowError("currency", f"'{currency}' is not an ISO currency code; use e.g. USD, EUR, GBP", "bad_currency")
        if issue and issue > due:
            raise _RowError("issue_date", f"the invoice date {issue.isoformat()} is after its due date {due.isoformat()}", "bad_date")
        assert balance is not None
        return Invoice(number=number, issue_date=issue, due_date=due, original_amount=amount if amount is not None else balance, balance=balance, currency=currency)


def _account_signature(b: _Builder, row: RawRow) -> dict[str, str]:
    return {f: _text(b.value(row, f)) for f in _ACCOUNT_COMPARE}


def _group(rows: list[RawRow], rejections: list[Rejection]) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for row in rows:
        if "__invalid__" in row.values and not row.values.get("account_id"):
            rejections.append(Rejection(file=row.file, row=row.row, column=None, reason=row.values["__invalid__"], code=row.values.get("__code__", "invalid")))
            continue
        aid = _text(row.values.get("account_id"))
        if not aid:
            rejections.append(
                Rejection(file=row.file, row=row.row, column=row.col("account_id"), reason="the account id is empty; every row needs one", code="missing_account_id")
            )
            continue
        groups.setdefault(aid, _Group(aid)).rows.append(row)
    return groups


def _require(path: Path, present: set[str], needed: Iterable[str], what: str) -> None:
    missing = [f for f in needed if f not in present]
    if missing:
        raise LoadError(
            f"{path}: no column for {', '.join(missing)} ({what}). Rename the export's column, or map it in a "
            f"mapping file passed with --mapping, e.g. 'columns: {{\"Your Header\": {missing[0]}}}'."
        )


def load_accounts(
    path: str | Path,
    mapping: ColumnMapping | str | Path | None = None,
    *,
    invoices: str | Path | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    default_currency: str = "USD",
    progress: Callable[..., None] | None = None,
) -> LoadResult:
    """Load an export into (accounts, rejections), in input order. ``progress`` is told (accounts done, accounts,
    "load") while the accounts are built.

    ``path`` is a flat CSV, an accounts CSV (with ``invoices=`` the invoices
    CSV), an XLSX workbook, or a JSON/YAML file. ``mapping`` is a
    ``ColumnMapping`` or the path of a mapping YAML. ``date_format`` and
    ``encoding`` override the mapping file's.
    """
    return compacted(_load(Path(path), mapping, invoices, date_format, encoding, default_currency, progress))


def _load(path: Path, mapping: ColumnMapping | str | Path | None, invoices: str | Path | None, date_format: str | None,
          encoding: str | None, default_currency: str, progress: Callable[..., None] | None) -> LoadResult:
    if mapping is None:
        mapping = ColumnMapping()
    elif not isinstance(mapping, ColumnMapping):
        mapping = ColumnMapping.from_yaml(mapping)
    fmt = date_format or mapping.date_format or DEFAULT_DATE_FORMAT
    if date_format:
        _check_date_format(date_format, "--date-format")
    enc = encoding or mapping.encoding
    builder = _Builder(mapping, fmt, default_currency.upper(), progress)
    suffix = path.suffix.lower()
    rejections: list[Rejection] = []

    if invoices is not None:
        if suffix not in (".csv", ".tsv", ".txt"):
            raise LoadError(f"{path}: --invoices goes with an accounts CSV; this file is '{suffix}'.")
        acc_rows, acc_present = _csv_rows(path, mapping, enc)
        inv_rows, inv_present = _csv_rows(Path(invoices), mapping, enc)
        _require(path, acc_present, _REQUIRED_ACCOUNT, "the accounts file")
        _require(Path(invoices), inv_present, ("account_id", *_REQUIRED_INVOICE), "the invoices file")
        return _two_tables(builder, acc_rows, inv_rows, rejections)
    if suffix in (".csv", ".tsv", ".txt"):
        rows, present = _csv_rows(path, mapping, enc)
        _require(path, present, (*_REQUIRED_ACCOUNT, *_REQUIRED_INVOICE), "a flat export has one row per invoice")
        return _flat(builder, rows, rejections)
    if suffix in (".xlsx", ".xlsm"):
        sheets = _xlsx_sheets(path)
        by_name = {k.strip().lower(): k for k in sheets}
        if "accounts" in by_name and "invoices" in by_name:
            ah, ab = sheets[by_name["accounts"]]
            ih, ib = sheets[by_name["invoices"]]
            acc_rows, acc_present = _rows_from_table(path, f"{path}[{by_name['accounts']}]", ah, ab, mapping)
            inv_rows, inv_present = _rows_from_table(path, f"{path}[{by_name['invoices']}]", ih, ib, mapping)
            _require(path, acc_present, _REQUIRED_ACCOUNT, "sheet 'accounts'")
            _require(path, inv_present, ("account_id", *_REQUIRED_INVOICE), "sheet 'invoices'")
            return _two_tables(builder, acc_rows, inv_rows, rejections)
        if not sheets:
            raise LoadError(f"{path}: the workbook has no sheets.")
        first = next(iter(sheets))
        h, b = sheets[first]
        rows, present = _rows_from_table(path, f"{path}[{first}]", h, b, mapping)
        _require(path, present, (*_REQUIRED_ACCOUNT, *_REQUIRED_INVOICE), f"sheet '{first}' is read as a flat export; or name two sheets 'accounts' and 'invoices'")
        return _flat(builder, rows, rejections)
    if suffix in (".json", ".yaml", ".yml"):
        acc_rows, inv_rows = _tree_rows(path, mapping, enc)
        return _two_tables(builder, acc_rows, inv_rows, rejections, tree=True)
    if suffix == ".xls":
        raise LoadError(f"{path}: old Excel .xls files are not read; save the workbook as .xlsx or export a CSV.")
    raise LoadError(f"{path}: unknown file type '{suffix or '(none)'}'; give a .csv, .xlsx, .json or .yaml file.")


def _flat(b: _Builder, rows: list[RawRow], rejections: list[Rejection]) -> LoadResult:
    groups = _group(rows, rejections)
    accounts: Packed[Account] = Packed()
    for g in b.groups(groups):
        primary = g.rows[0]
        sig = _account_signature(b, primary)
        conflict = False
        for row in g.rows[1:]:
            if "__invalid__" in row.values:
                continue  # reported by b.account() with its own reason
            other = _account_signature(b, row)
            for f in _ACCOUNT_COMPARE:
                if other[f] != sig[f] and other[f] != "":
                    b.reject(
                        g, row, f,
                        f"account {g.account_id} has '{other[f]}' here but '{sig[f]}' on row {primary.row}; "
                        "the account columns must be the same on every invoice row of one account",
                        "conflicting_account_data",
                    )
                    conflict = True
                    break
        if conflict:
            rejections.extend(g.rejections)
            continue
        _finish(b, g, primary, g.rows, accounts, rejections)
    return LoadResult(accounts, _in_input_order(rejections))


def _two_tables(b: _Builder, acc_rows: list[RawRow], inv_rows: list[RawRow], rejections: list[Rejection], tree: bool = False) -> LoadResult:
    groups = _group(acc_rows, rejections)
    for row in inv_rows:
        aid = _text(row.values.get("account_id"))
        if not aid:
            if not tree:
                rejections.append(Rejection(file=row.file, row=row.row, column=row.col("account_id"), reason="the account id is empty; every invoice row needs one", code="missing_account_id"))
            continue
        if aid not in groups:
            rejections.append(
                Rejection(
                    file=row.file, row=row.row, column=row.col("account_id"),
                    reason=f"invoice for account {aid}, which is not in the accounts file; add the account or fix the id",
                    code="unknown_account", account_id=aid,
                )
            )
            continue
        groups[aid].invoice_rows.append(row)
    accounts: Packed[Account] = Packed()
    for g in b.groups(groups):
        primary = g.rows[0]
        if "__invalid__" in primary.values:
            b.reject(g, primary, None, primary.values["__invalid__"], primary.values.get("__code__", "invalid"))
            rejections.extend(g.rejections)
            continue
        sig = _account_signature(b, primary)
        dup = next((r for r in g.rows[1:] if _account_signature(b, r) != sig), None)
        if dup is not None:
            other = _account_signature(b, dup)
            f = next(k for k in _ACCOUNT_COMPARE if other[k] != sig[k])
            b.reject(
                g, dup, f,
                f"account id {g.account_id} appears again with different data ('{other[f]}' here, '{sig[f]}' on row {primary.row}); "
                "keep one record per account",
                "duplicate_account",
            )
            rejections.extend(g.rejections)
            continue
        _finish(b, g, primary, g.invoice_rows, accounts, rejections)
    return LoadResult(accounts, _in_input_order(rejections))


def _finish(b: _Builder, g: _Group, primary: RawRow, invoice_rows: list[RawRow], accounts: Packed[Account], rejections: list[Rejection]) -> None:
    """Build the group's account; it lands in ``accounts``, or its problems in ``rejections``."""
    acc = b.account(g, primary, invoice_rows)
    if acc is None:
        rejections.extend(g.rejections)
    else:
        accounts.append(acc)


def _in_input_order(rejections: list[Rejection]) -> tuple[Rejection, ...]:
    """Rejections sorted by file and row (stable), so reports read top to bottom like the export."""
    return tuple(sorted(rejections, key=lambda r: (r.file, r.row if r.row is not None else 0)))


def rejected_account_ids(rejections: Iterable[Rejection]) -> list[str]:
    """Account ids that were rejected, each once, in order of first rejection."""
    seen: dict[str, None] = {}
    for r in rejections:
        if r.account_id:
            seen.setdefault(r.account_id, None)
    return list(seen)
