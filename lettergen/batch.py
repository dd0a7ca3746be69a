"""batch: the stages in order, for one run: plan -> compose -> typeset (in chunks, over workers) -> assemble -> ledger.

Every account of the input ends in exactly one of: a letter (manifest), a skip
(skipped.csv, with the reason) or a rejection (rejected.csv, with file, row,
column and reason). The batch folder is written under a temporary name and
moved into place when complete; only then does the ledger record the letters,
in one transaction. If recording fails, the folder is removed again, so a
batch is either mailed-and-recorded or not there at all.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from lettergen.assemble.records import Produced, Summary, held_csv, letter_basename, letter_doc_title, manifest_csv, manifest_json, manifest_records, printed_pages, rejected_csv, skipped_csv
from lettergen.assemble.letters import cut_letters, merge_batch
from lettergen.compose import Composer
from lettergen.mail.reader import UNREADABLE
from lettergen.mail.overlay import debug_overlay
from lettergen.postal.envelope import docx_page_size, get as get_envelope
from lettergen.assemble.vendor import Piece, write_mail
from lettergen.assemble.checksums import write_sha256sums
from lettergen.errors import AssembleError, LedgerError, TypesetError
from lettergen.ledger import Ledger
from lettergen.load import LoadResult, rejected_account_ids
from lettergen.models import Account, Finding, Letter, SentLetter, Skip, SlimLetter
from lettergen.packed import Packed, compacted, is_packed
from lettergen.plan import PlanResult, plan_all
from lettergen.config.policy import Policy
from lettergen.fonts import GLYPH_RULE

CHUNK_SIZE = 12
"""Letters per typeset document. Measured (bench/README.md): a worker's memory grows with the letters it lays
out at once (private memory after 200 letters: 47 MB in chunks of 10 or 12, 65 at 25, 99 at 50), while the cost
per letter does not fall beyond about 10 (write_pdf's fixed cost is already spread thin; 12 was as fast as 25).
Smaller chunks share font subsets among fewer letters: batch.pdf is 4.4 KB a letter at 12, 3.7 KB at 25."""
FORMATS = ("pdf", "docx")
Progress = Callable[..., None]
"""``progress(done, total, phase)``: how far the batch is, phase by phase ("plan", "typeset", "batch.pdf",
"batch.docx", "files"); ``total`` is what the phase counts (accounts, letters, chunks)."""
Observer = Callable[[str, float, int], None]
"""Told of each step of a batch as it ends: (step, seconds, letters or accounts it handled). The steps, in order:
``plan``, ``approvals``, ``lint_load``, then per chunk ``compose_lint`` (in the parent) and ``typeset``,
``window_check``, ``write_letters`` (in a worker, reported when the chunk comes back), then ``merge``,
``assemble`` and ``record``. bench/ measures the phases through it."""
STEPS = ("plan", "approvals", "lint_load", "compose_lint", "typeset", "window_check", "write_letters", "merge", "assemble",
         "record")


@contextmanager
def _step(observer: Observer | None, name: str, count: int = 1) -> Iterator[None]:
    if observer is None:
        yield
        return
    t = time.perf_counter()
    try:
        yield
    finally:
        observer(name, time.perf_counter() - t, count)


@dataclass(frozen=True)
class Held:
    """A composed letter the linter stopped: not typeset, not mailed, not recorded."""

    letter: Letter | SlimLetter
    findings: tuple[Finding, ...]


def lint_one(letter: Letter, policy: Policy, packs: Any) -> tuple[list[Finding], list[Finding], int]:
    """The lint gate for one letter: (all findings, the errors that hold it, unsuppressed warnings)."""
    from lettergen.lint import errors, lint_letter

    findings = lint_letter(letter, policy, packs)
    return findings, errors(findings), sum(1 for f in findings if f.level == "warning" and not f.suppressed)


def gate(letters: Sequence[Letter], policy: Policy, packs: Sequence[str] | None = None) -> tuple[list[Letter], list[Held], int]:
    """Lint every composed letter; a letter with an error is held. Returns (to typeset, held, warnings)."""
    from lettergen.lint import load_packs

    loaded = load_packs(names=list(packs) if packs else None)
    ok: list[Letter] = []
    held: list[Held] = []
    warnings = 0
    for lt in letters:
        _, errs, warned = lint_one(lt, policy, loaded)
        if errs:
            held.append(Held(lt, tuple(errs)))
        else:
            ok.append(lt)
            warnings += warned  # a held letter's findings are in held.csv; the count is of letters that go out
    return ok, held, warnings


@dataclass(frozen=True)
class BatchOptions:
    out: Path = Path("batches")
    ledger: Path | None = None
    """Default: ``lettergen.db`` in ``out`` (next to the batch folders)."""
    jobs: int | None = None
    """Worker processes for typesetting; default: every core."""
    formats: tuple[str, ...] = FORMATS
    templates: Path | None = None
    tones: Path | None = None
    chunk_size: int = CHUNK_SIZE
    record: bool = True
    batch_id: str | None = None
    packs: tuple[str, ...] | None = None
    """Rule packs for the lint gate; default: all shipped packs."""
    duplex: bool | None = None
    """Pad each letter to an even page count (a blank back page); default: the policy's mailing.duplex."""
    draft: bool = False
    """Run although a template or tone profile is not approved: every PDF page and DOCX header says
    "DRAFT – NOT APPROVED", and nothing is recorded in the ledger."""
    debug_windows: bool = False
    """Also write debug-windows.pdf: batch.pdf with the envelope windows drawn on every letter's first page."""

    def duplex_for(self, policy: Policy) -> bool:
        """``duplex`` when given, else the policy's ``mailing.duplex``."""
        return self.duplex if self.duplex is not None else policy.mailing.duplex

    @property
    def ledger_path(self) -> Path:
        return self.ledger or (self.out / "lettergen.db")


@dataclass
class BatchResult:
    batch_id: str
    folder: Path | None
    """None when nothing was planned for today: no batch folder is written (:func:`nothing_to_send`)."""
    plan: PlanResult
    produced: Sequence[Produced]
    pages: int
    recorded: bool
    held: list[Held] = field(default_factory=list)
    lint_warnings: int = 0
    refused_urls: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> tuple[Skip, ...]:
        return self.plan.skips

    @property
    def rejected_accounts(self) -> list[str]:
        return rejected_account_ids(self.plan.rejections)


# ----------------------------------------------------------------------------- workers

_RENDERER: Any = None


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this worker when the batch process that started it ends, however it ends (kill -9
    included): a worker left running would hold ~170 MB for nothing. Linux only (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere the pool's own shutdown is all there is."""
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


_INIT_ERROR: BaseException | None = None
"""What went wrong while a worker started (e.g. a full temporary folder when WeasyPrint copies the fonts): kept and
raised by the worker's first chunk, so the batch reports it, instead of a pool that just says it broke."""


def _init_worker(templates_dir: str, as_of: date, envelope: str, draft: bool = False, parent: int = 0) -> None:
    global _INIT_ERROR
    if parent:
        _die_with_parent(parent)
        try:
            _start_renderer(templates_dir, as_of, envelope, draft)
        except Exception as exc:  # noqa: BLE001  (raised again, whole, by the first chunk)
            _INIT_ERROR = exc
        return
    _start_renderer(templates_dir, as_of, envelope, draft)


def _start_renderer(templates_dir: str, as_of: date, envelope: str, draft: bool) -> None:
    global _RENDERER
    from lettergen.typeset.pdf import PdfRenderer

    _RENDERER = PdfRenderer(Path(templates_dir), as_of, envelope, draft)


def _is_stamp(obj: Mapping[str, Any]) -> bool:
    """A word or character of the draft stamp (44 pt, diagonal: not mailed, so not held against the windows)."""
    from lettergen.typeset.pdf import DRAFT_STAMP

    stamp = set(DRAFT_STAMP.split()) | set(DRAFT_STAMP.replace(" ", ""))  # its words, and its characters
    return float(obj.get("size", 0)) > 30 and obj["text"] in stamp


@dataclass(frozen=True)
class _ChunkTask:
    index: int
    sections: list[str]
    anchors: list[str]
    keys: list[str]
    """Temporary file names of the letters; the parent renames them once the sequence numbers are known."""
    titles: list[str]
    recipients: list[list[str]]
    return_lines: list[str]
    folder: str
    formats: tuple[str, ...]
    as_of: date
    page_size: str


@dataclass(frozen=True)
class _ChunkResult:
    index: int
    pages: list[int]
    hashes: list[str]
    """SHA-256 of each letter's PDF ('' for a letter the window check held, or without PDF output)."""
    problems: list[list[str]]
    """Why each letter cannot be mailed: what the envelope-window check found on its first page, or why it could
    not be typeset or read back (empty: ready to mail)."""
    refused: list[str]
    parts: list[str] = field(default_factory=list)
    """The chunk file (.chunks/<part>.pdf) each letter's pages are in."""
    at: list[int] = field(default_factory=list)
    """Each letter's first page (0-based) in its part."""
    seconds: dict[str, float] = field(default_factory=dict)
    """The worker's time per step (``typeset``, ``window_check``, ``write_letters``)."""


def _render_parts(task: _ChunkTask, indices: list[int], stem: str,
                  out: list[tuple[str, bytes, list[int], list[int], list[int], list[list[str]], list[str]]],
                  seconds: dict[str, float]) -> None:
    """Typeset the letters ``indices`` of a chunk as one document and check their first pages; where the document
    cannot be made, or its text cannot be read back, typeset each letter on its own, so that one bad letter is
    held with its own reason and never takes its chunk-mates down. Appends (part name, PDF, letters, first
    pages, page counts, problems, refused URLs) to ``out``."""
    from lettergen.mail.window import check_letters

    t = time.perf_counter()
    try:
        chunk = _RENDERER.render([task.sections[i] for i in indices], [task.anchors[i] for i in indices], f"chunk {stem}")
    except Exception as exc:  # noqa: BLE001 - one letter's failure is that letter's reason, not the batch's
        seconds["typeset"] = seconds.get("typeset", 0.0) + time.perf_counter() - t
        if len(indices) > 1:
            for i in indices:
                _render_parts(task, [i], f"{stem}-{i:03d}", out, seconds)
            return
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        out.append((stem, b"", indices, [0], [0], [[f"{TYPESET_FAILED} ({reason})"]], []))
        return
    t2 = time.perf_counter()
    seconds["typeset"] = seconds.get("typeset", 0.0) + t2 - t
    problems = check_letters(chunk.pdf, chunk.starts, _RENDERER.envelope, recipients=[task.recipients[i] for i in indices],
                             return_lines=task.return_lines, ignore=_is_stamp if _RENDERER.draft else None)
    seconds["window_check"] = seconds.get("window_check", 0.0) + time.perf_counter() - t2
    unreadable = [k for k, p in enumerate(problems) if p and p[0].startswith(UNREADABLE)]
    if unreadable and len(indices) > 1:  # a font of the document, not a letter: each letter on its own
        for i in indices:
            _render_parts(task, [i], f"{stem}-{i:03d}", out, seconds)
        return
    ends = list(chunk.starts[1:]) + [chunk.pages]
    out.append((stem, chunk.pdf, indices, list(chunk.starts), [e - s for s, e in zip(chunk.starts, ends)], problems,
                list(chunk.refused)))


def _typeset_chunk(task: _ChunkTask) -> _ChunkResult:
    """Render one chunk, check every letter's first page against the envelope windows on the PDF itself,
    and write the chunk PDF plus each mailable letter's PDF (cut from it) and DOCX. Runs in a worker."""
    if _INIT_ERROR is not None:
        raise _INIT_ERROR
    folder = Path(task.folder)
    n = len(task.sections)
    parts: list[tuple[str, bytes, list[int], list[int], list[int], list[list[str]], list[str]]] = []
    seconds: dict[str, float] = {}
    _render_parts(task, list(range(n)), f"{task.index:05d}", parts, seconds)
    t = time.perf_counter()
    pages, at, problems, names = [0] * n, [0] * n, [[] for _ in range(n)], [""] * n
    hashes = [""] * n
    refused: list[str] = []
    for stem, pdf, indices, starts, counts, probs, ref in parts:
        refused.extend(ref)
        for k, i in enumerate(indices):
            pages[i], at[i], problems[i], names[i] = counts[k], starts[k], probs[k], stem
        ok = [k for k, p in enumerate(probs) if not p]
        if not ok:
            continue
        (folder / ".chunks" / f"{stem}.pdf").write_bytes(pdf)
        if "pdf" in task.formats:
            cut = cut_letters(pdf, [(starts[k], starts[k] + counts[k]) for k in ok],
                              [folder / "letters" / f"{task.keys[indices[k]]}.pdf" for k in ok],
                              [task.titles[indices[k]] for k in ok], task.as_of)
            for k, h in zip(ok, cut):
                hashes[indices[k]] = h
    mailable = [i for i in range(n) if not problems[i]]
    if "docx" in task.formats:  # batch.docx is built from these at the end, in order
        from lettergen.typeset.docx import build_docx
        from lettergen.typeset.pdf import DRAFT_STAMP, wrap_document

        (folder / ".chunks" / f"{task.index:05d}.html").write_text("".join(task.sections[i] for i in mailable), encoding="utf-8")
        for i in mailable:
            build_docx(wrap_document([task.sections[i]], task.titles[i]), folder / "letters" / f"{task.keys[i]}.docx",
                       page_size=task.page_size, created=task.as_of, title=task.titles[i],
                       header_text=DRAFT_STAMP if _RENDERER.draft else None)
    seconds["write_letters"] = time.perf_counter() - t
    return _ChunkResult(task.index, pages, hashes, problems, refused, names, at, seconds)


class _Typesetter:
    """Runs chunk tasks in order, in-process (one job) or over a pool of worker processes.

    The pool is started before any letter is composed, so the workers do not
    inherit a parent full of letters; at most ``2 x jobs`` chunks are in flight,
    so the parent never holds more than a few chunks of HTML.
    """

    def __init__(self, jobs: int, templates_dir: Path, as_of: date, envelope: str, draft: bool = False) -> None:
        self.jobs = jobs
        self.args = (str(templates_dir), as_of, envelope, draft)
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[Any] = deque()

    def __enter__(self) -> "_Typesetter":
        if self.jobs > 1:
            # Forked workers would otherwise copy the parent's heap page by page as their garbage collector
            # touches every inherited object (93 MB a worker at 20,000 accounts; 16 MB frozen).
            import weasyprint  # noqa: F401  imported once here, its pages are shared by every worker

            gc.freeze()
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_worker,
                                            initargs=(*self.args, os.getpid()))
        else:
            _init_worker(*self.args)
        return self

    def __exit__(self, *exc: object) -> None:
        global _RENDERER
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()
        _RENDERER = None  # free the fonts now, not during interpreter teardown

    def submit(self, task: _ChunkTask) -> Iterator[tuple[_ChunkTask, _ChunkResult]]:
        """Queue a chunk; yield the (task, result) pairs that are done, oldest first."""
        if self.pool is None:
            yield task, _typeset_chunk(task)
            return
        self.pending.append((task, self.pool.submit(_typeset_chunk, task)))
        while len(self.pending) >= 2 * self.jobs:
            t, fut = self.pending.popleft()
            yield t, fut.result()

    def drain(self) -> Iterator[tuple[_ChunkTask, _ChunkResult]]:
        while self.pending:
            t, fut = self.pending.popleft()
            yield t, fut.result()


# ----------------------------------------------------------------------------- the batch


def files_in_use(composer: Composer, result: PlanResult) -> list[Path]:
    """The template files (template, shared partials, style.css) and tone profiles the planned letters use."""
    files: dict[Path, None] = {}
    for template in sorted({j.template for j in result.jobs}):
        files.update(dict.fromkeys(composer.templates.files(template)))
    for tone in sorted({j.tone for j in result.jobs}):
        files[composer.tones.get(tone).path] = None
    return list(files)


def next_batch_id(out: Path, as_of: date, ledger: Ledger, draft: bool = False) -> str:
    taken = {b[0] for b in ledger.batches()}
    n = 1
    while True:
        bid = f"{'draft-' if draft else ''}{as_of.isoformat()}-{n:03d}"
        if bid not in taken and not (out / bid).exists():
            return bid
        n += 1


WINDOW_RULE = "mail.EnvelopeWindow"
TYPESET_RULE = "typeset.Failed"
TYPESET_FAILED = "the letter could not be typeset"
WINDOW_CITATION = ("USPS Publication 25 (the address inside the window with 1/8 in clearance); "
                   "15 U.S.C. 1692f(8) (nothing on the envelope may show that the letter is about a debt)")


def glyph_findings(letter: Letter) -> tuple[Finding, ...]:
    """The font check: one error per character of the letter that no shipped font can print."""
    from lettergen.fonts import GLYPH_CITATION, unprintable_messages

    return tuple(Finding(rule=GLYPH_RULE, level="error", message=m, citation=GLYPH_CITATION)
                 for m in unprintable_messages(letter.html, letter.job.account))


def window_findings(problems: Sequence[str]) -> tuple[Finding, ...]:
    return tuple(Finding(rule=WINDOW_RULE, level="error", message=p, citation=WINDOW_CITATION) for p in problems)


def typeset_findings(problems: Sequence[str]) -> tuple[Finding, ...]:
    """A worker's verdict on one letter: the envelope-window findings, or why it could not be typeset."""
    if problems and problems[0].startswith(TYPESET_FAILED):
        return (Finding(rule=TYPESET_RULE, level="error", message=problems[0]),)
    return window_findings(problems)


@dataclass(frozen=True)
class Approved:
    """What the approval gate lets through: the composer over approved files, and each file's approval id."""

    composer: Composer
    approval_ids: dict[Path, str]


@dataclass(frozen=True)
class BatchFolder:
    """The batch's folder: written as ``tmp`` and moved to ``final`` when complete. ``lock`` holds the output
    folder's lock (one batch at a time writes into a folder: :func:`lock_output`); ``cleaned`` names the unfinished folders of
    stopped runs that were removed."""

    batch_id: str
    tmp: Path
    final: Path
    lock: Any = None
    cleaned: tuple[str, ...] = ()

    def release(self) -> None:
        if self.lock is not None:
            self.lock.close()  # closing the folder's descriptor drops the lock (closing twice is harmless)


@dataclass
class Typeset:
    """What composing, linting and typesetting gave: the letters produced (in sequence) and held, with their reasons."""

    produced: Sequence[Produced]
    held: list[Held]
    warnings: int
    """Unsuppressed lint warnings in the produced letters."""
    pages: int
    refused: list[str]
    """URLs the fetcher refused (templates or data naming outside resources)."""


def run_batch(
    loaded: LoadResult,
    policy: Policy,
    as_of: date,
    options: BatchOptions = BatchOptions(),
    progress: Progress | None = None,
    observer: Observer | None = None,
) -> BatchResult:
    """Plan, compose, typeset and assemble one batch; record it in the ledger unless ``options.record`` is False.
    ``progress`` is told (letters done, letters planned) after each chunk; ``observer`` the time of each step
    (:data:`Observer`). The steps, each a function of its own: :func:`plan_step`, :func:`approval_step`, the lint
    packs, :func:`reserve_folder`, :func:`typeset_step` (compose + lint + font check + typeset + window check, chunk
    by chunk over the workers), :func:`merge_step`, :func:`assemble_step`, :func:`record_step`."""
    from lettergen.lint import load_packs

    formats = tuple(f for f in FORMATS if f in options.formats)
    if not formats:
        raise AssembleError(f"--format must name pdf, docx or both (got {', '.join(options.formats) or 'nothing'}).")
    ledger = Ledger(options.ledger_path)
    if options.record and not options.draft:
        ledger.check_writable()
    if progress:
        progress(0, len(loaded.accounts), "plan")
    with _step(observer, "plan", len(loaded.accounts)):
        result = plan_step(loaded, policy, as_of, ledger)
    if progress:
        progress(len(loaded.accounts), len(loaded.accounts), "plan")
    if not result.jobs:  # nothing to send today: no folder, no record (every account's reason: lettergen plan)
        return BatchResult(batch_id="", folder=None, plan=result, produced=[], pages=0, recorded=False)
    with _step(observer, "approvals", len(result.jobs)):
        approved = approval_step(result, policy, options)
    with _step(observer, "lint_load"):
        packs = load_packs(names=list(options.packs) if options.packs else None)
    serial = first_imb_serial(policy, ledger, len(result.jobs))
    folder = reserve_folder(options, as_of, ledger)
    try:
        try:
            done = typeset_step(result, policy, as_of, options, formats, folder, approved.composer, packs, serial,
                                progress, observer)
            with _step(observer, "merge", len(done.produced)):
                merge_step(done, folder, policy, as_of, options, formats, progress)
            if progress:
                progress(0, 1, "files")
            with _step(observer, "assemble", len(done.produced)):
                files = assemble_step(loaded, result, done, policy, as_of, options, formats, folder)
            if progress:
                progress(1, 1, "files")
        except OSError as exc:
            if exc.errno not in _DISK_FULL:
                raise
            raise AssembleError(disk_full_message(folder, exc, len(result.jobs))) from None
        except BrokenProcessPool:
            raise TypesetError(
                "a typesetting worker process ended abruptly (the system may have stopped it for want of memory: "
                "see `dmesg`, or run with fewer --jobs). The unfinished batch folder was removed and nothing was "
                "recorded; run the batch again.") from None
        finally:
            if not folder.final.exists():
                shutil.rmtree(folder.tmp, ignore_errors=True)
        recorded = False
        if options.record and not options.draft:
            with _step(observer, "record", len(done.produced)):
                recorded = record_step(ledger, folder, as_of, done, approved, packs, files)
    finally:
        folder.release()
    warnings = [f"removed {name}, the unfinished folder of an earlier batch that was stopped before it ended (nothing "
                "of it was recorded)" for name in folder.cleaned]
    return BatchResult(batch_id=folder.batch_id, folder=folder.final, plan=result, produced=done.produced, pages=done.pages,
                       recorded=recorded, held=done.held, lint_warnings=done.warnings, refused_urls=done.refused,
                       warnings=warnings)


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def disk_full_message(folder: BatchFolder, exc: OSError, letters: int) -> str:
    """One paragraph for a full disk: which folder, how much the batch had written, how much it needs."""
    written = sum(f.stat().st_size for f in folder.tmp.rglob("*") if f.is_file()) if folder.tmp.exists() else 0
    done = sum(1 for f in (folder.tmp / "letters").glob("*.pdf")) if (folder.tmp / "letters").exists() else 0
    try:
        free = shutil.disk_usage(folder.tmp.parent).free
    except OSError:
        free = 0
    mb = lambda n: f"{n / 1e6:,.1f} MB"  # noqa: E731
    need = written / done * letters * 1.2 if done else 0
    what = "the disk is full" if exc.errno != errno.EFBIG else "a file grew past the size this system allows"
    where = Path(exc.filename).parent if exc.filename else None
    elsewhere = ""
    if where is not None and not where.resolve().is_relative_to(folder.tmp.parent.resolve()):
        elsewhere = f" (the file that could not be written is in {where})"
    elif where is None:
        elsewhere = (f" (while writing a file whose name the system did not give: if {folder.tmp.parent} has room, "
                     f"it is the temporary folder {tempfile.gettempdir()}, where the typesetter copies its fonts; "
                     "set TMPDIR to one with room)")
    return (f"{folder.tmp.parent}: {what} ({exc.strerror}){elsewhere}; the batch had written {mb(written)}"
            f"{f' for {done} of its {letters} letters' if done else ''} when it stopped, and {mb(free)} are free there now. "
            "The unfinished batch folder was removed and nothing was recorded, so no letter counts as sent. "
            + (f"Free about {mb(need)} (the whole batch, with room to spare) " if need else "Free space ")
            + "or pass an --out on a disk with room, then run the batch again.")


def nothing_to_send(result: PlanResult) -> str:
    """The one line a batch with no letter to make prints instead of a folder: how many accounts and why."""
    skips = result.skips_by_code()
    rejected = len(rejected_account_ids(result.rejections))
    n = len(result.skips) + rejected
    parts = [f"{c} {code.replace('_', ' ')}" for code, c in sorted(skips.items(), key=lambda kv: (-kv[1], kv[0]))]
    if rejected:
        parts.append(f"{rejected} rejected")
    return (f"nothing to send today ({n} account{'s' if n != 1 else ''}: {', '.join(parts) or 'none in the export'}); "
            "no batch folder was written and nothing was recorded. `lettergen plan` gives each account's reason.")


def plan_step(loaded: LoadResult, policy: Policy, as_of: date, ledger: Ledger) -> PlanResult:
    """Who gets which letter today, from the accounts and what the ledger says was sent."""
    histories = ledger.histories(a.id for a in loaded.accounts)
    result = plan_all(loaded.accounts, policy, histories, as_of, loaded.rejections)
    del histories  # every earlier letter of every account: freed before the result is copied (see compacted)
    return compacted(result)


def approval_step(result: PlanResult, policy: Policy, options: BatchOptions) -> Approved:
    """Refuse (:class:`~lettergen.errors.ApprovalError`) when a template or tone profile the planned letters use is
    unapproved or changed since approval, unless ``options.draft``."""
    from lettergen.approval import refusal, status
    from lettergen.errors import ApprovalError

    composer = Composer(policy, options.templates, options.tones)
    composer.check(j.tone for j in result.jobs)
    statuses = [status(f) for f in files_in_use(composer, result)]
    missing = [st for st in statuses if not st.ok]
    if missing and not options.draft:
        raise ApprovalError(refusal(missing))
    return Approved(composer, {st.path.resolve(): st.approval.id for st in statuses if st.ok and st.approval})


def reserve_folder(options: BatchOptions, as_of: date, ledger: Ledger) -> BatchFolder:
    """The next batch id and its folder, begun under a temporary name (``.ID.partial-PID``)."""
    out = options.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssembleError(f"{out}: cannot create the output folder ({exc.strerror}); pass another --out.") from None
    lock = lock_output(out)
    try:
        cleaned = remove_stale_partials(out)
        batch_id = options.batch_id or next_batch_id(out, as_of, ledger, options.draft)
        final = out / batch_id
        if final.exists():
            raise AssembleError(f"{final}: a batch folder with this id exists already; choose another --out or batch id.")
        tmp = out / f".{batch_id}.partial-{os.getpid()}"
        (tmp / "letters").mkdir(parents=True)
        (tmp / ".chunks").mkdir()
    except OSError as exc:
        lock.close()
        raise AssembleError(f"{out}: cannot write the batch folder there ({exc.strerror}); free space or pass another --out.") from None
    except BaseException:
        lock.close()
        raise
    return BatchFolder(batch_id, tmp, final, lock, cleaned)


_PARTIAL = re.compile(r"^\.(?P<id>.+)\.partial-(?P<pid>\d+)$")


class _DirLock:
    """The operating system's lock (``flock``) on the output folder itself, held for the whole batch."""

    def __init__(self, fd: int) -> None:
        self.fd: int | None = fd

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the lock
            self.fd = None


def lock_output(out: Path) -> _DirLock:
    """Lock the output folder for this run: a second batch into the same folder at the same time is refused,
    naming the run that holds it. The lock is the operating system's (``flock`` on the folder): it ends with the
    process however the process ends, kill -9 included, and leaves no file behind."""
    import fcntl

    fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        others = sorted({m["pid"] for p in out.iterdir() if (m := _PARTIAL.match(p.name))})
        holder = f"process {', '.join(others)}" if others else "another process"
        raise AssembleError(
            f"{out}: another lettergen batch ({holder}) is writing into this folder now. Two batches at once would "
            "number and send the same letters twice, so this one did not start; wait for the other to finish, then "
            "run this one again (it sends only what the other did not).") from None
    return _DirLock(fd)


def remove_stale_partials(out: Path) -> tuple[str, ...]:
    """Remove the unfinished batch folders (``.ID.partial-PID``) that stopped runs left in ``out``. Called with the
    folder's lock held, so no live batch is writing any of them; returns their names, for the user to be told."""
    gone = []
    for p in sorted(out.iterdir()):
        if p.is_dir() and _PARTIAL.match(p.name):
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p.name)
    return tuple(gone)


