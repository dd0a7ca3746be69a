"""Upper case by the rules of the text's language, for the address lines USPS style asks in capitals.

``str.upper()`` knows Unicode's default mapping only, which a reader of Greek or Turkish sees as a mistake:

* **Greek** capitals carry no accents: ``Ελένη`` is ``ΕΛΕΝΗ``, not ``ΕΛΈΝΗ``. The tonos (and the polytonic
  accents and breathings) go; a diaeresis stays; and where the accent on the first vowel of ``άι``, ``όι``,
  ``έι``, ``άυ``, ``έυ``, ``όυ``, ``ούι`` showed that the two vowels are read apart, the second gets a
  diaeresis so they still are (``Μαΐου`` stays ``ΜΑΪΟΥ``, ``Κάιρο`` becomes ``ΚΑΪΡΟ``). This is what ICU's Greek
  upper-casing does (its ``el-Upper`` transform); applied to Greek letters whatever the account's locale, since
  no other language writes them.
* **Turkish and Azerbaijani** (``tr``, ``az`` locales): ``i`` is ``İ`` and ``ı`` is ``I``.
* **German** ``ß`` becomes ``SS`` (Unicode's default; the capital ``ẞ`` is allowed, not required, since 2017).
"""

from __future__ import annotations

import unicodedata

__all__ = ["upper"]

_GREEK_DROP = {"\u0301", "\u0300", "\u0342", "\u0313", "\u0314"}
"""Combining marks Greek capitals do not carry: oxia/tonos, varia, perispomeni, psili, dasia. (The
ypogegrammeni becomes the capital iota written after its vowel, as in Unicode's own mapping: ᾳ, ΑΙ.)"""
_DIAERESIS = "\u0308"
_GREEK_VOWELS_I_U = {"ι", "υ", "Ι", "Υ"}
_GREEK_VOWELS = set("αεηιουωΑΕΗΙΟΥΩ")


def _is_greek(ch: str) -> bool:
    return "\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff"


def _greek_upper(word: str) -> str:
    """Upper-case a run of text that holds Greek letters: accents dropped, diaereses kept or added."""
    out: list[str] = []  # base letters with their kept marks, decomposed
    accented_before = False  # the previous vowel carried an accent we dropped
    prev_vowel = False
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch):
            if ch == "\u0344":  # dialytika-tonos: keep the diaeresis
                out.append(_DIAERESIS)
            elif ch == "\u0345":  # ypogegrammeni
                out.append("Ι")
            elif ch in _GREEK_DROP:
                accented_before = prev_vowel
            elif ch == _DIAERESIS:
                out.append(ch)
                accented_before = False
            else:
                out.append(ch)
            continue
        if ch in _GREEK_VOWELS_I_U and prev_vowel and accented_before:
            out.append(ch.upper())
            out.append(_DIAERESIS)
            accented_before, prev_vowel = False, True
            continue
        prev_vowel = ch in _GREEK_VOWELS
        accented_before = False
        out.append(ch.upper() if ch != "ς" else "Σ")
    return unicodedata.normalize("NFC", "".join(out))


def upper(text: str, locale: str = "") -> str:
    """``text`` in capitals by its language's rules (see the module docstring); ``locale`` like ``tr_TR``."""
    lang = locale.replace("-", "_").split("_")[0].lower()
    if lang in ("tr", "az"):
        text = text.replace("i", "İ").replace("ı", "I")
    if not any(_is_greek(ch) for ch in text):
        return unicodedata.normalize("NFC", text.upper())
    out, run, greek = [], [], False
    for ch in text:
        g = _is_greek(ch) or (greek and unicodedata.combining(ch) > 0)
        if run and g != greek:
            out.append(_greek_upper("".join(run)) if greek else "".join(run).upper())
            run = []
        run.append(ch)
        greek = g
    if run:
        out.append(_greek_upper("".join(run)) if greek else "".join(run).upper())
    return unicodedata.normalize("NFC", "".join(out))
