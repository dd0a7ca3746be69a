"""One exception hierarchy for lettergen.

Every error a user can cause is a ``LettergenError``. Its message is one
paragraph that says what went wrong, where (file, row, key) and how to fix it.
The CLI prints the message and exits with ``exit_code``; it never prints a
traceback for these.

    LettergenError                 exit 2: the user can fix the input
    ├── LoadError                  the accounts file as a whole cannot be read
    │   └── EncodingError          the file is not in the expected encoding
    ├── MappingError               the column-mapping file is invalid
    ├── PolicyError                policy.yaml is invalid (names the key)
    │   └── UnknownEnvelopeError   no envelope preset by that name (also a ValueError and KeyError)
    ├── AmountError                an amount that is not a number we accept (also a ValueError)
    ├── ImbError                   an Intelligent Mail barcode field refused, serials run out (also a ValueError)
    ├── LedgerError                the ledger database cannot be used
    │   └── LedgerBusyError        another process holds the write lock
    ├── PlanError                  planning cannot go on (e.g. --as-of unparsable)
    ├── ComposeError               a template or tone profile is wrong (names file, line, field)
    │   └── UnsupportedElement     an HTML element the letters cannot carry (names it and its line)
    ├── PackError                  a rule pack cannot be loaded (names the file and key)
    ├── ApprovalError              approval refused, or approvals.yaml unreadable
    ├── TypesetError               a letter cannot be typeset (PDF or DOCX)
    └── AssembleError              the batch folder cannot be written

A test walks the package: every exception class defined in lettergen derives
from ``LettergenError`` (private control-flow ones, caught where they are
raised, included), and every public one is defined here.

Problems with a single row are *not* exceptions: they become ``Rejection``
records (file, row, column, reason) and the rest of the batch goes on.
"""

from __future__ import annotations


class LettergenError(Exception):
    """Base class: a problem the user can fix. ``exit_code`` is the CLI's status."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class LoadError(LettergenError):
    """The accounts file (as a whole) cannot be read: missing, unknown format, no id column."""


class EncodingError(LoadError):
    """The file is not valid in the encoding it was read with."""


class MappingError(LettergenError):
    """The column-mapping YAML file is invalid."""


class PolicyError(LettergenError):
    """The policy YAML is invalid; the message names the key."""


class LedgerError(LettergenError):
    """The ledger database cannot be opened, migrated or written."""


class LedgerBusyError(LedgerError):
    """Another process is writing to the ledger and did not finish in time."""


class PlanError(LettergenError):
    """Planning cannot go on."""


class ComposeError(LettergenError):
    """A template or tone profile cannot be used; the message names the file, line and field."""


class UnknownEnvelopeError(PolicyError, ValueError, KeyError):
    """No envelope preset by that name (a ValueError that ``except KeyError`` catches too)."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return self.message


class AmountError(LettergenError, ValueError):
    """An amount string that is not a number we accept; the message says what is accepted."""


class ImbError(LettergenError, ValueError):
    """An Intelligent Mail barcode field was refused, or the mailer id's serials ran out.

    The message names the field, repeats the bad value and says how to fix it, e.g. ``IMb mailer_id '12345':
    must be 6 or 9 digits (...)``. It is a :class:`ValueError` too, so callers that already handle bad input
    values catch it without knowing about the barcode."""


class PackError(LettergenError):
    """A rule pack cannot be loaded; the message names the file and key."""


class ApprovalError(LettergenError):
    """Approval refused (lint errors, unknown file) or an approvals file that cannot be read."""


class UnsupportedElement(ComposeError):
    """The letter's HTML uses an element outside ``lettergen.compose.html.ALLOWED_TAGS``.

    ``tag`` is the element's name, ``line`` its 1-based line in the HTML source (``None`` if the parser could not
    tell); ``supported`` lists what may be used instead."""

    def __init__(self, tag: str, line: int | None, supported: str = "") -> None:
        where = f"line {line}" if line is not None else "line unknown"
        super().__init__(
            f"<{tag}> is not supported in letters ({where}); use: {supported}. "
            "Remove the element from the template or replace it with one of these."
        )
        self.tag = tag
        self.line = line


class TypesetError(LettergenError):
    """A composed letter cannot be typeset to PDF or DOCX."""


class AssembleError(LettergenError):
    """The batch's output folder or files cannot be written."""


__all__ = [
    "LettergenError",
    "LoadError",
    "EncodingError",
    "MappingError",
    "PolicyError",
    "LedgerError",
    "LedgerBusyError",
    "PlanError",
    "ComposeError",
    "UnknownEnvelopeError",
    "AmountError",
    "ImbError",
    "PackError",
    "ApprovalError",
    "UnsupportedElement",
    "TypesetError",
    "AssembleError",
]
