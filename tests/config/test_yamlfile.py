"""One YAML reader: a broken policy, tone profile, column mapping, rule file or approvals file says the same thing,
with the file, the line and column and what to do, and nothing is read twice in two ways."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from lettergen.approval import load_approvals
from lettergen.config.policy import Policy
from lettergen.config.tones import load_tone
from lettergen.config.yamlfile import read_yaml
from lettergen.errors import ApprovalError, ComposeError, MappingError, PackError, PolicyError
from lettergen.lint.packs import load_rule
from lettergen.config.mapping import ColumnMapping

BROKEN = "name: x\nstages:\n  polite: [a, b\n"


@pytest.mark.parametrize("reader, error, name", [
    (Policy.from_yaml, PolicyError, "policy.yaml"),
    (load_tone, ComposeError, "warm.yaml"),
    (ColumnMapping.from_yaml, MappingError, "mapping.yaml"),
    (lambda p: load_rule(p, "Test"), PackError, "Rule.yml"),
])
def test_a_syntax_error_names_the_file_the_line_and_column_and_the_fix(tmp_path, reader, error, name):
    p = tmp_path / name
    p.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(error) as info:
        reader(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}: not valid YAML (line 4, column 1: ") and msg.endswith("); fix the syntax there."), msg


def test_a_missing_file_and_a_file_that_is_not_utf8_say_what_to_do(tmp_path):
    with pytest.raises(PolicyError, match=r"policy file not found; pass one with --policy"):
        Policy.from_yaml(tmp_path / "nope.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Müller\n".encode("latin-1"))
    with pytest.raises(MappingError, match=r"latin.yaml: not UTF-8 text \(byte 8\); save the mapping file as UTF-8"):
        ColumnMapping.from_yaml(latin)
    with pytest.raises(PolicyError, match=r"is a folder; give the policy file itself"):
        Policy.from_yaml(tmp_path)


def test_a_byte_order_mark_is_fine(tmp_path):
    p = tmp_path / "bom.yaml"
    p.write_bytes("\ufeffa: 1\n".encode("utf-8"))
    assert read_yaml(p, PolicyError) == {"a": 1}


def test_a_broken_approvals_file_says_to_restore_it(tmp_path):
    folder = tmp_path / "letter_templates"
    shutil.copytree(ROOT / "letter_templates", folder)
    (folder / "approvals.yaml").write_text("approvals:\n- id: [\n", encoding="utf-8")
    with pytest.raises(ApprovalError, match=r"approvals.yaml: not valid YAML \(line 3, column 1: "):
        load_approvals(folder)


def test_no_module_reads_yaml_by_itself():
    """The convention: one YAML loader. Only lettergen/config/yamlfile.py calls PyYAML's loaders."""
    offenders = []
    for path in (ROOT / "lettergen").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "yamlfile.py" and ("yaml.safe_load(" in text or "yaml.load(" in text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
