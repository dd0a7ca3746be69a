"""What every command shares: the ``lettergen`` group, the as-of date, the policy a command reads, common options."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from lettergen import __version__
from lettergen.errors import LettergenError
from lettergen.config.policy import Policy

DEFAULT_POLICY = Path("policy.yaml")


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()  # the only place the clock is read: the CLI's default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; use YYYY-MM-DD, e.g. 2026-11-27.", param_hint="--as-of") from None


def _policy(path: Path | None) -> Policy:
    if path is None:
        if not DEFAULT_POLICY.exists():
            raise LettergenError(
                "no policy given: pass --policy PATH, or put a policy.yaml in this folder "
                "(samples/policy.yaml is a complete example to copy)."
            )
        path = DEFAULT_POLICY
    return Policy.from_yaml(path)


def input_options(f):  # type: ignore[no-untyped-def]
    """Options shared by every command that reads an accounts export."""
    f = click.option("--encoding", metavar="CODEC", help="Encoding of a CSV/JSON/YAML export that is not UTF-8, e.g. cp1252.")(f)
    f = click.option("--date-format", metavar="FMT", help="Local date format accepted besides YYYY-MM-DD (strftime codes). [default: %m/%d/%Y]")(f)
    f = click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), help="Column-mapping YAML for exports whose headers differ (see docs/formats.md).")(f)
    f = click.option("--invoices", type=click.Path(dir_okay=False, path_type=Path), help="Invoices CSV, when ACCOUNTS is an accounts-only CSV.")(f)
    return f


class LettergenGroup(click.Group):
    """The command group: a mistake the user can fix (any :class:`~lettergen.errors.LettergenError`) ends in one
    paragraph on stderr and its exit code, never a traceback, whether the command runs from the console or in a
    test's :class:`click.testing.CliRunner`."""

    def invoke(self, ctx: click.Context) -> object:
        with terminate_as_interrupt():
            try:
                return super().invoke(ctx)
            except LettergenError as exc:
                click.echo(f"lettergen: error: {exc.message}", err=True)
                ctx.exit(exc.exit_code)
            except KeyboardInterrupt:
                click.echo(interrupted_message(), err=True)
                ctx.exit(interrupted_status())


_STOP: dict[str, Any] = {"signal": None}


def _on_sigterm(signum: int, frame: Any) -> None:
    _STOP["signal"] = signum
    raise KeyboardInterrupt


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill PID``, a service manager stopping the run) is handled as Ctrl-C is: the unfinished batch
    folder is removed, nothing is recorded, one line says so, and the exit status is 143 (128 + 15)."""
    _STOP["signal"] = None
    try:
        old = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def interrupted_status() -> int:
    """The exit status of a stopped run: 143 after SIGTERM, 130 after Ctrl-C."""
    return 143 if _STOP["signal"] == signal.SIGTERM else 130


def interrupted_message() -> str:
    what = "terminated (SIGTERM)" if _STOP["signal"] == signal.SIGTERM else "interrupted"
    return f"lettergen: {what}; any unfinished batch folder was removed and nothing was recorded"


@click.group(cls=LettergenGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="lettergen")
def cli() -> None:
    """Collection letters that are right for the account, checked, and ready to mail.

    \b
    Typical week:
      lettergen plan    accounts.csv --policy policy.yaml    who gets which letter today
      lettergen batch   accounts.csv --policy policy.yaml    produce the letters (PDF, DOCX, manifest)
      lettergen preview accounts.csv --account ID --stage S  look at one letter
    Every command explains itself: lettergen COMMAND --help.
    """




def _formats(value: str) -> tuple[str, ...]:
    parts = tuple(p.strip().lower() for p in value.split(",") if p.strip())
    bad = [p for p in parts if p not in ("pdf", "docx")]
    if bad or not parts:
        raise click.BadParameter(f"'{value}': use pdf, docx or pdf,docx.", param_hint="--format")
    return parts


def _warn_harfbuzz() -> None:
    from lettergen.typeset.pdf import harfbuzz_subsetter_available

    if not harfbuzz_subsetter_available():
        click.echo(
            "lettergen: warning: WeasyPrint found no HarfBuzz subsetter, so fonts are subset with fontTools "
            "(about 4x slower). Install it: apt-get install libharfbuzz-subset0",
            err=True,
        )


class _Bar:
    """Rich progress on a terminal, one named line per phase with its count and ETA: loading the export, planning,
    typesetting, batch.pdf, batch.docx, the other files. Nothing on a pipe (a cron job's log stays clean)."""

    LABELS = {"load": "loading accounts", "plan": "planning", "typeset": "typesetting letters",
              "batch.pdf": "merging batch.pdf", "batch.docx": "writing batch.docx", "files": "manifests, mail, checksums"}

    def __init__(self) -> None:
        self.progress = None
        self.tasks: dict[str, Any] = {}
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                                     TimeRemainingColumn(), console=Console(stderr=True), transient=True)

    def __enter__(self) -> "_Bar":
        if self.progress:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress:
            self.progress.stop()

    def __call__(self, done: int, total: int, phase: str = "typeset") -> None:
        if self.progress is None:
            return
        task = self.tasks.get(phase)
        if task is None:
            for other in self.tasks.values():  # a new phase: the ones before it are done
                t = self.progress.tasks[other]
                self.progress.update(other, completed=t.total)
            task = self.tasks[phase] = self.progress.add_task(self.LABELS.get(phase, phase), total=total)
        self.progress.update(task, completed=done, total=total)


def template_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--tones", type=click.Path(file_okay=False, path_type=Path), help="Tone profile folder. [default: ./tone_profiles, else the shipped ones]")(f)
    f = click.option("--templates", type=click.Path(file_okay=False, path_type=Path), help="Letter template folder. [default: ./letter_templates, else the shipped ones]")(f)
    return f


def optional_policy(path: Path | None) -> Policy | None:
    """The policy named, else ./policy.yaml when there is one, else None (commands that can do without one)."""
    if path is not None:
        return Policy.from_yaml(path)
    return Policy.from_yaml(DEFAULT_POLICY) if DEFAULT_POLICY.exists() else None
