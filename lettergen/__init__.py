"""lettergen: the right collection letter for every overdue account, checked and ready to mail.

The public API is what ``__all__`` lists; ``tests/test_api.py`` keeps it honest.
"""

__version__ = "0.1.0"

from .businessdays import BusinessCalendar
from .errors import (
    EncodingError,
    LedgerBusyError,
    LedgerError,
    LettergenError,
    LoadError,
    MappingError,
    PlanError,
    PolicyError,
)
from .ledger import Ledger
from .load import ColumnMapping, LoadResult, load_accounts
from .models import (
    Account,
    Address,
    Invoice,
    LetterJob,
    PromiseToPay,
    Rejection,
    SentLetter,
    Skip,
    SkipCode,
)
from .plan import PlanResult, plan, plan_all
from .policy import Policy

__all__ = [
    "__version__",
    "Account",
    "Address",
    "BusinessCalendar",
    "ColumnMapping",
    "EncodingError",
    "Invoice",
    "Ledger",
    "LedgerBusyError",
    "LedgerError",
    "LetterJob",
    "LettergenError",
    "LoadError",
    "LoadResult",
    "MappingError",
    "PlanError",
    "PlanResult",
    "Policy",
    "PolicyError",
    "PromiseToPay",
    "Rejection",
    "SentLetter",
    "Skip",
    "SkipCode",
    "load_accounts",
    "plan",
    "plan_all",
]
