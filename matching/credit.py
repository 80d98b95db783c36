"""Enterprise credit rules, the explainable credit scorecard, and personal credit mutual recognition.

Public credit records
---------------------
Xiamen's public credit platform holds records of several kinds (:class:`RecordKind`).
Every kind follows one row of :data:`RULES`.  A record is *published* from its
``publicity_start``; it stops counting when its publicity ends by itself (after
``publicity_max``, or on an explicit ``publicity_end``) or when it is
*repaired* (信用修复), which may be recorded once ``publicity_min`` has passed.
Periods follow the national measures in force from 2026-04-01 as
``/work/shared/DOMAIN.md`` reads them; months count as 30 days and years as 365.

=========================  ==================  ====  =======  ==============  =============  =========  =====
kind                       中文                 sign  points   repair from     publicity max  half-life  block
=========================  ==================  ====  =======  ==============  =============  =========  =====
administrative_licence     行政许可             +1    +5 [1]   not repairable  none           3 years    no
penalty_minor              轻微行政处罚         -1    -20      any time        3 months       6 months   no
penalty_general            一般行政处罚         -1    -80      3 months        12 months      1 year     no
penalty_serious            严重行政处罚         -1    -250     1 year          3 years        2 years    no
dishonest_debtor           失信被执行人         -1    -400     any time [2]    2 years [2]    2 years    yes
serious_dishonesty         严重失信主体名单     -1    -500     1 year          3 years        3 years    yes
abnormal_operation         经营异常名录         -1    -120     any time        3 years        1 year     no
honour                     守信激励（红名单）   +1    +40      not repairable  3 years        2 years    no
tax_rating                 纳税信用等级         [3]   [3]      1 year [3]      1 year [3]     1 year     no
social_insurance_arrears   社保欠费             -1    -60      3 months        12 months      1 year     no
contract_performance       合同履约             [4]   [4]      3 months [4]    12 months      1 year     no
=========================  ==================  ====  =======  ==============  =============  =========  =====

[1] Licences together count at most :data:`LICENCE_POINTS_CAP` (+50), so a
    pile of licences cannot buy a level.
[2] Our reading: a dishonest judgment debtor may be repaired as soon as the
    obligation is fulfilled (the credit officer checks that); the listing ends
    by itself after 2 years, the courts' standard term.
[3] Points per rating in :data:`TAX_RATING_POINTS` (A +60, B +30, M 0, C -80,
    D -200).  A rating counts for one year from its publicity start, i.e. until
    the next yearly rating.  Only C and D ratings are repairable, after 12
    months without a new breach; with the default one-year term the rating has
    then already ended by itself, so repair matters when the officer enters a
    longer explicit ``publicity_end`` (a D rating kept for two years).
[4] Points per outcome in :data:`CONTRACT_OUTCOME_POINTS` (fulfilled +10,
    breached -60); only breaches are repairable.  For these two mixed kinds the
    rule's ``polarity`` and repair period describe the adverse form.

Scorecard
---------
Only *active* records count (:func:`record_status`).  Each contributes its base
points decayed by age, ``points * 0.5 ** (age_days / half_life_days)`` with the
age counted from its publicity start to ``as_of`` (never below 0, so a record
dated after ``as_of`` counts at full weight: pass the records known then)::

    score = round(clamp(BASE_SCORE + sum(contributions), *SCALE), 1)

on :data:`SCALE` 0-1000 from :data:`BASE_SCORE` 700 (no records: level B).
Levels follow :data:`LEVEL_THRESHOLDS`: A from 800, B from 650, C from 500,
D below.  Sums use :func:`math.fsum`, so the score is independent of the
order of the records.

A *credit-verified* employer (:func:`is_verified`) has a valid USCC, no active
record that blocks verification (dishonest debtor, serious dishonesty) and
level B or better.

Personal credit
---------------
The Egret score (白鹭分) has five dimensions (:data:`EGRET_DIMENSIONS`); we read
its scale as 350-950 (:data:`EGRET_SCALE`).  It is mutually recognised with
other cities' scores: :func:`map_to_home_scale` maps a score from a partner
city's scale onto Xiamen's by its relative position, so a founder from another
city is neither penalised nor favoured.  The partner scales in
:data:`CITY_SCALES` are our configuration, not official figures.

Example
-------
>>> from datetime import date
>>> penalty = CreditRecord(1, RecordKind.PENALTY_GENERAL, date(2025, 1, 10), date(2025, 1, 10))
>>> assessment = assess_credit([penalty], as_of=date(2025, 1, 10))
>>> assessment.score, assessment.level, assessment.reasons[0].code
(620.0, <CreditLevel.C: 'C'>, 'PENALTY_GENERAL')
>>> check_repair(penalty, date(2025, 2, 1))
'a general penalty can be repaired from 2025-04-10, 3 months after its publicity start'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

__all__ = [
    "BASE_SCORE",
    "CITY_NAMES",
    "CITY_SCALES",
    "CONTRACT_OUTCOME_POINTS",
    "EGRET_DIMENSIONS",
    "EGRET_SCALE",
    "HOME_CITY",
    "LEVEL_THRESHOLDS",
    "LICENCE_POINTS_CAP",
    "RULES",
    "SCALE",
    "TAX_RATING_POINTS",
    "CreditAssessment",
    "CreditLevel",
    "CreditReason",
    "CreditRecord",
    "PersonalCredit",
    "RecordKind",
    "RecordRule",
    "RecordStatus",
    "TaxRating",
    "assess_credit",
    "check_repair",
    "is_verified",
    "level_for_score",
    "map_to_home_scale",
    "publicity_end",
    "record_points",
    "record_status",
    "repair_allowed_from",
    "verification_failures",
]


class RecordKind(StrEnum):
    """The kinds of public credit record (see the table in the module docstring)."""

    ADMINISTRATIVE_LICENCE = "administrative_licence"
    PENALTY_MINOR = "penalty_minor"
    PENALTY_GENERAL = "penalty_general"
    PENALTY_SERIOUS = "penalty_serious"
    DISHONEST_DEBTOR = "dishonest_debtor"
    SERIOUS_DISHONESTY = "serious_dishonesty"
    ABNORMAL_OPERATION = "abnormal_operation"
    HONOUR = "honour"
    TAX_RATING = "tax_rating"
    SOCIAL_INSURANCE_ARREARS = "social_insurance_arrears"
    CONTRACT_PERFORMANCE = "contract_performance"


class TaxRating(StrEnum):
    """The yearly tax credit rating (纳税信用等级), best first.

    A: 90 points and up; B: 70-89; M: new enterprises without a full year;
    C: 40-69; D: below 40 or assigned directly.  Ordered A > B > M > C > D.
    """

    A = "A"
    B = "B"
    M = "M"
    C = "C"
    D = "D"

    def meets(self, minimum: TaxRating) -> bool:
        """Whether this rating is ``minimum`` or better."""
        return _TAX_ORDER[self] <= _TAX_ORDER[minimum]


class CreditLevel(StrEnum):
    """The scorecard level, A best (thresholds in :data:`LEVEL_THRESHOLDS`)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    def meets(self, minimum: CreditLevel) -> bool:
        """Whether this level is ``minimum`` or better."""
        return _LEVEL_ORDER[self] <= _LEVEL_ORDER[minimum]


