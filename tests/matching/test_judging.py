from __future__ import annotations

import itertools
import random
import statistics
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.judging import (
    DISAGREEMENT_SPREAD,
    TRIM_MIN_SCORES,
    ZSCORE_MIN_ENTRIES_PER_JUDGE,
    AggregationMethod,
    Assignment,
    Criterion,
    EntryProfile,
    JudgeProfile,
    JudgeScore,
    Rubric,
    TeamMember,
    aggregate,
    assign_judges,
    detect_conflicts,
    rank_entries,
    what_if,
)
from matching.resolve import OrganisationResolver, OrgRecord

RUBRIC = Rubric(
    (
        Criterion("innovation", "创新性", 25, 10),
        Criterion("technology", "技术水平", 20, 10),
        Criterion("business_model", "商业模式", 15, 10),
        Criterion("market", "市场前景", 15, 10),
        Criterion("team", "团队", 10, 10),
        Criterion("industry_fit", "产业契合度", 15, 10),
    ),
    step=0.5,
)
FULL_MARKS = dict.fromkeys(RUBRIC.keys, 10.0)

RESOLVER = OrganisationResolver(
    [
        OrgRecord(1, ("厦门大学", "厦大", "Xiamen University")),
        OrgRecord(2, ("厦门钨业股份有限公司", "Xiamen Tungsten Co., Ltd.")),
    ]
)


# --------------------------------------------------------------------------- rubric


def test_a_valid_sheet_has_no_errors_and_a_weighted_total() -> None:
    # given
    sheet = {**FULL_MARKS, "innovation": 5.0, "team": 7.5}

    # when
    errors = RUBRIC.score_errors(sheet)
    total = RUBRIC.weighted_total(sheet)

    # then
    assert errors == ()
    assert total == round((25 * 0.5 + 20 + 15 + 15 + 10 * 0.75 + 15) / 100 * 100, 2) == 85.0


def test_full_and_empty_sheets_total_100_and_0() -> None:
    assert RUBRIC.weighted_total(FULL_MARKS) == 100.0
    assert RUBRIC.weighted_total(dict.fromkeys(RUBRIC.keys, 0.0)) == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"innovation": 7.3}, "innovation: 7.3 is not a multiple of 0.5"),
        ({"team": 12}, "team: 12 is above the maximum 10"),
        ({"market": -1}, "market: -1 is below 0"),
        ({"charisma": 5}, "charisma: not a criterion of this rubric"),
        ({"technology": float("nan")}, "technology: nan is not a number"),
    ],
)
def test_sheet_errors_are_readable(change: dict[str, float], message: str) -> None:
    assert RUBRIC.score_errors({**FULL_MARKS, **change}) == (message,)


def test_a_missing_criterion_is_reported_and_refused() -> None:
    # given
    sheet = {key: value for key, value in FULL_MARKS.items() if key != "market"}

    # then
    assert RUBRIC.score_errors(sheet) == ("market: no score given",)
    with pytest.raises(ValueError, match="market: no score given"):
        RUBRIC.weighted_total(sheet)


