"""``lettergen lint PATH...``: templates, folders, tone profiles and text files.

Templates are linted twice: in their own source (Jinja expressions are
placeholders), where every finding points at the template's line and column;
and rendered against the built-in fixture accounts, so the rules that need a
letter (required notices, data checks, block order) run too. Those findings
point at the template file, naming the fixture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lettergen.errors import ComposeError, LettergenError
from lettergen.models import Finding
from lettergen.config.policy import Policy
from lettergen.lint.checks import LintContext
from lettergen.lint.engine import lint_doc
from lettergen.lint.fixtures import FIXTURE_AS_OF, FIXTURES, fixture_history, fixture_policy
from lettergen.lint.spec import Pack
from lettergen.lint.packs import load_packs
from lettergen.lint.text import letter_doc, template_doc, text_doc, tone_doc

TEMPLATE_SUFFIX = ".html.j2"


@dataclass
class LintRun:
    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _classify(path: Path) -> str:
    name = path.name
    if name == "approvals.yaml":  # legal's sign-off records (lettergen.approval), not a tone profile
        return ""
    if name.endswith(TEMPLATE_SUFFIX):
        return "template"
    if path.suffix in (".yaml", ".yml"):
        return "tone"
    if path.suffix in (".txt", ".md"):
        return "text"
    return ""


def collect(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for p in paths:
        if not p.exists():
            raise LettergenError(f"{p}: no such file or folder.")
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                kind = _classify(f)
                if f.is_file() and kind and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    out.append((f, kind))
        else:
            kind = _classify(p)
            if not kind:
                raise LettergenError(f"{p}: lint reads letter templates (*.html.j2), tone profiles (*.yaml) and text files (*.txt).")
            out.append((p, kind))
    return out


def _stage_of(path: Path, policy: Policy | None, stage: str | None) -> str | None:
    if stage:
        return stage
    name = path.name[: -len(TEMPLATE_SUFFIX)]
    if name.startswith("_"):
        return None
    if policy is not None:
        return next((s.name for s in policy.stages if s.template == name), name)
    return name


def lint_paths(
    paths: Sequence[Path],
    *,
    policy: Policy | None = None,
    stage: str | None = None,
    packs: Sequence[Pack] | None = None,
    tones: Path | None = None,
    render: bool = True,
) -> LintRun:
    packs = tuple(load_packs() if packs is None else packs)
    actions = {s.name: frozenset(s.intended_actions) for s in policy.stages} if policy else {}
    base_ctx = LintContext(stage=stage, collector=policy.collector if policy else "first_party", actions=actions)
    run = LintRun()
    items = collect(paths)
    tone_dirs = sorted({p.parent for p, k in items if k == "tone"})
    for path, kind in items:
        run.files.append(str(path))
        if kind == "template":
            doc = template_doc(path, stage=_stage_of(path, policy, stage))
        elif kind == "tone":
            doc = tone_doc(path)
        else:
            doc = text_doc(path, stage=stage)
        run.sources[doc.path] = path.read_text(encoding="utf-8-sig")
        run.findings += lint_doc(doc, packs, base_ctx)
    if render:
        template_dirs = sorted({p.parent for p, k in items if k == "template"})
        for folder in template_dirs:
            run.findings += _render_fixtures(folder, policy, packs, tones or (tone_dirs[0] if tone_dirs else None))
    return run


def _render_fixtures(folder: Path, policy: Policy | None, packs: Sequence[Pack], tones: Path | None) -> list[Finding]:
    from lettergen.compose import Composer, TemplateSet, default_tones_dir
    from lettergen.plan import job_for_stage

    names = sorted(p.name[: -len(TEMPLATE_SUFFIX)] for p in folder.glob(f"*{TEMPLATE_SUFFIX}") if not p.name.startswith("_"))
    if not names:
        return []
    if policy is None:
        order = ["polite_reminder", "firm_notice", "final_demand"]
        names = sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))
    templates = TemplateSet(folder)
    out: list[Finding] = []
    for fx in FIXTURES:
        pol = fixture_policy(policy, names, fx.collector)
        try:
            composer = Composer(pol, templates, tones or default_tones_dir())
        except ComposeError as exc:
            return [Finding(rule="lint.Compose", level="error", message=exc.message, citation="lettergen", path=str(folder), line=1, column=1)]
        for idx, st in enumerate(pol.stages):
            if not (folder / f"{st.template}{TEMPLATE_SUFFIX}").exists():
                continue
            path = str(folder / f"{st.template}{TEMPLATE_SUFFIX}")
            job = job_for_stage(fx.account, pol, fixture_history(pol, idx, fx.account), FIXTURE_AS_OF, st.name)
            try:
                letter = composer.compose(job)
            except ComposeError as exc:
                out.append(Finding(rule="lint.Compose", level="error", message=exc.message, citation="lettergen", path=path, line=1, column=1))
                continue
            ctx = LintContext(stage=st.name, collector=pol.collector, debt_type=fx.account.debt_type, jurisdiction=fx.account.jurisdiction,
                              actions={s.name: frozenset(s.intended_actions) for s in pol.stages}, first_letter=not job.previous,
                              letter=letter, history=job.previous, as_of=FIXTURE_AS_OF)
            doc = letter_doc(letter.html, path, stage=st.name)
            for f in lint_doc(doc, packs, ctx, rendered=True):
                rule_needs_letter = any(r.id == f.rule and r.needs_letter for p in packs for r in p.rules)
                if not rule_needs_letter:
                    continue  # wording findings are reported at their source line by the static pass
                out.append(f.model_copy(update={"path": path, "line": 1, "column": 1, "end_line": 1, "end_column": 1,
                                                "message": f"{f.message} (rendered for fixture {fx.key}, stage {st.name})"}))
    # the same problem for several fixtures is one finding per rule and message
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for f in out:
        key = (f.path, f.rule, f.message)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique
