"""Typed, immutable data that crosses a stage boundary.

Money is ``Decimal`` rounded to the currency's minor unit; dates are
``datetime.date``. Every model is frozen: a stage never changes what an
earlier stage produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lettergen.money import quantize


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


def share_fields_set(model: BaseModel) -> None:
    """Point ``model`` at one shared copy of its set of explicitly set field names.

    pydantic gives every instance its own ``__pydantic_fields_set__``: for an
    account with three invoices that is 3.3 KB of its 6.4 KB, and a batch of
    20,000 accounts held 65 MB of identical sets. Frozen models never change the
    set in place (``model_copy`` copies it first), so equal sets can be one object.
    """
    fs = model.__pydantic_fields_set__
    shared = _FIELDS_SETS.setdefault(frozenset(fs), fs)
    if shared is not fs:
        object.__setattr__(model, "__pydantic_fields_set__", shared)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=False)

    def model_post_init(self, context: Any, /) -> None:
        share_fields_set(self)


class Address(_Frozen):
    """A postal address. ``lines`` are the street lines (every one the export gives; the loader rejects an address
    too long for a window), the rest are separate fields."""

    lines: tuple[str, ...]
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "US"

    def is_missing(self) -> bool:
        return not any(line.strip() for line in self.lines)


class PromiseToPay(_Frozen):
    """The client promised to pay ``amount`` by ``date``."""

    date: date
    amount: Decimal | None = None


class SourceRef(_Frozen):
    """Where a record came from, for error messages and the evidence trail."""

    file: str
    rows: tuple[int, ...] = ()


class Invoice(_Frozen):
    number: str
    issue_date: date | None = None
    due_date: date
    original_amount: Decimal
    balance: Decimal
    currency: str = "USD"

    @model_validator(mode="after")
    def _round(self) -> "Invoice":
        object.__setattr__(self, "original_amount", quantize(self.original_amount, self.currency))
        object.__setattr__(self, "balance", quantize(self.balance, self.currency))
        return self

    @property
    def is_open(self) -> bool:
        return self.balance != 0


DebtType = Literal["consumer", "commercial"]


class Account(_Frozen):
    id: str
    name: str
    attention: str | None = None
    salutation: str | None = None
    """What follows "Dear" in the letter, when the export gives it (else lettergen.compose.salutation derives it)."""
    address: Address
    email: str | None = None
    phone: str | None = None
    locale: str = "en_US"
    tone: str | None = None
    debt_type: DebtType = "consumer"
    jurisdiction: str = "US"
    in_dispute: bool = False
    do_not_contact: bool = False
    promise: PromiseToPay | None = None
    invoices: tuple[Invoice, ...] = ()
    extra: dict[str, str] = Field(default_factory=dict)
    source: SourceRef | None = None

    @field_validator("id", "name")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()

    @property
    def currency(self) -> str:
        return self.invoices[0].currency if self.invoices else "USD"

    @property
    def open_invoices(self) -> tuple[Invoice, ...]:
        return tuple(i for i in self.invoices if i.is_open)

    @property
    def balance(self) -> Decimal:
        return quantize(sum((i.balance for i in self.invoices), Decimal(0)), self.currency)


class Rejection(_Frozen):
    """A row or account that could not be used, with where and why.

    ``code`` is stable for machines (``bad_amount``, ``duplicate_account`` ...),
    ``reason`` is the sentence for people.
    """

    file: str
    row: int | None
    column: str | None
    reason: str
    code: str
    account_id: str | None = None


class SentLetter(_Frozen):
    """One letter recorded in the ledger."""

    account_id: str
    stage: str
    sent_on: date
    batch_id: str
    template: str
    template_hash: str = ""
    content_hash: str
    invoices: tuple[str, ...] = ()
    amount: Decimal | None = None
    currency: str | None = None
    imb: str = ""
    """The digits of the Intelligent Mail barcode printed on the letter (tracking code then routing code), if any."""


class LetterJob(_Frozen):
    """The planner's decision that ``account`` gets the letter of ``stage`` today."""

    account: Account
    stage: str
    stage_index: int
    template: str
    tone: str
    days_past_due: int
    amount_due: Decimal
    currency: str
    invoices: tuple[Invoice, ...]
    as_of: date
    previous: tuple[SentLetter, ...] = ()
    """Earlier letters of the current series, oldest first (for 'our reminder of 3 October')."""


class SkipCode(str, Enum):
    DO_NOT_CONTACT = "do_not_contact"
    IN_DISPUTE = "in_dispute"
    NOT_OVERDUE = "not_overdue"
    BELOW_MINIMUM = "below_minimum"
    PROMISE_TO_PAY = "promise_to_pay"
    NOT_YET = "not_yet"
    TOO_SOON = "too_soon"
    ALREADY_SENT = "already_sent"
    EXHAUSTED = "exhausted"


