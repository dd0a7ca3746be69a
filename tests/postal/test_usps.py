"""Address checking and USPS Publication 28 formatting (lettergen.postal.usps)."""

from __future__ import annotations

import pytest

from lettergen.models import Address
from lettergen.postal.usps import AP_STATE_ABBREVIATIONS, DIRECTIONALS, DOMESTIC_COUNTRIES, STREET_SUFFIX_VARIANTS, STREET_SUFFIXES, UNIT_DESIGNATORS, UNITS_WITHOUT_RANGE, US_STATE_NAMES, US_STATES, check_address, country_name, format_lines, usps_lines


def us(*lines: str, city: str = "Springfield", region: str = "IL", postal_code: str = "62701", country: str = "US") -> Address:
    return Address(lines=lines, city=city, region=region, postal_code=postal_code, country=country)


def street(line: str) -> str:
    """The Pub 28 form of one street line."""
    out = usps_lines(us(line))
    assert out[-1] == "SPRINGFIELD IL 62701"
    assert len(out) == 2
    return out[0]


# --------------------------------------------------------------------------- tables


def test_us_states_are_the_codes_usps_accepts():
    assert len(US_STATES) == 62  # 50 states, DC, 5 territories, 3 freely associated, 3 military
    for code in ("CA", "NY", "DC", "AS", "GU", "MP", "PR", "VI", "FM", "MH", "PW", "AA", "AE", "AP"):
        assert code in US_STATES
    assert "CZ" not in US_STATES and "XX" not in US_STATES
    assert set(US_STATE_NAMES) == US_STATES
    assert set(AP_STATE_ABBREVIATIONS.values()) <= US_STATES
    assert DOMESTIC_COUNTRIES == {"US", "PR", "GU", "VI", "AS", "MP", "FM", "MH", "PW"}


def test_tables_are_upper_case():
    for table in (STREET_SUFFIXES, STREET_SUFFIX_VARIANTS, UNIT_DESIGNATORS, DIRECTIONALS, US_STATE_NAMES, AP_STATE_ABBREVIATIONS):
        for key, value in table.items():
            assert key == key.upper() and key.strip() == key, key
            assert value == value.upper() and value.strip() == value, value
    assert all(v == v.upper() for v in UNITS_WITHOUT_RANGE)


def test_c1_table_has_the_standard_abbreviations():
    expected = {
        "AVENUE": "AVE", "STREET": "ST", "BOULEVARD": "BLVD", "ROAD": "RD", "DRIVE": "DR", "LANE": "LN",
        "COURT": "CT", "PLACE": "PL", "PARKWAY": "PKWY", "HIGHWAY": "HWY", "CIRCLE": "CIR",
        "TERRACE": "TER", "TRAIL": "TRL", "SQUARE": "SQ", "ALLEY": "ALY", "CROSSING": "XING",
        "EXPRESSWAY": "EXPY", "FREEWAY": "FWY", "TURNPIKE": "TPKE", "WAY": "WAY", "WELLS": "WLS",
    }
    for name, abbr in expected.items():
        assert STREET_SUFFIXES[name] == abbr
    assert len(STREET_SUFFIXES) >= 200
    for variant in ("AV", "AVEN", "AVENU", "AVN", "AVNUE"):
        assert STREET_SUFFIX_VARIANTS[variant] == "AVE"
    assert STREET_SUFFIX_VARIANTS["STR"] == "ST" and STREET_SUFFIX_VARIANTS["STRT"] == "ST"


def test_c1_tables_agree_and_every_abbreviation_is_a_fixed_point():
    abbreviations = set(STREET_SUFFIXES.values())
    for key in set(STREET_SUFFIXES) & set(STREET_SUFFIX_VARIANTS):
        assert STREET_SUFFIXES[key] == STREET_SUFFIX_VARIANTS[key]
    for variant, abbr in STREET_SUFFIX_VARIANTS.items():
        assert abbr in abbreviations, variant
        if variant in abbreviations:  # a variant that is itself a standard abbreviation must map to itself
            assert abbr == variant
    for abbr in sorted(abbreviations):
        assert street(f"1 MAIN {abbr}") == f"1 MAIN {abbr}"