def test_whole_point_rubric_refuses_half_points() -> None:
    rubric = Rubric((Criterion("innovation", "创新性", 1, 10),), step=1.0)
    assert rubric.score_errors({"innovation": 6.5}) == ("innovation: 6.5 is not a multiple of 1",)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Rubric(()),
        lambda: Rubric((Criterion("a", "A", 1, 10), Criterion("a", "A again", 1, 10))),
        lambda: Rubric((Criterion("a", "A", 1, 10),), step=0.25),
        lambda: Rubric((Criterion("a", "A", 1, 7.5),), step=1.0),
        lambda: Criterion("a", "A", 0, 10),
        lambda: Criterion("a", "A", 1, -5),
        lambda: JudgeScore(1, 1, 101.0, {}),
    ],
)
def test_invalid_rubrics_and_scores_are_refused(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        build()


def test_judge_score_keeps_the_total_and_the_criteria() -> None:
    score = RUBRIC.judge_score(3, 9, FULL_MARKS)
    assert (score.judge_id, score.entry_id, score.total) == (3, 9, 100.0)
    assert dict(score.criteria) == FULL_MARKS


@given(st.lists(st.integers(0, 20), min_size=6, max_size=6))
@settings(max_examples=100)
def test_weighted_total_stays_within_0_and_100(halves: list[int]) -> None:
    sheet = {key: half / 2 for key, half in zip(RUBRIC.keys, halves, strict=True)}
    assert 0.0 <= RUBRIC.weighted_total(sheet) <= 100.0


# --------------------------------------------------------------------------- conflicts


def judge(
    judge_id: int,
    *affiliations: str,
    talent_id: int | None = None,
    declared_entry_ids: frozenset[int] = frozenset(),
    declared_names: tuple[str, ...] = (),
) -> JudgeProfile:
    return JudgeProfile(
        id=judge_id,
        talent_id=talent_id,
        name=f"评委{judge_id}",
        affiliations=affiliations,
        declared_entry_ids=declared_entry_ids,
        declared_names=declared_names,
    )


LU = TeamMember(talent_id=101, name="卢晨雨", institutions=("厦门大学",), employers=("艾德生物",))
CHEN = TeamMember(
    talent_id=102, name="陈海", institutions=("Imperial College London",), employers=("厦门钨业股份有限公司",)
)
RNA_ENTRY = EntryProfile(id=7, title="多重RNA定量检测", members=(LU, CHEN))
OTHER_ENTRY = EntryProfile(
    id=8, title="海洋储能", members=(TeamMember(103, "林一", ("University of Oxford",), ("海辰储能",)),)
)


@pytest.mark.parametrize("affiliation", ["厦大", "Xiamen University", "厦门大学"])
def test_an_alias_of_a_member_institution_is_a_conflict(affiliation: str) -> None:
    # when
    conflicts = detect_conflicts([judge(1, affiliation)], [RNA_ENTRY, OTHER_ENTRY], resolver=RESOLVER)

    # then
    assert [(c.judge_id, c.entry_id, c.kind) for c in conflicts] == [(1, 7, "affiliation")]
    assert conflicts[0].reason == (
        f"judge's affiliation {affiliation} and 卢晨雨's institution 厦门大学 are the same organisation"
    )


def test_an_employer_matches_by_resolver_and_without_one_by_its_core() -> None:
    with_resolver = detect_conflicts([judge(1, "Xiamen Tungsten")], [RNA_ENTRY], resolver=RESOLVER)
    without = detect_conflicts([judge(1, "厦门钨业")], [RNA_ENTRY])

    assert [c.reason for c in with_resolver] == [
        "judge's affiliation Xiamen Tungsten and 陈海's employer 厦门钨业股份有限公司 are the same organisation"
    ]
    assert [(c.entry_id, c.kind) for c in without] == [(7, "affiliation")]


def test_an_abbreviation_without_a_record_is_not_guessed() -> None:
    assert detect_conflicts([judge(1, "厦大")], [RNA_ENTRY]) == []


def test_a_judge_on_the_team_is_the_same_person() -> None:
    conflicts = detect_conflicts([judge(1, talent_id=102)], [RNA_ENTRY, OTHER_ENTRY], resolver=RESOLVER)

    assert [(c.entry_id, c.kind) for c in conflicts] == [(7, "same_person")]
    assert conflicts[0].reason == "judge 评委1 is team member 陈海 (talent 102)"


def test_declared_entries_people_and_organisations_are_conflicts() -> None:
    # given
    judges = [
        judge(1, declared_entry_ids=frozenset({8})),
        judge(2, declared_names=("Lu Chenyu",)),
        judge(3, declared_names=("厦大",)),
        judge(4, declared_names=("陆晨宇",)),
    ]

    # when
    conflicts = detect_conflicts(judges, [RNA_ENTRY, OTHER_ENTRY], resolver=RESOLVER)

    # then
    assert [(c.judge_id, c.entry_id, c.kind) for c in conflicts] == [
        (1, 8, "declared"),
        (2, 7, "declared"),
        (3, 7, "declared"),
    ]
    assert conflicts[1].reason == "judge 评委2 declared a conflict with Lu Chenyu, team member 卢晨雨"
    assert conflicts[2].reason == "judge 评委3 declared a conflict with 厦大, 卢晨雨's institution 厦门大学"


def test_unrelated_judges_have_no_conflicts() -> None:
    judges = [judge(1, "招商银行厦门分行", "Tsinghua University"), judge(2, "集美大学", talent_id=555)]
    assert detect_conflicts(judges, [RNA_ENTRY, OTHER_ENTRY], resolver=RESOLVER) == []


def test_one_conflict_per_kind_sorted_by_judge_entry_and_kind() -> None:
    # given: judge 2 is on the team, shares two organisations and declared the entry
    judges = [
        judge(2, "厦大", "厦门钨业", talent_id=101, declared_entry_ids=frozenset({7})),
        judge(1, "海辰储能"),
    ]

    # when
    conflicts = detect_conflicts(judges, [OTHER_ENTRY, RNA_ENTRY], resolver=RESOLVER)

    # then
    assert [(c.judge_id, c.entry_id, c.kind) for c in conflicts] == [
        (1, 8, "affiliation"),
        (2, 7, "same_person"),
        (2, 7, "affiliation"),
        (2, 7, "declared"),
    ]
    assert "厦大" in conflicts[2].reason


# --------------------------------------------------------------------------- assignment

ids_strategy = st.lists(st.integers(1, 60), min_size=1, max_size=12, unique=True)


@st.composite
def assignment_problems(draw: st.DrawFn) -> tuple[list[int], list[int], int, set[tuple[int, int]]]:
    entries = draw(ids_strategy)
    judges = draw(st.lists(st.integers(100, 130), min_size=1, max_size=9, unique=True))
    per_entry = draw(st.integers(1, 6))
    all_pairs = [(j, e) for j in judges for e in entries]
    blocked = draw(st.sets(st.sampled_from(all_pairs), max_size=len(all_pairs)))
    return entries, judges, per_entry, blocked


def eligible_count(entry: int, judges: list[int], blocked: set[tuple[int, int]]) -> int:
    return sum((j, entry) not in blocked for j in judges)


def assert_consistent(result: Assignment, entries: list[int], judges: list[int]) -> None:
    assert set(result.by_entry) == set(entries)
    assert set(result.loads) == set(judges)
    assert result.pairs == {(j, e) for e, js in result.by_entry.items() for j in js}
    for j in judges:
        assert result.loads[j] == sum(1 for judge_id, _ in result.pairs if judge_id == j)


@given(assignment_problems())
@settings(max_examples=150)
def test_assignment_never_pairs_a_blocked_judge_and_covers_every_entry(
    problem: tuple[list[int], list[int], int, set[tuple[int, int]]],
) -> None:
    # given
    entries, judges, per_entry, blocked = problem

    # when
    result = assign_judges(entries, judges, per_entry=per_entry, blocked=blocked)

    # then
    assert_consistent(result, entries, judges)
    assert not result.pairs & blocked
    for entry in entries:
        assert len(result.by_entry[entry]) == min(per_entry, eligible_count(entry, judges, blocked))
    assert {s.entry_id for s in result.shortfalls} == {e for e in entries if len(result.by_entry[e]) < per_entry}


@given(ids_strategy, st.lists(st.integers(100, 140), min_size=1, max_size=15, unique=True), st.integers(1, 7))
@settings(max_examples=150)
def test_loads_differ_by_at_most_one_when_every_judge_can_take_every_entry(
    entries: list[int], judges: list[int], per_entry: int
) -> None:
    result = assign_judges(entries, judges, per_entry=per_entry)

    assert max(result.loads.values()) - min(result.loads.values()) <= 1
    assert all(len(assigned) == min(per_entry, len(judges)) for assigned in result.by_entry.values())


def smallest_max_load(entries: list[int], judges: list[int], per_entry: int, blocked: set[tuple[int, int]]) -> int:
    """Brute force over every covering assignment of a tiny problem."""
    options = []
    for entry in entries:
        free = [j for j in judges if (j, entry) not in blocked]
        options.append(list(itertools.combinations(free, min(per_entry, len(free)))))
    best = len(entries)
    for choice in itertools.product(*options):
        loads = dict.fromkeys(judges, 0)
        for chosen in choice:
            for j in chosen:
                loads[j] += 1
        best = min(best, max(loads.values()))
    return best


@st.composite
def tiny_problems(draw: st.DrawFn) -> tuple[list[int], list[int], int, set[tuple[int, int]]]:
    entries = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True))
    judges = draw(st.lists(st.integers(10, 19), min_size=1, max_size=4, unique=True))
    all_pairs = [(j, e) for j in judges for e in entries]
    blocked = draw(st.sets(st.sampled_from(all_pairs), max_size=len(all_pairs)))
    return entries, judges, draw(st.integers(1, 3)), blocked


