"""Candidate scoring: how well one talent fits one job, from 0 to 100, explained.

The model
---------
Seven components each give a similarity in ``0..1`` and carry a weight of
:data:`WEIGHTS` (they sum to 100).  The share of the job's required skills the
talent covers, ``C``, both scores and *gates* the rest::

    score = round(50 * C + C * sum(WEIGHTS[c] * similarity[c] for the six other components), 2)
          = round(C * (50 + sum(...)), 2)

so a talent covering none of the required skills scores 0 and is left out,
and the points a talent gets for degree, field, languages, experience,
location and preferred skills are worth only as much as the skills they come
with: covering one of five required skills caps a score at 20, covering all
of them at 100.  A score therefore means the same for every job: about 80 is
a strong match (all or nearly all required skills and most of the rest),
50 covers half the essentials, below 30 is a weak candidate.

A component the job does not ask for is *neutral* (:data:`NEUTRAL`, 0.5), not
perfect: a job that asks for nothing scores 25 + 0.5 * 25 = 37.5 for
everyone, and a job asking for no required skill has a gate of 0.5, so it can
never outrank a job whose essentials a talent covers.

``required_skills`` (50)
    ``C``: mean, over the job's required skills, of the best
    :func:`~matching.vocabulary.skill_similarity` among the talent's skills
    (0 below :data:`SKILL_MATCH_THRESHOLD`, where the skill is *missing*).
``preferred_skills`` (10)
    The same over the preferred skills.
``degree`` (10)
    ``1`` when the talent's highest degree reaches the job's minimum, ``0.5``
    one level below, otherwise ``0`` (also with no degree on record).
``field_of_study`` (10)
    Best similarity between any talent field and any job field: rapidfuzz
    ``token_set_ratio`` / 100 of the normalised texts, or the semantic
    similarity of the two (:mod:`matching.semantic`) when larger and the
    vocabulary has a semantic space; ``0`` below
    :data:`~matching.vocabulary.SIMILARITY_FLOOR`.
``languages`` (8)
    Mean over the job's languages of ``1`` when the talent's level reaches the
    required one, ``0.5`` one level below, otherwise ``0``.
``experience`` (8)
    ``min(1, years / minimum years)``.
``location`` (4)
    ``1`` when the city is the talent's current or a wished city, otherwise
    ``0``.  Cities compare by normalised text or by toneless pinyin without
    spaces, and a trailing 市 / "city" is ignored, so ``"Xiamen"`` meets
    ``"厦门市"``.

Each :class:`ComponentScore` carries its ``scale`` (``C`` for the six gated
components, ``1`` for ``required_skills``), so ``contribution = weight *
similarity * scale`` and the contributions sum to the score.

A job may mark components as hard (``JobProfile.hard``): a talent who fails
one is not eligible and is left out of rankings.  Failing means: a missing
required skill, a degree below the minimum, fewer years than the minimum, a
language below its level, no field of study above the floor, or an unmatched
city.  A talent covering none of a job's required skills fails
``required_skills`` whether it is hard or not.

Recommendations
---------------
:func:`rank_jobs` ranks jobs for one talent with the same model and adds the
talent's own wishes: ``industry`` (weight :data:`INDUSTRY_WEIGHT` = 5;
1 when the job's industry chain is one the talent wishes, 0 when the talent
wishes others, neutral when either side names none) and, given
``employer_verified``, ``employer_credit`` (weight
:data:`EMPLOYER_CREDIT_WEIGHT` = 5, 1 for a credit-verified employer).  The
seven weights above are scaled so all still sum to 100; the added components
are gated by ``C`` like the others.

Ranking works in two passes: the component similarities of every pair come
from NumPy arrays (one :func:`rapidfuzz.process.cdist` per ranking for skills
and one for fields), then only the results returned are explained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from matching.normalise import normalize_text, to_pinyin
from matching.profiles import HARD_REQUIREMENTS, Degree, JobProfile, LanguageLevel, TalentProfile
from matching.semantic import SemanticSpace, semantic_similarity
from matching.vocabulary import SIMILARITY_FLOOR, SkillVocabulary, similarity_matrix

__all__ = [
    "EMPLOYER_CREDIT_WEIGHT",
    "INDUSTRY_WEIGHT",
    "NEUTRAL",
    "SKILL_MATCH_THRESHOLD",
    "WEIGHTS",
    "ComponentScore",
    "MatchResult",
    "SkillMatch",
    "rank_candidates",
    "rank_jobs",
    "score_candidate",
]

WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "required_skills": 50.0,
        "preferred_skills": 10.0,
        "degree": 10.0,
        "field_of_study": 10.0,
        "languages": 8.0,
        "experience": 8.0,
        "location": 4.0,
    }
)
# The similarity of a component the job does not ask for (and the gate of a job asking for no required skill).
NEUTRAL = 0.5
# Points a credit-verified employer's job gets in rank_jobs when employer credit is given.
EMPLOYER_CREDIT_WEIGHT = 5.0
# Points a job of an industry the talent wishes gets in rank_jobs.
INDUSTRY_WEIGHT = 5.0
# A job skill counts as matched when some talent skill is at least this similar.
SKILL_MATCH_THRESHOLD = SIMILARITY_FLOOR
# Credit for a degree or language exactly one level below the requirement.
_ONE_LEVEL_BELOW = 0.5

_DEGREE_NAMES = {
    Degree.BACHELOR: "Bachelor",
    Degree.MASTER: "Master",
    Degree.PHD: "PhD",
    Degree.POSTDOC: "Postdoc",
}
_CITY_SUFFIXES = ("市", " city")
_COMPONENTS = tuple(WEIGHTS)
_WEIGHT_VECTOR = np.array([WEIGHTS[name] for name in _COMPONENTS], dtype=np.float64)
(_REQUIRED, _PREFERRED, _DEGREE, _FIELD, _LANGUAGES, _EXPERIENCE, _LOCATION) = range(len(_COMPONENTS))
# Profile views are cached so that ranking the same pool against many jobs prepares each profile once.
_VIEW_CACHE_SIZE = 16384

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.int64]
_Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ComponentScore:
    """One weighted part of a score.

    ``contribution`` is ``weight * similarity * scale``, where ``scale`` is the
    required-skill coverage that gates the component (``1`` for
    ``required_skills`` itself); ``detail`` says why in a sentence.
    """

    component: str
    weight: float
    similarity: float
    contribution: float
    detail: str
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """A job skill (``required``) and the talent skill that best meets it."""

    required: str
    offered: str
    similarity: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The explained fit of one talent for one job.

    ``matched_skills`` covers required and preferred skills that matched;
    ``missing_skills`` lists the required ones that did not; ``failed_hard``
    names the hard requirements the talent fails.
    """

    talent_id: int
    job_id: int
    score: float
    components: tuple[ComponentScore, ...]
    matched_skills: tuple[SkillMatch, ...]
    missing_skills: tuple[str, ...]
    failed_hard: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        """Whether the talent meets every hard requirement of the job."""
        return not self.failed_hard