class RecordStatus(StrEnum):
    """Whether a record counts on a given day: only ``active`` ones do."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REPAIRED = "repaired"


_TAX_ORDER = {rating: rank for rank, rating in enumerate(TaxRating)}
_LEVEL_ORDER = {level: rank for rank, level in enumerate(CreditLevel)}


@dataclass(frozen=True, slots=True)
class RecordRule:
    """How one kind of record is published, repaired and scored.

    ``polarity`` is +1 for good news and -1 for bad; ``points`` the base points
    before decay (0 for tax ratings and contract performance, whose points
    depend on the record: :func:`record_points`).  ``publicity_min`` is the
    time from the publicity start after which repair may be recorded (``None``:
    not repairable); ``publicity_max`` when publicity ends by itself (``None``:
    never); ``half_life`` halves a record's weight; ``blocks_verification``
    bars the enterprise from being credit-verified while the record is active.
    """

    kind: RecordKind
    label_en: str
    label_zh: str
    polarity: Literal[1, -1]
    points: int
    publicity_min: timedelta | None
    publicity_max: timedelta | None
    half_life: timedelta
    blocks_verification: bool = False


def _months(count: int) -> timedelta:
    return timedelta(days=30 * count)


def _years(count: int) -> timedelta:
    return timedelta(days=365 * count)


_ANY_TIME = timedelta(0)

RULES: Mapping[RecordKind, RecordRule] = MappingProxyType(
    {
        rule.kind: rule
        for rule in (
            RecordRule(
                RecordKind.ADMINISTRATIVE_LICENCE, "administrative licence", "行政许可", 1, 5, None, None, _years(3)
            ),
            RecordRule(
                RecordKind.PENALTY_MINOR, "minor penalty", "轻微行政处罚", -1, -20, _ANY_TIME, _months(3), _months(6)
            ),
            RecordRule(
                RecordKind.PENALTY_GENERAL, "general penalty", "一般行政处罚", -1, -80, _months(3), _years(1), _years(1)
            ),
            RecordRule(
                RecordKind.PENALTY_SERIOUS, "serious penalty", "严重行政处罚", -1, -250, _years(1), _years(3), _years(2)
            ),
            RecordRule(
                RecordKind.DISHONEST_DEBTOR,
                "dishonest judgment debtor listing",
                "失信被执行人",
                -1,
                -400,
                _ANY_TIME,
                _years(2),
                _years(2),
                blocks_verification=True,
            ),
            RecordRule(
                RecordKind.SERIOUS_DISHONESTY,
                "serious-dishonesty listing",
                "严重失信主体名单",
                -1,
                -500,
                _years(1),
                _years(3),
                _years(3),
                blocks_verification=True,
            ),
            RecordRule(
                RecordKind.ABNORMAL_OPERATION,
                "abnormal-operation listing",
                "经营异常名录",
                -1,
                -120,
                _ANY_TIME,
                _years(3),
                _years(1),
            ),
            RecordRule(RecordKind.HONOUR, "honour (red list)", "守信激励（红名单）", 1, 40, None, _years(3), _years(2)),
            RecordRule(
                RecordKind.TAX_RATING, "tax credit rating", "纳税信用等级", -1, 0, _years(1), _years(1), _years(1)
            ),
            RecordRule(
                RecordKind.SOCIAL_INSURANCE_ARREARS,
                "social-insurance arrears record",
                "社保欠费",
                -1,
                -60,
                _months(3),
                _years(1),
                _years(1),
            ),
            RecordRule(
                RecordKind.CONTRACT_PERFORMANCE,
                "contract performance record",
                "合同履约",
                -1,
                0,
                _months(3),
                _years(1),
                _years(1),
            ),
        )
    }
)

# Base points of a tax rating record, per rating.
TAX_RATING_POINTS: Mapping[TaxRating, int] = MappingProxyType(
    {TaxRating.A: 60, TaxRating.B: 30, TaxRating.M: 0, TaxRating.C: -80, TaxRating.D: -200}
)
# Base points of a contract performance record, per outcome.
CONTRACT_OUTCOME_POINTS: Mapping[str, int] = MappingProxyType({"fulfilled": 10, "breached": -60})
# Licences together add at most this many (decayed) points.
LICENCE_POINTS_CAP = 50.0

# The scorecard's range, and the score of an enterprise with no counting record.
SCALE: tuple[float, float] = (0.0, 1000.0)
BASE_SCORE = 700.0
# The lowest score of each level; below C's threshold is D.
LEVEL_THRESHOLDS: Mapping[CreditLevel, float] = MappingProxyType(
    {CreditLevel.A: 800.0, CreditLevel.B: 650.0, CreditLevel.C: 500.0, CreditLevel.D: SCALE[0]}
)
# The level a credit-verified employer needs at least.
_VERIFIED_LEVEL = CreditLevel.B


@dataclass(frozen=True, slots=True)
class CreditRecord:
    """One public credit record of an enterprise.

    ``publicity_end``, when given, overrides the end computed from the rule.
    ``tax_rating`` is required for (and only for) tax rating records, and
    ``outcome`` for contract performance records.

    Raises
    ------
    ValueError
        On a missing or misplaced ``tax_rating`` / ``outcome``, a
        ``publicity_end`` before ``publicity_start``, or a ``repaired_on`` on a
        record that cannot be repaired.
    """

    id: int
    kind: RecordKind
    decision_date: date
    publicity_start: date
    publicity_end: date | None = None
    repaired_on: date | None = None
    tax_rating: TaxRating | None = None
    outcome: Literal["fulfilled", "breached"] | None = None

    def __post_init__(self) -> None:
        if (self.kind is RecordKind.TAX_RATING) != (self.tax_rating is not None):
            raise ValueError(f"record {self.id}: a tax rating is given exactly for tax_rating records")
        if (self.kind is RecordKind.CONTRACT_PERFORMANCE) != (self.outcome is not None):
            raise ValueError(f"record {self.id}: an outcome is given exactly for contract_performance records")
        if self.outcome is not None and self.outcome not in CONTRACT_OUTCOME_POINTS:
            raise ValueError(f"record {self.id}: outcome must be 'fulfilled' or 'breached', not {self.outcome!r}")
        if self.publicity_end is not None and self.publicity_end < self.publicity_start:
            raise ValueError(f"record {self.id}: publicity ends before it starts")
        if self.repaired_on is not None and repair_allowed_from(self) is None:
            raise ValueError(f"record {self.id}: {_not_repairable(self)}")


@dataclass(frozen=True, slots=True)
class CreditReason:
    """One record's part in an assessment: ``points`` after decay (1 decimal)."""

    code: str
    points: float
    record_id: int
    description: str


