"""The envelope-window check on the real PDF: the address inside its window, nothing else there, type large enough,
and no word revealing debt collection where the envelope can show it (:func:`check_page`, :func:`check_letters`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from lettergen.postal.envelope import EPS, LINE_ALLOWANCE, LINE_HEIGHT_STEPS, Envelope, Rect, _num, as_envelope, capacity, fit
from lettergen.mail.reader import UNREADABLE, first_page_words
from lettergen.mail.text import MIRRORED, readable, visual

__all__ = ["check_page", "check_letters", "REVEALING"]

# ----------------------------------------------------------------------------- reading the page

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
})


def _norm(s: str) -> str:
    """Text for matching: NFKC (ligatures, full-width forms), one kind of quote and dash, case-folded,
    whitespace removed (so 'O’Brien' matches "O'Brien" and '山田 太郎' matches however it was split)."""
    return "".join(unicodedata.normalize("NFKC", s).translate(_TRANSLATE).casefold().split())


def _target(line: str) -> str:
    """What an expected address line must read as on the page, for :func:`_norm`-ed words in visual order.
    Paired brackets count as one character: in a right-to-left run the PDF draws the mirrored glyph but its
    text layer keeps the logical character, while :func:`visual` mirrors it."""
    return _norm(visual(line)).translate(MIRRORED)


@dataclass
class _Word:
    i: int
    text: str
    norm: str
    rect: Rect
    size: float
    line: int = -1
    seg: int = -1
    shown: str = ""
    """The characters in page order, where they differ from ``text`` (a right-to-left ligature)."""


@dataclass
class _Cand:
    words: tuple[_Word, ...]
    rect: Rect
    size: float


class _Layout:
    """The page's words in visual lines (same height band, left to right) cut into segments at wide gaps,
    so blocks side by side (the return address and the letterhead) do not run together."""

    def __init__(self, words: list[_Word]) -> None:
        self.words = words
        lines: list[list[_Word]] = []
        for w in sorted(words, key=lambda w: ((w.rect.top + w.rect.bottom) / 2, w.rect.x0)):
            c = (w.rect.top + w.rect.bottom) / 2
            if lines:
                ln = lines[-1]
                lc = sum((v.rect.top + v.rect.bottom) / 2 for v in ln) / len(ln)
                if abs(c - lc) <= 0.35 * min(w.rect.height, min(v.rect.height for v in ln)) + EPS:
                    ln.append(w)
                    continue
            lines.append([w])
        self.segs: list[list[_Word]] = []
        self.line_segs: list[list[int]] = []
        for li, ln in enumerate(lines):
            ln.sort(key=lambda w: w.rect.x0)
            ids: list[int] = []
            for w in ln:
                if not ids or w.rect.x0 - self.segs[ids[-1]][-1].rect.x1 > max(w.size, self.segs[ids[-1]][-1].size):
                    self.segs.append([])
                    ids.append(len(self.segs) - 1)
                seg = self.segs[ids[-1]]
                w.line, w.seg = li, ids[-1]
                seg.append(w)
            self.line_segs.append(ids)
        self.reading = [w for ids in self.line_segs for s in ids for w in self.segs[s]]

    def continuation(self, seg: int, x0: float) -> int | None:
        """The segment that carries on a wrapped line: on the next visual line, starting near ``x0``."""
        last = self.segs[seg][-1]
        if last.line + 1 >= len(self.line_segs):
            return None
        for s in self.line_segs[last.line + 1]:
            first = self.segs[s][0]
            if abs(first.rect.x0 - x0) <= 1.5 * first.size and first.rect.top - last.rect.bottom < first.size:
                return s
        return None

    def candidates(self, target: str, used: set[int]) -> list[_Cand]:
        """Runs of words whose text, without whitespace, is ``target`` (a run may wrap onto following lines)."""
        out: list[_Cand] = []
        if not target:
            return out
        for si, seg in enumerate(self.segs):
            for start in range(len(seg)):
                if not target.startswith(seg[start].norm):
                    continue
                acc, taken, s, j, wraps = "", [], si, start, 0
                while True:
                    w = self.segs[s][j]
                    if w.i in used or not target.startswith(acc + w.norm):
                        break
                    acc += w.norm
                    taken.append(w)
                    if acc == target:
                        r = taken[0].rect
                        for t in taken[1:]:
                            r = r.union(t.rect)
                        out.append(_Cand(tuple(taken), r, max(t.size for t in taken)))
                        break
                    j += 1
                    if j == len(self.segs[s]):
                        nxt = self.continuation(s, self.segs[s][0].rect.x0)
                        wraps += 1
                        if nxt is None or wraps > 3:
                            break
                        s, j = nxt, 0
        return out


@dataclass
class _Block:
    label: str
    lines: list[tuple[str, _Cand | None]]

    @property
    def words(self) -> list[_Word]:
        return [w for _, c in self.lines if c is not None for w in c.words]


_SKIP = 1000.0  # score of a line not found, far above any geometric score


def _attribute(layout: _Layout, label: str, lines: Sequence[str], window: Rect, used: set[int]) -> _Block:
    """Find the expected lines on the page as one block: each line's words, the lines one below the other,
    the block nearest the window winning when the text appears more than once."""
    expected = [ln for ln in lines if ln.strip()]
    cands = []
    for ln in expected:
        cs = layout.candidates(_target(ln), used)
        cs.sort(key=lambda c: (c.rect.distance(window), c.rect.top, c.rect.x0))
        cands.append(cs[:50])
    best: tuple[float, list[_Cand | None]] | None = None
    chain: list[_Cand | None] = []

    def dfs(k: int, taken: frozenset[int], score: float) -> None:
        nonlocal best
        if best is not None and score >= best[0]:
            return
        if k == len(expected):
            best = (score, list(chain))
            return
        prev = next((c for c in reversed(chain) if c is not None), None)
        skipped = 0
        for c in reversed(chain):
            if c is not None:
                break
            skipped += 1
        for c in cands[k]:
            ids = frozenset(w.i for w in c.words)
            if ids & taken:
                continue
            if prev is None:
                add = c.rect.distance(window)
            else:
                size = max(prev.size, c.size)
                gap = c.rect.top - prev.rect.bottom
                if c.rect.top <= prev.rect.top + 0.3 * size or gap >= (2.0 + 2.0 * skipped) * size:
                    continue
                add = max(0.0, gap) + 0.1 * abs(c.rect.x0 - prev.rect.x0)
            chain.append(c)
            dfs(k + 1, taken | ids, score + add)
            chain.pop()
        chain.append(None)
        dfs(k + 1, taken, score + _SKIP)
        chain.pop()

    dfs(0, frozenset(), 0.0)
    assert best is not None
    block = _Block(label, list(zip(expected, best[1])))
    used.update(w.i for w in block.words)
    return block


def _quote(words: Sequence[_Word]) -> tuple[str, Rect]:
    r = words[0].rect
    for w in words[1:]:
        r = r.union(w.rect)
    return readable(" ".join(w.shown or w.text for w in words)), r


def _runs(words: Sequence[_Word], pred) -> Iterator[list[_Word]]:  # type: ignore[no-untyped-def]
    """Maximal runs of consecutive words (same segment) for which ``pred`` holds."""
    run: list[_Word] = []
    for w in words:
        if pred(w) and (not run or run[-1].seg == w.seg):
            run.append(w)
            continue
        if run:
            yield run
        run = [w] if pred(w) else []
    if run:
        yield run


REVEALING = re.compile(
    r"(?<![^\W\d_])(?:debt\w*|collections?|collectors?|past[\s\-]*due|over[\s\-]*due|final[\s\-]*notices?"
    r"|demand\w*|delinquen\w*)",
    re.IGNORECASE,
)
"""Words and phrases that reveal debt collection (15 U.S.C. 1692f(8)); a phrase may run across adjacent words."""


def _line_height_of(words: Sequence[_Word], size: float) -> float:
    """The line height the block was set in, from the pitch of its visual lines, to the nearest 0.05 step
    (CJK lines stand up to LINE_ALLOWANCE taller than the line height: half of it is taken off first)."""
    tops: list[float] = []
    for t in sorted(w.rect.top for w in words):
        if not tops or t - tops[-1] > 0.3 * size:
            tops.append(t)
    if len(tops) < 2 or size <= 0:
        return LINE_HEIGHT_STEPS[0]
    pitches = sorted(b - a for a, b in zip(tops, tops[1:]))
    pitch = pitches[len(pitches) // 2]
    return round((pitch / size - LINE_ALLOWANCE / 2) * 20) / 20


def check_page(words: Iterable[Mapping[str, Any]], envelope: Envelope | str, *, recipient_lines: Sequence[str],
               return_lines: Sequence[str], chars: Iterable[Mapping[str, Any]] | None = None,
               page_size: tuple[float, float] | None = None) -> list[str]:
    """Problems with a letter's first page in ``envelope``, one sentence each; an empty list when it is ready to mail.

    ``words``: pdfplumber word dicts of the page, from ``page.extract_words(extra_attrs=["size"])`` (without
    ``size`` a word's height stands in). ``recipient_lines`` and ``return_lines``: the address lines as they
    should print. ``chars`` (optional, ``page.chars``): font sizes are then read per character, so a word
    mixing sizes is judged by its smallest. ``page_size`` (optional, width and height in pt) is compared with
    the envelope's page.

    The expected lines are found among the words (whitespace-split tokens against words in reading order,
    compared without whitespace, case, quote style or Unicode compatibility forms, so 'O’Brien' and CJK
    names match; a line may wrap) as a block, one line under the other. Then:

    * every word of the recipient block lies inside the recipient window less clearance; when it does not,
      and the address has more lines than :func:`capacity` allows at the size it was set in, that is said
      too, with the size :func:`fit` would choose;
    * every word of the return address lies inside the return window less clearance;
    * no other word lies in or overlaps either window;
    * no word or phrase revealing debt collection (:data:`REVEALING`) overlaps the visible area;
    * the address text is at least ``min_font_pt``;
    * on an address page, nothing but the addresses is printed.
    """
    env = as_envelope(envelope)
    char_list = list(chars) if chars is not None else None
    ws: list[_Word] = []
    for i, w in enumerate(words):
        text = str(w.get("text", ""))
        # ``visual`` (from first_page_words): the word with each glyph's text in page order, where a ligature
        # of a right-to-left run (lam-alef) carries its characters in logical order in the text layer.
        shown = str(w.get("visual", text))
        norm = _norm(shown).translate(MIRRORED)
        if not norm:
            continue
        r = Rect.from_word(w)
        size = float(w["size"]) if w.get("size") is not None else r.height
        ws.append(_Word(i, text, norm, r, size, shown=shown if shown != text else ""))
    layout = _Layout(ws)
    problems: list[str] = []

    if page_size is not None:
        pw, ph = page_size
        if abs(pw - env.page_width) > 1 or abs(ph - env.page_height) > 1:
            problems.append(f"the page is {_num(pw)} × {_num(ph)} pt; the {env.name} envelope takes "
                            f"{_num(env.page_width)} × {_num(env.page_height)} pt pages")

    used: set[int] = set()
    rec = _attribute(layout, "recipient", recipient_lines, env.recipient_window, used)
    ret = _attribute(layout, "return", return_lines, env.return_window or env.recipient_window, used)
    for block, inner in ((rec, env.recipient_inner), (ret, env.return_inner)):
        for text, cand in block.lines:
            if cand is None:
                problems.append(f"{block.label} address: line '{text}' was not found on the page")
            elif inner is not None:
                for run in _runs(cand.words, lambda w: not inner.contains(w.rect)):
                    q, r = _quote(run)
                    problems.append(f"{block.label} address: '{q}' at {r.describe()} is outside the "
                                    f"{env.inner_name(block.label)}")

    # Nothing in the printable margins (of the part of the page read).
    printable = env.printable
    for run in _runs(layout.reading, lambda w: not printable.contains(w.rect)):
        q, r = _quote(run)
        problems.append(f"text '{q}' at {r.describe()} is in the page's unprintable margin (text must stay inside "
                        f"{printable.describe()}: the mail house may not print outside it)")

    # When the block does not stay in its window: its line count against the window at the size and
    # line height it was set in (an address that does stay in is not second-guessed by the model).
    rec_words = rec.words
    rec_inner = env.recipient_inner
    if rec_words and (any(c is None for _, c in rec.lines) or not all(rec_inner.contains(w.rect) for w in rec_words)):
        sizes = sorted(w.size for w in rec_words)
        size = round(sizes[len(sizes) // 2], 1)
        lh = _line_height_of(rec_words, size)
        n = len(rec.lines)
        cap = capacity(env, size, lh)
        if n > cap:
            hint = fit(n, env)
            advice = (f"set it at {_num(hint[0])} pt with line height {hint[1]:.2f}" if hint else
                      f"even at {_num(env.min_font_pt)} pt it fits {capacity(env, env.min_font_pt, 1.0)}; shorten it")
            where = "block" if env.recipient_block is not None else "window"
            problems.append(f"recipient address has {n} lines; the {where} fits {cap} at {_num(size)} pt ({advice})")

    # Type size of the addresses.
    for block in (rec, ret):
        bw = block.words
        if not bw:
            continue
        # only the characters on the block's lines can belong to its words (a page has hundreds of others)
        lo, hi = min(w.rect.top for w in bw) - 1, max(w.rect.bottom for w in bw) + 1
        near = [(Rect.from_word(c), float(c["size"])) for c in char_list or ()
                if lo <= float(c["top"]) and float(c["bottom"]) <= hi
                and c.get("size") is not None and str(c.get("text", "")).strip()]
        smallest = min(_char_size(w, near) for w in bw)
        if smallest < env.min_font_pt - 0.05:
            problems.append(f"{block.label} address text is {_num(smallest)} pt; the minimum is {_num(env.min_font_pt)} pt")

    # Nothing else in the windows (or, on an address page, anywhere).
    block_ids = used
    for label, window in env.windows():
        inner = env.recipient_inner if label == "recipient" else env.return_inner
        area = window.union(inner) if inner is not None else window  # the window and the block the address fills
        for run in _runs(layout.reading, lambda w: w.i not in block_ids and w.rect.intersects(area)):
            q, r = _quote(run)
            problems.append(f"text '{q}' at {r.describe()} is in the {label} window; only the address may show there")
    if env.address_page:
        windows = [w for _, w in env.windows()]
        for run in _runs(layout.reading, lambda w: w.i not in block_ids and not any(w.rect.intersects(x) for x in windows)):
            q, r = _quote(run)
            problems.append(f"text '{q}' at {r.describe()} is on the address page, which must carry only the addresses")

    # Nothing revealing debt collection where it can show through a window.
    problems.extend(_revealing(layout, env))
    return problems


def _char_size(w: _Word, chars: Sequence[tuple[Rect, float]]) -> float:
    """The smallest type size of the characters (boxed, with their sizes) inside word ``w``; its own size if none."""
    sizes = [size for rect, size in chars if w.rect.contains(rect, tol=0.5)]
    return min(sizes) if sizes else w.size


def _revealing(layout: _Layout, env: Envelope) -> list[str]:
    parts: list[str] = []
    spans: list[tuple[int, int, _Word]] = []
    pos = 0
    for w in layout.reading:
        text = unicodedata.normalize("NFKC", w.text).translate(_TRANSLATE)
        spans.append((pos, pos + len(text), w))
        parts.append(text)
        pos += len(text) + 1
    joined = " ".join(parts)
    areas = env.visible_areas()
    out: list[str] = []
    seen: set[tuple[int, ...]] = set()
    for m in REVEALING.finditer(joined):
        hit = [w for a, b, w in spans if a < m.end() and b > m.start()]
        key = tuple(w.i for w in hit)
        if key in seen:
            continue
        for label, area in areas:
            # A phrase shows when all its words do; a word when any part of it does.
            if all(w.rect.intersects(area) for w in hit):
                seen.add(key)
                out.append(f"text '{' '.join(w.text for w in hit)}' is visible through the envelope ({label} window)")
                break
    return out


def check_letters(pdf: bytes | str | Path, first_pages: Sequence[int], envelope: Envelope | str, *,
                  recipients: Sequence[Sequence[str]], return_lines: Sequence[str],
                  ignore: Callable[[Mapping[str, Any]], bool] | None = None) -> list[list[str]]:
    """:func:`check_page` for the first page of each letter of a PDF (0-based ``first_pages``, with each letter's
    ``recipients`` lines): the problems per letter, an empty list for one that is ready to mail. ``ignore``
    leaves out words and characters that are not mailed (the draft stamp)."""
    env = as_envelope(envelope)
    problems = []
    for (words, chars, size, unreadable), recipient in zip(first_page_words(pdf, first_pages, env), recipients):
        if unreadable is not None:
            problems.append([f"{UNREADABLE} ({unreadable})"])
            continue
        if ignore is not None:
            words, chars = [w for w in words if not ignore(w)], [c for c in chars if not ignore(c)]
        problems.append(check_page(words, env, recipient_lines=recipient, return_lines=return_lines, chars=chars, page_size=size))
    return problems
