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

A negation also governs the later items of an ``or`` list ("will not be repossessed, seized or made the subject
of a lien"; "not police officers, marshals or sheriffs") and what a denied saying-verb introduces ("does not mean
you have been sued", "we are not suggesting that ..."); the subject of a denied passive is denied ("The police have
not been, and will not be, contacted"); "you may ask us to stop ..." is a right. A condition that opens the
sentence in a clause of its own leaves the main clause's denial standing ("If you do not pay, you will not be
arrested"), and the law's own exceptions or the debtor's consent are no conditions ("unless they also signed",
"unless you ask us", "if you prefer letters").

Otherwise it is never denied when the sentence is a conditional or a threat in disguise: ``if``, ``unless``, ``until``,
``otherwise``, ``or else``, ``failure to``, ``should you``, or a litotes that affirms (``no choice but``,
``not hesitate``, ``nothing will stop``, ``not stop us``, ``not wait``, ``no longer tolerate``, ``not rule out``,
``nothing but``, ``no better than``, ``don't make us``, ``haven't ... yet``), and not when the negation is a
gerund's ("Not paying what you owe could be treated as fraud").
"""

from __future__ import annotations

import re

__all__ = ["denied"]

_CLAUSE_END = re.compile(r"[,;:\u2014\u2013]|\s-\s|\b(?:and|but|yet|so|because|while|whereas)\b", re.I)
"""Clause edges. ``or``/``nor`` coordinate inside a clause ("we do not keep or share", "no court or agency")."""
_LIST_PIECE = re.compile(r"^\s*(?:\w+[\s-]*){1,3}$")
"""A short piece between commas with no verb of its own: an item of a list ("No arrest, jail time or ...")."""
_OR_LIST = re.compile(r"\b(?:or|nor)\b", re.I)
_DANGLING = re.compile(r"\b(?:not|never|n['’]t)\s*(?:be|been|have|have been)?\s*$", re.I)
_EXCEPTION_CLAUSE = re.compile(
    r"\bunless\s+(?:they|he|she|you|both of you|your \w+)\s+(?:also\s+|personally\s+)?(?:signed|co-?signed|"
    r"guaranteed|agreed|were a party|are a party|is a party)\b"
    r"|\bunless\s+you\s+(?:first\s+|yourself\s+|specifically\s+)?(?:give us (?:your )?(?:permission|consent|authori[sz]ation)|ask us|"
    r"authori[sz]e|request|tell us|consent|agree|choose|prefer|sign up|opt in)\b"
    r"|\bif\s+you\s+(?:would\s+|['’]d\s+)?(?:prefer|rather|ask us|tell us|request|choose|want us to|wish)\b"
    r"|\b(?:suggest|say|claim|think|imply|tell you|state|indicate|believe|pretend)\w*\s+otherwise\b", re.I)
"""'... is not responsible unless they also signed': the law's own exception, not a condition on a threat."""
_DENIES_CLAIM = re.compile(
    r"\b(?:does|do|did|will|would)\s*(?:not|n['’]t)\s+(?:mean|imply|indicate|suggest|signal|show|say|claim|allege|accuse)\b|"
    r"(?:\b(?:am|is|are|was|were)\s+|['’](?:re|m|s)\s+)(?:not|never)\s+(?:suggesting|saying|claiming|implying|alleging|accusing|"
    r"threatening|asserting)\b", re.I)
"""'This letter does not mean you have been sued': what follows is denied, whatever its verbs."""
_RIGHT_TO_STOP = re.compile(
    r"\b(?:you|consumers?)\s+(?:\w+\s+){0,2}?(?:may|can|could|have the right to|are entitled to|are free to)\s+"
    r"(?:\w+\s+){0,2}?(?:ask|request|tell|instruct|require|direct)\w*\s+(?:us|that we|the collector|our office)?\s*"
    r"(?:to\s+)?(?:stop|cease|not|never)\b", re.I)
