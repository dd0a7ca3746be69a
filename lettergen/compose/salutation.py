"""The salutation a person would write: "Mr Harrington" in "Dear Mr Harrington," (the tone profile adds "Dear").

In order:

1. the export's ``salutation`` column, as given ("Dear " and a final comma are taken off, the tone adds them);
2. the person named in the attention line, or else in the name, when one of them names a person:
   with an honorific, the honorific in the letter's language (English: a German *Herr*/*Herrn* is *Mr*,
   *Frau* is *Ms*, a French *M.* *Mr*, *Mme* *Ms*, a Spanish *Sr.* *Mr* ...) and the surname; without one,
   the full name ("Dear Margaret O'Connell");
3. "Sir or Madam" when only an organisation or a department is named (an attention line is a line of the
   envelope, not a salutation: "Accounts Payable Department" is not a person).

British usage (an ``en_GB``, ``en_IE``, ``en_AU``, ``en_NZ`` or ``en_ZA`` letter) writes Mr, Mrs, Ms, Dr
without a full stop; American usage with one.
"""

from __future__ import annotations

import re

from lettergen.models import Account

__all__ = ["salutation", "is_organisation", "BRITISH_REGIONS"]

BRITISH_REGIONS = frozenset({"GB", "UK", "IE", "AU", "NZ", "ZA"})

# honorific as written (lower case, without its full stop) -> the English one
_HONORIFICS: dict[str, str] = {
    "mr": "Mr", "mister": "Mr", "mrs": "Mrs", "ms": "Ms", "miss": "Miss", "mx": "Mx", "dr": "Dr", "doctor": "Dr",
    "prof": "Professor", "professor": "Professor",
    # German (also the accusative/dative forms a German export writes on an envelope: "Herrn")
    "herr": "Mr", "herrn": "Mr", "frau": "Ms", "fräulein": "Miss", "fr": "Ms", "hr": "Mr",
    # French, Spanish, Italian, Portuguese, Dutch
    "m": "Mr", "monsieur": "Mr", "mme": "Ms", "madame": "Ms", "mlle": "Miss", "mademoiselle": "Miss",
    "sr": "Mr", "señor": "Mr", "sra": "Ms", "señora": "Ms", "srta": "Miss", "señorita": "Miss",
    "don": "Mr", "doña": "Ms", "sig": "Mr", "signor": "Mr", "sig.ra": "Ms", "signora": "Ms",
    "dhr": "Mr", "mevr": "Ms", "mw": "Ms",
}
_TITLES_KEPT = {"dr", "doctor", "prof", "professor"}  # "Herr Dr. Müller" -> "Dr Müller"
_DOTTED = {"Mr", "Mrs", "Ms", "Dr", "Mx"}  # written "Mr." in American usage

_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "la", "le", "ten", "ter", "zu", "dos",
              "das", "do", "af", "al", "bin", "ibn", "ap", "mac", "st", "st."}

_ORG_WORDS = re.compile(
    r"\b(?:llc|l\.l\.c|inc|incorporated|corp|corporation|co|company|ltd|limited|plc|llp|lp|gmbh|ag|kg|ohg|ug|se|"
    r"sarl|sas|sa|srl|spa|bv|nv|oy|ab|as|aps|pty|pte|kk|group|holdings?|partners(?:hip)?|associates|"
    r"services|solutions|systems|industries|enterprises|trust|foundation|bank|university|college|school|hospital|"
    r"clinic|council|church|society|association|club|cooperative|co-op|department|dept|team|office|division|"
    r"accounts|payable|receivable|finance|billing|purchasing|procurement|administration|management|"
    r"abteilung|buchhaltung|verwaltung|e\.v|ev|mail room|reception|&)\b\.?",
    re.IGNORECASE,
)
_ATTN = re.compile(r"^\s*(?:attn|attention|att|z\.?\s*hd\.?|zu händen(?: von)?|c/o|care of|a/a|à l'attention de)\s*[:.]?\s*",
                   re.IGNORECASE)


def is_organisation(text: str) -> bool:
    """Whether ``text`` names an organisation or a department rather than a person (by its words: LLC, GmbH,
    Department, Accounts Payable, an ampersand ...)."""
    return bool(_ORG_WORDS.search(text)) or "&" in text


def _person(text: str, attention: bool) -> str | None:
    """The person named in an attention line or a name: "Attn: Ms. Jane Roe, Accounts Payable" and "Accounts
    Payable Department, Attn: Ms. Jane Roe" give "Ms. Jane Roe"; None when it names no person. A name is taken
    whole, as typed; an attention line is read part by part (its parts are a person and a role)."""
    parts = re.split(r"\s*(?:,|;|\s[-–—/]\s|\(|\))\s*", text or "") if attention else [text or ""]
    for part in parts:
        part = _ATTN.sub("", part).strip()
        if not part or is_organisation(part):
            continue
        if all(w.rstrip(".").lower() in _HONORIFICS for w in part.split()):
            continue  # an honorific alone
        return part
    return None


def _split_honorifics(words: list[str]) -> tuple[list[str], list[str]]:
    """(honorifics and titles at the front, the name's words)."""
    front: list[str] = []
    while words and words[0].rstrip(".").lower() in _HONORIFICS and len(words) > 1:
        front.append(words.pop(0).rstrip(".").lower())
    return front, words


def _surname(words: list[str], locale: str) -> str:
    """The family name: from the first particle (van der Berg) on, else the last word; in Spanish and
    Portuguese, with three or more words, the last two (Hernández García)."""
    if len(words) == 1:
        return words[0]
    for i, w in enumerate(words[1:], 1):
        if w.lower() in _PARTICLES:
            return " ".join(words[i:])
    lang = locale.split("_")[0].lower()
    if lang in ("es", "pt") and len(words) >= 3:
        return " ".join(words[-2:])
    return words[-1]


def british(locale: str, country: str = "") -> bool:
    """British usage for ``locale`` (``en_GB`` ...): honorifics without a full stop."""
    parts = locale.replace("-", "_").split("_")
    region = parts[1].upper() if len(parts) > 1 else ""
    return parts[0].lower() == "en" and (region in BRITISH_REGIONS or (not region and country.upper() in BRITISH_REGIONS))


def _honorific(english: str, locale: str, country: str) -> str:
    if english in _DOTTED and not british(locale, country):
        return english + "."
    return english


def salutation(account: Account) -> str:
    """What follows "Dear" in ``account``'s letter (see the module docstring)."""
    given = (account.salutation or "").strip()
    if given:
        given = re.sub(r"^dear\s+", "", given, flags=re.IGNORECASE).rstrip(" ,").strip()
        if given:
            return given
    locale, country = account.locale, account.address.country
    for source, attention in ((account.attention, True), (account.name, False)):
        person = _person(source or "", attention)
        if person is None:
            continue
        front, words = _split_honorifics(person.split())
        if not front:
            return " ".join(words)
        titles = [f for f in front if f in _TITLES_KEPT]
        english = _HONORIFICS[titles[-1] if titles else front[0]]
        return f"{_honorific(english, locale, country)} {_surname(words, locale)}"
    return "Sir or Madam"