@pytest.mark.parametrize("name", sorted(STREET_SUFFIXES))
def test_every_c1_name_is_abbreviated_in_suffix_position(name):
    assert street(f"1 Main {name.title()}") == f"1 MAIN {STREET_SUFFIXES[name]}"


@pytest.mark.parametrize("variant", sorted(STREET_SUFFIX_VARIANTS))
def test_every_c1_variant_is_standardised(variant):
    assert street(f"1 Main {variant.lower()}") == f"1 MAIN {STREET_SUFFIX_VARIANTS[variant]}"


def test_c2_table_is_complete_and_idempotent():
    assert UNIT_DESIGNATORS == {
        "APARTMENT": "APT", "BASEMENT": "BSMT", "BUILDING": "BLDG", "DEPARTMENT": "DEPT",
        "FLOOR": "FL", "FRONT": "FRNT", "HANGAR": "HNGR", "KEY": "KEY", "LOBBY": "LBBY", "LOT": "LOT",
        "LOWER": "LOWR", "OFFICE": "OFC", "PENTHOUSE": "PH", "PIER": "PIER", "REAR": "REAR",
        "ROOM": "RM", "SIDE": "SIDE", "SLIP": "SLIP", "SPACE": "SPC", "STOP": "STOP", "SUITE": "STE",
        "TRAILER": "TRLR", "UNIT": "UNIT", "UPPER": "UPPR",
    }
    assert UNITS_WITHOUT_RANGE <= set(UNIT_DESIGNATORS.values())
    for name, abbr in UNIT_DESIGNATORS.items():
        assert street(f"1 Main St {name.title()} 5") == f"1 MAIN ST {abbr} 5"
        assert street(f"1 MAIN ST {abbr} 5") == f"1 MAIN ST {abbr} 5"
        if abbr in UNITS_WITHOUT_RANGE:
            assert street(f"1 Main St {name.lower()}") == f"1 MAIN ST {abbr}"
            assert street(f"1 MAIN ST {abbr}") == f"1 MAIN ST {abbr}"


def test_directionals_table():
    assert DIRECTIONALS == {
        "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
        "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
    }
    for name, abbr in DIRECTIONALS.items():
        assert street(f"1 {name.title()} Main St") == f"1 {abbr} MAIN ST"
        assert street(f"1 Main St {name.title()}") == f"1 MAIN ST {abbr}"
        assert street(f"1 {name.title()} St") == f"1 {name} ST"  # the directional is the street name


# --------------------------------------------------------------------------- street lines