@dataclass(frozen=True, slots=True)
class _TalentView:
    profile: TalentProfile
    skills: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    languages: Mapping[str, int]
    cities: frozenset[str]


@dataclass(frozen=True, slots=True)
class _JobView:
    profile: JobProfile
    required: tuple[str, ...]
    preferred: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    languages: tuple[tuple[str, int], ...]
    city: frozenset[str]
    hard: _Bools


def score_candidate(job: JobProfile, talent: TalentProfile, vocabulary: SkillVocabulary) -> MatchResult:
    """Score and explain how well ``talent`` fits ``job``.

    Parameters
    ----------
    job, talent
        The two profiles.
    vocabulary
        Resolves skill texts to canonical skills.

    Returns
    -------
    MatchResult
        The score (0..100), its components, the skill matches and the hard
        requirements failed (the result is returned even when not eligible).

    Raises
    ------
    ValueError
        When ``job.hard`` names something outside
        :data:`~matching.profiles.HARD_REQUIREMENTS`.
    """
    job_view = _job_view(job, vocabulary)
    pool = _Pool([_talent_view(talent, vocabulary)], [job_view], vocabulary)
    return pool.explain(job_view, 0, pool.assess(job_view))


def rank_candidates(
    job: JobProfile,
    talents: Iterable[TalentProfile],
    vocabulary: SkillVocabulary,
    *,
    limit: int | None = None,
    include_ineligible: bool = False,
) -> list[MatchResult]:
    """The eligible talents for ``job``, best first.

    Sorted by score descending, then talent id ascending; at most ``limit``
    results.  Only the results returned are explained, so a small ``limit``
    is cheap even over a large pool.  With ``include_ineligible`` every
    talent is returned: the ineligible ones after all the eligible ones, in
    the same order among themselves (their ``failed_hard`` says why).
    """
    job_view = _job_view(job, vocabulary)
    pool = _Pool([_talent_view(talent, vocabulary) for talent in talents], [job_view], vocabulary)
    assessment = pool.assess(job_view)
    scores, ids = assessment.scores.tolist(), [view.profile.id for view in pool.talents]
    eligible = assessment.eligible.tolist()
    kept = range(len(ids)) if include_ineligible else np.flatnonzero(assessment.eligible).tolist()
    order = sorted(kept, key=lambda t: (not eligible[t], -scores[t], ids[t]))
    return [pool.explain(job_view, t, assessment) for t in order[: _cut(limit, len(order))]]


