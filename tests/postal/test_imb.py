"""Tests for lettergen.postal.imb, the USPS Intelligent Mail barcode (USPS-B-3200) encoder."""

from __future__ import annotations

import itertools
import re

import pytest

from lettergen.postal import imb
from lettergen.errors import ImbError
from lettergen.postal.imb import encode, human_readable, svg, tracking_code

# --------------------------------------------------------------------------
# Published vectors
# --------------------------------------------------------------------------

# USPS-B-3200 Appendix C: one tracking code (barcode id 01, service type 234,
# mailer id 567094, serial 987654321) with the four routing-code lengths.
# The expected bar strings were confirmed in several independent public copies
# of the spec's example table:
#   * democracyworks/imbarcode, test/cljc/imbarcode/core_test.cljc (all four);
#   * barcode4j (e.g. jeremycrosbie/barcode4j or metanorma/barcode4j),
#     src/test/java/org/krysalis/barcode4j/impl/fourstate/USPSIntelligentMailTest.java
#     (all four, with the spec's intermediate values used further below);
#   * the self-test of the USPS encoder source and TPG Technology's
#     "C Installation Verification Program" for the USPS Intelligent Mail
#     Barcode Encoder V1R2M0 (test cases 8-11: "taken from the Specification
#     Document");
#   * for routing 01234567891 also reportlab's USPS_4State.barcodes doctest
#     (reportlab/graphics/barcode/usps4s.py) and the README of
#     wconrad/usps_intelligent_barcode.
SPEC_TRACKING = "01234567094987654321"
SPEC_VECTORS = [
    ("", "ATTFATTDTTADTAATTDTDTATTDAFDDFADFDFTFFFFFTATFAAAATDFFTDAADFTFDTDT"),
    ("01234", "DTTAFADDTTFTDTFTFDTDDADADAFADFATDDFTAAAFDTTADFAAATDFDTDFADDDTDFFT"),
    ("012345678", "ADFTTAFDTTTTFATTADTAAATFTFTATDAAAFDDADATATDTDTTDFDTDATADADTDFFTFA"),
    ("01234567891", "AADTFFDFTDADTAADAATFDTDDAAADDTDTTDAFADADDDTFFFDDTTTADFAAADFTDAADA"),
]

# Vectors with other tracking codes, so the tracking digits vary too.
OTHER_VECTORS = [
    # TPG Technology's C Installation Verification Program for the USPS
    # Intelligent Mail Barcode Encoder V1R2M0, test cases 1-4 (valid track and
    # route).  Found through code search; single source.
    ("53379777234994544928", "51135759461", "DAFDTDAFFDFTDADTDDFTTFDTATATFFFDFTTFFFTFDDTDAAFATDFTFDFDTTTDTTFDA"),
    ("53055494689272602879", "13765583689", "AFDADAFTAFDTDFTFTFDAAFDDTAFDFDTTFADATAATAAAADDDFAAAAATDADAFADFTTT"),
    ("40120111574675115924", "62176609110", "DDAFFFDAFTFDFFAAATTTDDFFTFADDFAFTTDAAAAAADFTTFDTAFDDTDDADATDAFAFF"),
    ("82205455868913559972", "54765515722", "TTTADTFFADAFDTTFDTAADATFFFADFFTDDFFFATDADAATAAADDATFTAADFADTADADD"),
    # democracyworks/imbarcode, test/cljc/imbarcode/core_test.cljc, "origin"
    # case: barcode id 00, service type 050, mailer id 010203, serial 123456789.
    ("00050010203123456789", "012345678", "FTTATTTTTDFAADTATAFTFTTTAAAAFTTDDDTFTDDAFTADDFDTDAFTDATTDFADDDDDA"),
]


@pytest.mark.parametrize(("routing", "expected"), SPEC_VECTORS, ids=lambda v: f"routing-{len(v)}")
def test_encode_matches_spec_appendix_examples(routing: str, expected: str) -> None:
    assert encode(SPEC_TRACKING, routing) == expected


@pytest.mark.parametrize(("tracking", "routing", "expected"), OTHER_VECTORS, ids=lambda v: str(v)[:8])
def test_encode_matches_other_published_vectors(tracking: str, routing: str, expected: str) -> None:
    assert encode(tracking, routing) == expected


def test_encode_default_routing_is_none() -> None:
    assert encode(SPEC_TRACKING) == SPEC_VECTORS[0][1]