"""'You may ask us to stop calling you at your workplace': a right, not a threat."""
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|until|otherwise|or else|failure to|failing to|failing which|should you|should this|should the|"
    r"in the event|in case|as long as|so long as|whether or not|or we will|or else)\b", re.I)
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
_VERB_NOT = re.compile(rf"\b(?:{_AUX}\s+(?:not|never|no longer)|(?<=\w)['’](?:re|s|m|ll|ve|d)\s+(?:not|never|no longer)|(?:won|wouldn|shan|shouldn|can|couldn|mustn|don|doesn|didn|"
                       rf"isn|aren|wasn|weren|hasn|haven|hadn|ain)['’]t|cannot|never)\b", re.I)
_SUBJECT_NO = re.compile(r"\b(?:no|nobody|no-one|no one|none of|neither|nothing|nowhere)\b", re.I)
_LEADING_NOT = re.compile(r"^\W*(?:and\s+|but\s+)?(?:not|never)\b", re.I)
_RELATIVE = re.compile(r"\b(?:who|whom|whose|that|which)\b", re.I)
_PROGRESSIVE = re.compile(r"^(?:(?:is|are|am|was|were|be|been|isn|aren|wasn|weren)\b|['’](?:re|s|m)\b)", re.I)
_MAIN_HAVE = re.compile(r"^\s*(?:have|has|had)\b(?=\s+(?:a|an|any|the|our|your|its|their|no)\b)", re.I)
"""'we do not have a legal department': after 'do not', 'have' is the main verb, not an auxiliary."""
_NEGATED_AFTER = re.compile(
    r"^\s*(?:\w+\s+)?(?:will|would|shall|can|could|may|might|must|is|are|was|were|has|have)\s*(?:not|n['’]t|never)\s+"
    r"(?:be\s+|been\s+|have been\s+)?(?:[\w,]+\s+){0,5}?(?:affected|impacted|harmed|touched|damaged|reported|garnished|seized|"
    r"repossessed|contacted|told|informed|involved|filed|pursued|sued|arrested|charged|taken|placed|listed|published|"
    r"shared|added|used|changed|treat|take|hold|count|report|contact|sue|seize)\b", re.I)
"""The match is the subject of a denied passive or verb: "your credit file will not be affected", "a court may not
treat ..."."""
_RELATIVE_PRONOUN = re.compile(r"^\s*(?:that\s+|which\s+)?(?:we|you|they|(?:our|this|the|that) \w+)\s+\w+", re.I)
_GERUND_AFTER = re.compile(r"^\s*(?:\w+ing|having|being)\b", re.I)


_PRE_CONDITION = re.compile(r"^\W*(?:if|should|unless|in the event|in case|once|when|whether or not|even if)\b", re.I)


def _conditional_threat(sentence: str, a: int, b: int) -> bool:
    """A condition that makes the sentence a threat: one that follows the match ("we will not sue if you pay",
    "... unless you call"), or one whose own clause holds the match ("if we do not hear from you, ..."). A condition
    that opens the sentence in a clause of its own leaves the main clause's denial standing ("If you do not pay,
    you will not be arrested"; "Should the balance remain unpaid, no lawsuit will be filed")."""
    text = _EXCEPTION_CLAUSE.sub(lambda m: " " * len(m.group(0)), sentence)
    for m in _CONDITIONAL.finditer(text):
        cue = m.group(0).lower()
        if cue == "whether or not":
            continue  # "no action will be taken ..., whether or not payment is received" threatens nothing
        if m.start() >= b and cue in ("failure to", "failing to"):
            continue  # "... since a failure to pay is not a crime": a noun phrase after the match, no condition
        if m.start() >= b:
            return True
        start, _end = _clause(text, a, b)
        if m.start() >= start:
            return True  # the condition is in the match's own clause
        head = text[:start]
        if not _PRE_CONDITION.match(head):
            return True  # a condition earlier in the sentence that does not open it ("pay, or else ...")
    return False


