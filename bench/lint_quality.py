"""How good the wording linter is: recall per provision and false positives, on the tuning corpus (in-sample) and on
held-out rounds the rules were never tuned on.

    .venv/bin/python bench/lint_quality.py                   # every round, both pack settings
    .venv/bin/python bench/lint_quality.py --round 2026-12-01 --show-misses

Each sentence is linted as ``lettergen lint FILE --stage firm_notice --policy P`` lints a text file, with P the
sample policy made third-party (``collector: third_party``, the sample stages' intended actions), once with the
FDCPA pack alone (``--pack FDCPA``, how issue 13 was scored) and once with every shipped pack (the batch gate).

* A violation is **caught** when an error or warning cites its provision (``15 U.S.C. 1692e(5)`` cites 1692e(5);
  1692e(10) does not cite 1692e(1)).
* A clean sentence is a **false positive** when any error or warning is found in it, whatever it cites; the
  errors-only rate counts errors alone.

The tuning corpus (tests/data/lint_corpus.yaml, lint_corpus_more/) is what the rules were written against: its
figures are in-sample. A held-out round is written before the change it measures, by someone who has not read the
rules (tests/data/lint_unseen/PROMPT.md), and measured once; its figure goes into bench/README.md with its date.
Rounds in tests/data/lint_unseen/ have not been tuned on: theirs are the held-out figures (printed for each round
and together). A round that has been tuned on moves to tests/data/lint_heldout/ and is in-sample from then on.
See bench/README.md, "Lint quality".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lettergen.lint.spec import cites  # noqa: E402  (one definition of "a finding cites a provision", the engine's)
CORPUS = ROOT / "tests" / "data" / "lint_corpus.yaml"
HELDOUT = ROOT / "tests" / "data" / "lint_heldout"
MORE = ROOT / "tests" / "data" / "lint_corpus_more"
"""More tuning sentences, one file per writer (helpers who read only shared/COMPLIANCE.md)."""
UNSEEN = ROOT / "tests" / "data" / "lint_unseen"
"""Rounds measured once on the shipped rules and model and never tuned on (not in tools/train_lint_model.py's data):
the only held-out figures this script prints. Their writers were told the firm notice declares agency_referral
(tests/data/lint_unseen/PROMPT.md), so they are scored in that context."""
UNSEEN_DECLARES = ("agency_referral",)


def normalise(provision: str) -> str:
    """'15 U.S.C. § 1692e(5)' and '1692e (5)' -> '1692e(5)'."""
    p = re.sub(r"^(?:15\s*U\.?S\.?C\.?\s*)?§?\s*", "", provision.strip())
    return re.sub(r"\s+", "", p)


def context(declare: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """The sample policy made third-party; ``declare`` adds intended actions to the firm notice (the sample declares
    none there), e.g. ``agency_referral`` for writers who were told the firm really refers accounts."""
    from lettergen.config.policy import Policy
    from lettergen.lint import LintContext

    policy = Policy.from_yaml(ROOT / "samples" / "policy.yaml")
    actions = {s.name: frozenset(s.intended_actions) | (frozenset(declare) if s.name == "firm_notice" else frozenset())
               for s in policy.stages}
    return LintContext(stage="firm_notice", collector="third_party", actions=actions)


def score(items: list[dict], packs, ctx) -> dict:  # type: ignore[no-untyped-def]
    from lettergen.lint import lint_text

    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    caught = n_bad = n_clean = fp = fp_err = 0
    misses, false_pos = [], []
    for item in items:
        found = [f for f in lint_text(item["text"], packs=packs, ctx=ctx) if f.level in ("error", "warning") and not f.suppressed]
        if item.get("provision"):
            prov = normalise(str(item["provision"]))
            n_bad += 1
            hit = any(cites(f.citation, prov) for f in found)
            caught += hit
            per[prov][0] += hit
            per[prov][1] += 1
            if not hit:
                misses.append({"provision": prov, "text": item["text"], "found": [f.rule for f in found]})
        else:
            n_clean += 1
            kind = str(item.get("kind") or "plain")
            kinds[kind][1] += 1
            if found:
                fp += 1
                kinds[kind][0] += 1
                fp_err += any(f.level == "error" for f in found)
                false_pos.append({"kind": kind, "text": item["text"], "found": [(f.rule, f.level, f.match) for f in found]})
    return {
        "violations": n_bad, "caught": caught, "recall": caught / n_bad if n_bad else None,
        "clean": n_clean, "false_positives": fp, "fp_rate": fp / n_clean if n_clean else None,
        "fp_errors": fp_err, "fp_error_rate": fp_err / n_clean if n_clean else None,
        "per_provision": {p: {"caught": c, "of": n, "recall": c / n} for p, (c, n) in sorted(per.items())},
        "fp_by_kind": {k: {"flagged": c, "of": n} for k, (c, n) in sorted(kinds.items())},
        "misses": misses, "false_positive_sentences": false_pos,
    }


def rounds(only: str | None, files: list[Path] | None = None) -> list[tuple[str, Path]]:
    if files:
        return [(f"file {p}", p) for p in files]
    out = [("tuning corpus (in-sample)", CORPUS)]
    for path in sorted(MORE.glob("*.yaml")) if only is None else ():
        out.append((f"tuning corpus, part {path.stem} (in-sample)", path))
    for path in sorted(HELDOUT.glob("*.yaml")):
        if only is None or path.stem == only:
            out.append((f"round {path.stem}, held out when measured, tuned on since (in-sample)", path))
    for path in sorted(UNSEEN.glob("*.yaml")):
        if only is None or path.stem == only:
            out.append((f"held-out round {path.stem} (never tuned on; firm notice declares {', '.join(UNSEEN_DECLARES)})", path))
    return out


def pooled(results: list[dict]) -> dict:
    """Several rounds' counts added up (figures of one round of 248 sentences move by about 0.03)."""
    caught = sum(r["caught"] for r in results)
    bad = sum(r["violations"] for r in results)
    clean = sum(r["clean"] for r in results)
    fp = sum(r["false_positives"] for r in results)
    fp_err = sum(r["fp_errors"] for r in results)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        for prov, v in r["per_provision"].items():
            per[prov][0] += v["caught"]
            per[prov][1] += v["of"]
    return {"caught": caught, "violations": bad, "recall": caught / bad if bad else None, "clean": clean,
            "false_positives": fp, "fp_rate": fp / clean if clean else None, "fp_errors": fp_err,
            "fp_error_rate": fp_err / clean if clean else None,
            "per_provision": {p: {"caught": c, "of": n, "recall": c / n} for p, (c, n) in sorted(per.items())}}


def tuned_texts() -> set[str]:
    """Every sentence of the tuning data (the files the rules were tuned and the model trained on)."""
    paths = [CORPUS, *sorted(MORE.glob("*.yaml")), *sorted(HELDOUT.glob("*.yaml"))]
    return {x["text"] for p in paths for x in yaml.safe_load(p.read_text(encoding="utf-8"))}


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--round", help="only this held-out round (its file name without .yaml), besides the tuning corpus")
    ap.add_argument("--show-misses", action="store_true", help="list every missed violation and every false positive")
    ap.add_argument("--json", type=Path, help="also write every figure to this file")
    ap.add_argument("--file", type=Path, action="append", help="score this YAML file of labelled sentences instead (repeatable)")
    ap.add_argument("--declare", action="append", default=[], metavar="ACTION",
                    help="an intended action of the firm notice, besides the sample policy's (none), e.g. agency_referral")
    a = ap.parse_args()
    from lettergen.lint import load_packs

    ctx = context(tuple(a.declare))
    unseen_ctx = context(tuple(dict.fromkeys((*a.declare, *UNSEEN_DECLARES))))
    settings = [("--pack FDCPA", load_packs(names=["FDCPA"])), ("all packs", load_packs())]
    report: dict = {}
    unseen: dict[str, list[dict]] = defaultdict(list)
    for label, path in rounds(a.round, [p.resolve() for p in a.file] if a.file else None):
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        is_unseen = path.parent == UNSEEN
        print(f"\n{label}: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}, {sum(1 for x in items if x.get('provision'))} violations, "
              f"{sum(1 for x in items if not x.get('provision'))} clean "
              f"({', '.join(f'{k} {n}' for k, n in sorted(Counter(str(x.get('kind') or 'plain') for x in items if not x.get('provision')).items()))})")
        for name, packs in settings:
            r = score(items, packs, unseen_ctx if is_unseen else ctx)
            report.setdefault(path.stem, {})[name] = r
            if is_unseen:
                unseen[name].append(r)
            print(f"  {name}: recall {pct(r['recall'])} ({r['caught']}/{r['violations']}); false positives "
                  f"{pct(r['fp_rate'])} ({r['false_positives']}/{r['clean']}), errors alone {pct(r['fp_error_rate'])} "
                  f"({r['fp_errors']}/{r['clean']})")
            print("    recall by provision: " + ", ".join(f"{p} {v['caught']}/{v['of']}" for p, v in r["per_provision"].items()))
            print("    false positives by kind: " + ", ".join(f"{k} {v['flagged']}/{v['of']}" for k, v in r["fp_by_kind"].items()))
            if a.show_misses:
                for m in r["misses"]:
                    print(f"      missed {m['provision']}: {m['text']!r} (found {m['found']})")
                for f in r["false_positive_sentences"]:
                    print(f"      false positive ({f['kind']}): {f['text']!r} {f['found']}")
    if unseen and not a.file:
        seen = tuned_texts()
        new_only = {name: [score([x for x in yaml.safe_load(p.read_text(encoding="utf-8")) if x["text"] not in seen],
                                 packs, unseen_ctx) for p in sorted(UNSEEN.glob("*.yaml"))
                           if a.round is None or p.stem == a.round]
                    for name, packs in settings}
        for title, groups in (("held-out rounds together (never tuned on)", unseen),
                              ("the same, only sentences not found verbatim in the tuning data", new_only)):
            print(f"\n{title}:")
            for name, results in groups.items():
                r = pooled(results)
                report.setdefault(title, {})[name] = r
                print(f"  {name}: recall {pct(r['recall'])} ({r['caught']}/{r['violations']}); false positives "
                      f"{pct(r['fp_rate'])} ({r['false_positives']}/{r['clean']}), errors alone {pct(r['fp_error_rate'])} "
                      f"({r['fp_errors']}/{r['clean']})")
                print("    recall by provision: " + ", ".join(f"{p} {v['caught']}/{v['of']}" for p, v in r["per_provision"].items()))
    if a.json:
        a.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
