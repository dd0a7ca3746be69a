"""The commands of legal reviewers: ``lint``, ``rules``, ``approve``, ``diff`` and ``review``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from lettergen import __version__
from lettergen.errors import LettergenError
from lettergen.config.policy import Policy
from lettergen.review import DEFAULT_OUT, FIXTURE_AS_OF, write_review
from lettergen.cli.common import _as_of, _policy, cli, optional_policy


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
    from lettergen.approval import approve as approve_files

    day = _as_of(on)
    pol = optional_policy(policy_path)
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
    from lettergen.approval import approved_text, diff_html, diff_terminal, status

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
@click.option("--format", "fmt", type=click.Choice(["human", "json", "sarif", "github", "html"]), default="human", show_default=True,
              help="human: path:line:col lines; json: one object per finding; sarif: SARIF 2.1.0 for code scanning; "
                   "github: GitHub Actions annotations at the line; html: the text with each finding marked, for legal.")
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
    from lettergen.lint.packs import load_packs
    from lettergen.lint.report import as_html, as_json, github, human, records, sarif
    from lettergen.lint.run import lint_paths

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
    elif fmt == "github":
        text = github(recs, root=Path.cwd())
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
    from lettergen.lint.docs import rules_markdown, rules_table
    from lettergen.lint.packs import load_packs

    loaded = load_packs(names=list(packs) or None)
    click.echo(rules_markdown(loaded) if fmt == "md" else rules_table(loaded), nl=False)


@cli.command("review")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Folder for index.html and docx/<template>.docx.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The policy whose stage templates are reviewed. [default: ./policy.yaml]")
@click.option("--templates", type=click.Path(file_okay=False, path_type=Path), help="Template folder. [default: ./letter_templates]")
@click.option("--tones", type=click.Path(file_okay=False, path_type=Path), help="Tone profile folder. [default: ./tone_profiles]")
@click.option("--pack", "packs", multiple=True, help="Only these rule packs (repeatable).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help=f"Date of the letters. [default: {FIXTURE_AS_OF.isoformat()}]")
def review_command(out: Path, policy_path: Path | None, templates: Path | None, tones: Path | None, packs: tuple[str, ...],
                   as_of: str | None) -> None:
    """Write a self-contained HTML page for legal sign-off (and a DOCX per template for redlining).

    Every stage template is rendered for the fixture accounts in every tone and linted;
    findings are marked in the text, with each file's approval status and its redline
    since approval. Open OUT/index.html in a browser; it loads nothing from anywhere.
    """
    try:
        day = date.fromisoformat(as_of) if as_of else FIXTURE_AS_OF
    except ValueError:
        raise click.BadParameter(f"'{as_of}' is not a date; use YYYY-MM-DD, e.g. 2026-11-27.", param_hint="--as-of") from None
    index = write_review(out, _policy(policy_path), templates, tones, list(packs) or None, as_of=day)
    click.echo(f"wrote {index} and {out / 'docx'}/ (one DOCX per template)")
