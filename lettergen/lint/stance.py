"""Stance: whether a sentence affirms what a rule's phrase names, or denies it.

"We will not file a lawsuit", "No attorney has reviewed your account" and "We are not a government agency" are
honest reassurances (shared/COMPLIANCE.md: a sentence that says an action will not happen, or that the sender is
not something, must pass). A rule marked ``stance: affirmed`` in its YAML finds its phrase only where the sentence
does not deny it; :func:`denied` decides.

A match is denied when, in its own clause (clauses end at ``, ; : —`` and at ``and``/``but``/``or``), a negation
governs it from before:

* ``not``/``n't``/``never``/``no longer`` after an auxiliary (``will not``, ``won't``, ``are not``, ``has never``),
  with no other finite auxiliary between it and the match ("you have not paid for is theft" is not a denial
  of "theft"), or a bare ``not`` opening the clause ("..., not legal counsel");
* a negative subject or determiner (``no``, ``nobody``, ``no one``, ``none of``, ``neither``, ``nothing``)
  with at most one finite auxiliary between ("No one from our office will contact your employer").

It is never denied when the sentence is a conditional or a threat in disguise: ``if``, ``unless``, ``until``,
``otherwise``, ``or else``, ``failure to``, ``should you``, or a litotes that affirms (``no choice but``,
``not hesitate``, ``nothing will stop``, ``not stop us``, ``not wait``, ``no longer tolerate``, ``not rule out``,
``nothing but``, ``no better than``, ``don't make us``, ``haven't ... yet``), and not when the negation is a
gerund's ("Not paying what you owe could be treated as fraud").
"""

from __future__ import annotations

import re

__all__ = ["denied"]

_CLAUSE_END = re.compile(r"[,;:\u2014\u2013]|\s-\s|\b(?:and|but|or|nor|yet|so|because|while|whereas)\b", re.I)
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|until|otherwise|or else|failure to|failing to|failing which|should you|should this|should the|"
    r"in the event|in case|as long as|so long as|whether or not|or we will|else)\b", re.I)
_AFFIRMING = re.compile(
    r"\b(?:no (?:choice|option|alternative|other (?:choice|option|way))\b|nothing but\b|nothing less than\b|nothing short of\b|no (?:better|different) (?:than|from)\b|nothing more than\b|"
    r"(?:don't|do not|dont) (?:make|force|push|let|leave) (?:us|me)\b|(?:not|n't|never) (?:hesitate|think twice|"
    r"stop (?:us|there)|be stopped|wait|rule out|be able to (?:stop|prevent)|prevent us|let (?:this|it) go)|"
    r"nothing (?:will |can |could |is going to )?(?:stop|prevent)|no longer (?:tolerate|wait|accept|put up)|"
    r"not (?:without|only)|without (?:further|any further|more|any more) (?:notice|warning|delay)|"
    r"will not be (?:ignored|tolerated|overlooked|forgiven)|won't be (?:ignored|tolerated|overlooked|forgiven)|"
    r"cannot be (?:ignored|avoided|escaped)|can't be (?:ignored|avoided|escaped)|no way (?:out|around))", re.I)
_NOT_YET = re.compile(r"(?:\bnot\b|n['’]t\b|\bnever\b)[^.!?]*\byet\b", re.I)
"""'we haven't lost our temper yet': a threat of what is still to come."""
_AUX = (r"(?:will|would|shall|should|can|could|may|might|must|do|does|did|is|are|am|was|were|has|have|had|"
        r"be|been|being)")
_FINITE = re.compile(r"\b(?:will|would|shall|should|can|could|may|might|must|do|does|did|is|are|am|was|were|has|have|"
                     r"had)\b", re.I)
"""A finite auxiliary between a negation and the match gives the match a verb of its own ("be" does not)."""
_VERB_NOT = re.compile(rf"\b(?:{_AUX}\s+(?:not|never|no longer)|(?:won|wouldn|shan|shouldn|can|couldn|mustn|don|doesn|didn|"
                       rf"isn|aren|wasn|weren|hasn|haven|hadn|ain)['’]t|cannot|never)\b", re.I)
_SUBJECT_NO = re.compile(r"\b(?:no|nobody|no-one|no one|none of|neither|nothing|nowhere)\b", re.I)
_LEADING_NOT = re.compile(r"^\W*(?:and\s+|but\s+)?(?:not|never)\b", re.I)
_RELATIVE = re.compile(r"\b(?:who|whom|whose|that|which)\b", re.I)
_GERUND_AFTER = re.compile(r"^\s*(?:\w+ing|having|being)\b", re.I)


def _clause(sentence: str, a: int, b: int) -> tuple[int, int]:
    """The clause of ``sentence`` around [a, b)."""
    start, end = 0, len(sentence)
    for m in _CLAUSE_END.finditer(sentence):
        if m.end() <= a:
            start = m.end()
        elif m.start() >= b:
            end = m.start()
            break
    return start, end


def denied(sentence: str, a: int, b: int) -> bool:
    """True when ``sentence`` denies what it says at [a, b) (offsets within ``sentence``)."""
    if _CONDITIONAL.search(sentence) or _AFFIRMING.search(sentence) or _NOT_YET.search(sentence):
        return False
    start, end = _clause(sentence, a, b)
    before = sentence[start:a]
    lead = _LEADING_NOT.match(before)
    if lead and not _GERUND_AFTER.match(before[lead.end():]):
        return True
    for m in _VERB_NOT.finditer(before):
        if _GERUND_AFTER.match(before[m.end():]):
            continue  # "not paying ...": the gerund is negated, not the statement
        between = before[m.end():]
        if not _FINITE.search(between):
            return True
    for m in _SUBJECT_NO.finditer(before):
        between = before[m.end():]
        # a negative subject opening the clause governs its verb ("No one ... will contact"); a negative determiner
        # later on only its own phrase ("we have no plans to sue", but not "with no intention of paying is a crime")
        allowed = 1 if not before[:m.start()].strip() else 0
        if len(_FINITE.findall(between)) <= allowed and not _VERB_NOT.search(between):
            return True
    # the match itself opens with the negative subject ("no attorney has reviewed ...", "nobody will arrest"), or
    # carries the negated verb ("family members are not responsible"): a rule's phrase affirms, so a negation
    # inside it is a denial
    inside = sentence[a:b]
    if _SUBJECT_NO.match(inside):
        return True
    inside = _RELATIVE.split(inside, maxsplit=1)[0]  # "a list of borrowers who have not paid": not a denial
    for m in _VERB_NOT.finditer(inside):
        if not _GERUND_AFTER.match(inside[m.end():]):
            return True
    return False