def first_imb_serial(policy: Policy, ledger: Ledger, letters: int = 0) -> int | None:
    """The IMb serial of the batch's first letter: after the highest the ledger recorded for the mailer id. Refused
    (:class:`~lettergen.errors.ImbError`) before anything is typeset when the mailer id has fewer serials left than
    the batch has letters."""
    from lettergen.errors import ImbError

    if policy.mailing.imb is None:
        return None
    cfg = policy.mailing.imb
    last = ledger.last_imb_serial(cfg.barcode_id, cfg.service_type, cfg.mailer_id)
    first = cfg.serial_start if last is None else max(last + 1, cfg.serial_start)
    top = 10 ** (15 - len(cfg.mailer_id)) - 1  # a 6-digit mailer id has 9-digit serials, a 9-digit one 6-digit serials
    if letters and first + letters - 1 > top:
        left = max(0, top - first + 1)
        raise ImbError(
            f"IMb serials of mailer id {cfg.mailer_id} run out: this batch has {letters} letter{'s' if letters != 1 else ''} "
            f"and needs serials {first} to {first + letters - 1}, but the last serial a {len(cfg.mailer_id)}-digit mailer id "
            f"has is {top} ({left} left; the ledger's highest is {last if last is not None else 'none'}). Nothing was "
            "typeset or recorded. Ask USPS for another mailer id and set mailing.imb.mailer_id (and serial_start) in the "
            "policy, or send fewer letters in this batch.")
    return first


