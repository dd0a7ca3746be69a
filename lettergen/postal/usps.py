"""Postal address checking and USPS-style formatting for the mailing vendor.

Three entry points:

* :func:`check_address` lists what is wrong with an address, one short sentence
  per problem naming the field, the value and the fix. It never changes the
  address.
* :func:`usps_lines` gives the address block in USPS Publication 28 style for a
  domestic address (upper case, no punctuation, standard abbreviations), and in
  the destination country's own order, with the country name on the last line,
  for a foreign one.
* :func:`format_lines` chooses between the Pub 28 block and the address as the
  client wrote it.

Choices, with the reason for each:

* **Domestic addresses.** Country ``US`` and the codes of the places USPS serves
  as domestic mail: the territories PR, GU, VI, AS, MP, and the freely
  associated states FM, MH, PW, which USPS also serves with domestic ZIP Codes
  and state codes. Such an address gets a domestic block: no country line, and
  the territory's code is the state (``SAN JUAN PR 00901``); its ``region`` may
  be left blank or must be that same code.
* **Codes are compared case-insensitively**, ignoring surrounding spaces:
  ``region='ca'`` and ``country='de'`` are accepted, and the formatted block
  upper-cases them.
* **Last line.** ``CITY ST 12345-6789`` with one space between city and state
  and one between state and ZIP Code. Pub 28 section 224 asks for *at least
  one* space between the elements and says two spaces are *preferred* between
  the state and the ZIP+4 Code; one space is what the vendor expects and is
  within the standard.
* **Only the last word of the street part is a suffix.** "100 Avenue of the
  Americas" stays ``100 AVENUE OF THE AMERICAS``; "12 Park Street" becomes
  ``12 PARK ST``. A suffix word is abbreviated only when another word remains as
  the street name, so "123 Avenue B" stays ``123 AVENUE B``.
* **A directional is abbreviated only when another word remains as the street
  name** (Pub 28 section 233: a directional that *is* the name is spelled out).
  "123 North Main Street" gives ``123 N MAIN ST``, "500 Ocean Drive South"
  gives ``500 OCEAN DR S``, but "12 North Street" gives ``12 NORTH ST`` and
  "12 West" gives ``12 WEST``. The suffix is decided first, so in
  "North Street" the street name is NORTH. A name like "West Virginia Avenue"
  cannot be told apart from "W Virginia Ave" without the ZIP+4 file and becomes
  ``W VIRGINIA AVE``.
* **Secondary units** (Appendix C2) are recognised at the end of a street line
  or as a line of their own. A designator that needs a number ("Apt", "Suite",
  "Unit", ...) is a unit designator only when followed by a number or a single
  letter, so "Key" in "10 Ocean Key Rd" stays part of the name. "#" is kept as
  the designator when no other is given (``# 12``, with a space, Pub 28
  section 213), and dropped after a real designator ("Apt #4" gives ``APT 4``),
  since Pub 28 says not to use "#" when the designation is known.
  "5th Floor" gives ``FL 5``.
* **Punctuation.** Periods and commas are dropped ("P.O." gives ``PO``,
  "St." gives ``ST``), as are apostrophes, quotes, parentheses, semicolons and
  colons. Kept: the hyphen in a word with a digit (``123-45``, ``12345-6789``),
  ``#``, ``/`` (``1/2``, ``C/O``), ``&``, and a period between two digits
  (Pub 28 Appendix D2 grid addresses such as ``39.2 RD``). A hyphen between
  letters ("Winston-Salem") becomes a space, as in the USPS City State file.
* **Nothing is lost silently.** A word with no standard abbreviation is kept,
  upper-cased; a state written out or in AP style ("California", "Calif.") is
  written as its code in the block (and still reported by
  :func:`check_address`); a region that cannot be mapped is kept as given.
* **Foreign addresses** keep the street lines, city, region and postal code as
  given (trimmed, not upper-cased, no transliteration) in the country's order:
  postal code before the city in DE, AT, CH, FR, IT, ES, NL and the other
  countries of :data:`POSTCODE_FIRST`; city, county and postcode on separate
  lines in GB; ``city province postcode`` in CA (one space, as for the US;
  Canada Post prefers two before the postcode); ``city, prefecture postcode`` in
  JP, or the Japanese order (``〒postcode``, prefecture and city, street) when
  the address is in Japanese script; and ``city region postcode`` elsewhere.
  The last line is the country's English name from Babel in capitals, in its
  common short form (``UNITED KINGDOM``, ``UNITED STATES``, not the official
  long names), with a trailing parenthesis dropped (``MYANMAR``), "&" written as
  ``AND`` and "St." as ``SAINT``; the two Congos get their full names, which
  Babel abbreviates as "Congo - Kinshasa" and "Congo - Brazzaville".
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

from lettergen.textcase import upper
from lettergen.models import Address

__all__ = [
    "AP_STATE_ABBREVIATIONS",
    "DIRECTIONALS",
    "DOMESTIC_COUNTRIES",
    "POSTCODE_FIRST",
    "STREET_SUFFIXES",
    "STREET_SUFFIX_VARIANTS",
    "UNIT_DESIGNATORS",
    "UNITS_WITHOUT_RANGE",
    "US_STATES",
    "US_STATE_NAMES",
    "check_address",
    "country_name",
    "format_lines",
    "is_domestic",
    "usps_lines",
]

# --------------------------------------------------------------------------- states

US_STATE_NAMES: dict[str, str] = {
    # 50 states and the District of Columbia
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
    "CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA",
    "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS",
    "IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA",
    "ME": "MAINE", "MD": "MARYLAND", "MA": "MASSACHUSETTS", "MI": "MICHIGAN", "MN": "MINNESOTA",
    "MS": "MISSISSIPPI", "MO": "MISSOURI", "MT": "MONTANA", "NE": "NEBRASKA", "NV": "NEVADA",
    "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY", "NM": "NEW MEXICO", "NY": "NEW YORK",
    "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA", "OH": "OHIO", "OK": "OKLAHOMA", "OR": "OREGON",
    "PA": "PENNSYLVANIA", "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA",
    "TN": "TENNESSEE", "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT", "VA": "VIRGINIA",
    "WA": "WASHINGTON", "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING",
    # territories
    "AS": "AMERICAN SAMOA", "GU": "GUAM", "MP": "NORTHERN MARIANA ISLANDS", "PR": "PUERTO RICO",
    "VI": "VIRGIN ISLANDS",
    # freely associated states
    "FM": "FEDERATED STATES OF MICRONESIA", "MH": "MARSHALL ISLANDS", "PW": "PALAU",
    # military "states"
    "AA": "ARMED FORCES AMERICAS", "AE": "ARMED FORCES EUROPE", "AP": "ARMED FORCES PACIFIC",
}
"""Pub 28 Appendix B: two-letter code → name, for every code USPS accepts as a state."""

US_STATES: frozenset[str] = frozenset(US_STATE_NAMES)
"""The two-letter codes USPS accepts as a state: the 50 states, DC, the territories
AS GU MP PR VI, the freely associated states FM MH PW and the military codes AA AE AP."""

AP_STATE_ABBREVIATIONS: dict[str, str] = {
    "ALA": "AL", "ARIZ": "AZ", "ARK": "AR", "CALIF": "CA", "CAL": "CA", "COLO": "CO", "CONN": "CT",
    "DEL": "DE", "FLA": "FL", "GA": "GA", "ILL": "IL", "IND": "IN", "KAN": "KS", "KANS": "KS",
    "KY": "KY", "LA": "LA", "MD": "MD", "MASS": "MA", "MICH": "MI", "MINN": "MN", "MISS": "MS",
    "MO": "MO", "MONT": "MT", "NEB": "NE", "NEBR": "NE", "NEV": "NV", "NH": "NH", "NJ": "NJ",
    "NM": "NM", "NY": "NY", "NC": "NC", "ND": "ND", "OKLA": "OK", "ORE": "OR", "OREG": "OR",
    "PA": "PA", "PENN": "PA", "RI": "RI", "SC": "SC", "SD": "SD", "TENN": "TN", "TEX": "TX",
    "VT": "VT", "VA": "VA", "WASH": "WA", "WVA": "WV", "WIS": "WI", "WISC": "WI", "WYO": "WY",
}
"""AP-style and other customary state abbreviations (periods removed) → USPS code,
used to suggest the code and to write it in the formatted block."""

DOMESTIC_COUNTRIES: frozenset[str] = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "FM", "MH", "PW"})
"""Country codes that USPS serves as domestic mail; their addresses get the domestic block."""

_MILITARY_STATES = frozenset({"AA", "AE", "AP"})
_MILITARY_CITIES = frozenset({"APO", "FPO", "DPO"})

# --------------------------------------------------------------------------- Pub 28 Appendix C1

STREET_SUFFIXES: dict[str, str] = {
    "ALLEY": "ALY", "ANEX": "ANX", "ARCADE": "ARC", "AVENUE": "AVE", "BAYOU": "BYU",
    "BEACH": "BCH", "BEND": "BND", "BLUFF": "BLF", "BLUFFS": "BLFS", "BOTTOM": "BTM",
    "BOULEVARD": "BLVD", "BRANCH": "BR", "BRIDGE": "BRG", "BROOK": "BRK", "BROOKS": "BRKS",
    "BURG": "BG", "BURGS": "BGS", "BYPASS": "BYP", "CAMP": "CP", "CANYON": "CYN",
    "CAPE": "CPE", "CAUSEWAY": "CSWY", "CENTER": "CTR", "CENTERS": "CTRS", "CIRCLE": "CIR",
    "CIRCLES": "CIRS", "CLIFF": "CLF", "CLIFFS": "CLFS", "CLUB": "CLB", "COMMON": "CMN",
    "COMMONS": "CMNS", "CORNER": "COR", "CORNERS": "CORS", "COURSE": "CRSE", "COURT": "CT",
    "COURTS": "CTS", "COVE": "CV", "COVES": "CVS", "CREEK": "CRK", "CRESCENT": "CRES",
    "CREST": "CRST", "CROSSING": "XING", "CROSSROAD": "XRD", "CROSSROADS": "XRDS",
    "CURVE": "CURV", "DALE": "DL", "DAM": "DM", "DIVIDE": "DV", "DRIVE": "DR", "DRIVES": "DRS",
    "ESTATE": "EST", "ESTATES": "ESTS", "EXPRESSWAY": "EXPY", "EXTENSION": "EXT",
    "EXTENSIONS": "EXTS", "FALL": "FALL", "FALLS": "FLS", "FERRY": "FRY", "FIELD": "FLD",
    "FIELDS": "FLDS", "FLAT": "FLT", "FLATS": "FLTS", "FORD": "FRD", "FORDS": "FRDS",
    "FOREST": "FRST", "FORGE": "FRG", "FORGES": "FRGS", "FORK": "FRK", "FORKS": "FRKS",
    "FORT": "FT", "FREEWAY": "FWY", "GARDEN": "GDN", "GARDENS": "GDNS", "GATEWAY": "GTWY",
    "GLEN": "GLN", "GLENS": "GLNS", "GREEN": "GRN", "GREENS": "GRNS", "GROVE": "GRV",
    "GROVES": "GRVS", "HARBOR": "HBR", "HARBORS": "HBRS", "HAVEN": "HVN", "HEIGHTS": "HTS",
    "HIGHWAY": "HWY", "HILL": "HL", "HILLS": "HLS", "HOLLOW": "HOLW", "INLET": "INLT",
    "ISLAND": "IS", "ISLANDS": "ISS", "ISLE": "ISLE", "JUNCTION": "JCT", "JUNCTIONS": "JCTS",
    "KEY": "KY", "KEYS": "KYS", "KNOLL": "KNL", "KNOLLS": "KNLS", "LAKE": "LK", "LAKES": "LKS",
    "LAND": "LAND", "LANDING": "LNDG", "LANE": "LN", "LIGHT": "LGT", "LIGHTS": "LGTS",
    "LOAF": "LF", "LOCK": "LCK", "LOCKS": "LCKS", "LODGE": "LDG", "LOOP": "LOOP", "MALL": "MALL",
    "MANOR": "MNR", "MANORS": "MNRS", "MEADOW": "MDW", "MEADOWS": "MDWS", "MEWS": "MEWS",
    "MILL": "ML", "MILLS": "MLS", "MISSION": "MSN", "MOTORWAY": "MTWY", "MOUNT": "MT",
    "MOUNTAIN": "MTN", "MOUNTAINS": "MTNS", "NECK": "NCK", "ORCHARD": "ORCH", "OVAL": "OVAL",
    "OVERPASS": "OPAS", "PARK": "PARK", "PARKS": "PARK", "PARKWAY": "PKWY", "PARKWAYS": "PKWY",
    "PASS": "PASS", "PASSAGE": "PSGE", "PATH": "PATH", "PIKE": "PIKE", "PINE": "PNE",
    "PINES": "PNES", "PLACE": "PL", "PLAIN": "PLN", "PLAINS": "PLNS", "PLAZA": "PLZ",
    "POINT": "PT", "POINTS": "PTS", "PORT": "PRT", "PORTS": "PRTS", "PRAIRIE": "PR",
    "RADIAL": "RADL", "RAMP": "RAMP", "RANCH": "RNCH", "RAPID": "RPD", "RAPIDS": "RPDS",
    "REST": "RST", "RIDGE": "RDG", "RIDGES": "RDGS", "RIVER": "RIV", "ROAD": "RD", "ROADS": "RDS",
    "ROUTE": "RTE", "ROW": "ROW", "RUE": "RUE", "RUN": "RUN", "SHOAL": "SHL", "SHOALS": "SHLS",
    "SHORE": "SHR", "SHORES": "SHRS", "SKYWAY": "SKWY", "SPRING": "SPG", "SPRINGS": "SPGS",
    "SPUR": "SPUR", "SPURS": "SPUR", "SQUARE": "SQ", "SQUARES": "SQS", "STATION": "STA",
    "STRAVENUE": "STRA", "STREAM": "STRM", "STREET": "ST", "STREETS": "STS", "SUMMIT": "SMT",
    "TERRACE": "TER", "THROUGHWAY": "TRWY", "TRACE": "TRCE", "TRACK": "TRAK",
    "TRAFFICWAY": "TRFY", "TRAIL": "TRL", "TRAILER": "TRLR", "TUNNEL": "TUNL",
    "TURNPIKE": "TPKE", "UNDERPASS": "UPAS", "UNION": "UN", "UNIONS": "UNS", "VALLEY": "VLY",
    "VALLEYS": "VLYS", "VIADUCT": "VIA", "VIEW": "VW", "VIEWS": "VWS", "VILLAGE": "VLG",
    "VILLAGES": "VLGS", "VILLE": "VL", "VISTA": "VIS", "WALK": "WALK", "WALKS": "WALK",
    "WALL": "WALL", "WAY": "WAY", "WAYS": "WAYS", "WELL": "WL", "WELLS": "WLS",
}
"""Pub 28 Appendix C1: primary street suffix name → Postal Service standard suffix abbreviation."""

STREET_SUFFIX_VARIANTS: dict[str, str] = {
    "ALLEE": "ALY", "ALLY": "ALY", "ANNEX": "ANX", "ANNX": "ANX",
    "AV": "AVE", "AVEN": "AVE", "AVENU": "AVE", "AVN": "AVE", "AVNUE": "AVE",
    "BAYOO": "BYU", "BLUF": "BLF", "BOT": "BTM", "BOTTM": "BTM", "BOUL": "BLVD", "BOULV": "BLVD",
    "BRNCH": "BR", "BRDGE": "BRG", "BYPA": "BYP", "BYPAS": "BYP", "BYPS": "BYP", "CMP": "CP",
    "CANYN": "CYN", "CNYN": "CYN", "CAUSWA": "CSWY",
    "CEN": "CTR", "CENT": "CTR", "CENTR": "CTR", "CENTRE": "CTR", "CNTER": "CTR", "CNTR": "CTR",
    "CIRC": "CIR", "CIRCL": "CIR", "CRCL": "CIR", "CRCLE": "CIR",
    "CRSENT": "CRES", "CRSNT": "CRES", "CRSSNG": "XING",
    "DIV": "DV", "DVD": "DV", "DRIV": "DR", "DRV": "DR",
    "EXP": "EXPY", "EXPR": "EXPY", "EXPRESS": "EXPY", "EXPW": "EXPY", "EXTN": "EXT", "EXTNSN": "EXT",
    "FRRY": "FRY", "FORESTS": "FRST", "FORG": "FRG", "FRT": "FT",
    "FREEWY": "FWY", "FRWAY": "FWY", "FRWY": "FWY",
    "GARDN": "GDN", "GRDEN": "GDN", "GRDN": "GDN", "GRDNS": "GDNS",
    "GATEWY": "GTWY", "GATWAY": "GTWY", "GTWAY": "GTWY", "GROV": "GRV",
    "HARB": "HBR", "HARBR": "HBR", "HRBOR": "HBR", "HT": "HTS",
    "HIGHWY": "HWY", "HIWAY": "HWY", "HIWY": "HWY", "HWAY": "HWY",
    "HLLW": "HOLW", "HOLLOWS": "HOLW", "HOLWS": "HOLW", "ISLND": "IS", "ISLNDS": "ISS", "ISLES": "ISLE",
    "JCTION": "JCT", "JCTN": "JCT", "JUNCTN": "JCT", "JUNCTON": "JCT", "JCTNS": "JCTS",
    "KNOL": "KNL", "LNDNG": "LNDG", "LDGE": "LDG", "LODG": "LDG", "LOOPS": "LOOP",
    # C1 also lists MDW under MEADOWS; MDW is MEADOW's standard abbreviation, which wins.
    "MEDOWS": "MDWS", "MISSN": "MSN", "MSSN": "MSN", "MNT": "MT",
    "MNTAIN": "MTN", "MNTN": "MTN", "MOUNTIN": "MTN", "MTIN": "MTN", "MNTNS": "MTNS",
    "ORCHRD": "ORCH", "OVL": "OVAL", "PRK": "PARK",
    "PARKWY": "PKWY", "PKWAY": "PKWY", "PKY": "PKWY", "PKWYS": "PKWY",
    "PATHS": "PATH", "PIKES": "PIKE", "PLZA": "PLZ", "PRR": "PR",
    "RAD": "RADL", "RADIEL": "RADL", "RANCHES": "RNCH", "RNCHS": "RNCH", "RDGE": "RDG",
    "RIVR": "RIV", "RVR": "RIV", "SHOAR": "SHR", "SHOARS": "SHRS",
    "SPNG": "SPG", "SPRNG": "SPG", "SPNGS": "SPGS", "SPRNGS": "SPGS",
    "SQR": "SQ", "SQRE": "SQ", "SQU": "SQ", "SQRS": "SQS", "STATN": "STA", "STN": "STA",
    "STRAV": "STRA", "STRAVEN": "STRA", "STRAVN": "STRA", "STRVN": "STRA", "STRVNUE": "STRA",
    "STREME": "STRM", "STRT": "ST", "STR": "ST", "SUMIT": "SMT", "SUMITT": "SMT", "TERR": "TER",
    "TRACES": "TRCE", "TRACKS": "TRAK", "TRK": "TRAK", "TRKS": "TRAK",
    "TRAILS": "TRL", "TRLS": "TRL", "TRLRS": "TRLR",
    "TUNEL": "TUNL", "TUNLS": "TUNL", "TUNNELS": "TUNL", "TUNNL": "TUNL",
    "TRNPK": "TPKE", "TURNPK": "TPKE", "VALLY": "VLY", "VLLY": "VLY", "VDCT": "VIA", "VIADCT": "VIA",
    "VILL": "VLG", "VILLAG": "VLG", "VILLG": "VLG", "VILLIAGE": "VLG",
    "VIST": "VIS", "VST": "VIS", "VSTA": "VIS", "WY": "WAY",
}
"""Pub 28 Appendix C1: commonly used street suffix abbreviations and misspellings → standard abbreviation."""

# --------------------------------------------------------------------------- Pub 28 Appendix C2

UNIT_DESIGNATORS: dict[str, str] = {
    "APARTMENT": "APT", "BASEMENT": "BSMT", "BUILDING": "BLDG", "DEPARTMENT": "DEPT",
    "FLOOR": "FL", "FRONT": "FRNT", "HANGAR": "HNGR", "KEY": "KEY", "LOBBY": "LBBY", "LOT": "LOT",
    "LOWER": "LOWR", "OFFICE": "OFC", "PENTHOUSE": "PH", "PIER": "PIER", "REAR": "REAR",
    "ROOM": "RM", "SIDE": "SIDE", "SLIP": "SLIP", "SPACE": "SPC", "STOP": "STOP", "SUITE": "STE",
    "TRAILER": "TRLR", "UNIT": "UNIT", "UPPER": "UPPR",
}
"""Pub 28 Appendix C2: secondary unit designator → approved abbreviation."""

UNITS_WITHOUT_RANGE: frozenset[str] = frozenset({"BSMT", "FRNT", "LBBY", "LOWR", "OFC", "PH", "REAR", "SIDE", "UPPR"})
"""Abbreviations of the C2 designators that do not require a secondary range (number)."""

DIRECTIONALS: dict[str, str] = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}
"""Pub 28 section 233 / Appendix B: directional → abbreviation."""

POSTCODE_FIRST: frozenset[str] = frozenset({
    "AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GR", "HR", "IS", "IT", "LI", "LU",
    "NL", "NO", "PL", "PT", "SE", "SI", "SK",
})
"""Countries whose last line is ``postal_code city`` (a region, if given, follows the city)."""


def _lookup(*tables: dict[str, str]) -> dict[str, str]:
    """Merge tables into one lookup in which every abbreviation maps to itself."""
    out: dict[str, str] = {}
    for table in tables:
        out.update(table)
    for table in tables:
        out.update({v: v for v in table.values()})
    return out


_SUFFIX = _lookup(STREET_SUFFIX_VARIANTS, STREET_SUFFIXES)
_UNIT = _lookup(UNIT_DESIGNATORS)
_DIRECTION = _lookup(DIRECTIONALS)

_ZIP_RE = re.compile(r"[0-9]{5}(?:-[0-9]{4})?")
_ORDINAL_RE = re.compile(r"[0-9]+(?:ST|ND|RD|TH)")
_FRACTION_RE = re.compile(r"[0-9]+/[0-9]+")
_INITIALISM_RE = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]?")
_PO_BOX_RE = re.compile(r"^(?:P O|PO|POST OFFICE) BOX\b")

# --------------------------------------------------------------------------- countries

_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
_COUNTRY_NAME_OVERRIDES = {
    "CD": "DEMOCRATIC REPUBLIC OF THE CONGO",
    "CG": "REPUBLIC OF THE CONGO",
}
_COUNTRY_ALIASES = {
    "USA": "US", "UNITED STATES OF AMERICA": "US", "AMERICA": "US",
    "UK": "GB", "GREAT BRITAIN": "GB", "BRITAIN": "GB", "ENGLAND": "GB", "SCOTLAND": "GB",
    "WALES": "GB", "NORTHERN IRELAND": "GB",
}


@lru_cache(maxsize=1)
def _territories() -> dict[str, str]:
    """Babel's English names of the two-letter ISO 3166 codes that are places."""
    return {
        code: name
        for code, name in Locale("en").territories.items()
        if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES
    }


