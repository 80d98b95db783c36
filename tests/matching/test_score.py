from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.profiles import Degree, JobProfile, LanguageLevel, LanguageSkill, TalentProfile
from matching.score import (
    NEUTRAL,
    SKILL_MATCH_THRESHOLD,
    WEIGHTS,
    MatchResult,
    rank_candidates,
    rank_jobs,
    score_candidate,
)
from matching.vocabulary import SkillVocabulary

VOCAB = SkillVocabulary.from_records(
    [
        {"id": "python", "zh": "Python编程", "en": "Python", "chain": "general", "aliases": ["py"]},
        {
            "id": "machine_learning",
            "zh": "机器学习",
            "en": "Machine Learning",
            "chain": "general",
            "aliases": ["ML"],
        },
        {"id": "pcr", "zh": "聚合酶链式反应", "en": "PCR", "chain": "biomedicine", "aliases": []},
        {"id": "java", "zh": "Java编程", "en": "Java", "chain": "electronic_information", "aliases": []},
    ]
)

JOB = JobProfile(
    id=10,
    required_skills=("Python", "机器学习"),
    preferred_skills=("PCR",),
    min_degree=Degree.MASTER,
    fields_of_study=("Computer Science",),
    languages=(LanguageSkill("en", LanguageLevel.FLUENT),),
    min_years_experience=4,
    city="厦门市",
)
STAR = TalentProfile(
    id=1,
    skills=("py", "機器學習", "pcr"),
    highest_degree=Degree.PHD,
    fields_of_study=("computer science and technology",),
    languages=(LanguageSkill("EN", LanguageLevel.NATIVE),),
    years_experience=6,
    current_city="Shanghai",
    wished_cities=("Xiamen",),
)


def component(result: MatchResult, name: str) -> float:
    return next(c.similarity for c in result.components if c.component == name)


def test_weights_sum_to_100() -> None:
    assert sum(WEIGHTS.values()) == 100


def test_talent_meeting_everything_scores_100() -> None:
    result = score_candidate(JOB, STAR, VOCAB)

    assert result.score == 100
    assert result.missing_skills == ()
    assert [(m.required, m.offered, m.similarity) for m in result.matched_skills] == [
        ("Python", "py", 1.0),
        ("机器学习", "機器學習", 1.0),
        ("PCR", "pcr", 1.0),
    ]
    details = {c.component: c.detail for c in result.components}
    assert details["required_skills"] == "2 of 2 required skills matched; their coverage scales the other components"
    assert details["degree"] == "PhD meets minimum Master"
    assert details["location"] == "Lives in or wishes to work in 厦门市"


def test_contributions_are_weight_times_similarity_and_sum_to_score() -> None:
    talent = dataclasses.replace(STAR, skills=("Java",), highest_degree=Degree.BACHELOR, years_experience=1)

    result = score_candidate(JOB, talent, VOCAB)

    assert [c.component for c in result.components] == list(WEIGHTS)
    coverage = component(result, "required_skills")
    for c in result.components:
        assert c.weight == WEIGHTS[c.component]
        assert c.scale == (1.0 if c.component == "required_skills" else coverage)
        assert c.contribution == pytest.approx(c.weight * c.similarity * c.scale)
    assert sum(c.contribution for c in result.components) == pytest.approx(result.score, abs=0.005)
    assert result.score < 60


def test_missing_required_skills_are_listed() -> None:
    talent = dataclasses.replace(STAR, skills=("Python",))

    result = score_candidate(JOB, talent, VOCAB)

    assert result.missing_skills == ("机器学习",)
    assert component(result, "required_skills") == 0.5
    assert component(result, "preferred_skills") == 0.0
    assert result.eligible


def test_near_spelling_earns_partial_skill_credit() -> None:
    job = JobProfile(id=1, required_skills=("Data Visualisation",))
    talent = TalentProfile(id=2, skills=("data visualization", "Java"))

    result = score_candidate(job, talent, VOCAB)

    (match,) = result.matched_skills
    assert match.offered == "data visualization"
    assert SKILL_MATCH_THRESHOLD <= match.similarity < 1
    assert component(result, "required_skills") == match.similarity
    assert result.missing_skills == ()


