"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

An 18-character code identifies every Chinese enterprise and organisation::

    9 1 350200 MA2Y0ABC 7 C
    | | |      |        | `- check character (mod 31 over positions 1-17)
    | | |      |        `--- organisation code check digit (GB 11714, mod 11)
    | | |      `------------ organisation code body (8 characters)
    | | `------------------- region code (6 digits, 3502xx for Xiamen)
    | `--------------------- organisation type
    `----------------------- registration authority (1-9, A, N, Y, ...)

``stdnum.cn.uscc`` checks only the last character and refuses letters in the
first position, so this module implements the standard itself.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "ALPHABET",
    "InvalidUSCC",
    "is_valid_uscc",
    "make_uscc",
    "normalise_uscc",
    "validate_uscc",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_NEVER_USED = frozenset("IOSVZ")

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_LENGTH = 18


class InvalidUSCC(ValueError):
    """The text is not a well-formed unified social credit code."""


def normalise_uscc(code: str) -> str:
    """Drop white space, fold full-width forms to ASCII and upper-case.

    >>> normalise_uscc(" ９１３５０２００ma2y0abc7c ")
    '91350200MA2Y0ABC7C'
    """
    folded = unicodedata.normalize("NFKC", code)
    return "".join(folded.split()).upper()


def validate_uscc(code: str) -> str:
    """Return the normalised ``code``, or raise :class:`InvalidUSCC` naming the problem.

    Checks, in order: length, characters, region code, the embedded
    organisation code's check digit (GB 11714) and the final check character.
    """
    normalised = normalise_uscc(code)
    if len(normalised) != _LENGTH:
        raise InvalidUSCC(f"must be {_LENGTH} characters, got {len(normalised)}")
    for position, char in enumerate(normalised, start=1):
        if char in _VALUES:
            continue
        if char in _NEVER_USED:
            raise InvalidUSCC(
                f"character {char!r} at position {position} is not allowed (I, O, S, V, Z are never used)"
            )
        raise InvalidUSCC(
            f"character {char!r} at position {position} is not allowed "
            "(only digits and upper-case letters other than I, O, S, V, Z)"
        )
    if not normalised[2:8].isdigit():
        raise InvalidUSCC(f"region code must be 6 digits, got {normalised[2:8]!r}")
    org_expected = _org_check_digit(normalised[8:16])
    if normalised[16] != org_expected:
        raise InvalidUSCC(f"organisation code check digit is {normalised[16]!r}, expected {org_expected!r}")
    expected = _check_character(normalised[:17])
    if normalised[17] != expected:
        raise InvalidUSCC(f"check character is {normalised[17]!r}, expected {expected!r} — probably a typo")
    return normalised


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` is a valid unified social credit code (after normalisation)."""
    try:
        validate_uscc(code)
    except InvalidUSCC:
        return False
    return True


def make_uscc(authority: str, org_type: str, region: str, org_body8: str) -> str:
    """Build a valid code from its parts, computing both check characters.

    >>> make_uscc("9", "1", "350200", "MA2Y0ABC")
    '91350200MA2Y0ABC7C'
    """
    authority, org_type = normalise_uscc(authority), normalise_uscc(org_type)
    region, org_body8 = normalise_uscc(region), normalise_uscc(org_body8)
    if len(authority) != 1 or len(org_type) != 1:
        raise InvalidUSCC("authority and organisation type must be one character each")
    if len(region) != 6 or not region.isdigit():
        raise InvalidUSCC(f"region code must be 6 digits, got {region!r}")
    if len(org_body8) != 8:
        raise InvalidUSCC(f"organisation code body must be 8 characters, got {len(org_body8)}")
    head = authority + org_type + region + org_body8
    for position, char in enumerate(head, start=1):
        if char not in _VALUES:
            raise InvalidUSCC(f"character {char!r} at position {position} is not allowed")
    first17 = head + _org_check_digit(org_body8)
    return first17 + _check_character(first17)


def _org_check_digit(body: str) -> str:
    """GB 11714 check digit of an 8-character organisation code body."""
    total = sum(_org_value(char) * weight for char, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - 55


def _check_character(first17: str) -> str:
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]