def country_name(code: str) -> str:
    """The English name of country ``code`` for the last line of an address block, in capitals.

    Babel's common short name (``UNITED KINGDOM``, ``UNITED STATES``, ``GERMANY``),
    with a trailing parenthesis dropped (``Myanmar (Burma)`` gives ``MYANMAR``), "&"
    written as ``AND`` and "St." as ``SAINT``. An unknown code is returned
    upper-cased, so nothing is lost.
    """
    key = code.strip().upper()
    if key in _COUNTRY_NAME_OVERRIDES:
        return _COUNTRY_NAME_OVERRIDES[key]
    name = _territories().get(key)
    if name is None:
        return key
    name = re.sub(r"\s*\([^)]*\)$", "", name)
    name = re.sub(r"\bSt\.\s*", "Saint ", name)
    name = name.replace("&", "and")
    return " ".join(name.split()).upper()


def _country_code(country: str) -> str | None:
    """``country`` as a known ISO code (case and spaces ignored), or None."""
    key = country.strip().upper()
    return key if key in _territories() else None


@lru_cache(maxsize=1)
def _countries_by_name() -> dict[str, str]:
    """Country names (Babel's, ours, and aliases such as USA and UK) in :func:`_plain` form → ISO code."""
    names = {_plain(n): c for c, n in _territories().items()}
    names.update({_plain(country_name(c)): c for c in _territories()})
    names.update(_COUNTRY_ALIASES)
    return names


