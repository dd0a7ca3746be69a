"""Compact sequences for the per-account records a batch keeps from start to end.

A loaded :class:`~lettergen.models.Account` is ~3 KB of Python objects and a planned
:class:`~lettergen.models.LetterJob` another ~1.4 KB; a batch of 20,000 accounts kept
~90 MB of them for its whole run, shared with every worker it forked. :class:`Packed`
keeps them pickled in zlib-compressed blocks of :data:`BLOCK` items instead (~120 B an
account, ~170 B a job, measured on the bench's synthetic accounts) and unpacks a block
when an item of it is read, so memory does not grow with the batch beyond a few
hundred bytes an account. Reading is in order almost everywhere (plan, compose,
reports, ledger), so a small cache of unpacked blocks makes each block unpack about
once per pass.

Items come back as equal copies, not the same objects: the records are frozen
models, compared by value.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

BLOCK = 64
"""Items per compressed block: big enough for zlib to find the repeats between records (field names, class
references, common strings), small enough that unpacking one block for one item stays cheap (~1 ms)."""
_CACHED_BLOCKS = 4


class _EqualAsSequence(Sequence[T], Generic[T]):
    """Equal to any sequence (list, tuple, another packed one) of equal items in the same order, as the tuples
    these sequences replace were."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]


class Packed(_EqualAsSequence[T]):
    """An append-only sequence of picklable items, stored compressed by blocks."""

    def __init__(self, items: Iterable[T] = (), block: int = BLOCK, restore: Callable[[T], None] | None = None) -> None:
        """``restore`` is called on every item as it is unpacked: to give it back what was not pickled with it
        (a record's reference to a shared sequence, say)."""
        self._block = block
        self._blocks: list[bytes] = []
        self._tail: list[T] = []
        self._cache: OrderedDict[int, list[T]] = OrderedDict()
        self._restore = restore
        self.extend(items)

    def append(self, item: T) -> None:
        self._tail.append(item)
        if len(self._tail) >= self._block:
            self._blocks.append(zlib.compress(pickle.dumps(self._tail, protocol=pickle.HIGHEST_PROTOCOL), 1))
            self._tail = []

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return len(self._blocks) * self._block + len(self._tail)

    def __getstate__(self) -> dict[str, Any]:
        return {"_block": self._block, "_blocks": self._blocks, "_tail": self._tail}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = OrderedDict()
        self._restore = None

    def _load(self, b: int) -> list[T]:
        items: list[T] = pickle.loads(zlib.decompress(self._blocks[b]))
        if self._restore is not None:
            for item in items:
                self._restore(item)
        return items

    def _unpack(self, b: int) -> list[T]:
        if b == len(self._blocks):
            return self._tail
        hit = self._cache.get(b)
        if hit is None:
            hit = self._cache[b] = self._load(b)
            if len(self._cache) > _CACHED_BLOCKS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(b)
        return hit

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("Packed index out of range")
        b, k = divmod(i, self._block)
        return self._unpack(b)[k]

    def __iter__(self) -> Iterator[T]:
        # not through the cache: a pass over every item leaves nothing behind (kept, its last blocks would sit
        # among whatever the pass made and freed, and keep that memory from going back to the system)
        for b in range(len(self._blocks)):
            hit = self._cache.get(b)
            yield from hit if hit is not None else self._load(b)
        yield from list(self._tail)

    def __repr__(self) -> str:
        return f"Packed({len(self)} items in {len(self._blocks)} blocks of {self._block})"

    def packed_bytes(self) -> int:
        """The compressed size of the full blocks (for the bench and the tests)."""
        return sum(len(b) for b in self._blocks)


class Subset(_EqualAsSequence[T]):
    """The items of a sequence at some of its indices (kept as 4-byte integers), in their order there."""

    def __init__(self, base: Sequence[T], indices: Iterable[int]) -> None:
        self.base = base
        self.indices = array("I", indices)

    def __len__(self) -> int:
        return len(self.indices)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self.base[k] for k in self.indices[i]]
        return self.base[self.indices[i]]

    def __iter__(self) -> Iterator[T]:
        for k in self.indices:
            yield self.base[k]

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {len(self.base)})"


def compacted(obj: T) -> T:
    """A fresh copy of ``obj`` (pickled and read back), made once the big temporary objects it was built beside
    are gone.

    Python's small-object allocator returns a 1 MiB arena to the system only when nothing in it is alive. The
    few records a loader keeps (a rejection, the last block of a :class:`Packed`) are made while it reads the
    export's rows, so they sit one or two in each arena of rows; kept, they pinned ~85 MB of freed rows at 20,000
    accounts (the process stayed at 174 MB where 90 MB are in use). Copied after the rows are freed, they land
    together and the arenas of rows go back to the system."""
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def is_packed(seq: Any) -> bool:
    return isinstance(seq, (Packed, Subset))