def typeset_step(
    result: PlanResult, policy: Policy, as_of: date, options: BatchOptions, formats: tuple[str, ...], folder: BatchFolder,
    composer: Composer, packs: Any, imb_serial: int | None, progress: Progress | None = None, observer: Observer | None = None,
) -> Typeset:
    """Compose, lint and typeset chunk by chunk; return slim records of what was produced and held.

    A letter is held (not mailed, not recorded) when the linter finds an error in it, when the shipped fonts
    cannot print one of its characters, or when the envelope-window check on its typeset first page fails.
    Sequence numbers are given after all three, so the vendor's sequence has no gaps.
    """
    tmp = folder.tmp
    jobs_all = result.jobs
    total = len(jobs_all)
    if progress:
        progress(0, total, "typeset")
    size = max(1, options.chunk_size)
    workers = options.jobs or os.cpu_count() or 1
    duplex = options.duplex_for(policy)
    return_lines = policy.sender.return_lines
    # one record per letter mailed, for the reports and the ledger: packed too when the plan is (~1.5 KB a letter
    # as objects, ~0.2 KB packed), each record pointed back at the plan as it is read
    packed = is_packed(jobs_all)
    produced: list[Produced] | Packed[Produced]
    if packed:
        produced = Packed(restore=lambda p: p.letter.attach(jobs_all))
    else:
        produced = []
    held: list[Held] = []
    refused: list[str] = []
    seq = 0
    first = 1
    serial = imb_serial

    def collect(task: _ChunkTask, res: _ChunkResult, slim: list[SlimLetter], lint: list[tuple[Finding, ...]]) -> None:
        nonlocal first, seq
        if len(res.pages) != len(slim):  # pragma: no cover - a worker lost letters
            raise TypesetError(f"typesetting returned {len(res.pages)} letters for {len(slim)}; nothing was written.")
        refused.extend(res.refused)
        if observer is not None:
            for name, secs in res.seconds.items():
                observer(name, secs, len(slim))
        for k, lt in enumerate(slim):
            if res.problems[k]:
                held.append(Held(lt, typeset_findings(res.problems[k])))
                continue
            seq += 1
            base = letter_basename(seq, lt.job.account.id, lt.job.stage)
            for ext in formats:
                os.replace(tmp / "letters" / f"{task.keys[k]}.{ext}", tmp / "letters" / f"{base}.{ext}")
            produced.append(Produced(seq=seq, letter=lt, basename=base, pages=res.pages[k], first_page=first,
                                     pdf_sha256=res.hashes[k], files=tuple(f"letters/{base}.{ext}" for ext in formats),
                                     chunk=res.parts[k], chunk_page=res.at[k], lint=lint[k]))
            first += printed_pages(res.pages[k], duplex)
        if progress:
            progress(len(produced) + len(held), total, "typeset")

    def slim(letter: Letter, at: int) -> SlimLetter:
        """The record kept of a letter: with a compact plan, its index there rather than its job and account."""
        return SlimLetter(letter, jobs_all, at) if packed else SlimLetter(letter)

    slims: dict[int, list[SlimLetter]] = {}
    kept: dict[int, list[tuple[Finding, ...]]] = {}
    with _Typesetter(workers, composer.templates.folder, as_of, policy.envelope, options.draft) as typesetter:
        for k, start in enumerate(range(0, total, size)):
            ok: list[Letter] = []
            ok_at: list[int] = []
            ok_findings: list[tuple[Finding, ...]] = []
            started = time.perf_counter()
            for at, job in enumerate(jobs_all[start:start + size], start):
                letter = composer.compose(job, serial)
                if serial is not None:
                    serial += 1
                unprintable = glyph_findings(letter)
                if unprintable:  # never typeset: it would print an empty box, or take a machine's own font
                    held.append(Held(slim(letter, at), unprintable))
                    continue
                findings, errs, _warned = lint_one(letter, policy, packs)
                if errs:
                    held.append(Held(slim(letter, at), tuple(errs)))
                else:
                    ok.append(letter)
                    ok_at.append(at)
                    ok_findings.append(tuple(findings))
            if observer is not None:
                observer("compose_lint", time.perf_counter() - started, len(jobs_all[start:start + size]))
            if not ok:
                continue
            task = _ChunkTask(index=k, sections=[lt.html for lt in ok], anchors=[lt.anchor for lt in ok],
                              keys=[f".{k:05d}-{i:03d}" for i in range(len(ok))], titles=[letter_doc_title(lt) for lt in ok],
                              recipients=[list(lt.context["recipient_lines"]) for lt in ok], return_lines=return_lines,
                              folder=str(tmp), formats=formats, as_of=as_of, page_size=docx_page_size(policy.envelope))
            slims[k] = [slim(lt, at) for lt, at in zip(ok, ok_at)]
            kept[k] = ok_findings
            del ok
            for t, res in typesetter.submit(task):
                collect(t, res, slims.pop(t.index), kept.pop(t.index))
        for t, res in typesetter.drain():
            collect(t, res, slims.pop(t.index), kept.pop(t.index))

    failed = [f for h in held for f in h.findings if f.rule == TYPESET_RULE]
    if failed and not produced and not any(f.rule == WINDOW_RULE for h in held for f in h.findings):
        # every letter that reached the typesetter failed there: the templates are at fault, not the letters
        raise TypesetError(f"no letter could be typeset; the first: {failed[0].message}. Nothing was written.")
    # warnings of the letters that go out only: a held letter's findings are in held.csv, whatever stopped it
    warnings = sum(1 for p in produced for f in p.lint if f.level == "warning" and not f.suppressed)
    return Typeset(produced, held, warnings, first - 1, refused)


