"""Lint output: one records function feeds human, JSON, SARIF 2.1.0 and HTML, so they cannot drift apart."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lettergen.models import Finding
from lettergen.lint.spec import Pack

RECORD_KEYS = ("rule", "level", "message", "citation", "link", "path", "line", "column", "end_line", "end_column", "match",
               "suppressed", "suppression_reason", "confidence", "example")


def records(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as plain dicts in a stable order (path, line, column, rule)."""
    out = [{k: getattr(f, k) for k in RECORD_KEYS} for f in findings]
    return sorted(out, key=lambda r: (r["path"], r["line"], r["column"], r["rule"], r["message"]))


def counts(recs: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    c = {"error": 0, "warning": 0, "suggestion": 0, "suppressed": 0}
    for r in recs:
        if r["suppressed"]:
            c["suppressed"] += 1
        else:
            c[r["level"]] += 1
    return c


def human(recs: Sequence[Mapping[str, Any]]) -> str:
    lines = [f"{r['path']}:{r['line']}:{r['column']}: {r['level']} {r['rule']} {r['message']} [{r['citation']}]"
             for r in recs if not r["suppressed"]]
    sup = [r for r in recs if r["suppressed"]]
    if sup:
        lines.append("")
        lines.append("Suppressed (lint-allow):")
        lines += [f"  {r['path']}:{r['line']}:{r['column']}: {r['rule']} — {r['suppression_reason']}" for r in sup]
    c = counts(recs)
    lines.append(f"{c['error']} error{'s' if c['error'] != 1 else ''}, {c['warning']} warning{'s' if c['warning'] != 1 else ''}, "
                 f"{c['suggestion']} suggestion{'s' if c['suggestion'] != 1 else ''}, {c['suppressed']} suppressed")
    return "\n".join(lines) + "\n"


def as_json(recs: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(list(recs), indent=2, ensure_ascii=False) + "\n"


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "suggestion": "notice"}


def _gh_data(text: str) -> str:
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github(recs: Sequence[Mapping[str, Any]], root: Path | None = None) -> str:
    """GitHub Actions workflow commands, one per unsuppressed finding
    (``::error file=letter_templates/final_demand.html.j2,line=12,col=5,endLine=12,endColumn=30,title=FDCPA.ThreatOfSuit::...``),
    which the pull request shows at the line; paths relative to ``root`` (the repository checkout)."""
    lines = []
    for r in recs:
        if r["suppressed"]:
            continue
        path = str(r["path"])
        if root is not None:
            try:
                path = Path(path).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
        props = [f"file={_gh_property(path)}"]
        if r["line"]:
            props += [f"line={r['line']}", f"col={r['column'] or 1}"]
            if r["end_line"]:
                props += [f"endLine={r['end_line']}", f"endColumn={r['end_column'] or r['column'] or 1}"]
        props.append(f"title={_gh_property(r['rule'])}")
        message = f"{r['message']} [{r['citation']}]" if r["citation"] else r["message"]
        lines.append(f"::{_GITHUB_LEVEL[r['level']]} {','.join(props)}::{_gh_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


_SARIF_LEVEL = {"error": "error", "warning": "warning", "suggestion": "note"}


def sarif(recs: Sequence[Mapping[str, Any]], packs: Sequence[Pack], version: str, root: Path | None = None) -> str:
    """SARIF 2.1.0, as GitHub code scanning reads it: rules in the driver, results with physical locations."""
    rules = [r for p in packs for r in p.rules]
    index = {r.id: i for i, r in enumerate(rules)}
    driver_rules = [
        {
            "id": r.id, "name": r.id.replace(".", ""),
            "shortDescription": {"text": r.message[:200]},
            "fullDescription": {"text": r.description or r.message},
            "helpUri": r.link or "https://www.law.cornell.edu/uscode/text/15/chapter-41/subchapter-V",
            "help": {"text": f"{r.description or r.message} ({r.citation})"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.level]},
            "properties": {"citation": r.citation, "tags": ["compliance", r.pack]},
        }
        for r in rules
    ]
    extra_rules: dict[str, int] = {}
    results = []
    for rec in recs:
        rid = rec["rule"]
        if rid not in index and rid not in extra_rules:
            extra_rules[rid] = len(driver_rules)
            driver_rules.append({"id": rid, "name": rid.replace(".", ""), "shortDescription": {"text": rid},
                                 "defaultConfiguration": {"level": _SARIF_LEVEL[rec["level"]]}, "properties": {"citation": rec["citation"]}})
        uri = rec["path"]
        if root is not None:
            try:
                uri = Path(rec["path"]).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                uri = Path(rec["path"]).as_posix()
        res: dict[str, Any] = {
            "ruleId": rid, "ruleIndex": index.get(rid, extra_rules.get(rid)), "level": _SARIF_LEVEL[rec["level"]],
            "message": {"text": f"{rec['message']} [{rec['citation']}]"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(1, rec["line"]), "startColumn": max(1, rec["column"]),
                           "endLine": max(1, rec["end_line"] or rec["line"]), "endColumn": max(1, rec["end_column"] or rec["column"])},
            }}],
        }
        if rec["suppressed"]:
            res["suppressions"] = [{"kind": "inSource", "justification": rec["suppression_reason"]}]
        results.append(res)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lettergen", "version": version, "informationUri": "https://example.com/lettergen",
                                "rules": driver_rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": ((root or Path.cwd()).resolve().as_uri() + "/")}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#111;max-width:1200px}