@given(tiny_problems())
@settings(max_examples=150)
def test_the_largest_load_is_as_small_as_any_covering_assignment_allows(
    problem: tuple[list[int], list[int], int, set[tuple[int, int]]],
) -> None:
    entries, judges, per_entry, blocked = problem
    result = assign_judges(entries, judges, per_entry=per_entry, blocked=blocked)
    assert max(result.loads.values()) == smallest_max_load(entries, judges, per_entry, blocked)


@given(assignment_problems(), st.randoms(use_true_random=False))
@settings(max_examples=100)
def test_assignment_does_not_depend_on_input_order(
    problem: tuple[list[int], list[int], int, set[tuple[int, int]]], rng: random.Random
) -> None:
    entries, judges, per_entry, blocked = problem
    shuffled_entries, shuffled_judges, shuffled_blocked = list(entries), list(judges), list(blocked)
    for items in (shuffled_entries, shuffled_judges, shuffled_blocked):
        rng.shuffle(items)

    first = assign_judges(entries, judges, per_entry=per_entry, blocked=blocked)
    second = assign_judges(shuffled_entries, shuffled_judges, per_entry=per_entry, blocked=shuffled_blocked)

    assert first == second


@given(assignment_problems(), st.data())
@settings(max_examples=100)
def test_kept_and_forced_pairs_stay_unless_blocked(
    problem: tuple[list[int], list[int], int, set[tuple[int, int]]], data: st.DataObject
) -> None:
    # given
    entries, judges, per_entry, blocked = problem
    all_pairs = [(j, e) for j in judges for e in entries]
    kept_pairs = data.draw(st.sets(st.sampled_from(all_pairs), max_size=5))
    forced = data.draw(st.sets(st.sampled_from(all_pairs), max_size=3))
    keep: dict[int, list[int]] = {}
    for j, e in sorted(kept_pairs):
        keep.setdefault(e, []).append(j)

    # when
    result = assign_judges(entries, judges, per_entry=per_entry, blocked=blocked, forced=forced, keep=keep)

    # then
    wanted = kept_pairs | forced
    assert wanted - blocked <= result.pairs
    assert not result.pairs & blocked
    assert {(r.judge_id, r.entry_id) for r in result.rejected} == wanted & blocked
    assert_consistent(result, entries, judges)