STREET_CASES = [
    # suffixes and their variants
    ("123 Main Street", "123 MAIN ST"),
    ("123 main st.", "123 MAIN ST"),
    ("45 Fifth Av", "45 FIFTH AVE"),
    ("45 Fifth Aven.", "45 FIFTH AVE"),
    ("45 Fifth Avenu", "45 FIFTH AVE"),
    ("45 Fifth Avn", "45 FIFTH AVE"),
    ("45 Fifth Avnue", "45 FIFTH AVE"),
    ("9 Sunset Boulevard", "9 SUNSET BLVD"),
    ("9 Sunset Boul", "9 SUNSET BLVD"),
    ("77 Mill Road", "77 MILL RD"),
    ("8 Elm Lane", "8 ELM LN"),
    ("3 Kings Court", "3 KINGS CT"),
    ("3 Kings Crt", "3 KINGS CRT"),  # not a C1 spelling: kept as written
    ("21 Garden Place", "21 GARDEN PL"),
    ("1600 Blue Ridge Parkway", "1600 BLUE RIDGE PKWY"),
    ("1600 Blue Ridge Pkway", "1600 BLUE RIDGE PKWY"),
    ("400 Coastal Highway", "400 COASTAL HWY"),
    ("12 Oak Circle", "12 OAK CIR"),
    ("12 Oak Circl", "12 OAK CIR"),
    ("5 Vista Terrace", "5 VISTA TER"),
    ("5 Appalachian Trail", "5 APPALACHIAN TRL"),
    ("1 Union Square", "1 UNION SQ"),
    ("1 Town Centre", "1 TOWN CTR"),
    ("9 Lakeview Crossing", "9 LAKEVIEW XING"),
    # only the suffix position is abbreviated
    ("100 Avenue of the Americas", "100 AVENUE OF THE AMERICAS"),
    ("12 Park Street", "12 PARK ST"),
    ("12 Park", "12 PARK"),
    ("123 Avenue B", "123 AVENUE B"),
    ("100 Highway 66", "100 HIGHWAY 66"),
    ("7 Lake Shore Drive", "7 LAKE SHORE DR"),
    # directionals
    ("123 North Main Street", "123 N MAIN ST"),
    ("500 Ocean Drive South", "500 OCEAN DR S"),
    ("1600 Pennsylvania Avenue Northwest", "1600 PENNSYLVANIA AVE NW"),
    ("42 Southwest 8th Street", "42 SW 8TH ST"),
    ("10 East North Street", "10 E NORTH ST"),
    ("10 South Street North", "10 SOUTH ST N"),
    ("12 North Street", "12 NORTH ST"),
    ("North Street", "NORTH ST"),
    ("12 West", "12 WEST"),
    ("12 N Street", "12 N ST"),
    ("12 N. Main St.", "12 N MAIN ST"),
    ("12 N.W. Main St.", "12 NW MAIN ST"),
    # secondary units
    ("123 Main St Suite 200", "123 MAIN ST STE 200"),
    ("123 Main St., Suite 200", "123 MAIN ST STE 200"),
    ("456 Elm Ave Apt. 4B", "456 ELM AVE APT 4B"),
    ("456 Elm Ave, Apartment 4B", "456 ELM AVE APT 4B"),
    ("456 Elm Avenue Apt 4B", "456 ELM AVE APT 4B"),
    ("789 Oak Blvd # 12", "789 OAK BLVD # 12"),
    ("789 Oak Blvd #12", "789 OAK BLVD # 12"),
    ("789 Oak Blvd Apt #12", "789 OAK BLVD APT 12"),
    ("1 Main St Floor 3", "1 MAIN ST FL 3"),
    ("1 Main St 5th Floor", "1 MAIN ST FL 5"),
    ("1 Main St Building A", "1 MAIN ST BLDG A"),
    ("1 Main St Room 101", "1 MAIN ST RM 101"),
    ("1 Main St Unit 7", "1 MAIN ST UNIT 7"),
    ("1 Main St Department 12", "1 MAIN ST DEPT 12"),
    ("1 Main St Bldg 2 Apt 4", "1 MAIN ST BLDG 2 APT 4"),
    ("1 Main St Rear", "1 MAIN ST REAR"),
    ("1 Main St Penthouse", "1 MAIN ST PH"),
    ("1 Main Street North Suite 5", "1 MAIN ST N STE 5"),
    ("Suite 200", "STE 200"),
    ("Apt. 4B", "APT 4B"),
    ("# 12", "# 12"),
    ("123 Front", "123 FRONT"),  # FRONT is the street name here, not a unit
    ("10 Ocean Key Rd", "10 OCEAN KEY RD"),  # KEY without a number is part of the name
    ("123 Front Street", "123 FRONT ST"),
    # PO boxes
    ("P.O. Box 123", "PO BOX 123"),
    ("P. O. Box 123", "PO BOX 123"),
    ("po box 123", "PO BOX 123"),
    ("Post Office Box 123", "PO BOX 123"),
    ("PO Box #123", "PO BOX 123"),
    # punctuation, spaces, numbers
    ("123-45 Queens Blvd", "123-45 QUEENS BLVD"),
    ("123 1/2 Main St", "123 1/2 MAIN ST"),
    ("  123   Main    St  ", "123 MAIN ST"),
    ("123 Main St.,", "123 MAIN ST"),
    ("9 O'Hare Drive", "9 OHARE DR"),
    ("9 Winston-Salem Road", "9 WINSTON SALEM RD"),
    ("2500 39.2 Road", "2500 39.2 RD"),  # Pub 28 D2 grid address: the period is kept
    ("c/o Acme & Co.", "C/O ACME & CO"),
    ("12 Calle Niño", "12 CALLE NIÑO"),
    ("N6W23001 Bluemound Rd", "N6W23001 BLUEMOUND RD"),
    # words that cannot be mapped are kept
    ("1 Foo Bar Baz", "1 FOO BAR BAZ"),
    ("1 Main Strasse", "1 MAIN STRASSE"),
]