def test_degree_one_level_below_earns_half() -> None:
    result = score_candidate(JOB, dataclasses.replace(STAR, highest_degree=Degree.BACHELOR), VOCAB)

    assert component(result, "degree") == 0.5
    assert result.score == 100 - WEIGHTS["degree"] / 2


def test_language_experience_and_location_partial_credit() -> None:
    talent = dataclasses.replace(
        STAR,
        languages=(LanguageSkill("en", LanguageLevel.INTERMEDIATE),),
        years_experience=1,
        wished_cities=("Fuzhou",),
    )

    result = score_candidate(JOB, talent, VOCAB)

    assert component(result, "languages") == 0.5
    assert component(result, "experience") == 0.25
    assert component(result, "location") == 0.0


@pytest.mark.parametrize(
    ("hard", "change"),
    [
        ("required_skills", {"skills": ("py",)}),
        ("degree", {"highest_degree": Degree.BACHELOR}),
        ("experience", {"years_experience": 3.5}),
        ("languages", {"languages": (LanguageSkill("en", LanguageLevel.INTERMEDIATE),)}),
        ("field_of_study", {"fields_of_study": ("Marine Biology",)}),
        ("location", {"current_city": "Beijing", "wished_cities": ()}),
    ],
)
def test_hard_requirement_excludes_talent_who_fails_it(hard: str, change: dict[str, object]) -> None:
    failing = dataclasses.replace(STAR, id=2, **change)  # type: ignore[arg-type]
    soft_job, hard_job = JOB, dataclasses.replace(JOB, hard=frozenset({hard}))

    assert [r.talent_id for r in rank_candidates(soft_job, [STAR, failing], VOCAB)] == [1, 2]
    assert [r.talent_id for r in rank_candidates(hard_job, [STAR, failing], VOCAB)] == [1]
    result = score_candidate(hard_job, failing, VOCAB)
    assert result.failed_hard == (hard,)
    assert not result.eligible


def test_ineligible_talents_come_last_when_asked_for() -> None:
    # given a star failing the hard degree requirement and a weaker talent meeting it
    job = dataclasses.replace(JOB, min_degree=Degree.PHD, hard=frozenset({"degree"}))
    failing = dataclasses.replace(STAR, id=1, highest_degree=Degree.BACHELOR)
    weaker = dataclasses.replace(STAR, id=2, skills=("py",))

    # when every talent is ranked
    ranked = rank_candidates(job, [failing, weaker], VOCAB, include_ineligible=True)

    # then the eligible one leads although the ineligible one scores more, and says what it failed
    assert [(r.talent_id, r.eligible, r.failed_hard) for r in ranked] == [(2, True, ()), (1, False, ("degree",))]
    assert ranked[1].score > ranked[0].score
    assert rank_candidates(job, [failing, weaker], VOCAB) == ranked[:1]


def test_unknown_hard_requirement_is_refused() -> None:
    with pytest.raises(ValueError, match="salary"):
        score_candidate(dataclasses.replace(JOB, hard=frozenset({"salary"})), STAR, VOCAB)


def test_candidates_rank_by_score_then_id() -> None:
    weaker = dataclasses.replace(STAR, id=0, skills=("py",))
    twins = [dataclasses.replace(STAR, id=i) for i in (7, 3, 5)]

    ranked = rank_candidates(JOB, [weaker, *twins], VOCAB)

    assert [r.talent_id for r in ranked] == [3, 5, 7, 0]
    assert [r.talent_id for r in rank_candidates(JOB, [weaker, *twins], VOCAB, limit=2)] == [3, 5]


def test_rank_jobs_uses_the_same_scores() -> None:
    jobs = [
        JOB,
        dataclasses.replace(JOB, id=4, required_skills=("Java",)),
        dataclasses.replace(JOB, id=2),
        dataclasses.replace(JOB, id=3, min_degree=Degree.POSTDOC, hard=frozenset({"degree"})),
    ]

    ranked = rank_jobs(STAR, jobs, VOCAB)

    # Job 4 asks for Java, which STAR lacks: covering no required skill leaves it out; 3 needs a postdoc.
    assert [r.job_id for r in ranked] == [2, 10]
    for result in ranked:
        job = next(j for j in jobs if j.id == result.job_id)
        alone = score_candidate(job, STAR, VOCAB)
        assert [c.similarity for c in result.components[:-1]] == [c.similarity for c in alone.components]
        assert result.components[-1].component == "industry" and result.components[-1].similarity == NEUTRAL
        # The seven components scaled to 95 points, the neutral industry adding half of its 5.
        assert result.score == pytest.approx(0.95 * alone.score + 2.5, abs=0.01)


