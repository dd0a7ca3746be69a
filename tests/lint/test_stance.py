"""Stance: a sentence that denies an action or an identity is a reassurance; a threat stays a threat however it is
negated (conditionals, litotes, a negated gerund, a negation in another clause)."""

from __future__ import annotations

import pytest

from lettergen.lint import LintContext, lint_text
from lettergen.lint.stance import denied


def at(sentence: str, phrase: str) -> bool:
    a = sentence.index(phrase)
    return denied(sentence, a, a + len(phrase))


@pytest.mark.parametrize("sentence, phrase", [
    ("We will not file a lawsuit over this account.", "lawsuit"),
    ("We won't take you to court.", "court"),
    ("Your wages will never be garnished.", "garnished"),
    ("Nobody is going to arrest you because of this balance.", "arrest"),
    ("No one from our office will contact your employer.", "contact your employer"),
    ("No attorney has reviewed your account.", "attorney"),
    ("We have no plans to take this matter to court.", "court"),
    ("We are not a government agency.", "government agency"),
    ("Our staff are collection representatives, not legal counsel.", "legal counsel"),
    ("This letter is not a court summons and is not a legal filing.", "legal filing"),
])
def test_a_denial_is_recognised(sentence, phrase):
    assert at(sentence, phrase)


@pytest.mark.parametrize("sentence, phrase", [
    ("We will sue you.", "sue"),
    ("If you do not pay, we will sue.", "sue"),
    ("If we do not hear from you your account goes to a collection agency.", "collection agency"),
    ("We will not hesitate to take legal action.", "legal action"),
    ("We have no choice but to refer this to our attorneys.", "attorneys"),
    ("Nothing will stop us from garnishing your wages.", "garnishing"),
    ("Not paying what you owe could be treated as fraud.", "fraud"),
    ("Keeping goods you have not paid for is theft.", "theft"),
    ("You are nothing but a deadbeat.", "deadbeat"),
    ("Debtors like you are no better than shoplifters.", "shoplifters"),
    ("Don't make us get your family involved.", "family involved"),
    ("Consider yourself lucky we haven't lost our temper yet.", "lost our temper"),
    ("We did not want this, but the court will now decide.", "court"),
    ("Unless you pay, we will not stop calling you.", "calling"),
    ("Obtaining services with no intention of paying is a crime punishable by fines.", "crime"),
])
def test_a_threat_stays_a_threat(sentence, phrase):
    assert not at(sentence, phrase)


def test_the_linter_passes_reassurances_and_still_holds_the_threats():
    ctx = LintContext(stage="firm_notice", collector="third_party")
    assert [f.rule for f in lint_text("We will not file a lawsuit over this account.", ctx=ctx) if f.level == "error"] == []
    assert "FDCPA.ThreatOfSuit" in {f.rule for f in lint_text("We will not hesitate to file a lawsuit.", ctx=ctx)}
    assert "FDCPA.ThreatOfSuit" in {f.rule for f in lint_text("If you ignore this, we will file a lawsuit.", ctx=ctx)}