@pytest.mark.parametrize(("line", "expected"), STREET_CASES)
def test_street_line(line, expected):
    assert street(line) == expected


@pytest.mark.parametrize("expected", sorted({e for _, e in STREET_CASES}))
def test_street_line_is_idempotent(expected):
    assert street(expected) == expected


# --------------------------------------------------------------------------- US blocks


def test_usps_block_full():
    address = Address(
        lines=("123 North Main Street", "Suite 200"),
        city="St. Louis",
        region="Mo.",
        postal_code="63101-1234",
    )
    assert usps_lines(address) == ("123 N MAIN ST", "STE 200", "ST LOUIS MO 63101-1234")


def test_usps_last_line_one_space_zip_plus_4_kept():
    assert usps_lines(us("1 Main St", city="Beverly  Hills", region="ca", postal_code=" 90210-1234 ")) == (
        "1 MAIN ST",
        "BEVERLY HILLS CA 90210-1234",
    )


@pytest.mark.parametrize(
    ("region", "state"),
    [("California", "CA"), ("Calif.", "CA"), ("N.Y.", "NY"), ("W. Va.", "WV"), ("district of columbia", "DC"), ("Gondor", "GONDOR")],
)
def test_usps_state_names_become_codes_unknown_kept(region, state):
    assert usps_lines(us("1 Main St", region=region))[-1] == f"SPRINGFIELD {state} 62701"


def test_usps_block_is_idempotent():
    first = usps_lines(Address(lines=("500 Ocean Drive South", "Apt. 4B"), city="Miami Beach", region="Fla.", postal_code="33139"))
    assert first == ("500 OCEAN DR S", "APT 4B", "MIAMI BEACH FL 33139")
    city, state, zip_ = first[-1].rsplit(" ", 2)
    assert usps_lines(Address(lines=first[:-1], city=city, region=state, postal_code=zip_)) == first


def test_usps_winston_salem_city():
    assert usps_lines(us("1 Main St", city="Winston-Salem", region="NC", postal_code="27101"))[-1] == "WINSTON SALEM NC 27101"


def test_blank_lines_left_out():
    assert usps_lines(us("", "1 Main St", "  ")) == ("1 MAIN ST", "SPRINGFIELD IL 62701")


def test_territory_is_domestic_and_its_code_is_the_state():
    pr = Address(lines=("1 Calle Sol",), city="San Juan", postal_code="00901", country="PR")
    assert usps_lines(pr) == ("1 CALLE SOL", "SAN JUAN PR 00901")
    assert format_lines(pr, usps_style=False) == ("1 Calle Sol", "San Juan, PR 00901")
    assert check_address(pr) == []
    gu = Address(lines=("100 Marine Corps Drive",), city="Hagatna", region="GU", postal_code="96910", country="GU")
    assert usps_lines(gu) == ("100 MARINE CORPS DR", "HAGATNA GU 96910")


def test_military_address():
    apo = Address(lines=("Unit 2050 Box 4190",), city="APO", region="AP", postal_code="96278-2050")
    assert usps_lines(apo) == ("UNIT 2050 BOX 4190", "APO AP 96278-2050")
    assert check_address(apo) == []


# --------------------------------------------------------------------------- format_lines


def test_format_lines_us_as_given():
    address = us(" 123 North Main Street ", "Apt. 4B", city="Springfield", region="IL", postal_code="62701-1234")
    assert format_lines(address, usps_style=False) == ("123 North Main Street", "Apt. 4B", "Springfield, IL 62701-1234")
    assert format_lines(address, usps_style=True) == ("123 N MAIN ST", "APT 4B", "SPRINGFIELD IL 62701-1234")


def test_format_lines_us_missing_parts():
    assert format_lines(us("1 Main St", city="", region="IL", postal_code=""), usps_style=False) == ("1 Main St", "IL")
    assert format_lines(us("1 Main St", city="Springfield", region="", postal_code=""), usps_style=False) == ("1 Main St", "Springfield")


def test_format_lines_foreign_is_always_foreign_form():
    de = Address(lines=("Unter den Linden 77",), city="Berlin", postal_code="10117", country="DE")
    assert format_lines(de, usps_style=True) == format_lines(de, usps_style=False) == usps_lines(de)


