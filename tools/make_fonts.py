"""Rebuild the fallback fonts in lettergen/fonts/ from Debian's Noto packages.

    apt-get install fonts-noto-core fonts-noto-cjk && python tools/make_fonts.py

What it writes, and why (docs/design-notes.md, "Fonts and the text layer"):

* ``NotoSansCJK-Subset.ttf``: the characters of the common national standards
  (GB 2312 level 1, JIS X 0208 levels 1 and 2, KS X 1001 Hangul, kana, CJK
  punctuation, full-width forms) from Noto Sans CJK JP, with **TrueType
  outlines**. The CFF original was embedded by WeasyPrint as a CID Type 0C
  font; how that font was encoded depended on the Pango/HarfBuzz of the
  machine, and on Debian 12 pdfminer and pypdf read it as garbage. A TrueType
  font is embedded like Noto Sans itself (CIDFontType2, Identity-H, ToUnicode).
* ``NotoSansArabic-*.ttf``, ``NotoSansHebrew-*.ttf``: Arabic and Hebrew names
  and addresses.

Every fallback font gets Noto Sans's vertical metrics (ascender 1069,
descender -293 in hhea, OS/2 typo and win) and Noto Sans's space widths, so a
line that mixes scripts is as tall as a Latin one, the glyph boxes every PDF
reader derives from the font descriptor line up across scripts, and it does not
matter which font Pango picks for the spaces of a mixed line (Pango 1.50 keeps
the CJK font for a space between two ideographs, Pango 1.56 does not).
All fonts are under the SIL Open Font License 1.1, which allows modification.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

CORE = Path("/usr/share/fonts/truetype/noto")
CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
OUT = Path(__file__).resolve().parent.parent / "lettergen" / "fonts"
ASCENDER, DESCENDER = 1069, -293  # Noto Sans
SPACES = {0x20: 260, 0xA0: 260}  # Noto Sans's advance widths (units per em 1000)


def national_standard_chars() -> set[str]:
    chars: set[str] = set()
    for codec, rows in (("gb2312", range(0xB0, 0xD8)),  # GB 2312 level 1
                        ("gb2312", range(0xA1, 0xA4)),  # GB 2312 symbols
                        ("euc_kr", range(0xB0, 0xC9)),  # KS X 1001 Hangul
                        ("euc_jp", range(0xA1, 0xA6)),  # JIS X 0208 symbols, kana
                        ("euc_jp", range(0xB0, 0xF5))):  # JIS X 0208 levels 1 and 2
        for hi in rows:
            for lo in range(0xA1, 0xFF):
                try:
                    chars.add(bytes([hi, lo]).decode(codec))
                except UnicodeDecodeError:
                    pass
    chars.update(chr(c) for c in range(0x3000, 0x3100))  # CJK punctuation, hiragana, katakana
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    chars.update(chr(c) for c in SPACES)
    return chars


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines by quadratic TrueType ones (max error 1 unit)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


def normalise(font: TTFont) -> None:
    """Noto Sans's vertical metrics and space widths; timestamps fixed (byte-identical rebuilds)."""
    hhea, os2 = font["hhea"], font["OS/2"]
    hhea.ascent, hhea.descent, hhea.lineGap = ASCENDER, DESCENDER, 0
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = ASCENDER, DESCENDER, 0
    os2.usWinAscent, os2.usWinDescent = ASCENDER, -DESCENDER
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    for cp, width in SPACES.items():
        if cp in cmap:
            _, lsb = hmtx[cmap[cp]]
            hmtx[cmap[cp]] = (width, lsb)
    font["head"].modified = font["head"].created


def cjk_subset() -> None:
    collection = TTCollection(str(CJK))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1).endswith("CJK JP"))
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.name_legacy = True
    opts.layout_features = ["*"]
    opts.hinting = False
    opts.desubroutinize = True
    opts.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in national_standard_chars()])
    sub.subset(font)
    to_truetype(font)
    normalise(font)
    out = OUT / "NotoSansCJK-Subset.ttf"
    font.save(str(out))
    print(f"{out}: {out.stat().st_size // 1024} KiB, {len(font.getBestCmap())} characters")


def core(name: str) -> None:
    font = TTFont(str(CORE / name))
    normalise(font)
    out = OUT / name
    font.save(str(out))
    print(f"{out}: {out.stat().st_size // 1024} KiB, {len(font.getBestCmap())} characters")


def main() -> None:
    for name in ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf",
                 "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"):
        core(name)
    cjk_subset()


if __name__ == "__main__":
    main()