def merge_step(done: Typeset, folder: BatchFolder, policy: Policy, as_of: date, options: BatchOptions,
               formats: tuple[str, ...], progress: Progress | None = None) -> None:
    """``batch.pdf`` (and ``batch.docx``) from the chunks, in sequence."""
    if not done.produced:
        return
    tmp, title = folder.tmp, f"lettergen batch {folder.batch_id}"
    duplex = options.duplex_for(policy)
    n = len(done.produced)
    if progress:
        progress(0, n, "batch.pdf")
    merge_batch(tmp / "batch.pdf", tmp / ".chunks", done.produced, title, as_of, duplex)
    if progress:
        progress(n, n, "batch.pdf")
    if "docx" in formats:
        from lettergen.typeset.docx import build_docx_stream
        from lettergen.typeset.pdf import DRAFT_STAMP, wrap_document

        files = sorted((tmp / ".chunks").glob("*.html"))

        def chunks() -> Iterator[str]:  # one chunk's HTML at a time: memory does not grow with the batch
            for k, p in enumerate(files):
                if progress:
                    progress(k, len(files), "batch.docx")
                yield wrap_document([p.read_text(encoding="utf-8")], title)
            if progress:
                progress(len(files), len(files), "batch.docx")

        build_docx_stream(chunks(), tmp / "batch.docx", page_size=docx_page_size(policy.envelope), created=as_of,
                          title=title, header_text=DRAFT_STAMP if options.draft else None)


