from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.normalise import has_han, normalize_text, to_pinyin
from matching.vocabulary import (
    FUZZY_RESOLVE_THRESHOLD,
    SIMILARITY_FLOOR,
    SkillVocabulary,
    similarity_matrix,
    skill_similarity,
)

SEED_VOCABULARY = Path(__file__).resolve().parents[2] / "seeds" / "skills.json"

RECORDS: list[dict[str, Any]] = [
    {"id": "python", "zh": "Python编程", "en": "Python", "chain": "general", "aliases": ["py", "python3"]},
    {
        "id": "machine_learning",
        "zh": "机器学习",
        "en": "Machine Learning",
        "chain": "general",
        "aliases": ["ML"],
    },
    {"id": "deep_learning", "zh": "深度学习", "en": "Deep Learning", "chain": "general", "aliases": ["DL"]},
    {"id": "c", "zh": "C语言", "en": "C", "chain": "electronic_information", "aliases": []},
    {"id": "csharp", "zh": "C#编程", "en": "C#", "chain": "electronic_information", "aliases": ["c sharp"]},
    {"id": "java", "zh": "Java编程", "en": "Java", "chain": "electronic_information"},
    {"id": "javascript", "zh": "JavaScript编程", "en": "JavaScript", "chain": "general", "aliases": ["js"]},
]


@pytest.fixture(scope="module")
def vocab() -> SkillVocabulary:
    return SkillVocabulary.from_records(RECORDS)


def resolved_id(vocab: SkillVocabulary, text: str) -> str | None:
    resolution = vocab.resolve(text)
    return None if resolution is None else resolution.skill.id


def test_alias_resolves_exactly(vocab: SkillVocabulary) -> None:
    resolution = vocab.resolve("PY")

    assert resolution is not None
    assert (resolution.skill.id, resolution.via, resolution.score) == ("python", "exact", 100.0)


@pytest.mark.parametrize("text", ["機器學習", "机器学习", "ＭＬ", "machine learning"])
def test_scripts_and_widths_resolve_to_the_same_skill(vocab: SkillVocabulary, text: str) -> None:
    assert resolved_id(vocab, text) == "machine_learning"


@pytest.mark.parametrize("text", ["jiqixuexi", "ji qi xue xi", "Ji Qi Xue Xi", "shendu xuexi"])
def test_pinyin_resolves_chinese_names(vocab: SkillVocabulary, text: str) -> None:
    # "shendu xuexi" is neither spelling exactly; it is a fuzzy hit on "shenduxuexi".
    assert resolved_id(vocab, text) in {"machine_learning", "deep_learning"}
    assert resolved_id(vocab, text) == ("deep_learning" if text.startswith("shen") else "machine_learning")


@pytest.mark.parametrize(("typo", "skill_id"), [("Pythn", "python"), ("javascirpt", "javascript")])
def test_typos_resolve_fuzzily(vocab: SkillVocabulary, typo: str, skill_id: str) -> None:
    resolution = vocab.resolve(typo)

    assert resolution is not None
    assert (resolution.skill.id, resolution.via) == (skill_id, "fuzzy")
    assert FUZZY_RESOLVE_THRESHOLD <= resolution.score < 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [("C", "c"), ("c#", "csharp"), ("C＃", "csharp"), ("c+", None), ("jav", None)],
)
def test_short_texts_resolve_only_exactly(vocab: SkillVocabulary, text: str, expected: str | None) -> None:
    assert resolved_id(vocab, text) == expected


@pytest.mark.parametrize("text", ["underwater basket weaving", "", "   ", "Javas cript tooling"])
def test_unknown_text_resolves_to_nothing(vocab: SkillVocabulary, text: str) -> None:
    assert vocab.resolve(text) is None


def test_shared_alias_goes_to_smallest_skill_id() -> None:
    records: list[dict[str, Any]] = [
        {"id": "zeta", "zh": "泽塔", "en": "Zeta", "chain": "general", "aliases": ["shared form"]},
        {"id": "alpha", "zh": "阿尔法", "en": "Alpha", "chain": "general", "aliases": ["shared form"]},
    ]

    assert resolved_id(SkillVocabulary.from_records(records), "Shared Form") == "alpha"
    assert resolved_id(SkillVocabulary.from_records(reversed(records)), "Shared Form") == "alpha"


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate skill id"):
        SkillVocabulary.from_records([RECORDS[0], RECORDS[0]])


