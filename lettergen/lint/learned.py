"""The learned second opinion: a small classifier over a sentence's words, trained from the labelled corpus.

It reads what the wording rules may miss ("we will ask a judge to ...", "your paycheck could get smaller") and
says which provision a sentence looks like it breaks, with a confidence and the nearest labelled example. It is
pure Python: a multinomial logistic regression over word stems, stem pairs and concept classes, with negation
marked (every word after "not", "never", "no" ... to the end of its clause carries a ``!``, so "will not sue" and
"will sue" are different features). It runs offline, with no download, in microseconds per sentence; the weights
ship in ``lettergen/lint/model/`` and are rebuilt from the corpus by ``tools/train_lint_model.py``
(deterministic: the same corpus gives the same file).

Its findings are warnings, never errors, and only a rule of kind ``model`` in a pack (``FDCPA.LearnedWording``)
reports them; how good they are is measured like the rules' (bench/lint_quality.py, bench/README.md).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

__all__ = ["features", "concept_index", "Model", "load_model", "train", "CLEAN"]

CLEAN = "clean"
MODEL_DIR = Path(__file__).resolve().parent / "model"

_WORD = re.compile(r"\$?\d[\d,.]*%?|[a-z]+(?:['’][a-z]+)?|[.,;:!?()—–-]")
CACHE_SIZE = 4096
"""Sentences remembered per process, least recently read dropped first. A batch's template and tone sentences (a few
hundred) stay; the sentences that hold one debtor's name are read once. Unbounded, the cache grew with the batch
(~1.6 entries and ~2 KB a letter), a memory that should not grow with the letters."""
_DIGITS = re.compile(r"\d")
_NEG = {"not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "cannot", "without", "n't", "nowhere"}
_CLAUSE = {".", ",", ";", ":", "!", "?", "but", "however", "although", "unless", "if", "—", "–", "(", ")"}
_LITOTES = re.compile(r"(?:(?:will|can|could|would|is going to|'ll)\s+)?(?:hesitate|stop us|stop|force us|make us|push us|"
                      r"let (?:this|it) go|wait|choice|option|alternative|other choice|other option|rule out|think twice|"
                      r"prevent us|be able to stop|longer tolerate|leave us)\b")
_KEEP = {"is", "was", "us", "this", "has", "his", "its", "does", "yes", "news", "bus", "less", "unless", "process",
         "business", "always", "perhaps", "bias", "status", "series", "alias", "across", "plus", "thus", "various"}

Concepts = dict[str, tuple[str, ...]]
"""Concept classes: words (stems of them) that mean the same thing to a collection letter. A sentence gets the
feature ``@NAME`` for each class one of its words belongs to, so a synonym the corpus never showed still counts.
They are data in the model rule's YAML (``concepts:`` of FDCPA/LearnedWording.yml), copied into the trained model."""


def _stem(w: str) -> str:
    w = w.replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if w in _KEEP or len(w) <= 3:
        return w
    for suf, rep, minlen in (("ies", "y", 5), ("sses", "ss", 5), ("ing", "", 6), ("ed", "", 5), ("es", "", 5),
                             ("ly", "", 5), ("s", "", 4)):
        if w.endswith(suf) and len(w) >= minlen:
            if suf == "s" and w.endswith(("ss", "us", "is")):
                return w
            if suf == "es" and not w.endswith(("ches", "shes", "sses", "xes", "zes")):
                continue
            w = w[: len(w) - len(suf)] + rep
            if suf in ("ing", "ed") and len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # dialling -> dial, stopped -> stop
            return w
    return w


def _tokens(text: str) -> list[str]:
    low = text.lower().replace("’", "'")
    low = re.sub(r"n't\b", " n't", low)
    return _WORD.findall(low)


ConceptIndex = tuple[dict[str, frozenset[str]], tuple[tuple[str, str], ...]]


def concept_index(concepts: Concepts) -> ConceptIndex:
    """Stem -> the classes it belongs to, and the multi-word entries (as stem strings)."""
    single: dict[str, set[str]] = {}
    multi: list[tuple[str, str]] = []
    for name, words in concepts.items():
        for w in words:
            if " " in w:
                multi.append((" ".join(_stem(x) for x in w.split()), name))
            else:
                single.setdefault(_stem(w), set()).add(name)
    return {k: frozenset(v) for k, v in single.items()}, tuple(multi)


_NO_CONCEPTS: ConceptIndex = ({}, ())


def features(text: str, index: ConceptIndex = _NO_CONCEPTS) -> list[str]:
    """The features of one sentence: marked stems, stem pairs and concept classes (each concept also paired
    with the negation mark, and with 'we'/'you' as the sentence's first person)."""
    toks = _tokens(text)
    out: list[str] = []
    marked: list[str] = []
    neg = False
    for k, t in enumerate(toks):
        if t in _CLAUSE or (len(t) == 1 and not t.isalnum()):
            neg = False
            marked.append("|")
            continue
        if t.startswith("$") or t[:1].isdigit():
            marked.append("<num>")
            continue
        s = _stem(t)
        marked.append(("!" if neg else "") + s)
        if t in _NEG or t.replace("’", "'").removesuffix("'s") in _NEG:
            if _LITOTES.match(" ".join(toks[k + 1:k + 4])):
                marked.append("<litotes>")  # "won't hesitate to", "nothing will stop us", "don't make us": a threat
                continue
            neg = True  # "nobody's coming", "nothing's changed"
    words = [m for m in marked if m != "|"]
    out += words
    out += [f"{x}_{y}" for x, y in zip(marked, marked[1:]) if x != "|" and y != "|"]
    single, multi = index
    plain = " ".join(m.lstrip("!") for m in marked)
    concepts: set[str] = set()
    for m in marked:
        for c in single.get(m.lstrip("!"), ()):
            concepts.add(("!" if m.startswith("!") else "") + "@" + c)
    for phrase, c in multi:
        if f" {phrase} " in f" {plain} ":
            concepts.add("@" + c)
    out += sorted(concepts)
    bare = sorted({c.lstrip("!") for c in concepts})
    out += [f"{x}+{y}" for i, x in enumerate(bare) for y in bare[i + 1:]]
    out.append("<bias>")
    return out


