"""Intelligent Mail barcode (IMb) encoder, after USPS-B-3200 (the USPS spec).

The IMb is the 65-bar, four-state barcode the USPS reads on letter mail.  It
carries a 20-digit *tracking code* (barcode id, service type, mailer id,
serial number) and an optional *routing code* (the delivery ZIP: 5, 9 or 11
digits).  This module is pure Python and follows the spec's encoding steps
one by one:

1. binary data conversion -- routing code conversion, then the tracking code
   digits folded in, giving a 102-bit number (13 bytes, top two bits zero);
2. an 11-bit CRC frame check sequence (FCS) over those 102 bits, generator
   polynomial 0x0F35, preset 0x7FF;
3. conversion to ten codewords A..J (J in base 636, I..B in base 1365, A the
   remainder, at most 658);
4. codeword J doubled (its low bit is the orientation bit) and codeword A
   raised by 659 when FCS bit 10 is set;
5. codewords to 13-bit characters through the 5-of-13 and 2-of-13 tables
   (built at import time exactly as the spec's ``InitializeNof13Table``
   routine builds them), then each character A..J bitwise inverted when the
   corresponding FCS bit 0..9 is set;
6. characters to bars through the spec's bar-to-character table: bar *n*
   has a descender when bit *b1* of character *c1* is set and an ascender
   when bit *b2* of character *c2* is set.

Bars are written with the spec's letters: ``F`` full bar, ``A`` ascender,
``D`` descender, ``T`` tracker.

Public API: :class:`ImbError`, :func:`tracking_code`, :func:`encode`,
:func:`svg`, :func:`human_readable` and :func:`bar_geometry`.
"""

from __future__ import annotations

import re

from lettergen.errors import ImbError

__all__ = ["tracking_code", "encode", "svg", "human_readable", "bar_geometry"]


# --------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]*")  # ASCII digits only: str.isdigit() accepts "²" and "٣"

#: Routing code lengths the spec allows: none, ZIP, ZIP+4, ZIP+4+delivery point.
ROUTING_LENGTHS = (0, 5, 9, 11)


def _fail(field: str, value: object, rule: str) -> ImbError:
    return ImbError(f"IMb {field} {value!r}: {rule}")


def _digits(field: str, value: object, lengths: tuple[int, ...], rule: str) -> str:
    """Return *value* if it is a str of ASCII digits whose length is in *lengths*."""
    if not isinstance(value, str):
        raise _fail(field, value, f"must be a string of digits, not {type(value).__name__}; {rule}")
    if not _DIGITS.fullmatch(value):
        raise _fail(field, value, f"must contain only the digits 0-9 (no spaces, hyphens or letters); {rule}")
    if len(value) not in lengths:
        raise _fail(field, value, f"has {len(value)} digits; {rule}")
    return value


_BARCODE_ID_RULE = "must be 2 digits whose second digit is 0-4 (e.g. '00' for no optional endorsement line)"
_TRACKING_RULE = (
    "must be exactly 20 digits: barcode id (2, second digit 0-4), service type (3), "
    "then mailer id and serial number (15); build it with tracking_code()"
)
_ROUTING_RULE = (
    "must be empty or 5, 9 or 11 digits (ZIP, ZIP+4, or ZIP+4 plus the 2-digit delivery point), "
    "written without the hyphen"
)


def _check_barcode_id(field: str, value: str) -> None:
    if value[1] not in "01234":
        raise _fail(field, value, f"second digit is {value[1]}; {_BARCODE_ID_RULE}")


def _check_tracking(tracking: object) -> str:
    tracking = _digits("tracking", tracking, (20,), _TRACKING_RULE)
    if tracking[1] not in "01234":
        raise _fail(
            "tracking", tracking,
            f"second digit (the barcode id's second digit) is {tracking[1]}; it must be 0-4",
        )
    return tracking


def _check_routing(routing: object) -> str:
    return _digits("routing", routing, ROUTING_LENGTHS, _ROUTING_RULE)


