"""approval: legal sign-off of templates and tone profiles, and the redline since sign-off.

``lettergen approve PATH... --by NAME`` records, in the folder that holds the
file (``letter_templates/`` or ``tone_profiles/``):

* ``approvals.yaml``: one entry per file (its path inside the folder), with an
  approval id, the SHA-256 of the approved text, who approved it, on which
  date, the note, and the rule packs (name: version) it was linted with. It is
  plain YAML, meant to be reviewed in a pull request like the templates;
* ``.approved/<path>``: a copy of the approved text, so the change since
  approval can be shown (``lettergen diff``) without git.

A file with lint errors cannot be approved. A batch refuses to run when a
file it would use is unapproved, or changed since approval (its SHA-256 differs
from the approved one); ``--draft`` runs anyway, stamps every page, and records
nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from lettergen.config.yamlfile import read_yaml
from lettergen.errors import ApprovalError

APPROVALS_FILE = "approvals.yaml"
APPROVED_DIR = ".approved"


@dataclass(frozen=True)
class Approval:
    id: str
    path: str
    """The file's path inside its folder (``polite_reminder.html.j2``)."""
    sha256: str
    approved_by: str
    approved_on: str
    note: str
    rule_packs: dict[str, str]
    copy: str
    """The approved text's copy, relative to the folder (``.approved/polite_reminder.html.j2``)."""


@dataclass(frozen=True)
class Status:
    path: Path
    state: str
    """``approved`` (the text is the approved text), ``changed`` (approved once, changed since) or ``unapproved``."""
    approval: Approval | None

    @property
    def ok(self) -> bool:
        return self.state == "approved"


def sha256_text(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def display_name(path: Path) -> str:
    """A template or tone file as the evidence trail and the review page name it: its folder and file name
    ('letter_templates/firm_notice.html.j2'), not an absolute path of one machine."""
    return f"{path.parent.name}/{path.name}"


def folder_of(path: Path) -> Path:
    """The folder whose ``approvals.yaml`` covers ``path``: the nearest parent with one, else the file's folder."""
    path = path.resolve()
    for parent in path.parents:
        if (parent / APPROVALS_FILE).exists():
            return parent
    return path.parent


def load_approvals(folder: Path) -> dict[str, Approval]:
    f = folder / APPROVALS_FILE
    if not f.exists():
        return {}
    data = read_yaml(f, ApprovalError, what="approvals file") or {}
    try:
        return {a["path"]: Approval(**{**a, "rule_packs": dict(a.get("rule_packs") or {})}) for a in data.get("approvals", [])}
    except (TypeError, KeyError, AttributeError) as exc:
        raise ApprovalError(f"{f}: cannot be read as an approvals file ({exc}); restore it from version control.") from None


def _save(folder: Path, approvals: dict[str, Approval]) -> None:
    body = {"approvals": [asdict(a) for a in sorted(approvals.values(), key=lambda a: a.path)]}
    text = ("# Legal sign-off of these files, written by `lettergen approve`; review changes like the templates.\n"
            + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100))
    (folder / APPROVALS_FILE).write_text(text, encoding="utf-8")


def status(path: Path) -> Status:
    path = Path(path)
    folder = folder_of(path)
    rel = path.resolve().relative_to(folder).as_posix()
    approval = load_approvals(folder).get(rel)
    if approval is None:
        return Status(path, "unapproved", None)
    return Status(path, "approved" if approval.sha256 == sha256_text(path) else "changed", approval)


def approved_text(path: Path) -> str | None:
    st = status(path)
    if st.approval is None:
        return None
    copy = folder_of(Path(path)) / st.approval.copy
    return copy.read_text(encoding="utf-8") if copy.exists() else None


