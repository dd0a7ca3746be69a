"""Train the learned second opinion of the wording linter (lettergen/lint/learned.py) from the labelled corpus.

    .venv/bin/python tools/train_lint_model.py            # write lettergen/lint/model/fdcpa.json.gz
    .venv/bin/python tools/train_lint_model.py --cv       # leave-one-writer-out figures, nothing written

Training data: the sentences of the shipped templates and tone profiles (clean: approved), the tuning corpus (tests/data/lint_corpus.yaml), its parts by other writers
(tests/data/lint_corpus_more/*.yaml) and the held-out rounds that have been measured and so joined the tuning data
(tests/data/lint_heldout/*.yaml). A round still to be measured must not be in those folders when this runs.

``--cv`` holds each writer's file out in turn, trains on the rest and scores the file with the rules alone, the
model alone and both, at several thresholds: a writer the model never saw stands in for sentences nobody has shown
us. Those figures choose the threshold; they are still in-sample for the rules (the rules were tuned on all files).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lettergen.lint.learned import CLEAN, MODEL_DIR, Example, Model, train  # noqa: E402

OUT = MODEL_DIR / "fdcpa.json.gz"
RULE = ROOT / "lettergen" / "rules" / "FDCPA" / "LearnedWording.yml"


def concepts() -> dict[str, list[str]]:
    """The concept classes, as legal reads them in the model rule's YAML."""
    return yaml.safe_load(RULE.read_text(encoding="utf-8")).get("concepts") or {}


def sources() -> list[Path]:
    data = ROOT / "tests" / "data"
    return [data / "lint_corpus.yaml", *sorted((data / "lint_corpus_more").glob("*.yaml")),
            *sorted((data / "lint_heldout").glob("*.yaml"))]


def load(path: Path) -> list[Example]:
    from lint_quality import normalise

    out = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        p = item.get("provision")
        out.append(Example(str(item["text"]), normalise(str(p)) if p else CLEAN))
    return out


def templates() -> list[Path]:
    return sorted((ROOT / "letter_templates").rglob("*.htm*"))


def tone_profiles() -> list[Path]:
    return sorted((ROOT / "tone_profiles").glob("*.yaml"))


def trained_on() -> list[Path]:
    """Every file the model learns from, in the order its hash (``corpus_sha256``) reads them."""
    return sources() + templates() + tone_profiles()


def shipped() -> list[Example]:
    """The sentences of the shipped letter templates and tone profiles, as clean examples: legal approved them
    (approvals.yaml), and a letter made of them must lint clean."""
    from lettergen.lint.text import template_doc, tone_doc

    out: list[Example] = []
    docs = [template_doc(p) for p in templates()] + [tone_doc(p) for p in tone_profiles()]
    for doc in docs:
        for seg in doc.segments:
            for a, b in doc.sentences_of(seg):
                text = " ".join(doc.text[a:b].split())
                if len(text.split()) >= 3:
                    out.append(Example(text, CLEAN))
    return sorted(set(out), key=lambda e: e.text)


def corpus_hash(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _fold(args):  # type: ignore[no-untyped-def]
    names, groups, held = args
    return train([e for g in names if g != held for e in groups[g]], concepts())


def cross_validate(groups: dict[str, list[Example]], thresholds: list[float]) -> None:
    from lint_quality import cites, context
    from lettergen.lint import lint_text, load_packs

    packs = tuple(p for p in load_packs(names=["FDCPA"]))
    packs = tuple(type(p)(**{**p.__dict__, "rules": tuple(r for r in p.rules if r.extends != "model")}) for p in packs)
    ctx = context()
    totals: dict[str, list[int]] = {}
    from concurrent.futures import ProcessPoolExecutor

    names = list(groups)
    with ProcessPoolExecutor() as pool:  # one fold a core; each trains on every other writer
        models = dict(zip(names, pool.map(_fold, [(names, groups, held) for held in names])))
    for held, items in groups.items():
        model = Model(models[held])
        rule_hits = []
        for e in items:
            found = [f for f in lint_text(e.text, packs=packs, ctx=ctx) if f.level in ("error", "warning")]
            rule_hits.append((any(cites(f.citation, e.label) for f in found) if e.label != CLEAN else False, bool(found)))
        probs = [model.probabilities(e.text) for e in items]
        line = [held]
        for name, t in [("rules", None)] + [(f"model>{x}", x) for x in thresholds] + [(f"both>{x}", -x) for x in thresholds]:
            caught = bad = fp = clean = 0
            for e, (rhit, rany), pr in zip(items, rule_hits, probs):
                top = max((c for c in pr if c != CLEAN), key=lambda c: pr[c])
                mflag = t is not None and pr[top] >= abs(t)
                if e.label == CLEAN:
                    clean += 1
                    fp += (rany if t is None or t < 0 else False) or (mflag if t is not None else False)
                else:
                    bad += 1
                    mhit = mflag and top == e.label
                    caught += (rhit if t is None or t < 0 else False) or (mhit if t is not None else False)
            tot = totals.setdefault(name, [0, 0, 0, 0])
            for i, v in enumerate((caught, bad, fp, clean)):
                tot[i] += v
            line.append(f"{name} {caught}/{bad} fp {fp}/{clean}")
        print(" | ".join(line))
    print("\nall writers held out in turn:")
    for name, (c, b, f, n) in totals.items():
        print(f"  {name:10s} recall {c / b:.3f} ({c}/{b})  false positives {f / n:.3f} ({f}/{n})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cv", action="store_true", help="leave-one-writer-out figures; write nothing")
    ap.add_argument("--thresholds", default="0.5,0.6,0.7,0.8,0.9")
    a = ap.parse_args()
    groups = {p.stem: load(p) for p in sources()}
    groups["shipped templates"] = shipped()
    paths = trained_on()
    if a.cv:
        cross_validate(groups, [float(x) for x in a.thresholds.split(",")])
        return 0
    data = train([e for xs in groups.values() for e in xs], concepts())
    data["meta"] = {"trained_on": [str(p.relative_to(ROOT)) for p in paths], "sentences": sum(len(x) for x in groups.values()),
                    "corpus_sha256": corpus_hash(paths)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    with open(OUT, "wb") as fh:
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=9) as gz:
            gz.write(raw)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data['weights'])} features, {len(data['classes'])} classes, "
          f"{data['meta']['sentences']} sentences, {OUT.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
