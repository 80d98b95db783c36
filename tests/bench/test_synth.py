"""The synthetic data generator: deterministic, realistic, and readable by the application."""

from __future__ import annotations

from collections import Counter
from itertools import islice
from pathlib import Path

import opencc
import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from api.models import Enterprise, Job
from api.services.matching import job_profiles as stored_job_profiles
from api.services.matching import talent_profiles as stored_talent_profiles
from api.uscc import is_valid_uscc
from bench import synth
from matching.normalise import has_han
from matching.profiles import TalentProfile

_T2S = opencc.OpenCC("t2s")


@pytest.fixture(scope="module")
def talents() -> list[TalentProfile]:
    return list(synth.talent_profiles(5000))


def test_the_same_seed_gives_the_same_records(talents: list[TalentProfile]) -> None:
    assert list(synth.talent_profiles(300)) == talents[:300]
    assert synth.job_profiles(50, seed=9) == synth.job_profiles(50, seed=9)
    names = synth.enterprise_names(300, seed=4)
    assert names == synth.enterprise_names(300, seed=4)
    assert synth.name_queries(names, 50) == synth.name_queries(names, 50)
    assert synth.search_docs(60) == synth.search_docs(60)
    assert synth.search_queries(80) == synth.search_queries(80)


def test_another_seed_gives_other_records(talents: list[TalentProfile]) -> None:
    assert list(synth.talent_profiles(300, seed=1)) != talents[:300]
    assert synth.enterprise_names(300, seed=5) != synth.enterprise_names(300, seed=4)


def test_talents_are_streamed_with_ids_from_one(talents: list[TalentProfile]) -> None:
    first = list(islice(synth.talent_profiles(10**9), 3))
    assert [p.id for p in first] == [1, 2, 3]
    assert first == talents[:3]
    assert [p.id for p in talents] == list(range(1, 5001))


def test_skills_follow_a_zipf_like_frequency(talents: list[TalentProfile]) -> None:
    # given
    vocab = synth.vocabulary()
    holders: Counter[str] = Counter()
    for talent in talents:
        resolved = {vocab.resolve(skill) for skill in talent.skills}
        holders.update(r.skill.id for r in resolved if r is not None)

    # then: a few skills are common, most are rare
    (_, top), *_ = holders.most_common(1)
    assert 0.05 <= top / len(talents) <= 0.30  # skills cluster by trade, so no single skill is everywhere
    rare = sum(1 for skill in vocab if holders[skill.id] < 0.01 * len(talents))
    assert rare > len(vocab) / 2
    sizes = [len(t.skills) for t in talents]
    assert min(sizes) >= 3 and max(sizes) <= 15
    assert 7 <= sum(sizes) / len(sizes) <= 9


def test_skills_are_written_with_typos_traditional_characters_and_free_text(talents: list[TalentProfile]) -> None:
    # given
    vocab = synth.vocabulary()
    written = [skill for talent in talents for skill in talent.skills]
    resolutions = [vocab.resolve(skill) for skill in written]

    # then
    fuzzy = sum(1 for r in resolutions if r is not None and r.via == "fuzzy")
    traditional = sum(1 for skill in written if has_han(skill) and _T2S.convert(skill) != skill)
    unknown = sum(1 for r in resolutions if r is None)
    assert fuzzy > 0.01 * len(written)
    assert traditional > 0.02 * len(written)
    assert unknown > 0.02 * len(written)


def test_jobs_mark_some_requirements_hard() -> None:
    jobs = synth.job_profiles(1000)
    hard = [job for job in jobs if job.hard]
    assert 0.2 <= len(hard) / len(jobs) <= 0.4
    assert all(len(job.required_skills) + len(job.preferred_skills) >= 2 for job in jobs)
    assert all(1 <= len(job.hard) <= 2 for job in hard)


def test_enterprise_names_are_distinct() -> None:
    names = synth.enterprise_names(2000)
    assert len(set(names)) == len(names)
    assert any(name.startswith("厦门") and name.endswith("有限公司") for name in names)
    assert any(name.endswith("Co., Ltd.") for name in names)


def test_populate_writes_rows_the_application_reads_back(tmp_path: Path) -> None:
    # given
    path = tmp_path / "synth.db"

    # when
    written = synth.populate(f"sqlite:///{path}", talents=200, jobs=20)

    # then
    assert written == path
    engine = create_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            assert stored_talent_profiles(session) == {p.id: p for p in synth.talent_profiles(200)}
            jobs = list(session.execute(select(Job).order_by(Job.id)).scalars())
            assert stored_job_profiles(session, jobs) == {j.id: j for j in synth.job_profiles(20, seed=1)}
            codes = list(session.execute(select(Enterprise.uscc)).scalars())
            assert codes and all(is_valid_uscc(code) for code in codes)
    finally:
        engine.dispose()
