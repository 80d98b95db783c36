"""Judging the Guilu Cup (归鹭杯): rubrics, conflicts of interest, judge assignment, aggregation, ranking.

A competition judges its entries in rounds.  This module holds the pure rules;
the service stores competitions, rounds and scores and calls these functions.

Rubric
    :class:`Rubric` of weighted :class:`Criterion` values, scored in whole or
    half points.  :meth:`Rubric.score_errors` explains what is wrong with a
    judge's sheet; :meth:`Rubric.weighted_total` turns a sheet into 0..100::

        total = round(sum(weight * value / maximum) / sum(weight) * 100, 2)

Conflicts of interest
    :func:`detect_conflicts` finds them instead of waiting for a declaration:
    the judge is a team member (same talent), an affiliation of the judge is
    the institution or employer of a team member (names compared through an
    :class:`~matching.resolve.OrganisationResolver`, so ``厦大``, ``Xiamen
    University`` and ``厦门大学`` are one organisation when the records say so),
    or the judge declared the entry, a member or an organisation.  Every
    :class:`Conflict` carries a readable reason.

Assignment
    :func:`assign_judges` gives every entry ``per_entry`` judges free of
    conflicts and forbidden pairs, as many as there are, with loads as even as
    the conflicts allow; see the function for the algorithm.

Aggregation and ranking
    :func:`aggregate` combines the :class:`JudgeScore` totals of each entry by
    an :class:`AggregationMethod` (mean, trimmed mean, per-judge z-scores),
    falling back to the mean and saying so when a method does not apply, and
    flags entries whose judges disagree widely.  :func:`rank_entries` orders
    the results with a tie-break fixed in advance; :func:`what_if` shows the
    ranking under every method side by side.

Aggregates, raw means and criterion means are rounded to :data:`DECIMALS`
places, the precision shown on the leaderboard, so entries that look equal are
equal and go to the tie-break.  Every sum is a :func:`math.fsum` over sorted
values, so results never depend on the order in which scores arrive.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from matching.company import canonical_company_name
from matching.normalise import has_han, name_pinyin, normalize_text
from matching.resolve import OrganisationResolver

__all__ = [
    "ALLOWED_STEPS",
    "DECIMALS",
    "DISAGREEMENT_SPREAD",
    "TRIM_MIN_SCORES",
    "ZSCORE_MIN_ENTRIES_PER_JUDGE",
    "Aggregation",
    "AggregationMethod",
    "Assignment",
    "Conflict",
    "ConflictKind",
    "Criterion",
    "EntryProfile",
    "EntryResult",
    "JudgeProfile",
    "JudgeScore",
    "RankedEntry",
    "RejectedPair",
    "Rubric",
    "Shortfall",
    "TeamMember",
    "aggregate",
    "assign_judges",
    "detect_conflicts",
    "rank_entries",
    "what_if",
]

ALLOWED_STEPS: tuple[float, ...] = (1.0, 0.5)
"""The scoring steps a rubric may use: whole points or half points."""

TRIM_MIN_SCORES: int = 5
"""Fewest scores for a trimmed mean.

Dropping the highest and the lowest of fewer than five totals would leave two
or fewer, too few to call a consensus; such entries get the plain mean, with a
note."""

ZSCORE_MIN_ENTRIES_PER_JUDGE: int = 3
"""Fewest entries every judge must have scored for z-score normalisation.

A judge's mean and spread estimated from one or two totals say nothing about
how strict or generous the judge is (with one, the spread is zero), so below
three the whole round falls back to the plain mean and says which judges were
short."""

DISAGREEMENT_SPREAD: float = 25.0
"""Widest accepted range, in total points (0..100), of one entry's judge totals.

An entry is flagged for re-review when its highest and lowest totals differ by
more than this: a quarter of the scale is more than two judges reading the
same rubric should differ.  The range is used rather than a standard
deviation because with five judges one outlier is exactly what must be seen."""

DECIMALS: int = 2
"""Decimal places of totals, aggregates and means, as shown to users."""

# Floats such as 7.5 / 0.5 are exact, but values typed as 0.1 + 0.2 are not.
_STEP_TOLERANCE = 1e-9
_RAW_MEAN = "raw_mean"


# --------------------------------------------------------------------------- rubric


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of a rubric: ``key`` (``"innovation"``), a label, a weight and a maximum.

    Raises
    ------
    ValueError
        When the key is empty or the weight or maximum is not a positive finite number.
    """

    key: str
    label: str
    weight: float
    maximum: float

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise ValueError("a criterion needs a key")
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"criterion {self.key}: weight must be positive, not {self.weight:g}")
        if not (math.isfinite(self.maximum) and self.maximum > 0):
            raise ValueError(f"criterion {self.key}: maximum must be positive, not {self.maximum:g}")