# --------------------------------------------------------------------------- foreign


def test_german_address():
    de = Address(lines=("Hauptstraße 5", "3. OG"), city="München", postal_code="80331", country="DE")
    assert usps_lines(de) == ("Hauptstraße 5", "3. OG", "80331 München", "GERMANY")


def test_british_address():
    gb = Address(lines=("10 Downing Street",), city="London", postal_code="SW1A 2AA", country="GB")
    assert usps_lines(gb) == ("10 Downing Street", "London", "SW1A 2AA", "UNITED KINGDOM")
    with_county = Address(lines=("1 High St",), city="Guildford", region="Surrey", postal_code="GU1 3AA", country="gb")
    assert usps_lines(with_county) == ("1 High St", "Guildford", "Surrey", "GU1 3AA", "UNITED KINGDOM")


def test_canadian_address():
    ca = Address(lines=("24 Sussex Drive",), city="Ottawa", region="ON", postal_code="K1M 1M4", country="CA")
    assert usps_lines(ca) == ("24 Sussex Drive", "Ottawa ON K1M 1M4", "CANADA")


def test_japanese_address_latin_and_japanese_script():
    latin = Address(lines=("1-1 Chiyoda",), city="Chiyoda-ku", region="Tokyo", postal_code="100-8111", country="JP")
    assert usps_lines(latin) == ("1-1 Chiyoda", "Chiyoda-ku, Tokyo 100-8111", "JAPAN")
    native = Address(lines=("千代田1-1",), city="千代田区", region="東京都", postal_code="100-8111", country="JP")
    assert usps_lines(native) == ("〒100-8111", "東京都千代田区", "千代田1-1", "JAPAN")


@pytest.mark.parametrize(
    ("country", "region", "last", "name"),
    [
        ("AT", "", "1010 Wien", "AUSTRIA"),
        ("CH", "", "8001 Zürich", "SWITZERLAND"),
        ("FR", "", "75008 Paris", "FRANCE"),
        ("IT", "RM", "00184 Roma RM", "ITALY"),
        ("ES", "", "28001 Madrid", "SPAIN"),
        ("NL", "", "1012 AB Amsterdam", "NETHERLANDS"),
        ("AU", "NSW", "Sydney NSW 2000", "AUSTRALIA"),
        ("MX", "CDMX", "Ciudad de México CDMX 06000", "MEXICO"),
    ],
)
def test_foreign_last_line(country, region, last, name):
    city, postal = {
        "AT": ("Wien", "1010"), "CH": ("Zürich", "8001"), "FR": ("Paris", "75008"), "IT": ("Roma", "00184"),
        "ES": ("Madrid", "28001"), "NL": ("Amsterdam", "1012 AB"), "AU": ("Sydney", "2000"),
        "MX": ("Ciudad de México", "06000"),
    }[country]
    address = Address(lines=(" Some street 1 ",), city=city, region=region, postal_code=postal, country=country)
    assert usps_lines(address) == ("Some street 1", last, name)


def test_foreign_unknown_country_kept():
    address = Address(lines=("1 Road",), city="Somewhere", country="xx")
    assert usps_lines(address) == ("1 Road", "Somewhere", "XX")


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("GB", "UNITED KINGDOM"), ("US", "UNITED STATES"), ("DE", "GERMANY"), ("JP", "JAPAN"),
        ("MM", "MYANMAR"), ("KN", "SAINT KITTS AND NEVIS"), ("BA", "BOSNIA AND HERZEGOVINA"),
        ("CD", "DEMOCRATIC REPUBLIC OF THE CONGO"), ("CG", "REPUBLIC OF THE CONGO"),
        ("CI", "CÔTE D’IVOIRE"), (" de ", "GERMANY"), ("QQ", "QQ"),
    ],
)
def test_country_name(code, name):
    assert country_name(code) == name


# --------------------------------------------------------------------------- check_address


def test_good_addresses_have_no_problems():
    assert check_address(us("123 Main St")) == []
    assert check_address(us("123 Main St", region="ca", postal_code="90210-1234")) == []
    assert check_address(Address(lines=("Hauptstraße 5",), city="Berlin", postal_code="10117", country="DE")) == []
    assert check_address(Address(lines=("1 Road",), city="Kathmandu", country="np")) == []