def test_origin_vector_tracking_code_is_built_from_its_fields() -> None:
    assert tracking_code("00", "050", "010203", 123456789) == OTHER_VECTORS[-1][0]


# --------------------------------------------------------------------------
# The spec's intermediate values (same sources: the barcode4j test reproduces
# the spec's per-step example tables for the four Appendix C examples)
# --------------------------------------------------------------------------

STEPS = [
    # routing, binary data (13 bytes), FCS, codewords (step 3), modified codewords (step 4)
    ("", "00 00 00 00 00 11 22 10 3B 5C 20 04 B1", 0x051,
     [0, 0, 0, 0, 559, 202, 508, 451, 124, 17],
     [0, 0, 0, 0, 559, 202, 508, 451, 124, 34]),
    ("01234", "00 00 00 0D 13 8A 87 BA B5 CF 38 04 B1", 0x065,
     [0, 0, 15, 14, 290, 567, 385, 48, 388, 333],
     [0, 0, 15, 14, 290, 567, 385, 48, 388, 666]),
    ("012345678", "00 02 02 BD C0 97 71 12 04 D2 18 04 B1", 0x606,
     [0, 110, 1113, 1363, 198, 413, 470, 468, 1333, 513],
     [659, 110, 1113, 1363, 198, 413, 470, 468, 1333, 1026]),
    ("01234567891", "01 69 07 B2 A2 4A BC 16 A2 E5 C0 04 B1", 0x751,
     [14, 787, 607, 1022, 861, 19, 816, 1294, 35, 301],
     [673, 787, 607, 1022, 861, 19, 816, 1294, 35, 602]),
]
# Characters after FCS bit flipping (step 5), in the same order.
CHARACTERS = [
    [0x1FE0, 0x001F, 0x001F, 0x001F, 0x0ADB, 0x01A3, 0x1BC3, 0x1838, 0x012B, 0x0076],
    [0x1FE0, 0x001F, 0x02BF, 0x0057, 0x0255, 0x18DB, 0x1B17, 0x009D, 0x030B, 0x0583],
    [0x1154, 0x1F07, 0x01FE, 0x0110, 0x019A, 0x1298, 0x03A2, 0x03A1, 0x0084, 0x14EE],
    [0x0DCB, 0x085C, 0x08E4, 0x0B06, 0x06DD, 0x1740, 0x17C6, 0x1200, 0x123F, 0x1B2B],
]


@pytest.mark.parametrize("index", range(4))
def test_each_encoding_step_matches_the_spec(index: int) -> None:
    routing, binary_hex, fcs, codewords, modified = STEPS[index]
    value = imb._binary(SPEC_TRACKING, routing)
    assert value.to_bytes(13, "big").hex(" ").upper() == binary_hex
    assert value < 1 << 102
    assert imb._fcs(value) == fcs
    assert imb._codewords(value) == codewords
    assert imb._modify_codewords(codewords, fcs) == modified
    chars = imb._characters(modified, fcs)
    assert chars == CHARACTERS[index]
    assert imb._bars(chars) == SPEC_VECTORS[index][1]


def test_nof13_tables_are_generated_as_the_spec_describes() -> None:
    t5, t2 = imb.TABLE_5OF13, imb.TABLE_2OF13
    assert len(t5) == 1287 and len(t2) == 78
    assert len(set(t5)) == 1287 and len(set(t2)) == 78
    assert all(c.bit_count() == 5 for c in t5)
    assert all(c.bit_count() == 2 for c in t2)
    # Spot values (barcode4j's table-initialisation test, same source as above).
    assert t5[:4] == (31, 7936, 47, 7808)
    assert (t5[93], t5[500], t5[1000]) == (6368, 1077, 2641)
    assert t5[1284:] == (856, 744, 496)
    assert t2[:4] == (3, 6144, 5, 5120)
    assert (t2[50], t2[60]) == (144, 513)
    assert t2[75:] == (520, 272, 160)
    # Bit-reversal pairs sit side by side; palindromes fill the table from the top.
    for table in (t5, t2):
        palindromes = [c for c in table if imb._reverse13(c) == c]
        pairs = table[: len(table) - len(palindromes)]
        assert all(imb._reverse13(a) == b and a < b for a, b in zip(pairs[0::2], pairs[1::2]))
        assert list(table[len(pairs):]) == sorted(palindromes, reverse=True)