def _plain(text: str) -> str:
    """Upper case, letters, digits and single spaces only: the key for name look-ups."""
    return " ".join(re.sub(r"[^\w]+", " ", text.replace(".", "").replace("&", " AND ")).upper().split())


def is_domestic(address: Address) -> bool:
    """True if USPS serves the address as domestic mail (see :data:`DOMESTIC_COUNTRIES`)."""
    return address.country.strip().upper() in DOMESTIC_COUNTRIES


# --------------------------------------------------------------------------- check


_STATE_BY_NAME = {name: code for code, name in US_STATE_NAMES.items()}


def _state_code(region: str) -> str | None:
    """The USPS code for ``region`` written as a code, a name or an AP-style abbreviation, or None."""
    key = _plain(region)
    if key in US_STATES:
        return key
    if key in _STATE_BY_NAME:
        return _STATE_BY_NAME[key]
    return AP_STATE_ABBREVIATIONS.get(key.replace(" ", ""))


def check_address(address: Address) -> list[str]:
    """List the problems that would stop or delay delivery of ``address``; empty if none.

    Each problem is one short sentence naming the field, its value and the fix,
    e.g. ``region 'Calif.' is not a USPS state code; use the two-letter code, e.g. CA``.

    A domestic address (see :func:`is_domestic`) needs a street line, a city, a
    USPS state code in ``region`` and a ZIP Code (``12345`` or ``12345-6789``);
    for a territory or freely associated state the region may be blank (the
    country code is the state) or must be that code; a military state (AA, AE,
    AP) needs APO, FPO or DPO as the city. Any other address needs a street line,
    a city and a known ISO 3166 country code. Codes are compared ignoring case
    and surrounding spaces. The address is never changed.
    """
    problems: list[str] = []
    if not any(line.strip() for line in address.lines):
        problems.append(f"lines {list(address.lines)!r} has no street line; add the street address or PO box")
    if not address.city.strip():
        problems.append(f"city {address.city!r} is blank; add the city name")
    country = address.country.strip().upper()
    if country in DOMESTIC_COUNTRIES:
        region = address.region.strip().upper()
        if country != "US":
            if region not in ("", country):
                problems.append(
                    f"region {address.region!r} does not match country {address.country!r}; "
                    f"leave it blank or use {country}"
                )
        elif not region:
            problems.append(f"region {address.region!r} is blank; add the two-letter state code, e.g. CA")
        elif region not in US_STATES:
            example = _state_code(address.region) or "CA"
            problems.append(
                f"region {address.region!r} is not a USPS state code; use the two-letter code, e.g. {example}"
            )
        elif region in _MILITARY_STATES and address.city.strip() and address.city.strip().upper() not in _MILITARY_CITIES:
            problems.append(
                f"city {address.city!r} is not APO, FPO or DPO; a military address in {region} "
                f"uses APO, FPO or DPO as the city"
            )
        postal = address.postal_code.strip()
        if not postal:
            problems.append(
                f"postal_code {address.postal_code!r} is blank; add the ZIP code: 5 digits (90210) or ZIP+4 (90210-1234)"
            )
        elif not _ZIP_RE.fullmatch(postal):
            problems.append(
                f"postal_code {address.postal_code!r} is not a ZIP code; use 5 digits (90210) or ZIP+4 (90210-1234)"
            )
    elif _country_code(country) is None:
        if not country:
            problems.append(f"country {address.country!r} is blank; use the two-letter ISO 3166 code, e.g. US or DE")
        else:
            code = _countries_by_name().get(_plain(address.country))
            hint = f"e.g. {code}" if code else "e.g. DE for Germany"
            problems.append(
                f"country {address.country!r} is not an ISO 3166 country code; use the two-letter code, {hint}"
            )
    return problems