@dataclass(frozen=True, slots=True)
class CreditAssessment:
    """An explained credit score on ``as_of``.

    ``reasons`` covers every counting record, largest ``|points|`` first (then
    record id); ``blocking`` the active records that bar verification.
    """

    score: float
    level: CreditLevel
    reasons: tuple[CreditReason, ...]
    blocking: tuple[CreditReason, ...]
    as_of: date


def record_points(record: CreditRecord) -> int:
    """The base points of ``record`` before decay (its sign is its polarity)."""
    if record.tax_rating is not None:
        return TAX_RATING_POINTS[record.tax_rating]
    if record.outcome is not None:
        return CONTRACT_OUTCOME_POINTS[record.outcome]
    return RULES[record.kind].points


def publicity_end(record: CreditRecord) -> date | None:
    """When the record's publicity ends by itself: the explicit end, else the rule's maximum."""
    if record.publicity_end is not None:
        return record.publicity_end
    maximum = RULES[record.kind].publicity_max
    return None if maximum is None else record.publicity_start + maximum


def record_status(record: CreditRecord, as_of: date) -> RecordStatus:
    """Whether ``record`` counts on ``as_of``: repaired, expired or active (in that precedence)."""
    if record.repaired_on is not None and record.repaired_on <= as_of:
        return RecordStatus.REPAIRED
    end = publicity_end(record)
    if end is not None and end <= as_of:
        return RecordStatus.EXPIRED
    return RecordStatus.ACTIVE