def test_bar_table_uses_every_character_bit_exactly_once() -> None:
    assert len(imb.BAR_TABLE) == 65
    used = [(c, b) for dc, db, ac, ab in imb.BAR_TABLE for c, b in ((dc, db), (ac, ab))]
    assert sorted(used) == [(c, b) for c in range(10) for b in range(13)]
    # First and last rows of the spec's table: bar 1 = H2/E3, bar 65 = D10/I2.
    assert imb.BAR_TABLE[0] == (7, 2, 4, 3)
    assert imb.BAR_TABLE[64] == (3, 10, 8, 2)


def test_fcs_detects_a_single_digit_change() -> None:
    base = imb._binary(SPEC_TRACKING, "01234567891")
    other = imb._binary(SPEC_TRACKING[:-1] + "2", "01234567891")
    assert imb._fcs(base) != imb._fcs(other)


def test_encode_output_shape_over_many_inputs() -> None:
    for n, length in enumerate(imb.ROUTING_LENGTHS):
        for second in "04":
            tracking = f"9{second}" + "987654321012345678"[n:] + "0123"[:n]
            routing = "98765432109"[:length]
            bars = encode(tracking, routing)
            assert len(bars) == 65 and set(bars) <= set("FADT")


# --------------------------------------------------------------------------
# tracking_code
# --------------------------------------------------------------------------


def test_tracking_code_six_digit_mailer_id_takes_nine_digit_serial() -> None:
    assert tracking_code("01", "234", "567094", 987654321) == SPEC_TRACKING
    assert tracking_code("01", "234", "567094", "987654321") == SPEC_TRACKING
    assert tracking_code("00", "040", "123456", 42) == "00040123456000000042"
    assert tracking_code("00", "040", "123456", "42") == "00040123456000000042"
    assert tracking_code("00", "040", "123456", 0) == "00040123456000000000"


def test_tracking_code_nine_digit_mailer_id_takes_six_digit_serial() -> None:
    code = tracking_code("00", "270", "912345678", 77)
    assert code == "00270912345678000077"
    assert len(code) == 20
    assert tracking_code("00", "270", "912345678", "999999") == "00270912345678999999"
    assert encode(code, "12345")  # a built code always encodes


def test_mailer_and_serial_reads_back_what_tracking_code_built() -> None:
    assert imb.mailer_and_serial(tracking_code("01", "234", "567094", 987654321)) == ("567094", 987654321)
    assert imb.mailer_and_serial(tracking_code("00", "270", "912345678", 77) + "123456789") == ("912345678", 77)
    assert imb.mailer_and_serial("") is None and imb.mailer_and_serial("0004012345600000004") is None  # 19 digits


@pytest.mark.parametrize(
    ("args", "field", "fragments"),
    [
        (("1", "234", "567094", 1), "barcode_id", ["'1'", "has 1 digits", "2 digits"]),
        (("0A", "234", "567094", 1), "barcode_id", ["'0A'", "only the digits 0-9"]),
        (("05", "234", "567094", 1), "barcode_id", ["'05'", "second digit is 5", "0-4"]),
        (("01", "23", "567094", 1), "service_type", ["'23'", "3-digit service type"]),
        (("01", "2 4", "567094", 1), "service_type", ["'2 4'", "only the digits 0-9"]),
        (("01", "234", "12345", 1), "mailer_id",
         ["'12345'", "must be 6 or 9 digits",
          "a 6-digit mailer id takes a 9-digit serial, a 9-digit one a 6-digit serial"]),
        (("01", "234", "1234567", 1), "mailer_id", ["'1234567'", "must be 6 or 9 digits"]),
        (("01", "234", "812345678", 1), "mailer_id", ["'812345678'", "must start with 9"]),
        (("01", "234", "912345", 1), "mailer_id", ["'912345'", "must start with 0-8"]),
        (("01", "234", "56709A", 1), "mailer_id", ["'56709A'", "only the digits 0-9"]),
        (("01", "234", "567094", 10**9), "serial", ["1000000000", "9 digits", "0 to 999999999"]),
        (("01", "234", "912345678", 1_000_000), "serial", ["1000000", "6 digits", "0 to 999999"]),
        (("01", "234", "912345678", "1234567"), "serial", ["'1234567'", "has 7 digits", "fit in 6 digits"]),
        (("01", "234", "567094", -1), "serial", ["-1", "0 to 999999999"]),
        (("01", "234", "567094", "12-34"), "serial", ["'12-34'", "only the digits 0-9"]),
        (("01", "234", "567094", ""), "serial", ["''", "only the digits 0-9"]),
        (("01", "234", "567094", True), "serial", ["True", "an int or a string of digits"]),
        (("01", "234", "567094", 1.0), "serial", ["1.0", "an int or a string of digits"]),
    ],
)
def test_tracking_code_refuses_bad_fields(args: tuple, field: str, fragments: list[str]) -> None:
    with pytest.raises(ImbError) as info:
        tracking_code(*args)
    message = str(info.value)
    assert message.startswith(f"IMb {field} ")
    for fragment in fragments:
        assert fragment in message


