"""batch: the stages in order, for one run: plan -> compose -> typeset (in chunks, over workers) -> assemble -> ledger.

Every account of the input ends in exactly one of: a letter (manifest), a skip
(skipped.csv, with the reason) or a rejection (rejected.csv, with file, row,
column and reason). The batch folder is written under a temporary name and
moved into place when complete; only then does the ledger record the letters,
in one transaction. If recording fails, the folder is removed again, so a
batch is either mailed-and-recorded or not there at all.
"""

from __future__ import annotations

import gc
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .assemble import (
    Produced,
    Summary,
    cut_letters,
    held_csv,
    letter_basename,
    manifest_csv,
    manifest_json,
    manifest_records,
    merge_pdfs,
    rejected_csv,
    sha256_file,
    skipped_csv,
)
from .compose import Composer
from .errors import AssembleError, LedgerError, TypesetError
from .ledger import Ledger
from .load import LoadResult, rejected_account_ids
from .models import Finding, Letter, SentLetter, Skip, share_fields_set
from .plan import PlanResult, plan_all
from .policy import Policy

CHUNK_SIZE = 25
"""Letters per typeset document. Measured (bench/README.md): 25 is as fast as 50 or 100 (write_pdf's fixed
cost is already spread thin) and a worker laying out 25 letters needs ~40 MB less than one laying out 50."""
FORMATS = ("pdf", "docx")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Held:
    """A composed letter the linter stopped: not typeset, not mailed, not recorded."""

    letter: Letter
    findings: tuple[Finding, ...]


def gate(letters: Sequence[Letter], policy: Policy, packs: Sequence[str] | None = None) -> tuple[list[Letter], list[Held], int]:
    """Lint every composed letter; a letter with an error is held. Returns (to typeset, held, warnings)."""
    from .lint import errors, lint_letter, load_packs

    loaded = load_packs(names=list(packs) if packs else None)
    ok: list[Letter] = []
    held: list[Held] = []
    warnings = 0
    for lt in letters:
        findings = lint_letter(lt, policy, loaded)
        errs = errors(findings)
        warnings += sum(1 for f in findings if f.level == "warning" and not f.suppressed)
        if errs:
            held.append(Held(lt, tuple(errs)))
        else:
            ok.append(lt)
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

    @property
    def ledger_path(self) -> Path:
        return self.ledger or (self.out / "lettergen.db")


@dataclass
class BatchResult:
    batch_id: str
    folder: Path
    plan: PlanResult
    produced: list[Produced]
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


def _init_worker(templates_dir: str, as_of: date) -> None:
    global _RENDERER
    from .typeset.pdf import PdfRenderer

    _RENDERER = PdfRenderer(Path(templates_dir), as_of)


@dataclass(frozen=True)
class _ChunkTask:
    index: int
    sections: list[str]
    anchors: list[str]
    basenames: list[str]
    titles: list[str]
    folder: str
    formats: tuple[str, ...]
    as_of: date
    page_size: str


def _typeset_chunk(task: _ChunkTask) -> tuple[int, list[int], list[str], list[str]]:
    """Render one chunk: the chunk PDF, each letter's PDF cut from it, each letter's DOCX. Runs in a worker."""
    folder = Path(task.folder)
    chunk = _RENDERER.render(task.sections, task.anchors, f"chunk {task.index}")
    (folder / ".chunks" / f"{task.index:05d}.pdf").write_bytes(chunk.pdf)
    if "docx" in task.formats:  # batch.docx is built from these at the end, in order
        (folder / ".chunks" / f"{task.index:05d}.html").write_text("".join(task.sections), encoding="utf-8")
    ends = list(chunk.starts[1:]) + [chunk.pages]
    ranges = list(zip(chunk.starts, ends))
    hashes: list[str] = []
    if "pdf" in task.formats:
        paths = [folder / "letters" / f"{b}.pdf" for b in task.basenames]
        hashes = cut_letters(chunk.pdf, ranges, paths, task.titles, task.as_of)
    if "docx" in task.formats:
        from .typeset.docx import build_docx
        from .typeset.pdf import wrap_document

        for section, base, title in zip(task.sections, task.basenames, task.titles):
            build_docx(wrap_document([section], title), folder / "letters" / f"{base}.docx",
                       page_size=task.page_size, created=task.as_of, title=title)
    return task.index, [e - s for s, e in ranges], hashes, list(chunk.refused)