def assemble_step(loaded: LoadResult, result: PlanResult, done: Typeset, policy: Policy, as_of: date, options: BatchOptions,
                  formats: tuple[str, ...], folder: BatchFolder) -> dict[str, str]:
    """The vendor's mail/ folder, the reports and SHA256SUMS; then the folder is moved into place. Returns the
    SHA-256 of every file, for the ledger's evidence."""
    tmp = folder.tmp
    env = get_envelope(policy.envelope)
    duplex = options.duplex_for(policy)
    produced = done.produced
    mail = write_mail(tmp, tmp / ".chunks", produced, policy, env, folder.batch_id, as_of, duplex) if produced else []
    if options.debug_windows and produced:
        debug_overlay(tmp / "batch.pdf", tmp / "debug-windows.pdf", env, [p.first_page - 1 for p in produced])
    _write_reports(tmp, result, policy, as_of, folder.batch_id, formats, produced, done.held, done.warnings, done.pages,
                   done.refused, len(loaded.accounts) + len(rejected_account_ids(loaded.rejections)),
                   options.record and not options.draft, mail, duplex)
    shutil.rmtree(tmp / ".chunks")
    files = write_sha256sums(tmp)  # every file's SHA-256, for SHA256SUMS and for the ledger's evidence
    os.replace(tmp, folder.final)
    return files