def test_imb_error_is_a_value_error_with_the_documented_message() -> None:
    with pytest.raises(ValueError) as info:
        tracking_code("01", "234", "12345", 1)
    assert str(info.value) == (
        "IMb mailer_id '12345': has 5 digits; must be 6 or 9 digits "
        "(a 6-digit mailer id takes a 9-digit serial, a 9-digit one a 6-digit serial)"
    )


# --------------------------------------------------------------------------
# encode validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tracking", "routing", "field", "fragments"),
    [
        ("0123456709498765432", "", "tracking", ["'0123456709498765432'", "has 19 digits", "exactly 20 digits"]),
        ("012345670949876543210", "", "tracking", ["has 21 digits", "tracking_code()"]),
        ("0123456709498765432X", "", "tracking", ["'0123456709498765432X'", "only the digits 0-9"]),
        ("01234567094987654３21", "", "tracking", ["only the digits 0-9"]),  # full-width digit
        ("05234567094987654321", "", "tracking", ["'05234567094987654321'", "second digit", "is 5", "0-4"]),
        # TPG IVP test case 5: "2nd byte Track inv."
        ("57379777234994544928", "51135759461", "tracking", ["is 7", "must be 0-4"]),
        (SPEC_TRACKING, "0123", "routing", ["'0123'", "has 4 digits", "5, 9 or 11 digits"]),
        (SPEC_TRACKING, "0123456", "routing", ["has 7 digits", "ZIP+4"]),
        (SPEC_TRACKING, "012345678912", "routing", ["has 12 digits"]),
        (SPEC_TRACKING, "01234-5678", "routing", ["'01234-5678'", "only the digits 0-9", "without the hyphen"]),
        # TPG IVP test case 6: invalid character in the route.
        ("53055494689272602879", "137655B3689", "routing", ["'137655B3689'", "only the digits 0-9"]),
        (SPEC_TRACKING, None, "routing", ["None", "string of digits"]),
        (12345678901234567890, "", "tracking", ["12345678901234567890", "string of digits"]),
    ],
)
def test_encode_refuses_bad_codes(tracking, routing, field: str, fragments: list[str]) -> None:
    with pytest.raises(ImbError) as info:
        encode(tracking, routing)
    message = str(info.value)
    assert message.startswith(f"IMb {field} ")
    for fragment in fragments:
        assert fragment in message


# --------------------------------------------------------------------------
# svg
# --------------------------------------------------------------------------

RECT = re.compile(r'<rect x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)"/>')


def _rects(markup: str) -> list[tuple[float, float, float, float]]:
    return [tuple(float(v) for v in m.groups()) for m in RECT.finditer(markup)]


def test_svg_has_65_rects_and_is_deterministic() -> None:
    bars = SPEC_VECTORS[3][1]
    first = svg(bars)
    assert first == svg(bars)
    assert first.count("<rect") == 65
    assert len(_rects(first)) == 65
    assert first.startswith("<svg ") and first.endswith("</svg>")
    assert "<?xml" not in first
    assert 'xmlns="http://www.w3.org/2000/svg"' in first


def test_svg_size_attributes_are_in_points_with_a_matching_viewbox() -> None:
    markup = svg(SPEC_VECTORS[0][1])
    width = re.search(r' width="([0-9.]+)pt"', markup)
    height = re.search(r' height="([0-9.]+)pt"', markup)
    view = re.search(r' viewBox="0 0 ([0-9.]+) ([0-9.]+)"', markup)
    assert width and height and view
    assert (width.group(1), height.group(1)) == view.groups()
    w_in = float(width.group(1)) / 72
    h_in = float(height.group(1)) / 72
    assert 2.9 <= w_in <= 3.2  # 64 pitches of 1/22 in plus one bar width: 2.929 in
    assert w_in == pytest.approx(64 / 22 + 0.02, abs=0.001)
    assert h_in == pytest.approx(0.145, abs=0.0005)