# --------------------------------------------------------------------------- US formatting


def _tokens(text: str) -> list[str]:
    """Upper-case ``text`` and split it into words, applying the punctuation rules."""
    text = upper(text)  # Greek capitals without accents (lettergen.textcase)
    text = text.replace("#", " # ")
    text = re.sub(r"['’‘`\"“”]", "", text)
    text = re.sub(r"[,;:()\[\]{}!?]", " ", text)
    out: list[str] = []
    for raw in text.split():
        if _INITIALISM_RE.fullmatch(raw):
            raw = raw.replace(".", "")
        else:
            raw = re.sub(r"(?<=[0-9])\.(?=[0-9])", "\0", raw).replace(".", " ").replace("\0", ".")
        for word in raw.split():
            if any(ch.isdigit() for ch in word):
                word = word.strip("-")
                out.extend([word] if word else [])
            else:
                out.extend(word.replace("-", " ").split())
    return out


def _is_house_number(word: str) -> bool:
    """A primary number: a word with a digit that is not an ordinal (``123``, ``123-45``, ``N6W23001``, not ``5TH``)."""
    return any(ch.isdigit() for ch in word) and not _ORDINAL_RE.fullmatch(word)


def _is_range(word: str) -> bool:
    """A secondary range: anything with a digit, or a single letter."""
    return any(ch.isdigit() for ch in word) or (len(word) == 1 and word.isalpha())