def test_rerunning_with_submitted_scores_keeps_them() -> None:
    # given: a first assignment, then judge 2 submitted scores for its entries
    entries, judges = list(range(1, 11)), list(range(1, 7))
    first = assign_judges(entries, judges, per_entry=3)
    keep = {e: [j for j in js if j == 2] for e, js in first.by_entry.items()}

    # when: judge 5 turns out to be conflicted with everything
    second = assign_judges(entries, judges, per_entry=3, blocked={(5, e) for e in entries}, keep=keep)

    # then
    assert {(2, e) for e, js in keep.items() if js} <= second.pairs
    others = [load for j, load in second.loads.items() if j != 5]
    assert second.loads[5] == 0
    assert max(others) - min(others) <= 1


def test_forced_pairs_are_included_and_blocked_ones_reported() -> None:
    result = assign_judges([1, 2, 3], [10, 11, 12, 13], per_entry=1, forced={(13, 1), (10, 2)}, blocked={(10, 2)})

    assert (13, 1) in result.pairs
    assert (10, 2) not in result.pairs
    assert [(r.judge_id, r.entry_id, r.reason) for r in result.rejected] == [
        (10, 2, "forced pair: judge 10 has a conflict with or is forbidden from entry 2")
    ]


def test_pairs_outside_the_round_are_reported() -> None:
    result = assign_judges([1], [10], per_entry=1, forced={(99, 1)}, keep={5: [10]})
    assert [r.reason for r in result.rejected] == [
        "kept pair: entry 5 is not in this round",
        "forced pair: judge 99 is not on the panel of this round",
    ]
    assert result.by_entry == {1: (10,)}


def test_shortfalls_say_why() -> None:
    # given: 7 judges, 4 of them conflicted with entry 1; only 3 judges in the second panel
    conflicted = {(j, 1) for j in (1, 2, 3, 4)}

    # when
    short_of_free = assign_judges([1, 2], range(1, 8), per_entry=5, blocked=conflicted)
    short_of_judges = assign_judges([1, 2], [1, 2, 3], per_entry=5, blocked={(1, 1)})

    # then
    assert [(s.entry_id, s.assigned, s.wanted, s.reason) for s in short_of_free.shortfalls] == [
        (1, 3, 5, "only 3 of 7 judges are free of conflicts and forbidden pairs with this entry")
    ]
    assert [s.reason for s in short_of_judges.shortfalls] == [
        "only 3 judges are on the panel, and 2 of them are free of conflicts and forbidden pairs with this entry",
        "only 3 judges are on the panel",
    ]