def rank_jobs(
    talent: TalentProfile,
    jobs: Iterable[JobProfile],
    vocabulary: SkillVocabulary,
    *,
    limit: int | None = None,
    employer_verified: Mapping[int, bool] | None = None,
) -> list[MatchResult]:
    """The jobs ``talent`` is eligible for, best first.

    The model of :func:`rank_candidates` plus the talent's wished industries
    (the ``industry`` component) and, given ``employer_verified`` (job id ->
    whether its employer is credit-verified; missing ids count as not
    verified), the ``employer_credit`` component; see the module docstring.
    Sorted by score descending, then job id ascending; at most ``limit``
    results.
    """
    job_views = [_job_view(job, vocabulary) for job in jobs]
    pool = _Pool([_talent_view(talent, vocabulary)], job_views, vocabulary)
    extra = INDUSTRY_WEIGHT + (EMPLOYER_CREDIT_WEIGHT if employer_verified is not None else 0.0)
    scale = (100.0 - extra) / 100.0
    wished = frozenset(talent.wished_industries)
    ranked = []
    for index, view in enumerate(job_views):
        assessment = pool.assess(view)
        if not assessment.eligible[0]:
            continue
        added = [("industry", INDUSTRY_WEIGHT, _industry_similarity(view.profile.industry, wished))]
        if employer_verified is not None:
            verified = bool(employer_verified.get(view.profile.id, False))
            added.append(("employer_credit", EMPLOYER_CREDIT_WEIGHT, 1.0 if verified else 0.0))
        gate = float(assessment.similarities[_REQUIRED, 0])
        others = _row_sum(assessment.similarities[1:, 0:1] * _WEIGHT_VECTOR[1:, None])[0]
        gated = scale * others + sum(weight * similarity for _, weight, similarity in added)
        score = round(min(max(float(scale * _WEIGHT_VECTOR[_REQUIRED] * gate + gate * gated), 0.0), 100.0), 2)
        ranked.append((-score, view.profile.id, index, added))
    ranked.sort(key=itemgetter(0, 1))
    results = []
    for negative, _, index, added in ranked[: _cut(limit, len(ranked))]:
        view = job_views[index]
        result = pool.explain(view, 0, pool.assess(view))
        components = tuple(
            replace(c, weight=c.weight * scale, contribution=c.contribution * scale) for c in result.components
        )
        gate = components[_REQUIRED].similarity
        components += tuple(
            ComponentScore(
                name, weight, similarity, weight * similarity * gate, _added_detail(name, similarity, view), gate
            )
            for name, weight, similarity in added
        )
        results.append(replace(result, score=-negative, components=components))
    return results


