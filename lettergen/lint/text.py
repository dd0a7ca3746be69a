"""What the linter reads: documents cut into paragraphs that remember where they came from.

* a **template** is linted in its own source: Jinja markup and HTML tags are
  replaced by spaces of the same length, so every offset is still the
  template's own line and column, and each block element is a paragraph;
* a **tone profile**: each phrase is a paragraph at its place in the YAML file,
  and knows its stage;
* a **plain text** file: paragraphs are separated by blank lines;
* a **rendered letter**: the visible text of each block element of the HTML.

Suppressions are ``{# lint-allow Pack.Rule: reason #}`` in a template, tone
phrase or text file (in rendered HTML they arrive as ``<!--lint-allow ...-->``):
each applies to the paragraph it stands in, or else to the next one.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_BLOCK_TAG = re.compile(r"</?\s*(p|li|td|th|h[1-6]|div|section|header|footer|address|table|tr|ul|ol|br)\b[^>]*>", re.I)
ALLOW = re.compile(r"(?:\{#|<!--)\s*lint-allow\s+([A-Za-z][\w]*\.[A-Za-z][\w]*)\s*(?::\s*(.*?))?\s*(?:#\}|-->)", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z0-9\"“(])")


@dataclass
class Suppression:
    rule: str
    reason: str
    offset: int
    line: int
    column: int
    used: bool = False


@dataclass
class Segment:
    """A paragraph: ``text`` at offsets [start, end) of the document's ``text``."""

    start: int
    end: int
    stage: str | None = None
    suppressions: list[Suppression] = field(default_factory=list)


@dataclass
class LintDoc:
    path: str
    text: str
    segments: list[Segment]
    kind: str = "text"
    suppressions: list[Suppression] = field(default_factory=list)
    stage: str | None = None
    regions: dict[str, tuple[int, int]] = field(default_factory=dict)
    sentence_cache: dict[int, list[tuple[int, int]]] = field(default_factory=dict, repr=False)
    fast_skip: frozenset[int] = field(default=frozenset(), repr=False)
    """``id()`` of the RE2 patterns that match nowhere in the text (``packs.FastScan``): not run on any
    slice whose edges are not inside a word."""
    _lower: str | None = field(default=None, repr=False)
    _ascii: str | None = field(default=None, repr=False)
    """Named spans of a rendered letter ('recipient', 'return'): the envelope-visible text."""
    _lines: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._lines = [0] + [m.end() for m in re.finditer("\n", self.text)]
        self._attach()

    def sentences_of(self, seg: Segment) -> list[tuple[int, int]]:
        """The sentences of one segment (offsets in the whole text), worked out once per document."""
        if seg.start not in self.sentence_cache:
            self.sentence_cache[seg.start] = sentences(self.text[seg.start:seg.end], seg.start)
        return self.sentence_cache[seg.start]

    @property
    def ascii_text(self) -> str:
        """The text with each non-ASCII character replaced by one ASCII character of the same kind for
        regexes (word, digit, space, other), so RE2's ASCII ``\\b`` and ``\\w`` see what Python's ``re`` sees,
        at the same offsets."""
        if self._ascii is None:
            self._ascii = self.text if self.text.isascii() else "".join(ch if ch < "\x80" else _ascii_class(ch) for ch in self.text)
        return self._ascii

    @property
    def lower_text(self) -> str:
        """The text in lower case with whitespace as single spaces (for the rules' literal prefilters)."""
        if self._lower is None:
            self._lower = re.sub(r"\s+", " ", self.text.lower())
        return self._lower

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        i = bisect.bisect_right(self._lines, offset) - 1
        return i + 1, offset - self._lines[i] + 1

    def segment_text(self, seg: Segment) -> str:
        return self.text[seg.start:seg.end]

    def _attach(self) -> None:
        """Give each suppression to the paragraph it stands in, else the next one."""
        for s in self.suppressions:
            target = next((g for g in self.segments if g.start <= s.offset < g.end), None)
            if target is None:
                target = next((g for g in self.segments if g.start >= s.offset), None)
            if target is not None:
                target.suppressions.append(s)


