"""The ``lettergen`` command: parse options, make one library call, print, exit.

Exit status: 0 success, 1 the command ran and found a problem it reports
(e.g. lint errors), 2 bad usage or bad input (a one-paragraph message on
stderr, never a traceback).
"""

from __future__ import annotations

import hashlib
import sys
from datetime import date
from pathlib import Path

import click

from . import __version__
from .errors import LettergenError
from .ledger import DEFAULT_LEDGER, Ledger
from .load import FIELDS, load_accounts
from .plan import job_for_stage, plan_all
from .policy import Policy
from .report import plan_csv, plan_json, plan_table

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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


@cli.command()
@click.argument("accounts", type=click.Path(path_type=Path))
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path), help="Collection policy YAML. [default: ./policy.yaml]")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Plan as of this date. [default: today]")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True,
              help="Letter ledger (SQLite). Read only; a missing ledger means no letters sent yet.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@input_options
def plan(accounts: Path, policy_path: Path | None, as_of: str | None, ledger_path: Path, fmt: str,
         invoices: Path | None, mapping: Path | None, date_format: str | None, encoding: str | None) -> None:
    """Show which letter each account in ACCOUNTS gets on the as-of date, and why the others get none.

    ACCOUNTS is a CSV (one row per invoice), an XLSX workbook, or a JSON/YAML file;
    with --invoices it is an accounts CSV joined to an invoices CSV. Nothing is written.
    Rows that cannot be used are listed with their file, row, column and reason.
    """
    day = _as_of(as_of)
    pol = _policy(policy_path)
    loaded = load_accounts(accounts, mapping, invoices=invoices, date_format=date_format, encoding=encoding, default_currency=pol.currency)
    histories = Ledger(ledger_path).histories(a.id for a in loaded.accounts)
    result = plan_all(loaded.accounts, pol, histories, day, loaded.rejections)
    text = {"table": plan_table, "csv": plan_csv, "json": plan_json}[fmt](result)
    click.echo(text, nl=False)


def _formats(value: str) -> tuple[str, ...]:
    parts = tuple(p.strip().lower() for p in value.split(",") if p.strip())
    bad = [p for p in parts if p not in ("pdf", "docx")]
    if bad or not parts:
        raise click.BadParameter(f"'{value}': use pdf, docx or pdf,docx.", param_hint="--format")
    return parts


def _warn_harfbuzz() -> None:
    from .typeset.pdf import harfbuzz_subsetter_available

    if not harfbuzz_subsetter_available():
        click.echo(
            "lettergen: warning: WeasyPrint found no HarfBuzz subsetter, so fonts are subset with fontTools "
            "(about 4x slower). Install it: apt-get install libharfbuzz-subset0",
            err=True,
        )