def _industry_similarity(industry: str | None, wished: frozenset[str]) -> float:
    if not industry or not wished:
        return NEUTRAL
    return 1.0 if industry in wished else 0.0


def _added_detail(name: str, similarity: float, job: _JobView) -> str:
    if name == "employer_credit":
        return "Employer is credit-verified" if similarity else "Employer is not credit-verified"
    if similarity == NEUTRAL:
        return "No industry named on one side (neutral)"
    verb = "is" if similarity else "is not"
    return f"Industry {job.profile.industry} {verb} one the talent wishes"


def _cut(limit: int | None, available: int) -> int:
    return available if limit is None else max(0, min(limit, available))


class _BestGrid:
    """Similarities of wanted texts against the texts each holder offers.

    ``best`` has one row per distinct wanted text and one column per holder:
    the best similarity among that holder's texts (``0`` for a holder with none).
    """

    __slots__ = ("_columns", "_lists", "_matrix", "_rows", "best")

    def __init__(
        self,
        wanted: Iterable[str],
        holders: Sequence[Sequence[str]],
        similarity: Callable[[list[str], list[str]], _Floats],
    ) -> None:
        self._rows = {key: index for index, key in enumerate(dict.fromkeys(wanted))}
        self._columns = {key: index for index, key in enumerate(dict.fromkeys(k for h in holders for k in h))}
        rows, columns = list(self._rows), list(self._columns)
        matrix = similarity(rows, columns) if rows and columns else np.zeros((len(rows), len(columns)))
        # A last all-zero column stands for "nothing offered", so no holder's segment is empty.
        self._matrix: _Floats = np.hstack([matrix, np.zeros((len(rows), 1))])
        self._lists: list[list[float]] | None = None
        sentinel = len(columns)
        flat: list[int] = []
        starts: list[int] = []
        for holder in holders:
            starts.append(len(flat))
            flat.append(sentinel)
            flat.extend(self._columns[key] for key in holder)
        self.best: _Floats = (
            np.maximum.reduceat(self._matrix[:, flat], starts, axis=1)
            if rows and holders
            else np.zeros((len(rows), len(holders)))
        )

    def rows_of(self, keys: Iterable[str]) -> list[int]:
        return [self._rows[key] for key in keys]

    def best_offers(self, wanted: Sequence[str], offered: Sequence[str]) -> list[tuple[int, float]]:
        """For each wanted text, the index in ``offered`` of its most similar text (first on ties,
        ``-1`` when none is above 0) and that similarity."""
        if self._lists is None:
            self._lists = self._matrix.tolist()
        columns = [self._columns[key] for key in offered]
        offers: list[tuple[int, float]] = []
        for key in wanted:
            row = self._lists[self._rows[key]]
            scores = [row[column] for column in columns]
            best = max(scores, default=0.0)
            offers.append((scores.index(best) if best > 0 else -1, best))
        return offers


class _Assessment(NamedTuple):
    """Every component of one job for every talent of a pool, as arrays (component, talent)."""

    similarities: _Floats
    scores: _Floats
    failed: _Bools
    eligible: _Bools
    required_hits: _Ints
    preferred_hits: _Ints
    languages_met: _Ints