def repair_allowed_from(record: CreditRecord) -> date | None:
    """The first day repair may be recorded, or ``None`` when the record is not repairable.

    Positive records are never repairable (nor tax ratings A, B, M or fulfilled contracts).
    """
    minimum = RULES[record.kind].publicity_min
    if minimum is None or record_points(record) >= 0:
        return None
    return record.publicity_start + minimum


def check_repair(record: CreditRecord, on: date) -> str | None:
    """Why repair of ``record`` may not be recorded ``on`` that day, or ``None`` when it may.

    Examples
    --------
    >>> honour = CreditRecord(3, RecordKind.HONOUR, date(2025, 1, 1), date(2025, 1, 1))
    >>> check_repair(honour, date(2025, 6, 1))
    'an honour (red list) is not repairable'
    """
    allowed = repair_allowed_from(record)
    if allowed is None:
        return _not_repairable(record)
    if record.repaired_on is not None:
        return f"already repaired on {record.repaired_on.isoformat()}"
    end = publicity_end(record)
    if end is not None and end <= on:
        return f"publicity already ended on {end.isoformat()}"
    if on < allowed:
        minimum = allowed - record.publicity_start
        when = f"{_duration(minimum)} after its publicity start" if minimum else "its publicity start"
        return f"{_with_article(_label(record))} can be repaired from {allowed.isoformat()}, {when}"
    return None


def level_for_score(score: float) -> CreditLevel:
    """The level of a scorecard score (see :data:`LEVEL_THRESHOLDS`)."""
    for level, threshold in LEVEL_THRESHOLDS.items():
        if score >= threshold:
            return level
    return CreditLevel.D