@dataclass(frozen=True, slots=True)
class Rubric:
    """A competition's scoring sheet: its criteria and the step of the points.

    Parameters
    ----------
    criteria : tuple of Criterion
        At least one, keys unique; shown in this order.
    step : float, default 1.0
        ``1.0`` (whole points) or ``0.5`` (half points); every maximum must be
        a multiple of it.

    Raises
    ------
    ValueError
        When the rubric is empty, a key repeats, the step is not allowed or a
        maximum is off the step.

    Examples
    --------
    >>> rubric = Rubric(
    ...     (
    ...         Criterion("innovation", "创新性", 30, 10),
    ...         Criterion("market", "市场前景", 20, 10),
    ...         Criterion("industry_fit", "产业契合度", 50, 20),
    ...     ),
    ...     step=0.5,
    ... )
    >>> rubric.weighted_total({"innovation": 8, "market": 6.5, "industry_fit": 15})
    74.5
    >>> rubric.score_errors({"innovation": 7.3, "market": 12})
    ('innovation: 7.3 is not a multiple of 0.5', 'market: 12 is above the maximum 10', 'industry_fit: no score given')
    """

    criteria: tuple[Criterion, ...]
    step: float = 1.0

    def __post_init__(self) -> None:
        if not self.criteria:
            raise ValueError("a rubric needs at least one criterion")
        keys = [criterion.key for criterion in self.criteria]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"criterion keys must be unique: {', '.join(repeated)} repeated")
        if self.step not in ALLOWED_STEPS:
            raise ValueError(f"step must be 1 or 0.5, not {self.step:g}")
        for criterion in self.criteria:
            if not _on_step(criterion.maximum, self.step):
                raise ValueError(
                    f"criterion {criterion.key}: maximum {criterion.maximum:g} is not a multiple of {self.step:g}"
                )

    @property
    def keys(self) -> tuple[str, ...]:
        """The criterion keys, in rubric order."""
        return tuple(criterion.key for criterion in self.criteria)

    def score_errors(self, scores: Mapping[str, float]) -> tuple[str, ...]:
        """What is wrong with a judge's sheet, one readable message per problem.

        Every criterion needs one value in ``0..maximum`` on the step; keys that
        are not criteria are refused.  Messages follow rubric order, then the
        unknown keys sorted.  Empty when the sheet is valid.
        """
        errors: list[str] = []
        for criterion in self.criteria:
            if criterion.key not in scores:
                errors.append(f"{criterion.key}: no score given")
                continue
            value = scores[criterion.key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                errors.append(f"{criterion.key}: {value!r} is not a number")
            elif value < 0:
                errors.append(f"{criterion.key}: {value:g} is below 0")
            elif value > criterion.maximum:
                errors.append(f"{criterion.key}: {value:g} is above the maximum {criterion.maximum:g}")
            elif not _on_step(value, self.step):
                errors.append(f"{criterion.key}: {value:g} is not a multiple of {self.step:g}")
        known = set(self.keys)
        errors.extend(f"{key}: not a criterion of this rubric" for key in sorted(set(scores) - known))
        return tuple(errors)

    def weighted_total(self, scores: Mapping[str, float]) -> float:
        """The sheet's total on 0..100, rounded to :data:`DECIMALS` places.

        Raises
        ------
        ValueError
            When the sheet has errors (see :meth:`score_errors`); the message lists them.
        """
        errors = self.score_errors(scores)
        if errors:
            raise ValueError("; ".join(errors))
        weighted = math.fsum(c.weight * float(scores[c.key]) / c.maximum for c in self.criteria)
        return round(weighted / math.fsum(c.weight for c in self.criteria) * 100.0, DECIMALS)

    def judge_score(self, judge_id: int, entry_id: int, scores: Mapping[str, float]) -> JudgeScore:
        """A validated :class:`JudgeScore` for one sheet (raises ``ValueError`` like :meth:`weighted_total`)."""
        total = self.weighted_total(scores)
        criteria = MappingProxyType({key: float(scores[key]) for key in self.keys})
        return JudgeScore(judge_id=judge_id, entry_id=entry_id, total=total, criteria=criteria)


def _on_step(value: float, step: float) -> bool:
    quotient = value / step
    return abs(quotient - round(quotient)) <= _STEP_TOLERANCE


# --------------------------------------------------------------------------- conflicts

ConflictKind = Literal["same_person", "affiliation", "declared"]
_KIND_ORDER: Mapping[str, int] = MappingProxyType({"same_person": 0, "affiliation": 1, "declared": 2})


@dataclass(frozen=True, slots=True)
class JudgeProfile:
    """A judge: their talent record if they have one, their affiliations and declarations.

    ``declared_entry_ids`` are entries the judge declared a conflict with;
    ``declared_names`` are people or organisations the judge declared.
    """

    id: int
    talent_id: int | None
    name: str
    affiliations: tuple[str, ...]
    declared_entry_ids: frozenset[int] = frozenset()
    declared_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A member of an entry's team with the institutions they studied or work at and their employers."""

    talent_id: int
    name: str
    institutions: tuple[str, ...]
    employers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EntryProfile:
    """A competition entry (a project) and its team."""

    id: int
    title: str
    members: tuple[TeamMember, ...]


@dataclass(frozen=True, slots=True)
class Conflict:
    """A detected conflict of interest between a judge and an entry, with the reason shown to staff."""

    judge_id: int
    entry_id: int
    kind: ConflictKind
    reason: str


@dataclass(frozen=True, slots=True)
class _OrgKey:
    name: str
    resolved_id: int | None
    core: str


class _Organisations:
    """Organisation names reduced once: the resolver's top match and the canonical core."""

    def __init__(self, resolver: OrganisationResolver | None) -> None:
        self._resolver = resolver
        self._keys: dict[str, _OrgKey] = {}

    def key(self, name: str) -> _OrgKey:
        found = self._keys.get(name)
        if found is None:
            matches = self._resolver.resolve(name, limit=1) if self._resolver is not None else []
            core = canonical_company_name(name).core.replace(" ", "")
            found = _OrgKey(name, matches[0].id if matches else None, core)
            self._keys[name] = found
        return found

    def same(self, first: str, second: str) -> bool:
        """Both resolve to one record, or (when either does not resolve) their cores are equal."""
        a, b = self.key(first), self.key(second)
        if a.resolved_id is not None and b.resolved_id is not None:
            return a.resolved_id == b.resolved_id
        return bool(a.core) and a.core == b.core


def _same_person_name(first: str, second: str) -> bool:
    """Equal names; a name in Latin letters meets a Chinese name through its pinyin.

    Two Chinese names must have the same characters: homophones are different people.
    """
    a, b = normalize_text(first).replace(" ", ""), normalize_text(second).replace(" ", "")
    if not a or not b:
        return False
    if a == b or (has_han(a) and has_han(b)):
        return a == b
    return name_pinyin(first).replace(" ", "") == name_pinyin(second).replace(" ", "")


def _member_organisations(member: TeamMember) -> list[tuple[str, str]]:
    return [(name, "institution") for name in member.institutions] + [(name, "employer") for name in member.employers]


def detect_conflicts(
    judges: Iterable[JudgeProfile],
    entries: Iterable[EntryProfile],
    *,
    resolver: OrganisationResolver | None = None,
) -> list[Conflict]:
    """Every conflict of interest between the judges and the entries, explained.

    Parameters
    ----------
    judges, entries
        The panel and the entries of a round.
    resolver : OrganisationResolver, optional
        Decides which organisation a name means (its top match).  Without
        one, or when either name does not resolve, two organisation names are
        the same when their :func:`~matching.company.canonical_company_name`
        cores are equal (so ``厦门钨业股份有限公司`` meets ``厦门钨业``, and a
        branch meets its head office).

    Returns
    -------
    list of Conflict
        At most one per (judge, entry, kind), with the first reason found
        (members in team order, then the judge's affiliations or declarations
        in their order), sorted by judge id, entry id and kind (``same_person``,
        ``affiliation``, ``declared``).  The kinds:

        ``same_person``
            The judge's talent id is a team member's.
        ``affiliation``
            A judge affiliation is a member's institution or employer.
        ``declared``
            The judge declared the entry, or a declared name is a member
            (same name, or its pinyin) or a member's organisation.

    Examples
    --------
    >>> from matching.resolve import OrgRecord
    >>> resolver = OrganisationResolver([OrgRecord(1, ("厦门大学", "厦大", "Xiamen University"))])
    >>> judge = JudgeProfile(id=3, talent_id=None, name="王评", affiliations=("厦大",))
    >>> member = TeamMember(talent_id=8, name="卢晨雨", institutions=("Xiamen University",), employers=())
    >>> [c.reason for c in detect_conflicts([judge], [EntryProfile(5, "RNA", (member,))], resolver=resolver)]
    ["judge's affiliation 厦大 and 卢晨雨's institution Xiamen University are the same organisation"]
    """
    organisations = _Organisations(resolver)
    found: dict[tuple[int, int, str], Conflict] = {}
    sorted_entries = sorted(entries, key=lambda entry: entry.id)
    for judge in sorted(judges, key=lambda judge: judge.id):
        for entry in sorted_entries:
            for kind, reason in _conflict_reasons(judge, entry, organisations):
                found.setdefault((judge.id, entry.id, kind), Conflict(judge.id, entry.id, kind, reason))
    return [found[key] for key in sorted(found, key=lambda key: (key[0], key[1], _KIND_ORDER[key[2]]))]


def _conflict_reasons(
    judge: JudgeProfile, entry: EntryProfile, organisations: _Organisations
) -> Iterable[tuple[ConflictKind, str]]:
    if entry.id in judge.declared_entry_ids:
        yield "declared", f"judge {judge.name} declared a conflict with entry {entry.id} ({entry.title})"
    for member in entry.members:
        if judge.talent_id is not None and judge.talent_id == member.talent_id:
            yield "same_person", f"judge {judge.name} is team member {member.name} (talent {member.talent_id})"
        member_orgs = _member_organisations(member)
        for affiliation in judge.affiliations:
            for org, role in member_orgs:
                if organisations.same(affiliation, org):
                    yield (
                        "affiliation",
                        f"judge's affiliation {affiliation} and {member.name}'s {role} {org} are the same organisation",
                    )
        for declared in judge.declared_names:
            if _same_person_name(declared, member.name):
                yield "declared", f"judge {judge.name} declared a conflict with {declared}, team member {member.name}"
            for org, role in member_orgs:
                if organisations.same(declared, org):
                    yield (
                        "declared",
                        f"judge {judge.name} declared a conflict with {declared}, {member.name}'s {role} {org}",
                    )


# --------------------------------------------------------------------------- assignment


@dataclass(frozen=True, slots=True)
class Shortfall:
    """An entry that could not get the judges wanted, and why."""

    entry_id: int
    assigned: int
    wanted: int
    reason: str


@dataclass(frozen=True, slots=True)
class RejectedPair:
    """A kept or forced (judge, entry) pair that was not assigned, and why."""

    judge_id: int
    entry_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """Judges per entry for one round.

    ``pairs`` are (judge id, entry id); ``by_entry`` lists each entry's judges
    in id order (every entry appears, possibly with none); ``loads`` counts
    the entries of every judge on the panel (zero included).
    """

    pairs: frozenset[tuple[int, int]]
    by_entry: Mapping[int, tuple[int, ...]]
    loads: Mapping[int, int]
    shortfalls: tuple[Shortfall, ...]
    rejected: tuple[RejectedPair, ...] = field(default=())


def assign_judges(
    entry_ids: Iterable[int],
    judge_ids: Iterable[int],
    *,
    per_entry: int = 5,
    blocked: Collection[tuple[int, int]] = (),
    forced: Collection[tuple[int, int]] = (),
    keep: Mapping[int, Collection[int]] = MappingProxyType({}),
) -> Assignment:
    """Assign ``per_entry`` judges to every entry, free of conflicts, with even loads.

    Parameters
    ----------
    entry_ids, judge_ids
        The round's entries and its panel (order and repeats do not matter).
    per_entry : int, default 5
        Judges wanted per entry (at least 1).
    blocked
        (judge, entry) pairs never assigned: detected conflicts and forbidden pairs.
    forced
        (judge, entry) pairs that must be assigned.
    keep
        Entry id -> judges that already submitted a score for it; those pairs
        stay (re-running an assignment never loses a score) and count toward
        the loads.

    Returns
    -------
    Assignment
        Kept and forced pairs always stay, even beyond ``per_entry``, unless
        blocked or naming a judge or entry outside the round; those are
        listed in ``rejected``.  Every other entry gets ``min(per_entry,
        judges it may have)`` judges; an entry short of ``per_entry`` is in
        ``shortfalls`` with the reason.

    Notes
    -----
    The result depends only on the sets given, never on their order.

    1. Kept and forced pairs are fixed first.
    2. Greedy fill: entries with the fewest eligible judges first (then by
       id), each takes its missing judges among the eligible ones with the
       lowest load (then lowest id).  No cap on loads is needed for coverage,
       so after this step every entry has all the judges it can have.
    3. Rebalancing: while some judge ``b`` can reach a judge ``a`` with
       ``load(a) >= load(b) + 2`` along an alternating path (``b`` takes
       entry ``e1`` from ``c1``, ``c1`` takes ``e2`` from ``c2``, ... and
       finally one from ``a``), the path is applied: ``b`` gains one, ``a``
       loses one, everyone else and every entry keeps their count.  Fixed
       pairs never move.  Each move lowers the sum of squared loads, so this
       stops.

    The load vectors of the assignments that cover every entry form an
    M-convex set (degree vectors of a bipartite b-matching, shifted by the
    fixed loads), and on such a set a vector with no improving single move is
    decreasingly minimal (Frank and Murota, *Discrete decreasing
    minimization*): the largest load is as small as possible, loads differ
    by at most one whenever any covering assignment allows that, and
    otherwise they are as even as the conflicts permit.  This equals the
    "smallest load cap L with a maximum flow, then lower bounds" flow
    formulation, without a flow solver: 200 entries by 40 judges take a few
    tens of milliseconds.

    Raises
    ------
    ValueError
        When ``per_entry`` is below 1.

    Examples
    --------
    >>> result = assign_judges([10, 11, 12], [1, 2, 3], per_entry=2, blocked={(1, 10)})
    >>> dict(result.by_entry), dict(result.loads)
    ({10: (2, 3), 11: (1, 2), 12: (1, 3)}, {1: 2, 2: 2, 3: 2})
    """
    if per_entry < 1:
        raise ValueError(f"per_entry must be at least 1, not {per_entry}")
    entries = sorted(set(entry_ids))
    judges = sorted(set(judge_ids))
    entry_set, judge_set = set(entries), set(judges)
    blocked_set = set(blocked)

    fixed: dict[int, set[int]] = {entry: set() for entry in entries}
    rejected: list[RejectedPair] = []
    requested = [(pair, "kept") for pair in sorted({(j, e) for e, js in keep.items() for j in js})]
    requested += [(pair, "forced") for pair in sorted(set(forced))]
    for (judge, entry), origin in requested:
        if judge in fixed.get(entry, ()):
            continue
        reason = _rejection(judge, entry, origin, judge_set, entry_set, blocked_set)
        if reason is None:
            fixed[entry].add(judge)
        elif all((r.judge_id, r.entry_id) != (judge, entry) for r in rejected):
            rejected.append(RejectedPair(judge, entry, reason))

    loads = dict.fromkeys(judges, 0)
    for judges_of_entry in fixed.values():
        for judge in judges_of_entry:
            loads[judge] += 1
    eligible = {
        entry: [judge for judge in judges if judge not in fixed[entry] and (judge, entry) not in blocked_set]
        for entry in entries
    }
    moving: dict[int, set[int]] = {entry: set() for entry in entries}
    for entry in sorted(entries, key=lambda e: (len(eligible[e]), e)):
        missing = per_entry - len(fixed[entry])
        if missing <= 0:
            continue
        for judge in sorted(eligible[entry], key=lambda j: (loads[j], j))[:missing]:
            moving[entry].add(judge)
            loads[judge] += 1
    _rebalance(judges, entries, eligible, moving, loads)

    by_entry = {entry: tuple(sorted(fixed[entry] | moving[entry])) for entry in entries}
    pairs = frozenset((judge, entry) for entry, assigned in by_entry.items() for judge in assigned)
    shortfalls = tuple(
        _shortfall(entry, len(by_entry[entry]), per_entry, len(judges))
        for entry in entries
        if len(by_entry[entry]) < per_entry
    )
    return Assignment(
        pairs=pairs,
        by_entry=MappingProxyType(by_entry),
        loads=MappingProxyType(loads),
        shortfalls=shortfalls,
        rejected=tuple(rejected),
    )


def _rejection(
    judge: int,
    entry: int,
    origin: str,
    judges: set[int],
    entries: set[int],
    blocked: set[tuple[int, int]],
) -> str | None:
    if judge not in judges:
        return f"{origin} pair: judge {judge} is not on the panel of this round"
    if entry not in entries:
        return f"{origin} pair: entry {entry} is not in this round"
    if (judge, entry) in blocked:
        return f"{origin} pair: judge {judge} has a conflict with or is forbidden from entry {entry}"
    return None


def _shortfall(entry: int, assigned: int, wanted: int, panel: int) -> Shortfall:
    # Every judge free of conflicts with a short entry is assigned to it, so ``assigned`` is also the free count.
    if panel < wanted:
        reason = f"only {panel} judges are on the panel"
        if assigned < panel:
            reason += f", and {assigned} of them are free of conflicts and forbidden pairs with this entry"
    else:
        reason = f"only {assigned} of {panel} judges are free of conflicts and forbidden pairs with this entry"
    return Shortfall(entry_id=entry, assigned=assigned, wanted=wanted, reason=reason)


def _rebalance(
    judges: list[int],
    entries: list[int],
    eligible: Mapping[int, list[int]],
    moving: dict[int, set[int]],
    loads: dict[int, int],
) -> None:
    """Apply improving alternating paths until no judge can pass work to one two or more lighter."""
    takes: dict[int, list[int]] = {judge: [] for judge in judges}
    for entry in entries:
        for judge in eligible[entry]:
            takes[judge].append(entry)
    while True:
        heaviest = max(loads.values(), default=0)
        for light in sorted(judges, key=lambda j: (loads[j], j)):
            if loads[light] + 2 > heaviest:
                return
            if _move_one(light, takes, moving, loads):
                break
        else:
            return


def _move_one(
    light: int,
    takes: Mapping[int, list[int]],
    moving: dict[int, set[int]],
    loads: dict[int, int],
) -> bool:
    """Search alternating paths from ``light``; move one entry from the heaviest judge reached."""
    # came_from[judge] = (previous judge, entry the judge hands to the previous one)
    came_from: dict[int, tuple[int, int]] = {}
    seen_entries: set[int] = set()
    queue = deque([light])
    best: int | None = None
    while queue:
        judge = queue.popleft()
        for entry in takes[judge]:
            if entry in seen_entries or judge in moving[entry]:
                continue
            seen_entries.add(entry)
            for holder in sorted(moving[entry]):
                if holder == light or holder in came_from:
                    continue
                came_from[holder] = (judge, entry)
                queue.append(holder)
                if loads[holder] >= loads[light] + 2 and (
                    best is None or (loads[holder], -holder) > (loads[best], -best)
                ):
                    best = holder
    if best is None:
        return False
    loads[best] -= 1
    loads[light] += 1
    giver = best
    while giver != light:
        taker, entry = came_from[giver]
        moving[entry].remove(giver)
        moving[entry].add(taker)
        giver = taker
    return True


# --------------------------------------------------------------------------- aggregation


class AggregationMethod(StrEnum):
    """How an entry's judge totals become one aggregate."""

    MEAN = "mean"
    """Arithmetic mean of the totals."""
    TRIMMED_MEAN = "trimmed_mean"
    """Mean without the highest and the lowest total (needs :data:`TRIM_MIN_SCORES`)."""
    ZSCORE = "zscore"
    """Per-judge z-scores mapped back to the overall mean and spread (needs
    :data:`ZSCORE_MIN_ENTRIES_PER_JUDGE` entries from every judge)."""


@dataclass(frozen=True, slots=True)
class JudgeScore:
    """One judge's submitted sheet for one entry: the weighted total (0..100) and the criterion values.

    Raises
    ------
    ValueError
        When the total is outside 0..100.
    """

    judge_id: int
    entry_id: int
    total: float
    criteria: Mapping[str, float]

    def __post_init__(self) -> None:
        if not (math.isfinite(self.total) and 0.0 <= self.total <= 100.0):
            raise ValueError(f"judge {self.judge_id}, entry {self.entry_id}: total {self.total} is outside 0..100")


@dataclass(frozen=True, slots=True)
class EntryResult:
    """An entry's aggregate and what went into it.

    ``raw_mean`` is the plain mean of the totals whatever the method;
    ``criterion_means`` the mean of each criterion over the judges who scored
    it; ``judges_counted`` the totals that entered the aggregate (two fewer
    with a trimmed mean); ``method_used`` the method actually applied;
    ``notes`` explain a fallback; ``flags`` ask for re-review.
    """

    entry_id: int
    aggregate: float
    raw_mean: float
    criterion_means: Mapping[str, float]
    judges_counted: int
    method_used: AggregationMethod
    notes: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Aggregation:
    """A round's results by the chosen method; ``notes`` explain a round-wide fallback."""

    method: AggregationMethod
    results: Mapping[int, EntryResult]
    notes: tuple[str, ...]


def aggregate(scores: Iterable[JudgeScore], *, method: AggregationMethod | str) -> Aggregation:
    """Combine every entry's judge totals into one aggregate.

    Parameters
    ----------
    scores
        The submitted sheets of a round, in any order.
    method : AggregationMethod or its value
        ``mean``; ``trimmed_mean`` (drop one highest and one lowest total,
        only with at least :data:`TRIM_MIN_SCORES` totals, otherwise that
        entry gets the mean and a note); ``zscore``: per judge
        ``z = (total - judge mean) / judge standard deviation`` (``0`` for a
        judge whose totals are all equal), then ``aggregate = overall mean +
        overall standard deviation * mean(z)`` over the entry's judges,
        clamped to 0..100, with population standard deviations and the
        overall figures over every total of the round.  Unless every judge
        scored at least :data:`ZSCORE_MIN_ENTRIES_PER_JUDGE` entries, the
        whole round falls back to the mean and the aggregation's notes say why.

    Returns
    -------
    Aggregation
        Results keyed by entry id, in id order (entries without scores are
        absent).  An entry whose totals span
        more than :data:`DISAGREEMENT_SPREAD` points is flagged.

    Raises
    ------
    ValueError
        When a judge scored one entry twice, or the method is unknown.

    Examples
    --------
    >>> sheets = [JudgeScore(j, 1, t, {}) for j, t in [(1, 60.0), (2, 70.0), (3, 95.0)]]
    >>> result = aggregate(sheets, method="trimmed_mean").results[1]
    >>> result.aggregate, result.notes, result.flags
    (75.0, ('trimmed mean needs 5 scores; 3 given, plain mean used',), ('judges disagree widely: totals 60.0-95.0',))
    """
    chosen = AggregationMethod(method)
    by_entry: dict[int, list[JudgeScore]] = {}
    by_judge: dict[int, list[float]] = {}
    seen: set[tuple[int, int]] = set()
    for score in scores:
        pair = (score.judge_id, score.entry_id)
        if pair in seen:
            raise ValueError(f"judge {score.judge_id} scored entry {score.entry_id} more than once")
        seen.add(pair)
        by_entry.setdefault(score.entry_id, []).append(score)
        by_judge.setdefault(score.judge_id, []).append(score.total)
    for sheets in by_entry.values():
        sheets.sort(key=lambda sheet: sheet.judge_id)

    notes: list[str] = []
    zscores: dict[tuple[int, int], float] | None = None
    overall = (0.0, 0.0)
    if chosen is AggregationMethod.ZSCORE and by_judge:
        short = sorted(
            (judge, len(totals)) for judge, totals in by_judge.items() if len(totals) < ZSCORE_MIN_ENTRIES_PER_JUDGE
        )
        if short:
            listed = ", ".join(f"judge {judge} scored {count}" for judge, count in short)
            notes.append(
                "z-score normalisation needs every judge to score at least "
                f"{ZSCORE_MIN_ENTRIES_PER_JUDGE} entries; {listed}; fell back to mean"
            )
        else:
            overall = _mean_and_std([total for totals in by_judge.values() for total in totals])
            stats = {judge: _mean_and_std(totals) for judge, totals in by_judge.items()}
            zscores = {}
            for sheets in by_entry.values():
                for sheet in sheets:
                    mean, std = stats[sheet.judge_id]
                    zscores[(sheet.judge_id, sheet.entry_id)] = (sheet.total - mean) / std if std > 0 else 0.0

    results = {entry: _entry_result(entry, by_entry[entry], chosen, zscores, overall) for entry in sorted(by_entry)}
    return Aggregation(method=chosen, results=MappingProxyType(results), notes=tuple(notes))


def _mean(values: Iterable[float]) -> float:
    ordered = sorted(values)
    return math.fsum(ordered) / len(ordered)


def _mean_and_std(values: Iterable[float]) -> tuple[float, float]:
    ordered = sorted(values)
    mean = math.fsum(ordered) / len(ordered)
    return mean, math.sqrt(math.fsum((value - mean) ** 2 for value in ordered) / len(ordered))


def _entry_result(
    entry: int,
    sheets: list[JudgeScore],
    method: AggregationMethod,
    zscores: Mapping[tuple[int, int], float] | None,
    overall: tuple[float, float],
) -> EntryResult:
    totals = sorted(sheet.total for sheet in sheets)
    raw_mean = _mean(totals)
    value, counted, used = raw_mean, len(totals), AggregationMethod.MEAN
    notes: tuple[str, ...] = ()
    if method is AggregationMethod.TRIMMED_MEAN:
        if len(totals) >= TRIM_MIN_SCORES:
            value, counted, used = _mean(totals[1:-1]), len(totals) - 2, method
        else:
            notes = (f"trimmed mean needs {TRIM_MIN_SCORES} scores; {len(totals)} given, plain mean used",)
    elif method is AggregationMethod.ZSCORE and zscores is not None:
        mean_z = _mean(zscores[(sheet.judge_id, entry)] for sheet in sheets)
        value, used = min(100.0, max(0.0, overall[0] + overall[1] * mean_z)), method

    criterion_values: dict[str, list[float]] = {}
    for sheet in sheets:
        for key, criterion_value in sheet.criteria.items():
            criterion_values.setdefault(key, []).append(float(criterion_value))
    criterion_means = {key: round(_mean(values), DECIMALS) for key, values in sorted(criterion_values.items())}

    flags: tuple[str, ...] = ()
    if totals[-1] - totals[0] > DISAGREEMENT_SPREAD:
        flags = (f"judges disagree widely: totals {totals[0]:.1f}-{totals[-1]:.1f}",)
    return EntryResult(
        entry_id=entry,
        aggregate=round(value, DECIMALS),
        raw_mean=round(raw_mean, DECIMALS),
        criterion_means=MappingProxyType(criterion_means),
        judges_counted=counted,
        method_used=used,
        notes=notes,
        flags=flags,
    )


# --------------------------------------------------------------------------- ranking


@dataclass(frozen=True, slots=True)
class RankedEntry:
    """One leaderboard line.

    Ranks run strictly from 1 to n: the tie-break keys and finally the entry
    id separate every tie.  ``tied_on_aggregate`` says another entry has the
    same aggregate; ``tie_break_used`` then names the key that placed this
    entry against its neighbour in the tie (``"entry_id"`` when every key was
    equal), and is ``None`` for an entry with no tie.
    """

    rank: int
    entry_id: int
    result: EntryResult
    tied_on_aggregate: bool
    tie_break_used: str | None


def rank_entries(aggregation: Aggregation, *, tie_break: Sequence[str] = (_RAW_MEAN,)) -> tuple[RankedEntry, ...]:
    """The leaderboard: aggregate descending, then the tie-break keys, then entry id.

    Parameters
    ----------
    aggregation
        The round's results.
    tie_break : sequence of str, default ("raw_mean",)
        Fixed before the round: ``"raw_mean"`` or criterion keys (the
        criterion mean), each compared higher first.  An entry missing a
        criterion comes after those that have it.

    Raises
    ------
    ValueError
        When a key is neither ``"raw_mean"`` nor a criterion of any result.
    """
    results = list(aggregation.results.values())
    known = {key for result in results for key in result.criterion_means}
    unknown = [key for key in tie_break if key != _RAW_MEAN and key not in known]
    if unknown and results:
        raise ValueError(f"unknown tie-break keys: {', '.join(unknown)} (use raw_mean or a criterion key)")

    def keys_of(result: EntryResult) -> tuple[float, ...]:
        return tuple(_tie_value(result, key) for key in tie_break)

    ordered = sorted(results, key=lambda r: (-r.aggregate, *(-v for v in keys_of(r)), r.entry_id))
    ranked: list[RankedEntry] = []
    for position, result in enumerate(ordered):
        neighbours = [
            other
            for other in (
                ordered[position - 1] if position else None,
                ordered[position + 1] if position + 1 < len(ordered) else None,
            )
            if other is not None and other.aggregate == result.aggregate
        ]
        deciding = _deciding_key(result, neighbours[0], tie_break) if neighbours else None
        ranked.append(RankedEntry(position + 1, result.entry_id, result, bool(neighbours), deciding))
    return tuple(ranked)


def _tie_value(result: EntryResult, key: str) -> float:
    if key == _RAW_MEAN:
        return result.raw_mean
    return result.criterion_means.get(key, -math.inf)


def _deciding_key(result: EntryResult, other: EntryResult, tie_break: Sequence[str]) -> str:
    for key in tie_break:
        if _tie_value(result, key) != _tie_value(other, key):
            return key
    return "entry_id"


def what_if(
    scores: Iterable[JudgeScore], *, tie_break: Sequence[str] = (_RAW_MEAN,)
) -> Mapping[AggregationMethod, tuple[RankedEntry, ...]]:
    """The leaderboard under every :class:`AggregationMethod`, side by side (in method order)."""
    sheets = list(scores)
    return MappingProxyType(
        {method: rank_entries(aggregate(sheets, method=method), tie_break=tie_break) for method in AggregationMethod}
    )