def _clause(sentence: str, a: int, b: int) -> tuple[int, int]:
    """The clause of ``sentence`` around [a, b)."""
    start, end = 0, len(sentence)
    cuts = []
    for m in _CLAUSE_END.finditer(sentence):
        if m.end() <= a:
            cuts.append((m.start(), m.end()))
        elif m.start() >= b:
            end = m.start()
            break
    while cuts:
        s, e = cuts.pop()
        start = e
        prev = cuts[-1][1] if cuts else 0
        # a comma after a short verbless piece is a list's, not a clause's: "No arrest, jail time or ..."
        if sentence[s:e] == "," and _LIST_PIECE.match(sentence[prev:s]) and not _FINITE.search(sentence[prev:s]):
            start = prev
            continue
        # the match stands in a later item of a list ("will not be repossessed, seized or made the subject of a
        # lien"; "not police officers, marshals or sheriffs"), or after a dangling auxiliary ("has not been, and
        # will not be, referred"): the negation of the list's head governs it
        if sentence[s:e] == "," and not _FINITE.search(sentence[e:a]) and (
                _OR_LIST.search(sentence[e:]) or _DANGLING.search(sentence[prev:s])):
            start = prev
            continue
        break
    return start, end


def denied(sentence: str, a: int, b: int) -> bool:
    """True when ``sentence`` denies what it says at [a, b) (offsets within ``sentence``)."""
    if _RIGHT_TO_STOP.search(sentence[:a]):
        return True
    if _AFFIRMING.search(sentence) or _NOT_YET.search(sentence):
        return False
    if _conditional_threat(sentence, a, b):
        return False
    if _DENIES_CLAIM.search(sentence[:a]):
        return True
    start, end = _clause(sentence, a, b)
    before = sentence[start:a]
    lead = _LEADING_NOT.match(before)
    if lead and not _GERUND_AFTER.match(before[lead.end():]):
        return True
    for m in _VERB_NOT.finditer(before):
        if _GERUND_AFTER.match(before[m.end():]) and not _PROGRESSIVE.match(m.group(0)):
            continue  # "not paying ...": the gerund is negated, not the statement ("are not accusing" is no gerund)
        between = before[m.end():]
        if _MAIN_HAVE.match(between + sentence[a:a + 8]):
            between = _MAIN_HAVE.sub(" ", between + sentence[a:a + 8])[: len(between)]
        if not _FINITE.search(between):
            return True
    for m in _SUBJECT_NO.finditer(before):
        between = before[m.end():]
        # a negative subject opening the clause governs its verb ("No one ... will contact"); a negative determiner
        # later on only its own phrase ("we have no plans to sue", but not "with no intention of paying is a crime")
        allowed = 1 if not before[:m.start()].strip() else 0
        if allowed and _RELATIVE_PRONOUN.match(between):
            allowed += 1  # "Nothing we do on this account will affect ...": the relative clause has its own verb
        if len(_FINITE.findall(between)) <= allowed and not _VERB_NOT.search(between):
            return True
    # the match itself opens with the negative subject ("no attorney has reviewed ...", "nobody will arrest"), or
    # carries the negated verb ("family members are not responsible"): a rule's phrase affirms, so a negation
    # inside it is a denial
    inside = sentence[a:b]
    if _SUBJECT_NO.match(inside) or re.search(r"\b(?:take|taking|pursue|pursuing)\s+no\b", inside, re.I):
        return True
    subject = re.fullmatch(r"[\W]*(?:(?:the|a|an|your|our|this|these|those|its|their)\s+)?", sentence[start:a], re.I) is not None
    if subject and not _FINITE.search(inside[1:]) and _NEGATED_AFTER.match(sentence[b:]):
        return True
    if subject and re.search(rf"\b{_AUX}\s*$", inside, re.I) and re.match(r"^\s*(?:not|n['’]t|never)\b", sentence[b:], re.I):
        return True  # "A court may | not treat ...": the match ends in the auxiliary the negation follows
    inside = _RELATIVE.split(inside, maxsplit=1)[0]  # "a list of borrowers who have not paid": not a denial
    for m in _VERB_NOT.finditer(inside):
        if not _GERUND_AFTER.match(inside[m.end():]):
            return True
    return False
