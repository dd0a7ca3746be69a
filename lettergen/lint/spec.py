"""What a rule pack is, once loaded: the rules as data (the YAML spec compiled), for the engine and the checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Rule:
    id: str
    pack: str
    path: Path
    extends: str
    message: str
    level: str
    citation: str
    link: str = ""
    scope: str = "sentence"
    stages: tuple[str, ...] = ()
    when: dict[str, Any] = field(default_factory=dict)
    suppressible: bool = True
    description: str = ""
    action: str | None = None
    """An action this rule's wording threatens; the rule is off where the stage declares the action."""
    stance: str = "any"
    """``affirmed`` (existence and conditional rules): the phrase counts only where the sentence does not deny it
    (``lettergen.lint.stance``) and it is not part of a business or person's name (``lettergen.lint.names``);
    ``any``: wherever it stands (a rule whose wording is itself a negation: "you will never get credit again")."""
    ignorecase: bool = True
    patterns: tuple[re.Pattern[str], ...] = ()
    exceptions: tuple[re.Pattern[str], ...] = ()
    swap: tuple[tuple[re.Pattern[str], str], ...] = ()
    text: str = ""
    first: tuple[re.Pattern[str], ...] = ()
    second: tuple[re.Pattern[str], ...] = ()
    max: int | None = None
    min: int | None = None
    grade: float | None = None
    min_words: int = 30
    """Texts shorter than this are not graded: the formula is noise on a sentence or two."""
    exempt: tuple[re.Pattern[str], ...] = ()
    blocks: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = ()
    check: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    examples_bad: tuple[str, ...] = ()
    examples_good: tuple[str, ...] = ()
    fast: tuple[Any, ...] = ()
    """Per pattern: the same regex compiled by RE2 (linear time, ~10x faster here), or None where only
    Python's ``re`` can run it (lookaround, backreferences, non-ASCII literals). Runs on ``LintDoc.ascii_text``."""
    pattern_literals: tuple[frozenset[str] | None, ...] = ()
    """Per pattern (``patterns``, or ``swap`` for substitutions): its required literals, or None."""
    prefilter: frozenset[str] | None = None
    """Occurrence and conditional rules: lower-case strings of which any match of the rule contains one (from
    ``required_literals``): when the letter has none of them, the rule cannot match and its regexes are not
    run. (Existence and substitution rules filter per pattern: ``fast``, ``pattern_literals``.)"""

    @property
    def needs_letter(self) -> bool:
        """Runs only on rendered letters (needs the data), not on template source."""
        return self.extends in ("required", "sequence", "check") or bool(self.when.get("rendered"))


@dataclass(frozen=True)
class Pack:
    name: str
    version: str
    description: str
    path: Path
    when: dict[str, Any]
    rules: tuple[Rule, ...]


def cites(citation: str, provision: str) -> bool:
    """Whole provisions only: '1692e(10)' does not cite '1692e(1)', '1692e(2)(A)' cites '1692e(2)(A)',
    '15 U.S.C. 1692e(11); 1692e(14)' cites '1692e(11)'."""
    return re.search(re.escape(provision) + r"(?![0-9A-Za-z])", re.sub(r"\s+", "", citation)) is not None