def test_per_entry_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_entry"):
        assign_judges([1], [1], per_entry=0)


def test_a_large_round_is_fast_and_balanced() -> None:
    # given: 200 entries, 40 judges, 15% of pairs conflicted
    rng = random.Random(7)
    entries, judges = list(range(1000, 1200)), list(range(1, 41))
    blocked = {(j, e) for j in judges for e in entries if rng.random() < 0.15}

    # when
    started = time.perf_counter()
    result = assign_judges(entries, judges, per_entry=5, blocked=blocked)
    elapsed = time.perf_counter() - started

    # then
    assert elapsed < 0.5
    assert set(result.loads.values()) == {25}
    assert not result.shortfalls


# --------------------------------------------------------------------------- aggregation


def sheet(judge_id: int, entry_id: int, total: float, **criteria: float) -> JudgeScore:
    return JudgeScore(judge_id, entry_id, total, criteria)


score_lists = st.lists(
    st.tuples(st.integers(1, 6), st.integers(1, 8), st.floats(0, 100, allow_nan=False)),
    max_size=40,
    unique_by=lambda item: (item[0], item[1]),
).map(lambda items: [sheet(j, e, t, innovation=round(t / 10)) for j, e, t in items])


@given(score_lists, st.sampled_from(list(AggregationMethod)), st.randoms(use_true_random=False))
@settings(max_examples=150)
def test_aggregation_ignores_the_order_of_scores(
    scores: list[JudgeScore], method: AggregationMethod, rng: random.Random
) -> None:
    shuffled = list(scores)
    rng.shuffle(shuffled)
    assert aggregate(scores, method=method) == aggregate(shuffled, method=method)


@given(score_lists)
@settings(max_examples=100)
def test_mean_is_the_arithmetic_mean(scores: list[JudgeScore]) -> None:
    results = aggregate(scores, method=AggregationMethod.MEAN).results
    for entry, result in results.items():
        totals = [s.total for s in scores if s.entry_id == entry]
        assert result.aggregate == pytest.approx(statistics.fmean(totals), abs=0.006)
        assert result.aggregate == result.raw_mean
        assert result.judges_counted == len(totals)
        assert (not result.flags) == (max(totals) - min(totals) <= DISAGREEMENT_SPREAD)


@given(score_lists)
@settings(max_examples=100)
def test_trimmed_mean_needs_five_scores(scores: list[JudgeScore]) -> None:
    results = aggregate(scores, method=AggregationMethod.TRIMMED_MEAN).results
    for entry, result in results.items():
        totals = sorted(s.total for s in scores if s.entry_id == entry)
        if len(totals) >= TRIM_MIN_SCORES:
            assert result.method_used is AggregationMethod.TRIMMED_MEAN
            assert result.judges_counted == len(totals) - 2
            assert result.aggregate == pytest.approx(statistics.fmean(totals[1:-1]), abs=0.006)
            assert result.notes == ()
        else:
            assert result.method_used is AggregationMethod.MEAN
            assert result.aggregate == result.raw_mean
            assert result.notes == (f"trimmed mean needs 5 scores; {len(totals)} given, plain mean used",)


def test_trimmed_mean_drops_the_highest_and_the_lowest() -> None:
    scores = [sheet(j, 1, t) for j, t in enumerate([10.0, 60.0, 70.0, 80.0, 100.0], start=1)]
    result = aggregate(scores, method="trimmed_mean").results[1]
    assert (result.aggregate, result.raw_mean, result.judges_counted) == (70.0, 64.0, 3)
    assert result.flags == ("judges disagree widely: totals 10.0-100.0",)


