"""The one YAML reader: every YAML file lettergen reads (policy, tone profiles, column mappings, rule packs,
approvals, YAML exports) goes through :func:`read_yaml`, so each says the same thing when it cannot be used: the
file, the line and column, the problem, and the fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from lettergen.errors import LettergenError

__all__ = ["read_yaml", "parse_yaml", "yaml_where", "SafeLoader", "TextLoader"]

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it (several times faster), else PyYAML's own."""


class TextLoader(yaml.SafeLoader):
    """SafeLoader that keeps scalars as text unless they are true/false, null or a date.

    YAML 1.1 would read ``NO`` (Norway) and ``ON`` (Ontario) as booleans and ``02134`` (a ZIP code) or ``007`` (an
    account id) as octal numbers; amounts stay text too, so ``parse_amount`` reads them exactly. For data (exports
    and column mappings), not for settings.
    """


TextLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag.rsplit(":", 1)[-1] not in ("int", "float", "bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
TextLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def yaml_where(exc: yaml.YAMLError) -> str:
    """'line 3, column 7: mapping values are not allowed here' from a PyYAML error."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "syntax error"
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)


def parse_yaml(text: str, source: str | Path, error: type[LettergenError], loader: Any = SafeLoader) -> Any:
    """The YAML document in ``text`` (from ``source``, for the message), or ``error`` naming where it is broken."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders only
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML ({yaml_where(exc)}); fix the syntax there.") from None


def read_yaml(path: str | Path, error: type[LettergenError], *, what: str = "file", missing: str = "check the path",
              loader: Any = SafeLoader) -> Any:
    """The YAML document in ``path`` (UTF-8; a byte-order mark is fine), or ``error`` with a message that names the
    file and says what to do: ``missing`` when there is no such file, the line and column of a syntax error."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{p}: {what} not found; {missing}.") from None
    except IsADirectoryError:
        raise error(f"{p}: is a folder; give the {what} itself.") from None
    except UnicodeDecodeError as exc:
        raise error(f"{p}: not UTF-8 text (byte {exc.start + 1}); save the {what} as UTF-8.") from None
    except OSError as exc:
        raise error(f"{p}: cannot be read ({exc.strerror}); check the path and its permissions.") from None
    return parse_yaml(text, p, error, loader)