class _Typesetter:
    """Runs chunk tasks in order, in-process (one job) or over a pool of worker processes.

    The pool is started before any letter is composed, so the workers do not
    inherit a parent full of letters; at most ``2 x jobs`` chunks are in flight,
    so the parent never holds more than a few chunks of HTML.
    """

    def __init__(self, jobs: int, templates_dir: Path, as_of: date) -> None:
        self.jobs = jobs
        self.args = (str(templates_dir), as_of)
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[Any] = deque()

    def __enter__(self) -> "_Typesetter":
        if self.jobs > 1:
            # Forked workers would otherwise copy the parent's heap page by page as their garbage collector
            # touches every inherited object (93 MB a worker at 20,000 accounts; 16 MB frozen).
            import weasyprint  # noqa: F401  imported once here, its pages are shared by every worker

            gc.freeze()
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_worker, initargs=self.args)
        else:
            _init_worker(*self.args)
        return self

    def __exit__(self, *exc: object) -> None:
        global _RENDERER
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()
        _RENDERER = None  # free the fonts now, not during interpreter teardown

    def submit(self, task: _ChunkTask) -> Iterator[tuple[_ChunkTask, tuple[int, list[int], list[str], list[str]]]]:
        """Queue a chunk; yield the (task, result) pairs that are done, oldest first."""
        if self.pool is None:
            yield task, _typeset_chunk(task)
            return
        self.pending.append((task, self.pool.submit(_typeset_chunk, task)))
        while len(self.pending) >= 2 * self.jobs:
            t, fut = self.pending.popleft()
            yield t, fut.result()

    def drain(self) -> Iterator[tuple[_ChunkTask, tuple[int, list[int], list[str], list[str]]]]:
        while self.pending:
            t, fut = self.pending.popleft()
            yield t, fut.result()


# ----------------------------------------------------------------------------- the batch


def next_batch_id(out: Path, as_of: date, ledger: Ledger) -> str:
    taken = {b[0] for b in ledger.batches()}
    n = 1
    while True:
        bid = f"{as_of.isoformat()}-{n:03d}"
        if bid not in taken and not (out / bid).exists():
            return bid
        n += 1


def letter_title(seq: int, letter: Letter) -> str:
    return f"{seq:04d} {letter.job.account.id} {letter.job.stage} – {letter.job.account.name}"


def run_batch(
    loaded: LoadResult,
    policy: Policy,
    as_of: date,
    options: BatchOptions = BatchOptions(),
    progress: Progress | None = None,
) -> BatchResult:
    """Plan, compose, typeset and assemble one batch; record it in the ledger unless ``options.record`` is False."""
    formats = tuple(f for f in FORMATS if f in options.formats)
    if not formats:
        raise AssembleError(f"--format must name pdf, docx or both (got {', '.join(options.formats) or 'nothing'}).")
    ledger = Ledger(options.ledger_path)
    histories = ledger.histories(a.id for a in loaded.accounts)
    result = plan_all(loaded.accounts, policy, histories, as_of, loaded.rejections)
    del histories  # the jobs keep the earlier letters they cite

    composer = Composer(policy, options.templates, options.tones)
    composer.check(j.tone for j in result.jobs)
    from .lint import load_packs

    packs = load_packs(names=list(options.packs) if options.packs else None)

    out = options.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssembleError(f"{out}: cannot create the output folder ({exc.strerror}); pass another --out.") from None
    batch_id = options.batch_id or next_batch_id(out, as_of, ledger)
    final = out / batch_id
    if final.exists():
        raise AssembleError(f"{final}: a batch folder with this id exists already; choose another --out or batch id.")
    tmp = out / f".{batch_id}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "letters").mkdir(parents=True)
    (tmp / ".chunks").mkdir()
    try:
        produced, held, warnings_count, pages, refused = _stream(result, policy, as_of, options, formats, tmp, batch_id, composer,
                                                                 packs, progress)
        _write_reports(tmp, result, policy, as_of, batch_id, formats, produced, held, warnings_count, pages, refused,
                       len(loaded.accounts), options.record)
        shutil.rmtree(tmp / ".chunks")
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    recorded = False
    if options.record:
        try:
            ledger.record(
                batch_id, as_of,
                [
                    SentLetter(
                        account_id=p.letter.job.account.id, stage=p.letter.job.stage, sent_on=as_of, batch_id=batch_id,
                        template=p.letter.template, template_hash=p.letter.template_hash, content_hash=p.pdf_sha256,
                        invoices=tuple(i.number for i in p.letter.job.invoices), amount=p.letter.job.amount_due,
                        currency=p.letter.job.currency,
                    )
                    for p in produced
                ],
                refuse_same_day=True,
            )
            recorded = True
        except LedgerError as exc:
            shutil.rmtree(final, ignore_errors=True)
            raise type(exc)(f"{exc.message} The batch folder {final} was removed, so nothing is mailed that the ledger does not know.") from None
    return BatchResult(batch_id=batch_id, folder=final, plan=result, produced=produced, pages=pages, recorded=recorded,
                       held=held, lint_warnings=warnings_count, refused_urls=refused)


def _slim(letter: Letter) -> Letter:
    """What the reports and the ledger need of a letter after it is typeset: no HTML, little context."""
    ctx = letter.context
    slim = letter.model_copy(update={"html": "", "payment_plan": (),
                                     "context": {"recipient_lines": ctx["recipient_lines"], "amount_due": ctx["amount_due"]}})
    share_fields_set(slim)
    return slim


