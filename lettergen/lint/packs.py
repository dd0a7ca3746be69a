"""Rule packs: folders of YAML rules, validated strictly when loaded.

A pack is a folder ``rules/<Pack>/`` with a ``meta.yml`` (name, version,
description, when it applies) and one YAML file per rule. The rule id is
``<Pack>.<file stem>``. A rule names one of the fixed check kinds in
``extends``; the kind decides which further keys it takes. Any unknown key, a
regular expression that does not compile or an unknown kind stops loading with
an error naming the file and key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any


from lettergen.config.yamlfile import read_yaml
from lettergen.errors import PackError
from lettergen.lint.spec import Pack, Rule

"""libyaml's safe loader where PyYAML has it (the rule files parse 5x faster), else the pure-Python one."""

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"

KINDS = ("existence", "substitution", "required", "occurrence", "conditional", "readability", "sequence", "check", "model")
LEVELS = ("error", "warning", "suggestion")
SCOPES = ("letter", "paragraph", "sentence", "envelope")
ACTIONS = ("agency_referral", "credit_reporting", "legal_action", "garnishment", "repossession", "late_fees", "interest")
COMMON_KEYS = ("extends", "message", "level", "citation", "link", "scope", "stages", "when", "suppressible", "examples", "description", "ignorecase", "action", "stance")
STANCES = ("any", "affirmed")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "existence": ("tokens", "exceptions", "tokens_from"),
    "substitution": ("swap", "exceptions"),
    "required": ("tokens", "text"),
    "occurrence": ("token", "max", "min"),
    "conditional": ("first", "second"),
    "readability": ("grade", "exempt", "min_words"),
    "sequence": ("blocks",),
    "check": ("name", "params"),
    "model": ("model", "threshold", "provisions", "concepts"),
}
WHEN_KEYS = ("collector", "debt_type", "jurisdiction", "first_letter", "declares", "rendered")
META_KEYS = ("name", "version", "description", "when", "link")





def _compile(p: Path, key: str, value: Any, ignorecase: bool) -> tuple[re.Pattern[str], ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) and x for x in items):
        raise PackError(f"{p}: '{key}' must be a list of regular expressions.")
    out = []
    for i, pattern in enumerate(items):
        try:
            out.append(re.compile(pattern, re.IGNORECASE if ignorecase else 0))
        except re.error as exc:
            raise PackError(f"{p}: {key}[{i}] is not a valid regular expression ({exc}): {pattern!r}") from None
    return tuple(out)


def _check_when(p: Path, when: Any, where: str = "when") -> dict[str, Any]:
    if when is None:
        return {}
    if not isinstance(when, dict):
        raise PackError(f"{p}: '{where}' must be a mapping of conditions ({', '.join(WHEN_KEYS)}).")
    for k, v in when.items():
        if k not in WHEN_KEYS:
            raise PackError(f"{p}: unknown key '{where}.{k}'; conditions are {', '.join(WHEN_KEYS)}.")
        if k in ("first_letter", "rendered"):
            if not isinstance(v, bool):
                raise PackError(f"{p}: '{where}.{k}' must be true or false.")
        elif k == "declares":
            vals = [v] if isinstance(v, str) else v
            for a in vals:
                if a not in ACTIONS:
                    raise PackError(f"{p}: '{where}.declares' names unknown action '{a}'; actions are {', '.join(ACTIONS)}.")
        elif not isinstance(v, (str, list)):
            raise PackError(f"{p}: '{where}.{k}' must be a value or a list of values.")
    return {k: ([v] if isinstance(v, str) else v) if k not in ("first_letter", "rendered") else v for k, v in when.items()}


# What each named check needs in ``params``: regex lists are compiled at load time, so a
# bad pattern fails here (naming the file and key), never in the middle of a batch.
_PARAM_SPEC: dict[str, dict[str, str]] = {
    "mini_miranda": {"first": "regexes", "later": "regexes"},
    "credit_reporting_timing": {"tokens": "regexes!", "days": "int"},
    "envelope_area": {"tokens": "regexes!"},
    "time_barred_notice": {"text": "text!", "years": "int"},
    "validation_period": {"pattern": "date_regex", "country": "text", "receipt_business_days": "int", "days": "int"},
}