def _unit_at_end(words: list[str]) -> tuple[int, list[str]] | None:
    """The secondary unit ending ``words``: (where it starts, its standard words), or None."""
    n = len(words)
    if n >= 2 and words[-1] in ("FLOOR", "FL") and _ORDINAL_RE.fullmatch(words[-2]):
        return n - 2, ["FL", words[-2][:-2]]
    if n >= 2 and _is_range(words[-1]):
        if words[-2] == "#":
            return n - 2, ["#", words[-1]]
        if words[-2] in _UNIT:
            return n - 2, [_UNIT[words[-2]], words[-1]]
    if n >= 1 and _UNIT.get(words[-1]) in UNITS_WITHOUT_RANGE:
        return n - 1, [_UNIT[words[-1]]]
    return None


def _split_secondary(words: list[str]) -> tuple[list[str], list[str]]:
    """Split a street line into its primary part and its secondary unit(s), in standard form."""
    # "#" after a real designator is redundant: "APT # 4" is "APT 4".
    words = [w for i, w in enumerate(words) if not (w == "#" and i > 0 and words[i - 1] in _UNIT)]
    secondary: list[str] = []
    end = len(words)
    while end:
        found = _unit_at_end(words[:end])
        if found is None:
            break
        start, unit = found
        primary = words[:start]
        if primary and all(_is_house_number(w) or _FRACTION_RE.fullmatch(w) for w in primary):
            break  # "123 Front": FRONT is the street name, not a unit
        secondary = unit + secondary
        end = start
    return words[:end], secondary


