"""Concatenate PDFs into one file in a single streaming pass, with bookmarks and page labels.

``batch.pdf`` of a 20,000-letter batch is ~400 chunk PDFs and 26,000 pages.
Building it with pikepdf (``pdf.pages.extend`` then ``save``) keeps every
copied object in memory and slows down as the document grows: 50 s and 550 MB
for 20,000 letters (bench/README.md). This writer instead copies one chunk at a
time straight to the output file, renumbering its objects, and keeps only the
byte offset of each object and the object number of each page; memory stays at
about one chunk whatever the batch size, and time is linear.

What is copied from each input: its pages (``/Parent`` pointed at the new page
tree, inheritable attributes resolved onto the page) and every object they
reach. The input's catalog, outlines, named destinations and info dictionary
are not copied; the output gets its own page tree, one bookmark per entry of
``bookmarks``, page labels and an info dictionary. Output is deterministic:
the same inputs give the same bytes, and the file ID is a hash of the content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def pdf_string(text: str) -> bytes:
    """A PDF text string: UTF-16BE with BOM as hex when not plain ASCII, else an escaped literal."""
    if text.isascii():
        esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("\r", "\\r").replace("\n", "\\n")
        return b"(" + esc.encode("ascii") + b")"
    return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"


class _Out:
    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.pos = 0
        self.offsets: list[int] = [0]  # index = object number; 0 is the free head
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.f.write(data)
        self.digest.update(data)
        self.pos += len(data)

    def reserve(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def obj(self, num: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[num] = self.pos
        if stream is None:
            self.write(b"%d 0 obj\n%s\nendobj\n" % (num, body))
        else:
            self.write(b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (num, body, stream))


class _Chunk:
    """Copies the objects of one input PDF that its pages reach, renumbered into the output."""

    def __init__(self, out: _Out, pages_root: int) -> None:
        self.out = out
        self.pages_root = pages_root
        self.numbers: dict[tuple[int, int], int] = {}
        self.todo: list[Any] = []

    def ref(self, obj: Any) -> bytes:
        key = obj.objgen
        num = self.numbers.get(key)
        if num is None:
            num = self.numbers[key] = self.out.reserve()
            self.todo.append(obj)
        return b"%d 0 R" % num

    def value(self, obj: Any) -> bytes:
        import pikepdf

        if not isinstance(obj, pikepdf.Object):  # pikepdf hands numbers, booleans and null over as Python values
            return _scalar(obj)
        if obj.is_indirect:
            return self.ref(obj)
        if isinstance(obj, pikepdf.Dictionary):
            return self.dictionary(obj.items())
        if isinstance(obj, pikepdf.Array):
            return b"[" + b" ".join(self.value(v) for v in obj) + b"]"
        return obj.unparse()

    def dictionary(self, items: Any) -> bytes:
        parts = [b"<<"]
        for k, v in items:
            parts.append(_name(k) + b" " + self.value(v))
        parts.append(b">>")
        return b" ".join(parts)

    def copy_page(self, page: Any) -> int:
        """Write a page object (and, after it, what it reaches); return its new number."""
        import pikepdf

        items = {k: v for k, v in page.items() if k != "/Parent"}
        parent = page.get("/Parent")
        while parent is not None:
            for key in _INHERITED:
                if key not in items and key in parent:
                    items[key] = parent[key]
            parent = parent.get("/Parent")
        num = self.numbers[page.objgen] = self.out.reserve()
        body = self.dictionary(sorted(items.items())).replace(b"<<", b"<< /Parent %d 0 R" % self.pages_root, 1)
        self.out.obj(num, body)
        self.flush(pikepdf)
        return num

    def flush(self, pikepdf: Any) -> None:
        while self.todo:
            obj = self.todo.pop()
            num = self.numbers[obj.objgen]
            if isinstance(obj, pikepdf.Stream):
                raw = obj.read_raw_bytes()
                items = [(k, v) for k, v in obj.items() if k != "/Length"]
                body = self.dictionary(items)[:-2] + b"/Length %d >>" % len(raw)
                self.out.obj(num, body, raw)
            else:
                self.out.obj(num, self.value_direct(obj))

    def value_direct(self, obj: Any) -> bytes:
        import pikepdf

        if isinstance(obj, pikepdf.Dictionary):
            return self.dictionary(obj.items())
        if isinstance(obj, pikepdf.Array):
            return b"[" + b" ".join(self.value(v) for v in obj) + b"]"
        return obj.unparse()


def _inherited(page: Any, key: str) -> Any:
    node = page
    while node is not None:
        if key in node:
            return node[key]
        node = node.get("/Parent")
    raise ValueError(f"page has no {key}")


def _scalar(v: Any) -> bytes:
    if v is None:
        return b"null"
    if isinstance(v, bool):
        return b"true" if v else b"false"
    if isinstance(v, int):
        return b"%d" % v
    if isinstance(v, Decimal):
        return format(v, "f").encode("ascii")
    if isinstance(v, float):  # pragma: no cover - pikepdf gives Decimal for reals
        return format(Decimal(repr(v)), "f").encode("ascii")
    raise TypeError(f"cannot write {type(v).__name__} into a PDF")


def _name(key: str) -> bytes:
    out = bytearray(b"/")
    for b in key[1:].encode("utf-8"):
        if b < 0x21 or b > 0x7E or b in b"#()<>[]{}/%":
            out += b"#%02X" % b
        else:
            out.append(b)
    return bytes(out)


BLANK = None
"""In a page list: a blank page of the size of the page before it (duplex padding)."""

Part = tuple[Path, Sequence[int | None] | None]


def concat_pdfs(
    inputs: Sequence[Path | Part],
    out_path: Path,
    *,
    bookmarks: Sequence[tuple[str, int]] = (),
    labels: Sequence[tuple[int, str]] = (),
    info: dict[str, str] | None = None,
) -> int:
    """Write the pages of ``inputs`` in order to ``out_path``; return the page count.

    ``inputs``: files (all their pages) or (file, pages) parts, where pages are
    0-based page indexes of that file or :data:`BLANK` for a blank page. Parts of
    the same file in a row share one opened file.
    ``bookmarks``: (title, 0-based page) in page order, one top-level outline item each.
    ``labels``: (0-based first page, prefix) in page order: each range's pages are
    labelled prefix + 1, 2, ... (``0001-1``, ``0001-2``), as PDF viewers show them.
    ``info``: the document information dictionary (``/Title`` etc., values as text).
    """
    import pikepdf

    parts: list[tuple[Path, Sequence[int | None] | None]] = [p if isinstance(p, tuple) else (p, None) for p in inputs]
    with open(out_path, "wb") as f:
        out = _Out(f)
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        catalog, pages_root = out.reserve(), out.reserve()
        kids: list[int] = []
        i = 0
        while i < len(parts):
            path = parts[i][0]
            with pikepdf.open(path) as src:
                chunk = _Chunk(out, pages_root)
                copied: dict[int, int] = {}
                last_box: bytes = b"[0 0 612 792]"
                while i < len(parts) and parts[i][0] == path:
                    wanted = parts[i][1]
                    for index in (range(len(src.pages)) if wanted is None else wanted):
                        if index is BLANK:
                            num = out.reserve()
                            out.obj(num, b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << >> >>" % (pages_root, last_box))
                        else:
                            if index in copied:
                                raise ValueError(f"{path}: page {index + 1} is listed twice")
                            page = src.pages[index].obj
                            num = copied[index] = chunk.copy_page(page)
                            last_box = chunk.value(_inherited(page, "/MediaBox"))
                        kids.append(num)
                    i += 1
        n = len(kids)
        for _, page in bookmarks:
            if not 0 <= page < n:
                raise ValueError(f"bookmark points at page {page + 1}, but the document has {n} pages")
        out.obj(pages_root, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (n, b" ".join(b"%d 0 R" % k for k in kids)))
        extra = b""
        if bookmarks:
            root = out.reserve()
            items = [out.reserve() for _ in bookmarks]
            for i, ((title, page), num) in enumerate(zip(bookmarks, items)):
                links = b""
                if i > 0:
                    links += b" /Prev %d 0 R" % items[i - 1]
                if i + 1 < len(items):
                    links += b" /Next %d 0 R" % items[i + 1]
                out.obj(num, b"<< /Title %s /Parent %d 0 R%s /Dest [%d 0 R /Fit] >>" % (pdf_string(title), root, links, kids[page]))
            out.obj(root, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (items[0], items[-1], len(items)))
            extra += b" /Outlines %d 0 R /PageMode /UseOutlines" % root
        if labels:
            nums = b" ".join(b"%d << /S /D /P %s >>" % (page, pdf_string(prefix)) for page, prefix in labels)
            if labels[0][0] != 0:
                nums = b"0 << /S /D >> " + nums
            extra += b" /PageLabels << /Nums [%s] >>" % nums
        out.obj(catalog, b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_root, extra))
        info_num = None
        if info:
            info_num = out.reserve()
            out.obj(info_num, b"<< " + b" ".join(_name("/" + k.lstrip("/")) + b" " + pdf_string(v) for k, v in info.items()) + b" >>")
        if any(o < 0 for o in out.offsets[1:]):  # pragma: no cover - a reserved number was never written
            raise RuntimeError("internal error: an object number was reserved but not written")
        file_id = out.digest.hexdigest()[:32].encode("ascii")
        xref = out.pos
        lines = [b"xref\n0 %d\n" % len(out.offsets), b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % o for o in out.offsets[1:]]
        out.write(b"".join(lines))
        trailer = b"<< /Size %d /Root %d 0 R" % (len(out.offsets), catalog)
        if info_num:
            trailer += b" /Info %d 0 R" % info_num
        trailer += b" /ID [<%s> <%s>] >>" % (file_id, file_id)
        out.write(b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref)
    return n
