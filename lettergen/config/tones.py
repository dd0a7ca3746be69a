"""Tone profiles: the phrases a letter template uses, per stage, and the style limits of a tone.

A profile is one YAML file in ``tone_profiles/``::

    name: warm
    description: Friendly; assumes an oversight.
    limits:
      exclamation_marks: false     # no '!' anywhere in the profile
      max_sentence_words: 30       # longest sentence a phrase may have
    stages:
      polite_reminder:
        greeting: "Dear {{ salutation }},"
        opening: ...
        request: ...
        offer: ...
        closing: ...
        sign_off: "Kind regards,"

Phrases are Jinja text rendered in the same sandbox, with the same data, as
the template, so a phrase may say ``{{ amount_due }}``. Every profile must
have every phrase for every stage the policy can send, because an account's
tone field may pick any profile for any stage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lettergen.config.yamlfile import read_yaml
from lettergen.errors import ComposeError

PHRASES: tuple[str, ...] = ("greeting", "opening", "request", "offer", "closing", "sign_off")
_LIMIT_KEYS = ("exclamation_marks", "max_sentence_words")
_TOP_KEYS = ("name", "description", "limits", "stages")


@dataclass(frozen=True)
class ToneProfile:
    name: str
    path: Path
    description: str
    stages: dict[str, dict[str, str]]
    exclamation_marks: bool = True
    max_sentence_words: int | None = None
    sha256: str = ""
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    """(stage, phrase) -> line in the YAML file, for messages that point at the source."""

    def phrase(self, stage: str, key: str) -> str:
        try:
            return self.stages[stage][key]
        except KeyError:
            raise ComposeError(
                f"{self.path}: tone profile '{self.name}' has no phrase '{key}' for stage '{stage}'; "
                f"add stages.{stage}.{key} to the profile."
            ) from None

    def where(self, stage: str, key: str) -> str:
        line = self.lines.get((stage, key))
        return f"{self.path}:{line}" if line else str(self.path)


def _line_numbers(text: str) -> dict[tuple[str, str], int]:
    """Find the line of each stages.<stage>.<phrase> key (YAML composer keeps marks)."""
    out: dict[tuple[str, str], int] = {}
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return out
    if not isinstance(root, yaml.MappingNode):
        return out
    for k, v in root.value:
        if k.value == "stages" and isinstance(v, yaml.MappingNode):
            for sk, sv in v.value:
                if isinstance(sv, yaml.MappingNode):
                    for pk, _ in sv.value:
                        out[(sk.value, pk.value)] = pk.start_mark.line + 1
    return out


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _sentences(text: str) -> list[str]:
    plain = _JINJA.sub("X", text)
    return [s for s in re.split(r"(?<=[.!?])\s+", plain) if s.strip()]


def load_tone(path: str | Path) -> ToneProfile:
    p = Path(path)
    data = read_yaml(p, ComposeError, what="tone profile", missing="check the name, or pass --tones DIR")
    raw = p.read_bytes()
    text = raw.decode("utf-8-sig")
    if not isinstance(data, dict):
        raise ComposeError(f"{p}: a tone profile is a YAML mapping with {', '.join(_TOP_KEYS)}.")
    for key in data:
        if key not in _TOP_KEYS:
            raise ComposeError(f"{p}: unknown key '{key}'; a tone profile has only {', '.join(_TOP_KEYS)}.")
    name = str(data.get("name") or p.stem)
    if name != p.stem:
        raise ComposeError(f"{p}: name '{name}' differs from the file name; name the file {name}.yaml.")
    limits = data.get("limits") or {}
    if not isinstance(limits, dict):
        raise ComposeError(f"{p}: 'limits' must be a mapping.")
    for key in limits:
        if key not in _LIMIT_KEYS:
            raise ComposeError(f"{p}: unknown key 'limits.{key}'; limits are {', '.join(_LIMIT_KEYS)}.")
    marks = limits.get("exclamation_marks", True)
    if not isinstance(marks, bool):
        raise ComposeError(f"{p}: limits.exclamation_marks must be true or false (unquoted), not {marks!r}.")
    words = limits.get("max_sentence_words")
    if words is not None and (isinstance(words, bool) or not isinstance(words, int) or words < 1):
        raise ComposeError(f"{p}: limits.max_sentence_words must be a whole number of words (1 or more), not {words!r}.")
    stages = data.get("stages")
    if not isinstance(stages, dict) or not stages:
        raise ComposeError(f"{p}: 'stages' must map each stage name to its phrases ({', '.join(PHRASES)}).")
    clean: dict[str, dict[str, str]] = {}
    lines = _line_numbers(text)
    for stage, phrases in stages.items():
        if not isinstance(phrases, dict):
            raise ComposeError(f"{p}: stages.{stage} must map phrase names to text.")
        for key, value in phrases.items():
            if key not in PHRASES:
                raise ComposeError(f"{p}: unknown phrase 'stages.{stage}.{key}'; phrases are {', '.join(PHRASES)}.")
            if not isinstance(value, str) or not value.strip():
                raise ComposeError(f"{p}: stages.{stage}.{key} must be non-empty text.")
        clean[str(stage)] = {k: " ".join(str(v).split()) for k, v in phrases.items()}
    profile = ToneProfile(
        name=name, path=p, description=str(data.get("description") or ""), stages=clean,
        exclamation_marks=marks,
        max_sentence_words=words,
        sha256=hashlib.sha256(raw).hexdigest(), lines=lines,
    )
    _check_limits(profile)
    return profile


_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def _printed_marks(text: str) -> str:
    """The phrase without Jinja comments and ``!=`` operators: any '!' left can end up in the letter
    (literal text, or a string such as ``{{ '!' }}``)."""
    text = _JINJA_COMMENT.sub("", text)
    return _JINJA.sub(lambda m: m.group(0).replace("!=", ""), text)


def _check_limits(t: ToneProfile) -> None:
    for stage, phrases in t.stages.items():
        for key, text in phrases.items():
            if not t.exclamation_marks and "!" in _printed_marks(text):
                raise ComposeError(
                    f"{t.where(stage, key)}: tone '{t.name}' allows no exclamation marks, but stages.{stage}.{key} has one; "
                    "rephrase it calmly."
                )
            if t.max_sentence_words:
                for s in _sentences(text):
                    n = len(s.split())
                    if n > t.max_sentence_words:
                        raise ComposeError(
                            f"{t.where(stage, key)}: stages.{stage}.{key} has a sentence of {n} words; tone '{t.name}' "
                            f"allows at most {t.max_sentence_words}. Split it."
                        )


class ToneSet:
    """The tone profiles of a folder, by name."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ComposeError(f"{self.folder}: tone profile folder not found; pass --tones DIR.")
        self.profiles: dict[str, ToneProfile] = {}
        for path in sorted(self.folder.glob("*.yaml")):
            if path.name == "approvals.yaml":  # legal's sign-off records (lettergen.approval)
                continue
            prof = load_tone(path)
            self.profiles[prof.name] = prof
        if not self.profiles:
            raise ComposeError(f"{self.folder}: no tone profiles (*.yaml) in this folder.")

    def get(self, name: str) -> ToneProfile:
        try:
            return self.profiles[name]
        except KeyError:
            raise ComposeError(
                f"unknown tone '{name}': there is no {self.folder / (name + '.yaml')}; "
                f"tones are {', '.join(sorted(self.profiles))}."
            ) from None

    def check_complete(self, stages: Iterable[str], tones: Iterable[str] = ()) -> None:
        """Every profile has every phrase for every stage; every named tone exists."""
        for name in tones:
            self.get(name)
        for prof in self.profiles.values():
            for stage in stages:
                for key in PHRASES:
                    prof.phrase(stage, key)

    def describe(self) -> list[dict[str, Any]]:
        return [{"name": p.name, "description": p.description, "path": str(p.path)} for p in self.profiles.values()]
