"""Checks shared by every service's input: control characters, text lengths, enum values, year ranges."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from api.models.enums import LanguageLevelName
from api.services.errors import ErrorCode, ServiceError

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "LanguageData",
    "clean_languages",
    "clean_list",
    "control_character",
    "control_character_message",
    "enum_value",
    "in_calendar_range",
    "optional_text",
    "refuse_control_characters",
    "required_text",
]

# No input holds a control character (C0, DEL, C1) but tab, line feed and carriage return, which multi-line text
# (summaries, descriptions, imported files) needs: a NUL is refused by PostgreSQL and truncates text in C code, the
# others hide or reorder what a reader sees.
# Dates and date-times given as input (deadlines, campaign and job dates, repairs, contracts) lie in these years:
# year 1 or 9999 is a typing slip, and a deadline in 9999 never passes.
MIN_YEAR = 2000
MAX_YEAR = 2100
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character of ``text`` that no input may hold, or None."""
    found = _CONTROL_CHARACTER.search(text)
    return found.group() if found else None


def control_character_message(place: str, character: str) -> str:
    """The refusal of a control character found in ``place`` (an argument, a variable, a parameter)."""
    return (
        f"{place} contains a control character (U+{ord(character):04X}); text may hold tab, line feed and carriage "
        "return, no other control character"
    )


def in_calendar_range(year: int) -> bool:
    """Whether a date of ``year`` may be given as input (:data:`MIN_YEAR` .. :data:`MAX_YEAR`)."""
    return MIN_YEAR <= year <= MAX_YEAR


def refuse_control_characters(text: str, field: str) -> None:
    """Refuse ``text`` (of ``field``) when it holds a control character other than tab, line feed, carriage return."""
    character = control_character(text)
    if character is not None:
        raise ServiceError(control_character_message(field, character), field=field)


def required_text(value: str | None, field: str, *, max_length: int) -> str:
    """``value`` stripped; refused when blank or longer than ``max_length``."""
    text = (value or "").strip()
    if not text:
        raise ServiceError(f"{field} must not be empty", field=field)
    if len(text) > max_length:
        raise ServiceError(f"{field} is longer than {max_length} characters", field=field)
    return text


def optional_text(value: str | None, field: str, *, max_length: int) -> str | None:
    """``value`` stripped, None when blank; refused when longer than ``max_length``."""
    if value is None or not value.strip():
        return None
    return required_text(value, field, max_length=max_length)


def clean_list(values: Iterable[str] | None, field: str, *, max_items: int, max_length: int) -> list[str]:
    """Non-blank, stripped, de-duplicated (first occurrence wins) items of ``values``."""
    kept: list[str] = []
    keys: set[str] = set()
    for value in values or ():
        text = required_text(value, field, max_length=max_length)
        if text.casefold() not in keys:
            keys.add(text.casefold())
            kept.append(text)
    if len(kept) > max_items:
        raise ServiceError(f"{field} has more than {max_items} items", field=field)
    return kept


def enum_value(value: str, enum: type[StrEnum], field: str) -> str:
    """``value`` if it is one of ``enum``'s values, else a clear refusal."""
    try:
        return enum(value).value
    except ValueError:
        allowed = ", ".join(v.value for v in enum)
        raise ServiceError(f"{field} must be one of {allowed}", field=field, code=ErrorCode.INVALID) from None


@dataclass(slots=True)
class LanguageData:
    """A language (ISO 639-1 code) and a level, as a talent offers or a job asks."""

    language: str
    level: str


def clean_languages(entries: Sequence[LanguageData], field: str = "languages") -> dict[str, str]:
    """Language code -> level, each language once, levels from :class:`LanguageLevelName`."""
    languages: dict[str, str] = {}
    if len(entries) > 20:
        raise ServiceError(f"{field} has more than 20 entries", field=field)
    for entry in entries:
        code = required_text(entry.language, f"{field}.language", max_length=8).lower()
        if not code.isascii() or not code.isalpha():
            raise ServiceError(f"{field}.language must be an ISO 639-1 code such as en or zh", field=field)
        if code in languages:
            raise ServiceError(f"language {code} is listed twice", field=field)
        languages[code] = enum_value(entry.level, LanguageLevelName, f"{field}.level")
    return languages
