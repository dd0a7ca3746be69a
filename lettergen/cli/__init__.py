"""The ``lettergen`` command: parse options, make one library call, print, exit.

Exit status: 0 success, 1 the command ran and found a problem it reports
(e.g. lint errors), 2 bad usage or bad input (a one-paragraph message on
stderr, never a traceback).
"""

from __future__ import annotations

import sys

import click

from lettergen.cli import legal, letters, records  # noqa: F401  (each registers its commands on the group)
from lettergen.cli.common import cli, interrupted_message, interrupted_status
from lettergen.errors import LettergenError

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Console entry point: a user's mistake ends with one paragraph on stderr and exit 2."""
    try:
        code = cli.main(args=argv, prog_name="lettergen", standalone_mode=False)
        if isinstance(code, int):  # ctx.exit(N) inside a command: click returns N when not standalone
            sys.exit(code)
    except LettergenError as exc:
        click.echo(f"lettergen: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("lettergen: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:  # before or after the group's own handler (e.g. while click parses the arguments)
        click.echo(interrupted_message(), err=True)
        sys.exit(interrupted_status())
    sys.exit(0)
