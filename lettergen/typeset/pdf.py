"""PDF typesetting with WeasyPrint: fonts from the package, a fetcher that reads only allowed folders.

WeasyPrint's cost is per ``write_pdf`` call (font subsetting, serialisation),
so letters are rendered in chunks: one HTML document holds ~25 letters (``lettergen.batch.CHUNK_SIZE``), each a
``<section class="letter">`` that starts a new page, and each letter's pages are
found again from ``page.anchors``. One ``FontConfiguration`` and one parsed
stylesheet serve every chunk of a worker. ``SOURCE_DATE_EPOCH`` (from the
as-of date) keeps font subsets, and so the PDFs, byte-identical between runs.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timezone
from html import escape
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from lettergen.fonts import FAMILY, FONTS_DIR, font_face_css


def source_date_epoch(as_of: date) -> str:
    return str(int(datetime(as_of.year, as_of.month, as_of.day, tzinfo=timezone.utc).timestamp()))


def harfbuzz_subsetter_available() -> bool:
    """True when WeasyPrint found libharfbuzz-subset (else it falls back to fontTools, ~4x slower)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from weasyprint.text.ffi import harfbuzz_subset
    return harfbuzz_subset is not None


def _safe_fetcher_class():  # built lazily: importing weasyprint costs ~0.5 s
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeFetcher(URLFetcher):
        """Serves ``file:`` URLs inside the allowed folders and ``data:`` URLs; refuses everything else.

        No network access at all: ``http(s)``, ``ftp`` and files elsewhere on disk
        (``file:///etc/passwd``, ``../../``, symlinks out of the folder) get
        nothing, and the refused URLs are kept in ``refused`` for the report.
        """

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1)
            self.roots = [r.resolve() for r in roots]
            self.refused: list[str] = []

        def fetch(self, url: str, headers=None):  # type: ignore[no-untyped-def]
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if path.is_file() and any(path.is_relative_to(r) for r in self.roots):
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})
            self.refused.append(url)
            raise ValueError(f"refused by lettergen: only template and font files may be loaded, not {url}")

    return SafeFetcher


DRAFT_STAMP = "DRAFT – NOT APPROVED"

# A fixed box repeats on every page of the document in WeasyPrint: one stamp, diagonal, on every page.
_DRAFT_CSS = (".draft-stamp { position: fixed; top: 4.6in; left: -0.4in; width: 8in; text-align: center; "
              "transform: rotate(-35deg); font: bold 44pt '" + FAMILY + "'; color: rgba(200, 0, 0, 0.28); "
              "letter-spacing: 0.04em; z-index: 10; }")


def wrap_document(sections: list[str], title: str, lang: str = "en", draft: bool = False) -> str:
    """One HTML document holding the given letter sections (with ``draft``: the draft stamp on every page)."""
    stamp = (f'<style>{_DRAFT_CSS}</style>' if draft else "")
    mark = f'<div class="draft-stamp">{escape(DRAFT_STAMP)}</div>\n' if draft else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(title)}</title>{stamp}</head>\n<body>\n'
        + mark
        + "".join(sections)
        + "</body></html>\n"
    )


@dataclass(frozen=True)
class RenderedChunk:
    pdf: bytes
    starts: tuple[int, ...]
    """0-based first page of each letter in the chunk PDF, in the order given."""
    pages: int
    refused: tuple[str, ...]
    """URLs the fetcher refused for this chunk, those of the stylesheet (@import, @font-face) first."""


class PdfRenderer:
    """One per worker process: fonts and stylesheet parsed once, reused for every chunk."""

    def __init__(self, templates_dir: Path, as_of: date, envelope: str | None = None, draft: bool = False) -> None:
        os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(as_of)
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.templates_dir = Path(templates_dir).resolve()
        self.as_of = as_of
        self.draft = draft
        self.font_config = FontConfiguration()
        self.fetcher = _safe_fetcher_class()([self.templates_dir, FONTS_DIR])
        base = self.templates_dir.as_uri() + "/"
        self.stylesheets = [CSS(string=font_face_css(), font_config=self.font_config, url_fetcher=self.fetcher, base_url=base)]
        css = self.templates_dir / "style.css"
        if css.exists():
            self.stylesheets.append(CSS(filename=str(css), font_config=self.font_config, url_fetcher=self.fetcher, base_url=base))
        from lettergen.postal.envelope import DEFAULT_PRESET, get as get_envelope
        from lettergen.typeset.placement import css as envelope_css

        self.envelope = get_envelope(envelope or DEFAULT_PRESET)
        # After style.css: the envelope geometry (one place, lettergen/postal/envelope.py) places the address blocks.
        extra = envelope_css(self.envelope)
        if self.envelope.address_page:  # the addresses alone on the first page, the letter from the second
            extra += ("div.address-page-end { display: block; height: 0; break-after: page; }\n"
                      ".letterhead { position: static; margin-left: auto; }\n"
                      "@page :nth(1 of letter) { @bottom-center { content: none; } }\n"
                      "@page :nth(2 of letter) { @top-right { content: none; } }\n")
        self.stylesheets.append(CSS(string=extra, font_config=self.font_config, url_fetcher=self.fetcher, base_url=base))
        # @import and @font-face URLs are fetched here, while the stylesheet is parsed, not while a chunk is
        # rendered; every chunk this stylesheet serves reports them, so the batch report never misses them.
        self.stylesheet_refused: tuple[str, ...] = tuple(self.fetcher.refused)

    def document(self, sections: list[str], title: str):  # type: ignore[no-untyped-def]
        """WeasyPrint's laid-out Document (no PDF written yet)."""
        from weasyprint import HTML

        html = HTML(string=wrap_document(sections, title, draft=self.draft), base_url=self.templates_dir.as_uri() + "/", url_fetcher=self.fetcher)
        return html.render(font_config=self.font_config, stylesheets=self.stylesheets)

    def render(self, sections: list[str], anchors: list[str], title: str) -> RenderedChunk:
        before = len(self.fetcher.refused)
        doc = self.document(sections, title)
        wanted = set(anchors)
        found: dict[str, int] = {}
        for i, page in enumerate(doc.pages):
            for a in page.anchors:
                if a in wanted and a not in found:
                    found[a] = i
        missing = [a for a in anchors if a not in found]
        if missing:
            from lettergen.errors import TypesetError

            raise TypesetError(f"letters {', '.join(missing)} were not found in the typeset pages; does the template keep id=\"{{{{ letter.anchor }}}}\" on its <section>?")
        stamp = f"{self.as_of.isoformat()}T00:00:00+00:00"
        doc.metadata.title = title
        doc.metadata.created = stamp
        doc.metadata.modified = stamp
        doc.metadata.generator = "lettergen"
        pdf = doc.write_pdf(pdf_identifier=b"lettergen-" + title.encode("utf-8")[:40])
        return RenderedChunk(pdf=pdf, starts=tuple(found[a] for a in anchors), pages=len(doc.pages),
                             refused=self.stylesheet_refused + tuple(self.fetcher.refused[before:]))