languages = st.builds(LanguageSkill, st.sampled_from(["en", "zh", "ja", "EN"]), st.sampled_from(LanguageLevel))
skill_texts = st.sampled_from(["py", "Python", "ML", "機器學習", "PCR", "Java", "data visualisation", "rust", ""])
fields = st.sampled_from(["Computer Science", "computer science and technology", "Biology", "物理学"])
cities = st.sampled_from(["厦门", "Xiamen", "厦门市", "Fuzhou", "上海", ""])
degrees = st.none() | st.sampled_from(Degree)
years = st.floats(min_value=-5, max_value=60, allow_nan=False)
hard = st.frozensets(st.sampled_from(sorted(WEIGHTS.keys() - {"preferred_skills"})))

talents = st.builds(
    TalentProfile,
    id=st.integers(0, 1000),
    skills=st.lists(skill_texts, max_size=5).map(tuple),
    highest_degree=degrees,
    fields_of_study=st.lists(fields, max_size=2).map(tuple),
    languages=st.lists(languages, max_size=3).map(tuple),
    years_experience=years,
    current_city=st.none() | cities,
    wished_cities=st.lists(cities, max_size=2).map(tuple),
)
jobs = st.builds(
    JobProfile,
    id=st.integers(0, 1000),
    required_skills=st.lists(skill_texts, max_size=4).map(tuple),
    preferred_skills=st.lists(skill_texts, max_size=2).map(tuple),
    min_degree=degrees,
    fields_of_study=st.lists(fields, max_size=2).map(tuple),
    languages=st.lists(languages, max_size=2).map(tuple),
    min_years_experience=st.floats(min_value=0, max_value=20, allow_nan=False),
    city=st.none() | cities,
    hard=hard,
)


@settings(max_examples=200, deadline=None)
@given(job=jobs, talent=talents)
def test_score_is_bounded_and_explained(job: JobProfile, talent: TalentProfile) -> None:
    result = score_candidate(job, talent, VOCAB)

    assert 0 <= result.score <= 100
    assert sum(c.contribution for c in result.components) == pytest.approx(result.score, abs=0.005)
    assert all(0 <= c.similarity <= 1 for c in result.components)
    covers_none = bool(job.required_skills) and len(result.missing_skills) == len(job.required_skills)
    assert set(result.failed_hard) <= job.hard | ({"required_skills"} if covers_none else set())
    assert ("required_skills" in result.failed_hard) >= covers_none
    assert set(result.missing_skills) <= set(job.required_skills)


@settings(max_examples=100, deadline=None)
@given(job=jobs, pool=st.lists(talents, max_size=8, unique_by=lambda t: t.id), seed=st.integers())
def test_ranking_matches_pairwise_scores_and_ignores_input_order(
    job: JobProfile, pool: list[TalentProfile], seed: int
) -> None:
    shuffled = pool[:]
    random.Random(seed).shuffle(shuffled)

    ranked = rank_candidates(job, pool, VOCAB)

    assert rank_candidates(job, shuffled, VOCAB) == ranked
    expected = sorted(
        (r for r in (score_candidate(job, t, VOCAB) for t in pool) if r.eligible),
        key=lambda r: (-r.score, r.talent_id),
    )
    assert ranked == expected


@settings(max_examples=100, deadline=None)
@given(job=jobs, pool=st.lists(talents, max_size=8, unique_by=lambda t: t.id), limit=st.none() | st.integers(0, 9))
def test_ranking_everyone_puts_the_eligible_ranking_first(
    job: JobProfile, pool: list[TalentProfile], limit: int | None
) -> None:
    everyone = rank_candidates(job, pool, VOCAB, include_ineligible=True)

    eligible = rank_candidates(job, pool, VOCAB)
    rest = sorted(
        (r for r in (score_candidate(job, t, VOCAB) for t in pool) if not r.eligible),
        key=lambda r: (-r.score, r.talent_id),
    )
    assert everyone == eligible + rest
    assert rank_candidates(job, pool, VOCAB, include_ineligible=True, limit=limit) == everyone[:limit]