class Skip(_Frozen):
    """The planner's decision that ``account`` gets no letter today, and why."""

    account: Account
    code: SkipCode
    reason: str
    days_past_due: int = 0
    amount_due: Decimal = Decimal(0)
    currency: str = "USD"
    next_stage: str | None = None

    @property
    def account_id(self) -> str:
        return self.account.id


class Installment(_Frozen):
    """One installment of a payment plan offered in a letter."""

    number: int
    due_date: date
    amount: Decimal


class Letter(_Frozen):
    """A composed letter: the HTML both the PDF and the DOCX are made from, and what it was made from.

    ``context`` is the plain data the template saw (strings, numbers, lists), kept
    for review and for the evidence trail.
    """

    job: LetterJob
    html: str
    anchor: str
    template: str
    template_path: str
    template_hash: str
    tone: str
    tone_hash: str
    response_date: date
    payment_plan: tuple[Installment, ...] = ()
    imb: str = ""
    """The digits of the Intelligent Mail barcode printed under the address: the 20-digit tracking code, then the
    routing code (5, 9 or 11 digits; up to 31 in all); '' when none."""
    context: dict[str, Any] = Field(default_factory=dict)

    @property
    def account(self) -> Account:
        return self.job.account


class SlimLetter:
    """What the reports, the mail files and the ledger need of a composed :class:`Letter` once it is typeset: the
    same attributes, without the HTML, the payment plan and the rest of the template context.

    A batch keeps one per letter until the ledger has recorded it: ~0.6 KB, where a copy of the ``Letter``
    model took ~1.7 KB (34 MB for 20,000 letters). Given the planned ``jobs`` (a compact
    :class:`~lettergen.packed.Packed` view) and the letter's ``index`` there, it keeps the index and reads the job
    back when asked, not the job and its account (~4 KB)."""

    __slots__ = ("_job", "_jobs", "_index", "anchor", "template", "template_path", "template_hash", "tone", "tone_hash",
                 "response_date", "imb", "recipient_lines", "amount_due")
    html = ""
    payment_plan: tuple[Installment, ...] = ()
    _paths: dict[Any, Any] = {}  # one Path object per template file, not one per letter

    def __init__(self, letter: Letter, jobs: Sequence[LetterJob] | None = None, index: int = -1) -> None:
        if jobs is None:
            self._job: LetterJob | None = letter.job
            self._jobs: Sequence[LetterJob] = ()
        else:
            self._job = None
            self._jobs = jobs
        self._index = index
        self.anchor = letter.anchor
        self.template = letter.template
        self.template_path = self._paths.setdefault(letter.template_path, letter.template_path)
        self.template_hash = letter.template_hash
        self.tone = letter.tone
        self.tone_hash = letter.tone_hash
        self.response_date = letter.response_date
        self.imb = letter.imb
        self.recipient_lines: tuple[str, ...] = tuple(letter.context["recipient_lines"])
        self.amount_due: str = letter.context["amount_due"]

    @property
    def job(self) -> LetterJob:
        return self._job if self._job is not None else self._jobs[self._index]

    def __getstate__(self) -> tuple[Any, ...]:
        # pickled without the planned jobs it points into (kept packed itself, a batch's records would each
        # carry a copy of the whole plan); :meth:`attach` gives them back
        return tuple(None if k == "_jobs" else getattr(self, k) for k in self.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for k, v in zip(self.__slots__, state):
            object.__setattr__(self, k, v)
        if self._jobs is None:
            self._jobs = ()

    def attach(self, jobs: Sequence[LetterJob]) -> None:
        """Point an unpickled record back at the planned ``jobs`` its index is in."""
        if self._job is None:
            self._jobs = jobs

    @property
    def context(self) -> dict[str, Any]:
        return {"recipient_lines": list(self.recipient_lines), "amount_due": self.amount_due}

    @property
    def account(self) -> Account:
        return self.job.account

    def __repr__(self) -> str:
        return f"SlimLetter({self.job.account.id!r}, {self.job.stage!r}, {self.template!r})"


Level = Literal["error", "warning", "suggestion"]


class Finding(_Frozen):
    """One lint finding: which rule, how bad, why (the citation), and where."""

    rule: str
    level: Level
    message: str
    citation: str = ""
    link: str = ""
    path: str = ""
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    match: str = ""
    suppressed: bool = False
    suppression_reason: str = ""
    confidence: float | None = None
    """A learned finding's (``extends: model``) probability for the provision it cites; None for the rules."""
    example: str = ""
    """A learned finding's nearest labelled example of that provision (from the corpus it was trained on)."""
