"""batch: the stages in order, for one run: plan -> compose -> typeset (in chunks, over workers) -> assemble -> ledger.

Every account of the input ends in exactly one of: a letter (manifest), a skip
(skipped.csv, with the reason) or a rejection (rejected.csv, with file, row,
column and reason). The batch folder is written under a temporary name and
moved into place when complete; only then does the ledger record the letters,
in one transaction. If recording fails, the folder is removed again, so a
batch is either mailed-and-recorded or not there at all.
"""

from __future__ import annotations

import os
import shutil
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
from .models import Finding, Letter, SentLetter, Skip
from .plan import PlanResult, plan_all
from .policy import Policy

CHUNK_SIZE = 50
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


def _run_chunks(tasks: Sequence[_ChunkTask], jobs: int, templates_dir: Path, as_of: date, progress: Progress | None) -> Iterator[tuple[int, list[int], list[str], list[str]]]:
    done = 0
    total = sum(len(t.anchors) for t in tasks)
    if jobs <= 1 or len(tasks) <= 1:
        global _RENDERER
        _init_worker(str(templates_dir), as_of)
        try:
            for t in tasks:
                r = _typeset_chunk(t)
                done += len(t.anchors)
                if progress:
                    progress(done, total)
                yield r
        finally:
            _RENDERER = None  # free the fonts now, not during interpreter teardown
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(str(templates_dir), as_of)) as pool:
        for r in pool.map(_typeset_chunk, tasks):
            done += len(r[1])
            if progress:
                progress(done, total)
            yield r


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

    composer = Composer(policy, options.templates, options.tones)
    composer.check(j.tone for j in result.jobs)
    letters = [composer.compose(job) for job in result.jobs]
    letters, held, warnings_count = gate(letters, policy, options.packs)

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
        produced, pages, refused = _typeset_and_assemble(letters, result, policy, as_of, options, formats, tmp, batch_id, composer, progress,
                                                         len(loaded.accounts), held, warnings_count)
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


def _typeset_and_assemble(
    letters: list[Letter], result: PlanResult, policy: Policy, as_of: date, options: BatchOptions, formats: tuple[str, ...],
    tmp: Path, batch_id: str, composer: Composer, progress: Progress | None, accounts_in: int, held: list[Held], lint_warnings: int,
) -> tuple[list[Produced], int, list[str]]:
    from .typeset.pdf import wrap_document

    titles = [letter_title(i + 1, lt) for i, lt in enumerate(letters)]
    bases = [letter_basename(i + 1, lt.job.account.id, lt.job.stage) for i, lt in enumerate(letters)]
    size = max(1, options.chunk_size)
    tasks = [
        _ChunkTask(
            index=k, sections=[lt.html for lt in letters[s:s + size]], anchors=[lt.anchor for lt in letters[s:s + size]],
            basenames=bases[s:s + size], titles=titles[s:s + size], folder=str(tmp), formats=formats, as_of=as_of,
            page_size="letter",
        )
        for k, s in enumerate(range(0, len(letters), size))
    ]
    jobs = options.jobs or os.cpu_count() or 1
    pages_per_letter: list[int] = []
    hashes: list[str] = []
    refused: list[str] = []
    for _index, pages, hs, ref in _run_chunks(tasks, jobs, composer.templates.folder, as_of, progress):
        pages_per_letter += pages
        hashes += hs
        refused += ref
    if len(pages_per_letter) != len(letters):  # pragma: no cover - a worker lost letters
        raise TypesetError(f"typesetting returned {len(pages_per_letter)} letters for {len(letters)}; nothing was written.")

    produced: list[Produced] = []
    first = 1
    for i, lt in enumerate(letters):
        files = tuple(f"letters/{bases[i]}.{ext}" for ext in formats)
        produced.append(Produced(seq=i + 1, letter=lt, basename=bases[i], pages=pages_per_letter[i], first_page=first,
                                 pdf_sha256=hashes[i] if hashes else "", files=files))
        first += pages_per_letter[i]
    total_pages = first - 1

    chunk_files = sorted((tmp / ".chunks").glob("*.pdf"))
    if letters:
        merge_pdfs(chunk_files, tmp / "batch.pdf", [(titles[i], p.first_page - 1) for i, p in enumerate(produced)],
                   f"lettergen batch {batch_id}", as_of)
    if "docx" in formats and letters:
        from .typeset.docx import build_docx

        build_docx(wrap_document([lt.html for lt in letters], f"lettergen batch {batch_id}"), tmp / "batch.docx",
                   page_size="letter", created=as_of, title=f"lettergen batch {batch_id}")

    records = manifest_records(produced)
    (tmp / "manifest.csv").write_text(manifest_csv(records), encoding="utf-8")
    (tmp / "manifest.json").write_text(manifest_json(records, batch_id, as_of), encoding="utf-8")
    (tmp / "skipped.csv").write_text(skipped_csv(result.skips), encoding="utf-8")
    (tmp / "rejected.csv").write_text(rejected_csv(result.rejections), encoding="utf-8")
    (tmp / "held.csv").write_text(held_csv((h.letter, h.findings) for h in held), encoding="utf-8")
    summary = Summary(batch_id=batch_id, as_of=as_of, policy=policy.name, accounts_in=accounts_in + len(rejected_account_ids(result.rejections)),
                      produced=produced, skips=result.skips, rejections=result.rejections, pages=total_pages, formats=formats,
                      refused_urls=refused, recorded=options.record, held=len(held), lint_warnings=lint_warnings,
                      held_rules=sorted({f.rule for h in held for f in h.findings}))
    (tmp / "summary.txt").write_text(summary.text(), encoding="utf-8")
    return produced, total_pages, refused


def batch_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a batch folder, by relative path (for tests and verification)."""
    return {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}