class _Pool:
    """Talents and jobs prepared together so their fuzzy comparisons run in bulk."""

    __slots__ = ("_fields", "_levels", "_skills", "cities", "degrees", "talents", "years")

    def __init__(self, talents: Sequence[_TalentView], jobs: Sequence[_JobView], vocabulary: SkillVocabulary) -> None:
        self.talents = talents

        def skill_matrix(wanted: list[str], offered: list[str]) -> _Floats:
            return similarity_matrix(list(map(vocabulary.prepare, wanted)), list(map(vocabulary.prepare, offered)))

        self._skills = _BestGrid(
            (skill for job in jobs for skill in job.required + job.preferred),
            [talent.skills for talent in talents],
            skill_matrix,
        )
        self._fields = _BestGrid(
            (key for job in jobs for _, key in job.fields),
            [[key for _, key in talent.fields] for talent in talents],
            lambda wanted, offered: _field_matrix(wanted, offered, vocabulary.semantic),
        )
        self.degrees: _Ints = np.array([int(t.profile.highest_degree or 0) for t in talents], dtype=np.int64)
        self.years: _Floats = np.array([max(t.profile.years_experience, 0.0) for t in talents], dtype=np.float64)
        self.cities = [talent.cities for talent in talents]
        self._levels: dict[str, _Ints] = {}

    def levels(self, language: str) -> _Ints:
        """Each talent's level in ``language`` (0 when not spoken)."""
        if language not in self._levels:
            self._levels[language] = np.array([t.languages.get(language, 0) for t in self.talents], dtype=np.int64)
        return self._levels[language]

    def assess(self, job: _JobView) -> _Assessment:
        return assess(
            job,
            self._skills.best[self._skills.rows_of(job.required)],
            self._skills.best[self._skills.rows_of(job.preferred)],
            self.degrees,
            self.years,
            self.levels,
            lambda: np.fromiter((not job.city.isdisjoint(c) for c in self.cities), np.bool_, len(self.talents)),
            lambda: self._fields.best[self._fields.rows_of(key for _, key in job.fields)].max(axis=0),
        )

    def explain(self, job: _JobView, index: int, assessment: _Assessment) -> MatchResult:
        """The full :class:`MatchResult` of talent ``index`` for ``job``."""
        talent = self.talents[index]
        similarities = assessment.similarities[:, index].tolist()
        matched: list[SkillMatch] = []
        missing: list[str] = []
        wanted = job.required + job.preferred
        for position, (want, (offered, similarity)) in enumerate(
            zip(wanted, self._skills.best_offers(wanted, talent.skills), strict=True)
        ):
            if similarity >= SKILL_MATCH_THRESHOLD:
                matched.append(SkillMatch(want, talent.skills[offered], similarity))
            elif position < len(job.required):
                missing.append(want)
        details = (
            _required_detail(int(assessment.required_hits[index]), len(job.required)),
            _skills_detail("preferred", int(assessment.preferred_hits[index]), len(job.preferred)),
            _degree_detail(job.profile.min_degree, talent.profile.highest_degree),
            self._field_detail(job, talent, similarities[_FIELD]),
            _languages_detail(job, talent),
            _experience_detail(talent.profile.years_experience, job.profile.min_years_experience),
            _location_detail(job.profile.city, similarities[_LOCATION]),
        )
        gate = similarities[_REQUIRED]
        components = tuple(
            ComponentScore(name, WEIGHTS[name], similarity, WEIGHTS[name] * similarity * scale, detail, scale)
            for name, similarity, detail, scale in zip(
                _COMPONENTS, similarities, details, (1.0, *[gate] * (len(_COMPONENTS) - 1)), strict=True
            )
        )
        return MatchResult(
            talent_id=talent.profile.id,
            job_id=job.profile.id,
            score=float(assessment.scores[index]),
            components=components,
            matched_skills=tuple(matched),
            missing_skills=tuple(missing),
            failed_hard=tuple(n for n, f in zip(_COMPONENTS, assessment.failed[:, index], strict=True) if f),
        )

    def _field_detail(self, job: _JobView, talent: _TalentView, similarity: float) -> str:
        if not job.fields:
            return "No field of study asked for (neutral)"
        if similarity < SIMILARITY_FLOOR:
            return "No field of study close to " + ", ".join(text for text, _ in job.fields)
        offers = self._fields.best_offers([k for _, k in job.fields], [k for _, k in talent.fields])
        i = max(range(len(offers)), key=lambda index: offers[index][1])
        return f"{talent.fields[offers[i][0]][0]} matches {job.fields[i][0]} ({similarity:.0%})"


