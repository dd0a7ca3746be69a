"""Where legal works: the pre-commit hook a template repository uses, and GitHub annotations for its CI."""

from __future__ import annotations

import re
import shutil
import tomllib

import yaml

from conftest import ROOT, SAMPLES
from lettergen.lint.report import github


def hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (h,) = hooks
    return h


def test_the_hook_follows_pre_commits_conventions_and_selects_templates_and_tones():
    h = hook()
    assert h["id"] == "lettergen-lint" and h["language"] == "python" and h["pass_filenames"] is True
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert h["entry"].split()[0] in scripts and h["entry"].split()[1] == "lint"
    files, exclude = re.compile(h["files"]), re.compile(h["exclude"])

    def selected(path: str) -> bool:
        return bool(files.search(path)) and not exclude.search(path)

    for path in ("letter_templates/final_demand.html.j2", "letter_templates/style.css", "tone_profiles/firm.yaml",
                 "acme/letter_templates/polite_reminder.html.j2", "tone_profiles/warm.yml"):
        assert selected(path), path
    for path in ("letter_templates/.approved/final_demand.html.j2", "letter_templates/approvals.yaml",
                 "tone_profiles/approvals.yaml", "README.md", "samples/policy.yaml", "letter_templates/notes.txt"):
        assert not selected(path), path


def test_the_hooks_command_passes_the_shipped_text_and_refuses_a_threat(tmp_path, lettergen):
    """What pre-commit runs: the entry with the changed files (and the repository's args) appended."""
    shutil.copytree(ROOT / "letter_templates", tmp_path / "letter_templates")
    shutil.copytree(ROOT / "tone_profiles", tmp_path / "tone_profiles")
    shutil.copy(SAMPLES / "policy.yaml", tmp_path / "policy.yaml")
    changed = ["letter_templates/firm_notice.html.j2", "tone_profiles/firm.yaml"]
    entry = hook()["entry"].split()[1:]
    ok = lettergen(*entry, "--policy", "policy.yaml", *changed, cwd=tmp_path)
    assert ok.code == 0, ok
    tone = tmp_path / "tone_profiles" / "firm.yaml"
    tone.write_text(tone.read_text(encoding="utf-8").replace(
        'closing: "We expect to hear from you by that date."',
        'closing: "Pay by that date or we will see you in small claims court."'), encoding="utf-8")
    bad = lettergen(*entry, "--policy", "policy.yaml", *changed, cwd=tmp_path)
    assert bad.code == 1, bad
    assert re.search(r"tone_profiles/firm\.yaml:\d+:\d+: error FDCPA\.ThreatOfSuit .*\[15 U\.S\.C\. 1692e\(5\)\]", bad.out), bad.out
    gh = lettergen(*entry, "--policy", "policy.yaml", "--format", "github", *changed, cwd=tmp_path)
    assert gh.code == 1
    lines = [ln for ln in gh.out.splitlines() if "FDCPA.ThreatOfSuit" in ln and "file=tone_profiles/firm.yaml" in ln]
    assert lines, gh.out
    for line in lines:  # the phrase itself, and the letters rendered with it
        assert re.fullmatch(r"::error file=tone_profiles/firm\.yaml,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,"
                            r"title=FDCPA\.ThreatOfSuit::Threatens legal action .*\[15 U\.S\.C\. 1692e\(5\)\]", line), line


def test_github_annotations_escape_what_the_workflow_syntax_reserves():
    rec = {"rule": "House.X", "level": "warning", "message": "50% off:\nnext line", "citation": "House rule",
           "path": "a,b:c.txt", "line": 3, "column": 2, "end_line": 3, "end_column": 9, "suppressed": False}
    out = github([rec, {**rec, "suppressed": True}, {**rec, "level": "suggestion", "line": 0}])
    lines = out.splitlines()
    assert lines[0] == ("::warning file=a%2Cb%3Ac.txt,line=3,col=2,endLine=3,endColumn=9,title=House.X::"
                        "50%25 off:%0Anext line [House rule]")
    assert lines[1] == "::notice file=a%2Cb%3Ac.txt,title=House.X::50%25 off:%0Anext line [House rule]"
    assert len(lines) == 2 and github([]) == ""
