"""The skill vocabulary: canonical skills and the many ways people write them.

A :class:`SkillVocabulary` maps free text such as ``"py"``, ``"機器學習"`` or
``"jiqixuexi"`` to one canonical :class:`Skill`.  Every *surface form* of a
skill (its id, Chinese and English names and aliases, plus the pinyin of each
Chinese form, written with and without spaces) is normalised with
:func:`~matching.normalise.normalize_text` and indexed.

Resolution of a text, in order:

1. the normalised text is looked up exactly among the surface forms
   (score 100, ``via="exact"``);
2. a text longer than :data:`EXACT_ONLY_MAX_LENGTH` characters is compared
   with every surface form of that length or more using
   :func:`rapidfuzz.fuzz.ratio` (an edit-distance ratio, so ``"pythn"`` meets
   ``"python"`` but word order matters); the best form scoring at least
   :data:`FUZZY_RESOLVE_THRESHOLD` wins (``via="fuzzy"``).  Short texts only
   resolve exactly, so ``"c"`` never becomes ``"c#"``.

Ties, both between skills sharing a surface form and between equally good
fuzzy candidates, go to the smallest skill id.  A form written by the
vocabulary (id, names, aliases) beats a pinyin form derived from another
skill's Chinese name.

:func:`skill_similarity` grades two skill texts in ``0..1``: ``1`` for the same
canonical skill (or the same normalised text), otherwise
:func:`rapidfuzz.fuzz.token_sort_ratio` of the normalised texts, capped at
:data:`FUZZY_SIMILARITY_CAP` and cut to ``0`` below
:data:`SIMILARITY_FLOOR`.  A vocabulary built with ``vectors`` (a
:class:`~matching.semantic.TextVectors`) also grades meaning: the similarity
is then the larger of that and :func:`~matching.semantic.semantic_similarity`
of the two texts' vectors (a resolved text takes its skill's vector), so
``碳化硅`` meets ``silicon carbide`` although the vocabulary knows neither.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from matching.normalise import has_han, normalize_text, to_pinyin
from matching.semantic import SemanticSpace, TextVectors, semantic_similarity

__all__ = [
    "EXACT_ONLY_MAX_LENGTH",
    "FUZZY_RESOLVE_THRESHOLD",
    "FUZZY_SIMILARITY_CAP",
    "SIMILARITY_FLOOR",
    "Skill",
    "SkillResolution",
    "SkillText",
    "SkillVocabulary",
    "similarity_matrix",
    "skill_similarity",
    "text_similarity",
]

# Minimum fuzz.ratio (0..100) for a text to resolve to a skill it does not spell exactly.
# 88 accepts one dropped or swapped letter in a 9-letter word ("pythn", "javascirpt")
# and refuses near neighbours such as "java" / "javas" or "react" / "redux".
FUZZY_RESOLVE_THRESHOLD = 88.0
# Texts (and surface forms) of at most this many characters resolve exactly or not at all.
EXACT_ONLY_MAX_LENGTH = 3
# Texts resolved per cdist call in SkillVocabulary.prepare_many.
_RESOLVE_CHUNK = 2048
# Similarities (0..1) below this floor count as no match at all.
SIMILARITY_FLOOR = 0.75
# Two texts that are not the same skill never earn full credit.
FUZZY_SIMILARITY_CAP = 0.95


@dataclass(frozen=True, slots=True)
class Skill:
    """A canonical skill.

    Attributes
    ----------
    id
        Stable identifier, e.g. ``"python"``.
    zh, en
        Chinese and English display names.
    chain
        Industry chain code (``"electronic_information"``) or ``"general"``.
    aliases
        Other ways people write the skill.
    """

    id: str
    zh: str
    en: str
    chain: str
    aliases: tuple[str, ...] = ()

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """The written forms of the skill as the vocabulary lists them."""
        return (self.id, self.zh, self.en, *self.aliases)


@dataclass(frozen=True, slots=True)
class SkillResolution:
    """The skill a text resolved to, how well (0..100) and how."""

    skill: Skill
    score: float
    via: Literal["exact", "fuzzy"]


@dataclass(frozen=True, slots=True)
class SkillText:
    """A skill text prepared once for many comparisons.

    Attributes
    ----------
    text
        The text as written.
    normalised
        :func:`~matching.normalise.normalize_text` of ``text``.
    skill_id
        Id of the canonical skill it resolves to, or ``None``.
    vector
        Its quantised semantic vector (its skill's when resolved), or ``None``
        when the vocabulary has no semantic space or the text is blank.
    """

    text: str
    normalised: str
    skill_id: str | None
    vector: npt.NDArray[np.float32] | None = field(default=None, compare=False, repr=False)

    def similarity(self, other: SkillText) -> float:
        """Similarity (0..1) of two skill texts; see :func:`skill_similarity`."""
        if self.skill_id is not None and self.skill_id == other.skill_id:
            return 1.0
        fuzzy = text_similarity(self.normalised, other.normalised)
        if self.vector is None or other.vector is None or (self.skill_id is not None and other.skill_id is not None):
            return fuzzy  # two different vocabulary skills are never compared by meaning
        return max(fuzzy, float(semantic_similarity(self.vector[None, :], other.vector[None, :])[0, 0]))


# Priority of a surface form: smaller wins when two skills share a form.
_WRITTEN, _DERIVED = 0, 1


class SkillVocabulary:
    """An immutable set of skills indexed by every normalised surface form.

    Build one with :meth:`from_records` or :meth:`load`.  Given ``vectors``,
    the vocabulary grades meaning too: :attr:`semantic` is then a
    :class:`~matching.semantic.SemanticSpace` centred on its surface forms,
    and every prepared text carries a vector.
    """

    __slots__ = (
        "_by_form",
        "_by_normalised",
        "_cache",
        "_fuzzy_forms",
        "_fuzzy_owners",
        "_prepared",
        "_skills",
        "semantic",
    )

    def __init__(self, skills: Iterable[Skill], *, vectors: TextVectors | None = None) -> None:
        self._skills: dict[str, Skill] = {}
        for skill in skills:
            if skill.id in self._skills:
                raise ValueError(f"duplicate skill id {skill.id!r}")
            self._skills[skill.id] = skill

        ranked: dict[str, tuple[int, str]] = {}
        for skill in self._skills.values():
            for form, priority in _indexed_forms(skill):
                candidate = (priority, skill.id)
                if form not in ranked or candidate < ranked[form]:
                    ranked[form] = candidate
        self._by_form: dict[str, Skill] = {form: self._skills[sid] for form, (_, sid) in ranked.items()}

        # Sorted by skill id so rapidfuzz's first-best-wins rule breaks ties by skill id.
        fuzzy = sorted((sid, form) for form, (_, sid) in ranked.items() if len(form) > EXACT_ONLY_MAX_LENGTH)
        self._fuzzy_forms: list[str] = [form for _, form in fuzzy]
        self._fuzzy_owners: list[Skill] = [self._skills[sid] for sid, _ in fuzzy]
        self._cache: dict[str, SkillResolution | None] = {}
        self._by_normalised: dict[str, SkillResolution | None] = {}
        self._prepared: dict[str, SkillText] = {}
        self.semantic = None if vectors is None else SemanticSpace(self._skills.values(), vectors)

    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], *, vectors: TextVectors | None = None
    ) -> SkillVocabulary:
        """Build a vocabulary from ``{"id", "zh", "en", "chain", "aliases"}`` mappings.

        Parameters
        ----------
        records
            One mapping per skill; ``aliases`` may be missing.
        vectors
            Embeddings for semantic similarity (none: the vocabulary and fuzzy spelling only).

        Raises
        ------
        KeyError
            When a record lacks ``id``, ``zh``, ``en`` or ``chain``.
        ValueError
            When two records share an id.
        """
        return cls(
            (
                Skill(
                    id=str(record["id"]),
                    zh=str(record["zh"]),
                    en=str(record["en"]),
                    chain=str(record["chain"]),
                    aliases=tuple(str(alias) for alias in record.get("aliases", ())),
                )
                for record in records
            ),
            vectors=vectors,
        )

    @classmethod
    def load(cls, path: str | Path, *, vectors: TextVectors | None = None) -> SkillVocabulary:
        """Read a vocabulary file (``{"version": 1, "skills": [...]}``, UTF-8 JSON); ``vectors`` as in
        :meth:`from_records`."""
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        if document.get("version") != 1:
            raise ValueError(f"unsupported skill vocabulary version {document.get('version')!r}")
        return cls.from_records(document["skills"], vectors=vectors)

    def __len__(self) -> int:
        return len(self._skills)

    def __iter__(self) -> Iterator[Skill]:
        return iter(self._skills.values())

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._skills

    def get(self, skill_id: str) -> Skill:
        """The skill with id ``skill_id``.

        Raises
        ------
        KeyError
            When no skill has that id.
        """
        return self._skills[skill_id]

    def resolve(self, text: str) -> SkillResolution | None:
        """The canonical skill ``text`` names, or ``None`` when none is close enough.

        Results are cached per input text and per normalised text, so the
        many ways of writing one text are resolved once.
        """
        try:
            return self._cache[text]
        except KeyError:
            normalised = normalize_text(text)
            try:
                resolution = self._by_normalised[normalised]
            except KeyError:
                resolution = self._by_normalised[normalised] = self._resolve(normalised)
            self._cache[text] = resolution
            return resolution

    def prepare(self, text: str) -> SkillText:
        """``text`` normalised and resolved, ready for :meth:`SkillText.similarity` (cached)."""
        try:
            return self._prepared[text]
        except KeyError:
            resolution = self.resolve(text)
            normalised = normalize_text(text)
            skill_id = None if resolution is None else resolution.skill.id
            prepared = SkillText(text, normalised, skill_id, self._vector(normalised, skill_id))
            self._prepared[text] = prepared
            return prepared

    def _vector(self, normalised: str, skill_id: str | None) -> npt.NDArray[np.float32] | None:
        if self.semantic is None or not normalised:
            return None
        if skill_id is not None:
            return self.semantic.skill_vector(skill_id)
        return self.semantic.text_vectors([normalised])[0]

    def prepare_many(self, texts: Iterable[str]) -> list[SkillText]:
        """:meth:`prepare` of many texts at once: the fuzzy step runs as chunked
        :func:`rapidfuzz.process.cdist` calls instead of one search per text,
        with the same results (the first best form wins, as in :meth:`resolve`)."""
        texts = list(texts)
        pending: dict[str, None] = {}
        for text in texts:
            if text not in self._prepared and text not in self._cache:
                normalised = normalize_text(text)
                if normalised not in self._by_normalised:
                    if normalised in self._by_form or len(normalised) <= EXACT_ONLY_MAX_LENGTH or not self._fuzzy_forms:
                        self._by_normalised[normalised] = self._resolve(normalised)
                    else:
                        pending[normalised] = None
        fuzzy = list(pending)
        for start in range(0, len(fuzzy), _RESOLVE_CHUNK):
            chunk = fuzzy[start : start + _RESOLVE_CHUNK]
            scores = process.cdist(
                chunk, self._fuzzy_forms, scorer=fuzz.ratio, score_cutoff=FUZZY_RESOLVE_THRESHOLD, dtype=np.float64
            )
            best = scores.argmax(axis=1)
            for normalised, column, row in zip(chunk, best.tolist(), scores, strict=True):
                score = float(row[column])
                self._by_normalised[normalised] = (
                    SkillResolution(self._fuzzy_owners[column], score, "fuzzy") if score > 0 else None
                )
        if self.semantic is not None:
            # The texts no skill claims are embedded together (one batched call) before they are prepared.
            unresolved = {normalize_text(t) for t in texts if t not in self._prepared and self.resolve(t) is None}
            self.semantic.text_vectors(sorted(filter(None, unresolved)))
        return [self.prepare(text) for text in texts]

    def _resolve(self, normalised: str) -> SkillResolution | None:
        if not normalised:
            return None
        exact = self._by_form.get(normalised)
        if exact is not None:
            return SkillResolution(exact, 100.0, "exact")
        if len(normalised) <= EXACT_ONLY_MAX_LENGTH or not self._fuzzy_forms:
            return None
        best = process.extractOne(
            normalised,
            self._fuzzy_forms,
            scorer=fuzz.ratio,
            score_cutoff=FUZZY_RESOLVE_THRESHOLD,
        )
        if best is None:
            return None
        _, score, index = best
        return SkillResolution(self._fuzzy_owners[index], float(score), "fuzzy")


def _indexed_forms(skill: Skill) -> Iterator[tuple[str, int]]:
    """Normalised surface forms of ``skill`` with their priority."""
    for written in skill.surface_forms:
        form = normalize_text(written)
        if not form:
            continue
        yield form, _WRITTEN
        if has_han(form):
            spaced = to_pinyin(form)
            yield spaced, _DERIVED
            yield spaced.replace(" ", ""), _DERIVED


@lru_cache(maxsize=262144)
def text_similarity(a: str, b: str) -> float:
    """Fuzzy similarity (0..1) of two *normalised* texts, word order ignored.

    Equal texts score ``1``; others score
    :func:`rapidfuzz.fuzz.token_sort_ratio` / 100, capped at
    :data:`FUZZY_SIMILARITY_CAP`, and ``0`` below :data:`SIMILARITY_FLOOR`.
    """
    if a == b:
        return 1.0 if a else 0.0
    ratio = fuzz.token_sort_ratio(a, b, score_cutoff=SIMILARITY_FLOOR * 100) / 100
    return min(ratio, FUZZY_SIMILARITY_CAP)


def skill_similarity(vocab: SkillVocabulary, a: str, b: str) -> float:
    """How well skill text ``b`` satisfies skill text ``a``, in ``0..1``.

    Parameters
    ----------
    vocab
        Resolves both texts to canonical skills.
    a, b
        Free skill texts, in any script or case.

    Returns
    -------
    float
        ``1`` when both resolve to the same canonical skill, otherwise
        :func:`text_similarity` of the normalised texts (so unresolved texts
        still earn credit for near spellings).  Symmetric in ``a`` and ``b``.
    """
    return vocab.prepare(a).similarity(vocab.prepare(b))


def similarity_matrix(wanted: Sequence[SkillText], offered: Sequence[SkillText]) -> npt.NDArray[np.float64]:
    """:meth:`SkillText.similarity` of every wanted skill with every offered one.

    One :func:`rapidfuzz.process.cdist` call (and one
    :func:`~matching.semantic.semantic_similarity` over the texts with
    vectors) instead of ``len(wanted) * len(offered)`` Python calls; the
    values equal the pairwise ones.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(wanted), len(offered))``, values in ``0..1``.
    """
    if not wanted or not offered:
        return np.zeros((len(wanted), len(offered)), dtype=np.float64)
    ratios = process.cdist(
        [skill.normalised for skill in wanted],
        [skill.normalised for skill in offered],
        scorer=fuzz.token_sort_ratio,
        score_cutoff=SIMILARITY_FLOOR * 100,
        dtype=np.float64,
    )
    similarities: npt.NDArray[np.float64] = np.minimum(ratios / 100, FUZZY_SIMILARITY_CAP)
    codes: dict[str | None, int] = {None: -1, "": -1}
    text_w, text_o, skill_w, skill_o = (
        np.array([codes.setdefault(key, len(codes)) for key in keys])
        for keys in (
            [skill.normalised for skill in wanted],
            [skill.normalised for skill in offered],
            [skill.skill_id for skill in wanted],
            [skill.skill_id for skill in offered],
        )
    )
    similarities[text_w < 0, :] = 0.0
    similarities[:, text_o < 0] = 0.0
    rows = [i for i, skill in enumerate(wanted) if skill.vector is not None]
    columns = [j for j, skill in enumerate(offered) if skill.vector is not None]
    if rows and columns:
        semantic = semantic_similarity(
            np.stack([wanted[i].vector for i in rows]),  # type: ignore[misc]
            np.stack([offered[j].vector for j in columns]),  # type: ignore[misc]
        )
        known_w = np.array([wanted[i].skill_id is not None for i in rows])
        known_o = np.array([offered[j].skill_id is not None for j in columns])
        semantic[known_w[:, None] & known_o[None, :]] = 0.0
        block = np.ix_(rows, columns)
        similarities[block] = np.maximum(similarities[block], semantic)
    same = ((text_w[:, None] == text_o[None, :]) & (text_w[:, None] >= 0)) | (
        (skill_w[:, None] == skill_o[None, :]) & (skill_w[:, None] >= 0)
    )
    similarities[same] = 1.0
    return similarities
