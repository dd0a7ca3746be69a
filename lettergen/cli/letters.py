"""The weekly commands of collections staff: who gets which letter (``plan``), the letters (``batch``), one letter
(``preview``), and the fields an export can have (``fields``)."""

from __future__ import annotations

from pathlib import Path

import click

from lettergen.errors import LettergenError
from lettergen.ledger import DEFAULT_LEDGER, Ledger
from lettergen.config.mapping import FIELDS
from lettergen.load import load_accounts
from lettergen.plan import plan_all
from lettergen.report import plan_csv, plan_json, plan_table
from lettergen.cli.common import _Bar, _as_of, _formats, _policy, _warn_harfbuzz, cli, input_options, template_options


@cli.command()
@click.argument("accounts", type=click.Path(path_type=Path))
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path), help="Collection policy YAML. [default: ./policy.yaml]")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Plan as of this date. [default: today]")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True,
              help="Letter ledger (SQLite). Read only; a missing ledger means no letters sent yet.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@template_options
@input_options
def plan(accounts: Path, policy_path: Path | None, as_of: str | None, ledger_path: Path, fmt: str,
         templates: Path | None, tones: Path | None,
         invoices: Path | None, mapping: Path | None, date_format: str | None, encoding: str | None) -> None:
    """Show which letter each account in ACCOUNTS gets on the as-of date, and why the others get none.

    ACCOUNTS is a CSV (one row per invoice), an XLSX workbook, or a JSON/YAML file;
    with --invoices it is an accounts CSV joined to an invoices CSV. Nothing is written.
    Rows that cannot be used are listed with their file, row, column and reason.
    Every stage's template and tone profile is checked first, as the batch would check them.
    """
    from lettergen.compose import Composer

    day = _as_of(as_of)
    pol = _policy(policy_path)
    composer = Composer(pol, templates, tones)
    composer.check()  # every stage's template exists and compiles, every tone has every phrase
    loaded = load_accounts(accounts, mapping, invoices=invoices, date_format=date_format, encoding=encoding, default_currency=pol.currency)
    histories = Ledger(ledger_path).histories(a.id for a in loaded.accounts)
    result = plan_all(loaded.accounts, pol, histories, day, loaded.rejections)
    text = {"table": plan_table, "csv": plan_csv, "json": plan_json}[fmt](result)
    click.echo(text, nl=False)




@cli.command()
@click.argument("accounts", type=click.Path(path_type=Path))
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path), help="Collection policy YAML. [default: ./policy.yaml]")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Letter date and planning date. [default: today]")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("batches"), show_default=True,
              help="Folder for batch folders; each run writes a new one named after the date.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), help="Letter ledger. [default: OUT/lettergen.db]")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes for typesetting. [default: all cores]")
@click.option("--format", "fmt", default="pdf,docx", show_default=True, help="Letter formats: pdf, docx or pdf,docx.")
@click.option("--duplex/--simplex", default=None,
              help="Print on both sides: each letter gets a blank back page when its page count is odd, so every letter "
                   "starts on a front side; the manifests count sheets. [default: the policy's mailing.duplex]")
@click.option("--draft", is_flag=True,
              help="Run even though a template or tone profile is not approved (or changed since approval): every PDF "
                   "page is stamped 'DRAFT – NOT APPROVED' diagonally, every DOCX carries it in the header, the folder "
                   "is named draft-DATE-NNN, and nothing is recorded in the ledger.")
@click.option("--debug-windows", is_flag=True,
              help="Also write debug-windows.pdf: batch.pdf with the envelope windows, their 1/8 in clearance and the "
                   "area that can show through drawn on every letter's first page (for looking, not for mailing).")