_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Rev|Hon|Sr|Jr|St|Mt|No|Nos|Nr|Ref|Acct|Dept|Attn|vs|cf|approx|e\.g|i\.e|U\.S|U\.K)|(?-i:(?<![\w.])[A-Z]))\.[\"”’)]*$", re.I)
"""A period that ends an abbreviation or an initial ('Dr.', 'No.', 'U.S.', 'J.'), not a sentence."""


def _ascii_class(ch: str) -> str:
    if ch.isdigit():
        return "0"
    if ch.isalnum() or ch == "_" or re.match(r"\w", ch):
        return "x"
    if ch.isspace():
        return " "
    return "#"


def sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text`` (shifted by ``base``).

    A sentence ends at '.', '!' or '?' before a capital, a digit or an opening quote, but not after an
    abbreviation or an initial ('Dr. Smith', 'Invoice No. 12', 'the U.S. Government', 'J. Brooks').
    """
    out = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        if _ABBREVIATION.search(text, max(pos, m.start() - 12), m.start()):
            continue
        out.append((base + pos, base + m.start()))
        pos = m.end()
    out.append((base + pos, base + len(text)))
    return [(a, b) for a, b in out if text[a - base:b - base].strip()]


def _blank(m: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", m.group(0))


def _suppressions(text: str, doc_line: "callable[[int], tuple[int, int]]") -> list[Suppression]:  # type: ignore[valid-type]
    out = []
    for m in ALLOW.finditer(text):
        line, col = doc_line(m.start())
        out.append(Suppression(rule=m.group(1), reason=(m.group(2) or "").strip(), offset=m.start(), line=line, column=col))
    return out


def _line_fn(text: str):  # type: ignore[no-untyped-def]
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(starts, offset) - 1
        return i + 1, offset - starts[i] + 1

    return pos


def template_doc(path: Path, stage: str | None = None) -> LintDoc:
    """A template's source with Jinja and HTML blanked out, cut at block elements."""
    source = path.read_text(encoding="utf-8")
    sup = _suppressions(source, _line_fn(source))
    # Jinja first (it may hold '<' and '>'), then the tags; the lengths never change.
    blank = _JINJA.sub(_blank, source)
    cuts = [0]
    for m in _BLOCK_TAG.finditer(blank):
        cuts += [m.start(), m.end()]
    blank = _TAG.sub(_blank, blank)
    blank = blank.replace("&amp;", "&    ").replace("&nbsp;", "      ").replace("&lt;", "<   ").replace("&gt;", ">   ")
    cuts.append(len(blank))
    segs = []
    for a, b in zip(cuts, cuts[1:]):
        if b > a and blank[a:b].strip():
            segs.append(Segment(a, b))
    return LintDoc(str(path), blank, segs, kind="template", suppressions=sup, stage=stage)


def tone_doc(path: Path) -> LintDoc:
    """A tone profile: each phrase is a paragraph at its place in the YAML, knowing its stage."""
    source = path.read_text(encoding="utf-8-sig")
    sup = _suppressions(source, _line_fn(source))
    blank = _JINJA.sub(_blank, source)
    segs: list[Segment] = []
    try:
        root = yaml.compose(source)
    except yaml.YAMLError:
        root = None
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if k.value == "stages" and isinstance(v, yaml.MappingNode):
                for sk, sv in v.value:
                    if isinstance(sv, yaml.MappingNode):
                        for _pk, pv in sv.value:
                            if isinstance(pv, yaml.ScalarNode):
                                a, b = pv.start_mark.index, pv.end_mark.index
                                if source[a:a + 1] in "\"'":
                                    a, b = a + 1, b - 1
                                elif source[a:a + 1] in ">|":
                                    a = source.index("\n", a) + 1
                                segs.append(Segment(a, b, stage=sk.value))
    # Everything that is not phrase text is blanked, so rules never match keys or comments.
    out = ["\n" if ch == "\n" else " " for ch in blank]
    for s in segs:
        out[s.start:s.end] = list(blank[s.start:s.end])
    text = "".join(out)
    return LintDoc(str(path), text, segs, kind="tone", suppressions=sup)


