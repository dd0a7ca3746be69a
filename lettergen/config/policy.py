"""policy: the collection policy, read from YAML and validated strictly.

A policy says which letters exist and when each is due (``stages``), what
holds a letter back (``holds``), how days are counted (``calendar``), and who
sends the letters (``sender``). Unknown keys are errors that name the key, so
a typo never silently changes who gets a letter.

In-dispute and do-not-contact accounts are always held: the law requires it
(15 U.S.C. 1692c(c), 1692g(b)), so those holds cannot be switched off.
"""

from __future__ import annotations

import string
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from lettergen.config.yamlfile import read_yaml
from lettergen.config.calendar import BusinessCalendar
from lettergen.errors import PolicyError
from lettergen.errors import AmountError
from lettergen.money import parse_amount

DayCount = Literal["calendar", "business"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _amount(v: Any) -> Any:
    """An amount from the policy file (one, or one per currency code), as ``Decimal``; a bad one is a field error."""
    try:
        if isinstance(v, dict):
            return {str(k).upper(): parse_amount(a) for k, a in v.items()}
        return parse_amount(v)
    except AmountError as exc:
        raise ValueError(str(exc)) from None


LINK_FIELDS = ("account_id", "amount", "currency")
"""The fields a payment-link template may use."""


class Sender(_Strict):
    """The letterhead and contact block: who the letter is from and how to pay."""

    company: str
    address: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    hours: str | None = None
    signatory: str | None = None
    signatory_title: str | None = None
    payment_instructions: str | dict[str, str] = ""
    """How to pay: one text for every currency, or one per currency code (USD: ACH, EUR: IBAN/BIC ...); with one
    per currency, an account in a currency without instructions is rejected (no_payment_instructions)."""
    payment_link: str | None = None
    """A URL template for each account's own payment page, with {account_id}, {amount} and {currency}; the letter
    prints the link and a QR code of it."""

    @field_validator("payment_instructions", mode="before")
    @classmethod
    def _per_currency(cls, v: Any) -> Any:
        if isinstance(v, dict):
            out = {}
            for k, text in v.items():
                code = str(k).strip().upper()
                if len(code) != 3 or not code.isalpha():
                    raise ValueError(f"'{k}' is not a currency code; give the instructions per ISO code (USD, EUR, GBP ...)")
                out[code] = " ".join(str(text).split())
            return out
        return v

    @field_validator("payment_link")
    @classmethod
    def _link(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            names = [name for _, name, _spec, _conv in string.Formatter().parse(v) if name is not None]
        except ValueError as exc:
            raise ValueError(f"the payment link '{v}' is not a valid template ({exc}); write fields as {{account_id}}") from None
        unknown = [n for n in names if n not in LINK_FIELDS]
        if unknown:
            raise ValueError(f"the payment link uses {', '.join('{' + n + '}' for n in unknown)}; it may use "
                             + ", ".join("{" + n + "}" for n in LINK_FIELDS))
        return v

    def instructions_for(self, currency: str) -> str | None:
        """The payment instructions for ``currency``; None when they are given per currency and not for this one."""
        if isinstance(self.payment_instructions, dict):
            return self.payment_instructions.get(currency.upper())
        return self.payment_instructions

    @field_validator("address", mode="before")
    @classmethod
    def _lines(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @property
    def return_lines(self) -> list[str]:
        """The return address as the letters print it in the envelope's return window."""
        return [self.company, *self.address]


class Holds(_Strict):
    promise_grace_days: int = Field(default=3, ge=0)
    """A promise to pay holds letters until its date plus this many days."""
    min_balance: Decimal | dict[str, Decimal] = Decimal(0)
    """No letter when the overdue amount is below this; one amount, or one per currency code."""

    _money = field_validator("min_balance", mode="before")(_amount)

    def minimum_for(self, currency: str) -> Decimal:
        if isinstance(self.min_balance, dict):
            return self.min_balance.get(currency, Decimal(0))
        return self.min_balance


class Stage(_Strict):
    name: str
    template: str
    after_days: int = Field(ge=0)
    """Days past due of the oldest overdue invoice before this letter is sent."""
    days: DayCount = "calendar"
    """How ``after_days`` and ``min_days_since_previous`` count: calendar or business days."""
    min_days_since_previous: int = Field(default=0, ge=0)
    tone: str = "neutral"
    label: str | None = None
    """How later letters refer to this one ("our reminder of 3 October"); default: the name in words."""
    response_days: int = Field(default=14, ge=1)
    """The letter asks for payment or an answer within this many calendar days (moved to a business day)."""
    payment_plan: bool = False
    """Offer the policy's payment plan in this letter (the final demand does)."""
    certified: bool = False
    """Send this stage's letters by certified mail: they go to their own group and are marked in the manifests."""
    intended_actions: tuple[Literal["agency_referral", "credit_reporting", "legal_action", "garnishment", "repossession", "late_fees", "interest"], ...] = ()
    """Actions the firm really takes at this stage. A letter may mention only these (15 U.S.C. 1692e(5))."""

    @property
    def label_text(self) -> str:
        return self.label or self.name.replace("_", " ")

    @field_validator("name", "template", "tone")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not str(v).strip():
            raise ValueError("must not be empty")
        return str(v).strip()


class PaymentPlanConfig(_Strict):
    """The installment plan offered where a stage sets ``payment_plan: true``."""

    max_installments: int = Field(default=6, ge=1, le=60)
    min_installment: Decimal = Decimal(50)
    """No installment smaller than this (in the account's currency), so small balances get fewer installments."""
    first_due_days: int = Field(default=30, ge=1)
    """The first installment is due this many days after the letter date (moved to a business day)."""

    _money = field_validator("min_installment", mode="before")(_amount)


class ImbConfig(_Strict):
    """Intelligent Mail barcode (USPS-B-3200): each letter gets a unique serial and an IMb under the address."""

    barcode_id: str = "00"
    """Two digits; the second 0-4 (00 when the mailpiece carries no OEL)."""
    service_type: str
    """Three digits, e.g. 040 (First-Class Mail with IMb Tracing) or 300 (First-Class, Full-Service)."""
    mailer_id: str
    """The mailer id USPS assigned: 6 digits (then 9-digit serials) or 9 digits starting with 9 (6-digit serials)."""
    serial_start: int = Field(default=1, ge=0)
    """The first serial ever used; later batches continue after the highest serial in the ledger."""

    @field_validator("barcode_id", "service_type", "mailer_id", mode="before")
    @classmethod
    def _digits(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _check(self) -> "ImbConfig":
        from lettergen.errors import ImbError
        from lettergen.postal.imb import tracking_code

        try:
            tracking_code(self.barcode_id, self.service_type, self.mailer_id, self.serial_start)
        except ImbError as exc:
            raise ValueError(str(exc)) from None
        return self


VENDOR_COLUMNS = (
    "piece_id", "sequence", "account_id", "file", "first_page", "last_page", "sheets", "duplex", "envelope", "mail_class",
    "extra_service", "recipient_lines", "country", "imb_tracking_code", "pages_sha256",
)


class Mailing(_Strict):
    """How letters are mailed: address style, duplex, inserter groups, IMb and the vendor's manifest columns."""

    usps_style: bool = True
    """Write US addresses the way USPS Publication 28 asks (upper case, no punctuation, standard abbreviations)."""
    duplex: bool = False
    """Print both sides: each letter is padded to an even page count so it starts on a front side (--duplex)."""
    group_by_sheets: bool = True
    """One PDF per sheet count for the inserter (batch-1-sheet.pdf, ...); else one PDF for all."""
    mail_class: str = "First-Class"
    imb: ImbConfig | None = None
    vendor_columns: dict[str, str] | None = None
    """The vendor's column name for each manifest column, in the vendor's order; columns left out are not written."""

    @field_validator("vendor_columns")
    @classmethod
    def _columns(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is not None:
            unknown = [k for k in v if k not in VENDOR_COLUMNS]
            if unknown:
                raise ValueError(f"unknown manifest column {', '.join(unknown)}; the columns are {', '.join(VENDOR_COLUMNS)}")
            if not v:
                raise ValueError("name at least one column")
        return v


class CalendarConfig(_Strict):
    country: str = "US"
    subdivision: str | None = None
    """A state or region whose public holidays also count (e.g. NY)."""


class Policy(_Strict):
    name: str = "policy"
    collector: Literal["first_party", "third_party"] = "first_party"
    escalation: Literal["sequential", "age"] = "sequential"
    """sequential: never skip a stage; age: send the stage the account's age calls for."""
    currency: str = "USD"
    """Currency for export rows that name none."""
    calendar: CalendarConfig = CalendarConfig()
    sender: Sender
    holds: Holds = Holds()
    payment_plan: PaymentPlanConfig = PaymentPlanConfig()
    envelope: str = "us-10-double-window"
    """The envelope preset the letters are laid out and checked for (us-10-double-window, din-5008-b, address-page)."""
    mailing: Mailing = Mailing()
    stages: tuple[Stage, ...]
    _source: str = PrivateAttr(default="policy")

    @property
    def source(self) -> str:
        """The file the policy was read from, for messages."""
        return self._source

    @field_validator("envelope")
    @classmethod
    def _envelope(cls, v: str) -> str:
        from lettergen.postal.envelope import PRESETS

        if v not in PRESETS:
            raise ValueError(f"unknown envelope preset '{v}'; use one of {', '.join(PRESETS)}")
        return v

    @model_validator(mode="after")
    def _order(self) -> "Policy":
        if not self.stages:
            raise ValueError("stages: the policy needs at least one stage")
        names: set[str] = set()
        for i, st in enumerate(self.stages):
            if st.name in names:
                raise ValueError(f"stages[{i}].name: stage name '{st.name}' is used twice")
            names.add(st.name)
            if i and st.after_days <= self.stages[i - 1].after_days:
                raise ValueError(
                    f"stages[{i}].after_days: stage '{st.name}' starts at {st.after_days} days, not after "
                    f"'{self.stages[i - 1].name}' at {self.stages[i - 1].after_days}; list stages in escalation order "
                    "with increasing after_days"
                )
        return self

    # ------------------------------------------------------------------ helpers
    def stage_index(self, name: str) -> int | None:
        for i, st in enumerate(self.stages):
            if st.name == name:
                return i
        return None

    def business_calendar(self) -> BusinessCalendar:
        return _calendar(self.calendar.country, self.calendar.subdivision)

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_yaml(cls, path: str | Path) -> "Policy":
        p = Path(path)
        data = read_yaml(p, PolicyError, what="policy file", missing="pass one with --policy (samples/policy.yaml is an example)")
        return cls.from_dict(data or {}, source=str(p))

    @classmethod
    def from_dict(cls, data: Any, source: str = "policy") -> "Policy":
        if not isinstance(data, dict):
            raise PolicyError(f"{source}: a policy is a YAML mapping with at least 'sender' and 'stages'.")
        try:
            policy = cls.model_validate(data)
        except ValidationError as exc:
            raise PolicyError(f"{source}: {_describe(exc, data)}") from None
        try:
            policy.business_calendar()
        except PolicyError as exc:
            raise PolicyError(f"{source}: {exc.message.removeprefix('policy: ')}") from None
        policy._source = source
        return policy


def _calendar(country: str, subdivision: str | None) -> BusinessCalendar:
    key = (country, subdivision)
    cal = _CALENDARS.get(key)
    if cal is None:
        cal = _CALENDARS[key] = BusinessCalendar(country, subdivision)
    return cal


_CALENDARS: dict[tuple[str, str | None], BusinessCalendar] = {}


def _loc(loc: tuple[Any, ...], data: Any) -> str:
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            name = node[part].get("name") if isinstance(node, list) and part < len(node) and isinstance(node[part], dict) else None
            out += f"[{part}]" + (f" ('{name}')" if name else "")
        else:
            out += ("." if out else "") + str(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


def _describe(exc: ValidationError, data: Any) -> str:
    """Every problem pydantic found, at once (a user fixes them all in one edit, not one run each)."""
    messages = list(dict.fromkeys(_describe_one(err, data) for err in exc.errors()))
    if len(messages) == 1:
        return messages[0]
    return f"{len(messages)} problems: " + " ".join(f"({i}) {m}" for i, m in enumerate(messages, start=1))


def _describe_one(err: Any, data: Any) -> str:
    import difflib

    loc = tuple(p for p in err["loc"] if p not in ("function-after",))
    # pydantic puts union members' names in loc (e.g. 'decimal'); drop them
    loc = tuple(p for p in loc if not (isinstance(p, str) and p in ("decimal", "dict[str,decimal]", "str", "int")))
    where = _loc(loc, data)
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = loc[:-1]
        model = _model_at(parent, data)
        allowed = ", ".join(model.model_fields) if model else ""
        near = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1) if model and loc else []
        return (f"unknown key '{where}'" + (f" (did you mean '{near[0]}'?)" if near else "")
                + (f"; allowed here: {allowed}" if allowed else "") + ". Check the spelling.")
    if kind == "missing":
        return f"missing key '{where}'; add it (see samples/policy.yaml)."
    if kind == "value_error" and not loc:
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"key '{where}': {err['msg'].lower()}, not {err.get('input')!r}."
    return f"key '{where}': {str(err['msg']).removeprefix('Value error, ')} (got {err.get('input')!r})."


def _model_at(loc: tuple[Any, ...], data: Any) -> type[BaseModel] | None:
    model: Any = Policy
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return model
