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
    ├── LedgerError                the ledger database cannot be used
    │   └── LedgerBusyError        another process holds the write lock
    ├── PlanError                  planning cannot go on (e.g. --as-of unparsable)
    ├── ComposeError               a template or tone profile is wrong (names file, line, field)
    ├── TypesetError               a letter cannot be typeset (PDF or DOCX)
    └── AssembleError              the batch folder cannot be written

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
    "TypesetError",
    "AssembleError",
]