def _check_params(p: Path, name: str, params: dict[str, Any]) -> None:
    spec = _PARAM_SPEC.get(name, {})
    for key in params:
        if spec and key not in spec:
            raise PackError(f"{p}: unknown key 'params.{key}' for check {name}; it takes {', '.join(spec)}.")
    for key, kind in spec.items():
        required = kind.endswith("!")
        kind = kind.rstrip("!")
        if key not in params:
            if required:
                raise PackError(f"{p}: missing key 'params.{key}' (check {name} needs it).")
            continue
        v = params[key]
        if kind == "regexes":
            _compile(p, f"params.{key}", v, True)
        elif kind == "int" and not isinstance(v, int):
            raise PackError(f"{p}: key 'params.{key}' must be a whole number.")
        elif kind == "text" and not (isinstance(v, str) and v.strip()):
            raise PackError(f"{p}: key 'params.{key}' must be non-empty text.")
        elif kind == "date_regex":
            if not isinstance(v, str) or "{date}" not in v:
                raise PackError(f"{p}: key 'params.{key}' must be a regular expression containing {{date}}.")
            _compile(p, f"params.{key}", v.replace("{date}", "DATE"), True)


try:  # RE2: optional accelerator; results are the same, only faster
    import re2 as _re2
except ImportError:  # pragma: no cover - google-re2 is a dependency, but lint works without it
    _re2 = None

_RE2_UNSAFE = re.compile(r"\(\?[=!<]|\\[1-9]|\(\?P[=>]|\\[AZz]|\(\?[a-zA-Z]*\)")


def fast_pattern(pattern: str, ignorecase: bool) -> Any:
    """The pattern compiled with RE2, when RE2 gives exactly Python's results on ASCII-mapped text."""
    if _re2 is None or _RE2_UNSAFE.search(pattern) or not pattern.isascii():
        return None
    opts = _re2.Options()
    opts.case_sensitive = not ignorecase
    opts.log_errors = False
    try:
        return _re2.compile(pattern, options=opts)
    except Exception:
        return None


_ESCAPE = re.compile(r"\\.")


def _context_free(src: str) -> bool:
    """True when a match of ``src`` in a slice of a text is also a match in the whole text (no ``^``, ``$``
    or ``\\A``/``\\Z``, which see the slice's edges). ``\\b`` is handled by :meth:`FastScan.skips`."""
    s = _ESCAPE.sub("", src).replace("[^", "[")
    return "^" not in s and "$" not in s


class FastScan:
    """One RE2 pass over a document's ASCII-mapped text that tells which of the packs' RE2 patterns match
    nowhere in it, so the rules need not run them (a letter has ~640 pattern runs and few matches).

    RE2 sets (``re2.Set``) match all patterns in one DFA pass. Each set carries an empty pattern that
    always matches: if RE2 gives up (DFA out of memory) the set returns nothing, the sentinel is missing,
    and none of that set's patterns is skipped."""

    SET_SIZE = 80

    def __init__(self, packs: tuple["Pack", ...]) -> None:
        fast = [f for pack in packs for rule in pack.rules for f in rule.fast if f is not None and _context_free(f.pattern)]
        fast = list({id(f): f for f in fast}.values())
        self.sets: list[tuple[Any, tuple[int, ...]]] = []
        if _re2 is None:
            return
        opts = _re2.Options()
        opts.log_errors = False
        opts.max_mem = 64 << 20
        for i in range(0, len(fast), self.SET_SIZE):
            part = fast[i:i + self.SET_SIZE]
            rset = _re2.Set.SearchSet(opts)
            rset.Add("")  # index 0: the sentinel
            ids = []
            for f in part:
                try:
                    rset.Add(("" if f.options.case_sensitive else "(?i)") + f.pattern)
                except Exception:  # pragma: no cover - it compiled alone; then it is simply always run
                    continue
                ids.append(id(f))
            rset.Compile()
            self.sets.append((rset, tuple(ids)))

    def skips(self, ascii_text: str) -> frozenset[int]:
        """The ``id()`` of every RE2 pattern that matches nowhere in ``ascii_text``."""
        out: set[int] = set()
        for rset, ids in self.sets:
            hit = rset.Match(ascii_text) or ()
            if 0 not in hit:
                continue  # RE2 gave up on this set: skip none of it
            matched = {ids[k - 1] for k in hit if k}
            out.update(x for x in ids if x not in matched)
        return frozenset(out)