def _stream(
    result: PlanResult, policy: Policy, as_of: date, options: BatchOptions, formats: tuple[str, ...], tmp: Path, batch_id: str,
    composer: Composer, packs: Any, progress: Progress | None,
) -> tuple[list[Produced], list[Held], int, int, list[str]]:
    """Compose, lint and typeset chunk by chunk; return slim records of what was produced and held."""
    from .lint import errors, lint_letter

    jobs_all = result.jobs
    total = len(jobs_all)
    size = max(1, options.chunk_size)
    workers = options.jobs or os.cpu_count() or 1
    produced: list[Produced] = []
    held: list[Held] = []
    warnings = 0
    refused: list[str] = []
    seq = 0
    first = 1
    done = 0
    bookmarks: list[tuple[str, int]] = []
    labels: list[tuple[int, str]] = []

    def collect(task: _ChunkTask, res: tuple[int, list[int], list[str], list[str]], slim: list[Letter]) -> None:
        nonlocal first, done
        _index, pages, hashes, ref = res
        if len(pages) != len(slim):  # pragma: no cover - a worker lost letters
            raise TypesetError(f"typesetting returned {len(pages)} letters for {len(slim)}; nothing was written.")
        refused.extend(ref)
        for k, lt in enumerate(slim):
            n = int(task.basenames[k].split("-", 1)[0])
            produced.append(Produced(seq=n, letter=lt, basename=task.basenames[k], pages=pages[k], first_page=first,
                                     pdf_sha256=hashes[k] if hashes else "",
                                     files=tuple(f"letters/{task.basenames[k]}.{ext}" for ext in formats)))
            bookmarks.append((task.titles[k], first - 1))
            labels.append((first - 1, f"{n:04d}-"))
            first += pages[k]
        done += len(slim)
        if progress:
            progress(done + len(held), total)

    slims: dict[int, list[Letter]] = {}
    with _Typesetter(workers, composer.templates.folder, as_of) as typesetter:
        for k, start in enumerate(range(0, total, size)):
            ok: list[Letter] = []
            for job in jobs_all[start:start + size]:
                letter = composer.compose(job)
                findings = lint_letter(letter, policy, packs)
                warnings += sum(1 for f in findings if f.level == "warning" and not f.suppressed)
                errs = errors(findings)
                if errs:
                    held.append(Held(_slim(letter), tuple(errs)))
                else:
                    ok.append(letter)
            if not ok:
                continue
            bases, titles = [], []
            for lt in ok:
                seq += 1
                bases.append(letter_basename(seq, lt.job.account.id, lt.job.stage))
                titles.append(letter_title(seq, lt))
            task = _ChunkTask(index=k, sections=[lt.html for lt in ok], anchors=[lt.anchor for lt in ok], basenames=bases,
                              titles=titles, folder=str(tmp), formats=formats, as_of=as_of, page_size="letter")
            slims[k] = [_slim(lt) for lt in ok]
            del ok
            for t, res in typesetter.submit(task):
                collect(t, res, slims.pop(t.index))
        for t, res in typesetter.drain():
            collect(t, res, slims.pop(t.index))

    pages = first - 1
    if produced:
        chunk_files = sorted((tmp / ".chunks").glob("*.pdf"))
        merge_pdfs(chunk_files, tmp / "batch.pdf", bookmarks, f"lettergen batch {batch_id}", as_of, labels)
        if "docx" in formats:
            from .typeset.docx import build_docx
            from .typeset.pdf import wrap_document

            sections = [p.read_text(encoding="utf-8") for p in sorted((tmp / ".chunks").glob("*.html"))]
            build_docx(wrap_document(sections, f"lettergen batch {batch_id}"), tmp / "batch.docx",
                       page_size="letter", created=as_of, title=f"lettergen batch {batch_id}")
    return produced, held, warnings, pages, refused


def _write_reports(
    tmp: Path, result: PlanResult, policy: Policy, as_of: date, batch_id: str, formats: tuple[str, ...], produced: list[Produced],
    held: list[Held], lint_warnings: int, pages: int, refused: list[str], accounts_in: int, record: bool,
) -> None:
    records = manifest_records(produced)
    (tmp / "manifest.csv").write_text(manifest_csv(records), encoding="utf-8")
    (tmp / "manifest.json").write_text(manifest_json(records, batch_id, as_of), encoding="utf-8")
    (tmp / "skipped.csv").write_text(skipped_csv(result.skips), encoding="utf-8")
    (tmp / "rejected.csv").write_text(rejected_csv(result.rejections), encoding="utf-8")
    (tmp / "held.csv").write_text(held_csv((h.letter, h.findings) for h in held), encoding="utf-8")
    summary = Summary(batch_id=batch_id, as_of=as_of, policy=policy.name, accounts_in=accounts_in + len(rejected_account_ids(result.rejections)),
                      produced=produced, skips=result.skips, rejections=result.rejections, pages=pages, formats=formats,
                      refused_urls=refused, recorded=record, held=len(held), lint_warnings=lint_warnings,
                      held_rules=sorted({f.rule for h in held for f in h.findings}))
    (tmp / "summary.txt").write_text(summary.text(), encoding="utf-8")


def batch_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a batch folder, by relative path (for tests and verification)."""
    return {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}