def _standard_street(words: list[str]) -> list[str]:
    """Pub 28 form of the primary part of a street line (house number, directionals, name, suffix)."""
    head: list[str] = []
    rest = list(words)
    if rest and _is_house_number(rest[0]):
        head.append(rest.pop(0))
        if rest and _FRACTION_RE.fullmatch(rest[0]):
            head.append(rest.pop(0))
    post: list[str] = []
    suffix: list[str] = []
    pre: list[str] = []
    if len(rest) >= 2 and rest[-1] in _DIRECTION:
        post = [_DIRECTION[rest.pop()]]
    if len(rest) >= 2 and rest[-1] in _SUFFIX:
        suffix = [_SUFFIX[rest.pop()]]
    if len(rest) >= 2 and rest[0] in _DIRECTION:
        pre = [_DIRECTION[rest.pop(0)]]
    return head + pre + rest + suffix + post


def _usps_street_line(line: str) -> str:
    """One street line in Pub 28 style."""
    words = _tokens(line)
    text = " ".join(words)
    match = _PO_BOX_RE.match(text)
    if match:
        rest = [w for w in text[match.end():].split() if w != "#"]
        return " ".join(["PO", "BOX", *rest])
    primary, secondary = _split_secondary(words)
    return " ".join(_standard_street(primary) + secondary)