def test_get_len_and_iteration(vocab: SkillVocabulary) -> None:
    assert len(vocab) == len(RECORDS)
    assert [skill.id for skill in vocab] == [record["id"] for record in RECORDS]
    assert vocab.get("java").aliases == ()
    with pytest.raises(KeyError):
        vocab.get("cobol")


def test_same_canonical_skill_is_fully_similar(vocab: SkillVocabulary) -> None:
    assert skill_similarity(vocab, "ML", "機器學習") == 1.0
    assert skill_similarity(vocab, "py", "Python编程") == 1.0


def test_different_skills_and_unrelated_text_get_no_credit(vocab: SkillVocabulary) -> None:
    assert skill_similarity(vocab, "Java", "JavaScript") == 0.0
    assert skill_similarity(vocab, "C", "C#") == 0.0
    assert skill_similarity(vocab, "solid state batteries", "tax law") == 0.0


def test_near_free_text_gets_partial_credit(vocab: SkillVocabulary) -> None:
    similarity = skill_similarity(vocab, "data visualisation", "Data Visualization")

    assert SIMILARITY_FLOOR <= similarity < 1.0


skill_texts = st.one_of(
    st.sampled_from(["py", "ML", "機器學習", "jiqixuexi", "C", "C#", "Java", "data visualization", "c sharp"]),
    st.text(alphabet="abcdefgjp #+机器学习深度ＡＢ", max_size=12),
)


@settings(max_examples=150, deadline=None)
@given(a=skill_texts, b=skill_texts)
def test_similarity_is_bounded_and_symmetric(a: str, b: str) -> None:
    vocab = SkillVocabulary.from_records(RECORDS)
    similarity = skill_similarity(vocab, a, b)

    assert similarity == skill_similarity(vocab, b, a)
    assert similarity == 0.0 or SIMILARITY_FLOOR <= similarity <= 1.0


@settings(max_examples=100, deadline=None)
@given(wanted=st.lists(skill_texts, max_size=4), offered=st.lists(skill_texts, max_size=4))
def test_bulk_similarities_equal_pairwise_ones(wanted: list[str], offered: list[str]) -> None:
    vocab = SkillVocabulary.from_records(RECORDS)

    matrix = similarity_matrix([vocab.prepare(a) for a in wanted], [vocab.prepare(b) for b in offered])

    assert matrix.shape == (len(wanted), len(offered))
    assert matrix.tolist() == [[skill_similarity(vocab, a, b) for b in offered] for a in wanted]


@pytest.fixture(scope="module")
def seed_vocab() -> SkillVocabulary:
    if not SEED_VOCABULARY.exists():
        pytest.skip(f"{SEED_VOCABULARY} is not written yet")
    return SkillVocabulary.load(SEED_VOCABULARY)


def test_seed_vocabulary_is_large(seed_vocab: SkillVocabulary) -> None:
    assert len(seed_vocab) >= 400


def test_every_seed_surface_form_resolves_to_its_own_skill(seed_vocab: SkillVocabulary) -> None:
    strays = []
    for skill in seed_vocab:
        forms = [form for form in skill.surface_forms if normalize_text(form)]
        forms += [to_pinyin(form) for form in skill.surface_forms if has_han(normalize_text(form))]
        for form in forms:
            resolution = seed_vocab.resolve(form)
            if resolution is None or resolution.skill.id != skill.id:
                strays.append((form, skill.id, None if resolution is None else resolution.skill.id))

    assert strays == []


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.sampled_from(["pythn", "Pyhton", "javascirpt", "機器學習", "jiqixuexi", "c", "C#", "react", "redux", "k8s"])
        | st.text(alphabet="abcdeghilmnoprstuy 学习机器", max_size=12),
        max_size=30,
    )
)
def test_prepare_many_equals_prepare_one_by_one(texts: list[str]) -> None:
    batch, single = SkillVocabulary.load(SEED_VOCABULARY), SkillVocabulary.load(SEED_VOCABULARY)
    assert batch.prepare_many(texts) == [single.prepare(text) for text in texts]
    assert [batch.resolve(text) for text in texts] == [single.resolve(text) for text in texts]
