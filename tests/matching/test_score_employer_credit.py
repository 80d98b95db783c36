"""rank_jobs with employer credit: verified employers lifted, the explanation still sums to the score."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import given
from hypothesis import strategies as st

from matching.profiles import JobProfile, TalentProfile
from matching.score import EMPLOYER_CREDIT_WEIGHT, rank_jobs
from matching.vocabulary import SkillVocabulary

VOCAB = SkillVocabulary.from_records(
    [
        {"id": "python", "zh": "Python编程", "en": "Python", "chain": "general", "aliases": ["py"]},
        {"id": "pcr", "zh": "聚合酶链式反应", "en": "PCR", "chain": "biomedicine", "aliases": []},
    ]
)
TALENT = TalentProfile(id=1, skills=("Python",), current_city="厦门")
JOBS = [
    JobProfile(id=10, required_skills=("Python",), city="厦门"),
    JobProfile(id=11, required_skills=("Python",), city="厦门"),
    JobProfile(id=12, required_skills=("Python", "PCR"), city="厦门"),
]


def test_without_the_mapping_there_is_no_employer_credit_component() -> None:
    plain = rank_jobs(TALENT, JOBS, VOCAB)

    assert [c.component for c in plain[0].components][-1] == "industry"
    assert plain == rank_jobs(TALENT, JOBS, VOCAB, employer_verified=None)


def test_a_verified_employer_outranks_an_equal_unverified_one() -> None:
    # given: jobs 10 and 11 are identical; only 11's employer is verified
    verified = {10: False, 11: True, 12: True}

    # when
    ranked = rank_jobs(TALENT, JOBS, VOCAB, employer_verified=verified)

    # then
    assert [r.job_id for r in ranked[:2]] == [11, 10]
    credit = {r.job_id: r.components[-1] for r in ranked}
    assert credit[11].component == "employer_credit" and credit[11].contribution == EMPLOYER_CREDIT_WEIGHT
    assert credit[10].contribution == 0.0 and "not credit-verified" in credit[10].detail
    # Python covered fully (gate 1): only the verified employer's 5 points part jobs 11 and 10.
    assert ranked[0].score - ranked[1].score == EMPLOYER_CREDIT_WEIGHT


@given(st.lists(st.booleans(), min_size=3, max_size=3))
def test_the_explanation_sums_to_the_score_and_the_weights_to_100(flags: list[bool]) -> None:
    verified = {job.id: flag for job, flag in zip(JOBS, flags, strict=True)}

    for result in rank_jobs(TALENT, JOBS, VOCAB, employer_verified=verified):
        assert math.isclose(sum(c.contribution for c in result.components), result.score, abs_tol=0.01)
        assert math.isclose(sum(c.weight for c in result.components), 100.0)
        assert 0.0 <= result.score <= 100.0


def test_missing_jobs_in_the_mapping_count_as_unverified() -> None:
    ranked = rank_jobs(TALENT, [dataclasses.replace(JOBS[0])], VOCAB, employer_verified={})

    assert ranked[0].components[-1].similarity == 0.0
