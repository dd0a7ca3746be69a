"""The column mapping: which export header is which lettergen field, and how to read the export (date format,
encoding, defaults). The fields an export can have (``FIELDS``) and the header aliases matched without a mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from lettergen.config.yamlfile import TextLoader, read_yaml
from lettergen.errors import MappingError

ACCOUNT_FIELDS: dict[str, str] = {
    "account_id": "the account number (required)",
    "name": "the debtor's name as it goes on the letter (required)",
    "attention": "attention / contact person",
    "salutation": "how the letter greets the reader after 'Dear', e.g. 'Mr Harrington'; default: from the name and attention line",
    "address1": "first street line (required)",
    "address2": "second street line",
    "address3": "third street line",
    "city": "city or town",
    "region": "state, province or region (US: two-letter code)",
    "postal_code": "ZIP or postal code",
    "country": "ISO country code (US, GB, DE ...) or English name; default US",
    "email": "email address",
    "phone": "phone number",
    "locale": "letter language and formats, e.g. en_US, es_US, en_GB, de_DE; default en_US",
    "tone": "tone profile (warm, neutral, firm); default: the stage's tone",
    "debt_type": "consumer or commercial; default consumer (the stricter rules)",
    "jurisdiction": "state/country code for state rules, e.g. US-CA; default from country and region",
    "in_dispute": "yes/no: the client disputes the debt (no letter)",
    "do_not_contact": "yes/no: the client asked not to be contacted (no letter)",
    "promise_date": "date the client promised to pay by",
    "promise_amount": "amount the client promised to pay",
}
INVOICE_FIELDS: dict[str, str] = {
    "invoice_number": "the invoice number (required)",
    "issue_date": "invoice date",
    "due_date": "due date (required)",
    "amount": "original invoice amount; default: the balance",
    "balance": "open balance (required)",
    "currency": "ISO currency code; default USD",
}
FIELDS: dict[str, str] = {**ACCOUNT_FIELDS, **INVOICE_FIELDS}

ALIASES: dict[str, str] = {
    "account": "account_id", "account number": "account_id", "account no": "account_id",
    "acct": "account_id", "customer id": "account_id", "customer number": "account_id",
    "customer no": "account_id", "id": "account_id",
    "customer": "name", "customer name": "name", "debtor": "name", "account name": "name",
    "contact": "attention", "attn": "attention", "contact name": "attention",
    "greeting": "salutation", "dear": "salutation", "letter salutation": "salutation",
    "address": "address1", "address line 1": "address1", "street": "address1",
    "address line 2": "address2", "address line 3": "address3",
    "town": "city", "state": "region", "province": "region",
    "zip": "postal_code", "zip code": "postal_code", "postcode": "postal_code", "postal code": "postal_code",
    "e-mail": "email", "telephone": "phone",
    "language": "locale",
    "disputed": "in_dispute", "dispute": "in_dispute",
    "dnc": "do_not_contact",
    "invoice": "invoice_number", "invoice no": "invoice_number", "invoice #": "invoice_number",
    "inv": "invoice_number", "document number": "invoice_number",
    "invoice date": "issue_date", "date": "issue_date", "document date": "issue_date",
    "due": "due_date", "due date": "due_date",
    "original amount": "amount", "invoice amount": "amount", "total": "amount",
    "open balance": "balance", "balance due": "balance", "amount due": "balance", "open amount": "balance",
    "ccy": "currency",
}


DEFAULT_DATE_FORMAT = "%m/%d/%Y"


def _norm_header(h: str) -> str:
    return re.sub(r"[\s_]+", " ", str(h).strip().lower())


@dataclass(frozen=True)
class ColumnMapping:
    """A user's column-mapping file: export header -> lettergen field, plus read options."""

    columns: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    encoding: str | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)
    path: str | None = None

    _KEYS = ("columns", "date_format", "encoding", "defaults")

    @classmethod
    def from_yaml(cls, path: str | Path) -> "ColumnMapping":
        p = Path(path)
        data = read_yaml(p, MappingError, what="mapping file", missing="check the path given to --mapping", loader=TextLoader)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise MappingError(f"{p}: a mapping file is a YAML mapping with the keys {', '.join(cls._KEYS)}.")
        for key in data:
            if key not in cls._KEYS:
                raise MappingError(
                    f"{p}: unknown key '{key}'; a mapping file may have only {', '.join(cls._KEYS)}."
                )
        columns = data.get("columns") or {}
        if not isinstance(columns, dict):
            raise MappingError(f"{p}: 'columns' must map export headers to lettergen fields, e.g. 'Customer: name'.")
        for header, target in columns.items():
            if target not in FIELDS:
                raise MappingError(
                    f"{p}: columns.'{header}' maps to unknown field '{target}'; "
                    f"lettergen fields are: {', '.join(FIELDS)}."
                )
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise MappingError(f"{p}: 'defaults' must map lettergen fields to values, e.g. 'currency: EUR'.")
        for key in defaults:
            if key not in FIELDS:
                raise MappingError(f"{p}: defaults.'{key}' is not a lettergen field; fields are: {', '.join(FIELDS)}.")
        for key in ("date_format", "encoding"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise MappingError(f"{p}: '{key}' must be a string.")
        if data.get("date_format"):
            _check_date_format(data["date_format"], f"{p}: date_format")
        return cls(
            columns={str(k): str(v) for k, v in columns.items()},
            date_format=data.get("date_format"),
            encoding=data.get("encoding"),
            defaults={str(k): "" if v is None else str(v) for k, v in defaults.items()},
            path=str(p),
        )

    def field_for(self, header: str) -> str | None:
        """The lettergen field a header maps to, or None (kept as an extra column)."""
        for h, target in self.columns.items():
            if _norm_header(h) == _norm_header(header):
                return target
        n = _norm_header(header)
        if n.replace(" ", "_") in FIELDS:
            return n.replace(" ", "_")
        return ALIASES.get(n)


def _check_date_format(fmt: str, where: str) -> None:
    try:
        probe = date(2026, 12, 31).strftime(fmt)
        datetime.strptime(probe, fmt)
    except ValueError:
        raise MappingError(f"{where}: '{fmt}' is not a usable date format; use strftime codes, e.g. %m/%d/%Y.") from None