def record_step(ledger: Ledger, folder: BatchFolder, as_of: date, done: Typeset, approved: Approved, packs: Any,
                files: dict[str, str]) -> bool:
    """Record the produced letters and their evidence in one ledger transaction; if that fails, remove the batch
    folder (nothing is mailed that the ledger does not know) and raise."""
    from lettergen.approval import display_name
    from lettergen.evidence import letter_evidence

    composer = approved.composer

    def approvals_of(letter: SlimLetter) -> dict[str, str]:
        used = [*composer.templates.files(letter.template), composer.tones.get(letter.tone).path]
        return {display_name(p): approved.approval_ids[p.resolve()] for p in used if p.resolve() in approved.approval_ids}

    produced = done.produced
    evidence = (  # one letter's at a time, as the ledger writes them (all at once: ~4 KB a letter)
        letter_evidence(p.letter, findings=p.lint, packs=packs, approvals=approvals_of(p.letter),
                        pdf_file=next((f for f in p.files if f.endswith(".pdf")), ""), pdf_sha256=p.pdf_sha256,
                        batch_pdf_sha256=files.get("batch.pdf", ""))
        for p in produced
    )
    try:
        ledger.record(
            folder.batch_id, as_of,
            (
                SentLetter(
                    account_id=p.letter.job.account.id, stage=p.letter.job.stage, sent_on=as_of, batch_id=folder.batch_id,
                    template=p.letter.template, template_hash=p.letter.template_hash, content_hash=p.pdf_sha256,
                    invoices=tuple(i.number for i in p.letter.job.invoices), amount=p.letter.job.amount_due,
                    currency=p.letter.job.currency, imb=p.letter.imb,
                )
                for p in produced
            ),
            refuse_same_day=True,
            evidence=evidence,
            batch_files=files,
        )
    except LedgerError as exc:
        shutil.rmtree(folder.final, ignore_errors=True)
        raise type(exc)(f"{exc.message} The batch folder {folder.final} was removed, so nothing is mailed that the ledger "
                        "does not know.") from None
    return True


