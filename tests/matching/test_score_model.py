"""The shape of the scoring model: required-skill coverage dominates, "nothing asked" is neutral, scores
mean the same across jobs (issue #14)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.profiles import Degree, JobProfile, LanguageLevel, LanguageSkill, TalentProfile
from matching.score import NEUTRAL, WEIGHTS, rank_candidates, rank_jobs, score_candidate
from matching.vocabulary import SkillVocabulary

SKILLS = ["python", "machine_learning", "pcr", "bms", "sic", "java", "rust", "sql"]
VOCAB = SkillVocabulary.from_records(
    [{"id": s, "zh": f"{s}技能", "en": s.replace("_", " ").title(), "chain": "general", "aliases": []} for s in SKILLS]
)
BEST_OF_THE_REST = TalentProfile(
    id=99,
    highest_degree=Degree.POSTDOC,
    fields_of_study=("Computer Science",),
    languages=(LanguageSkill("en", LanguageLevel.NATIVE), LanguageSkill("zh", LanguageLevel.NATIVE)),
    years_experience=30,
    current_city="厦门",
    wished_cities=("Xiamen",),
)

# Required skills come from the first five; rust, sql and java are the fillers the talents hold besides.
required_sets = st.lists(st.sampled_from(SKILLS[:5]), min_size=1, max_size=5, unique=True)
others = st.fixed_dictionaries(
    {
        "min_degree": st.none() | st.sampled_from(Degree),
        "fields_of_study": st.sampled_from([(), ("Computer Science",), ("Biology",)]),
        "languages": st.sampled_from([(), (LanguageSkill("en", LanguageLevel.FLUENT),)]),
        "min_years_experience": st.sampled_from([0.0, 3.0, 10.0]),
        "city": st.sampled_from([None, "厦门", "Fuzhou"]),
        "preferred_skills": st.sampled_from([(), ("rust",), ("sql", "java")]),
    }
)


def talent(talent_id: int, skills: list[str], **rest: object) -> TalentProfile:
    return dataclasses.replace(BEST_OF_THE_REST, id=talent_id, skills=tuple(skills), **rest)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(required=required_sets, rest=others, data=st.data())
def test_covering_more_than_twice_the_required_skills_always_ranks_higher(
    required: list[str], rest: dict[str, object], data: st.DataObject
) -> None:
    # given: A covers a of the required skills and nothing else; B covers b < a / 2 and everything else perfectly
    job = JobProfile(id=1, required_skills=tuple(required), **rest)  # type: ignore[arg-type]
    a = data.draw(st.integers(1, len(required)))
    b = data.draw(st.integers(0, (a - 1) // 2))
    strong = TalentProfile(id=2, skills=tuple(required[:a]))
    weak = talent(3, [*required[:b], "rust", "sql", "java"])

    # when
    ranked = rank_candidates(job, [weak, strong], VOCAB)

    # then: the one with the essentials is first; covering none is not a candidate at all
    assert ranked[0].talent_id == 2
    assert [r.talent_id for r in ranked] == ([2, 3] if b else [2])


@settings(max_examples=300, deadline=None)
@given(required=required_sets, rest=others, covered=st.data())
def test_a_score_never_exceeds_100_times_the_required_coverage(
    required: list[str], rest: dict[str, object], covered: st.DataObject
) -> None:
    job = JobProfile(id=1, required_skills=tuple(required), **rest)  # type: ignore[arg-type]
    held = covered.draw(st.integers(0, len(required)))

    result = score_candidate(job, talent(2, [*required[:held], "rust", "sql"]), VOCAB)

    # so 80 ("a strong match") needs at least 80% of the essentials, for any job
    assert result.score <= 100 * held / len(required) + 0.005
    assert result.eligible == (held > 0)


def test_a_job_asking_for_nothing_is_neutral_for_everyone_and_below_a_covered_job() -> None:
    empty = JobProfile(id=1)
    python = JobProfile(id=2, required_skills=("python",))
    people = [talent(1, ["python"]), TalentProfile(id=2, skills=("python",)), TalentProfile(id=3)]

    scores = {t.id: score_candidate(empty, t, VOCAB).score for t in people}

    assert set(scores.values()) == {NEUTRAL * (WEIGHTS["required_skills"] + NEUTRAL * 50)}
    for person in people[:2]:
        recommended = rank_jobs(person, [empty, python], VOCAB)
        assert [r.job_id for r in recommended] == [2, 1]


def test_a_job_needing_a_skill_nobody_has_ranks_nobody() -> None:
    job = JobProfile(id=1, required_skills=("asdfqwer",), min_degree=Degree.BACHELOR, city="厦门")
    pool = [talent(i, [s]) for i, s in enumerate(SKILLS)]

    assert rank_candidates(job, pool, VOCAB) == []
    assert score_candidate(job, pool[0], VOCAB).failed_hard == ("required_skills",)
    assert score_candidate(job, pool[0], VOCAB).score == 0.0


def test_unasked_components_are_neutral_not_perfect() -> None:
    job = JobProfile(id=1, required_skills=("python",))

    result = score_candidate(job, TalentProfile(id=2, skills=("python",)), VOCAB)

    assert {c.component: c.similarity for c in result.components if c.component != "required_skills"} == {
        name: NEUTRAL for name in WEIGHTS if name != "required_skills"
    }
    assert result.score == 75.0
    assert all("neutral" in c.detail for c in result.components[1:])


@pytest.mark.parametrize(("wished", "expected"), [(("new_energy",), [1, 2]), (("biomedicine",), [2, 1]), ((), [1, 2])])
def test_recommendations_count_the_wished_industries(wished: tuple[str, ...], expected: list[int]) -> None:
    jobs = [
        JobProfile(id=1, required_skills=("bms",), industry="new_energy"),
        JobProfile(id=2, required_skills=("bms",), industry="biomedicine"),
    ]
    person = TalentProfile(id=1, skills=("bms",), wished_industries=wished)

    ranked = rank_jobs(person, jobs, VOCAB)

    assert [r.job_id for r in ranked] == expected
    industry = ranked[0].components[-1]
    assert industry.component == "industry"
    assert industry.similarity == (1.0 if wished else NEUTRAL)
