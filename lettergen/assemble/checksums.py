"""Checksums of a batch folder: SHA-256 of every file, written once (SHA256SUMS) and read back (``lettergen verify``)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_sha256sums(folder: Path) -> dict[str, str]:
    """``SHA256SUMS`` over every file in ``folder`` (but itself), in the format ``sha256sum -c`` reads.

    Returns the SHA-256 of every file, ``SHA256SUMS`` included, by relative path: the batch records these
    in the ledger instead of reading every file a second time."""
    out = folder / "SHA256SUMS"
    hashes = {name: digest for name, digest in folder_hashes(folder).items() if name != "SHA256SUMS"}
    out.write_text("".join(f"{digest}  {name}\n" for name, digest in hashes.items()), encoding="utf-8")
    return {**hashes, "SHA256SUMS": sha256_file(out)}


def verify_sha256sums(folder: Path) -> list[str]:
    """Files whose content no longer matches ``SHA256SUMS`` (or that are missing): empty when all match."""
    bad = []
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = folder / name
        if not path.is_file() or sha256_file(path) != digest:
            bad.append(name)
    return bad


def folder_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by path relative to it (with ``/``), sorted by path."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}