def assess_credit(records: Iterable[CreditRecord], *, as_of: date) -> CreditAssessment:
    """Score an enterprise's credit on ``as_of`` from its public records, with the reasons.

    Parameters
    ----------
    records
        All the enterprise's records, in any order; expired and repaired ones
        are skipped.
    as_of
        The day of the assessment.

    Returns
    -------
    CreditAssessment
        The score (0..1000, 1 decimal), its level, every counting record as a
        reason (largest first) and the records that block verification.
    """
    counting = [record for record in records if record_status(record, as_of) is RecordStatus.ACTIVE]
    weighted = [(record, record_points(record) * _decay(record, as_of)) for record in counting]
    licences = [points for record, points in weighted if record.kind is RecordKind.ADMINISTRATIVE_LICENCE]
    licence_total = math.fsum(licences)
    licence_scale = LICENCE_POINTS_CAP / licence_total if licence_total > LICENCE_POINTS_CAP else 1.0
    others = [points for record, points in weighted if record.kind is not RecordKind.ADMINISTRATIVE_LICENCE]
    total = math.fsum([*others, min(licence_total, LICENCE_POINTS_CAP)])
    score = round(min(max(BASE_SCORE + total, SCALE[0]), SCALE[1]), 1)

    reasons: list[CreditReason] = []
    blocking: list[CreditReason] = []
    for record, points in weighted:
        capped = record.kind is RecordKind.ADMINISTRATIVE_LICENCE and licence_scale < 1.0
        reason = _reason(record, points * licence_scale if capped else points, as_of, capped=capped)
        reasons.append(reason)
        if RULES[record.kind].blocks_verification:
            blocking.append(reason)
    reasons.sort(key=lambda r: (-abs(r.points), r.record_id, r.code, r.description))
    blocking.sort(key=lambda r: (r.record_id, r.code, r.description))
    return CreditAssessment(
        score=score, level=level_for_score(score), reasons=tuple(reasons), blocking=tuple(blocking), as_of=as_of
    )


def verification_failures(assessment: CreditAssessment, *, uscc_valid: bool) -> tuple[str, ...]:
    """Why the enterprise is not credit-verified, in plain words (empty when it is).

    Examples
    --------
    >>> clean = assess_credit([], as_of=date(2025, 1, 1))
    >>> verification_failures(clean, uscc_valid=False)
    ('the unified social credit code is not valid',)
    """
    failures: list[str] = []
    if not uscc_valid:
        failures.append("the unified social credit code is not valid")
    failures.extend(reason.description for reason in assessment.blocking)
    if not assessment.level.meets(_VERIFIED_LEVEL):
        failures.append(f"credit level {assessment.level} is below the minimum {_VERIFIED_LEVEL}")
    return tuple(failures)


def is_verified(assessment: CreditAssessment, *, uscc_valid: bool) -> bool:
    """Whether the enterprise is credit-verified: a valid USCC, nothing blocking, level B or better."""
    return not verification_failures(assessment, uscc_valid=uscc_valid)


def _decay(record: CreditRecord, as_of: date) -> float:
    age_days = max((as_of - record.publicity_start).days, 0)
    return float(0.5 ** (age_days / RULES[record.kind].half_life.days))


def _code(record: CreditRecord) -> str:
    if record.tax_rating is not None:
        return f"TAX_RATING_{record.tax_rating}"
    if record.outcome is not None:
        return f"CONTRACT_{record.outcome.upper()}"
    return record.kind.upper()


def _label(record: CreditRecord) -> str:
    if record.tax_rating is not None:
        return f"tax credit rating {record.tax_rating}"
    if record.outcome is not None:
        return "contract breach" if record.outcome == "breached" else "fulfilled contract"
    return RULES[record.kind].label_en


# How an active blocking record reads among the reasons an enterprise fails verification.
_BLOCKING_PHRASES: Mapping[RecordKind, str] = MappingProxyType(
    {
        RecordKind.DISHONEST_DEBTOR: "listed as a dishonest judgment debtor",
        RecordKind.SERIOUS_DISHONESTY: "on the serious-dishonesty list",
    }
)


def _reason(record: CreditRecord, points: float, as_of: date, *, capped: bool) -> CreditReason:
    rule = RULES[record.kind]
    start = record.publicity_start.isoformat()
    if record.kind in _BLOCKING_PHRASES:
        description = f"{_BLOCKING_PHRASES[record.kind]} ({rule.label_zh}) since {start}"
    else:
        age = max((as_of - record.publicity_start).days, 0)
        description = (
            f"{_label(record)} ({rule.label_zh}) published {start}: "
            f"{record_points(record):+d} points at {_decay(record, as_of):.0%} weight after {age} days"
        )
    if capped:
        description += f", scaled so licences add at most {LICENCE_POINTS_CAP:+g} in all"
    return CreditReason(code=_code(record), points=round(points, 1), record_id=record.id, description=description)


