"""A watched word inside a business, product or person's name is invoice text; an authority's name is not."""

from __future__ import annotations

import pytest

from lettergen.lint import LintContext, lint_text, load_packs
from lettergen.lint.names import in_name


def named(sentence: str, word: str) -> bool:
    a = sentence.index(word)
    return in_name(sentence, a, a + len(word))


@pytest.mark.parametrize("sentence, word", [
    ("This balance relates to a Police Athletic League youth membership.", "Police"),
    ("Services provided by Sheriff Street Auto Repair, 44 Sheriff Street.", "Sheriff"),
    ("Creditor: Dr. Alice Lien, Family Dentistry.", "Lien"),
    ("The services were provided by Lien Nguyen Family Dental.", "Lien"),
    ("Original creditor: Garnish & Thyme Catering Co.", "Garnish"),
    ("Invoice item: Arrest-a-Leak plumbing repair, 2 hours, $180.", "Arrest"),
    ("Renewal notice: FraudShield Pro fraud-prevention software licence.", "FraudShield"),
    ("The purchase was made at the Penitentiary Brewing Company taproom.", "Penitentiary"),
    ("Ms. Rhonda Sheriff in our payments unit can help you set up a plan.", "Sheriff"),  # title + surname
    ("Patient name: Sheriff A. Coleman", "Sheriff"),  # a field label
    ("Lien Nguyen, Patient Accounts Representative, ext. 118", "Lien"),  # a signature line
    ("Ask for Dana Sheriff on our payments team.", "Sheriff"),  # the sender's own staff
    ("Your auto loan financed a 2019 Ford Police Interceptor Utility.", "Police"),  # a modifier inside a name
    ("The practice is located next to the Sheriff's Row Shopping Center.", "Sheriff"),
    ("Please ask for Dana Sheriff in customer care if you'd like to schedule a visit.", "Sheriff"),
    ("Contact officer: Daniel Sheriff, Client Services.", "Sheriff"),
    ("Our staff volunteer each spring with the Franklin County Police Athletic League.", "Police"),  # an organisation
    ("Elective: Junior Detectives and Police Science, Grade 7.", "Police"),
    ("Our accounts manager, Sheriff Adeyemi, can answer billing questions.", "Sheriff"),  # after a job title
    ("Vendor invoice: Judgement Day Pest Control, quarterly service for Suite 4.", "Judgement"),
])
def test_business_product_and_person_names(sentence, word):
    assert named(sentence, word)


@pytest.mark.parametrize("sentence, word", [
    ("The Springfield Police will visit you.", "Police"),
    ("Officers from the Sheriff's Office will call at your home.", "Sheriff"),
    ("We will report you to the Credit Bureau.", "Credit"),
    ("We will report you to TransUnion.", "TransUnion"),
    ("We will notify Experian and Equifax of the unpaid balance.", "Experian"),
    ("Final Notice Before Arrest Warrant", "Arrest"),  # a headline: the capitals say nothing
    ("Small-claims action is our next step.", "Small-claims"),
    ("Police will be called if you do not pay.", "Police"),
    ("Call Sheriff Dale at the county office before Friday.", "Sheriff"),  # a sheriff, not staff
    ("Springfield Police Chief Daniels will be notified.", "Police"),
    ("You will receive a County Court Summons next week.", "Court"),
    ("We'll see you in the Courtroom Monday.", "in the Courtroom"),  # a date is no surname
    ("Expect a visit from Deputy Sheriff Mills.", "Sheriff"),
    ("Please ask for Sheriff Okafor at the county office.", "Sheriff"),
])
def test_authorities_headlines_and_ordinary_words_are_not_names(sentence, word):
    assert not named(sentence, word)


def test_the_rules_skip_names_but_not_threats():
    packs = load_packs(names=["FDCPA"])
    ctx = LintContext(stage="firm_notice", collector="third_party", actions={"firm_notice": frozenset()})
    assert not [f for f in lint_text("Your account with Sheriff's Meadow Veterinary Clinic shows $215.00.", packs=packs, ctx=ctx)
                if f.level == "error"]
    assert any(f.rule == "FDCPA.ThreatOfArrest" for f in lint_text("The County Sheriff will come to your home.", packs=packs, ctx=ctx))