_SCANS: dict[tuple[int, ...], tuple[tuple["Pack", ...], FastScan]] = {}


def fast_scan(packs: Sequence["Pack"]) -> FastScan:
    """The :class:`FastScan` of these packs (built once; loaded packs are cached, so this is once a process)."""
    key = tuple(id(p) for p in packs)
    if key not in _SCANS:
        if len(_SCANS) > 16:
            _SCANS.clear()
        _SCANS[key] = (tuple(packs), FastScan(tuple(packs)))
    return _SCANS[key][1]


def required_literals(pattern: str) -> frozenset[str] | None:
    """Lower-case strings of which every match of ``pattern`` contains at least one, or None if unknown.

    Read from the regex's parse tree: the first literal run of 3+ characters on
    every path. Searching these with ``in`` is far cheaper than the regex, and a
    text that has none of them cannot match.
    """
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
        from re._constants import ANY, AT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[attr-defined]
        tree = sre_parse.parse(pattern)
    except Exception:
        return None

    def lit(acc: str) -> frozenset[str] | None:
        acc = re.sub(" +", " ", acc)
        return frozenset({acc}) if len(acc.strip()) >= 3 else None

    def best(cands: list[frozenset[str]]) -> frozenset[str] | None:
        # the most selective set: the one whose shortest member is longest
        return max(cands, key=lambda c: (min(len(x) for x in c), -len(c))) if cands else None

    def seq(items: list[Any], acc: str = "") -> frozenset[str] | None:
        cands: list[frozenset[str]] = []
        for i, (op, av) in enumerate(items):
            rest = list(items[i + 1:])
            if op is LITERAL:
                acc += chr(av).lower()
                continue
            if op is AT:
                continue
            if op is SUBPATTERN:  # a group: its contents, then what follows
                sub = seq(list(av[-1]) + rest, acc)
                return best(cands + ([sub] if sub else []))
            if op is BRANCH:  # every branch must give literals; what follows the branch is looked at once
                # (following every branch into the rest multiplied the paths: 0.15 s for one pattern)
                parts = [seq(list(b), acc) for b in av[1]]
                sub = None if any(x is None for x in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
                after = seq(rest)
                return best(cands + [x for x in (sub, after) if x])
            found = lit(acc)
            if found is not None:
                cands.append(found)
            acc = ""
            if op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:
                sub = seq(list(av[2]))
                if sub is not None:
                    cands.append(sub)
        found = lit(acc)
        return best(cands + ([found] if found else []))

    return seq(list(tree))


def _prefilter(data: dict[str, Any], kind: str, ignorecase: bool) -> frozenset[str] | None:
    if kind == "occurrence" and data.get("min") is None:
        sources = list(data["token"]) if isinstance(data["token"], list) else [data["token"]]
    elif kind == "conditional":
        sources = list(data["first"]) if isinstance(data["first"], list) else [data["first"]]
    else:
        return None
    if not ignorecase:
        return None
    out: set[str] = set()
    for src in sources:
        lits = required_literals(src)
        if lits is None:
            return None
        out |= lits
    return frozenset(out)


def _borrow_tokens(p: Path, data: dict[str, Any]) -> dict[str, Any]:
    """``tokens_from: Pack/Rule``: the phrases (and exceptions) of another rule, so that one wording list serves a
    law's rule and the house rule that extends it to others (its own ``exceptions`` are added)."""
    ref = str(data["tokens_from"])
    src = p.parent.parent / f"{ref}.yml"
    if "/" not in ref or not src.is_file():
        raise PackError(f"{p}: key 'tokens_from' is '{ref}'; name another rule as Pack/Rule (e.g. FDCPA/Overshadowing).")
    other = read_yaml(src, PackError, what="rule file") or {}
    if other.get("extends") != "existence" or not other.get("tokens"):
        raise PackError(f"{p}: tokens_from {ref} is not an existence rule with tokens.")
    return {**data, "tokens": other["tokens"], "exceptions": list(other.get("exceptions") or []) + list(data.get("exceptions") or [])}


def _model_params(p: Path, data: dict[str, Any]) -> dict[str, Any]:
    """A ``model`` rule: which trained model (a file in lettergen/lint/model/), the confidence it must reach, and per
    provision it may report: the citation, and the actions whose declaration silences it (a declared action may be
    named; the model cannot tell a declared threat from another)."""
    from lettergen.lint.learned import MODEL_DIR, load_model

    name = data.get("model")
    if not isinstance(name, str) or not (MODEL_DIR / name).is_file():
        raise PackError(f"{p}: key 'model' must name a model file in {MODEL_DIR} (built by tools/train_lint_model.py).")
    concepts = data.get("concepts") or {}
    if not isinstance(concepts, dict) or not all(isinstance(v, list) and all(isinstance(w, str) for w in v) for v in concepts.values()):
        raise PackError(f"{p}: key 'concepts' maps each concept class to a list of words.")
    if {k: tuple(v) for k, v in concepts.items()} != load_model(name).concepts:
        raise PackError(f"{p}: the concept classes differ from those the model {name} was trained with; "
                        "run tools/train_lint_model.py to retrain it.")
    t = data.get("threshold")
    if not isinstance(t, (int, float)) or not 0.5 <= float(t) < 1:
        raise PackError(f"{p}: key 'threshold' must be a confidence from 0.5 up to (not including) 1.")
    provs = data.get("provisions")
    if not isinstance(provs, dict) or not provs:
        raise PackError(f"{p}: key 'provisions' maps each provision the model may report to its citation and the "
                        "actions that silence it, e.g. '1692e(5): {citation: 15 U.S.C. 1692e(5), unless_declared: [legal_action]}'.")
    out: dict[str, dict[str, Any]] = {}
    for prov, spec in provs.items():
        spec = spec or {}
        if not isinstance(spec, dict) or set(spec) - {"citation", "unless_declared", "collector"}:
            raise PackError(f"{p}: provisions.{prov} takes citation, unless_declared and collector.")
        bad = [x for x in spec.get("unless_declared") or [] if x not in ACTIONS]
        if bad:
            raise PackError(f"{p}: provisions.{prov}.unless_declared names unknown action {', '.join(bad)}; actions are {', '.join(ACTIONS)}.")
        out[str(prov)] = {"citation": str(spec.get("citation") or f"15 U.S.C. {prov}"),
                          "unless_declared": tuple(spec.get("unless_declared") or ()),
                          "collector": tuple(spec.get("collector") or ())}
    return {"model": name, "threshold": float(t), "provisions": out}


def load_rule(p: Path, pack: str) -> Rule:
    from lettergen.lint.checks import CHECKS  # the registry of named Python checks

    data = read_yaml(p, PackError, what="rule file")
    if not isinstance(data, dict):
        raise PackError(f"{p}: a rule is a YAML mapping with at least extends, message, level and citation.")
    kind = data.get("extends")
    if kind not in KINDS:
        raise PackError(f"{p}: key 'extends' is '{kind}', which is not a check kind; use one of {', '.join(KINDS)}.")
    allowed = COMMON_KEYS + KIND_KEYS[kind]
    for key in data:
        if key not in allowed:
            raise PackError(f"{p}: unknown key '{key}' for a rule that extends {kind}; allowed: {', '.join(allowed)}.")
    for key in ("message", "level", "citation"):
        if not data.get(key):
            raise PackError(f"{p}: missing key '{key}'.")
    if data.get("tokens_from"):
        data = _borrow_tokens(p, data)
    if data["level"] not in LEVELS:
        raise PackError(f"{p}: key 'level' is '{data['level']}'; use one of {', '.join(LEVELS)}.")
    scope = data.get("scope", "letter" if kind in ("required", "sequence", "check", "readability", "occurrence", "conditional") else "sentence")
    if scope not in SCOPES:
        raise PackError(f"{p}: key 'scope' is '{scope}'; use one of {', '.join(SCOPES)}.")
    ic = bool(data.get("ignorecase", True))
    action = data.get("action")
    if action is not None and action not in ACTIONS:
        raise PackError(f"{p}: key 'action' names unknown action '{action}'; actions are {', '.join(ACTIONS)}.")
    stance = data.get("stance", "any")
    if stance not in STANCES or (stance == "affirmed" and kind not in ("existence", "conditional")):
        raise PackError(f"{p}: key 'stance' is '{stance}'; use any, or affirmed (existence and conditional rules only).")
    stages = data.get("stages") or []
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        raise PackError(f"{p}: key 'stages' must be a list of stage names.")
    examples = data.get("examples") or {}
    if not isinstance(examples, dict) or set(examples) - {"bad", "good"}:
        raise PackError(f"{p}: key 'examples' must have only 'bad' and 'good' lists.")
    bad, good = examples.get("bad") or [], examples.get("good") or []
    if not all(isinstance(x, str) for x in [*bad, *good]):
        raise PackError(f"{p}: key 'examples' must list sentences (strings).")
    kw: dict[str, Any] = {}
    if kind == "existence":
        if not data.get("tokens"):
            raise PackError(f"{p}: missing key 'tokens' (the phrases this rule finds).")
        kw["patterns"] = _compile(p, "tokens", data["tokens"], ic)
    if kind == "substitution":
        swap = data.get("swap")
        if not isinstance(swap, dict) or not swap:
            raise PackError(f"{p}: missing key 'swap' (a mapping of phrase -> suggested wording).")
        kw["swap"] = tuple((_compile(p, f"swap.{k}", k, ic)[0], str(v)) for k, v in swap.items())
    if kind in ("existence", "substitution") and data.get("exceptions"):
        kw["exceptions"] = _compile(p, "exceptions", data["exceptions"], ic)
    if kind == "required":
        if not data.get("tokens") and not data.get("text"):
            raise PackError(f"{p}: a 'required' rule needs 'tokens' (one must appear) or 'text' (exact wording).")
        if data.get("tokens"):
            kw["patterns"] = _compile(p, "tokens", data["tokens"], ic)
        kw["text"] = " ".join(str(data.get("text") or "").split())
    if kind == "occurrence":
        if not data.get("token"):
            raise PackError(f"{p}: missing key 'token'.")
        kw["patterns"] = _compile(p, "token", data["token"], ic)
        for k in ("max", "min"):
            if data.get(k) is not None and not isinstance(data[k], int):
                raise PackError(f"{p}: key '{k}' must be a whole number.")
        if data.get("max") is None and data.get("min") is None:
            raise PackError(f"{p}: an 'occurrence' rule needs 'max' or 'min'.")
        kw["max"], kw["min"] = data.get("max"), data.get("min")
    if kind == "conditional":
        for k in ("first", "second"):
            if not data.get(k):
                raise PackError(f"{p}: missing key '{k}'.")
        kw["first"] = _compile(p, "first", data["first"], ic)
        kw["second"] = _compile(p, "second", data["second"], ic)
    if kind == "readability":
        g = data.get("grade")
        if not isinstance(g, (int, float)):
            raise PackError(f"{p}: key 'grade' must be a number (the highest Flesch-Kincaid grade allowed).")
        kw["grade"] = float(g)
        mw = data.get("min_words", 30)
        if not isinstance(mw, int) or mw < 0:
            raise PackError(f"{p}: key 'min_words' must be a whole number.")
        kw["min_words"] = mw
        if data.get("exempt"):
            kw["exempt"] = _compile(p, "exempt", data["exempt"], ic)
    if kind == "sequence":
        blocks = data.get("blocks")
        if not isinstance(blocks, list) or len(blocks) < 2:
            raise PackError(f"{p}: key 'blocks' must list at least two blocks, each 'name: [patterns]'.")
        out = []
        for i, b in enumerate(blocks):
            if not isinstance(b, dict) or len(b) != 1:
                raise PackError(f"{p}: blocks[{i}] must be one 'name: [patterns]' entry.")
            (name, pats), = b.items()
            out.append((str(name), _compile(p, f"blocks[{i}].{name}", pats, ic)))
        kw["blocks"] = tuple(out)
    if kind == "check":
        name = data.get("name")
        if name not in CHECKS:
            raise PackError(f"{p}: key 'name' is '{name}', which is not a named check; checks are {', '.join(sorted(CHECKS))}.")
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise PackError(f"{p}: key 'params' must be a mapping.")
        _check_params(p, name, params)
        kw["check"], kw["params"] = name, params
    if kind == "model":
        kw["params"] = _model_params(p, data)
    if kind in ("existence", "substitution"):
        # Per pattern: RE2 where it can run it; else (lookaround and the like) the required literals, checked
        # before Python's re runs it. (Working out literals for every pattern took ~2 s per process.)
        sources = list(data["swap"]) if kind == "substitution" else (data["tokens"] if isinstance(data["tokens"], list) else [data["tokens"]])
        kw["fast"] = tuple(fast_pattern(src, ic) for src in sources)
        if ic:
            kw["pattern_literals"] = tuple(required_literals(src) if f is None else None for src, f in zip(sources, kw["fast"]))
    else:
        kw["prefilter"] = _prefilter(data, kind, ic)
    return Rule(
        id=f"{pack}.{p.stem}", pack=pack, path=p, extends=kind, message=str(data["message"]).strip(), level=data["level"],
        citation=str(data["citation"]), link=str(data.get("link") or ""), scope=scope, stages=tuple(stages),
        when=_check_when(p, data.get("when")), suppressible=bool(data.get("suppressible", True)),
        description=" ".join(str(data.get("description") or "").split()), action=action, stance=stance, ignorecase=ic,
        examples_bad=tuple(bad), examples_good=tuple(good), **kw,
    )


def load_pack(folder: Path) -> Pack:
    meta_path = folder / "meta.yml"
    if not meta_path.exists():
        raise PackError(f"{folder}: a rule pack needs a meta.yml (name, version, description, when).")
    meta = read_yaml(meta_path, PackError, what="meta.yml") or {}
    if not isinstance(meta, dict):
        raise PackError(f"{meta_path}: meta.yml is a mapping with {', '.join(META_KEYS)}.")
    for key in meta:
        if key not in META_KEYS:
            raise PackError(f"{meta_path}: unknown key '{key}'; meta.yml has {', '.join(META_KEYS)}.")
    for key in ("name", "version", "description"):
        if not meta.get(key):
            raise PackError(f"{meta_path}: missing key '{key}'.")
    if meta["name"] != folder.name:
        raise PackError(f"{meta_path}: name '{meta['name']}' differs from the folder name '{folder.name}'.")
    rules = tuple(load_rule(p, folder.name) for p in sorted(folder.glob("*.yml")) if p.name != "meta.yml")
    return Pack(name=folder.name, version=str(meta["version"]), description=" ".join(str(meta["description"]).split()),
                path=folder, when=_check_when(meta_path, meta.get("when")), rules=rules)


def load_packs(folder: Path | None = None, names: tuple[str, ...] | list[str] | None = None) -> tuple[Pack, ...]:
    """Every pack under ``folder`` (default: the shipped ``lettergen/rules``), or only ``names``."""
    return _load_packs(Path(folder or RULES_DIR).resolve(), tuple(names) if names else None)


@lru_cache(maxsize=8)
def _load_packs(folder: Path, names: tuple[str, ...] | None) -> tuple[Pack, ...]:
    if not folder.is_dir():
        raise PackError(f"{folder}: rule pack folder not found.")
    available = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if names:
        unknown = [n for n in names if n not in available]
        if unknown:
            raise PackError(f"unknown rule pack {', '.join(unknown)}; packs are {', '.join(available)}.")
        available = [n for n in available if n in names]
    return tuple(load_pack(folder / n) for n in available)
