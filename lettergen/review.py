"""``lettergen review``: one self-contained HTML page for legal sign-off, and a DOCX per template.

    write_review(out, policy, templates=None, tones=None, packs=None, as_of=FIXTURE_AS_OF) -> out/index.html

For every template a stage of the policy uses, the page shows:

* its approval status (``lettergen.approval``): approved (by whom, when, the
  note, the rule packs), changed since approval (with the word-level redline,
  ``<del>``/``<ins>``, embedded) or unapproved;
* the template rendered for every built-in fixture account
  (``lettergen.lint.fixtures``: consumer and commercial debt, first and third
  party, the CA, MA and NY state packs and a plain state) in every tone, the
  same way ``lettergen lint`` renders templates (``lettergen.lint.run``);
* each rendering's text with every lint finding marked in place
  (``<mark class="finding level-..." id="f-N">``), and a findings list whose
  entries scroll to their mark and highlight it.

The tone profiles and the shared template files (``_*.html.j2``, ``style.css``)
get their approval status and redline too. Every template's renderings also go
into ``out/docx/<template>.docx`` (one letter per rendering) for redlining in Word.

The page loads nothing: its CSS and its few lines of script are inline, a
Content-Security-Policy forbids any other source, and every piece of data is
escaped. The same inputs give the same bytes (the only date is ``as_of``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from pathlib import Path


from lettergen.approval import Status, approved_text, display_name, status, word_diff
from lettergen.compose import Composer, TemplateSet, default_templates_dir, default_tones_dir
from lettergen.errors import LettergenError
from lettergen.lint import lint_letter, load_packs
from lettergen.lint.fixtures import FIXTURE_AS_OF, FIXTURES, Fixture, fixture_history, fixture_policy
from lettergen.lint.spec import Pack
from lettergen.lint.text import letter_doc
from lettergen.models import Finding, Letter
from lettergen.plan import job_for_stage
from lettergen.config.policy import Policy
from lettergen.config.tones import ToneSet

__all__ = ["write_review", "Rendering", "Mark", "highlight", "redline_html", "DEFAULT_OUT"]

DEFAULT_OUT = Path("review")
LEVELS = ("error", "warning", "suggestion")
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


# ----------------------------------------------------------------------------- data


@dataclass
class Mark:
    """One finding placed in a rendering's text: [start, end) offsets (start == end: a point, e.g. a missing notice)."""

    fid: str
    finding: Finding
    start: int
    end: int


@dataclass
class Rendering:
    """One template rendered for one fixture account in one tone, and linted."""

    rid: str
    template: str
    stage: str
    fixture: Fixture
    tone: str
    default_tone: bool
    text: str = ""
    html: str = ""
    marks: list[Mark] = field(default_factory=list)
    error: str = ""
    error_fid: str = ""


@dataclass
class _Template:
    name: str
    path: Path
    status: Status | None
    renderings: list[Rendering] = field(default_factory=list)


def _fixture_desc(fx: Fixture) -> str:
    acc = fx.account
    state = acc.jurisdiction.split("-", 1)[-1] if acc.jurisdiction else ""
    return f"{acc.debt_type} debt, {fx.collector.replace('_', ' ')} collector, {state}"