def assess(
    job: _JobView,
    required: _Floats,
    preferred: _Floats,
    degrees: _Ints,
    years: _Floats,
    levels: Callable[[str], _Ints],
    located: Callable[[], _Bools],
    field_best: Callable[[], _Floats],
) -> _Assessment:
    """Every component of ``job`` for a set of talents, from per-talent arrays.

    ``required`` and ``preferred`` hold, per job skill (rows, in the job's
    order) and talent (columns), the best similarity among the talent's
    skills; ``levels(language)`` gives each talent's level, ``located()``
    whether each talent lives in or wishes the job's city, ``field_best()``
    each talent's best field-of-study similarity (the last two are called only
    when the job names a city or fields).  Every reduction runs element by
    element in a fixed order, so a talent's score does not depend on which
    other talents are assessed with it: the exhaustive pool and the
    :class:`~matching.candidates.CandidateIndex` agree to the last bit.
    """
    count = len(degrees)
    similarities = np.full((len(_COMPONENTS), count), NEUTRAL)
    failed = np.zeros((len(_COMPONENTS), count), dtype=np.bool_)
    hits: list[_Ints] = []
    for index, best in ((_REQUIRED, required), (_PREFERRED, preferred)):
        hits.append((best >= SKILL_MATCH_THRESHOLD).sum(axis=0))
        if len(best):
            similarities[index] = _row_sum(best) / len(best)
    failed[_REQUIRED] = hits[0] < len(required)

    minimum = job.profile.min_degree
    if minimum is not None:
        gap = int(minimum) - degrees
        similarities[_DEGREE] = np.where(gap <= 0, 1.0, np.where((gap == 1) & (degrees > 0), _ONE_LEVEL_BELOW, 0.0))
        failed[_DEGREE] = gap > 0

    if job.fields:
        best_field = field_best()
        similarities[_FIELD] = best_field
        failed[_FIELD] = best_field < SIMILARITY_FLOOR

    met = np.zeros(count, dtype=np.int64)
    if job.languages:
        credit = np.zeros(count)
        for language, level in job.languages:
            held = levels(language)
            credit += np.where(held >= level, 1.0, np.where((level - held == 1) & (held > 0), _ONE_LEVEL_BELOW, 0.0))
            met += held >= level
        similarities[_LANGUAGES] = credit / len(job.languages)
        failed[_LANGUAGES] = met < len(job.languages)

    minimum_years = job.profile.min_years_experience
    if minimum_years > 0:
        # A tiny minimum overflows to inf, which the cap turns into full credit as intended.
        with np.errstate(over="ignore"):
            similarities[_EXPERIENCE] = np.minimum(1.0, years / minimum_years)
        failed[_EXPERIENCE] = years < minimum_years

    if job.city:
        is_located = located()
        similarities[_LOCATION] = is_located
        failed[_LOCATION] = ~is_located

    failed &= job.hard[:, None]
    if len(required):
        # Covering none of the required skills leaves a talent out, hard or not.
        failed[_REQUIRED] |= hits[0] == 0
    gate = similarities[_REQUIRED]
    gated = _row_sum(similarities[1:] * _WEIGHT_VECTOR[1:, None])
    scores = np.clip(np.round(gate * (_WEIGHT_VECTOR[_REQUIRED] + gated), 2), 0.0, 100.0)
    eligible: _Bools = ~np.any(failed, axis=0)
    return _Assessment(similarities, scores, failed, eligible, hits[0], hits[1], met)


def _row_sum(rows: _Floats) -> _Floats:
    """The sum of ``rows`` added one row after another (no pairwise or BLAS reordering)."""
    total = rows[0].copy()
    for row in rows[1:]:
        total += row
    return total


def _required_detail(hits: int, listed: int) -> str:
    if not listed:
        return "No required skills listed (neutral); the other components count at half"
    if not hits:
        return f"None of the {listed} required skills matched"
    return f"{hits} of {listed} required skills matched; their coverage scales the other components"


def _skills_detail(kind: str, hits: int, listed: int) -> str:
    return f"{hits} of {listed} {kind} skills matched" if listed else f"No {kind} skills listed (neutral)"


def _degree_detail(minimum: Degree | None, held: Degree | None) -> str:
    if minimum is None:
        return "No minimum degree (neutral)"
    if held is None:
        return f"No degree on record; minimum {_DEGREE_NAMES[minimum]}"
    verb = "meets" if held >= minimum else "is below"
    return f"{_DEGREE_NAMES[held]} {verb} minimum {_DEGREE_NAMES[minimum]}"