def _write_reports(
    tmp: Path, result: PlanResult, policy: Policy, as_of: date, batch_id: str, formats: tuple[str, ...], produced: Sequence[Produced],
    held: list[Held], lint_warnings: int, pages: int, refused: list[str], accounts_in: int, record: bool, mail: Sequence[Piece] = (),
    duplex: bool = False,
) -> None:
    records = manifest_records(produced, mail)
    (tmp / "manifest.csv").write_text(manifest_csv(records), encoding="utf-8")
    (tmp / "manifest.json").write_text(manifest_json(records, batch_id, as_of), encoding="utf-8")
    (tmp / "skipped.csv").write_text(skipped_csv(result.skips), encoding="utf-8")
    (tmp / "rejected.csv").write_text(rejected_csv(result.rejections), encoding="utf-8")
    (tmp / "held.csv").write_text(held_csv((h.letter, h.findings) for h in held), encoding="utf-8")
    summary = Summary(batch_id=batch_id, as_of=as_of, policy=policy.name, accounts_in=accounts_in,
                      produced=produced, skips=result.skips, rejections=result.rejections, pages=pages, formats=formats,
                      refused_urls=refused, recorded=record, held=len(held), lint_warnings=lint_warnings,
                      held_rules=sorted({f.rule for h in held for f in h.findings}),
                      held_window=sum(1 for h in held if any(f.rule == WINDOW_RULE for f in h.findings)),
                      held_glyphs=sum(1 for h in held if any(f.rule == GLYPH_RULE for f in h.findings)),
                      mail_groups=[(g, sum(1 for m in mail if m.group == g), sum(m.sheets for m in mail if m.group == g))
                                   for g in dict.fromkeys(m.group for m in mail)],
                      duplex=duplex)
    (tmp / "summary.txt").write_text(summary.text(), encoding="utf-8")