def tracking_code(barcode_id: str, service_type: str, mailer_id: str, serial: int | str) -> str:
    """Build the 20-digit IMb tracking code from its four fields.

    * ``barcode_id`` -- 2 digits; the second digit must be 0-4 (the spec
      encodes it in base 5).
    * ``service_type`` -- the 3-digit service type identifier (STID).
    * ``mailer_id`` -- 6 digits (first digit 0-8) or 9 digits (first digit
      9), as the USPS assigns them.  A 6-digit mailer id leaves 9 digits for
      the serial number, a 9-digit one leaves 6.
    * ``serial`` -- the serial number, as a non-negative int or a string of
      digits; it is zero-padded on the left to its width (9 or 6).  A serial
      that does not fit the width is refused, never truncated.

    Returns the 20 digits ``barcode_id + service_type + mailer_id + serial``.
    Raises :class:`ImbError` naming the first bad field.
    """
    _digits("barcode_id", barcode_id, (2,), _BARCODE_ID_RULE)
    _check_barcode_id("barcode_id", barcode_id)
    _digits("service_type", service_type, (3,), "must be the 3-digit service type identifier (STID), e.g. '040'")
    mailer_rule = (
        "must be 6 or 9 digits (a 6-digit mailer id takes a 9-digit serial, a 9-digit one a 6-digit serial)"
    )
    _digits("mailer_id", mailer_id, (6, 9), mailer_rule)
    if len(mailer_id) == 9 and mailer_id[0] != "9":
        raise _fail("mailer_id", mailer_id, "a 9-digit mailer id must start with 9 (USPS range 900000000-999999999)")
    if len(mailer_id) == 6 and mailer_id[0] == "9":
        raise _fail(
            "mailer_id", mailer_id,
            "a 6-digit mailer id must start with 0-8 (USPS range 000000-899999); 9-digit mailer ids start with 9",
        )
    width = 15 - len(mailer_id)
    serial_rule = f"must fit in {width} digits with a {len(mailer_id)}-digit mailer id (0 to {10 ** width - 1})"
    if isinstance(serial, bool) or not isinstance(serial, (int, str)):
        raise _fail("serial", serial, f"must be an int or a string of digits; it {serial_rule}")
    if isinstance(serial, int):
        if not 0 <= serial < 10**width:
            raise _fail("serial", serial, serial_rule)
        serial_digits = f"{serial:0{width}d}"
    else:
        if not serial or not _DIGITS.fullmatch(serial):
            raise _fail("serial", serial, f"must contain only the digits 0-9 (no spaces or hyphens); it {serial_rule}")
        if len(serial) > width:
            raise _fail("serial", serial, f"has {len(serial)} digits; it {serial_rule}")
        serial_digits = serial.zfill(width)
    return barcode_id + service_type + mailer_id + serial_digits


def mailer_and_serial(digits: str) -> tuple[str, int] | None:
    """(mailer id, serial) of an IMb's digits (a tracking code as :func:`tracking_code` builds it, optionally
    followed by the routing code), or None when ``digits`` holds no tracking code. The inverse of the mailer id
    / serial split above: a mailer id starting with 9 has 9 digits and a 6-digit serial, any other 6 and 9."""
    if len(digits) < 20 or not digits[:20].isdigit():
        return None
    mailer_len = 9 if digits[5] == "9" else 6
    return digits[5:5 + mailer_len], int(digits[5 + mailer_len:20])


# --------------------------------------------------------------------------
# Step 1: binary data conversion
# --------------------------------------------------------------------------


def _binary(tracking: str, routing: str) -> int:
    """Spec step 1: the 102-bit binary value of a (validated) tracking and routing code.

    The routing code is converted first (none: 0; 5 digits: value + 1;
    9 digits: value + 100000 + 1; 11 digits: value + 1000000000 + 100000 + 1),
    then the tracking code is folded in: the first digit times 10, the second
    (0-4) times 5, the remaining 18 digits times 10 each.
    """
    value = int(routing) if routing else 0
    if len(routing) == 5:
        value += 1
    elif len(routing) == 9:
        value += 100000 + 1
    elif len(routing) == 11:
        value += 1000000000 + 100000 + 1
    value = value * 10 + int(tracking[0])
    value = value * 5 + int(tracking[1])
    for digit in tracking[2:]:
        value = value * 10 + int(digit)
    return value


# --------------------------------------------------------------------------
# Step 2: 11-bit CRC frame check sequence
# --------------------------------------------------------------------------