def test_bad_state():
    assert check_address(us("1 Main St", region="Calif.")) == [
        "region 'Calif.' is not a USPS state code; use the two-letter code, e.g. CA"
    ]
    assert check_address(us("1 Main St", region="Texas")) == [
        "region 'Texas' is not a USPS state code; use the two-letter code, e.g. TX"
    ]
    assert check_address(us("1 Main St", region="ZZ")) == [
        "region 'ZZ' is not a USPS state code; use the two-letter code, e.g. CA"
    ]
    assert check_address(us("1 Main St", region="")) == [
        "region '' is blank; add the two-letter state code, e.g. CA"
    ]


@pytest.mark.parametrize("zip_", ["9021", "902101", "90210-12", "902101234", "90210 1234", "ABCDE", "٩٠٢١٠"])
def test_bad_zip(zip_):
    assert check_address(us("1 Main St", postal_code=zip_)) == [
        f"postal_code '{zip_}' is not a ZIP code; use 5 digits (90210) or ZIP+4 (90210-1234)"
    ]


def test_blank_zip():
    assert check_address(us("1 Main St", postal_code="")) == [
        "postal_code '' is blank; add the ZIP code: 5 digits (90210) or ZIP+4 (90210-1234)"
    ]


def test_missing_city():
    assert check_address(us("1 Main St", city=" ")) == ["city ' ' is blank; add the city name"]
    assert check_address(Address(lines=("1 Road",), city="", country="DE")) == ["city '' is blank; add the city name"]


def test_blank_street():
    assert check_address(us()) == ["lines [] has no street line; add the street address or PO box"]
    assert check_address(us("  ", "")) == ["lines ['  ', ''] has no street line; add the street address or PO box"]
    assert check_address(Address(lines=(), city="Berlin", country="DE")) == [
        "lines [] has no street line; add the street address or PO box"
    ]


def test_unknown_country():
    assert check_address(Address(lines=("1 Road",), city="X", country="XX")) == [
        "country 'XX' is not an ISO 3166 country code; use the two-letter code, e.g. DE for Germany"
    ]
    assert check_address(Address(lines=("1 Road",), city="Berlin", country="Germany")) == [
        "country 'Germany' is not an ISO 3166 country code; use the two-letter code, e.g. DE"
    ]
    assert check_address(Address(lines=("1 Road",), city="Boston", region="MA", postal_code="02101", country="USA")) == [
        "country 'USA' is not an ISO 3166 country code; use the two-letter code, e.g. US"
    ]
    assert check_address(Address(lines=("1 Road",), city="X", country="EU")) == [
        "country 'EU' is not an ISO 3166 country code; use the two-letter code, e.g. DE for Germany"
    ]
    assert check_address(Address(lines=("1 Road",), city="X", country="")) == [
        "country '' is blank; use the two-letter ISO 3166 code, e.g. US or DE"
    ]


def test_territory_region_must_match():
    assert check_address(Address(lines=("1 Calle Sol",), city="San Juan", region="NY", postal_code="00901", country="PR")) == [
        "region 'NY' does not match country 'PR'; leave it blank or use PR"
    ]


def test_military_city():
    assert check_address(us("Unit 2050", city="Berlin", region="AE", postal_code="09001")) == [
        "city 'Berlin' is not APO, FPO or DPO; a military address in AE uses APO, FPO or DPO as the city"
    ]


def test_several_problems_in_field_order():
    assert check_address(Address(lines=(), city="", region="Calif.", postal_code="9021")) == [
        "lines [] has no street line; add the street address or PO box",
        "city '' is blank; add the city name",
        "region 'Calif.' is not a USPS state code; use the two-letter code, e.g. CA",
        "postal_code '9021' is not a ZIP code; use 5 digits (90210) or ZIP+4 (90210-1234)",
    ]


def test_check_and_format_never_change_the_address():
    address = us("123 North Main Street", region="Calif.", postal_code="9021")
    before = address.model_dump()
    check_address(address)
    usps_lines(address)
    format_lines(address, usps_style=False)
    assert address.model_dump() == before