def approve(paths: Sequence[Path], by: str, note: str, on: date, policy: Any = None, packs: Sequence[str] | None = None) -> list[Approval]:
    """Approve the files (templates and tone profiles); refuses them all if any has lint errors."""
    from lettergen.lint import errors, load_packs
    from lettergen.lint.run import lint_paths

    if not by.strip():
        raise ApprovalError("approve needs --by NAME: who approves the text.")
    files = [Path(p) for p in paths]
    for f in files:
        if not f.is_file():
            raise ApprovalError(f"{f}: not a file; approve template files (letter_templates/*.html.j2, style.css) and tone profiles (tone_profiles/*.yaml).")
    loaded = load_packs(names=list(packs) if packs else None)
    lintable = [f for f in files if f.suffix in (".j2", ".yaml", ".yml") and f.name != APPROVALS_FILE]
    findings = lint_paths(lintable, policy=policy, packs=loaded).findings if lintable else []
    errs = errors(findings)
    if errs:
        where = "; ".join(f"{f.path}:{f.line}:{f.column} {f.rule} {f.message}" for f in errs[:5])
        raise ApprovalError(f"not approved: {len(errs)} lint error{'s' if len(errs) != 1 else ''} ({where}"
                            f"{' ...' if len(errs) > 5 else ''}). Fix them (lettergen lint {' '.join(map(str, lintable))}) and approve again.")
    versions = {p.name: p.version for p in loaded}
    done: list[Approval] = []
    by_folder: dict[Path, list[Path]] = {}
    for f in files:
        by_folder.setdefault(folder_of(f), []).append(f)
    for folder, members in by_folder.items():
        approvals = load_approvals(folder)
        n = max((int(a.id.rsplit("-", 1)[-1]) for a in approvals.values() if a.id.rsplit("-", 1)[-1].isdigit()), default=0)
        prefix = f"{folder.name}:APR-"  # ids unique across folders: letter_templates:APR-0003, tone_profiles:APR-0001
        for f in members:
            rel = f.resolve().relative_to(folder).as_posix()
            digest = sha256_text(f)
            old = approvals.get(rel)
            if old is not None and old.sha256 == digest and old.approved_by == by and old.note == note:
                done.append(old)
                continue
            n += 1
            copy = Path(APPROVED_DIR) / rel
            (folder / copy).parent.mkdir(parents=True, exist_ok=True)
            (folder / copy).write_bytes(f.read_bytes())
            approvals[rel] = Approval(id=f"{prefix}{n:04d}", path=rel, sha256=digest, approved_by=by, approved_on=on.isoformat(),
                                      note=note, rule_packs=versions, copy=copy.as_posix())
            done.append(approvals[rel])
        _save(folder, approvals)
    return done


def unapproved(files: Iterable[Path]) -> list[Status]:
    """The statuses of the given files that are not approved as they are now."""
    return [st for st in (status(f) for f in files) if not st.ok]


def refusal(problems: Sequence[Status]) -> str:
    parts = []
    for st in problems:
        if st.state == "changed":
            parts.append(f"{st.path} changed since approval {st.approval.id if st.approval else ''} "
                         f"(see the change: lettergen diff {st.path})")
        else:
            parts.append(f"{st.path} is not approved (lettergen approve {st.path} --by NAME)")
    return ("only approved text is mailed: " + "; ".join(parts)
            + ". Have legal approve it, or run with --draft for a watermarked draft that is not recorded.")


# ----------------------------------------------------------------------------- redlines

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change from ``old`` to ``new`` word by word: (``equal``|``delete``|``insert``, text) pieces in order."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("delete", "".join(a[i1:i2])))
            if j2 > j1:
                out.append(("insert", "".join(b[j1:j2])))
    return out


def diff_terminal(old: str, new: str, color: bool = True, context: int = 1) -> str:
    """The changed lines with deletions as ``[-old-]`` and insertions as ``{+new+}`` (red and green with ``color``)."""
    pieces = word_diff(old, new)
    if all(op == "equal" for op, _ in pieces):
        return ""
    text = ""
    for op, t in pieces:
        if op == "equal":
            text += t
        elif op == "delete":
            text += f"\x1b[31;9m{t}\x1b[0m" if color else f"[-{t}-]"
        else:
            text += f"\x1b[32;4m{t}\x1b[0m" if color else f"{{+{t}+}}"
    lines = text.split("\n")
    marked = {i for i, line in enumerate(lines) if ("\x1b[" in line) or ("[-" in line) or ("{+" in line)}
    keep = sorted({j for i in marked for j in range(max(0, i - context), min(len(lines), i + context + 1))})
    out, last = [], -2
    for i in keep:
        if i != last + 1:
            out.append(f"@@ line {i + 1} @@")
        out.append(lines[i])
        last = i
    return "\n".join(out) + "\n"


def diff_html(old: str, new: str, title: str = "") -> str:
    """A self-contained HTML redline: deletions struck through in red, insertions underlined in green."""
    body = "".join(
        html.escape(t) if op == "equal" else
        f'<del>{html.escape(t)}</del>' if op == "delete" else f'<ins>{html.escape(t)}</ins>'
        for op, t in word_diff(old, new)
    )
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html.escape(title or "redline") + "</title>"
            "<style>body{font-family:sans-serif;margin:2em}pre{white-space:pre-wrap;font-family:monospace;line-height:1.4}"
            "del{color:#a40000;background:#fde2e2}ins{color:#0b6b0b;background:#dcf5dc;text-decoration:underline}</style>"
            "</head><body><h1>" + html.escape(title or "Changes since approval") + "</h1><pre>" + body + "</pre></body></html>\n")