def test_svg_coordinates_are_fixed_decimal() -> None:
    markup = svg(SPEC_VECTORS[1][1])
    numbers = re.findall(r' (?:x|y|width|height)="([^"]+)"', markup)
    numbers += re.search(r' viewBox="([^"]+)"', markup).group(1).split()
    assert numbers
    for number in numbers:
        assert re.fullmatch(r"\d+(\.\d{1,3})?(pt)?", number), number


def test_svg_bar_pitch_and_width_follow_usps_dimensions() -> None:
    rects = _rects(svg(SPEC_VECTORS[2][1]))
    xs = [r[0] for r in rects]
    pitches = [b - a for a, b in itertools.pairwise(xs)]
    assert all(p == pytest.approx(72 / 22, abs=0.002) for p in pitches)  # 0.04545 in
    assert {r[2] for r in rects} == {1.44}  # 0.020 in


# Nominal heights in points: full 0.145 in, tracker 0.050 in,
# ascender/descender (0.145 + 0.050) / 2 = 0.0975 in.
FULL, TRACKER, HALF = 10.44, 3.6, 7.02


@pytest.mark.parametrize(
    ("letter", "y", "height"),
    [("F", 0, FULL), ("A", 0, HALF), ("D", FULL - HALF, HALF), ("T", (FULL - TRACKER) / 2, TRACKER)],
)
def test_each_bar_letter_maps_to_the_right_rect(letter: str, y: float, height: float) -> None:
    bars = "T" * 32 + letter + "T" * 32
    rect = _rects(svg(bars))[32]
    assert rect[1] == pytest.approx(y, abs=0.001)
    assert rect[3] == pytest.approx(height, abs=0.001)


def test_svg_rects_follow_the_bar_string_in_order() -> None:
    bars = SPEC_VECTORS[3][1]
    expected = {"F": (0, FULL), "A": (0, HALF), "D": (FULL - HALF, HALF), "T": ((FULL - TRACKER) / 2, TRACKER)}
    for letter, (_, y, _, h) in zip(bars, _rects(svg(bars))):
        assert (y, h) == pytest.approx(expected[letter], abs=0.001)


def test_svg_ascender_descender_and_tracker_share_the_centre_band() -> None:
    geometry = imb.bar_geometry()
    t_top, t_h = geometry["T"]
    a_top, a_h = geometry["A"]
    d_top, d_h = geometry["D"]
    assert a_top + a_h == pytest.approx(t_top + t_h)  # ascender reaches down to the tracker's bottom
    assert d_top == pytest.approx(t_top)  # descender starts at the tracker's top
    assert d_top + d_h == pytest.approx(geometry["F"][1])


def test_svg_height_pt_scales_the_bars_within_spec() -> None:
    markup = svg(SPEC_VECTORS[0][1], height_pt=9)
    assert ' height="9pt"' in markup and 'viewBox="0 0 210.895 9"' in markup
    heights = {r[3] for r in _rects(markup)}
    assert max(heights) == 9
    assert min(heights) == pytest.approx(9 * 0.05 / 0.145, abs=0.001)


@pytest.mark.parametrize("height", [8.99, 11.9, 0, -1, "10"])
def test_svg_refuses_out_of_spec_height(height) -> None:
    with pytest.raises(ImbError) as info:
        svg(SPEC_VECTORS[0][1], height_pt=height)
    message = str(info.value)
    assert message.startswith(f"IMb height_pt {height!r}:")
    assert "between 9 and 11.88 pt" in message


@pytest.mark.parametrize("bars", ["", "F" * 64, "F" * 66, "F" * 64 + "X", "f" * 65, None])
def test_svg_refuses_a_bad_bar_string(bars) -> None:
    with pytest.raises(ImbError) as info:
        svg(bars)
    assert str(info.value).startswith("IMb bars ")
    assert "65-letter string of F, A, D and T" in str(info.value)


# --------------------------------------------------------------------------
# human_readable
# --------------------------------------------------------------------------


def test_human_readable_joins_tracking_and_routing() -> None:
    assert human_readable(SPEC_TRACKING, "01234567891") == "01234567094987654321 01234567891"
    assert human_readable(SPEC_TRACKING, "01234") == "01234567094987654321 01234"
    assert human_readable(SPEC_TRACKING) == SPEC_TRACKING


def test_human_readable_validates_like_encode() -> None:
    with pytest.raises(ImbError, match=r"^IMb routing '0123':"):
        human_readable(SPEC_TRACKING, "0123")
    with pytest.raises(ImbError, match=r"^IMb tracking '123':"):
        human_readable("123")
