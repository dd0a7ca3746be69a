"""Private memory of one typesetting worker by chunk size.

    .venv/bin/python bench/worker_memory.py [--chunks 10,12,25,50] [--n 200]

For each chunk size: composes N synthetic letters in this process, forks a
child as the batch forks a worker (after ``gc.freeze()``), builds the
``PdfRenderer`` there and renders the letters chunk by chunk, printing the
child's ``Private_Dirty`` (/proc/self/smaps_rollup) after the fork, after the
renderer is built and after each chunk. Private memory is what a worker adds to
the batch's PSS sum beyond the pages it shares with the parent.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def private_mb() -> int:
    with open("/proc/self/smaps_rollup") as f:
        return sum(int(line.split()[1]) for line in f if line.startswith("Private_Dirty")) // 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chunks", default="10,12,25,50", help="chunk sizes to try, comma-separated (default 10,12,25,50)")
    ap.add_argument("--n", type=int, default=200, help="letters to render per chunk size (default 200)")
    a = ap.parse_args()

    import weasyprint  # noqa: F401  imported before the fork, as the batch does
    from _synthetic import AS_OF, make_accounts
    from throughput import _policy, _templates

    from lettergen.compose import Composer
    from lettergen.plan import plan_all

    syn = make_accounts(a.n)
    policy = _policy()
    result = plan_all(syn.accounts, policy, syn.histories, AS_OF)
    composer = Composer(policy, _templates())
    letters = [composer.compose(j) for j in result.jobs]
    gc.collect()
    gc.freeze()
    for size in (int(x) for x in a.chunks.split(",")):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            from lettergen.typeset.pdf import PdfRenderer

            at_fork = private_mb()
            renderer = PdfRenderer(_templates(), AS_OF, policy.envelope)
            after_renderer = private_mb()
            after = []
            for s in range(0, len(letters), size):
                part = letters[s:s + size]
                chunk = renderer.render([lt.html for lt in part], [lt.anchor for lt in part], "bench")
                del chunk
                after.append(private_mb())
            line = (f"chunk {size:3d}: private MB after the fork {at_fork}, with the renderer {after_renderer}, "
                    f"after the first chunk {after[0]}, after all {len(after)} chunks {after[-1]} (max {max(after)})\n")
            os.write(w, line.encode())
            os._exit(0)
        os.close(w)
        os.waitpid(pid, 0)
        with os.fdopen(r) as f:
            print(f.read(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
