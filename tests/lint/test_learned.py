"""The learned second opinion (lettergen/lint/learned.py, FDCPA.LearnedWording): what a legal reviewer sees from it,
that it keeps to its limits, and that the shipped model is the one the corpus trains."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from lettergen.errors import PackError
from lettergen.lint import LintContext, lint_text, load_packs
from lettergen.lint.learned import CLEAN, Example, Model, features, load_model, train
from lettergen.lint.packs import load_pack

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

# Worded so that no phrase rule of the FDCPA pack matches (asserted below): only the model can read it.
PARAPHRASE = "If this stays unpaid, somebody may come round to collect your car."


def ctx(collector: str = "third_party", actions: dict | None = None) -> LintContext:
    return LintContext(stage="firm_notice", collector=collector, actions=actions or {"firm_notice": frozenset()})


def learned(findings):  # type: ignore[no-untyped-def]
    return [f for f in findings if f.rule == "FDCPA.LearnedWording"]


def test_the_shipped_model_is_trained_on_the_current_corpus() -> None:
    import train_lint_model as t

    meta = load_model("fdcpa.json.gz").meta
    assert meta["corpus_sha256"] == t.corpus_hash(t.trained_on()), (
        "the corpus, a template or a tone profile changed since the model was trained: run tools/train_lint_model.py")


def test_training_is_deterministic_and_learns_the_labels() -> None:
    items = [Example("We will sue you in court next week.", "1692e(5)"), Example("A judge will hear our lawsuit against you.", "1692e(5)"),
             Example("Your boss will hear about this debt from us.", "1692c(b)"), Example("We will tell your employer about the debt.", "1692c(b)"),
             Example("Thank you for your payment.", CLEAN), Example("Please call us with any questions.", CLEAN)] * 2
    a, b = train(items, epochs=5), train(items, epochs=5)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    m = Model(a)
    p = m.probabilities("We will sue you before a judge.")
    assert max(p, key=p.get) == "1692e(5)"
    assert m.nearest("Your employer will hear from us.", "1692c(b)")[0] in {e.text for e in items}


def test_negation_is_a_feature_of_its_own() -> None:
    assert "!sue" in features("We will not sue you.") and "sue" not in features("We will not sue you.")
    assert "sue" in features("We will sue you.")


def test_a_paraphrase_the_rules_miss_is_a_warning_with_confidence_and_example() -> None:
    packs = load_packs(names=["FDCPA"])
    found = lint_text(PARAPHRASE, packs=packs, ctx=ctx())
    assert [f for f in found if f.rule != "FDCPA.LearnedWording"] == [], "the phrase rules should not see this one"
    (f,) = learned(found)
    assert f.level == "warning" and f.citation.startswith("15 U.S.C. 1692e(")
    assert 0.5 <= f.confidence <= 1 and f.example and f.example in f.message
    assert f"{f.confidence:.0%}" in f.message


def test_declared_actions_and_the_collector_type_silence_it() -> None:
    packs = load_packs(names=["FDCPA"])
    (f,) = learned(lint_text(PARAPHRASE, packs=packs, ctx=ctx()))
    prov = f.citation.split()[-1]
    action = {"1692e(4)": "repossession", "1692e(5)": "legal_action"}[prov]
    assert learned(lint_text(PARAPHRASE, packs=packs, ctx=ctx(actions={"firm_notice": frozenset({action})}))) == []
    denial = "Please treat this as a friendly note from your neighbourhood service desk, not from any agency."
    third = learned(lint_text(denial, packs=packs, ctx=ctx()))
    first = learned(lint_text(denial, packs=packs, ctx=ctx("first_party")))
    assert all("1692e(11)" not in g.citation for g in first)
    assert any("1692e(11)" in g.citation for g in third) or not third  # reported only where it applies


def test_no_second_opinion_where_a_rule_already_cites_the_provision() -> None:
    found = lint_text("We will sue you and take you to court.", packs=load_packs(names=["FDCPA"]), ctx=ctx())
    cited = [f.citation for f in found]
    assert "15 U.S.C. 1692e(5)" in cited and cited.count("15 U.S.C. 1692e(5)") == len([c for c in cited if c == "15 U.S.C. 1692e(5)"])
    assert not any(f.rule == "FDCPA.LearnedWording" and f.citation == "15 U.S.C. 1692e(5)" for f in found)


def test_json_output_carries_confidence_and_example(tmp_path: Path, lettergen) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "letter.txt"
    p.write_text(PARAPHRASE + "\n", encoding="utf-8")
    r = lettergen("lint", str(p), "--stage", "firm_notice", "--pack", "FDCPA", "--format", "json")
    recs = json.loads(r.out)
    (rec,) = [x for x in recs if x["rule"] == "FDCPA.LearnedWording"]
    assert rec["level"] == "warning" and rec["confidence"] >= 0.5 and rec["example"]
    assert r.code == 0  # warnings alone do not fail lint (as documented)


@pytest.mark.parametrize("change, says", [
    ({"threshold": 1.5}, "threshold"),
    ({"model": "missing.json.gz"}, "model"),
    ({"provisions": {"1692e(5)": {"unless_declared": ["jail"]}}}, "unknown action jail"),
])
def test_a_bad_model_rule_is_a_clear_pack_error(tmp_path: Path, change: dict, says: str) -> None:
    import yaml

    pack = tmp_path / "P"
    pack.mkdir()
    (pack / "meta.yml").write_text("name: P\nversion: 1\ndescription: test\n", encoding="utf-8")
    rule = yaml.safe_load((ROOT / "lettergen" / "rules" / "FDCPA" / "LearnedWording.yml").read_text(encoding="utf-8"))
    rule.update(change)
    (pack / "Learned.yml").write_text(yaml.safe_dump(rule), encoding="utf-8")
    with pytest.raises(PackError, match=says):
        load_pack(pack)


def test_the_held_out_rounds_never_tuned_on_are_not_training_data():
    """tests/data/lint_unseen/ holds rounds measured once and never tuned on: the model must not have learned them,
    and the in-sample guard (test_rules) must not cover them."""
    from train_lint_model import trained_on

    unseen = sorted((ROOT / "tests" / "data" / "lint_unseen").glob("*.yaml"))
    assert unseen, "no held-out rounds to measure on"
    trained = {p.resolve() for p in trained_on()}
    assert not [p for p in unseen if p.resolve() in trained]
    # a writer may repeat a stock sentence another writer wrote ("This communication is from a debt collector."):
    # bench/lint_quality.py prints the figures on the sentences new to the tuning data beside the whole rounds'
    for p in unseen:
        items = yaml.safe_load(p.read_text(encoding="utf-8"))
        assert len(items) >= 200 and all({"text", "provision", "kind"} <= set(x) for x in items), p.name


def test_the_sentence_cache_does_not_grow_with_the_batch():
    from lettergen.lint.learned import CACHE_SIZE

    model = load_model("fdcpa.json.gz")
    model._cache.clear()
    common = "We will not take you to court over this balance."
    first = model.probabilities(common)
    for i in range(CACHE_SIZE + 500):  # one debtor's name a letter: read once each
        model.probabilities(f"Dear Customer {chr(65 + i % 26)}{chr(65 + i // 26 % 26)}{chr(65 + i // 676 % 26)},")
        if i % 100 == 0:
            model.probabilities(common)  # the template's sentence, read by every letter
    assert len(model._cache) <= CACHE_SIZE
    assert model.probabilities(common) is first  # still remembered, not recomputed
