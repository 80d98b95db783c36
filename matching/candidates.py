"""A candidate index: exact top-k ranking of millions of talents for one job.

:func:`~matching.score.rank_candidates` compares a job with every talent it
is given.  :class:`CandidateIndex` keeps the talents in compact NumPy arrays
and answers the same question, with the same scores, explanations and order,
while touching only the talents that can reach the top:

1. *Skill expansion against the distinct skill texts, never the profiles.*
   Each job skill is compared once with every distinct normalised skill text
   held by any talent (tens of thousands, not millions): texts of the same
   canonical skill score 1, others :func:`rapidfuzz.fuzz.token_sort_ratio`
   (computed as :func:`~rapidfuzz.fuzz.ratio` over token-sorted texts, the
   same value, restricted to the texts whose length and characters can
   reach the floor).  With a semantic space (:mod:`matching.semantic`), the
   texts close in meaning join at their semantic similarity: the vocabulary
   skills some text resolves to (through the skill's vector, all their texts
   at once) and the texts no skill claims, each with a vector computed at
   build time.  The expansion of a job skill is cached.
2. *Candidates from posting lists.*  Every text has the list of talents that
   hold it; the talents holding any matched text are the *candidates*.  A
   talent's skill components are bounded by the points of the job skills it
   holds (each skill's weight times its best similarity), counted from the
   posting lists into one small integer per talent.
3. *Pruning by an upper bound.*  The other components can add at most their
   weights.  The skills giving the most points per posting are counted
   first; the talents they bound best are scored exactly, which sets a
   threshold (the k-th best score); the remaining skills that together cannot
   lift a talent to it are not read (MaxScore).  Every candidate whose bound
   is below the threshold is skipped, as is everyone holding no matched text
   when their bound (the non-skill weights) is below it too.  Nothing that
   could enter the top k is ever skipped.
4. *Exact scoring and explanation* go through
   :func:`matching.score.assess` (the arithmetic of the exhaustive scorer,
   element by element) and the exhaustive scorer's explanation of the k
   results, so scores, ties (by talent id) and explanations are identical to
   :func:`~matching.score.rank_candidates`.

:meth:`CandidateIndex.build` indexes profiles; :meth:`CandidateIndex.from_rows`
indexes the same talents read as plain table rows (:class:`TalentRows`), a
column at a time, without one object per talent.

Changes without a rebuild: :meth:`CandidateIndex.upsert` and
:meth:`CandidateIndex.remove` hide the indexed row and keep the new profile in
a small overlay that is scored exhaustively and merged; :meth:`compacted`
folds the overlay into fresh arrays.  :meth:`save` and :meth:`load` keep an
index on disk (arrays in one ``.npz`` file).
"""

from __future__ import annotations

import json
import math
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from matching.normalise import normalize_text
from matching.profiles import Degree, JobProfile, LanguageLevel, LanguageSkill, TalentProfile
from matching.score import (
    NEUTRAL,
    SKILL_MATCH_THRESHOLD,
    WEIGHTS,
    MatchResult,
    _city_keys,
    _field_matrix,
    _job_view,
    _JobView,
    assess,
    rank_candidates,
)
from matching.semantic import semantic_similarity
from matching.vocabulary import FUZZY_SIMILARITY_CAP, SIMILARITY_FLOOR, SkillText, SkillVocabulary

__all__ = ["CandidateIndex", "Ranking", "TalentRows"]

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.int64]
_Int32s = npt.NDArray[np.int32]
_Bools = npt.NDArray[np.bool_]

# The first exact pass scores this many of the best-bounded candidates (or k, when larger).
_FIRST_PASS = 2048
# Margin added to bounds: a score is rounded to 2 decimals, which may lift it by 0.005.
_BOUND_MARGIN = 0.01
# Cached skill and field expansions per index.
_EXPANSION_CACHE_SIZE = 4096
# Character counts kept per distinct skill text for the fuzzy prefilter (the rarest characters share them).
_CHARACTER_BUCKETS = 256
_FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Ranking:
    """The explained results of one ranking and how many talents were eligible in all."""

    results: list[MatchResult]
    total: int


@dataclass(frozen=True, slots=True)
class TalentRows:
    """Talents as streams of plain rows, as tables hold them, for :meth:`CandidateIndex.from_rows`.

    Each stream is read once, in the order of the fields, so each may be a
    query that runs when its stream is first read.  A talent's rows in a
    stream keep the order of its :class:`~matching.profiles.TalentProfile`
    tuple; rows of a talent id missing from ``talents`` are ignored.

    Attributes
    ----------
    talents : iterable of (int, float, str or None, sequence of str)
        ``(id, years_experience, current_city, wished_cities)``, one row per talent.
    skills : iterable of (int, str)
        ``(talent_id, skill)``.
    education : iterable of (int, int or None, str or None)
        ``(talent_id, degree, field_of_study)``: a :class:`~matching.profiles.Degree` value (the highest
        one counts) or None, and a field of study or None.
    languages : iterable of (int, str, int)
        ``(talent_id, language, level)``: a :class:`~matching.profiles.LanguageLevel` value (the highest
        one per language counts).
    """

    talents: Iterable[tuple[int, float, str | None, Sequence[str]]]
    skills: Iterable[tuple[int, str]]
    education: Iterable[tuple[int, int | None, str | None]]
    languages: Iterable[tuple[int, str, int]]


# The number of a text not numbered yet.
_UNKNOWN = -2


class _Texts:
    """Distinct texts numbered in order of first appearance (None is numbered -1)."""

    __slots__ = ("ids", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.ids: dict[str | None, int] = {None: -1}

    def numbers(self, texts: Sequence[str | None]) -> list[int]:
        """The number of each of ``texts``, numbering the new ones (each looked up once: most are known)."""
        numbers = list(map(self.ids.get, texts, repeat(_UNKNOWN)))
        if _UNKNOWN in numbers:
            for position in [i for i, number in enumerate(numbers) if number == _UNKNOWN]:
                numbers[position] = self._new(cast(str, texts[position]))  # None is always known
        return numbers

    def _new(self, text: str) -> int:
        number = self.ids.get(text)
        if number is None:
            number = self.ids[text] = len(self.texts)
            self.texts.append(text)
        return number


class _Postings:
    """Which rows hold each key: keys ``0..size-1`` -> sorted arrays of rows (CSR)."""

    __slots__ = ("rows", "starts")

    def __init__(self, keys: _Int32s, rows: _Int32s, size: int) -> None:
        # Keys as narrow as they fit: NumPy sorts 8- and 16-bit integers by radix, in linear time.
        order = np.argsort(keys.astype(np.min_scalar_type(size), copy=False), kind="stable")
        self.rows: _Int32s = rows[order]
        self.starts: _Ints = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=size), out=self.starts[1:])

    @classmethod
    def stored(cls, arrays: dict[str, Any], name: str) -> _Postings:
        postings = cls.__new__(cls)
        postings.rows, postings.starts = arrays[f"{name}_posting_rows"], arrays[f"{name}_posting_starts"]
        return postings

    def store(self, arrays: dict[str, Any], name: str) -> None:
        arrays[f"{name}_posting_rows"], arrays[f"{name}_posting_starts"] = self.rows, self.starts

    def of(self, key: int) -> _Int32s:
        return self.rows[self.starts[key] : self.starts[key + 1]]

    def union(self, keys: Iterable[int], size: int) -> _Bools:
        """A mask over ``size`` rows of those holding any of ``keys``."""
        mask = np.zeros(size, dtype=np.bool_)
        for key in keys:
            mask[self.of(key)] = True
        return mask


