"""The candidate index ranks exactly as the exhaustive scorer: same scores, order, explanations and totals."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.candidates import CandidateIndex, TalentRows
from matching.profiles import HARD_REQUIREMENTS, Degree, JobProfile, LanguageLevel, LanguageSkill, TalentProfile
from matching.score import rank_candidates, score_candidate
from matching.vocabulary import SkillVocabulary

VOCABULARY = SkillVocabulary.load(Path(__file__).parents[2] / "seeds" / "skills.json")
# Written forms, typos, Traditional characters, pinyin, word order, free text and blanks.
SKILLS = [
    "Python",
    "python3",
    "pythn",
    "py",
    "Java",
    "javascript",
    "JavaScirpt",
    "機器學習",
    "机器学习",
    "jiqixuexi",
    "machine learning",
    "learning machine",
    "深度学习",
    "deep learnin",
    "C++",
    "c",
    "Go",
    "golang",
    "React",
    "redux",
    "数据分析",
    "data analysis",
    "分析数据",
    "储能",
    "电池管理",
    "battery management",
    "BMS",
    " ",
    "",
    "underwater basket weaving",
    "Kubernetes",
    "k8s",
    "docker",
    "Dockerr",
]
FIELDS = [
    "Computer Science",
    "computer sciences",
    "计算机科学",
    "電子工程",
    "electronic engineering",
    "Finance",
    "",
    " ",
]
CITIES = ["厦门", "厦门市", "Xiamen", "xiamen city", "福州", "Fuzhou", "上海", "Shanghai", "深圳"]
LANGS = ["en", "EN", "zh", "ja", "de"]

# Terms the vocabulary lacks, which only their meaning relates (and unrelated ones).
SEMANTIC_SKILLS = [
    *SKILLS,
    "碳化硅",
    "silicon carbide",
    "SiC",
    "氮化镓",
    "gallium nitride",
    "储能变流器",
    "energy storage",
    "钠离子电池",
    "lithium-ion battery",
    "Battery Manufacturing Process",
    "旅游管理",
    "deep learning",
]
SEMANTIC_FIELDS = [*FIELDS, "材料科学", "Materials Science", "Artificial Intelligence", "人工智能", "旅游管理"]


def _talents(skills: list[str], fields: list[str]) -> st.SearchStrategy[list[TalentProfile]]:
    return st.lists(
        st.builds(
            TalentProfile,
            id=st.integers(1, 10_000),
            skills=st.lists(st.sampled_from(skills), max_size=6).map(tuple),
            highest_degree=st.none() | st.sampled_from(Degree),
            fields_of_study=st.lists(st.sampled_from(fields), max_size=2).map(tuple),
            languages=st.lists(
                st.builds(LanguageSkill, st.sampled_from(LANGS), st.sampled_from(LanguageLevel)), max_size=3
            ).map(tuple),
            years_experience=st.sampled_from([-1.0, 0.0, 0.5, 2.0, 3.0, 7.0, 12.0]),
            current_city=st.none() | st.sampled_from(CITIES),
            wished_cities=st.lists(st.sampled_from(CITIES), max_size=2).map(tuple),
        ),
        max_size=60,
        unique_by=lambda t: t.id,
    )


def _job(skills: list[str], fields: list[str]) -> st.SearchStrategy[JobProfile]:
    return st.builds(
        JobProfile,
        id=st.just(1),
        required_skills=st.lists(st.sampled_from(skills), max_size=4).map(tuple),
        preferred_skills=st.lists(st.sampled_from(skills), max_size=3).map(tuple),
        min_degree=st.none() | st.sampled_from(Degree),
        fields_of_study=st.lists(st.sampled_from(fields), max_size=2).map(tuple),
        languages=st.lists(
            st.builds(LanguageSkill, st.sampled_from(LANGS), st.sampled_from(LanguageLevel)), max_size=2
        ).map(tuple),
        min_years_experience=st.sampled_from([0.0, 1.0, 3.0, 5.0]),
        city=st.none() | st.sampled_from(CITIES),
        hard=st.frozensets(st.sampled_from(sorted(HARD_REQUIREMENTS))),
    )


talents_strategy = _talents(SKILLS, FIELDS)
job_strategy = _job(SKILLS, FIELDS)
FAST = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FAST
@given(
    talents=talents_strategy,
    job=job_strategy,
    limit=st.none() | st.integers(0, 25),
    offset=st.integers(0, 5),
    first_pass=st.sampled_from([1, 3, 2048]),
)
def test_rank_equals_the_exhaustive_scorer(
    talents: list[TalentProfile], job: JobProfile, limit: int | None, offset: int, first_pass: int
) -> None:
    """Small first passes make the bound-based pruning and the later passes run on these small pools."""
    expected = rank_candidates(job, talents, VOCABULARY)
    with patch("matching.candidates._FIRST_PASS", first_pass):
        ranking = CandidateIndex.build(talents, VOCABULARY).rank(job, limit=limit, offset=offset)
    assert ranking.results == expected[offset : None if limit is None else offset + limit]
    assert ranking.total == len(expected)


@FAST
@given(
    talents=_talents(SEMANTIC_SKILLS, SEMANTIC_FIELDS),
    job=_job(SEMANTIC_SKILLS, SEMANTIC_FIELDS),
    limit=st.none() | st.integers(0, 25),
    first_pass=st.sampled_from([1, 3, 2048]),
)
def test_semantic_matches_rank_like_the_exhaustive_scorer(
    semantic_vocabulary: SkillVocabulary,
    talents: list[TalentProfile],
    job: JobProfile,
    limit: int | None,
    first_pass: int,
) -> None:
    """Skill expansions and field similarities include the texts close in meaning, as the scorer grades them."""
    expected = rank_candidates(job, talents, semantic_vocabulary)
    with patch("matching.candidates._FIRST_PASS", first_pass):
        ranking = CandidateIndex.build(talents, semantic_vocabulary).rank(job, limit=limit)
    assert ranking.results == expected[:limit]
    assert ranking.total == len(expected)


def test_a_term_the_vocabulary_lacks_finds_its_translation(semantic_vocabulary: SkillVocabulary) -> None:
    talents = [
        TalentProfile(id=1, skills=("perovskite",), fields_of_study=("Materials Science",)),
        TalentProfile(id=2, skills=("旅游管理",), fields_of_study=("旅游管理",)),
    ]
    job = JobProfile(id=1, required_skills=("钙钛矿",), fields_of_study=("材料科学",))
    index = CandidateIndex.build(talents, semantic_vocabulary)
    [best] = index.rank(job, limit=2).results
    assert best.talent_id == 1 and [m.offered for m in best.matched_skills] == ["perovskite"]
    assert [best] == rank_candidates(job, talents, semantic_vocabulary)
    # the tourism graduate covers no required skill, so is not a candidate
    assert score_candidate(job, talents[1], semantic_vocabulary).missing_skills == ("钙钛矿",)


@FAST
@given(
    talents=talents_strategy,
    changed=talents_strategy,
    removed=st.lists(st.integers(1, 10_000), max_size=10),
    job=job_strategy,
)
def test_changes_without_a_rebuild_rank_like_a_fresh_index(
    talents: list[TalentProfile], changed: list[TalentProfile], removed: list[int], job: JobProfile
) -> None:
    index = CandidateIndex.build(talents, VOCABULARY)
    current = {t.id: t for t in talents}
    for talent in changed:
        index.upsert(talent)
        current[talent.id] = talent
    for talent_id in removed:
        index.remove(talent_id)
        current.pop(talent_id, None)
    expected = rank_candidates(job, current.values(), VOCABULARY)
    assert index.rank(job, limit=10).results == expected[:10]
    assert len(index) == len(current)
    assert sorted(t.id for t in index.profiles()) == sorted(current)
    assert index.compacted().rank(job, limit=10).results == expected[:10]


def _rows_of(talents: list[TalentProfile], strangers: list[int]) -> TalentRows:
    """``talents`` as the plain rows of a database, talents in any order, with rows of unknown talents mixed in."""
    return TalentRows(
        talents=[(t.id, t.years_experience, t.current_city, t.wished_cities) for t in talents],
        skills=[(t.id, skill) for t in reversed(talents) for skill in t.skills] + [(i, "Python") for i in strangers],
        education=[(t.id, t.highest_degree, None) for t in talents if t.highest_degree]
        + [(t.id, None, field) for t in reversed(talents) for field in t.fields_of_study]
        + [(i, Degree.PHD, "Computer Science") for i in strangers],
        languages=[(t.id, s.language, int(s.level)) for t in talents for s in t.languages]
        + [(i, "en", int(LanguageLevel.NATIVE)) for i in strangers],
    )


@FAST
@given(
    talents=talents_strategy,
    strangers=st.lists(st.integers(10_001, 10_010), max_size=3),
    job=job_strategy,
    limit=st.none() | st.integers(0, 25),
)
def test_an_index_from_rows_equals_one_from_profiles(
    talents: list[TalentProfile], strangers: list[int], job: JobProfile, limit: int | None
) -> None:
    index = CandidateIndex.from_rows(_rows_of(talents, strangers), VOCABULARY)
    expected = rank_candidates(job, talents, VOCABULARY)
    assert index.rank(job, limit=limit).results == expected[:limit]
    assert list(index.profiles()) == list(CandidateIndex.build(talents, VOCABULARY).profiles())


# Few characters, so that free texts are often near one another (and sometimes share words).
FREE_TEXTS = st.text(alphabet="ab c数据", min_size=2, max_size=10)


@FAST
@given(
    talents=st.lists(
        st.builds(
            TalentProfile,
            id=st.integers(1, 10_000),
            skills=st.lists(FREE_TEXTS, min_size=1, max_size=4).map(tuple),
            fields_of_study=st.lists(FREE_TEXTS, max_size=2).map(tuple),
        ),
        min_size=5,
        max_size=40,
        unique_by=lambda t: t.id,
    ),
    job=st.builds(
        JobProfile,
        id=st.just(1),
        required_skills=st.lists(FREE_TEXTS, min_size=1, max_size=3).map(tuple),
        preferred_skills=st.lists(FREE_TEXTS, max_size=2).map(tuple),
        fields_of_study=st.lists(FREE_TEXTS, min_size=1, max_size=2).map(tuple),
    ),
)
def test_free_texts_rank_like_the_exhaustive_scorer(talents: list[TalentProfile], job: JobProfile) -> None:
    """Fuzzy skills and fields are compared only with the texts their length and characters can reach."""
    assert CandidateIndex.build(talents, VOCABULARY).rank(job).results == rank_candidates(job, talents, VOCABULARY)


def test_extra_profiles_join_one_ranking_only() -> None:
    index = CandidateIndex.build([TalentProfile(id=1, skills=("Python",))], VOCABULARY)
    job = JobProfile(id=9, required_skills=("python",))
    applicant = TalentProfile(id=2, skills=("pythn",))
    ranking = index.rank(job, limit=5, extra=[applicant])
    assert [m.talent_id for m in ranking.results] == [1, 2]
    assert ranking.total == 2
    assert [m.talent_id for m in index.rank(job, limit=5).results] == [1]


def test_a_saved_index_loads_and_ranks_the_same(tmp_path: Path) -> None:
    talents = [
        TalentProfile(id=i, skills=(SKILLS[i % len(SKILLS)], SKILLS[(3 * i) % len(SKILLS)]), current_city=CITIES[i % 9])
        for i in range(1, 200)
    ]
    job = JobProfile(id=1, required_skills=("Python", "机器学习"), city="厦门", hard=frozenset({"location"}))
    index = CandidateIndex.build(talents, VOCABULARY)
    index.save(tmp_path / "index.npz")
    loaded = CandidateIndex.load(tmp_path / "index.npz", VOCABULARY)
    assert loaded.rank(job, limit=20) == index.rank(job, limit=20)
    assert loaded.rank(job, limit=20).results == rank_candidates(job, talents, VOCABULARY)[:20]


def test_a_saved_semantic_index_loads_and_ranks_the_same(tmp_path: Path, semantic_vocabulary: SkillVocabulary) -> None:
    talents = [
        TalentProfile(
            id=i, skills=(SEMANTIC_SKILLS[i % len(SEMANTIC_SKILLS)],), fields_of_study=(SEMANTIC_FIELDS[i % 13],)
        )
        for i in range(1, 120)
    ]
    job = JobProfile(id=1, required_skills=("碳化硅", "储能"), fields_of_study=("材料科学",))
    CandidateIndex.build(talents, semantic_vocabulary).save(tmp_path / "index.npz")
    loaded = CandidateIndex.load(tmp_path / "index.npz", semantic_vocabulary)
    assert loaded.rank(job, limit=20).results == rank_candidates(job, talents, semantic_vocabulary)[:20]


def test_bad_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="appears twice"):
        CandidateIndex.build([TalentProfile(id=1), TalentProfile(id=1)], VOCABULARY)
    (tmp_path / "other.npz").write_bytes(b"not an index")
    with pytest.raises(ValueError):
        CandidateIndex.load(tmp_path / "other.npz", VOCABULARY)
    with pytest.raises(ValueError, match="unknown hard requirements"):
        CandidateIndex.build([], VOCABULARY).rank(JobProfile(id=1, hard=frozenset({"salary"})), limit=5)