@dataclass(frozen=True)
class Example:
    text: str
    label: str


class Model:
    """Weights per class and the labelled examples (for the nearest one), as loaded from the shipped file."""

    def __init__(self, data: dict) -> None:  # type: ignore[type-arg]
        self.classes: list[str] = data["classes"]
        self.weights: dict[str, list[float]] = data["weights"]
        """feature -> [class index, weight, class index, weight, ...], flat as stored (JSON decodes a flat list of
        numbers fastest; converting to tuples cost 0.6 s a process)"""
        self.examples: list[Example] = [Example(t, l) for t, l in data["examples"]]
        self.meta: dict = data.get("meta", {})  # type: ignore[type-arg]
        self.concepts: Concepts = {k: tuple(v) for k, v in (data.get("concepts") or {}).items()}
        self.index = concept_index(self.concepts)
        self._vectors: list[dict[str, float]] | None = None
        self._cache: OrderedDict[str, dict[str, float]] = OrderedDict()

    def probabilities(self, text: str) -> dict[str, float]:
        """P(class | sentence) for every class. Remembered per sentence text: a batch's letters repeat most of their
        sentences (the same template and tone), so each is read once per process."""
        key = _DIGITS.sub("0", text)  # amounts and dates read as <num> either way: one entry for every letter's figures
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.popitem(last=False)  # the least recently read: a sentence with one letter's name in it
            hit = self._cache[key] = self._probabilities(text)
        else:
            self._cache.move_to_end(key)
        return hit

    def _probabilities(self, text: str) -> dict[str, float]:
        scores = [0.0] * len(self.classes)
        for f in features(text, self.index):
            row = self.weights.get(f)
            if row:
                for j in range(0, len(row), 2):
                    scores[row[j]] += row[j + 1]
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp)}

    def nearest(self, text: str, label: str) -> tuple[str, float]:
        """The labelled example of ``label`` most like ``text`` (cosine of their feature sets), and the similarity."""
        if self._vectors is None:
            self._vectors = [_vector(e.text) for e in self.examples]
        v = _vector(text)
        best, score = "", -1.0
        for e, u in zip(self.examples, self._vectors):
            if e.label != label:
                continue
            s = _cosine(v, u)
            if s > score:
                best, score = e.text, s
        return best, max(score, 0.0)


def _vector(text: str) -> dict[str, float]:
    fs = [f for f in features(text) if not f.startswith(("@", "!@", "<")) and "+" not in f]
    v: dict[str, float] = {}
    for f in fs:
        v[f] = v.get(f, 0.0) + 1.0
    return v


def _cosine(u: dict[str, float], v: dict[str, float]) -> float:
    if not u or not v:
        return 0.0
    dot = sum(w * v.get(f, 0.0) for f, w in u.items())
    return dot / math.sqrt(sum(w * w for w in u.values()) * sum(w * w for w in v.values()))


@lru_cache(maxsize=4)
def load_model(name: str) -> Model:
    path = MODEL_DIR / name
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Model(json.load(fh))


def train(examples: list[Example], concepts: Concepts | None = None, epochs: int = 20, rate: float = 0.5, l2: float = 1e-4, seed: int = 13,
          min_count: int = 2) -> dict:  # type: ignore[type-arg]
    """Multinomial logistic regression by AdaGrad, deterministic for a given example list and seed. Returns the
    data :class:`Model` reads (weights rounded to 3 places, those under 0.01 and features seen fewer than ``min_count``
    times dropped)."""
    import random

    classes = sorted({e.label for e in examples} - {CLEAN}) + [CLEAN]
    index = {c: i for i, c in enumerate(classes)}
    concepts = {k: tuple(v) for k, v in (concepts or {}).items()}
    cindex = concept_index(concepts)
    feats = [features(e.text, cindex) for e in examples]
    counts: dict[str, int] = {}
    for fs in feats:
        for f in set(fs):
            counts[f] = counts.get(f, 0) + 1
    keep = {f for f, n in counts.items() if n >= min_count}
    feats = [[f for f in fs if f in keep] for fs in feats]
    k = len(classes)
    w: dict[str, list[float]] = {f: [0.0] * k for f in keep}
    g2: dict[str, list[float]] = {f: [1e-8] * k for f in keep}
    order = list(range(len(examples)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for j in order:
            fs, y = feats[j], index[examples[j].label]
            scores = [0.0] * k
            for f in fs:
                row = w[f]
                for c in range(k):
                    scores[c] += row[c]
            top = max(scores)
            exp = [math.exp(s - top) for s in scores]
            z = sum(exp)
            grad = [e / z for e in exp]
            grad[y] -= 1.0
            for f in fs:
                row, acc = w[f], g2[f]
                for c in range(k):
                    g = grad[c] + l2 * row[c]
                    acc[c] += g * g
                    row[c] -= rate * g / math.sqrt(acc[c])
    weights = {f: [v for c, x in enumerate(row) if abs(x) >= 0.01 for v in (c, round(x, 3))] for f, row in sorted(w.items())}
    return {"classes": classes, "concepts": concepts, "weights": {f: p for f, p in weights.items() if p},
            "examples": [[e.text, e.label] for e in examples]}
