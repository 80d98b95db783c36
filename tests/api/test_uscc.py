"""Unified social credit codes: check characters, normalisation and messages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.uscc import ALPHABET, InvalidUSCC, is_valid_uscc, make_uscc, validate_uscc

# Published examples in real format (python-stdnum's documentation and tests);
# both check characters were verified by hand with the GB 32100 / GB 11714 weights.
PUBLISHED = ["91110000600037341L", "91350100M000100Y43"]

alphabet_char = st.sampled_from(ALPHABET)
digits = st.text(alphabet="0123456789", min_size=6, max_size=6)
org_body = st.text(alphabet=ALPHABET, min_size=8, max_size=8)
codes = st.builds(make_uscc, alphabet_char, alphabet_char, digits, org_body)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert validate_uscc(code) == code


def test_make_uscc_computes_both_check_characters() -> None:
    # MA2Y0ABC: 22*3 + 10*7 + 2*9 + 34*10 + 0*5 + 10*8 + 11*4 + 12*2 = 642; 11 - 642 % 11 = 7
    assert make_uscc("9", "1", "350200", "MA2Y0ABC") == "91350200MA2Y0ABC7C"


def test_organisation_check_digit_ten_is_x_and_eleven_is_zero() -> None:
    # "1000000A": 1*3 + 10*2 = 23 -> 11 - 23 % 11 = 10 -> 'X'
    assert make_uscc("9", "1", "350200", "1000000A") == "913502001000000AX6"
    # "00000000": 0 -> 11 - 0 = 11 -> '0'
    assert make_uscc("9", "1", "350200", "00000000") == "91350200000000000N"


@pytest.mark.parametrize(
    ("authority", "org_type"),
    [("1", "2"), ("5", "1"), ("9", "3"), ("N", "2"), ("Y", "1"), ("A", "1")],
)
def test_letters_and_digits_are_accepted_as_registration_authority(authority: str, org_type: str) -> None:
    code = make_uscc(authority, org_type, "350203", "MA31ABCD")
    assert code[0] == authority
    assert is_valid_uscc(code)


def test_normalisation_strips_spaces_folds_width_and_case() -> None:
    assert validate_uscc(" 9135 0200 ma2y0abc7c ") == "91350200MA2Y0ABC7C"
    assert validate_uscc("９１３５０２００ＭＡ２Ｙ０ＡＢＣ７Ｃ") == "91350200MA2Y0ABC7C"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350200MA2Y0ABC7", "must be 18 characters, got 17"),
        ("9135O200MA2Y0ABC7C", "character 'O' at position 5 is not allowed (I, O, S, V, Z are never used)"),
        ("91350200MA2Y0AB-7C", "character '-' at position 16 is not allowed"),
        ("913502A0MA2Y0ABC7C", "region code must be 6 digits"),
        ("91350200MA2Y0ABCXC", "organisation code check digit is 'X', expected '7'"),
        ("91350200MA2Y0ABC7A", "check character is 'A', expected 'C' — probably a typo"),
    ],
)
def test_invalid_codes_name_the_problem(code: str, message: str) -> None:
    with pytest.raises(InvalidUSCC, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_uscc(code)
    assert not is_valid_uscc(code)


def test_invalid_uscc_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        validate_uscc("")


@pytest.mark.parametrize(
    "parts",
    [("9", "1", "35020", "MA2Y0ABC"), ("9", "1", "350200", "MA2Y0AB"), ("9", "1", "350200", "MA2Y0ABO")],
)
def test_make_uscc_refuses_malformed_parts(parts: tuple[str, str, str, str]) -> None:
    with pytest.raises(InvalidUSCC):
        make_uscc(*parts)


@settings(max_examples=200)
@given(codes)
def test_made_codes_are_valid_and_normalised(code: str) -> None:
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code


@settings(max_examples=100)
@given(codes)
def test_every_single_character_substitution_is_rejected(code: str) -> None:
    for index, original in enumerate(code):
        for replacement in ALPHABET:
            if replacement != original:
                assert not is_valid_uscc(code[:index] + replacement + code[index + 1 :])


@settings(max_examples=100)
@given(codes, st.integers(min_value=0, max_value=16))
def test_swapping_distinct_neighbours_is_rejected(code: str, index: int) -> None:
    a, b = code[index], code[index + 1]
    swapped = code[:index] + b + a + code[index + 2 :]
    assert swapped == code or not is_valid_uscc(swapped)