class _Bar:
    """A rich progress bar with ETA on a terminal; nothing on a pipe."""

    def __init__(self) -> None:
        self.progress = None
        self.task = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("typesetting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                     console=Console(stderr=True), transient=True)

    def __enter__(self) -> "_Bar":
        if self.progress:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress:
            self.progress.stop()

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None:
            return
        if self.task is None:
            self.task = self.progress.add_task("letters", total=total)
        self.progress.update(self.task, completed=done)


def template_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--tones", type=click.Path(file_okay=False, path_type=Path), help="Tone profile folder. [default: ./tone_profiles, else the shipped ones]")(f)
    f = click.option("--templates", type=click.Path(file_okay=False, path_type=Path), help="Letter template folder. [default: ./letter_templates, else the shipped ones]")(f)
    return f


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
    from .batch import BatchOptions, run_batch

    formats = _formats(fmt)
    day = _as_of(as_of)
    pol = _policy(policy_path)
    _warn_harfbuzz()
    loaded = load_accounts(accounts, mapping, invoices=invoices, date_format=date_format, encoding=encoding, default_currency=pol.currency)
    opts = BatchOptions(out=out, ledger=ledger_path, jobs=jobs, formats=formats, templates=templates, tones=tones,
                        duplex=duplex, debug_windows=debug_windows, draft=draft)
    with _Bar() as bar:
        result = run_batch(loaded, pol, day, opts, progress=bar)
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
    from .compose import Composer
    from .typeset.docx import build_docx
    from .envelope import docx_page_size
    from .typeset.pdf import PdfRenderer, wrap_document

    day = _as_of(as_of)
    pol = _policy(policy_path)
    loaded = load_accounts(accounts, mapping, invoices=invoices, date_format=date_format, encoding=encoding, default_currency=pol.currency)
    account = next((a for a in loaded.accounts if a.id == account_id), None)
    if account is None:
        why = [r for r in loaded.rejections if r.account_id == account_id]
        if why:
            raise LettergenError(f"account {account_id} was rejected: row {why[0].row}, {why[0].column or 'account'}: {why[0].reason}.")
        raise LettergenError(f"account {account_id} is not in {accounts}; check the id (lettergen plan lists them).")
    job = job_for_stage(account, pol, Ledger(ledger_path).history(account_id), day, stage)
    composer = Composer(pol, templates, tones)
    # With an IMb in the policy, the preview shows one (serial_start, a sample: previews are never mailed).
    letter = composer.compose(job, pol.mailing.imb.serial_start if pol.mailing.imb else None)
    from .typeset.fonts import unprintable_messages

    unprintable = unprintable_messages(letter.html, account)
    if unprintable:
        raise LettergenError(f"account {account_id}: {'; '.join(unprintable)}. A batch holds this letter (typeset.Glyphs); "
                             "no preview was written.")
    out.mkdir(parents=True, exist_ok=True)
    base = out / f"{account_id}-{stage}"
    title = f"Preview {account_id} {stage}"
    renderer = PdfRenderer(composer.templates.folder, day, pol.envelope)
    chunk = renderer.render([letter.html], [letter.anchor], title)
    base.with_suffix(".pdf").write_bytes(chunk.pdf)
    build_docx(wrap_document([letter.html], title), base.with_suffix(".docx"), page_size=docx_page_size(pol.envelope), created=day,
               title=title)
    click.echo(f"{base}.pdf ({chunk.pages} page{'s' if chunk.pages != 1 else ''})\n{base}.docx")
    from .envelope import check_letters, debug_overlay

    (problems,) = check_letters(chunk.pdf, [0], renderer.envelope, recipients=[letter.context["recipient_lines"]],
                                return_lines=pol.sender.return_lines)
    for problem in problems:
        click.echo(f"lettergen: envelope window ({renderer.envelope.name}): {problem}; a batch would hold this letter.", err=True)
    if debug_windows:
        debug_overlay(base.with_suffix(".pdf"), out / f"{account_id}-{stage}-windows.pdf", renderer.envelope, [0])
        click.echo(f"{out / f'{account_id}-{stage}-windows.pdf'} (the envelope windows drawn on the first page)")
    if chunk.refused:
        click.echo(f"lettergen: warning: refused to load {', '.join(sorted(set(chunk.refused)))}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by", required=True, help="Who approves the text (name, and role if you like).")
@click.option("--note", default="", help="Why, or what was reviewed (kept with the approval).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Policy whose stages' intended actions the lint applies. [default: ./policy.yaml if present]")
@click.option("--on", "on", metavar="YYYY-MM-DD", help="Approval date. [default: today]")
def approve(paths: tuple[Path, ...], by: str, note: str, policy_path: Path | None, on: str | None) -> None:
    """Approve templates and tone profiles for mailing (legal sign-off).

    Records, in approvals.yaml next to each file (letter_templates/, tone_profiles/), the file's SHA-256, who
    approved it, when, the note and the rule-pack versions it was linted with, and keeps a copy of the approved
    text in .approved/. A file with lint errors is refused. A batch mails only approved text.
    """
    from .approval import approve as approve_files

    day = _as_of(on)
    pol = Policy.from_yaml(policy_path) if policy_path else (Policy.from_yaml("policy.yaml") if Path("policy.yaml").exists() else None)
    for a in approve_files(list(paths), by, note, day, pol):
        click.echo(f"{a.id}  {a.path}  sha256 {a.sha256[:12]}  approved by {a.approved_by} on {a.approved_on}")


@cli.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["terminal", "html"]), default="terminal", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML redline here.")
@click.option("--color/--no-color", default=None, help="Colour the terminal diff. [default: when stdout is a terminal]")
def diff(path: Path, fmt: str, output: Path | None, color: bool | None) -> None:
    """Show what changed in a template or tone profile since it was approved, word by word.

    Deleted words are red and struck through ([-old-] without colour), inserted words green ({+new+}).
    Exit status 0 when the file is as approved, 1 when it changed, 2 when it was never approved.
    """
    from .approval import approved_text, diff_html, diff_terminal, status

    st = status(path)
    old = approved_text(path)
    if st.approval is None or old is None:
        raise LettergenError(f"{path} has never been approved, so there is nothing to compare with; approve it with "
                             f"lettergen approve {path} --by NAME.")
    new = path.read_text(encoding="utf-8")
    head = f"{path}: approved as {st.approval.id} by {st.approval.approved_by} on {st.approval.approved_on}"
    if fmt == "html":
        text = diff_html(old, new, title=f"{path}: changes since approval {st.approval.id}")
        if output:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
        else:
            click.echo(text, nl=False)
    else:
        use_color = sys.stdout.isatty() if color is None else color
        body = diff_terminal(old, new, color=use_color)
        click.echo(head + ("; unchanged since." if not body else "; changed since:"))
        if body:
            click.echo(body, nl=False, color=use_color)
    sys.exit(0 if st.ok else 1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--stage", help="Lint as this stage (default: from each template's name; tone phrases know their stage).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Policy whose intended_actions and collector type apply (default: none declared, first party).")
@click.option("--pack", "packs", multiple=True, help="Only these rule packs (repeatable), e.g. --pack FDCPA --pack House.")
@click.option("--format", "fmt", type=click.Choice(["human", "json", "sarif", "html"]), default="human", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here instead of stdout.")
@click.option("--tones", type=click.Path(file_okay=False, path_type=Path), help="Tone profiles for rendering templates. [default: ./tone_profiles]")
@click.option("--no-render", is_flag=True, help="Only lint the template source; do not render against fixture accounts.")
def lint(paths: tuple[Path, ...], stage: str | None, policy_path: Path | None, packs: tuple[str, ...], fmt: str, output: Path | None,
         tones: Path | None, no_render: bool) -> None:
    """Check letter wording against the rule packs (FDCPA, RegF, CA, NY, MA, House).

    PATH is a template (*.html.j2), a folder of templates, a tone profile (*.yaml) or a
    plain text file (*.txt). Each finding cites the rule it rests on. Exit status: 0 no
    errors, 1 errors found, 2 bad usage. Silence a finding with accountability:
    {# lint-allow Pack.Rule: reason #} before the paragraph (the reason is required).
    """
    from .lint.packs import load_packs
    from .lint.report import as_html, as_json, human, records, sarif
    from .lint.run import lint_paths

    pol = Policy.from_yaml(policy_path) if policy_path else None
    loaded = load_packs(names=list(packs) or None)
    run = lint_paths(list(paths), policy=pol, stage=stage, packs=loaded, tones=tones, render=not no_render)
    recs = records(run.findings)
    if fmt == "human":
        text = human(recs)
    elif fmt == "json":
        text = as_json(recs)
    elif fmt == "sarif":
        text = sarif(recs, loaded, __version__, root=Path.cwd())
    else:
        text = as_html(recs, run.sources, title=f"lettergen lint: {', '.join(str(p) for p in paths)}")
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    if any(r["level"] == "error" and not r["suppressed"] for r in recs):
        sys.exit(1)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "md"]), default="table", show_default=True)
