"""Rebuild lettergen/fonts/NotoSansCJK-Subset.otf from Debian's fonts-noto-cjk.

Names on letters may be Chinese, Japanese or Korean; the full Noto Sans CJK is
20 MB per weight. This keeps the characters of the common national standards
(GB 2312 level 1, JIS X 0208 level 1, KS X 1001 Hangul, kana and CJK
punctuation): what appears in personal and company names in practice.
The font is under the SIL Open Font License 1.1, which allows subsetting.

    apt-get install fonts-noto-cjk && python tools/make_cjk_subset.py
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SRC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
OUT = Path(__file__).resolve().parent.parent / "lettergen" / "fonts" / "NotoSansCJK-Subset.otf"


def national_standard_chars() -> set[str]:
    chars: set[str] = set()
    for codec, rows, cols in (("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)),
                              ("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF)),
                              ("euc_jp", range(0xB0, 0xD0), range(0xA1, 0xFF)),
                              ("euc_jp", range(0xA1, 0xA6), range(0xA1, 0xFF)),
                              ("gb2312", range(0xA1, 0xA4), range(0xA1, 0xFF))):
        for hi in rows:
            for lo in cols:
                try:
                    chars.add(bytes([hi, lo]).decode(codec))
                except UnicodeDecodeError:
                    pass
    chars.update(chr(c) for c in range(0x3000, 0x3100))  # CJK punctuation, hiragana, katakana
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    return chars


def main() -> None:
    collection = TTCollection(str(SRC))
    font = next(f for f in collection.fonts if "JP" in f["name"].getDebugName(1) or "CJK JP" in f["name"].getDebugName(4))
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.name_legacy = True
    opts.layout_features = ["*"]
    opts.hinting = False
    opts.desubroutinize = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in national_standard_chars()])
    sub.subset(font)
    font["head"].modified = font["head"].created
    font.save(str(OUT))
    print(f"{OUT}: {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
