"""Shared fixtures: paths to the shipped samples and a runner for the real `lettergen` entry point."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def count(path: Path, sql: str) -> object:
    """The first value of the first row of ``sql`` on the SQLite file ``path`` (a count, a version...)."""
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


class Run:
    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"<exit {self.code}>\nstdout:\n{self.out}\nstderr:\n{self.err}"


@pytest.fixture
def lettergen(tmp_path: Path):
    """Run `python -m lettergen ARGS` in tmp_path as a user would, capturing output."""

    def run(*args: str, cwd: Path | None = None) -> Run:
        env = {**os.environ, "PYTHONUTF8": "1", "COLUMNS": "200"}
        proc = subprocess.run(
            [sys.executable, "-m", "lettergen", *map(str, args)],
            cwd=cwd or tmp_path, env=env, capture_output=True, text=True, timeout=300,
        )
        return Run(proc)

    return run
