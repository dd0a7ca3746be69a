"""Progress on a terminal names each phase of a batch with its count (issue 14): loading, planning, typesetting,
merging batch.pdf, writing batch.docx, the other files. On a pipe there is none."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal")


def run_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """The command with stderr on a pseudo-terminal (as a user at a terminal sees it); stdout on a pipe."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONUTF8": "1", "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "lettergen", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=slave, text=True)
    os.close(slave)
    seen = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other end closed
            break
        if not data:
            break
        seen += data
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait(timeout=300)
    os.close(master)
    return proc.returncode, out, seen.decode("utf-8", "replace")


def test_each_phase_of_a_batch_is_named_on_a_terminal(tmp_path):
    code, out, term = run_on_a_terminal(
        ["batch", str(SAMPLES / "accounts.csv"), "--policy", str(SAMPLES / "policy.yaml"), "--as-of", "2026-11-27",
         "--out", str(tmp_path / "out"), "--jobs", "1"], tmp_path)
    assert code == 0, (out, term)
    for label in ("loading accounts", "planning", "typesetting letters", "merging batch.pdf", "writing batch.docx",
                  "manifests, mail, checksums"):
        assert label in term, (label, term[-2000:])
    assert "24/24" in term  # the typesetting count: every planned letter
    assert "Batch written to" in out


def test_no_progress_on_a_pipe(tmp_path):
    r = subprocess.run([sys.executable, "-m", "lettergen", "batch", str(SAMPLES / "accounts.csv"), "--policy",
                        str(SAMPLES / "policy.yaml"), "--as-of", "2026-11-27", "--out", str(tmp_path / "out"),
                        "--jobs", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "typesetting" not in r.stderr and "planning" not in r.stderr
