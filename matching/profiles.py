"""The plain records the engine ranks: talents and jobs as the engine sees them.

The service converts its database rows into these frozen dataclasses; the
engine never sees an ORM object.  Free-text fields (skills, fields of study,
cities) are kept as the user typed them; the engine normalises them itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

__all__ = [
    "HARD_REQUIREMENTS",
    "Degree",
    "JobProfile",
    "LanguageLevel",
    "LanguageSkill",
    "TalentProfile",
]


class Degree(IntEnum):
    """Academic degrees in ascending order, so ``>=`` compares them."""

    BACHELOR = 1
    MASTER = 2
    PHD = 3
    POSTDOC = 4


class LanguageLevel(IntEnum):
    """Spoken and written command of a language, in ascending order."""

    BASIC = 1
    INTERMEDIATE = 2
    FLUENT = 3
    NATIVE = 4


@dataclass(frozen=True, slots=True)
class LanguageSkill:
    """A language (an ISO 639-1 code such as ``"en"`` or ``"zh"``) and a level."""

    language: str
    level: LanguageLevel


# The requirement kinds a job may mark as hard (a filter) instead of soft (a score).
HARD_REQUIREMENTS = frozenset({"required_skills", "degree", "field_of_study", "languages", "experience", "location"})


@dataclass(frozen=True, slots=True)
class TalentProfile:
    """What the engine knows about one talent."""

    id: int
    skills: tuple[str, ...] = ()
    highest_degree: Degree | None = None
    fields_of_study: tuple[str, ...] = ()
    languages: tuple[LanguageSkill, ...] = ()
    years_experience: float = 0.0
    current_city: str | None = None
    wished_cities: tuple[str, ...] = ()
    wished_industries: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JobProfile:
    """What the engine knows about one job.

    ``hard`` names the requirements that filter (members of
    :data:`HARD_REQUIREMENTS`); every other requirement only scores.
    ``industry`` is the job's industry chain code, compared with a talent's
    wished industries.
    """

    id: int
    required_skills: tuple[str, ...] = ()
    preferred_skills: tuple[str, ...] = ()
    min_degree: Degree | None = None
    fields_of_study: tuple[str, ...] = ()
    languages: tuple[LanguageSkill, ...] = ()
    min_years_experience: float = 0.0
    city: str | None = None
    industry: str | None = None
    hard: frozenset[str] = field(default_factory=frozenset)