def test_zscore_removes_a_strict_judges_bias() -> None:
    # given: judge 1 is 20 points stricter than judge 2 on the same three entries;
    # judge 1 alone scored entry 4, judge 2 alone entry 5, with the same relative standing
    strict, generous = [40.0, 50.0, 60.0, 45.0], [60.0, 70.0, 80.0, 65.0]
    scores = [sheet(1, e, t) for e, t in zip([1, 2, 3, 4], strict, strict=True)]
    scores += [sheet(2, e, t) for e, t in zip([1, 2, 3, 5], generous, strict=True)]

    # when
    by_mean = aggregate(scores, method="mean")
    by_z = aggregate(scores, method="zscore")

    # then: the plain mean favours the generous judge's entry, z-scores do not
    assert by_mean.results[5].aggregate > by_mean.results[4].aggregate
    assert by_z.results[4].aggregate == by_z.results[5].aggregate
    assert by_z.notes == ()
    assert all(r.method_used is AggregationMethod.ZSCORE for r in by_z.results.values())


def test_zscore_falls_back_to_the_mean_and_says_so() -> None:
    scores = [sheet(1, e, 50.0 + e) for e in (1, 2, 3)] + [sheet(12, e, 70.0) for e in (1, 2)]

    aggregation = aggregate(scores, method=AggregationMethod.ZSCORE)

    assert ZSCORE_MIN_ENTRIES_PER_JUDGE == 3
    assert aggregation.notes == (
        "z-score normalisation needs every judge to score at least 3 entries; judge 12 scored 2; fell back to mean",
    )
    assert all(r.method_used is AggregationMethod.MEAN for r in aggregation.results.values())
    assert aggregation.results[1].aggregate == 60.5


def test_a_judge_scoring_one_entry_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        aggregate([sheet(1, 1, 50.0), sheet(1, 1, 60.0)], method="mean")


def test_criterion_means_cover_the_judges_who_scored_them() -> None:
    scores = [sheet(1, 1, 80.0, innovation=8.0, team=6.0), sheet(2, 1, 70.0, innovation=7.5)]
    result = aggregate(scores, method="mean").results[1]
    assert dict(result.criterion_means) == {"innovation": 7.75, "team": 6.0}


# --------------------------------------------------------------------------- ranking


def test_ties_are_broken_by_the_keys_in_order_then_by_entry_id() -> None:
    # given: entries 1, 2, 3 share an aggregate of 70; 2 and 3 share the innovation mean too
    scores = [
        sheet(1, 1, 70.0, innovation=6.0, team=9.0),
        sheet(1, 2, 70.0, innovation=8.0, team=5.0),
        sheet(1, 3, 70.0, innovation=8.0, team=7.0),
        sheet(1, 4, 90.0, innovation=9.0, team=9.0),
        sheet(1, 5, 70.0, innovation=8.0, team=7.0),
    ]

    # when
    ranked = rank_entries(aggregate(scores, method="mean"), tie_break=("raw_mean", "innovation", "team"))

    # then
    assert [(r.rank, r.entry_id, r.tied_on_aggregate, r.tie_break_used) for r in ranked] == [
        (1, 4, False, None),
        (2, 3, True, "entry_id"),
        (3, 5, True, "entry_id"),
        (4, 2, True, "team"),
        (5, 1, True, "innovation"),
    ]


def test_an_unknown_tie_break_key_is_refused() -> None:
    with pytest.raises(ValueError, match="charisma"):
        rank_entries(aggregate([sheet(1, 1, 50.0, innovation=5.0)], method="mean"), tie_break=("charisma",))


@given(score_lists, st.randoms(use_true_random=False))
@settings(max_examples=100)
def test_ranking_is_deterministic_and_strict(scores: list[JudgeScore], rng: random.Random) -> None:
    shuffled = list(scores)
    rng.shuffle(shuffled)

    ranked = rank_entries(aggregate(scores, method="mean"), tie_break=("raw_mean", "innovation"))

    assert ranked == rank_entries(aggregate(shuffled, method="mean"), tie_break=("raw_mean", "innovation"))
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    assert [r.result.aggregate for r in ranked] == sorted((r.result.aggregate for r in ranked), reverse=True)


def test_what_if_ranks_under_every_method_side_by_side() -> None:
    scores = [sheet(j, e, 40.0 + 10 * j + e) for j in range(1, 6) for e in (1, 2, 3)]

    views = what_if(scores, tie_break=("raw_mean",))

    assert list(views) == list(AggregationMethod)
    assert all([r.entry_id for r in ranked] == [3, 2, 1] for ranked in views.values())
    assert views[AggregationMethod.TRIMMED_MEAN][0].result.judges_counted == 3
