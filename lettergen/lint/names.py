"""Proper names that share a watched word: "Police Athletic League", "Sheriff Street Auto Repair", "Lien Nguyen
Family Dental", "Arrest-A-Leak sealant", "Garnish & Grill Catering", "Dr. Alice Lien".

A business, product or person named with a word the wording rules watch (police, sheriff, lien, garnish, arrest,
prison, jail, credit score ...) is invoice text, not a threat (shared/COMPLIANCE.md: words are not violations by
themselves). A rule marked ``stance: affirmed`` skips a match that :func:`in_name` finds inside such a name.

A match is inside a name when every word of it is capitalised and it stands in a run of capitalised words (joined
by ``&``, ``'s``, ``of``, ``the``, hyphens) that

* ends in a word that names a business or a place (Clinic, League, Catering, Studio, LLC, Street, Magazine ...), or
* is a hyphenated compound ("Arrest-A-Leak", "Arrest-Free"), or
* is a person's name: a title before it ("Dr. Alice Lien", "Ms. Rhonda Sheriff"), a field label before it
  ("Patient name: Sheriff A. Coleman"), a job title after it ("Lien Nguyen, Patient Accounts Representative"), or
  another capitalised word after it that is no authority ("Alice Lien"), or
* has the word as a modifier inside a longer name whose head is no authority ("Ford Police Interceptor Utility");

and is not headed by a word that names an authority or a record ("Springfield Police", "the Sheriff's Office",
"the County Court", "Credit Bureau", "your Credit Report" stay threats). A sentence written in title case (a
headline: most words capitalised) has no such names: there the capitals say nothing.
"""

from __future__ import annotations

import re