class _Lists:
    """Per-row lists of ints (CSR): ``values[starts[row]:starts[row + 1]]``."""

    __slots__ = ("starts", "values")

    def __init__(self, starts: _Ints, values: _Int32s) -> None:
        self.starts = starts
        self.values = values

    def of(self, row: int) -> _Int32s:
        return self.values[self.starts[row] : self.starts[row + 1]]

    def owners(self) -> _Int32s:
        """The row of every value."""
        return np.repeat(np.arange(len(self.starts) - 1, dtype=np.int32), np.diff(self.starts))


class _Expansion:
    """Distinct texts that resemble one wanted text: their ids and similarities."""

    __slots__ = ("ids", "similarities")

    def __init__(self, found: dict[int, float]) -> None:
        self.ids: _Int32s = np.fromiter(found.keys(), np.int32, len(found))
        self.similarities: _Floats = np.fromiter(found.values(), np.float64, len(found))

    @classmethod
    def of_dense(cls, similarities: _Floats) -> _Expansion:
        """The texts of a dense array of similarities (one per distinct text) that are above 0."""
        expansion = cls.__new__(cls)
        expansion.ids = np.flatnonzero(similarities).astype(np.int32)
        expansion.similarities = similarities[expansion.ids]
        return expansion


class CandidateIndex:
    """Talents in compact arrays, ranked for a job exactly as :func:`~matching.score.rank_candidates` would.

    Build one with :meth:`build` (from profiles, streamed: no profile is
    kept) or :meth:`load`.  ``len(index)`` counts the talents it ranks.

    Example
    -------
    >>> from matching import JobProfile, SkillVocabulary, TalentProfile
    >>> vocabulary = SkillVocabulary.from_records(
    ...     [{"id": "python", "zh": "Python编程", "en": "Python", "chain": "general", "aliases": ["py"]}]
    ... )
    >>> index = CandidateIndex.build([TalentProfile(id=7, skills=("py",)), TalentProfile(id=8)], vocabulary)
    >>> ranking = index.rank(JobProfile(id=1, required_skills=("Python",)), limit=1)
    >>> [(m.talent_id, m.score) for m in ranking.results], ranking.total
    ([(7, 75.0)], 1)

    Talent 8 covers no required skill, so is no candidate; talent 7 covers the
    only one, and everything the job does not ask for counts as neutral.
    """

    def __init__(self, arrays: dict[str, Any], tables: dict[str, list[str]], vocabulary: SkillVocabulary) -> None:
        if "norm_of_text" not in arrays:
            _derive(arrays, tables, vocabulary)
        self._vocabulary = vocabulary
        self._arrays = arrays
        self._tables = tables
        self._ids: _Ints = arrays["ids"]
        self._id_order: _Ints = np.argsort(self._ids, kind="stable")
        self._sorted_ids: _Ints = self._ids[self._id_order]
        self._degrees: npt.NDArray[np.int8] = arrays["degrees"]
        self._years: _Floats = arrays["years"]
        self._skills = _Lists(arrays["skill_starts"], arrays["skill_values"])
        self._fields = _Lists(arrays["field_starts"], arrays["field_values"])
        self._wished = _Lists(arrays["wished_starts"], arrays["wished_values"])
        self._current: _Int32s = arrays["current_city"]
        self._levels: dict[str, npt.NDArray[np.int8]] = {
            code: arrays["levels"][i] for i, code in enumerate(tables["languages"])
        }
        self._alive: _Bools = np.ones(len(self._ids), dtype=np.bool_)
        self._overlay: dict[int, TalentProfile] = {}
        self._size = len(self._ids)

        # Skills: raw text -> distinct normalised text; empty normalised texts never match anything.
        self._norms: list[str] = tables["norms"]
        self._norm_ids = {norm: i for i, norm in enumerate(self._norms)}
        self._norms_of_skill: dict[str, list[int]] = {}
        for norm, skill_id in enumerate(tables["norm_skills"]):
            if skill_id:
                self._norms_of_skill.setdefault(skill_id, []).append(norm)
        self._skill_norms = _Lists(self._skills.starts, arrays["norm_of_text"][self._skills.values])
        self._skill_postings = _Postings.stored(arrays, "skill")
        # Fuzzy comparison uses fuzz.ratio over token-sorted texts, prefiltered by length and characters.
        self._skill_choices = _FuzzyTexts(self._norms)
        self._field_norms: list[str] = tables["field_norms"]
        self._field_choices = _FuzzyFields(self._field_norms)
        self._field_lists = _Lists(self._fields.starts, arrays["field_norm_of_text"][self._fields.values])
        self._field_postings = _Postings.stored(arrays, "field")
        self._semantic = vocabulary.semantic
        if self._semantic is not None:
            # Semantic neighbours are looked for among the vocabulary skills some text resolves to, the texts no
            # skill claims and the field texts; embedding the texts not seen before is the build's only model cost.
            self._semantic_skills = list(self._norms_of_skill)
            self._skill_vectors = (
                np.stack(
                    [
                        cast("npt.NDArray[np.float32]", self._semantic.skill_vector(skill_id))
                        for skill_id in self._semantic_skills
                    ]
                )
                if self._semantic_skills
                else np.zeros((0, 1), dtype=np.float32)
            )
            self._unresolved = np.array(
                [
                    i
                    for i, (norm, skill_id) in enumerate(zip(self._norms, tables["norm_skills"], strict=True))
                    if norm and not skill_id
                ],
                dtype=np.int64,
            )
            self._unresolved_vectors = self._semantic.matrix([self._norms[i] for i in self._unresolved.tolist()])
            self._semantic_fields = np.array([i for i, norm in enumerate(self._field_norms) if norm], dtype=np.int64)
            self._field_vectors = self._semantic.matrix([self._field_norms[i] for i in self._semantic_fields.tolist()])
        # Cities compare by their match keys; a row without a current city points past the last city.
        self._keys_of_city = [_city_keys(city) for city in tables["cities"]]
        self._current_or_none = np.where(self._current >= 0, self._current, len(self._keys_of_city))
        self._city_postings = _Postings.stored(arrays, "city")
        self._expansions: OrderedDict[tuple[str, str], _Expansion] = OrderedDict()

    def _row(self, talent_id: int) -> int | None:
        """The row of an indexed talent id (dead or alive), or None."""
        at = int(np.searchsorted(self._sorted_ids, talent_id))
        if at < len(self._sorted_ids) and self._sorted_ids[at] == talent_id:
            return int(self._id_order[at])
        return None

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, talents: Iterable[TalentProfile], vocabulary: SkillVocabulary) -> CandidateIndex:
        """Index ``talents`` (any iterable; each profile is read once and not kept).

        Raises
        ------
        ValueError
            When two profiles share an id.
        """
        columns = _Columns()
        for chunk in _chunks(talents):
            columns.add_talents([(t.id, t.years_experience, t.current_city, t.wished_cities) for t in chunk])
            columns.add_skills([(t.id, skill) for t in chunk for skill in t.skills])
            columns.add_education(
                [(t.id, t.highest_degree, None) for t in chunk if t.highest_degree is not None]
                + [(t.id, None, field) for t in chunk for field in t.fields_of_study]
            )
            columns.add_languages([(t.id, s.language, s.level) for t in chunk for s in t.languages])
        return cls(*columns.arrays(), vocabulary)

    @classmethod
    def from_rows(cls, rows: TalentRows, vocabulary: SkillVocabulary) -> CandidateIndex:
        """Index talents read as plain rows (:class:`TalentRows`): the same index as :meth:`build` of their
        profiles, without one object per talent.

        Raises
        ------
        ValueError
            When two talents share an id.
        """
        columns = _Columns()
        for add, stream in (
            (columns.add_talents, rows.talents),
            (columns.add_skills, rows.skills),
            (columns.add_education, rows.education),
            (columns.add_languages, rows.languages),
        ):
            for chunk in _chunks(stream):
                add(chunk)
        return cls(*columns.arrays(), vocabulary)

    # ------------------------------------------------------------------ changes

    def __len__(self) -> int:
        return int(np.count_nonzero(self._alive)) + len(self._overlay)

    def __contains__(self, talent_id: object) -> bool:
        if talent_id in self._overlay:
            return True
        row = self._row(talent_id) if isinstance(talent_id, int) else None
        return row is not None and bool(self._alive[row])

    def upsert(self, talent: TalentProfile) -> None:
        """Rank ``talent`` from now on (replacing an earlier profile with its id), without a rebuild."""
        self.remove(talent.id)
        self._overlay[talent.id] = talent

    def remove(self, talent_id: int) -> None:
        """Stop ranking the talent with id ``talent_id`` (nothing happens when it is not indexed)."""
        self._overlay.pop(talent_id, None)
        row = self._row(talent_id)
        if row is not None:
            self._alive[row] = False

    @property
    def overlay_size(self) -> int:
        """Profiles added or changed since the arrays were built (scored exhaustively until compacted)."""
        return len(self._overlay)

    def profiles(self) -> Iterator[TalentProfile]:
        """Every indexed profile, in index order (indexed rows, then the overlay)."""
        for row in np.flatnonzero(self._alive).tolist():
            yield self._profile(row)
        yield from self._overlay.values()

    def compacted(self) -> CandidateIndex:
        """A new index with the overlay folded into the arrays."""
        return CandidateIndex.build(self.profiles(), self._vocabulary)

    # ------------------------------------------------------------------ ranking

    def rank(
        self, job: JobProfile, *, limit: int | None = None, offset: int = 0, extra: Iterable[TalentProfile] = ()
    ) -> Ranking:
        """The eligible talents for ``job``, best first, from ``offset`` on, at most ``limit`` of them.

        ``extra`` profiles are ranked as well (an extra profile replaces an
        indexed one with the same id for this call).  ``total`` counts every
        eligible talent.  Scores, order (score descending, then talent id) and
        explanations equal :func:`~matching.score.rank_candidates` over the
        same talents.
        """
        view = _job_view(job, self._vocabulary)
        outside = {**self._overlay, **{t.id: t for t in extra}}
        hidden = [row for row in map(self._row, outside) if row is not None]
        alive = self._alive
        if hidden:
            alive = alive.copy()
            alive[hidden] = False
        wanted = k = None if limit is None else offset + max(limit, 0)
        scored, total = _Search(self, view, alive).run(wanted)
        outside_results = rank_candidates(job, outside.values(), self._vocabulary) if outside else []
        merged = [(-score, int(self._ids[row]), row) for score, row in scored]
        merged += [(-m.score, m.talent_id, -1 - i) for i, m in enumerate(outside_results)]
        merged.sort()
        chosen = merged[offset : None if k is None else k]
        rows = [row for _, _, row in chosen if row >= 0]
        explained = {m.talent_id: m for m in rank_candidates(job, [self._profile(r) for r in rows], self._vocabulary)}
        results = [explained[tid] if row >= 0 else outside_results[-1 - row] for _, tid, row in chosen]
        return Ranking(results, total + len(outside_results))

    # ------------------------------------------------------------------ inputs for the scorer

    def _expansions_of(self, wanted: Sequence[SkillText]) -> list[_Expansion]:
        """For each wanted skill, the distinct skill texts similar to it and how similar (as
        ``vocabulary.similarity_matrix`` grades them: fuzzy spelling, meaning, then the same text or skill);
        the ones not cached share one fuzzy comparison."""
        keys = [(w.normalised, w.skill_id or "") for w in wanted]
        missing = {key: w for key, w in zip(keys, wanted, strict=True) if key not in self._expansions}
        ratios = self._skill_choices.similar([normalised for normalised, _ in missing])
        for ((normalised, skill_id), text), similar in zip(missing.items(), ratios, strict=True):
            found = {norm: min(ratio / 100, FUZZY_SIMILARITY_CAP) for norm, ratio in similar} if normalised else {}
            if normalised:
                self._add_semantic(found, text)
                exact = self._norm_ids.get(normalised)
                for norm in [*self._norms_of_skill.get(skill_id, []), *([] if exact is None else [exact])]:
                    found[norm] = 1.0
            _cache(self._expansions, (normalised, skill_id), _Expansion(found))
        for key in keys:
            self._expansions.move_to_end(key)
        return [self._expansions[key] for key in keys]

    def _add_semantic(self, found: dict[int, float], text: SkillText) -> None:
        """Raise ``found`` (distinct text -> similarity) to the semantic similarity of ``text`` with each
        distinct text: through its skill's vector for a resolved one, its own for the others (a resolved
        ``text`` is compared with the unresolved texts only: two vocabulary skills never by meaning)."""
        if self._semantic is None or text.vector is None:
            return
        vector = text.vector[None, :]
        skills = np.zeros(0) if text.skill_id is not None else semantic_similarity(vector, self._skill_vectors)[0]
        texts = semantic_similarity(vector, self._unresolved_vectors)[0]
        similar = [
            (norm, value)
            for position, value in zip(np.flatnonzero(skills).tolist(), skills[skills > 0].tolist(), strict=True)
            for norm in self._norms_of_skill[self._semantic_skills[position]]
        ]
        similar += zip(self._unresolved[texts > 0].tolist(), texts[texts > 0].tolist(), strict=True)
        for norm, value in similar:
            if found.get(norm, 0.0) < value:
                found[norm] = value

    def _field_similarities(self, view: _JobView) -> _Floats:
        """Best similarity of each distinct normalised field text to the job's fields (0 below the floor)."""
        key = ("\0fields", "\0".join(norm for _, norm in view.fields))
        cached = self._expansions.get(key)
        if cached is None:
            wanted = [norm for _, norm in view.fields]
            usable = self._field_choices.close_to(wanted)
            similarities = np.zeros(len(self._field_norms))
            if usable:
                similarities[usable] = _field_matrix(wanted, [self._field_norms[i] for i in usable], None).max(axis=0)
            if self._semantic is not None:
                # The larger of the two per pair, as _field_matrix takes it: maxima over the job's fields commute.
                for row in map(self._semantic_field_row, wanted):
                    similarities[row.ids] = np.maximum(similarities[row.ids], row.similarities)
            cached = _cache(self._expansions, key, _Expansion.of_dense(similarities))
        dense = np.zeros(len(self._field_norms))
        dense[cached.ids] = cached.similarities
        return dense

    def _semantic_field_row(self, field: str) -> _Expansion:
        """The distinct field texts close in meaning to the normalised ``field`` (cached: jobs share fields)."""
        key = ("\0field", field)
        row = self._expansions.get(key)
        if row is None:
            assert self._semantic is not None
            similarities = np.zeros(len(self._field_norms))
            similarities[self._semantic_fields] = semantic_similarity(
                self._semantic.matrix([field]), self._field_vectors
            )[0]
            row = _cache(self._expansions, key, _Expansion.of_dense(similarities))
        return row

    def _profile(self, row: int) -> TalentProfile:
        """The profile indexed at ``row`` (languages as normalised codes, which score the same)."""
        skills, fields, cities = self._tables["skills"], self._tables["fields"], self._tables["cities"]
        current = int(self._current[row])
        return TalentProfile(
            id=int(self._ids[row]),
            skills=tuple(skills[i] for i in self._skills.of(row).tolist()),
            highest_degree=Degree(int(self._degrees[row])) if self._degrees[row] else None,
            fields_of_study=tuple(fields[i] for i in self._fields.of(row).tolist()),
            languages=tuple(
                LanguageSkill(code, LanguageLevel(int(levels[row])))
                for code, levels in self._levels.items()
                if levels[row]
            ),
            years_experience=float(self._years[row]),
            current_city=None if current < 0 else cities[current],
            wished_cities=tuple(cities[i] for i in self._wished.of(row).tolist()),
        )

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | Path) -> None:
        """Write the index (without the overlay: save a :meth:`compacted` index to keep it) to ``path``."""
        meta = {"version": _FORMAT_VERSION, "tables": self._tables}
        arrays = {name: value for name, value in self._arrays.items()}
        with Path(path).open("wb") as handle:
            np.savez(
                handle, meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8), **arrays
            )

    @classmethod
    def load(cls, path: str | Path, vocabulary: SkillVocabulary) -> CandidateIndex:
        """Read an index written by :meth:`save`.

        Raises
        ------
        ValueError
            When the file is not an index of this format version.
        """
        with np.load(Path(path), allow_pickle=False) as stored:
            meta = json.loads(stored["meta"].tobytes().decode())
            if meta.get("version") != _FORMAT_VERSION:
                raise ValueError(f"unsupported candidate index version {meta.get('version')!r}")
            arrays = {name: stored[name] for name in stored.files if name != "meta"}
        return cls(arrays, meta["tables"], vocabulary)


