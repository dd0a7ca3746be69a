"""lettergen: the right collection letter for every overdue account, checked and ready to mail.

The public API is what ``__all__`` lists; ``tests/test_api.py`` keeps it honest.
"""

__version__ = "0.1.0"

from lettergen.config.calendar import BusinessCalendar
from lettergen.errors import EncodingError, LedgerBusyError, LedgerError, LettergenError, LoadError, MappingError, PlanError, PolicyError
from lettergen.ledger import Ledger
from lettergen.config.mapping import ColumnMapping
from lettergen.load import LoadResult, load_accounts
from lettergen.models import Account, Address, Invoice, LetterJob, PromiseToPay, Rejection, SentLetter, Skip, SkipCode
from lettergen.plan import PlanResult, plan, plan_all
from lettergen.config.policy import Policy

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
