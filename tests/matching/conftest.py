"""Fixtures of the engine's tests: a vocabulary with its semantic space, shared by the whole session.

Embeddings are paid once: the vectors of the vocabulary's surface forms come
from ``seeds/skill_vectors.npz`` and every other text's from a cache file in
the user's cache folder (``$XDG_CACHE_HOME/guilu/test-text-vectors.npz``),
so a later run embeds nothing it embedded before.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matching.semantic import TextVectors
from matching.vocabulary import SkillVocabulary

SEEDS = Path(__file__).parents[2] / "seeds"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "guilu" / "test-text-vectors.npz"


@pytest.fixture(scope="session")
def text_vectors() -> TextVectors:
    return TextVectors(path=CACHE, preload=[SEEDS / "skill_vectors.npz"])


@pytest.fixture(scope="session")
def semantic_vocabulary(text_vectors: TextVectors) -> SkillVocabulary:
    return SkillVocabulary.load(SEEDS / "skills.json", vectors=text_vectors)
