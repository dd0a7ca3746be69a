"""The linter as legal and staff use it: lint command, report formats, suppressions, and the batch gate."""

from __future__ import annotations

import csv
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path


from conftest import ROOT, SAMPLES
from lettergen.lint import LintContext, lint_text, load_packs
from lettergen.lint.packs import KINDS

POLICY = SAMPLES / "policy.yaml"
TEMPLATES = ROOT / "letter_templates"
TONES = ROOT / "tone_profiles"


def test_shipped_templates_and_tone_profiles_lint_clean(lettergen):
    r = lettergen("lint", TEMPLATES, TONES)
    assert r.code == 0, r
    assert r.out.strip().endswith("0 errors, 0 warnings, 0 suggestions, 0 suppressed"), r


def test_shipped_templates_lint_clean_with_the_sample_policy(lettergen):
    r = lettergen("lint", TEMPLATES, TONES, "--policy", POLICY)
    assert r.code == 0, r


def test_human_output_is_one_line_per_finding_with_citation_and_exit_1(lettergen, tmp_path):
    t = tmp_path / "letter.txt"
    t.write_text("Dear client,\n\nPay now. We will sue you if you do not.\n", encoding="utf-8")
    r = lettergen("lint", t)
    assert r.code == 1, r
    line = next(x for x in r.out.splitlines() if "FDCPA.ThreatOfSuit" in x)
    assert line.startswith(f"{t}:3:")
    assert ": error FDCPA.ThreatOfSuit " in line and line.endswith("[15 U.S.C. 1692e(5)]")


def test_clean_text_exits_0_and_bad_usage_exits_2(lettergen, tmp_path):
    t = tmp_path / "ok.txt"
    t.write_text("Dear client,\n\nPlease pay the balance of $120.00 by December 7.\n", encoding="utf-8")
    assert lettergen("lint", t).code == 0
    assert lettergen("lint", tmp_path / "missing.txt").code == 2
    odd = tmp_path / "x.pdf"
    odd.write_bytes(b"%PDF")
    r = lettergen("lint", odd)
    assert r.code == 2 and "Traceback" not in r.err
    assert lettergen("lint", t, "--pack", "NoSuchPack").code == 2


def _bad_template(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    p = folder / "firm_notice.html.j2"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("{% block close %}", "{% block close %}\n<p>Otherwise we will sue you in court.</p>"), encoding="utf-8")
    return folder


def test_template_findings_point_at_the_template_line_and_column(lettergen, tmp_path):
    folder = _bad_template(tmp_path)
    r = lettergen("lint", folder / "firm_notice.html.j2", "--format", "json")
    assert r.code == 1, r
    recs = json.loads(r.out)
    suit = [x for x in recs if x["rule"] == "FDCPA.ThreatOfSuit"]
    assert suit, recs
    src = (folder / "firm_notice.html.j2").read_text(encoding="utf-8").splitlines()
    f = suit[0]
    assert f["path"].endswith("firm_notice.html.j2")
    assert src[f["line"] - 1][f["column"] - 1:f["end_column"] - 1].lower() == f["match"].lower()
    for key in ("rule", "level", "message", "citation", "link", "path", "line", "column", "end_line", "end_column", "match"):
        assert key in f


def test_declared_intended_action_passes_and_undeclared_fails(tmp_path):
    from lettergen.lint.run import lint_paths
    from lettergen.config.policy import Policy

    folder = _bad_template(tmp_path)
    pol = Policy.from_yaml(POLICY)
    before = [f for f in lint_paths([folder / "firm_notice.html.j2"], policy=pol).findings if f.rule == "FDCPA.ThreatOfSuit"]
    assert before
    data = pol.model_dump()
    for st in data["stages"]:
        if st["name"] == "firm_notice":
            st["intended_actions"] = ["legal_action"]
    declared = Policy.model_validate(data)
    after = [f for f in lint_paths([folder / "firm_notice.html.j2"], policy=declared).findings if f.rule == "FDCPA.ThreatOfSuit"]
    assert after == []


def test_sarif_has_the_required_structure(lettergen, tmp_path):
    folder = _bad_template(tmp_path)
    r = lettergen("lint", folder / "firm_notice.html.j2", "--format", "sarif")
    doc = json.loads(r.out)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "lettergen"
    assert all({"id", "shortDescription"} <= set(x) for x in rules)
    res = [x for x in run["results"] if x["ruleId"] == "FDCPA.ThreatOfSuit"][0]
    assert rules[res["ruleIndex"]]["id"] == "FDCPA.ThreatOfSuit"
    assert res["level"] == "error" and "1692e(5)" in res["message"]["text"]
    region = res["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("firm_notice.html.j2")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.marks: list[str] = []
        self.rows = 0
        self._in_mark = False

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag == "mark":
            self._in_mark = True
            self.marks.append("")
        if tag == "tr":
            self.rows += 1

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data):  # noqa: ANN001
        if self._in_mark:
            self.marks[-1] += data


def test_html_report_highlights_findings_and_has_a_summary(lettergen, tmp_path):
    folder = _bad_template(tmp_path)
    out = tmp_path / "report.html"
    r = lettergen("lint", folder / "firm_notice.html.j2", "--format", "html", "--output", out)
    assert r.code == 1
    page = out.read_text(encoding="utf-8")
    p = _Collect()
    p.feed(page)
    assert "sue" in [m.lower() for m in p.marks]
    assert p.rows >= 2  # header + at least one finding
    assert "15 U.S.C. 1692e(5)" in page and "<script" not in page and "http://" not in page.split("<body>")[1].split("href")[0]