def _derive(arrays: dict[str, Any], tables: dict[str, list[str]], vocabulary: SkillVocabulary) -> None:
    """Add the lookups derived from the stored rows (kept in saved files, so loading is quick)."""

    def numbered(texts: list[str], name: str) -> _Int32s:
        distinct = _Texts()
        numbers = np.array(distinct.numbers([normalize_text(text) for text in texts]), dtype=np.int32)
        tables[name] = distinct.texts
        return numbers

    arrays["norm_of_text"] = numbered(tables["skills"], "norms")
    tables["norm_skills"] = [prepared.skill_id or "" for prepared in vocabulary.prepare_many(tables["norms"])]
    arrays["field_norm_of_text"] = numbered(tables["fields"], "field_norms")
    skills = _Lists(arrays["skill_starts"], arrays["skill_values"])
    fields = _Lists(arrays["field_starts"], arrays["field_values"])
    wished = _Lists(arrays["wished_starts"], arrays["wished_values"])
    _Postings(arrays["norm_of_text"][skills.values], skills.owners(), len(tables["norms"])).store(arrays, "skill")
    _Postings(arrays["field_norm_of_text"][fields.values], fields.owners(), len(tables["field_norms"])).store(
        arrays, "field"
    )
    current = arrays["current_city"]
    living = np.flatnonzero(current >= 0).astype(np.int32)
    _Postings(
        np.concatenate([current[living], wished.values]),
        np.concatenate([living, wished.owners()]),
        len(tables["cities"]),
    ).store(arrays, "city")