h1{font-size:20px} h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:8px 0} th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3} .error{color:#a00000} .warning{color:#8a5a00} .suggestion{color:#225}
pre.src{background:#fafafa;border:1px solid #ddd;padding:8px;white-space:pre-wrap;font:12px/1.5 ui-monospace,monospace}
mark{background:#ffe08a;padding:0 1px} mark.error{background:#ffc2c2} mark.suppressed{background:#d9e8ff}
.ln{color:#999;user-select:none;display:inline-block;width:3.5em}
.finding{display:block;margin:2px 0 2px 3.5em;font-size:12px} .cite{color:#555}
"""


def as_html(recs: Sequence[Mapping[str, Any]], sources: Mapping[str, str], title: str = "lettergen lint report") -> str:
    """A self-contained page for legal review: a summary table, then each file's text with findings highlighted."""
    c = counts(recs)
    esc = html.escape
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{esc(title)}</h1>",
             f"<p>{c['error']} errors, {c['warning']} warnings, {c['suggestion']} suggestions, {c['suppressed']} suppressed.</p>",
             "<table id='summary'><thead><tr><th>where</th><th>level</th><th>rule</th><th>message</th><th>citation</th></tr></thead><tbody>"]
    for i, r in enumerate(recs):
        level = "suppressed" if r["suppressed"] else r["level"]
        parts.append(f"<tr class='{level}'><td><a href='#f{i}'>{esc(r['path'])}:{r['line']}:{r['column']}</a></td><td>{esc(level)}</td>"
                     f"<td>{esc(r['rule'])}</td><td>{esc(r['message'])}"
                     + (f"<br><i>suppressed: {esc(r['suppression_reason'])}</i>" if r["suppressed"] else "")
                     + f"</td><td class='cite'>{esc(r['citation'])}</td></tr>")
    parts.append("</tbody></table>")
    by_path: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for i, r in enumerate(recs):
        by_path.setdefault(r["path"], []).append((i, r))
    for path, items in by_path.items():
        parts.append(f"<h2>{esc(path)}</h2>")
        text = sources.get(path)
        if text is None:
            for i, r in items:
                parts.append(f"<p id='f{i}' class='{esc(r['level'])}'>{esc(r['rule'])}: {esc(r['message'])} <span class='cite'>[{esc(r['citation'])}]</span></p>")
            continue
        lines = text.split("\n")
        marks: dict[int, list[tuple[int, int, int, Mapping[str, Any]]]] = {}
        for i, r in items:
            ln = max(1, r["line"])
            end_col = r["end_column"] if r["end_line"] == r["line"] and r["end_column"] > r["column"] else r["column"]
            marks.setdefault(ln, []).append((r["column"], end_col, i, r))
        parts.append("<pre class='src'>")
        for n, line in enumerate(lines, start=1):
            row = marks.get(n, [])
            out, pos = [], 0
            for col, end, i, r in sorted(row, key=lambda x: x[0]):
                a, b = max(pos, col - 1), max(pos, end - 1)
                out.append(esc(line[pos:a]))
                cls = "suppressed" if r["suppressed"] else r["level"]
                out.append(f"<mark id='f{i}' class='{cls}' title='{esc(r['rule'])}: {esc(r['message'])}'>{esc(line[a:b]) or '&#8203;'}</mark>")
                pos = b
            out.append(esc(line[pos:]))
            parts.append(f"<span class='ln'>{n}</span>{''.join(out)}\n")
            for col, end, i, r in row:
                parts.append(f"<span class='finding {esc(r['level'])}'>▲ {esc(r['rule'])}: {esc(r['message'])} <span class='cite'>[{esc(r['citation'])}]</span>"
                             + (f" <i>(suppressed: {esc(r['suppression_reason'])})</i>" if r["suppressed"] else "") + "</span>")
        parts.append("</pre>")
    parts.append("</body></html>\n")
    return "".join(parts)
