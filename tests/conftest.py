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
    """What a command printed and how it ended."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"<exit {self.code}>\nstdout:\n{self.out}\nstderr:\n{self.err}"


def run_cli(*args: object, cwd: Path) -> Run:
    """`lettergen ARGS` in this process (click's CliRunner), in folder ``cwd``, as a user would type it: the same
    group, the same one-paragraph errors and exit codes as the console entry point. An exception that escapes is a
    bug: its traceback is put into ``err`` so that the tests that say "no traceback" see it."""
    import traceback

    from click.testing import CliRunner

    from lettergen.cli import cli

    runner = CliRunner(env={"PYTHONUTF8": "1", "COLUMNS": "200"})
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(cli, [str(a) for a in args], prog_name="lettergen")
    finally:
        os.chdir(old)
    err = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        err += "".join(traceback.format_exception(*result.exc_info))
    return Run(result.exit_code, result.stdout, err)


def run_process(*args: object, cwd: Path) -> Run:
    """`python -m lettergen ARGS` as a separate process: for what only a real process shows (the console entry
    point, signals, what a fresh interpreter imports)."""
    env = {**os.environ, "PYTHONUTF8": "1", "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "lettergen", *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def lettergen(tmp_path: Path):
    """Run `lettergen ARGS` in tmp_path (or ``cwd``) as a user would, in this process, capturing output."""

    def run(*args: object, cwd: Path | None = None) -> Run:
        return run_cli(*args, cwd=cwd or tmp_path)

    return run