# Rows (or profiles) taken from a stream at a time while building.
_BUILD_CHUNK = 65_536


def _chunks(rows: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, _BUILD_CHUNK)):
        yield chunk


class _Pairs:
    """``(talent id, value)`` pairs gathered chunk by chunk."""

    __slots__ = ("owners", "values")

    def __init__(self, typecode: str = "i") -> None:
        self.owners = array("q")
        self.values = array(typecode)

    def add(self, owners: Iterable[int], values: Iterable[int], count: int) -> None:
        _extend(self.owners, owners, count)
        _extend(self.values, values, count)


def _extend(column: array[Any], values: Iterable[Any], count: int) -> None:
    """Append ``count`` values to ``column`` (NumPy converts them several times faster than ``array.extend``)."""
    column.frombytes(np.fromiter(values, np.dtype(column.typecode), count).tobytes())


class _Columns:
    """Talents gathered as columns, chunk by chunk, then laid out as an index's arrays.

    Every ``add_*`` method takes a list of :class:`TalentRows` rows; list values refer to talents by id,
    so the rows of a kind may come before or after the talents' own rows.  Columns are taken out of the rows
    with list comprehensions and ``map``: ``zip(*rows)`` costs several times more on long chunks.
    """

    def __init__(self) -> None:
        self.ids, self.years, self.current = array("q"), array("d"), array("i")
        self.cities, self.skill_texts, self.field_texts, self.languages = _Texts(), _Texts(), _Texts(), _Texts()
        self.wished, self.skills, self.fields = _Pairs(), _Pairs(), _Pairs()
        # Degrees, and languages with their levels alongside.
        self.degrees, self.spoken, self.levels = _Pairs("b"), _Pairs(), array("b")
        self.language_codes: dict[str, int] = {}

    def add_talents(self, rows: list[tuple[int, float, str | None, Sequence[str]]]) -> None:
        _extend(self.ids, map(itemgetter(0), rows), len(rows))
        _extend(self.years, map(itemgetter(1), rows), len(rows))
        _extend(self.current, self.cities.numbers([city for _, _, city, _ in rows]), len(rows))
        owners = [talent for talent, _, _, wished in rows for _ in wished]
        self.wished.add(owners, self.cities.numbers([city for *_, wished in rows for city in wished]), len(owners))

    def add_skills(self, rows: list[tuple[int, str]]) -> None:
        texts = self.skill_texts.numbers([text for _, text in rows])
        self.skills.add(map(itemgetter(0), rows), texts, len(rows))

    def add_education(self, rows: list[tuple[int, int | None, str | None]]) -> None:
        graduated = [(talent, degree) for talent, degree, _ in rows if degree is not None]
        self.degrees.add(map(itemgetter(0), graduated), map(itemgetter(1), graduated), len(graduated))
        studied = [(talent, field) for talent, _, field in rows if field is not None]
        texts = self.field_texts.numbers([field for _, field in studied])
        self.fields.add(map(itemgetter(0), studied), texts, len(studied))

    def add_languages(self, rows: list[tuple[int, str, int]]) -> None:
        codes = self.language_codes
        languages = [language for _, language, _ in rows]
        for language in dict.fromkeys(languages):
            if language not in codes:
                codes[language] = self.languages.numbers([normalize_text(language)])[0]
        self.spoken.add(map(itemgetter(0), rows), map(codes.__getitem__, languages), len(rows))
        _extend(self.levels, map(itemgetter(2), rows), len(rows))

    def arrays(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The index's stored arrays and tables.

        Raises
        ------
        ValueError
            When two talents share an id.
        """
        ids = np.array(self.ids, dtype=np.int64)
        rows = _RowsOf(ids)
        degrees = np.zeros(len(ids), dtype=np.int8)
        np.maximum.at(degrees, *rows.of(self.degrees.owners, self.degrees.values))
        # Several entries for one language keep the highest level, as the exhaustive scorer does.
        levels = np.zeros((len(self.languages.texts), len(ids)), dtype=np.int8)
        spoken_rows, codes, spoken_levels = rows.of(self.spoken.owners, self.spoken.values, self.levels)
        np.maximum.at(levels, (codes, spoken_rows), spoken_levels)
        arrays = {
            "ids": ids,
            "degrees": degrees,
            "years": np.array(self.years, dtype=np.float64),
            "current_city": np.array(self.current, dtype=np.int32),
            "levels": levels,
            **rows.lists(self.skills, "skill"),
            **rows.lists(self.fields, "field"),
            **rows.lists(self.wished, "wished"),
        }
        tables = {
            "skills": self.skill_texts.texts,
            "fields": self.field_texts.texts,
            "cities": self.cities.texts,
            "languages": self.languages.texts,
        }
        return arrays, tables


class _RowsOf:
    """Where talent ids are among a build's ``ids`` (a row is a position in ``ids``).

    Raises
    ------
    ValueError
        When two of ``ids`` are equal.
    """

    __slots__ = ("count", "order", "sorted_ids")

    def __init__(self, ids: _Ints) -> None:
        self.count = len(ids)
        self.order = np.argsort(ids, kind="stable")
        self.sorted_ids = ids[self.order]
        repeated = self.sorted_ids[1:][self.sorted_ids[1:] == self.sorted_ids[:-1]]
        if len(repeated):
            raise ValueError(f"talent {int(repeated[0])} appears twice")

    def of(self, owners: array[int], *columns: array[Any]) -> list[npt.NDArray[Any]]:
        """The rows of ``owners`` that are talent ids in ``ids``, then each of ``columns`` (one value per
        owner) at those owners."""
        talents = np.asarray(owners, dtype=np.int64)
        values = [np.asarray(column) for column in columns]
        if not self.count or not len(talents):
            return [np.zeros(0, dtype=np.int32), *(value[:0].copy() for value in values)]
        # Owners come in runs (a talent's rows together): each run is looked up once.
        starts_run = np.empty(len(talents), dtype=np.bool_)
        starts_run[0] = True
        np.not_equal(talents[1:], talents[:-1], out=starts_run[1:])
        firsts = np.flatnonzero(starts_run)
        lengths = np.diff(np.append(firsts, len(talents)))
        at = np.minimum(np.searchsorted(self.sorted_ids, talents[firsts]), self.count - 1)
        known = self.sorted_ids[at] == talents[firsts]
        rows = np.repeat(self.order[at].astype(np.int32), lengths)
        if known.all():
            return [rows, *(value.copy() for value in values)]
        kept = np.repeat(known, lengths)
        return [rows[kept], *(value[kept] for value in values)]

    def lists(self, pairs: _Pairs, name: str) -> dict[str, Any]:
        """``pairs`` as per-row lists (CSR), each row's values in the order they were added."""
        rows, values = self.of(pairs.owners, pairs.values)
        starts = np.zeros(self.count + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.count), out=starts[1:])
        if np.any(rows[1:] < rows[:-1]):  # talents' rows came out of row order
            values = values[np.argsort(rows, kind="stable")]
        return {f"{name}_starts": starts, f"{name}_values": values}


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _distinct_sorted_words(text: str) -> str:
    return " ".join(sorted(set(text.split())))


