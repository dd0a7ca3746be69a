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


@pytest.mark.parametrize("sentence, phrase", [
    ("We do not keep or share any list of customers who have not paid.", "list of customers"),
    ("Your vehicle will not be repossessed, seized or made the subject of a lien.", "lien"),
    ("We are not going to seize, repossess or sell anything you own.", "repossess"),
    ("No arrest, jail time or criminal charge can result from owing this money.", "jail"),
    ("This account has not been, and will not be, referred for prosecution.", "prosecution"),
    ("If you do not pay, you will not be arrested.", "arrested"),
    ("Should the balance remain unpaid, no lawsuit will be filed by this agency.", "lawsuit"),
    ("This letter does not mean you have been sued.", "sued"),
    ("You may ask us to stop calling you at your workplace.", "calling you at your workplace"),
    ("Your spouse is not responsible for this debt unless they also signed the agreement.", "spouse is not responsible"),
    ("We will not take any money from your bank account unless you give us permission.", "take any money"),
    ("We're not gonna sue you over this.", "sue"),
    ("We're not accusing you of fraud.", "fraud"),
    ("We do not have a legal department.", "legal department"),
    ("Your credit file will not be affected.", "Your credit file"),
    ("The police have not been, and will not be, contacted about this account.", "police"),
    ("No action will be taken to contact your employer, whether or not payment is received.", "contact your employer"),
])
def test_lists_leading_conditions_and_contractions_keep_the_denial(sentence, phrase):
    assert at(sentence, phrase)


@pytest.mark.parametrize("sentence, phrase", [
    ("We will not sue you if you pay.", "sue"),  # the condition after the denial makes it a threat
    ("If we do not hear from you, legal action will follow.", "legal action"),
    ("Do not ignore this letter, court action follows.", "court action"),
    ("Your credit will never recover.", "credit"),
    ("Pay now, or we will sue.", "sue"),
    ("We will not stop calling you if you ignore us.", "calling"),
])
def test_what_the_new_readings_leave_a_threat(sentence, phrase):
    assert not at(sentence, phrase)
