"""The shape of the package: no import cycle (every import counted, those inside functions too), the import
contracts, one exception tree, and a command line whose every command explains itself and has a README row."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

import lettergen
from conftest import ROOT, SAMPLES
from lettergen import errors
from lettergen.cli import cli

sys.path.insert(0, str(ROOT / "tools"))
import import_graph  # noqa: E402


def modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(lettergen.__path__, "lettergen.") if m.name != "lettergen.__main__"]


def test_no_module_of_lettergen_takes_part_in_an_import_cycle():
    edges = import_graph.graph()
    assert len(edges) > 50 and "lettergen.mail.window" in edges["lettergen.batch"]  # the graph sees function-level imports
    assert import_graph.cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert import_graph.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(ROOT / ".venv" / "bin")) or shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed (the test extra installs it)")
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "3 kept, 0 broken" in proc.stdout


def test_every_exception_class_of_lettergen_derives_from_lettergenerror_and_the_public_ones_live_in_errors():
    seen = []
    for name in modules():
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == name:
                seen.append((name, attr))
                assert issubclass(obj, errors.LettergenError), f"{name}.{attr} is not a LettergenError"
                assert name == "lettergen.errors" or attr.startswith("_"), f"{name}.{attr}: public exceptions live in errors.py"
    assert ("lettergen.errors", "ImbError") in seen and ("lettergen.mail.reader", "_Unsupported") in seen
    for cls in (errors.ImbError, errors.AmountError, errors.UnknownEnvelopeError):
        assert issubclass(cls, ValueError)  # callers that catch bad values keep working
    assert issubclass(errors.UnknownEnvelopeError, KeyError)


def test_running_past_the_last_imb_serial_ends_in_one_paragraph_and_exit_2(tmp_path, lettergen):
    data = yaml.safe_load((SAMPLES / "policy.yaml").read_text(encoding="utf-8"))
    data.setdefault("mailing", {})["imb"] = {"barcode_id": "00", "service_type": "040", "mailer_id": "123456",
                                             "serial_start": 999_999_998}
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(data), encoding="utf-8")
    r = lettergen("batch", SAMPLES / "accounts.csv", "--policy", policy, "--as-of", "2026-11-27", "--out", tmp_path / "out",
                  "--jobs", "1")
    assert r.code == 2, r
    assert "Traceback" not in r.err and r.err.startswith("lettergen: error: IMb serial") and len(r.err.strip().splitlines()) == 1, r.err
    assert not list((tmp_path / "out").glob("2026-*"))


def commands() -> list[tuple[str, ...]]:
    out = []
    for name, cmd in sorted(cli.commands.items()):
        sub = getattr(cmd, "commands", None)
        if sub:
            out += [(name, s) for s in sorted(sub)]
        else:
            out.append((name,))
    return out


def test_every_command_has_help_text_and_a_readme_row():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `lettergen ([a-z]+(?: [a-z]+)?)[ `]", readme, re.M)
    found = commands()
    assert len(found) >= 13
    runner = CliRunner()
    for words in found:
        result = runner.invoke(cli, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)
        assert f"Usage: cli {' '.join(words)}" in result.output or f"Usage: lettergen {' '.join(words)}" in result.output
        summary = result.output.split("\n\n", 2)[1].strip()
        assert len(summary) > 20, (words, summary)  # a sentence that says what the command does
        assert " ".join(words) in rows, f"README has no row for `lettergen {' '.join(words)}`"


def test_the_console_entry_point_in_a_real_process_prints_one_paragraph_and_exits_2(tmp_path):
    """Most CLI tests run in-process (CliRunner); this one runs `python -m lettergen` as a user's shell does."""
    from conftest import run_process

    r = run_process("plan", "missing.csv", "--policy", SAMPLES / "policy.yaml", cwd=tmp_path)
    assert r.code == 2 and r.out == "" and r.err == "lettergen: error: missing.csv: file not found; check the path.\n", r
    ok = run_process("--help", cwd=tmp_path)
    assert ok.code == 0 and "Usage: lettergen [OPTIONS] COMMAND" in ok.out