_FCS_GENERATOR = 0x0F35


def _fcs(value: int) -> int:
    """Spec step 2: the 11-bit CRC frame check sequence of the 102-bit binary data.

    Mirrors the spec's ``USPS_MSB_Math_CRC11GenerateFrameCheckSequence``: the
    data is laid out as 13 bytes, most significant first; the two most
    significant bits of the first byte (always zero) are skipped; the FCS
    starts at 0x7FF and each data bit is shifted in MSB first against the
    generator polynomial 0x0F35.
    """
    data = value.to_bytes(13, "big")
    fcs = 0x07FF
    for index, byte in enumerate(data):
        first_bit = 2 if index == 0 else 0  # skip the 2 unused MSBs of byte 0
        for bit in range(7 - first_bit, -1, -1):
            if (fcs >> 10 ^ byte >> bit) & 1:
                fcs = (fcs << 1) ^ _FCS_GENERATOR
            else:
                fcs <<= 1
            fcs &= 0x07FF
    return fcs


# --------------------------------------------------------------------------
# Step 3 and 4: codewords
# --------------------------------------------------------------------------


def _codewords(value: int) -> list[int]:
    """Spec step 3: the ten codewords A..J of the binary data.

    J is the remainder modulo 636; I down to B are successive remainders
    modulo 1365; A is what is left (0-658 for any valid input).
    """
    value, j = divmod(value, 636)
    rest = []
    for _ in range(8):  # I, H, ..., B
        value, cw = divmod(value, 1365)
        rest.append(cw)
    if value > 658:  # cannot happen for validated input; the spec's range check
        raise ImbError(f"IMb binary data {value!r}: codeword A exceeds 658; the input digits are out of range")
    return [value, *reversed(rest), j]


def _modify_codewords(codewords: list[int], fcs: int) -> list[int]:
    """Spec step 4: J doubled (orientation bit), A + 659 when FCS bit 10 is set."""
    out = list(codewords)
    out[9] *= 2
    if fcs & 0x400:
        out[0] += 659
    return out


# --------------------------------------------------------------------------
# Step 5: characters through the 5-of-13 and 2-of-13 tables
# --------------------------------------------------------------------------


def _reverse13(n: int) -> int:
    """The 13-bit value with the bits of *n* in reverse order."""
    return int(f"{n:013b}"[::-1], 2)


def _nof13_table(n: int, length: int) -> tuple[int, ...]:
    """Build the N-of-13 table as the spec's ``InitializeNof13Table`` does.

    Every 13-bit value with exactly *n* bits set is visited in increasing
    order.  A value that is not its own bit reversal is stored together with
    its reversal in consecutive entries from the bottom of the table (only
    the smaller of the pair triggers the store); a palindromic value is
    stored from the top of the table downwards.
    """
    table = [0] * length
    lower, upper = 0, length - 1
    for count in range(1 << 13):
        if count.bit_count() != n:
            continue
        reverse = _reverse13(count)
        if reverse < count:
            continue
        if reverse == count:
            table[upper] = count
            upper -= 1
        else:
            table[lower] = count
            table[lower + 1] = reverse
            lower += 2
    if lower != upper + 1:  # the spec's own consistency check
        raise AssertionError(f"{n}-of-13 table did not fill exactly")
    return tuple(table)


TABLE_5OF13 = _nof13_table(5, 1287)  # C(13, 5) = 1287 characters, codewords 0-1286
TABLE_2OF13 = _nof13_table(2, 78)  # C(13, 2) = 78 characters, codewords 1287-1364


def _characters(codewords: list[int], fcs: int) -> list[int]:
    """Spec step 5: modified codewords to 13-bit characters, then FCS bit flipping.

    Codewords 0-1286 index the 5-of-13 table, 1287-1364 the 2-of-13 table
    (less 1287).  Character *i* (A=0 .. J=9) is then inverted (XOR 0x1FFF)
    when bit *i* of the FCS is set.
    """
    chars = []
    for i, cw in enumerate(codewords):
        char = TABLE_5OF13[cw] if cw < 1287 else TABLE_2OF13[cw - 1287]
        if fcs >> i & 1:
            char ^= 0x1FFF
        chars.append(char)
    return chars