def text_doc(path: Path | None = None, text: str | None = None, stage: str | None = None, name: str = "<text>") -> LintDoc:
    """Plain letter text: paragraphs separated by blank lines."""
    source = path.read_text(encoding="utf-8-sig") if path is not None else (text or "")
    sup = _suppressions(source, _line_fn(source))
    blank = _JINJA.sub(_blank, source)
    segs = []
    pos = 0
    for m in re.finditer(r"\n\s*\n", blank):
        if blank[pos:m.start()].strip():
            segs.append(Segment(pos, m.start()))
        pos = m.end()
    if blank[pos:].strip():
        segs.append(Segment(pos, len(blank)))
    return LintDoc(str(path) if path is not None else name, blank, segs, kind="text", suppressions=sup, stage=stage)


_HTML_BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "address", "caption"}


def letter_doc(html: str, name: str, stage: str | None = None) -> LintDoc:
    """The visible text of a rendered letter, one paragraph per block element; lint-allow comments kept."""
    import lxml.html

    root = lxml.html.fragment_fromstring(html, create_parent="div") if not html.lstrip().lower().startswith("<!doctype") else lxml.html.document_fromstring(html)
    parts: list[str] = []
    segs: list[Segment] = []
    sups: list[Suppression] = []
    offset = 0
    regions: dict[str, tuple[int, int]] = {}

    def emit(text: str, region: str | None) -> None:
        nonlocal offset
        text = " ".join(text.split())
        if not text:
            return
        segs.append(Segment(offset, offset + len(text), stage=stage))
        if region:
            a, _ = regions.get(region, (offset, offset))
            regions[region] = (a, offset + len(text))
        parts.append(text + "\n")
        offset += len(text) + 1

    def walk(el, region: str | None) -> None:  # type: ignore[no-untyped-def]
        for child in el:
            if child.tag is lxml.html.etree.Comment:
                m = ALLOW.search(f"<!--{child.text}-->")
                if m:
                    sups.append(Suppression(rule=m.group(1), reason=(m.group(2) or "").strip(), offset=offset, line=0, column=0))
                continue
            if not isinstance(child.tag, str):
                continue
            cls = child.get("class", "")
            reg = region
            if child.tag == "address" or "recipient" in cls.split():
                reg = "recipient"
            elif "return" in cls.split():
                reg = "return"
            if child.tag in _HTML_BLOCKS:
                # a block holds inline content; comments inside it attach to it
                for c in child.iter():
                    if c.tag is lxml.html.etree.Comment:
                        m = ALLOW.search(f"<!--{c.text}-->")
                        if m:
                            sups.append(Suppression(rule=m.group(1), reason=(m.group(2) or "").strip(), offset=offset, line=0, column=0))
                for br in child.iter("br"):
                    br.tail = " " + (br.tail or "")
                if child.tag == "address" and len(child):
                    walk(child, reg)
                else:
                    emit(child.text_content(), reg)
            else:
                if child.text and child.text.strip():
                    emit(child.text, reg)
                walk(child, reg)
            if child.tail and child.tail.strip() and el.tag not in _HTML_BLOCKS:
                emit(child.tail, region)

    walk(root, None)
    doc = LintDoc(name, "".join(parts), segs, kind="letter", suppressions=sups, stage=stage, regions=regions)
    for s in sups:
        s.line, s.column = doc.position(min(s.offset, max(0, len(doc.text) - 1)))
    return doc
