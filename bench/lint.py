"""Lint throughput: letters linted per second, and linting's share of a batch's time.

    python bench/lint.py [--n 1000] [--batch-n 200] [--jobs J]

Composes N letters from the sample accounts (every stage, every tone; accounts
are cycled with new ids), lints them all with every shipped pack, and prints
letters per second. Then runs a real batch (lint gate included) on --batch-n of
them and prints lint time as a share of the batch's wall time. Figures, not
assertions: the target is lint < 10% of the batch.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lettergen.batch import BatchOptions, gate, run_batch  # noqa: E402
from lettergen.compose import Composer  # noqa: E402
from lettergen.lint import lint_letter, load_packs  # noqa: E402
from lettergen.load import LoadResult, load_accounts  # noqa: E402
from lettergen.plan import job_for_stage  # noqa: E402
from lettergen.config.policy import Policy  # noqa: E402

AS_OF = date(2026, 11, 27)


def letters(n: int):  # type: ignore[no-untyped-def]
    policy = Policy.from_yaml(ROOT / "samples" / "policy.yaml")
    accounts, _ = load_accounts(ROOT / "samples" / "accounts.csv")
    composer = Composer(policy)
    tones = ["warm", "neutral", "firm"]
    out = []
    i = 0
    while len(out) < n:
        acc = accounts[i % len(accounts)]
        acc = acc.model_copy(update={"id": f"{acc.id}-{i:05d}", "tone": tones[i % 3]})
        stage = policy.stages[i % len(policy.stages)].name
        out.append(composer.compose(job_for_stage(acc, policy, (), AS_OF, stage)))
        i += 1
    return policy, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--batch-n", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    t0 = time.perf_counter()
    policy, composed = letters(a.n)
    compose_s = time.perf_counter() - t0
    packs = load_packs()
    rules = sum(len(p.rules) for p in packs)
    t0 = time.perf_counter()
    findings = sum(len(lint_letter(lt, policy, packs)) for lt in composed)
    lint_s = time.perf_counter() - t0
    print(f"letters: {a.n}, packs: {len(packs)}, rules: {rules}, findings: {findings}")
    print(f"compose: {compose_s * 1000 / a.n:.2f} ms per letter")
    print(f"lint: {lint_s * 1000 / a.n:.2f} ms per letter, {a.n / lint_s:.0f} letters per second")

    accounts = tuple(lt.job.account for lt in composed[: a.batch_n])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = run_batch(LoadResult(accounts, ()), policy, AS_OF, BatchOptions(out=Path(tmp), jobs=a.jobs, formats=("pdf",)))
        batch_s = time.perf_counter() - t0
        n = len(res.produced) + len(res.held)
    # the gate as the batch runs it, on the letters the batch composed (a fresh process state is not needed: the
    # gate's only cache is the model's per-sentence one, which the batch's own gate fills the same way)
    from lettergen.lint.learned import load_model

    t0 = time.perf_counter()
    load_model.cache_clear()
    load_model("fdcpa.json.gz")
    print(f"learned model: loads in {(time.perf_counter() - t0) * 1000:.0f} ms, once a process")
    t0 = time.perf_counter()
    gate(composed[: a.batch_n], policy)
    gate_s = time.perf_counter() - t0
    print(f"batch (pdf, jobs {a.jobs}): {n} letters, {batch_s * 1000 / max(1, n):.1f} ms per letter wall")
    print(f"gate (lint) on the batch's {a.batch_n} accounts' letters: {gate_s * 1000 / a.batch_n:.2f} ms per letter; "
          f"for the {n} it produced or held, a share of the batch's wall time of {gate_s / a.batch_n * n / batch_s:.3f} "
          f"(target < 0.10; --formats pdf, the cheaper batch, so the share is an upper bound for the default pdf,docx)")


if __name__ == "__main__":
    main()