# --------------------------------------------------------------------------
# Step 6: characters to bars
# --------------------------------------------------------------------------

# The spec's bar-to-character table (USPS-B-3200, "Bar to Character Mapping"):
# for bars 1..65, (descender character and bit, ascender character and bit).
# Characters are A..J (codewords 0..9), bits 0..12 (0 = least significant).
_BAR_TABLE_TEXT = """
H2 E3   B10 A0  J12 C8  F5 G11  I9 D1   A1 F12  C5 B8   E4 J11  G3 I10  D9 H6
F11 B4  I5 C12  J10 A2  H1 G7   D6 E9   A3 I6   G4 C7   B1 J9   H10 F2  E0 D8
G2 A4   I11 B0  J8 D12  C6 H7   F1 E10  B12 G9  H3 I0   F8 J7   E6 C10  D4 A5
I4 F7   H11 B9  G0 J6   A6 E8   C1 D2   F9 I12  E11 G1  J5 H4   D3 B2   A7 C0
B3 E1   G10 D5  I7 J4   C11 F6  A8 H12  E2 I1   F10 D0  J3 A9   G5 C4   H8 B7
F0 E5   C3 A10  G12 J2  D11 B6  I8 H9   F4 A11  B5 C2   J1 E12  I3 G6   H0 D7
E7 H5   A12 B11 C9 J0   G8 F3   D10 I2
"""


def _parse_bar_table(text: str) -> tuple[tuple[int, int, int, int], ...]:
    cells = text.split()
    rows = []
    for desc, asc in zip(cells[0::2], cells[1::2]):
        rows.append((ord(desc[0]) - ord("A"), int(desc[1:]), ord(asc[0]) - ord("A"), int(asc[1:])))
    return tuple(rows)


#: 65 rows of (descender char, bit, ascender char, bit); chars 0-9 are A-J.
BAR_TABLE = _parse_bar_table(_BAR_TABLE_TEXT)

_BAR_LETTERS = "TDAF"  # index = descender bit + 2 * ascender bit


def _bars(chars: list[int]) -> str:
    """Spec step 6: the 65 bar letters from the ten 13-bit characters."""
    return "".join(
        _BAR_LETTERS[(chars[dc] >> db & 1) | (chars[ac] >> ab & 1) << 1] for dc, db, ac, ab in BAR_TABLE
    )


def encode(tracking: str, routing: str = "") -> str:
    """Encode an IMb and return its 65 bars as a string of F, A, D and T.

    ``tracking`` is the 20-digit tracking code (see :func:`tracking_code`);
    its second digit must be 0-4.  ``routing`` is the delivery ZIP code
    without the hyphen: empty, 5, 9 or 11 digits.  The letters read left to
    right: ``F`` full bar, ``A`` ascender, ``D`` descender, ``T`` tracker.

    Raises :class:`ImbError` for a tracking or routing code the spec does not
    allow.
    """
    tracking = _check_tracking(tracking)
    routing = _check_routing(routing)
    value = _binary(tracking, routing)
    fcs = _fcs(value)
    codewords = _modify_codewords(_codewords(value), fcs)
    return _bars(_characters(codewords, fcs))


# --------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------

# Nominal dimensions, in inches, chosen inside the USPS-B-3200 tolerances:
#   bar pitch 22 bars per inch (spec: 20-24 per inch, i.e. 0.0416-0.0500 in);
#   bar width 0.020 in (spec: 0.015-0.025 in);
#   tracker height 0.050 in (spec: 0.039-0.057 in);
#   full bar height 0.145 in (spec: 0.125-0.165 in);
#   ascender / descender: from the tracker's far edge to the full bar's edge,
#   (0.145 + 0.050) / 2 = 0.0975 in (spec: 0.082-0.111 in).
# 65 bars at this pitch span 64 / 22 + 0.020 = 2.929 in (spec: 2.667-3.225 in).
# The spec also asks for a clear zone of at least 0.125 in left and right and
# 0.028 in above and below; the SVG is drawn tight to the bars, so leave that
# margin around it in the layout.
PT_PER_INCH = 72
BAR_PITCH_IN = 1 / 22
BAR_WIDTH_IN = 0.020
TRACKER_HEIGHT_IN = 0.050
FULL_HEIGHT_IN = 0.145
FULL_HEIGHT_RANGE_IN = (0.125, 0.165)