def _not_repairable(record: CreditRecord) -> str:
    if record.tax_rating is not None:
        return f"a tax credit rating {record.tax_rating} is not repairable (only C and D ratings are)"
    if record.outcome is not None:
        return "a fulfilled contract is not repairable (only breaches are)"
    return f"{_with_article(_label(record))} is not repairable"


def _with_article(label: str) -> str:
    # "honour" takes "an": its h is silent.
    return f"{'an' if label.startswith(('a', 'e', 'i', 'o', 'u', 'hon')) else 'a'} {label}"


def _duration(period: timedelta) -> str:
    days = period.days
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years > 1 else ''}"
    if days % 30 == 0:
        return f"{days // 30} months"
    return f"{days} days"


# --- personal credit -------------------------------------------------------------------------

EGRET_DIMENSIONS = ("basic_information", "positive_behaviour", "dishonesty_default", "credit_repair", "credit_usage")
# Our reading of the Egret score's range (白鹭分): 350 to 950.
EGRET_SCALE: tuple[float, float] = (350.0, 950.0)
HOME_CITY = "xiamen"

# Each mutually recognised city's personal credit scale, by lowercase pinyin code.  Xiamen's is the
# home scale; the partner cities' scales are our configuration, not official figures.
CITY_SCALES: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "xiamen": EGRET_SCALE,
        "hangzhou": (350.0, 950.0),
        "ningbo": (0.0, 1000.0),
        "hainan": (300.0, 900.0),
        "huangshi": (0.0, 1000.0),
        "zhengzhou": (400.0, 1000.0),
        "fuzhou": (350.0, 1000.0),
    }
)
# The Chinese name of each city code; :func:`map_to_home_scale` accepts either.
CITY_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "xiamen": "厦门",
        "hangzhou": "杭州",
        "ningbo": "宁波",
        "hainan": "海南",
        "huangshi": "黄石",
        "zhengzhou": "郑州",
        "fuzhou": "福州",
    }
)
_CITY_CODES = {**{code: code for code in CITY_SCALES}, **{name: code for code, name in CITY_NAMES.items()}}


@dataclass(frozen=True, slots=True)
class PersonalCredit:
    """A person's credit score on ``source_city``'s scale, with its dimension scores.

    ``dimensions`` maps names from :data:`EGRET_DIMENSIONS` to scores; it is
    stored read-only.

    Raises
    ------
    ValueError
        On an unknown city or dimension name.
    """

    score: float
    dimensions: Mapping[str, float]
    source_city: str = HOME_CITY

    def __post_init__(self) -> None:
        _city_code(self.source_city)
        unknown = sorted(set(self.dimensions) - set(EGRET_DIMENSIONS))
        if unknown:
            raise ValueError(f"unknown personal credit dimensions {unknown}; known: {', '.join(EGRET_DIMENSIONS)}")
        object.__setattr__(self, "dimensions", MappingProxyType(dict(self.dimensions)))

    @property
    def home_score(self) -> float:
        """The score on Xiamen's scale (:func:`map_to_home_scale`)."""
        return map_to_home_scale(self.score, self.source_city)


def map_to_home_scale(score: float, city: str) -> float:
    """Map a personal credit score from ``city``'s scale onto Xiamen's (the Egret scale).

    The mapping is linear by relative position (min-max), clamped to the home
    scale, and the identity for Xiamen's own scores (clamped).

    Parameters
    ----------
    score
        The score on the city's scale.
    city
        A key of :data:`CITY_SCALES` (lowercase pinyin, any case) or the
        city's Chinese name.

    Raises
    ------
    ValueError
        For an unknown city or a score that is not a finite number.

    Examples
    --------
    >>> map_to_home_scale(500, "ningbo")
    650.0
    >>> map_to_home_scale(720, "杭州")
    720.0
    """
    low, high = CITY_SCALES[_city_code(city)]
    if not math.isfinite(score):
        raise ValueError(f"personal credit score must be a finite number, not {score!r}")
    home_low, home_high = EGRET_SCALE
    if (low, high) == EGRET_SCALE:
        mapped = float(score)
    else:
        mapped = home_low + (score - low) / (high - low) * (home_high - home_low)
    return min(max(mapped, home_low), home_high)


def _city_code(city: str) -> str:
    code = _CITY_CODES.get(city.strip().lower())
    if code is None:
        known = ", ".join(sorted(CITY_SCALES))
        raise ValueError(f"no mutually recognised personal credit scale for city {city!r}; known: {known}")
    return code
