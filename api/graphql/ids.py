"""Opaque Relay global IDs: base64 of ``"<TypeName>:<primary key>"``."""

from __future__ import annotations

import base64
import binascii
import re

from api.graphql.errors import bad_input

__all__ = ["decode_global_id", "decode_id_of", "encode_global_id"]

MAX_ID_LENGTH = 200
# Primary keys are INTEGER columns; a larger key cannot exist, and PostgreSQL refuses to compare with it.
MAX_PRIMARY_KEY = 2**31 - 1
# The one spelling of a key: ASCII digits without sign, leading zero or separators (``int()`` also takes
# ``"١"``, ``"1_0"``, ``" 1"`` and ``"+1"``, which would make several IDs name one object).
_CANONICAL_KEY = re.compile(r"[1-9][0-9]*")


def encode_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_global_id(global_id: str) -> tuple[str, int]:
    """(type name, primary key) of a global ID; a ``BAD_USER_INPUT`` error when malformed."""
    if not global_id or len(global_id) > MAX_ID_LENGTH:
        raise bad_input("malformed ID")
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeError, ValueError):
        raise bad_input(f"malformed ID: {global_id!r}") from None
    if not type_name or _CANONICAL_KEY.fullmatch(pk) is None or int(pk) > MAX_PRIMARY_KEY:
        raise bad_input(f"malformed ID: {global_id!r}")
    return type_name, int(pk)


def decode_id_of(global_id: str, type_name: str) -> int:
    """The primary key of a global ID that must name ``type_name``."""
    actual, pk = decode_global_id(global_id)
    if actual != type_name:
        raise bad_input(f"ID {global_id!r} is not a {type_name} ID")
    return pk