class _FuzzyTexts:
    """Texts token-sorted, by length and with their characters counted, so that a fuzzy query is compared only
    with the texts that can reach the floor.

    ``fuzz.token_sort_ratio(a, b)`` equals ``fuzz.ratio`` of the token-sorted
    texts, ``200 * L / (len(a) + len(b))`` where ``L`` is the length of their
    longest common subsequence.  A ratio of ``r`` percent needs the shorter
    text to be at least ``r / (200 - r)`` of the longer one, and ``L`` is at
    most the number of characters the texts share (counted with repeats).
    Characters are counted in buckets, the most frequent ones alone and the
    rarer ones sharing; sharing can only raise the count, so no text that
    reaches the floor is ever left out.
    """

    __slots__ = ("_bucket_of", "_cap", "_counts", "_form", "_ids", "_lengths", "_reach", "_starts", "_texts")

    def __init__(self, texts: Sequence[str], form: Callable[[str], str] = _sorted_words) -> None:
        self._form = form
        sorted_texts = [form(text) for text in texts]
        order = sorted((i for i, text in enumerate(texts) if text), key=lambda i: len(sorted_texts[i]))
        self._ids = np.array(order, dtype=np.int32)
        self._texts = [sorted_texts[i] for i in order]
        self._lengths = np.array([len(text) for text in self._texts], dtype=np.int64)
        self._reach = (SIMILARITY_FLOOR * 100 - 1) * self._lengths
        longest = int(self._lengths[-1]) if len(self._lengths) else 0
        self._starts = np.searchsorted(self._lengths, np.arange(longest + 2), side="left")
        codes = np.frombuffer("".join(self._texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        characters, character_of, frequency = np.unique(codes, return_inverse=True, return_counts=True)
        buckets = np.empty(len(characters), dtype=np.int64)
        buckets[np.argsort(-frequency, kind="stable")] = np.arange(len(characters)) % _CHARACTER_BUCKETS
        self._bucket_of = dict(zip(map(chr, characters.tolist()), buckets.tolist(), strict=True))
        dtype = np.min_scalar_type(longest)
        self._cap = int(np.iinfo(dtype).max)
        self._counts = np.zeros((_CHARACTER_BUCKETS, len(self._texts)), dtype=dtype)
        owners = np.repeat(np.arange(len(self._texts)), self._lengths)
        np.add.at(self._counts, (buckets[character_of], owners), 1)

    def similar(self, texts: Sequence[str]) -> list[list[tuple[int, float]]]:
        """For each of ``texts``, the ids of texts whose ratio with it reaches the floor, with the ratio (0..100).

        One :func:`rapidfuzz.process.cdist` call over the texts any of them can reach (a ratio does not depend
        on the other texts compared in the call).
        """
        queries = [self._form(text) for text in texts]
        found: list[list[tuple[int, float]]] = [[] for _ in queries]
        usable = [i for i, query in enumerate(queries) if query]
        if not usable or not self._texts:
            return found
        reachable = np.unique(np.concatenate([self._reachable(queries[i]) for i in usable]))
        if not len(reachable):
            return found
        ratios = process.cdist(
            [queries[i] for i in usable],
            [self._texts[j] for j in reachable.tolist()],
            scorer=fuzz.ratio,
            score_cutoff=SIMILARITY_FLOOR * 100,
            dtype=np.float64,
        )
        for row, i in enumerate(usable):
            hits = np.flatnonzero(ratios[row])
            found[i] = list(zip(self._ids[reachable[hits]].tolist(), ratios[row, hits].tolist(), strict=True))
        return found

    def _reachable(self, query: str) -> _Ints:
        """Positions of the texts whose length and shared characters let their ratio with ``query`` reach the
        floor."""
        floor = SIMILARITY_FLOOR * 100
        last = len(self._starts) - 1
        start = int(self._starts[min(max(0, math.floor(len(query) * floor / (200 - floor)) - 1), last)])
        end = int(self._starts[min(math.ceil(len(query) * (200 - floor) / floor) + 2, last)])
        wanted = Counter(self._bucket_of[c] for c in query if c in self._bucket_of)
        if start >= end or not wanted:
            return np.zeros(0, dtype=np.int64)
        shared = np.zeros(end - start, dtype=np.int32)
        for bucket, count in wanted.items():
            shared += np.minimum(self._counts[bucket, start:end], min(count, self._cap))
        # 200 * shared >= (floor - 1) * (len(query) + length): one point of slack, far beyond any rounding.
        return start + np.flatnonzero(200 * shared >= self._reach[start:end] + (floor - 1) * len(query))


class _FuzzyFields(_FuzzyTexts):
    """Texts compared by :func:`rapidfuzz.fuzz.token_set_ratio`, so that a query is compared only with the texts
    that can reach the floor.

    A text sharing no word with the query scores :func:`~rapidfuzz.fuzz.ratio` of the two texts' distinct
    words, sorted and joined: the length and character filter of :class:`_FuzzyTexts` applies to those forms.
    A text sharing a word may score anything, so it is always compared.
    """

    __slots__ = ("_holding",)

    def __init__(self, texts: Sequence[str]) -> None:
        super().__init__(texts, _distinct_sorted_words)
        self._holding: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            for word in set(text.split()):
                self._holding.setdefault(word, []).append(i)

    def close_to(self, texts: Sequence[str]) -> list[int]:
        """The ids of the texts whose ratio with one of ``texts`` may reach the floor, in order."""
        found = {i for text in texts for word in text.split() for i in self._holding.get(word, ())}
        for text in texts:
            found.update(self._ids[self._reachable(self._form(text))].tolist())
        return sorted(found)


def _cache(cache: OrderedDict[tuple[str, str], _Expansion], key: tuple[str, str], value: _Expansion) -> _Expansion:
    cache[key] = value
    if len(cache) > _EXPANSION_CACHE_SIZE:
        cache.popitem(last=False)
    return value


class _Top:
    """The best ``k`` (score, row) pairs seen so far (all of them when ``k`` is None), by score then talent id."""

    __slots__ = ("_ids", "k", "rows", "scores")

    def __init__(self, ids: _Ints, k: int | None) -> None:
        self._ids = ids
        self.k = k
        self.scores: _Floats = np.empty(0)
        self.rows: _Ints = np.empty(0, dtype=np.int64)

    def add(self, scores: _Floats, rows: _Ints) -> None:
        self.scores = np.concatenate([self.scores, scores])
        self.rows = np.concatenate([self.rows, rows])
        if self.k is not None and len(self.rows) > self.k:
            order = np.lexsort((self._ids[self.rows], -self.scores))[: self.k]
            self.scores, self.rows = self.scores[order], self.rows[order]

    @property
    def full(self) -> bool:
        """Whether ``k`` pairs are kept, so that only a score of at least :attr:`threshold` can enter."""
        return self.k is not None and len(self.rows) >= self.k

    @property
    def threshold(self) -> float:
        return float(self.scores.min())


class _Search:
    """One ranking over the indexed rows.

    The job's *bounding skills* each carry a weight so that a row's score is
    at most its *skill part* (the weighted sum of its best similarity per
    bounding skill) plus ``rest``.  For a job listing required skills they are
    the required skills, each weighing 100 / their count and ``rest`` is 0: the
    score is the coverage times at most 100, and a row holding none of them is
    left out.  Otherwise they are the preferred skills, each weighing
    ``NEUTRAL`` x 10 / their count, and ``rest`` is the gated weight of
    everything else.  A row's
    skill part is bounded by the points of the skills it holds (each skill's
    weight times its best similarity), counted from the posting lists into one
    small integer per row.  The skills giving the most points per posting
    are counted first, up to half the postings; the rows they bound best are
    scored first, which sets a threshold (the k-th best score so far).  The
    remaining skills whose points together cannot lift a row to that
    threshold are then not read (MaxScore), unless that leaves too many rows
    to score.  Within a set of rows, exact scoring runs in batches by
    decreasing bound and stops at the first bound below the threshold.
    """

    def __init__(self, index: CandidateIndex, view: _JobView, alive: _Bools) -> None:
        self.index = index
        self.view = view
        self.alive = alive
        prepare = index._vocabulary.prepare
        self.expansions = index._expansions_of([prepare(text) for text in view.required + view.preferred])
        self.required_count = len(view.required)
        if view.required:
            # score = coverage x (50 + the rest) <= 100 x coverage: the required skills bound everything.
            self.weights = np.array([100.0 / len(view.required)] * len(view.required) + [0.0] * len(view.preferred))
            self.rest = 0.0
        else:
            # No required skill: the gate is NEUTRAL, the preferred skills add to a gated rest.
            self.weights = np.full(
                len(view.preferred), NEUTRAL * WEIGHTS["preferred_skills"] / max(len(view.preferred), 1)
            )
            self.rest = NEUTRAL * (100.0 - WEIGHTS["preferred_skills"])
        # Similarity of every job skill to every distinct text; the last column stands for "no text".
        self.similarity = np.zeros((len(index._norms) + 1, len(self.expansions)))
        postings = index._skill_postings.starts
        self.held_by = np.zeros(len(self.expansions), dtype=np.int64)
        for i, expansion in enumerate(self.expansions):
            self.similarity[expansion.ids, i] = expansion.similarities
            self.held_by[i] = int((postings[expansion.ids + 1] - postings[expansion.ids]).sum())
        # The most each job skill can add to a score.
        self.best = [
            float(weight * expansion.similarities.max(initial=0.0))
            for weight, expansion in zip(self.weights.tolist(), self.expansions, strict=True)
        ]

    def run(self, k: int | None) -> tuple[list[tuple[float, int]], int]:
        """``(score, row)`` of the best ``k`` eligible rows (all when None) and the number eligible."""
        view = self.view
        top = _Top(self.index._ids, k)
        # Hard requirements other than skills are cheap masks: failing rows are never scored.
        meets = self._meets_hard_requirements()
        if meets is not True:
            self.alive = self.alive & meets
        if "required_skills" in view.profile.hard and view.required:
            # Only rows holding every required skill are eligible; they all hold the rarest one.
            rarest = min(range(self.required_count), key=lambda i: self.held_by[i])
            rows = self._rows_holding([rarest])
            required = _row_max(self.index._skill_norms, self.similarity[:, : self.required_count], rows)
            rows = rows[(required >= SKILL_MATCH_THRESHOLD).all(axis=0)]
            if k != 0:
                self._evaluate(rows, self._exact_skill_part(rows), top)
            total = len(rows)
        elif view.required:
            # Only rows covering some required skill are eligible.
            holding = self._collect(top, k) if k != 0 else self._holding(list(range(self.required_count)))
            total = int(np.count_nonzero(holding & self.alive))
        else:
            if k != 0:
                self._collect(top, k)
            total = int(np.count_nonzero(self.alive))
        return list(zip(top.scores.tolist(), top.rows.tolist(), strict=True)), total

    def _collect(self, top: _Top, k: int | None) -> _Bools:
        """Score the rows that can reach the top into ``top``; returns which rows hold a text similar to a
        bounding skill (counted for a job's total when those are its required skills)."""
        # The skills some row holds, those giving the most points per posting read first.
        held = [i for i in range(len(self.best)) if self.held_by[i] and self.best[i] > 0]
        held.sort(key=lambda i: self.held_by[i] / self.best[i])
        if k is None or not held:
            # Everyone is asked for, or no row holds any bounding skill: score every row that may be eligible.
            holding = self._holding(held)
            rows = np.flatnonzero((holding if self.view.required else True) & self.alive)
            self._evaluate(rows, self._exact_skill_part(rows), top)
            return holding
        # The first skills hold about half the postings: the rows they bound best, scored first, set a threshold.
        postings = np.cumsum(self.held_by[held])
        first = int(np.searchsorted(postings, postings[-1] / 2, side="right")) or 1
        # Points in small integers: each skill's rounded up, in a unit that lets a row's sum fit one byte.
        dtype = np.uint8 if len(held) < 128 else np.uint32
        unit = (np.iinfo(dtype).max - len(held)) / sum(self.best[i] for i in held)
        bound = np.zeros(self.index._size, dtype=dtype)
        self._add_points(bound, held[:first], unit)
        seed = _best(self._alive_of(np.flatnonzero(bound > 0)), bound, max(_FIRST_PASS // 4, k))
        self._evaluate(seed, bound[seed] / unit + sum(self.best[i] for i in held[first:]), top)
        unseen = self.alive.copy()
        unseen[seed] = False
        # MaxScore: the last skills that together cannot lift a row to the threshold need not be read; a row
        # holding none of the others cannot enter, one holding some counts them at their best.
        floor = top.threshold - self.rest - _BOUND_MARGIN if top.full else 0.0
        skipped, unread = 0.0, []
        for i in reversed(held[first:]):
            if skipped + self.best[i] < floor:
                skipped += self.best[i]
                unread.append(i)
        self._add_points(bound, [i for i in held[first:] if i not in unread], unit)
        candidates = _reaching(bound, unseen, (floor - skipped) * unit)
        if unread and len(candidates) > _FIRST_PASS:
            # So many rows to score against a loose bound cost more than reading the skipped postings.
            self._add_points(bound, unread, unit)
            skipped = 0.0
            candidates = _reaching(bound, unseen, floor * unit)
        self._evaluate(candidates, bound[candidates] / unit + skipped, top)
        if not top.full or self.rest + skipped + _BOUND_MARGIN >= top.threshold:
            # Rows holding no text of the skills read can still reach the top, unless they hold no required skill.
            if self.view.required:
                others = self._rows_holding(unread)
                others = others[unseen[others] & (bound[others] == 0)]
            else:
                others = np.flatnonzero(unseen & (bound == 0))
            self._evaluate(others, np.full(len(others), skipped), top)
        holding = bound > 0
        return holding | self._holding(unread) if unread and skipped else holding

    def _alive_of(self, rows: _Ints) -> _Ints:
        return rows[self.alive[rows]]

    def _add_points(self, bound: npt.NDArray[np.unsignedinteger[Any]], skills: list[int], unit: float) -> None:
        """Add to each row's ``bound`` the points of each of ``skills`` it holds a similar text of: the most the
        skill can add to its score (weight x best similarity), in ``1 / unit`` points rounded up."""
        postings = self.index._skill_postings
        for i in skills:
            starts, ends = postings.starts[self.expansions[i].ids], postings.starts[self.expansions[i].ids + 1]
            rows = np.concatenate([postings.rows[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)])
            # A row holding several similar texts gets the points once: each of its writes stores the same sum.
            bound[rows] += math.ceil(self.best[i] * unit)

    def _exact_skill_part(self, rows: _Ints) -> _Floats:
        return self.weights @ _row_max(self.index._skill_norms, self.similarity, rows)

    def _holding(self, skills: list[int]) -> _Bools:
        """A mask of the rows holding a text similar to any of the given job skills."""
        keys = {norm for i in skills for norm in self.expansions[i].ids.tolist()}
        return self.index._skill_postings.union(keys, self.index._size)

    def _rows_holding(self, skills: list[int]) -> _Ints:
        """Sorted live rows holding a text similar to any of the given job skills."""
        postings = self.index._skill_postings
        parts = [postings.of(norm) for i in skills for norm in self.expansions[i].ids.tolist()]
        if not parts:
            return np.empty(0, dtype=np.int64)
        rows = np.concatenate(parts).astype(np.int64)
        if len(rows) * 16 > self.index._size:
            mask = np.zeros(self.index._size, dtype=np.bool_)
            mask[rows] = True
            rows = np.flatnonzero(mask)
        else:
            rows = np.unique(rows)
        return rows[self.alive[rows]]

    def _evaluate(self, rows: _Ints, skill_bound: _Floats, top: _Top) -> None:
        """Score ``rows`` exactly, best bound first, skipping those whose bound is below the threshold.

        ``skill_bound`` bounds each row's skill part.  Rows are taken in
        batches by their loose bound (skill bound plus the weight of every
        other component); in a batch, the tight bound (skill bound plus the
        exact other components) decides which rows are scored exactly.  When
        many rows remain after the first batch (which raises the threshold),
        one pass with the components that need no lookups drops rows first.
        """
        if not len(rows):
            return
        loose = skill_bound + self.rest + _BOUND_MARGIN
        remaining = np.arange(len(rows))
        batch = max(_FIRST_PASS, len(rows) if top.k is None else top.k)
        batches = 0
        while len(remaining):
            if top.full:
                remaining = remaining[loose[remaining] >= top.threshold]
                if batches == 1 and len(remaining) > batch:
                    # Field of study and location at full weight: no lookups.
                    cheap = self._bounds(rows[remaining], skill_bound[remaining], lookups=False)
                    remaining = remaining[cheap >= top.threshold]
            if len(remaining) > batch:
                chosen = np.argpartition(-loose[remaining], batch - 1)[:batch]
                chosen, remaining = remaining[chosen], np.delete(remaining, chosen)
            else:
                chosen, remaining = remaining, remaining[:0]
            if top.full:
                chosen = chosen[self._bounds(rows[chosen], skill_bound[chosen]) >= top.threshold]
            best = _row_max(self.index._skill_norms, self.similarity, rows[chosen])
            top.add(*self._exact(rows[chosen], best))
            batch *= 2
            batches += 1

    def _bounds(self, rows: _Ints, skill_bound: _Floats, *, lookups: bool = True) -> _Floats:
        """Upper bounds of the scores of ``rows``: ``skill_bound`` plus every other component exact (location at
        full weight and the field of study from :attr:`_fields_held` when ``lookups`` is false)."""
        full = np.broadcast_to(np.ones(1), (len(self.expansions), len(rows)))
        assessment = self._assess(rows, full, lookups=lookups)
        if self.view.required:
            # The score with every skill met, scaled down to the coverage bound.
            return assessment.scores * (skill_bound / 100.0) + _BOUND_MARGIN
        return assessment.scores - float(self.weights.sum()) + skill_bound + _BOUND_MARGIN

    def _levels(self, rows: _Ints) -> Callable[[str], _Ints]:
        levels = self.index._levels

        def of(language: str) -> _Ints:
            return levels[language][rows] if language in levels else np.zeros(len(rows), np.int64)

        return of

    def _exact(self, rows: _Ints, best: _Floats) -> tuple[_Floats, _Ints]:
        """Exact scores of ``rows`` through the exhaustive scorer's arithmetic, eligible rows only."""
        assessment = self._assess(rows, best)
        return assessment.scores[assessment.eligible], rows[assessment.eligible]

    def _assess(self, rows: _Ints, best: _Floats, *, lookups: bool = True) -> Any:
        index = self.index
        return assess(
            self.view,
            best[: self.required_count],
            best[self.required_count :],
            index._degrees[rows],
            np.maximum(index._years[rows], 0.0),
            self._levels(rows),
            (lambda: self._located(rows)) if lookups else (lambda: np.ones(len(rows), dtype=np.bool_)),
            (lambda: self._field_best(rows)) if lookups else (lambda: self._fields_held[rows]),
        )

    @cached_property
    def _city_match(self) -> _Floats:
        """1 for each city text (and 0 for "none", last) that matches the job's city."""
        keys = self.index._keys_of_city
        return np.array([not self.view.city.isdisjoint(k) for k in keys] + [False], dtype=np.float64)

    def _located(self, rows: _Ints) -> _Bools:
        """Whether each row lives in or wishes the job's city."""
        index, match = self.index, self._city_match
        wished = _row_max(index._wished, match[:, None], rows)[0]
        return (match[index._current_or_none[rows]] > 0) | (wished > 0)

    @cached_property
    def _field_similarity(self) -> _Floats:
        """Best similarity of each distinct field text (and of "none", last) to the job's fields."""
        return np.append(self.index._field_similarities(self.view), 0.0)

    def _field_best(self, rows: _Ints) -> _Floats:
        """Each row's best field-of-study similarity to the job's fields."""
        return _row_max(self.index._field_lists, self._field_similarity[:, None], rows)[0]

    @cached_property
    def _fields_held(self) -> _Floats:
        """Every row's best field-of-study similarity to the job's fields, from the posting lists of the similar
        fields (a pass over many rows reads it instead of each row's fields)."""
        held = np.zeros(self.index._size)
        similarity = self._field_similarity[:-1]
        similar = np.flatnonzero(similarity)
        for field in similar[np.argsort(similarity[similar], kind="stable")].tolist():
            held[self.index._field_postings.of(field)] = similarity[field]  # the most similar is written last
        return held

    def _meets_hard_requirements(self) -> _Bools | bool:
        """Which rows meet the job's hard requirements other than skills (as :func:`~matching.score.assess`
        decides), or True when there are none."""
        view, index = self.view, self.index
        hard = view.profile.hard
        eligible: _Bools | bool = True
        minimum = view.profile.min_degree
        if "degree" in hard and minimum is not None:
            eligible &= index._degrees >= int(minimum)
        if "experience" in hard and view.profile.min_years_experience > 0:
            eligible &= np.maximum(index._years, 0.0) >= view.profile.min_years_experience
        if "languages" in hard:
            for language, level in view.languages:
                held = index._levels.get(language)
                eligible &= False if held is None else held >= level
        if "field_of_study" in hard and view.fields:
            close = np.flatnonzero(self._field_similarity[:-1] >= SIMILARITY_FLOOR).tolist()
            eligible &= index._field_postings.union(close, index._size)
        if "location" in hard and view.city:
            matching = np.flatnonzero(self._city_match[:-1]).tolist()
            eligible &= index._city_postings.union(matching, index._size)
        return eligible


def _reaching(bound: npt.NDArray[np.unsignedinteger[Any]], unseen: _Bools, points: float) -> _Ints:
    """The ``unseen`` rows holding a similar text whose ``bound`` reaches ``points``."""
    rows = np.flatnonzero(bound >= math.floor(points) if points > 0 else bound > 0)
    return rows[unseen[rows]]


def _best(rows: _Ints, values: npt.NDArray[Any], count: int) -> _Ints:
    """The (at most) ``count`` of ``rows`` with the highest ``values``, in no particular order."""
    if len(rows) <= count:
        return rows
    return rows[np.argpartition(values[rows], len(rows) - count)[len(rows) - count :]]


def _row_max(lists: _Lists, table: _Floats, rows: _Ints) -> _Floats:
    """For each column of ``table`` (one row per list item, then one for "nothing") and each of ``rows``,
    the largest value among the row's list items (the "nothing" value for an empty list); shape
    ``(columns, rows)``."""
    if not len(rows):
        return np.zeros((table.shape[1], 0))
    starts = lists.starts[rows]
    lengths = lists.starts[rows + 1] - starts + 1  # one sentinel item per row
    segment = np.zeros(len(rows), dtype=np.int64)
    np.cumsum(lengths[:-1], out=segment[1:])
    offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(segment, lengths)
    positions = np.repeat(starts, lengths) + offsets - 1
    held = lists.values.take(positions, mode="clip") if len(lists.values) else 0
    items = np.where(offsets == 0, len(table) - 1, held)
    return np.maximum.reduceat(table[items], segment, axis=0).T