def _us_lines(address: Address) -> tuple[str, ...]:
    """The Pub 28 block of a domestic address: standard street lines and ``CITY ST ZIP``."""
    lines = [_usps_street_line(line) for line in address.lines if line.strip()]
    city = " ".join(_tokens(address.city))
    region = address.region.strip()
    country = address.country.strip().upper()
    if not region and country != "US":
        state = country
    else:
        state = _state_code(region) or " ".join(_tokens(region))
    last = " ".join(part for part in (city, state, address.postal_code.strip().upper()) if part)
    return tuple(lines + ([last] if last else []))


# --------------------------------------------------------------------------- foreign formatting


def _join(*parts: str, sep: str = " ") -> str:
    """Join the non-empty ``parts`` with ``sep``."""
    return sep.join(p for p in parts if p)


_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def _foreign_lines(address: Address) -> tuple[str, ...]:
    """Street lines, the country's own last line(s) and the country name, as given (trimmed)."""
    street = [line.strip() for line in address.lines if line.strip()]
    city, region, postal = address.city.strip(), address.region.strip(), address.postal_code.strip()
    country = address.country.strip().upper()
    if country in POSTCODE_FIRST:
        body = street + [_join(postal, city, region)]
    elif country == "GB":
        body = street + [city, region, postal]
    elif country == "JP" and _JAPANESE_RE.search(" ".join([*street, city, region])):
        body = [f"〒{postal}" if postal else "", _join(region, city, sep="")] + street
    elif country == "JP":
        body = street + [_join(_join(city, region, sep=", "), postal)]
    else:  # CA and the default: "city region postal_code"
        body = street + [_join(city, region, postal)]
    return tuple(line for line in body if line) + (country_name(address.country),)


