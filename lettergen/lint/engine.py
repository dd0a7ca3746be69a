"""The lint engine: run rule packs over a document (template, tone profile, text or rendered letter).

Which rules run where:

* on template source, tone profiles and text files: the wording rules (kinds
  existence, substitution, occurrence, conditional, readability);
* on rendered letters, in addition: ``required``, ``sequence`` and the named
  Python ``check`` rules, which need the account and letter data.

A rule runs when its pack's and its own ``when`` conditions hold, its
``stages`` include the paragraph's stage, and (for a rule with an ``action``)
the stage does not declare that action as intended.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from lettergen.models import Finding
from lettergen.lint.checks import LintContext, _fmt, run_kind
from lettergen.lint.spec import Pack, Rule, cites
from lettergen.lint.packs import fast_scan
from lettergen.lint.names import in_name
from lettergen.lint.stance import denied
from lettergen.lint.text import LintDoc, Segment, Suppression


def _matches(values: list[str] | None, actual: str | None) -> bool:
    if values is None or actual is None:
        return True  # unknown: apply (the stricter choice)
    return any(actual == v or actual.startswith(v + "-") or (v.endswith("*") and actual.startswith(v[:-1])) for v in values)


def applies(rule: Rule, pack: Pack, ctx: LintContext, stage: str | None, rendered: bool) -> bool:
    if rule.needs_letter and not rendered:
        return False
    for when in (pack.when, rule.when):
        if not _matches(when.get("collector"), ctx.collector):
            return False
        if not _matches(when.get("debt_type"), ctx.debt_type):
            return False
        if "jurisdiction" in when:
            if ctx.jurisdiction is None:
                if rule.needs_letter:
                    return False
            elif not _matches(when["jurisdiction"], ctx.jurisdiction):
                return False
        if "first_letter" in when and ctx.first_letter is not None and when["first_letter"] != ctx.first_letter:
            return False
        if "declares" in when and not set(when["declares"]) <= ctx.declared(stage):
            return False
        if when.get("rendered") and not rendered:
            return False
    if rule.stages and (stage is None or stage not in rule.stages):
        return False
    if rule.action and rule.action in ctx.declared(stage):
        return False
    return True


def _segment_at(doc: LintDoc, offset: int) -> Segment | None:
    for s in doc.segments:
        if s.start <= offset < s.end or (offset == s.start == s.end):
            return s
    return next((s for s in doc.segments if s.start >= offset), None)


@lru_cache(maxsize=64)
def _verbatim_pattern(text: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(w) for w in text.split()), re.IGNORECASE)


def verbatim_spans(doc: LintDoc, packs: Sequence[Pack]) -> list[tuple[int, int]]:
    """Where the exact text of a required notice (a ``required`` rule's ``text``) stands in the document.

    A match that overlaps a notice at all is dropped (the notice's words are the
    law's, not ours). ``check`` rules may carry the notice in ``params.text`` (e.g. NY's time-barred
    notice). Statutory notices must be printed word for word, and some of their words
    ("judgment", "arrest", "sue") would trip wording rules, so wording rules do
    not look inside them. Matching ignores case and whitespace.
    """
    spans = []
    for pack in packs:
        for rule in pack.rules:
            text = rule.text if rule.extends == "required" else str(rule.params.get("text") or "")
            if text:
                spans += [(m.start(), m.end()) for m in _verbatim_pattern(text).finditer(doc.text)]
    return spans


def lint_doc(doc: LintDoc, packs: Sequence[Pack], ctx: LintContext, rendered: bool = False) -> list[Finding]:
    """Every finding of every applicable rule, suppressions applied, in text order."""
    findings: list[Finding] = []
    learned: list[tuple[int, int, str, Finding]] = []
    seen: set[tuple[str, int, int]] = set()
    doc.fast_skip = fast_scan(packs).skips(doc.ascii_text)
    exempt = verbatim_spans(doc, packs)
    stages = sorted({s.stage or doc.stage or ctx.stage or "" for s in doc.segments})
    for pack in packs:
        for rule in pack.rules:
            for stage in stages:
                st = stage or None
                segs = [s for s in doc.segments if (s.stage or doc.stage or ctx.stage or "") == stage]
                if not segs or not applies(rule, pack, ctx, st, rendered):
                    continue
                if rule.extends == "model":
                    learned += _learned(doc, ctx, rule, segs, st, exempt)
                    continue
                for a, b, message in run_kind(doc, ctx, rule, segs):
                    if (rule.id, a, b) in seen:
                        continue
                    if b > a and rule.extends in ("existence", "substitution", "occurrence", "conditional") and any(a < y and x < b for x, y in exempt):
                        continue
                    if rule.stance == "affirmed" and _not_affirmed(doc, a, b):
                        continue  # an honest reassurance ("we will not take you to court") or a name ("Lien Ho Nail Studio")
                    seen.add((rule.id, a, b))
                    findings.append(_finding(doc, rule, a, b, message))
    findings += _second_opinions(doc, findings, learned)
    findings = _apply_suppressions(doc, findings, {r.id: r for p in packs for r in p.rules})
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule))


def _learned(doc: LintDoc, ctx: LintContext, rule: Rule, segs: list[Segment], stage: str | None,
             exempt: list[tuple[int, int]]) -> list[tuple[int, int, str, Finding]]:
    """A ``model`` rule's findings: each sentence the model reads as a provision's violation with at least the
    rule's confidence, where the provision applies (collector) and no declared action silences it."""
    from lettergen.lint.learned import CLEAN, load_model

    model = load_model(rule.params["model"])
    provs = rule.params["provisions"]
    declared = ctx.declared(stage)
    out = []
    for seg in segs:
        for s, e in doc.sentences_of(seg):
            text = doc.text[s:e]
            if text.count(" ") < 2 or exempt and any(s < y and x < e for x, y in exempt):
                continue
            probs = model.probabilities(text)
            prov = max((c for c in probs if c != CLEAN), key=lambda c: (probs[c], c))
            spec = provs.get(prov)
            if spec is None or probs[prov] < rule.params["threshold"]:
                continue
            if spec["collector"] and ctx.collector is not None and ctx.collector not in spec["collector"]:
                continue
            if set(spec["unless_declared"]) & declared:
                continue
            example, _sim = model.nearest(text, prov)
            lead = len(text) - len(text.lstrip())
            a, b = s + lead, s + len(text.rstrip())
            f = _finding(doc, rule, a, b, _fmt(rule, "", provision=prov, confidence=f"{probs[prov]:.0%}", example=example))
            out.append((s, e, prov, f.model_copy(update={"citation": spec["citation"], "confidence": round(probs[prov], 2),
                                                   "example": example})))
    return out


def _second_opinions(doc: LintDoc, findings: list[Finding], learned: list[tuple[int, int, str, Finding]]) -> list[Finding]:
    """The learned findings the rules did not already make: none for a sentence where a rule cites the same
    provision (the model's provision, not parsed back out of a citation the pack may word its own way)."""
    out = []
    for s, e, prov, f in learned:
        line_s, col_s = doc.position(s)
        line_e, col_e = doc.position(e)
        same = [g for g in findings if cites(g.citation, prov) and (line_s, col_s) <= (g.line, g.column) <= (line_e, col_e)]
        if not same:
            out.append(f)
    return out


def _not_affirmed(doc: LintDoc, a: int, b: int) -> bool:
    """Whether the sentence around [a, b) of the document (the rules' own sentences of its segment) denies what it
    says there, or the words there are part of a business or person's name."""
    seg = _segment_at(doc, a)
    for s, e in doc.sentences_of(seg) if seg is not None else ():
        if s <= a < e:
            sentence, x, y = doc.text[s:e], a - s, min(b, e) - s
            return denied(sentence, x, y) or in_name(sentence, x, y)
    return False


def _finding(doc: LintDoc, rule: Rule, a: int, b: int, message: str) -> Finding:
    line, col = doc.position(a)
    end_line, end_col = doc.position(max(a, b))
    return Finding(
        rule=rule.id, level=rule.level, message=message, citation=rule.citation, link=rule.link, path=doc.path,
        line=line, column=col, end_line=end_line, end_column=end_col, match=" ".join(doc.text[a:b].split()),
    )


def _apply_suppressions(doc: LintDoc, findings: list[Finding], rules: dict[str, Rule]) -> list[Finding]:
    out: list[Finding] = []
    for f in findings:
        offset = _offset(doc, f.line, f.column)
        seg = _segment_at(doc, offset)
        sup = next((s for s in (seg.suppressions if seg else []) if s.rule == f.rule), None)
        if sup is None:
            out.append(f)
            continue
        rule = rules.get(f.rule)
        if not sup.reason:
            out.append(f)  # the suppression itself is reported below
            continue
        if rule is not None and not rule.suppressible:
            sup.used = True
            out.append(replace_message(f, f"{f.message} (this rule cannot be suppressed)"))
            continue
        sup.used = True
        out.append(f.model_copy(update={"suppressed": True, "suppression_reason": sup.reason}))
    for s in doc.suppressions:
        out += _suppression_problems(doc, s, rules)
    return out


def replace_message(f: Finding, message: str) -> Finding:
    return f.model_copy(update={"message": message})


def _suppression_problems(doc: LintDoc, s: Suppression, rules: dict[str, Rule]) -> list[Finding]:
    where = {"path": doc.path, "line": s.line, "column": s.column, "end_line": s.line, "end_column": s.column}
    if not s.reason:
        return [Finding(rule="lint.SuppressionReason", level="error", citation="lettergen house rule",
                        message=f"lint-allow {s.rule} needs a reason: {{# lint-allow {s.rule}: why this is lawful here #}}",
                        match=f"lint-allow {s.rule}", **where)]
    if s.rule not in rules:
        return [Finding(rule="lint.UnknownRule", level="warning", citation="lettergen house rule",
                        message=f"lint-allow names unknown rule {s.rule}", match=s.rule, **where)]
    if not s.used:
        return [Finding(rule="lint.UnusedSuppression", level="warning", citation="lettergen house rule",
                        message=f"lint-allow {s.rule} suppresses nothing here; remove it", match=s.rule, **where)]
    return []


def _offset(doc: LintDoc, line: int, column: int) -> int:
    return doc._lines[line - 1] + column - 1 if 0 < line <= len(doc._lines) else 0


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "error" and not f.suppressed]


__all__ = ["applies", "lint_doc", "errors", "verbatim_spans", "LintContext"]