def _languages_detail(job: _JobView, talent: _TalentView) -> str:
    if not job.languages:
        return "No language requirement (neutral)"
    parts = []
    for language, level in job.languages:
        held = talent.languages.get(language, 0)
        needed = LanguageLevel(level).name.lower()
        if held >= level:
            parts.append(f"{language} {needed} met")
        elif held:
            parts.append(f"{language} {needed} not met ({LanguageLevel(held).name.lower()})")
        else:
            parts.append(f"{language} {needed} not met (not spoken)")
    met = sum(talent.languages.get(language, 0) >= level for language, level in job.languages)
    return f"{met} of {len(job.languages)} language levels met: " + ", ".join(parts)


def _experience_detail(years: float, minimum: float) -> str:
    if minimum <= 0:
        return "No minimum experience (neutral)"
    years = max(years, 0.0)
    verb = "meets" if years >= minimum else "falls short of"
    return f"{years:g} {'year' if years == 1 else 'years'} {verb} minimum {minimum:g}"


def _location_detail(city: str | None, similarity: float) -> str:
    if not city:
        return "Any city (neutral)"
    if similarity >= 1.0:
        return f"Lives in or wishes to work in {city}"
    return f"Neither lives in nor wishes to work in {city}"


@lru_cache(maxsize=_VIEW_CACHE_SIZE)
def _talent_view(talent: TalentProfile, vocabulary: SkillVocabulary) -> _TalentView:
    languages: dict[str, int] = {}
    for spoken in talent.languages:
        code = normalize_text(spoken.language)
        languages[code] = max(int(spoken.level), languages.get(code, 0))
    cities = (talent.current_city, *talent.wished_cities) if talent.current_city else talent.wished_cities
    return _TalentView(
        profile=talent,
        skills=talent.skills,
        fields=_texts(talent.fields_of_study),
        languages=languages,
        cities=frozenset(key for city in cities for key in _city_keys(city)),
    )


@lru_cache(maxsize=_VIEW_CACHE_SIZE)
def _job_view(job: JobProfile, vocabulary: SkillVocabulary) -> _JobView:
    unknown = job.hard - HARD_REQUIREMENTS
    if unknown:
        raise ValueError(f"job {job.id} marks unknown hard requirements: {sorted(unknown)}")
    return _JobView(
        profile=job,
        required=job.required_skills,
        preferred=job.preferred_skills,
        fields=_texts(job.fields_of_study),
        languages=tuple((normalize_text(lang.language), int(lang.level)) for lang in job.languages),
        city=_city_keys(job.city) if job.city else frozenset(),
        hard=np.array([name in job.hard for name in _COMPONENTS], dtype=np.bool_),
    )


def _texts(texts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each non-blank text with its normalised form."""
    return tuple((text, normalize_text(text)) for text in texts if normalize_text(text))


@lru_cache(maxsize=4096)
def _city_keys(city: str) -> frozenset[str]:
    """Forms under which a city matches: normalised text and spaceless pinyin."""
    name = normalize_text(city)
    for suffix in _CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)].strip()
    return frozenset(filter(None, (name, to_pinyin(name).replace(" ", ""))))


def _field_matrix(wanted: list[str], offered: list[str], semantic: SemanticSpace | None) -> _Floats:
    """token_set_ratio / 100 of every pair of normalised fields, 0 below the floor; with a semantic space, the
    larger of that and :func:`~matching.semantic.semantic_similarity` (fields are never vocabulary skills)."""
    ratios: _Floats = process.cdist(
        wanted, offered, scorer=fuzz.token_set_ratio, score_cutoff=SIMILARITY_FLOOR * 100, dtype=np.float64
    )
    similarities: _Floats = ratios / 100
    if semantic is None:
        return similarities
    return np.maximum(similarities, semantic_similarity(semantic.matrix(wanted), semantic.matrix(offered)))