# --------------------------------------------------------------------------- public


def usps_lines(address: Address) -> tuple[str, ...]:
    """The address block lines: street lines, then the last line (then the country for foreign mail).

    A domestic address (see :func:`is_domestic`) in USPS Publication 28 style:
    upper case, punctuation removed, street suffixes (Appendix C1), secondary unit
    designators (Appendix C2) and pre- and post-directionals abbreviated, PO boxes
    as ``PO BOX 123``, and the last line ``CITY ST 12345-6789``. A foreign address
    keeps its fields as given in the destination country's order and ends with the
    country name in capitals. Words without a standard abbreviation are kept,
    upper-cased; blank lines are left out. See the module docstring for the rules.
    """
    if is_domestic(address):
        return _us_lines(address)
    return _foreign_lines(address)


def format_lines(address: Address, *, usps_style: bool) -> tuple[str, ...]:
    """The address block lines for a letter.

    Domestic with ``usps_style``: :func:`usps_lines`. Domestic without it: the
    street lines as given (trimmed, blank lines left out) and a ``City, ST 12345``
    last line (a territory's code stands in for a blank region). Foreign: always
    the foreign form of :func:`usps_lines`, ending with the country name.
    """
    if not is_domestic(address):
        return _foreign_lines(address)
    if usps_style:
        return _us_lines(address)
    street = [line.strip() for line in address.lines if line.strip()]
    country = address.country.strip().upper()
    region = address.region.strip() or ("" if country == "US" else country)
    last = _join(address.city.strip(), _join(region, address.postal_code.strip()), sep=", ")
    return tuple(street + ([last] if last else []))
