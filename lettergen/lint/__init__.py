"""lint: FDCPA-style rule packs over letter text, templates and tone profiles.

    lint_letter(letter, policy, packs)   a composed letter (the batch gate)
    lint_text(text, ...)                 plain text
    lint_paths(paths, ...)               templates, folders, tone profiles, .txt files (``lettergen lint``)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lettergen.models import Finding, Letter
from lettergen.config.policy import Policy
from lettergen.lint.checks import LintContext
from lettergen.lint.engine import errors, lint_doc
from lettergen.lint.spec import Pack, Rule
from lettergen.errors import PackError
from lettergen.lint.packs import load_packs
from lettergen.lint.text import letter_doc, text_doc


def policy_actions(policy: Policy | None) -> dict[str, frozenset[str]]:
    if policy is None:
        return {}
    return {s.name: frozenset(s.intended_actions) for s in policy.stages}


def letter_context(letter: Letter, policy: Policy, fees: Decimal = Decimal(0)) -> LintContext:
    job = letter.job
    return LintContext(
        stage=job.stage, collector=policy.collector, debt_type=job.account.debt_type, jurisdiction=job.account.jurisdiction,
        actions=policy_actions(policy), first_letter=not job.previous, letter=letter, history=job.previous, as_of=job.as_of, fees=fees,
    )


def lint_letter(letter: Letter, policy: Policy, packs: Sequence[Pack] | None = None, name: str | None = None) -> list[Finding]:
    """Every finding on a composed letter: wording rules and the data checks."""
    packs = load_packs() if packs is None else packs
    doc = letter_doc(letter.html, name or f"{letter.job.account.id}/{letter.job.stage}", stage=letter.job.stage)
    return lint_doc(doc, packs, letter_context(letter, policy), rendered=True)


def lint_text(text: str, packs: Sequence[Pack] | None = None, ctx: LintContext | None = None, name: str = "<text>", rendered: bool = False) -> list[Finding]:
    packs = load_packs() if packs is None else packs
    ctx = ctx or LintContext()
    return lint_doc(text_doc(text=text, stage=ctx.stage, name=name), packs, ctx, rendered=rendered)


__all__ = ["Finding", "LintContext", "Pack", "PackError", "Rule", "errors", "lint_letter", "lint_text", "load_packs", "policy_actions", "letter_context"]
