"""bench/relevance.py: its tie-aware metrics, the isolated scorer of 85dffc2, and the BM25 tokens."""

from __future__ import annotations

import math
import subprocess
import sys
from itertools import permutations
from pathlib import Path

import pytest

import matching.score
from bench import relevance
from bench.relevance import Judged, bm25_tokens, ndcg, no_skill_in_top, pairwise, tie_groups
from matching.profiles import JobProfile, TalentProfile

ROOT = Path(__file__).resolve().parents[2]


def _plain_ndcg(order: tuple[int, ...], grades: dict[int, int], k: int = 10) -> float:
    dcg = sum((2.0 ** grades[i] - 1) / math.log2(p + 2) for p, i in enumerate(order[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    return dcg / sum((2.0**g - 1) / math.log2(p + 2) for p, g in enumerate(ideal))


def test_ndcg_is_one_in_the_grades_order_and_less_otherwise() -> None:
    grades = {1: 3, 2: 2, 3: 0, 4: 1}
    assert ndcg([[1], [2], [4], [3]], grades) == pytest.approx(1.0)
    assert ndcg([[3], [4], [2], [1]], grades) < 0.6


def test_a_tie_scores_the_mean_over_its_orders() -> None:
    grades = {1: 3, 2: 0, 3: 2, 4: 1, 5: 0}
    groups = [[4], [1, 2, 3], [5]]
    orders = [(4, *middle, 5) for middle in permutations([1, 2, 3])]
    expected = sum(_plain_ndcg(order, grades, k=3) for order in orders) / len(orders)
    assert ndcg(groups, grades, k=3) == pytest.approx(expected)


def test_pairwise_counts_ties_as_half() -> None:
    grades = {1: 2, 2: 1, 3: 0}
    assert pairwise([[1], [2], [3]], grades) == (3.0, 3)
    assert pairwise([[3], [2], [1]], grades) == (0.0, 3)
    assert pairwise([[1, 2, 3]], grades) == (1.5, 3)


def test_unshown_items_form_one_tie_at_the_end() -> None:
    judged = [Judged(1, 3, True), Judged(2, 0, False), Judged(3, 1, False), Judged(4, 2, True)]
    groups, shown = tie_groups([(3, 70.0), (1, 55.5), (2, 55.5)], judged)
    assert groups == [[3], [1, 2], [4]]
    assert shown == 2


def test_no_skill_share_counts_only_shown_items_whose_job_requires_skills() -> None:
    holds = {1: True, 2: False, 3: False, 4: None}
    groups = [[2], [1, 3], [4]]
    assert no_skill_in_top(groups, 2, holds, k=10) == (2.0, 3.0)
    # A tie across the cut counts by its expected share above it.
    assert no_skill_in_top(groups, 2, holds, k=2) == (1.5, 2.0)
    assert no_skill_in_top(groups, 0, holds, k=10) == (0.0, 0.0)


def test_bm25_tokens_cut_han_into_characters_and_bigrams_after_normalising() -> None:
    assert bm25_tokens(["電池管理"]) == ["电", "池", "管", "理", "电池", "池管", "管理"]
    assert bm25_tokens(["Sodium-ion Batteries", "BMS开发"]) == ["sodium", "ion", "batteries", "bms", "开", "发", "开发"]


def test_every_record_of_the_set_converts_to_the_engines_profiles() -> None:
    data = relevance.load_set()
    talents = [relevance.profile(TalentProfile, t, matching.profiles) for t in data.talents.values()]
    jobs = [relevance.profile(JobProfile, j, matching.profiles) for j in data.jobs.values()]
    assert len(talents) == len(data.talents) and len(jobs) == len(data.jobs)
    by_id = {talent.id: talent for talent in talents}
    assert by_id[6].skills == ("電池管理系統", "SOC估算", "Matlab/Simulink")
    assert by_id[6].highest_degree is matching.profiles.Degree.MASTER
    assert {job.id: job for job in jobs}[1001].hard == frozenset({"degree"})


def _has_baseline_commit() -> bool:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{relevance.BASELINE_COMMIT}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.skipif(not _has_baseline_commit(), reason="needs a git checkout holding commit 85dffc2")
def test_the_baseline_scorer_is_85dffc2s_and_leaves_matching_alone() -> None:
    current = sys.modules["matching.score"]
    with relevance.matching_at(relevance.BASELINE_COMMIT) as (score, profiles, vocabulary_path):
        vocabulary = score.SkillVocabulary.load(vocabulary_path)
        job = profiles.JobProfile(id=1, required_skills=("Python",))
        talent = profiles.TalentProfile(id=2, skills=("酒店管理",))
        result = score.score_candidate(job, talent, vocabulary)
    assert score.__name__.startswith("_guilu_matching_")
    assert not str(score.__file__).startswith(str(ROOT))
    assert sys.modules["matching.score"] is current is matching.score
    # Before issue #14 a job needing only Python gave 60 of 100 to someone without it.
    assert result.score == 60.0
    assert result.missing_skills == ("Python",)


def test_a_commit_that_is_not_there_is_refused_with_a_clear_message() -> None:
    with (
        pytest.raises(SystemExit, match="not a git checkout holding that commit"),
        relevance.matching_at("0000000000000000000000000000000000000000"),
    ):
        pass
