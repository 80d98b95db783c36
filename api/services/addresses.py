"""E-mail addresses as Guilu stores and compares them: one normal form for accounts, profiles and invitations,
and a skeleton under which look-alike addresses match."""

from __future__ import annotations

import re
import unicodedata

import idna

from api.services.errors import ServiceError
from api.services.validation import required_text

__all__ = ["email_skeleton", "normalise_email"]

_MAX_EMAIL = 254
_MAX_LOCAL_PART = 64
# RFC 5322 dot-atom of printable ASCII, less "&" (with < > and ", refused as markup before).
_LOCAL_PART = re.compile(r"[a-z0-9!#$%'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%'*+/=?^_`{|}~-]+)*")
_LDH_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_MARKUP = frozenset('<>&"')
# Control, format (zero-width, bidi), surrogate, private-use and unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Letters of other scripts that a reader takes for Latin ones (after lower-casing; from Unicode's confusables.txt):
# Cyrillic, Greek, and the Latin letters that stand in for ASCII ones.
_LATIN_LOOK_ALIKES = str.maketrans(
    "аеорсухкіјѕһԁԛԝӏьαορνικυχϲηωɑıɡ",
    "aeopcyxkijshdqwlbaopvikuxcnwaig",
)


def normalise_email(email: str | None) -> str:
    """``email`` as stored: NFKC, trimmed and lower-cased, its domain in ASCII (IDNA A-labels); refused
    (``INVALID``, field ``email``) when it is not an address.

    Refused: control, format and invisible characters (NUL, zero-width, bidi overrides, soft hyphens),
    whitespace inside, ``< > & "``; a local part other than an RFC 5322 dot-atom of printable ASCII (so no
    quoted local parts) or longer than 64 characters; a domain of fewer than two labels, or with a label
    that is neither LDH (letters, digits, inner hyphens; 63 characters at most) nor IDNA 2008.
    """
    text = unicodedata.normalize("NFKC", required_text(email, "email", max_length=254)).lower()
    if any(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in text):
        raise _bad_email("it contains a control, format or invisible character")
    if any(char.isspace() for char in text):
        raise _bad_email("it contains a space")
    if any(char in _MARKUP for char in text):
        raise _bad_email('it contains <, >, & or "')
    local, at, domain = text.rpartition("@")
    if not at or not _LOCAL_PART.fullmatch(local) or len(local) > _MAX_LOCAL_PART:
        raise _bad_email(
            "it must read name@domain, the name (64 characters at most) of ASCII letters, digits and "
            "! # $ % ' * + - / = ? ^ _ ` { | } ~, with single dots between them"
        )
    address = f"{local}@{_ascii_domain(domain)}"
    if len(address) > _MAX_EMAIL:
        raise _bad_email(f"it is longer than {_MAX_EMAIL} characters")
    return address


def _bad_email(reason: str) -> ServiceError:
    return ServiceError(f"email is not a valid e-mail address: {reason}", field="email")


def _ascii_domain(domain: str) -> str:
    """``domain`` in A-labels; refused unless it has two labels or more, each LDH or IDNA 2008."""
    labels = domain.split(".")
    if len(labels) < 2:
        raise _bad_email("its domain must have a dot, as in example.com")
    try:
        ascii_labels = [label if label.isascii() else idna.alabel(label).decode() for label in labels]
        for label in ascii_labels:
            if not _LDH_LABEL.fullmatch(label):
                raise idna.IDNAError(label)
            if label.startswith("xn--"):
                idna.ulabel(label)  # an A-label typed as such must decode
    except (idna.IDNAError, UnicodeError):
        raise _bad_email("its domain is not a valid domain name") from None
    return ".".join(ascii_labels)


def email_skeleton(address: str) -> str:
    """What ``address`` (as :func:`normalise_email` stores it) looks like: its domain in Unicode, with Cyrillic
    and Greek letters that look Latin replaced by those, so two addresses a reader cannot tell apart match."""
    local, _, domain = address.rpartition("@")
    try:
        shown = idna.decode(domain)
    except (idna.IDNAError, UnicodeError):
        shown = domain
    return f"{local}@{shown}".translate(_LATIN_LOOK_ALIKES)
