"""The fixed check kinds, and the registry of named Python checks (``extends: check``).

A kind turns (document, context, rule) into hits: (start, end, message) with
offsets into the document's text. Named checks are for what needs account or
letter data; they register with ``@check("name")``.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lettergen.models import Letter, SentLetter
from lettergen.lint.text import LintDoc

from lettergen.lint.spec import Rule

Hit = tuple[int, int, str]


@dataclass(frozen=True)
class LintContext:
    """What the rules may know besides the text."""

    stage: str | None = None
    collector: str = "first_party"
    debt_type: str | None = None
    jurisdiction: str | None = None
    actions: dict[str, frozenset[str]] = field(default_factory=dict)
    """Intended actions the policy declares, per stage."""
    first_letter: bool | None = None
    letter: Letter | None = None
    history: tuple[SentLetter, ...] = ()
    as_of: date | None = None
    fees: Decimal = Decimal(0)

    def declared(self, stage: str | None) -> frozenset[str]:
        return self.actions.get(stage or "", frozenset()) if stage else frozenset()


CheckFn = Callable[[LintDoc, LintContext, "Rule"], Iterator[Hit]]
CHECKS: dict[str, CheckFn] = {}


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    def deco(fn: CheckFn) -> CheckFn:
        CHECKS[name] = fn
        return fn

    return deco


# ----------------------------------------------------------------------------- kinds


def _fmt(rule: "Rule", match: str, **extra: Any) -> str:
    msg = rule.message.replace("%s", match.strip())
    for k, v in extra.items():
        msg = msg.replace("{" + k + "}", str(v))
    return " ".join(msg.split())


def _spans(doc: LintDoc, rule: "Rule", segs: list[Any]) -> list[tuple[int, int]]:
    """The text spans a rule looks at: whole letter, each paragraph or each sentence."""
    if rule.scope == "letter":
        return [(segs[0].start, segs[-1].end)] if segs else []
    if rule.scope == "envelope":
        return list(doc.regions.values())
    if rule.scope == "paragraph":
        return [(s.start, s.end) for s in segs]
    out: list[tuple[int, int]] = []
    for s in segs:
        out += doc.sentences_of(s)
    return out


def _excepted(doc: LintDoc, rule: "Rule", a: int, b: int, span: tuple[int, int]) -> bool:
    text = doc.text[span[0]:span[1]]
    for ex in rule.exceptions:
        for m in ex.finditer(text):
            ea, eb = span[0] + m.start(), span[0] + m.end()
            if ea < b and a < eb:
                return True
    return False


def _clean_edges(text: str, a: int, b: int) -> bool:
    """Neither edge of text[a:b] cuts a word, so \\b and \\B see the same there in the slice as in the text."""
    return (a == 0 or not (text[a - 1].isalnum() or text[a - 1] == "_")) and (b >= len(text) or not (text[b].isalnum() or text[b] == "_"))


def _finditer(doc: LintDoc, pair: Any, a: int, b: int) -> Iterator[Any]:
    """Matches of one pattern in doc.text[a:b]: by RE2 on the ASCII-mapped text when it can, else by ``re``."""
    pat, _sug, fast = pair
    if fast is not None:
        return fast.finditer(doc.ascii_text[a:b])
    return pat.finditer(doc.text[a:b])


def _hits_in(doc: LintDoc, rule: "Rule", span: tuple[int, int], pairs: list[Any]) -> Iterator[Hit]:
    for pair in pairs:
        suggestion = pair[1]
        for m in _finditer(doc, pair, span[0], span[1]):
            a, b = span[0] + m.start(), span[0] + m.end()
            if m.end() == m.start() or _excepted(doc, rule, a, b, span):
                continue
            yield a, b, _fmt(rule, doc.text[a:b], suggestion=suggestion or "")


@functools.lru_cache(maxsize=4096)
def _edge_sensitive_src(src: str) -> bool:
    return src.startswith(("^", "\\A")) or "(?<" in src or "$" in src or "\\Z" in src


def _edge_sensitive(pat: re.Pattern[str]) -> bool:
    """A pattern whose result can change when its text is cut at a sentence edge."""
    return _edge_sensitive_src(pat.pattern)


def _sentence_hits(doc: LintDoc, rule: "Rule", segs: list[Any], pairs: list[Any]) -> Iterator[Hit]:
    """Sentence-scope matching, fast: each pattern runs once over the whole text; a match that lies inside
    one sentence is a hit; only a paragraph where a match straddles a sentence or paragraph edge (or any
    paragraph, for an edge-sensitive pattern) is searched again sentence by sentence, exactly."""
    cache = doc.sentence_cache
    for seg in segs:
        doc.sentences_of(seg)
    seg_starts = [g.start for g in segs]
    lo, hi = segs[0].start, segs[-1].end
    for pair in pairs:
        if _edge_sensitive(pair[0]):
            for seg in segs:
                for span in cache[seg.start]:
                    yield from _hits_in(doc, rule, span, [pair])
            continue
        found: list[tuple[int, int, int, tuple[int, int]]] = []
        redo: set[int] = set()
        for m in _finditer(doc, pair, lo, hi):
            a, b = lo + m.start(), lo + m.end()
            if b == a:
                continue
            j = bisect.bisect_right(seg_starts, a) - 1
            seg = segs[j] if j >= 0 else None
            if seg is not None and a < seg.end and b <= seg.end:
                sents = cache[seg.start]
                i = bisect.bisect_right([x for x, _ in sents], a) - 1
                if i >= 0 and sents[i][0] <= a and b <= sents[i][1]:
                    found.append((j, a, b, sents[i]))
                    continue
            # straddles an edge, or starts between the paragraphs looked at: redo what it touches
            k = max(j, 0)
            while k < len(segs) and segs[k].start < b:
                if segs[k].end > a:
                    redo.add(k)
                k += 1
        for j, a, b, span in found:
            if j not in redo and not _excepted(doc, rule, a, b, span):
                yield a, b, _fmt(rule, doc.text[a:b], suggestion=pair[1] or "")
        for j in sorted(redo):
            for span in cache[segs[j].start]:
                yield from _hits_in(doc, rule, span, [pair])


def run_kind(doc: LintDoc, ctx: LintContext, rule: "Rule", segs: list[Any]) -> Iterator[Hit]:
    kind = rule.extends
    if kind in ("existence", "substitution"):
        base = [(p, None) for p in rule.patterns] if kind == "existence" else list(rule.swap)
        fast = rule.fast or (None,) * len(base)
        lits_all = rule.pattern_literals or (None,) * len(base)
        low = doc.lower_text
        # (python pattern, suggestion, RE2 pattern or None). RE2 scans a letter in microseconds; a pattern
        # only Python's re can run is first checked for its required words, which is cheaper than the regex.
        pairs = [(p, sug, f) for (p, sug), f, lits in zip(base, fast, lits_all)
                 if f is not None or lits is None or any(x in low for x in lits)]
        if doc.fast_skip:
            # Drop the patterns that match nowhere in the letter (packs.FastScan): none matches in a slice
            # either, unless a slice edge cuts a word.
            spans = [(segs[0].start, segs[-1].end)] if rule.scope == "sentence" else _spans(doc, rule, segs)
            if all(_clean_edges(doc.ascii_text, a, b) for a, b in spans):
                pairs = [p for p in pairs if p[2] is None or id(p[2]) not in doc.fast_skip]
        if not pairs:
            return
    elif rule.prefilter is not None:
        low = doc.lower_text
        if not any(lit in low for lit in rule.prefilter):
            return
    if kind in ("existence", "substitution"):
        if rule.scope == "sentence":
            yield from _sentence_hits(doc, rule, segs, pairs)
            return
        for span in _spans(doc, rule, segs):
            yield from _hits_in(doc, rule, span, pairs)
    elif kind == "occurrence":
        for span in _spans(doc, rule, segs):
            text = doc.text[span[0]:span[1]]
            ms = [m for p in rule.patterns for m in p.finditer(text)]
            ms.sort(key=lambda m: m.start())
            if rule.max is not None and len(ms) > rule.max:
                m = ms[rule.max]
                yield span[0] + m.start(), span[0] + m.end(), _fmt(rule, m.group(0), count=len(ms), max=rule.max)
            if rule.min is not None and len(ms) < rule.min:
                yield span[0], span[0], _fmt(rule, "", count=len(ms), min=rule.min)
    elif kind == "required":
        for span in _spans(doc, rule, segs):
            text = doc.text[span[0]:span[1]]
            if rule.text:
                if rule.text.lower() not in " ".join(text.split()).lower():
                    yield span[0], span[0], _fmt(rule, "")
            elif not any(p.search(text) for p in rule.patterns):
                yield span[0], span[0], _fmt(rule, "")
    elif kind == "conditional":
        for span in _spans(doc, rule, segs):
            text = doc.text[span[0]:span[1]]
            first = next((m for p in rule.first for m in p.finditer(text)), None)
            if first and not any(p.search(text) for p in rule.second):
                yield span[0] + first.start(), span[0] + first.end(), _fmt(rule, first.group(0))
    elif kind == "readability":
        kept = [s for s in segs if not any(p.search(doc.text[s.start:s.end]) for p in rule.exempt)]
        text = " ".join(doc.text[s.start:s.end] for s in kept)
        grade = flesch_kincaid_grade(text)
        if len(_WORD.findall(text)) < rule.min_words:
            return  # too little text for a grade to mean anything
        if rule.grade is not None and grade > rule.grade and kept:
            yield kept[0].start, kept[0].start, _fmt(rule, "", grade=f"{grade:.1f}", max=f"{rule.grade:g}")
    elif kind == "sequence":
        for span in _spans(doc, rule, segs):
            text = doc.text[span[0]:span[1]]
            last_pos, last_name = -1, None
            for name, pats in rule.blocks:
                found = min((m.start() for p in pats for m in [p.search(text)] if m), default=None)
                if found is None:
                    yield span[0], span[0], _fmt(rule, name, block=name, problem="is missing")
                    continue
                if found < last_pos:
                    yield span[0] + found, span[0] + found, _fmt(rule, name, block=name, problem=f"comes before '{last_name}'")
                last_pos, last_name = found, name
    elif kind == "check":
        yield from CHECKS[rule.check](doc, ctx, rule)


# ----------------------------------------------------------------------------- readability

_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


@functools.lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    w = word.lower()
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def flesch_kincaid_grade(text: str) -> float:
    sents = [s for s in re.split(r"(?<=[.!?])\s+", text) if _WORD.search(s)]
    words = _WORD.findall(text)
    if not sents or not words:
        return 0.0
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(sents) + 11.8 * syl / len(words) - 15.59


# ----------------------------------------------------------------------------- named checks


def _find(doc: LintDoc, needle: str) -> int:
    i = doc.text.find(needle)
    return i if i >= 0 else 0


@check("amount_matches")
def amount_matches(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """The amount stated equals the sum of the open balances plus authorised fees (1692e(2)(A), 1692f(1))."""
    letter = ctx.letter
    if letter is None:
        return
    job = letter.job
    expected = sum((i.balance for i in job.invoices), Decimal(0)) + ctx.fees
    stated = letter.context.get("amount_due", "")
    if job.amount_due != expected:
        yield 0, 0, _fmt(rule, stated, stated=job.amount_due, expected=expected)
    elif stated and " ".join(stated.split()) not in " ".join(doc.text.split()):  # Babel uses no-break spaces
        yield 0, 0, _fmt(rule, stated, stated="(not in the text)", expected=stated)


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{%|%\}|\bNone\b(?!\s+(?:of|other|at all)\b)|\bnan\b|\bNaN\b|\bundefined\b|\bnull\b(?!\s+and\s+void\b)")
"""Unfilled placeholders and the printed forms of missing values (but not the English 'None of', 'null and void')."""
_MONEY_SIGN = re.compile(r"[$€£¥₹]")


@check("no_placeholders")
def no_placeholders(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """No unfilled placeholder, None, nan or empty amount reaches a letter."""
    if ctx.letter is not None:
        data_text = " ".join(str(v) for v in (ctx.letter.job.account.name, *ctx.letter.job.account.address.lines))
    else:
        data_text = ""
    for m in _PLACEHOLDER.finditer(doc.text):
        if m.group(0) in data_text:  # the debtor's own name may contain braces; that is data, not a placeholder
            continue
        yield m.start(), m.end(), _fmt(rule, m.group(0))
    for m in _MONEY_SIGN.finditer(doc.text):
        around = doc.text[max(0, m.start() - 2):m.end() + 2]
        if not re.search(r"\d", around):
            yield m.start(), m.end(), _fmt(rule, doc.text[max(0, m.start() - 8):m.end() + 8].strip())


_MONTHS = {m: i + 1 for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                            "september", "october", "november", "december"))}
_MONTH_RE = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
DATE_PATTERN = rf"(?:{_MONTH_RE}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH_RE}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
"""A written date as lettergen prints them: 'December 11, 2026', '11 December 2026', 'Dec 11, 2026', '2026-12-11'."""
_DEADLINE = re.compile(
    rf"\b(?:by|before|no later than|not later than|on or before|until|till|deadline(?: is|:)?)\s+"
    rf"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?(?P<date>{DATE_PATTERN})", re.I)


def parse_date(text: str) -> date | None:
    """The date of a DATE_PATTERN match, or None when it is not a real date."""
    t = " ".join(text.replace(",", " ").replace(".", " ").split())
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
            return date.fromisoformat(t)
        parts = t.split()
        if parts[0].isdigit():
            day, month, year = int(parts[0]), parts[1], int(parts[2])
        else:
            month, day, year = parts[0], int(parts[1]), int(parts[2])
        num = next(v for k, v in _MONTHS.items() if k.startswith(month.lower()[:3]))
        return date(year, num, day)
    except (ValueError, IndexError, StopIteration):
        return None


@check("response_date")
def response_date(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """The response date is not before the letter's date: neither the composed one nor any deadline
    written in the text ('by November 20, 2026')."""
    letter = ctx.letter
    if letter is None:
        return
    as_of = ctx.as_of or letter.job.as_of
    if letter.response_date < as_of:
        stated = letter.context.get("response_date", letter.response_date.isoformat())
        yield _find(doc, stated), _find(doc, stated) + len(stated), _fmt(rule, stated, date=letter.response_date, as_of=as_of)
        return
    for m in _DEADLINE.finditer(doc.text):
        d = parse_date(m.group("date"))
        if d is not None and d < as_of:
            yield m.start("date"), m.end("date"), _fmt(rule, m.group("date"), date=d, as_of=as_of)


@check("mini_miranda")
def mini_miranda(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """Third-party collectors: the first letter says it is an attempt to collect a debt and how information
    is used; later letters say they are from a debt collector (1692e(11))."""
    first = ctx.first_letter if ctx.first_letter is not None else not (ctx.letter and ctx.letter.job.previous)
    key = "first" if first else "later"
    pats = _patterns(rule.params.get(key, []))
    text = " ".join(doc.text.split())
    if pats and not all(p.search(text) for p in pats):
        yield 0, 0, _fmt(rule, "", which="first letter" if first else "later letter")


@check("credit_reporting_timing")
def credit_reporting_timing(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """Credit reporting may be mentioned only after an earlier letter at least 14 days before (12 CFR 1006.30(a))."""
    pats = _patterns(rule.params.get("tokens", []))
    days = int(rule.params.get("days", 14))
    m = next((m for p in pats for m in [p.search(doc.text)] if m), None)
    if m is None:
        return
    as_of = ctx.as_of or (ctx.letter.job.as_of if ctx.letter else None)
    history = ctx.history or (ctx.letter.job.previous if ctx.letter else ())
    if as_of is not None and any(h.sent_on <= as_of - timedelta(days=days) for h in history):
        return
    yield m.start(), m.end(), _fmt(rule, m.group(0), days=days)


@check("states_facts")
def states_facts(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """The letter states the amount due, the original due date, every invoice number and how to contact us."""
    letter = ctx.letter
    if letter is None:
        return
    c = letter.context
    want = {"the amount due": c.get("amount_due"), "the original due date": c.get("due_date"),
            "how to contact us": (c.get("sender") or {}).get("phone") or (c.get("sender") or {}).get("email")}
    for inv in c.get("invoices", []):
        want[f"invoice {inv['number']}"] = inv["number"]
    text = " ".join(doc.text.split())
    for what, value in want.items():
        if not value or " ".join(str(value).split()) not in text:
            yield 0, 0, _fmt(rule, what, what=what)


@check("earlier_letters")
def earlier_letters(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """A claim about earlier letters ("despite our earlier letters") needs them in the ledger: one for a claim,
    two for a claim in the plural. Without the letter (text linted alone) it is checked only when the context
    says the letter is a first one."""
    if ctx.letter is not None:
        history = ctx.history or ctx.letter.job.previous
    elif ctx.first_letter:
        history = ()
    else:
        return
    plural = re.compile(str(rule.params.get("plural") or "letters"), re.I)
    for pat in _patterns(rule.params.get("claims", [])):
        for m in pat.finditer(doc.text):
            need = 2 if plural.search(m.group(0)) else 1
            if len(history) < need:
                n = len(history)
                yield m.start(), m.end(), _fmt(rule, m.group(0), count=n or "no", s="" if n == 1 else "s")


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in patterns)


def _patterns(patterns: Any) -> tuple[re.Pattern[str], ...]:
    return _compiled(tuple(str(p) for p in patterns))


@check("envelope_area")
def envelope_area(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """Nothing in the envelope windows reveals debt collection (1692f(8))."""
    pats = _patterns(rule.params.get("tokens", []))
    for a, b in doc.regions.values():
        text = doc.text[a:b]
        for p in pats:
            for m in p.finditer(text):
                yield a + m.start(), a + m.end(), _fmt(rule, m.group(0))


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


@check("time_barred_notice")
def time_barred_notice(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """When the oldest invoice of the letter fell due more than ``params.years`` years before the as-of date,
    the letter contains ``params.text`` word for word (case and whitespace aside) (23 NYCRR 1.3)."""
    letter = ctx.letter
    if letter is None or not letter.job.invoices:
        return
    years = int(rule.params.get("years", 3))
    as_of = ctx.as_of or letter.job.as_of
    oldest = min(i.due_date for i in letter.job.invoices)
    if not oldest < _years_before(as_of, years):
        return
    notice = " ".join(str(rule.params.get("text") or "").split()).lower()
    if notice and notice not in " ".join(doc.text.split()).lower():
        yield 0, 0, _fmt(rule, "", due=oldest, years=years, as_of=as_of)


@check("validation_period")
def validation_period(doc: LintDoc, ctx: LintContext, rule: "Rule") -> Iterator[Hit]:
    """The validation end date the letter states is at least ``params.days`` (30) days after the assumed
    receipt, ``params.receipt_business_days`` (5) business days after mailing, not counting weekends and
    federal holidays (12 CFR 1006.34(b)(5)). ``params.pattern`` finds the date: a regular expression with a
    group named ``date``, or ``{date}`` where the date stands."""
    from lettergen.config.calendar import BusinessCalendar

    letter = ctx.letter
    mailed = ctx.as_of or (letter.job.as_of if letter else None)
    if mailed is None:
        return
    source = str(rule.params.get("pattern") or r"\bdispute\b[^.?!]{0,80}?\bby\s+{date}")
    pattern = re.compile(source.replace("{date}", f"(?P<date>{DATE_PATTERN})"), re.I)
    cal = BusinessCalendar(str(rule.params.get("country", "US")))
    receipt = cal.add_business_days(mailed, int(rule.params.get("receipt_business_days", 5)))
    earliest = receipt + timedelta(days=int(rule.params.get("days", 30)))
    text = doc.text
    found = False
    for m in pattern.finditer(text):
        group = "date" if "date" in pattern.groupindex else 0
        d = parse_date(m.group(group))
        if d is None:
            continue
        found = True
        if d < earliest:
            yield m.start(group), m.end(group), _fmt(rule, m.group(group), date=d, earliest=earliest, receipt=receipt)
    if not found:
        yield 0, 0, _fmt(rule, "", date="(none found)", earliest=earliest, receipt=receipt)