@dataclass(frozen=True)
class Preview:
    """What :func:`preview_letter` wrote and found."""

    pdf: Path
    docx: Path
    pages: int
    envelope: str
    window_problems: list[str]
    """What the envelope-window check found on the first page (a batch would hold the letter); empty when none."""
    windows_pdf: Path | None = None
    refused: tuple[str, ...] = ()


def preview_letter(account: Account, policy: Policy, history: Sequence[SentLetter], as_of: date, stage: str, out: Path, *,
                   templates: Path | None = None, tones: Path | None = None, debug_windows: bool = False) -> Preview:
    """One account's letter for one stage as ``OUT/<account>-<stage>.pdf`` and ``.docx``, checked as a batch checks it
    (fonts, envelope windows) and recorded nowhere. A letter with a character the fonts cannot print is not
    typeset: :class:`~lettergen.errors.TypesetError` says which."""
    from lettergen.compose import Composer
    from lettergen.fonts import unprintable_messages
    from lettergen.mail.overlay import debug_overlay
    from lettergen.mail.window import check_letters
    from lettergen.plan import job_for_stage
    from lettergen.typeset.docx import build_docx
    from lettergen.typeset.pdf import PdfRenderer, wrap_document

    job = job_for_stage(account, policy, history, as_of, stage)
    composer = Composer(policy, templates, tones)
    # With an IMb in the policy, the preview shows one (serial_start, a sample: previews are never mailed).
    letter = composer.compose(job, policy.mailing.imb.serial_start if policy.mailing.imb else None)
    unprintable = unprintable_messages(letter.html, account)
    if unprintable:
        raise TypesetError(f"account {account.id}: {'; '.join(unprintable)}. A batch holds this letter (typeset.Glyphs); "
                           "no preview was written.")
    out.mkdir(parents=True, exist_ok=True)
    base = out / f"{account.id}-{stage}"
    title = f"Preview {account.id} {stage}"
    renderer = PdfRenderer(composer.templates.folder, as_of, policy.envelope)
    chunk = renderer.render([letter.html], [letter.anchor], title)
    base.with_suffix(".pdf").write_bytes(chunk.pdf)
    build_docx(wrap_document([letter.html], title), base.with_suffix(".docx"), page_size=docx_page_size(policy.envelope),
               created=as_of, title=title)
    (problems,) = check_letters(chunk.pdf, [0], renderer.envelope, recipients=[letter.context["recipient_lines"]],
                                return_lines=policy.sender.return_lines)
    windows = None
    if debug_windows:
        windows = out / f"{account.id}-{stage}-windows.pdf"
        debug_overlay(base.with_suffix(".pdf"), windows, renderer.envelope, [0])
    return Preview(pdf=base.with_suffix(".pdf"), docx=base.with_suffix(".docx"), pages=chunk.pages, envelope=renderer.envelope.name,
                   window_problems=list(problems), windows_pdf=windows, refused=tuple(chunk.refused))