@click.option("--pack", "packs", multiple=True, help="Only these packs.")
def rules(fmt: str, packs: tuple[str, ...]) -> None:
    """List every lint rule with its id, level, citation and message (docs/rules.md is --format md)."""
    from .lint.docs import rules_markdown, rules_table
    from .lint.packs import load_packs

    loaded = load_packs(names=list(packs) or None)
    click.echo(rules_markdown(loaded) if fmt == "md" else rules_table(loaded), nl=False)


@cli.command()
@click.argument("account_id")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def history(account_id: str, ledger_path: Path, fmt: str) -> None:
    """Every letter sent to ACCOUNT_ID, oldest first, with its evidence: template and tone hashes and approval
    ids, rule-pack versions, the lint result, the SHA-256 of the letter's PDF and of batch.pdf, batch and date."""
    from .evidence import history_json, history_table

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
    from .evidence import verify_batch

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


@cli.command("fields")
def fields_cmd() -> None:
    """List the fields an export can have (map other headers to them with --mapping)."""
    for name, doc in FIELDS.items():
        click.echo(f"{name:<16} {doc}")


from .review import review_command  # noqa: E402  (the review pack lives in lettergen/review.py)

cli.add_command(review_command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: a user's mistake ends with one paragraph on stderr and exit 2."""
    try:
        cli.main(args=argv, prog_name="lettergen", standalone_mode=False)
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
    except KeyboardInterrupt:
        click.echo("lettergen: interrupted; nothing was recorded", err=True)
        sys.exit(130)
    sys.exit(0)
