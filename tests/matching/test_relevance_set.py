"""The labelled relevance set (``relevance_set.json``) keeps the shape bench/relevance.py relies on.

These tests check the set, not any ranking: enough queries on both sides,
grades in 0..3, both languages and Traditional characters, every failure kind
of issue #14 covered, and every query with relevant and irrelevant items.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from matching.normalise import has_han, normalize_text
from matching.profiles import HARD_REQUIREMENTS

SET_PATH = Path(__file__).with_name("relevance_set.json")
_LATIN = re.compile(r"[A-Za-z]")
_CANDIDATE_KINDS = {
    "no_skill_strong_profile",
    "skill_nobody_has",
    "sparse_job",
    "field_cross_language",
    "cross_language_skill",
    "broad_term",
    "typo",
    "traditional",
    "abbreviation",
}
_RECOMMENDATION_KINDS = {"empty_job", "nonsense_skill", "sparse_job", "wished_industry", "wished_city"}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SET_PATH.read_text(encoding="utf-8"))
    return loaded


def _postings(data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {job["id"]: job for job in [*data["jobs"], *data["postings"]]}


def _is_traditional(text: str) -> bool:
    """Whether ``text`` holds Han characters that Simplified Chinese writes otherwise."""
    return has_han(text) and normalize_text(text) != text.casefold()


def test_ids_are_unique_across_talents_and_postings(data: dict[str, Any]) -> None:
    talent_ids = [talent["id"] for talent in data["talents"]]
    job_ids = [job["id"] for job in [*data["jobs"], *data["postings"]]]
    assert len(set(talent_ids)) == len(talent_ids)
    assert len(set(job_ids)) == len(job_ids)


def test_at_least_forty_jobs_of_ten_distinct_judged_talents(data: dict[str, Any]) -> None:
    talents = {talent["id"] for talent in data["talents"]}
    assert len(data["jobs"]) >= 40
    for job in data["jobs"]:
        judged = [item["talent"] for item in job["judgements"]]
        assert len(judged) >= 10, job["id"]
        assert len(set(judged)) == len(judged), job["id"]
        assert set(judged) <= talents, job["id"]


def test_at_least_ten_talent_queries_of_ten_distinct_judged_jobs(data: dict[str, Any]) -> None:
    talents, postings = {talent["id"] for talent in data["talents"]}, _postings(data)
    assert len(data["recommendations"]) >= 10
    for query in data["recommendations"]:
        judged = [item["job"] for item in query["judgements"]]
        assert query["talent"] in talents
        assert len(judged) >= 10, query["talent"]
        assert len(set(judged)) == len(judged), query["talent"]
        assert set(judged) <= set(postings), query["talent"]


def _queries(data: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [(f"job {job['id']}", job["judgements"]) for job in data["jobs"]] + [
        (f"talent {query['talent']}", query["judgements"]) for query in data["recommendations"]
    ]


def test_grades_are_zero_to_three_and_every_query_has_relevant_and_irrelevant_items(data: dict[str, Any]) -> None:
    nobody_has = {job["id"] for job in data["jobs"] if "skill_nobody_has" in job["kinds"]}
    for name, judgements in _queries(data):
        grades = [item["grade"] for item in judgements]
        assert all(type(grade) is int and 0 <= grade <= 3 for grade in grades), name
        assert min(grades) == 0, f"{name} has no irrelevant item"
        assert max(grades) >= 1, f"{name} has no relevant item"
        if int(name.split()[1]) not in nobody_has:
            assert max(grades) >= 2, f"{name} has nothing better than weak"


def test_holds_required_is_known_exactly_when_the_job_requires_skills(data: dict[str, Any]) -> None:
    postings = _postings(data)
    pairs = [(job, item) for job in data["jobs"] for item in job["judgements"]]
    pairs += [(postings[item["job"]], item) for query in data["recommendations"] for item in query["judgements"]]
    for job, item in pairs:
        if job["required_skills"]:
            assert isinstance(item["holds_required"], bool), (job["id"], item)
        else:
            assert item["holds_required"] is None, (job["id"], item)


def test_nobody_without_a_required_skill_is_graded_above_weak(data: dict[str, Any]) -> None:
    postings = _postings(data)
    items = [(job["id"], item) for job in data["jobs"] for item in job["judgements"]]
    items += [(item["job"], item) for query in data["recommendations"] for item in query["judgements"]]
    lacking = [(job, item) for job, item in items if item["holds_required"] is False]
    assert all(item["grade"] <= 1 for _, item in lacking), [pair for pair in lacking if pair[1]["grade"] > 1]
    # The strong-profile distractors are there: many judged pairs lack every required skill.
    assert len(lacking) >= len(items) / 3
    assert all(postings[job]["required_skills"] for job, _ in lacking)


def test_skill_nobody_has_jobs_have_nobody_holding_it(data: dict[str, Any]) -> None:
    jobs = [job for job in data["jobs"] if "skill_nobody_has" in job["kinds"]]
    assert jobs
    for job in jobs:
        assert all(item["holds_required"] is False for item in job["judgements"]), job["id"]


def test_both_languages_and_traditional_characters_are_present(data: dict[str, Any]) -> None:
    postings = _postings(data)
    job_skills = [skill for job in postings.values() for skill in job["required_skills"] + job["preferred_skills"]]
    talent_skills = [skill for talent in data["talents"] for skill in talent["skills"]]
    fields = [field for record in [*data["talents"], *postings.values()] for field in record["fields_of_study"]]
    for texts in (job_skills, talent_skills, fields):
        assert sum(map(has_han, texts)) >= 10
        assert sum(1 for text in texts if not has_han(text) and _LATIN.search(text)) >= 10
        assert sum(map(_is_traditional, texts)) >= 3
    # Chinese jobs meet English-writing talents and the other way round.
    english_jobs = [job for job in data["jobs"] if not any(map(has_han, job["required_skills"]))]
    chinese_jobs = [job for job in data["jobs"] if all(map(has_han, job["required_skills"]))]
    assert len(english_jobs) >= 10
    assert len(chinese_jobs) >= 10


def test_every_failure_kind_is_covered_and_declared(data: dict[str, Any]) -> None:
    declared = set(data["kinds"])
    candidate = Counter(kind for job in data["jobs"] for kind in job["kinds"])
    recommendation = Counter(kind for query in data["recommendations"] for kind in query["kinds"])
    assert set(candidate) | set(recommendation) | {k for p in data["postings"] for k in p["kinds"]} <= declared
    assert set(candidate) >= _CANDIDATE_KINDS
    assert set(recommendation) >= _RECOMMENDATION_KINDS
    assert candidate["no_skill_strong_profile"] >= 20
    assert candidate["cross_language_skill"] >= 10


def test_every_query_says_its_intent(data: dict[str, Any]) -> None:
    for job in [*data["jobs"], *data["postings"]]:
        assert job["title"].strip() and job["intent"].strip(), job["id"]
    for query in data["recommendations"]:
        assert query["intent"].strip(), query["talent"]


def test_profiles_use_the_engine_fields(data: dict[str, Any]) -> None:
    degrees = {None, "bachelor", "master", "phd", "postdoc"}
    levels = {"basic", "intermediate", "fluent", "native"}
    for talent in data["talents"]:
        assert talent["highest_degree"] in degrees
        assert all(spoken["level"] in levels for spoken in talent["languages"])
        assert talent["years_experience"] >= 0
    for job in [*data["jobs"], *data["postings"]]:
        assert job["min_degree"] in degrees
        assert all(spoken["level"] in levels for spoken in job["languages"])
        assert set(job["hard"]) <= HARD_REQUIREMENTS