@template_options
@input_options
def batch(accounts: Path, policy_path: Path | None, as_of: str | None, out: Path, ledger_path: Path | None, jobs: int | None,
          fmt: str, duplex: bool | None, draft: bool, debug_windows: bool, templates: Path | None, tones: Path | None, invoices: Path | None,
          mapping: Path | None, date_format: str | None, encoding: str | None) -> None:
    """Produce this week's letters: one folder with every letter as PDF and DOCX, batch.pdf, batch.docx,
    manifest.csv/.json, skipped.csv, rejected.csv, held.csv, summary.txt, the vendor's mail/ folder (a PDF
    and a manifest per inserter group, job.json) and SHA256SUMS.

    Every account ends in exactly one of the manifest, skipped.csv, rejected.csv or held.csv (a letter the
    linter or the envelope-window check stopped). Only approved text is mailed: the batch refuses to run when
    a template or tone profile it uses is not approved as it is now (lettergen approve; lettergen diff shows
    the change), unless --draft. The ledger records
    the letters only once every file is complete, so running the same batch again sends nothing twice.
    """
    from lettergen.batch import BatchOptions, nothing_to_send, run_batch

    formats = _formats(fmt)
    day = _as_of(as_of)
    pol = _policy(policy_path)
    _warn_harfbuzz()
    opts = BatchOptions(out=out, ledger=ledger_path, jobs=jobs, formats=formats, templates=templates, tones=tones,
                        duplex=duplex, debug_windows=debug_windows, draft=draft)
    with _Bar() as bar:
        loaded = load_accounts(accounts, mapping, invoices=invoices, date_format=date_format, encoding=encoding,
                               default_currency=pol.currency, progress=bar)
        result = run_batch(loaded, pol, day, opts, progress=bar)
    for note in result.warnings:
        click.echo(f"lettergen: note: {note}", err=True)
    if result.folder is None:
        click.echo(f"lettergen: {nothing_to_send(result.plan)}")
        return
    click.echo((result.folder / "summary.txt").read_text(encoding="utf-8"), nl=False)
    click.echo(f"\nBatch written to {result.folder}/")
    for name in ("batch.pdf", "batch.docx", "manifest.csv", "skipped.csv", "rejected.csv", "held.csv", "summary.txt",
                 "mail/job.json", "debug-windows.pdf", "SHA256SUMS"):
        if (result.folder / name).exists():
            click.echo(f"  {result.folder / name}")


@cli.command()
@click.argument("accounts", type=click.Path(path_type=Path))
@click.option("--account", "account_id", required=True, help="The account to preview.")
@click.option("--stage", required=True, help="The stage whose letter to show (e.g. final_demand).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path), help="Collection policy YAML. [default: ./policy.yaml]")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Letter date. [default: today]")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True,
              help="Ledger to read earlier letters from (never written).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("previews"), show_default=True)
@click.option("--debug-windows", is_flag=True, help="Also write NAME-windows.pdf with the envelope windows drawn on the first page.")
@template_options
@input_options
def preview(accounts: Path, account_id: str, stage: str, policy_path: Path | None, as_of: str | None, ledger_path: Path,
            out: Path, debug_windows: bool, templates: Path | None, tones: Path | None, invoices: Path | None, mapping: Path | None,
            date_format: str | None, encoding: str | None) -> None:
    """Write one account's letter for one stage as PDF and DOCX, without touching the ledger."""
    from lettergen.batch import preview_letter

    day = _as_of(as_of)
    pol = _policy(policy_path)
    loaded = load_accounts(accounts, mapping, invoices=invoices, date_format=date_format, encoding=encoding, default_currency=pol.currency)
    account = next((a for a in loaded.accounts if a.id == account_id), None)
    if account is None:
        why = [r for r in loaded.rejections if r.account_id == account_id]
        if why:
            raise LettergenError(f"account {account_id} was rejected: row {why[0].row}, {why[0].column or 'account'}: {why[0].reason}.")
        raise LettergenError(f"account {account_id} is not in {accounts}; check the id (lettergen plan lists them).")
    shown = preview_letter(account, pol, Ledger(ledger_path).history(account_id), day, stage, out, templates=templates, tones=tones,
                           debug_windows=debug_windows)
    click.echo(f"{shown.pdf} ({shown.pages} page{'s' if shown.pages != 1 else ''})\n{shown.docx}")
    for problem in shown.window_problems:
        click.echo(f"lettergen: envelope window ({shown.envelope}): {problem}; a batch would hold this letter.", err=True)
    if shown.windows_pdf:
        click.echo(f"{shown.windows_pdf} (the envelope windows drawn on the first page)")
    if shown.refused:
        click.echo(f"lettergen: warning: refused to load {', '.join(sorted(set(shown.refused)))}", err=True)




@cli.command("fields")
def fields_cmd() -> None:
    """List the fields an export can have (map other headers to them with --mapping)."""
    for name, doc in FIELDS.items():
        click.echo(f"{name:<16} {doc}")


