"""The compact sequences a batch keeps its per-account records in (lettergen.packed)."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest

from lettergen.config.policy import Policy
from lettergen.load import load_accounts
from lettergen.models import Letter, SlimLetter
from lettergen.packed import Packed, Subset, compacted
from lettergen.plan import plan_all

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
AS_OF = date(2026, 11, 27)


def test_packed_is_a_sequence_across_blocks() -> None:
    items = [{"n": i, "s": f"item {i}"} for i in range(23)]
    p = Packed(items, block=5)
    assert len(p) == 23 and p.packed_bytes() > 0
    assert list(p) == items and p == items and p != items[:-1]
    assert p[0] == items[0] and p[7] == items[7] and p[-1] == items[-1] and p[22] == items[22]
    assert p[3:12] == items[3:12] and p[::-4] == items[::-4]
    with pytest.raises(IndexError):
        p[23]
    with pytest.raises(IndexError):
        p[-24]
    p.append({"n": 23})
    assert len(p) == 24 and p[-1] == {"n": 23} and list(p)[-2:] == [items[-1], {"n": 23}]
    assert bool(Packed()) is False and Packed() == []


def test_items_come_back_equal_not_identical() -> None:
    p = Packed([[1, 2]] * 10, block=3)
    assert p[0] == [1, 2]
    p[0].append(3)  # a copy: the packed item does not change ...
    assert p[4] == [1, 2]
    first = p[1]
    assert p[1] is first  # ... and a block read twice in a row is unpacked once (the small block cache)


def test_restore_is_called_on_every_unpacked_item_and_subset_reads_through() -> None:
    seen: list[int] = []
    p: Packed[dict[str, int]] = Packed(({"n": i} for i in range(10)), block=4, restore=lambda d: seen.append(d["n"]))
    assert [d["n"] for d in p] == list(range(10))
    assert sorted(seen) == list(range(8))  # the two full blocks; the tail was never pickled
    sub = Subset(p, [1, 5, 9])
    assert len(sub) == 3 and [d["n"] for d in sub] == [1, 5, 9] and sub[-1] == {"n": 9} and sub[1:] == [{"n": 5}, {"n": 9}]


def test_compacted_copies_and_packed_pickles_without_its_cache() -> None:
    p = Packed(range(100), block=8)
    assert p[50] == 50  # fills the cache
    q = compacted(p)
    assert q is not p and q == p and len(q) == 100 and q._cache == {}
    assert pickle.loads(pickle.dumps(p)) == list(range(100))


def test_the_loader_and_the_planner_keep_their_records_packed_and_small() -> None:
    loaded = load_accounts(SAMPLES / "accounts.csv")
    assert isinstance(loaded.accounts, Packed) and len(loaded.accounts) > 10
    policy = Policy.from_yaml(SAMPLES / "policy.yaml")
    packed = plan_all(loaded.accounts, policy, {}, AS_OF, loaded.rejections)
    plain = plan_all(list(loaded.accounts), policy, {}, AS_OF, loaded.rejections)
    assert isinstance(packed.jobs, Subset) and isinstance(packed.skips, Subset)
    assert packed.jobs == plain.jobs and packed.skips == plain.skips and list(packed.decisions) == list(plain.decisions)
    assert packed.totals_by_stage() == plain.totals_by_stage() and packed.skips_by_code() == plain.skips_by_code()
    # the point of it: a few hundred bytes an account where the models are several KB
    big = Packed(list(loaded.accounts) * 8)
    per_account = big.packed_bytes() / (len(big) - len(big._tail))
    one_model = len(pickle.dumps(loaded.accounts[0]))
    assert per_account < one_model / 3, (per_account, one_model)


def test_a_kept_letter_record_reads_its_job_back_and_survives_pickling() -> None:
    loaded = load_accounts(SAMPLES / "accounts.csv")
    policy = Policy.from_yaml(SAMPLES / "policy.yaml")
    result = plan_all(loaded.accounts, policy, {}, AS_OF)
    jobs = result.jobs
    job = jobs[2]
    letter = Letter.model_construct(job=job, html="<p>x</p>", anchor="a2", template=job.template, template_path="t.html.j2",
                                    template_hash="h", tone=job.tone, tone_hash="th", response_date=AS_OF, imb="",
                                    context={"recipient_lines": ["A", "B"], "amount_due": "$1.00"})
    slim = SlimLetter(letter, jobs, 2)
    assert slim.job == job and slim.account.id == job.account.id and slim.recipient_lines == ("A", "B")
    copy = pickle.loads(pickle.dumps(slim))
    assert copy.anchor == "a2" and copy.amount_due == "$1.00"
    with pytest.raises(IndexError):
        copy.job  # pickled without the plan ...
    copy.attach(jobs)
    assert copy.job == job  # ... and pointed back at it
    assert len(pickle.dumps(slim)) < len(pickle.dumps(job)) / 2
    kept = SlimLetter(letter)  # without the plan: keeps the job itself, as before
    assert kept.job is job and pickle.loads(pickle.dumps(kept)).job == job