def _offsets(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _offset(starts: list[int], length: int, line: int, column: int) -> int:
    """The offset of a 1-based (line, column) in the text (clamped to it)."""
    if line <= 0:
        return 0
    if line > len(starts):
        return length
    return max(0, min(length, starts[line - 1] + max(column, 1) - 1))


def _marks_for(text: str, findings: Sequence[Finding]) -> list[Mark]:
    """Each finding's span in the text it was found in (ids are given later, in page order)."""
    starts = _offsets(text)
    out = []
    for f in findings:
        a = _offset(starts, len(text), f.line, f.column)
        b = _offset(starts, len(text), f.end_line, f.end_column) if f.end_line else a
        out.append(Mark("", f, a, max(a, b)))
    return out


# ----------------------------------------------------------------------------- rendering


def _shift_history(history, days: int):  # type: ignore[no-untyped-def]
    if not days:
        return history
    return tuple(h.model_copy(update={"sent_on": h.sent_on + timedelta(days=days)}) for h in history)


def _render_all(policy: Policy, templates: TemplateSet, tones: ToneSet, packs: Sequence[Pack], as_of: date,
                template_names: list[str]) -> dict[str, list[Rendering]]:
    """Every stage template x fixture account x tone, composed and linted as ``lettergen lint`` renders templates."""
    out: dict[str, list[Rendering]] = {t: [] for t in template_names}
    tone_names = sorted(tones.profiles)
    shift = (as_of - FIXTURE_AS_OF).days
    for fx in FIXTURES:
        pol = fixture_policy(policy, template_names, fx.collector)
        composer = Composer(pol, templates, tones)
        for idx, st in enumerate(pol.stages):
            ordered = [st.tone] + [t for t in tone_names if t != st.tone] if st.tone in tone_names else tone_names
            for tone in ordered:
                account = fx.account.model_copy(update={"tone": tone})
                r = Rendering(rid=f"r-{_SLUG.sub('-', st.template)}-{_SLUG.sub('-', st.name)}-{fx.key}-{_SLUG.sub('-', tone)}",
                              template=st.template, stage=st.name, fixture=fx, tone=tone, default_tone=(tone == st.tone))
                try:
                    history = _shift_history(fixture_history(pol, idx, account), shift)
                    job = job_for_stage(account, pol, history, as_of, st.name)
                    letter: Letter = composer.compose(job)
                except LettergenError as exc:
                    r.error = exc.message
                    out[st.template].append(r)
                    continue
                name = f"{templates.path(st.template)} [{fx.key}, tone {tone}]"
                findings = lint_letter(letter, pol, packs, name=name)
                r.html = letter.html
                r.text = letter_doc(letter.html, name, stage=st.name).text  # the text the findings' lines and columns refer to
                r.marks = _marks_for(r.text, findings)
                out[st.template].append(r)
    return out


# ----------------------------------------------------------------------------- HTML pieces


def _mark_open(m: Mark, first: bool) -> str:
    f = m.finding
    cls = f"finding level-{f.level}" + (" suppressed" if f.suppressed else "") + ("" if first else " cont") + (" point" if m.start == m.end else "")
    title = f"{f.rule} ({f.level}): {f.message}" + (f" [suppressed: {f.suppression_reason}]" if f.suppressed else "")
    ident = f'id="{m.fid}"' if first else f'data-of="{m.fid}"'
    return f'<mark class="{cls}" {ident} data-rule="{escape(f.rule)}" title="{escape(title)}">'


def highlight(text: str, marks: Sequence[Mark]) -> str:
    """``text`` escaped, each mark's span wrapped in ``<mark>`` in place.

    Overlapping spans nest properly: where a span ends inside another that began
    after it, the inner one is closed and reopened as a continuation
    (``data-of="f-N"``, no id), so every finding has exactly one element with its id.
    """
    spans = [m for m in marks if m.end > m.start]
    points: dict[int, list[Mark]] = {}
    for m in marks:
        if m.end == m.start:
            points.setdefault(m.start, []).append(m)
    starting: dict[int, list[Mark]] = {}
    for m in sorted(spans, key=lambda m: (m.start, -m.end)):
        starting.setdefault(m.start, []).append(m)
    bounds = sorted({0, len(text), *starting, *(m.end for m in spans), *points})
    out: list[str] = []
    stack: list[Mark] = []
    pos = 0
    for p in bounds:
        out.append(escape(text[pos:p]))
        pos = p
        ending = [i for i, m in enumerate(stack) if m.end <= p]
        if ending:
            k = ending[0]
            reopen = [m for m in stack[k:] if m.end > p]
            out.append("</mark>" * (len(stack) - k))
            del stack[k:]
            for m in reopen:
                out.append(_mark_open(m, first=False))
                stack.append(m)
        for m in points.get(p, []):
            out.append(_mark_open(m, first=True) + "</mark>")
        for m in starting.get(p, []):
            out.append(_mark_open(m, first=True))
            stack.append(m)
    out.append(escape(text[pos:]))
    out.append("</mark>" * len(stack))
    return "".join(out)


def redline_html(old: str, new: str, context: int = 2) -> str:
    """The change from ``old`` to ``new`` as HTML lines with ``<del>``/``<ins>`` (``word_diff``), changed lines with context.

    Returns '' when the texts are equal.
    """
    lines: list[list[str]] = [[]]
    numbers = [1]
    changed = [False]
    new_line = 1
    for op, text in word_diff(old, new):
        tag = {"delete": "del", "insert": "ins"}.get(op)
        parts = text.split("\n")
        for k, part in enumerate(parts):
            if k:
                if tag:  # a line break deleted or inserted: make it visible
                    lines[-1].append(f'<{tag} class="nl" title="line break">\u21b5</{tag}>')
                    changed[-1] = True
                if op != "delete":
                    new_line += 1
                lines.append([])
                numbers.append(new_line)
                changed.append(False)
            if part:
                lines[-1].append(f"<{tag}>{escape(part)}</{tag}>" if tag else escape(part))
                if tag:
                    changed[-1] = True
    if not any(changed):
        return ""
    keep = sorted({j for i, c in enumerate(changed) if c for j in range(max(0, i - context), min(len(lines), i + context + 1))})
    out = []
    last = -2
    for i in keep:
        if i != last + 1:
            out.append(f'<span class="hunk">@@ line {numbers[i]} @@</span>')
        out.append("".join(lines[i]))
        last = i
    return "\n".join(out)


def _status_html(path: Path, st: Status | None) -> str:
    if st is None:
        return f'<p class="approval"><span class="state state-missing">missing</span> {escape(display_name(path))} does not exist.</p>'
    a = st.approval
    who = ""
    if a is not None:
        packs = ", ".join(f"{escape(k)} {escape(str(v))}" for k, v in sorted(a.rule_packs.items()))
        who = (f' <span class="apr">{escape(a.id)}</span> by <b>{escape(a.approved_by)}</b> on {escape(a.approved_on)}'
               + (f' — note: “{escape(a.note)}”' if a.note else "") + (f' <span class="packs">(rule packs: {packs})</span>' if packs else ""))
    label = {"approved": "approved", "changed": "changed since approval", "unapproved": "unapproved"}[st.state]
    head = (f'<p class="approval" data-state="{st.state}"><span class="state state-{st.state}">{label}</span> '
            f'<code>{escape(display_name(path))}</code>{who}</p>')
    if st.state == "unapproved":
        return head + '<p class="hint">Not signed off: batches refuse to mail it (<code>lettergen approve</code>).</p>'
    if st.state != "changed":
        return head
    old = approved_text(path)
    if old is None:
        return head + f'<p class="hint">The approved copy ({escape(a.copy if a else "")}) is missing, so the change cannot be shown.</p>'
    red = redline_html(old, path.read_text(encoding="utf-8"))
    if not red:
        return head + '<p class="hint">The words are unchanged; the file differs from the approved copy only in its bytes (line endings or encoding).</p>'
    return head + f'<div class="redline-box"><p class="hint">Changes since approval (deleted <del>like this</del>, inserted <ins>like this</ins>):</p><pre class="redline">{red}</pre></div>'


def _file_status(path: Path) -> Status | None:
    return status(path) if path.is_file() else None


_CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1b1b1b;background:#f6f6f4;line-height:1.45}
header.page,main{max-width:1100px;margin:0 auto;padding:0 1.2rem}
header.page{padding-top:1.2rem}
h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.3rem;margin:1.6rem 0 .4rem;border-bottom:2px solid #333}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
h4{font-size:.98rem;margin:0 0 .4rem}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
table{border-collapse:collapse;margin:.4rem 0 1rem;background:#fff}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;font-size:.92rem}
td.n{text-align:right}
section.template,section.files{background:#fff;border:1px solid #ccc;border-radius:6px;padding:.2rem 1rem 1rem;margin:1.2rem 0}
.state{display:inline-block;font-weight:700;border-radius:3px;padding:0 .4em;text-transform:uppercase;font-size:.8rem;letter-spacing:.03em}
.state-approved{background:#dcf5dc;color:#0b5b0b}
.state-changed{background:#fff0c2;color:#6b4a00}
.state-unapproved,.state-missing{background:#fde2e2;color:#8a0000}
.hint{color:#555;font-size:.92rem;margin:.2rem 0}
.packs{color:#555;font-size:.88rem}
pre.redline{white-space:pre-wrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;background:#fafafa;border:1px solid #ddd;padding:.5rem;line-height:1.4}
.hunk{color:#777}
del{color:#a40000;background:#fde2e2}
ins{color:#0b6b0b;background:#dcf5dc;text-decoration:underline}
ol.findings{padding-left:1.6rem;margin:.3rem 0 1rem}
ol.findings li{margin:.15rem 0}
a.finding-link{color:inherit;text-decoration:none;display:block;border-left:4px solid #999;padding:.1rem .4rem;border-radius:2px}
a.finding-link:hover,a.finding-link:focus{background:#eef3ff}
a.finding-link.current{background:#dfe8ff}
li.level-error a.finding-link{border-color:#c00}
li.level-warning a.finding-link{border-color:#d08a00}
li.level-suggestion a.finding-link{border-color:#2a6fd6}
.lvl{font-weight:700;text-transform:uppercase;font-size:.75rem}
.cite{color:#444}
.where{color:#666;font-size:.85rem}
.none{color:#0b5b0b}
article.rendering{border-top:1px solid #ddd;padding-top:.6rem;margin-top:.8rem}
.letter-text{white-space:pre-wrap;font-family:Georgia,"Times New Roman",serif;font-size:.95rem;background:#fffef9;border:1px solid #e3e0d0;padding:.6rem .8rem;line-height:1.55;overflow-wrap:anywhere}
mark.finding{border-radius:2px;padding:0 1px;color:inherit}
mark.level-error{background:#ffc9c9;border-bottom:2px solid #c00}
mark.level-warning{background:#ffe7a8;border-bottom:2px solid #d08a00}
mark.level-suggestion{background:#d6e6ff;border-bottom:2px solid #2a6fd6}
mark.suppressed{background:#eee;border-bottom-style:dashed}
mark.point::before{content:"\\25B2 " attr(data-rule);font-family:system-ui,sans-serif;font-size:.75rem;font-weight:700}
mark.active{outline:3px solid #1a3fd6;outline-offset:1px;box-shadow:0 0 0 6px rgba(26,63,214,.25)}
.error-box{background:#fde2e2;border:1px solid #c00;padding:.4rem .6rem}
nav.toc ul{margin:.2rem 0;padding-left:1.2rem}
footer.page{max-width:1100px;margin:2rem auto;padding:0 1.2rem;color:#666;font-size:.85rem}
"""

_JS = """
(function () {
  "use strict";
  function activate(id, scroll) {
    var mark = document.getElementById(id);
    if (!mark || mark.tagName !== "MARK") { return false; }
    var old = document.querySelectorAll("mark.active, a.finding-link.current");
    for (var i = 0; i < old.length; i++) { old[i].classList.remove("active"); old[i].classList.remove("current"); }
    mark.classList.add("active");
    var parts = document.querySelectorAll("mark[data-of]");
    for (var j = 0; j < parts.length; j++) { if (parts[j].getAttribute("data-of") === id) { parts[j].classList.add("active"); } }
    var links = document.querySelectorAll("a.finding-link");
    for (var k = 0; k < links.length; k++) { if (links[k].getAttribute("data-target") === id) { links[k].classList.add("current"); } }
    if (scroll) { mark.scrollIntoView({block: "center", inline: "nearest"}); }
    return true;
  }
  document.addEventListener("click", function (ev) {
    var link = ev.target && ev.target.closest ? ev.target.closest("a.finding-link") : null;
    if (!link) { return; }
    var id = link.getAttribute("data-target");
    if (activate(id, true)) {
      ev.preventDefault();
      try { history.replaceState(null, "", "#" + id); } catch (e) { /* file:// in some browsers */ }
    }
  });
  if (location.hash.length > 1) { activate(decodeURIComponent(location.hash.slice(1)), true); }
})();
"""

# Nothing may be loaded: no external script, style, font, image or frame; inline CSS and script only.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _finding_item(m: Mark, r: Rendering) -> str:
    f = m.finding
    cite = f' <span class="cite">{escape(f.citation)}</span>' if f.citation else ""
    quote = f' — “<span class="match">{escape(f.match)}</span>”' if f.match else ""
    sup = f' <span class="where">(suppressed: {escape(f.suppression_reason)})</span>' if f.suppressed else ""
    where = f'{escape(r.fixture.key)}, tone {escape(r.tone)}'
    return (f'<li class="level-{f.level}"><a class="finding-link" href="#{m.fid}" data-target="{m.fid}">'
            f'<span class="lvl">{f.level}</span> <code>{escape(f.rule)}</code>{cite}: {escape(f.message)}{quote}{sup} '
            f'<span class="where">[{where}]</span></a></li>')


def _rendering_html(r: Rendering) -> str:
    tone = f"tone <b>{escape(r.tone)}</b>" + (" (the stage's tone)" if r.default_tone else "")
    head = (f'<h4>{escape(r.fixture.key)} · {tone} <span class="where">— {escape(r.fixture.account.name)}: '
            f'{escape(_fixture_desc(r.fixture))}; stage {escape(r.stage)}</span></h4>')
    if r.error:
        body = (f'<p class="error-box"><mark class="finding level-error point" id="{r.error_fid}" data-rule="lint.Compose" '
                f'title="{escape(r.error)}"></mark> Could not render: {escape(r.error)}</p>')
    else:
        body = f'<div class="letter-text">{highlight(r.text, r.marks)}</div>'
    n = len(r.marks) + (1 if r.error else 0)
    return (f'<article class="rendering" id="{r.rid}" data-fixture="{escape(r.fixture.key)}" data-tone="{escape(r.tone)}" '
            f'data-findings="{n}">{head}{body}</article>')


def _counts(marks: Sequence[Mark]) -> dict[str, int]:
    c = {lv: 0 for lv in LEVELS}
    for m in marks:
        if not m.finding.suppressed:
            c[m.finding.level] += 1
    return c


def _template_html(i: int, t: _Template) -> str:
    state = t.status.state if t.status else "missing"
    items = []
    for r in t.renderings:
        if r.error:
            items.append(f'<li class="level-error"><a class="finding-link" href="#{r.error_fid}" data-target="{r.error_fid}">'
                         f'<span class="lvl">error</span> <code>lint.Compose</code>: {escape(r.error)} '
                         f'<span class="where">[{escape(r.fixture.key)}, tone {escape(r.tone)}]</span></a></li>')
        items += [_finding_item(m, r) for m in r.marks]
    findings = (f'<ol class="findings">{"".join(items)}</ol>' if items
                else '<p class="none">No findings in any rendering.</p>')
    renderings = "".join(_rendering_html(r) for r in t.renderings)
    return (f'<section class="template" id="t-{i}" data-template="{escape(t.name)}" data-state="{state}">'
            f'<h2>Template <code>{escape(t.name)}</code></h2>{_status_html(t.path, t.status)}'
            f'<h3>Findings ({len(items)})</h3>{findings}'
            f'<p class="hint">Word copy for redlining: <a href="docx/{escape(t.name)}.docx">docx/{escape(t.name)}.docx</a></p>'
            f'<h3>Renderings ({len(t.renderings)})</h3>{renderings}</section>')


def _page(policy: Policy, as_of: date, packs: Sequence[Pack], tmpls: list[_Template],
          tone_files: list[tuple[str, Path, Status | None]], shared: list[tuple[Path, Status | None]]) -> str:
    title = f"Legal review: {policy.name}"
    rows = []
    for i, t in enumerate(tmpls):
        marks = [m for r in t.renderings for m in r.marks]
        c = _counts(marks)
        errs = c["error"] + sum(1 for r in t.renderings if r.error)
        state = t.status.state if t.status else "missing"
        rows.append(f'<tr><td><a href="#t-{i}"><code>{escape(t.name)}</code></a></td><td><span class="state state-{state}">{state}</span></td>'
                    f'<td class="n">{len(t.renderings)}</td><td class="n">{errs}</td><td class="n">{c["warning"]}</td><td class="n">{c["suggestion"]}</td></tr>')
    summary = ('<table class="summary"><thead><tr><th>Template</th><th>Approval</th><th>Renderings</th><th>Errors</th>'
               '<th>Warnings</th><th>Suggestions</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")
    fx_rows = "".join(
        f'<tr><td><code>{escape(fx.key)}</code></td><td>{escape(fx.account.name)}</td><td>{escape(fx.account.debt_type)}</td>'
        f'<td>{escape(fx.collector.replace("_", " "))}</td><td>{escape(fx.account.jurisdiction or "")}</td></tr>' for fx in FIXTURES)
    fixtures = ('<table class="fixtures"><thead><tr><th>Fixture</th><th>Account</th><th>Debt</th><th>Collector</th>'
                '<th>Jurisdiction</th></tr></thead><tbody>' + fx_rows + "</tbody></table>")
    pack_list = ", ".join(f"{escape(p.name)} {escape(str(p.version))}" for p in packs)
    tone_html = "".join(f'<h3>Tone <code>{escape(name)}</code></h3>{_status_html(path, st)}' for name, path, st in tone_files)
    shared_html = "".join(f'<h3><code>{escape(p.name)}</code></h3>{_status_html(p, st)}' for p, st in shared)
    body = (
        f'<header class="page"><h1>{escape(title)}</h1>'
        f'<p>As of <b>{as_of.isoformat()}</b> · rule packs: {pack_list or "none"} · every stage template rendered for every '
        f'fixture account in every tone, linted, findings marked in the text.</p></header>\n<main>\n'
        f'<nav class="toc"><h2>Templates</h2>{summary}</nav>\n'
        f'<section class="files" id="fixtures"><h2>Fixture accounts</h2>{fixtures}</section>\n'
        + "".join(_template_html(i, t) + "\n" for i, t in enumerate(tmpls))
        + f'<section class="files" id="tones"><h2>Tone profiles</h2>{tone_html or "<p>None.</p>"}</section>\n'
        + f'<section class="files" id="shared"><h2>Shared template files</h2>{shared_html or "<p>None.</p>"}</section>\n'
        + "</main>\n"
        + '<footer class="page">Written by <code>lettergen review</code>. Click a finding to see it in the letter.</footer>\n'
    )
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}<script>{_JS}</script>\n</body>\n</html>\n")


# ----------------------------------------------------------------------------- DOCX


def _write_docx(path: Path, t: _Template, policy: Policy, as_of: date) -> None:
    from lettergen.postal.envelope import docx_page_size
    from lettergen.typeset.docx import build_docx
    from lettergen.typeset.pdf import wrap_document

    sections = []
    for r in t.renderings:
        if r.error:
            sections.append(f'<section class="letter"><p><b>{escape(r.fixture.key)}, tone {escape(r.tone)}: could not render</b></p>'
                            f'<p>{escape(r.error)}</p></section>')
        else:
            sections.append(r.html)
    title = f"Legal review: {t.name}"
    build_docx(wrap_document(sections, title), path, page_size=docx_page_size(policy.envelope), created=as_of, title=title,
               header_text=f"Review copy of {t.name} (fixture accounts, not for mailing)")


# ----------------------------------------------------------------------------- entry point


def write_review(out: Path, policy: Policy, templates: Path | None = None, tones: Path | None = None,
                 packs: Sequence[str] | None = None, as_of: date = FIXTURE_AS_OF) -> Path:
    """Write ``out/index.html`` (returned) and ``out/docx/<template>.docx`` for every stage template of ``policy``.

    ``templates``/``tones`` default to ``default_templates_dir()``/``default_tones_dir()``; ``packs`` names rule
    packs (default: all); ``as_of`` dates the letters (default: the fixtures' date).
    """
    out = Path(out)
    tset = TemplateSet(templates or default_templates_dir())
    tone_set = ToneSet(tones or default_tones_dir())
    loaded = load_packs(names=list(packs) if packs else None)
    names = list(dict.fromkeys(st.template for st in policy.stages))
    renderings = _render_all(policy, tset, tone_set, loaded, as_of, names)
    # number the findings in page order: template, rendering, text position
    tmpls = []
    n = 0
    for name in names:
        path = tset.path(name)
        t = _Template(name, path, _file_status(path), renderings[name])
        for r in t.renderings:
            if r.error:
                n += 1
                r.error_fid = f"f-{n}"
            for m in r.marks:
                n += 1
                m.fid = f"f-{n}"
        tmpls.append(t)
    tone_files = [(name, Path(prof.path), _file_status(Path(prof.path))) for name, prof in sorted(tone_set.profiles.items())]
    shared = sorted({f for name in names for f in tset.files(name) if f != tset.path(name)})
    shared_status = [(f, _file_status(f)) for f in shared]

    out.mkdir(parents=True, exist_ok=True)
    (out / "docx").mkdir(exist_ok=True)
    for t in tmpls:
        _write_docx(out / "docx" / f"{t.name}.docx", t, policy, as_of)
    index = out / "index.html"
    index.write_text(_page(policy, as_of, loaded, tmpls, tone_files, shared_status), encoding="utf-8")
    return index
