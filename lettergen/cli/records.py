"""What was sent and how to prove it: ``history``, ``verify`` and the ``ledger`` group."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import click

from lettergen.ledger import DEFAULT_LEDGER, Ledger
from lettergen.cli.common import _as_of, cli


@cli.command()
@click.argument("account_id")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def history(account_id: str, ledger_path: Path, fmt: str) -> None:
    """Every letter sent to ACCOUNT_ID, oldest first, with its evidence: template and tone hashes and approval
    ids, rule-pack versions, the lint result, the SHA-256 of the letter's PDF and of batch.pdf, batch and date."""
    from lettergen.evidence import history_json, history_table

    rows = Ledger(ledger_path).letter_history(account_id)
    if fmt == "json":
        click.echo(history_json(rows), nl=False)
        return
    if not rows:
        click.echo(f"No letters recorded for {account_id} in {ledger_path}.")
        return
    click.echo(history_table(rows), nl=False)


@cli.command()
@click.argument("batch_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The ledger the batch was recorded in. [default: lettergen.db next to the batch folder]")
def verify(batch_dir: Path, ledger_path: Path | None) -> None:
    """Re-hash every file of a batch folder against the ledger; report every difference.

    Exit status 0 when every file is as recorded, 1 when something differs, is missing or was added.
    """
    from lettergen.evidence import verify_batch

    led = Ledger(ledger_path or batch_dir.resolve().parent / "lettergen.db")
    problems = verify_batch(batch_dir, led)
    if problems:
        for p in problems:
            click.echo(p)
        click.echo(f"{batch_dir}: {len(problems)} difference{'s' if len(problems) != 1 else ''} from the ledger {led.path}.")
        sys.exit(1)
    click.echo(f"{batch_dir}: every file matches the ledger {led.path}.")


@cli.group()
def ledger() -> None:
    """Inspect the letter ledger or import letters sent before lettergen."""


@ledger.command("import")
@click.argument("history", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Date recorded for the import. [default: today]")
def ledger_import(history: Path, ledger_path: Path, as_of: str | None) -> None:
    """Import letters sent before lettergen from a CSV.

    Columns: account_id, stage, sent_on (YYYY-MM-DD), and optionally invoices
    (invoice numbers separated by ';') and template. Importing the same file
    twice is refused.
    """
    day = _as_of(as_of)
    digest = hashlib.sha256(history.read_bytes()).hexdigest()[:12]
    n = Ledger(ledger_path).import_csv(history, f"import-{digest}", day)
    click.echo(f"imported {n} letter{'s' if n != 1 else ''} from {history} into {ledger_path}")


@ledger.command("show")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True)
@click.option("--account", "account_id", help="Only this account.")
def ledger_show(ledger_path: Path, account_id: str | None) -> None:
    """List the letters recorded in the ledger, oldest first per account."""
    led = Ledger(ledger_path)
    hist = led.histories([account_id] if account_id else None)
    if not hist:
        click.echo(f"no letters recorded in {ledger_path}")
        return
    for aid in sorted(hist):
        for s in hist[aid]:
            click.echo(f"{aid}  {s.sent_on.isoformat()}  {s.stage:<16} batch {s.batch_id}  invoices {';'.join(s.invoices) or '-'}")