def test_suppression_needs_a_reason_and_is_listed(tmp_path, lettergen):
    t = tmp_path / "s.txt"
    t.write_text(
        "Dear client,\n\n{# lint-allow FDCPA.ThreatOfSuit: the court has entered judgment; approved by counsel #}\n"
        "A judgment was entered by the court.\n\n{# lint-allow FDCPA.ThreatOfSuit #}\nWe will sue.\n\n"
        "{# lint-allow FDCPA.ThreatOfSuit: nothing to silence here #}\nPlease pay by December 7.\n",
        encoding="utf-8",
    )
    r = lettergen("lint", t, "--format", "json")
    recs = json.loads(r.out)
    by_rule = {}
    for x in recs:
        by_rule.setdefault(x["rule"], []).append(x)
    suppressed = [x for x in by_rule["FDCPA.ThreatOfSuit"] if x["suppressed"]]
    assert len(suppressed) == 1 and "approved by counsel" in suppressed[0]["suppression_reason"]
    assert [x for x in by_rule["FDCPA.ThreatOfSuit"] if not x["suppressed"]][0]["line"] == 7  # no reason: not silenced
    assert by_rule["lint.SuppressionReason"][0]["level"] == "error"
    assert by_rule["lint.UnusedSuppression"][0]["level"] == "warning"
    human = lettergen("lint", t)
    assert "Suppressed (lint-allow):" in human.out and "approved by counsel" in human.out


def test_rules_marked_not_suppressible_stay(tmp_path):
    packs = load_packs()
    rule = next(r for p in packs for r in p.rules if not r.suppressible and r.extends in ("existence", "required"))
    assert rule is not None
    # the CA notice rule cannot be silenced: a letter for a CA consumer without it is an error either way
    from lettergen.lint.engine import lint_doc
    from lettergen.lint.text import text_doc

    doc = text_doc(text=f"{{# lint-allow {rule.id}: we prefer not to #}}\nDear client, please pay.\n")
    ctx = LintContext(stage="polite_reminder", collector="first_party", debt_type="consumer", jurisdiction="US-CA", first_letter=True)
    fs = [f for f in lint_doc(doc, packs, ctx, rendered=True) if f.rule == rule.id]
    assert fs and not fs[0].suppressed and "cannot be suppressed" in fs[0].message


def test_every_kind_is_used_by_some_shipped_rule():
    used = {r.extends for p in load_packs() for r in p.rules}
    assert used == set(KINDS)


def test_rules_command_and_docs_are_current(lettergen):
    r = lettergen("rules")
    assert r.code == 0 and "FDCPA.ThreatOfSuit" in r.out and "15 U.S.C. 1692e(5)" in r.out
    md = lettergen("rules", "--format", "md")
    assert md.code == 0
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == md.out, "docs/rules.md is stale: run lettergen rules --format md > docs/rules.md"


def test_text_lint_api_reports_the_match():
    fs = lint_text("If you do not pay, we will take you to court.", ctx=LintContext())
    assert any(f.rule == "FDCPA.ThreatOfSuit" and f.match.lower() == "take you to court" for f in fs)


# ----------------------------------------------------------------------------- the batch gate


def test_a_letter_that_fails_lint_is_held_and_nowhere_else(lettergen, tmp_path):
    from helpers import threatening_tones

    tones = threatening_tones(tmp_path)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,name,address1,city,region,postal_code,tone,invoice_number,due_date,balance\n"
        "H-1,Held Person,1 Main St,Albany,NY,12207,firm,I-1,2026-10-01,100.00\n"
        "H-2,Mailed Person,2 Main St,Albany,NY,12207,,I-2,2026-10-01,200.00\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    # the edited tone cannot be approved (it has a lint error), so it can only run as a draft
    refused = lettergen("batch", accounts, "--policy", POLICY, "--as-of", "2026-11-27", "--out", out, "--tones", tones, "--jobs", "1")
    assert refused.code == 2 and "firm.yaml changed since approval" in refused.err and "lettergen diff" in refused.err, refused
    r = lettergen("batch", accounts, "--policy", POLICY, "--as-of", "2026-11-27", "--out", out, "--tones", tones, "--jobs", "1",
                  "--draft")
    assert r.code == 0, r
    folder = out / "draft-2026-11-27-001"
    held = list(csv.DictReader((folder / "held.csv").open(encoding="utf-8")))
    assert {h["account_id"] for h in held} == {"H-1"}
    assert any(h["rule"] == "FDCPA.ThreatOfArrest" and "1692e(4)" in h["citation"] for h in held), held
    manifest = list(csv.DictReader((folder / "manifest.csv").open(encoding="utf-8")))
    assert [m["account_id"] for m in manifest] == ["H-2"]
    assert not any("H-1" in p.name for p in (folder / "letters").iterdir())
    skipped = (folder / "skipped.csv").read_text(encoding="utf-8")
    assert "H-1" not in skipped
    summary = (folder / "summary.txt").read_text(encoding="utf-8")
    assert "held:              1" in summary
    show = lettergen("ledger", "show", "--ledger", out / "lettergen.db")
    assert "H-2" not in show.out and "H-1" not in show.out  # a draft records nothing