__all__ = ["in_name"]

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.]*(?:-[A-Za-z0-9][A-Za-z0-9'’]*)*|&|[^\sA-Za-z0-9]")
_JOINERS = {"&", "of", "the", "and", "at", "de", "du", "la", "le", "von", "van", "a"}
_TITLES = {"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx.", "prof", "prof.", "rev", "rev.", "sr.", "jr."}
_LABELS = {"name", "patient", "customer", "client", "member", "debtor", "consumer", "borrower", "cardholder", "guarantor",
           "payee", "tenant", "resident", "attn", "attention", "contact", "representative", "rep", "from", "signed",
           "officer", "agent", "handler", "manager", "caseworker", "student", "pupil", "owner", "author"}
"""Field labels a person's name follows ("Patient name: ...", "Attn: ...")."""
_ROLES = {"representative", "manager", "specialist", "coordinator", "supervisor", "agent", "associate", "analyst",
          "director", "administrator", "advisor", "adviser", "assistant", "clerk", "accountant", "counselor",
          "consultant", "receptionist", "owner", "president", "controller", "treasurer", "secretary", "chair",
          "ceo", "cfo", "coo", "vp", "partner", "bookkeeper", "collector", "lead", "dds", "md", "dvm", "cpa", "rn", "np"}
"""Job titles that follow a person's name in a signature line ("Lien Nguyen, Patient Accounts Representative")."""
_PERSON_AUTHORITY = {"sheriff", "judge", "marshal", "constable", "trooper", "deputy", "counsel", "law"}
"""Authority words that are also surnames: after a title ("Ms. Rhonda Sheriff", "Mr. Alan Judge") they are names."""
_CALENDAR = set("monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
                "august september october november december today tomorrow".split())
"""A capitalised weekday or month beside the word is a date, not a surname ("in Court Monday")."""
_LEAD = {"the", "a", "an", "to", "in", "into", "at", "before", "from", "for", "of", "on", "with", "by"}
_HEADLINE_WORDS = {"will", "be", "you", "your", "is", "are", "before", "now", "must", "has", "have", "been", "we", "our",
                   "this", "if", "or", "unless", "face", "may", "can", "get", "pay"}
BUSINESS = frozenset("""
llc l.l.c. inc inc. ltd ltd. co co. corp corp. company corporation group plc gmbh lp llp pllc
clinic clinics dental dentistry dentist orthodontics pharmacy medical health hospital practice veterinary vet
studio studios catering caterers grill kitchen cafe café restaurant bistro bar pub tavern taproom brewing brewery
bakery pizza diner deli foods food market shop store stores boutique outlet supply supplies hardware
league club society association foundation fund charity trust church chapel choir band orchestra
magazine gazette times monthly weekly journal press news radio tv books bookstore publishing records films
productions pictures games toys tours travel hotel inn motel lodge resort spa salon barbers fitness gym yoga
school academy college institute university camp ranch farm farms gardens nursery vineyard winery
repair repairs auto motors garage plumbing electric roofing cleaning services solutions systems software labs
media design designs gallery museum theatre theater cinema arena stadium park
union bank savings lending
street st st. road rd rd. avenue ave ave. lane ln drive dr boulevard blvd way place plaza square court-yard
meadow meadows hill hills creek river valley bay beach heights
control science sciences studies course courses class classes elective curriculum center centre mall shopping bbq barbecue smokehouse steakhouse grillhouse cafeteria pantry truck trucks utility interceptor sedan coupe wagon
break rooms room escape sealant kit kits plan edition series show app apps pro plus tv storage rodeo set sets toy
scanner monitoring security mobile shield guard playhouse grounds marina network directory
""".split())
"""Words that end a business, place or product name."""
_ORGANISATION = frozenset("llc l.l.c. inc inc. ltd ltd. corp corp. plc gmbh llp pllc league club society association foundation "
                          "charity choir band orchestra academy school college camp".split())
"""Heads that make a name an organisation's even when an authority's name is inside it ("County Police Athletic League")."""
AUTHORITY = frozenset("""
police sheriff sheriffs sheriff's marshal marshals constable constables trooper troopers deputy deputies officer officers
department dept dept. office offices bureau bureaus agency agencies division unit authority force service
court courts tribunal judge judges magistrate commission commissioner state county federal government
attorney attorneys lawyer lawyers counsel solicitor solicitors law
report reports record records history rating score file time warrant warrants order orders
experian equifax transunion fico vantagescore innovis irs fbi
chief captain lieutenant sergeant detective inspector patrol squad summons subpoena hearing notice action proceedings
case claim lawsuit suit judgment judgement enforcement warrant referral courtroom courthouse courtrooms
""".split())
"""Words that head an authority, a legal process or a credit record: a run ending in one is no harmless name."""


def _cap(tok: str) -> bool:
    return tok[:1].isupper() or tok[:1].isdigit()


def _words(tokens: list[tuple[str, int, int]]) -> list[str]:
    return [t for t, _, _ in tokens]


def matched_words(toks: list[tuple[str, int, int]], inside: list[int]) -> set[str]:
    return {toks[i][0].lower().rstrip(".,") for i in inside}


_ASK = re.compile(r"\b(?:ask\s+for|speak\s+(?:to|with)|talk\s+(?:to|with)|contact|call|reach|email|e-mail|write\s+to)\s+$", re.I)
_OURS = re.compile(r"^\s*(?:,\s*)?(?:on|in|at|from|of)\s+our\b|^\s*(?:,\s*)?(?:on|in|from)\s+(?:the\s+)?(?:customer|client|member|patient|billing|"
                   r"accounts?|payments?|collections?|service)\b|^\s*(?:,\s*)?(?:at\s+)?(?:ext\.?|extension|x)\s*\d", re.I)


def _staff_reference(sentence: str, toks: list[tuple[str, int, int]], lo: int, hi: int) -> bool:
    """A name the reader is told to ask for on the sender's own staff: "ask for Dana Sheriff on our payments team",
    "call Lien Ho at extension 214"."""
    return bool(_ASK.search(sentence[:toks[lo][1]]) and _OURS.search(sentence[toks[hi][2]:]))


def _role_follows(words: list[str]) -> bool:
    """The words after a comma are a job title: capitalised words reaching a role ("Patient Accounts Representative")."""
    for w in words:
        if not w[:1].isupper():
            return False
        if w.lower().rstrip(".,") in _ROLES:
            return True
    return False


def in_name(sentence: str, a: int, b: int) -> bool:
    """True when the words at [a, b) of ``sentence`` are part of a business, product or person's name."""
    toks = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]
    words = [t for t in toks if t[0][:1].isalpha()]
    if (not any(t[0][:1].islower() and len(t[0]) >= 4 for t in words)
            and any(t[0].lower() in _HEADLINE_WORDS for t in words)):
        return False  # a headline in title case ("Final Notice Before Arrest"): no name has these words
    inside = [i for i, (_t, s, e) in enumerate(toks) if s < b and a < e]
    while len(inside) > 1 and toks[inside[0]][0].lower() in _LEAD:
        inside = inside[1:]  # "the Attorney Street post office", "to the Courtroom Classics channel": not the name
    if not inside or not all(_cap(toks[i][0]) for i in inside if toks[i][0][:1].isalpha()):
        return False
    if any(re.fullmatch(r"[A-Z][a-z]+[A-Z]\w*", toks[i][0]) and toks[i][0].lower() not in AUTHORITY for i in inside):
        return True  # a brand in CamelCase: FraudShield, PoliceOne
    lo, hi = inside[0], inside[-1]
    # grow the run of capitalised words (and joiners between them) both ways
    while lo > 0 and (_cap(toks[lo - 1][0]) and toks[lo - 1][0][:1].isalnum()
                      or toks[lo - 1][0].lower() in _JOINERS and lo > 1 and _cap(toks[lo - 2][0])):
        lo -= 1
    while hi + 1 < len(toks) and (_cap(toks[hi + 1][0]) and toks[hi + 1][0][:1].isalnum()
                                  or toks[hi + 1][0].lower() in _JOINERS and hi + 2 < len(toks) and _cap(toks[hi + 2][0])):
        hi += 1
    run = [t.lower().rstrip(".,") for t in _words(toks[lo:hi + 1])]
    run = [t for t in run if t not in _JOINERS or t == "&"]
    last = run[-1].replace("’", "'") if run else ""
    if run and run[0] in _TITLES or lo > 0 and toks[lo - 1][0].lower() in _TITLES:
        return last not in AUTHORITY or last in _PERSON_AUTHORITY  # Dr. Alice Lien, Ms. Rhonda Sheriff
    names = [t for t in run if t != "&"]
    if len(names) >= 2 and not any(t in AUTHORITY for t in names if t not in matched_words(toks, inside)):
        if lo >= 2 and toks[lo - 1][0] == ":" and toks[lo - 2][0].lower() in _LABELS:
            return True  # Patient name: Sheriff A. Coleman
        if lo >= 2 and toks[lo - 1][0] == "," and toks[lo - 2][0].lower() in _ROLES:
            return True  # Our accounts manager, Sheriff Adeyemi, can answer billing questions
        if _staff_reference(sentence, toks, lo, hi):
            return True  # Ask for Dana Sheriff on our payments team
        if (hi + 2 < len(toks) and toks[hi + 1][0] == ","
                and _role_follows(_words(toks[hi + 2:hi + 8]))):
            return True  # Lien Nguyen, Patient Accounts Representative
    head = run[-1].replace("’", "'") if run else ""
    matched = {t.lower().rstrip(".,") for t, _s, _e in (toks[i] for i in inside)}
    if head in _ORGANISATION and not (head in matched):
        return True  # "the Franklin County Police Athletic League": an organisation, whatever its name holds
    if any(t.replace("’", "'").removesuffix("'s") in AUTHORITY for t in run if t not in matched):
        return False  # "the Department of Homeland Security", "Sheriff's Office": an authority's name
    if head in AUTHORITY or head.endswith("'s") and head[:-2] in AUTHORITY:
        return False
    if head in BUSINESS or any(t in BUSINESS for t in run if t not in matched):
        return True  # "Police Athletic League of Miami", "Sheriff's Posse Rodeo Grounds"
    if any(re.fullmatch(r"[A-Z][\w'’]*(?:-[\w'’]+)*-[A-Z0-9][\w'’]*", toks[i][0]) for i in inside):
        return True  # Arrest-A-Leak, Arrest-Free (every part capitalised; not "Small-claims")
    if "&" in run:
        return True  # Garnish & Thyme
    sentence_start = lo == 0 or toks[lo - 1][0] in (":", '"', "“", "(")
    if (len(run) >= 3 and not sentence_start and inside[0] > lo and inside[-1] < hi and head not in BUSINESS
            and not any(t in AUTHORITY for t in run if t not in matched)):
        return True  # Ford Police Interceptor Utility: the word modifies the name's head, which is no authority
    # a person's name: the watched word beside another capitalised word that is not sentence-initial
    return (len(names) >= 2 and not sentence_start and not any(t in AUTHORITY for t in names)
            and not any(t in _CALENDAR for t in names))