def _num(value: float) -> str:
    """Fixed-decimal number: 3 decimals, trailing zeros dropped ('3.273', '0', '1.44')."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def bar_geometry(full_height_pt: float | None = None) -> dict[str, tuple[float, float]]:
    """The (y, height) in points of each bar letter, y measured down from the top.

    ``full_height_pt`` defaults to the nominal full bar height (0.145 in =
    10.44 pt); the tracker and the ascender/descender heights scale with it
    in the nominal proportions.  Exposed so callers and tests can see the
    exact geometry :func:`svg` draws.
    """
    full = FULL_HEIGHT_IN * PT_PER_INCH if full_height_pt is None else full_height_pt
    tracker = full * TRACKER_HEIGHT_IN / FULL_HEIGHT_IN
    top_of_tracker = (full - tracker) / 2
    bottom_of_tracker = top_of_tracker + tracker
    return {
        "F": (0.0, full),
        "A": (0.0, bottom_of_tracker),
        "D": (top_of_tracker, full - top_of_tracker),
        "T": (top_of_tracker, tracker),
    }


def svg(bars: str, *, height_pt: float | None = None) -> str:
    """Draw the 65 bars as a deterministic inline SVG, in points.

    ``bars`` is the string :func:`encode` returns.  The output has no XML
    declaration (it is meant to sit inline in HTML rendered by WeasyPrint),
    carries ``width``/``height`` in ``pt`` and a ``viewBox`` in the same
    units, and holds exactly one ``<rect>`` per bar with coordinates written
    to at most 3 decimals, so the same bars always give the same bytes.

    Dimensions are the nominal USPS ones documented above: pitch 1/22 in,
    bar width 0.020 in, tracker 0.050 in, full bar 0.145 in, for an overall
    2.929 in x 0.145 in (210.895 pt x 10.44 pt).  ``height_pt`` sets the full
    bar height (and so the SVG height) instead; it must stay within the
    spec's 0.125-0.165 in (9-11.88 pt).  The layout must keep the spec's
    clear zone (0.125 in beside, 0.028 in above and below) free around it.
    """
    if not isinstance(bars, str) or len(bars) != 65 or set(bars) - set("FADT"):
        raise _fail("bars", bars, "must be the 65-letter string of F, A, D and T that encode() returns")
    lo, hi = (v * PT_PER_INCH for v in FULL_HEIGHT_RANGE_IN)
    if height_pt is not None:
        if isinstance(height_pt, bool) or not isinstance(height_pt, (int, float)) or not lo <= height_pt <= hi:
            raise _fail(
                "height_pt", height_pt,
                f"must be a full bar height between {_num(lo)} and {_num(hi)} pt (0.125-0.165 in), "
                "or None for the nominal 10.44 pt",
            )
    geometry = bar_geometry(height_pt)
    pitch = BAR_PITCH_IN * PT_PER_INCH
    width = BAR_WIDTH_IN * PT_PER_INCH
    total_w = _num(64 * pitch + width)
    total_h = _num(geometry["F"][1])
    rects = []
    bar_w = _num(width)
    for i, letter in enumerate(bars):
        y, h = geometry[letter]
        rects.append(f'<rect x="{_num(i * pitch)}" y="{_num(y)}" width="{bar_w}" height="{_num(h)}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}pt" height="{total_h}pt" '
        f'viewBox="0 0 {total_w} {total_h}" role="img" aria-label="Intelligent Mail barcode" fill="#000">'
        + "".join(rects)
        + "</svg>"
    )


def human_readable(tracking: str, routing: str = "") -> str:
    """The human-readable line printed with the barcode: tracking and routing digits.

    Returns the 20 tracking digits, followed by a space and the routing code
    when there is one (``'01234567094987654321 01234567891'``); with no
    routing code, the tracking digits alone.  Both codes are validated as in
    :func:`encode`.
    """
    tracking = _check_tracking(tracking)
    routing = _check_routing(routing)
    return f"{tracking} {routing}" if routing else tracking
