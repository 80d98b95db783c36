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
   same value, restricted to the lengths that can reach the floor).  The
   expansion of a job skill is cached.
2. *Candidates from posting lists.*  Every text has the list of talents that
   hold it; the talents holding any matched text are the *candidates*, and
   each one's best similarity per job skill is scattered from the posting
   lists (highest similarity last, so it wins).
3. *Pruning by an upper bound.*  A candidate's skill components are exact at
   this point; the other components can add at most their weights.  The
   candidates with the highest bound are scored exactly first; every
   candidate whose bound is below the k-th best exact score is skipped, as is
   everyone holding no matched text when their bound (the non-skill weights)
   is below it too.  Nothing that could enter the top k is ever skipped.
4. *Exact scoring and explanation* go through
   :func:`matching.score.assess` (the arithmetic of the exhaustive scorer,
   element by element) and the exhaustive scorer's explanation of the k
   results, so scores, ties (by talent id) and explanations are identical to
   :func:`~matching.score.rank_candidates`.

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
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from matching.normalise import normalize_text
from matching.profiles import Degree, JobProfile, LanguageLevel, LanguageSkill, TalentProfile
from matching.score import (
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
from matching.vocabulary import FUZZY_SIMILARITY_CAP, SIMILARITY_FLOOR, SkillText, SkillVocabulary

__all__ = ["CandidateIndex", "Ranking"]

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
_FORMAT_VERSION = 1
_SKILL_WEIGHT = WEIGHTS["required_skills"] + WEIGHTS["preferred_skills"]


@dataclass(frozen=True, slots=True)
class Ranking:
    """The explained results of one ranking and how many talents were eligible in all."""

    results: list[MatchResult]
    total: int


class _Texts:
    """Distinct texts numbered in order of first appearance."""

    __slots__ = ("ids", "texts")

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.texts: list[str] = []
        self.ids: dict[str, int] = {}
        for text in texts:
            self.id(text)

    def id(self, text: str) -> int:
        number = self.ids.get(text)
        if number is None:
            number = self.ids[text] = len(self.texts)
            self.texts.append(text)
        return number


class _Postings:
    """Which rows hold each key: keys ``0..size-1`` -> sorted arrays of rows (CSR)."""

    __slots__ = ("rows", "starts")

    def __init__(self, keys: _Int32s, rows: _Int32s, size: int) -> None:
        order = np.argsort(keys, kind="stable")
        self.rows: _Int32s = rows[order]
        self.starts: _Ints = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=size), out=self.starts[1:])

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
    """Distinct texts that resemble one wanted text: ids and similarities, lowest similarity first."""

    __slots__ = ("ids", "similarities")

    def __init__(self, found: dict[int, float]) -> None:
        order = sorted(found, key=lambda key: (found[key], key))
        self.ids: _Int32s = np.array(order, dtype=np.int32)
        self.similarities: _Floats = np.array([found[key] for key in order], dtype=np.float64)


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
    ([(7, 100.0)], 2)
    """

    def __init__(self, arrays: dict[str, Any], tables: dict[str, list[str]], vocabulary: SkillVocabulary) -> None:
        self._vocabulary = vocabulary
        self._arrays = arrays
        self._tables = tables
        self._ids: _Ints = arrays["ids"]
        self._degrees: _Ints = arrays["degrees"].astype(np.int64)
        self._years: _Floats = arrays["years"]
        self._skills = _Lists(arrays["skill_starts"], arrays["skill_values"])
        self._fields = _Lists(arrays["field_starts"], arrays["field_values"])
        self._wished = _Lists(arrays["wished_starts"], arrays["wished_values"])
        self._current: _Int32s = arrays["current_city"]
        self._language_codes: list[str] = tables["languages"]
        self._levels: dict[str, _Ints] = {
            code: arrays["levels"][i].astype(np.int64) for i, code in enumerate(self._language_codes)
        }
        self._row_of: dict[int, int] = {int(tid): row for row, tid in enumerate(self._ids.tolist())}
        self._alive: _Bools = np.ones(len(self._ids), dtype=np.bool_)
        self._overlay: dict[int, TalentProfile] = {}
        self._prepare_tables()

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, talents: Iterable[TalentProfile], vocabulary: SkillVocabulary) -> CandidateIndex:
        """Index ``talents`` (any iterable; each profile is read once and not kept).

        Raises
        ------
        ValueError
            When two profiles share an id.
        """
        skill_texts, field_texts, city_texts, languages = _Texts(), _Texts(), _Texts(), _Texts()
        ids, degrees, years, current = array("q"), array("b"), array("d"), array("i")
        skills, fields, wished = _ListBuilder(), _ListBuilder(), _ListBuilder()
        spoken_rows, spoken_codes, spoken_levels = array("i"), array("i"), array("b")
        seen: set[int] = set()
        for row, talent in enumerate(talents):
            if talent.id in seen:
                raise ValueError(f"talent {talent.id} appears twice")
            seen.add(talent.id)
            ids.append(talent.id)
            degrees.append(int(talent.highest_degree or 0))
            years.append(talent.years_experience)
            current.append(-1 if talent.current_city is None else city_texts.id(talent.current_city))
            skills.add(skill_texts.id(text) for text in talent.skills)
            fields.add(field_texts.id(text) for text in talent.fields_of_study)
            wished.add(city_texts.id(city) for city in talent.wished_cities)
            for spoken in talent.languages:
                spoken_rows.append(row)
                spoken_codes.append(languages.id(normalize_text(spoken.language)))
                spoken_levels.append(int(spoken.level))
        count = len(ids)
        levels = np.zeros((len(languages.texts), count), dtype=np.int8)
        # Several entries for one language keep the highest level, as the exhaustive scorer does.
        np.maximum.at(
            levels,
            (np.frombuffer(spoken_codes, dtype=np.int32), np.frombuffer(spoken_rows, dtype=np.int32)),
            np.frombuffer(spoken_levels, dtype=np.int8),
        )
        arrays = {
            "ids": np.frombuffer(ids, dtype=np.int64).copy(),
            "degrees": np.frombuffer(degrees, dtype=np.int8).copy(),
            "years": np.frombuffer(years, dtype=np.float64).copy(),
            "current_city": np.frombuffer(current, dtype=np.int32).copy(),
            "levels": levels,
            **skills.arrays("skill"),
            **fields.arrays("field"),
            **wished.arrays("wished"),
        }
        tables = {
            "skills": skill_texts.texts,
            "fields": field_texts.texts,
            "cities": city_texts.texts,
            "languages": languages.texts,
        }
        return cls(arrays, tables, vocabulary)

    def _prepare_tables(self) -> None:
        """Derived lookups: normalised texts, canonical skills, posting lists, cities."""
        count = len(self._ids)
        vocabulary = self._vocabulary
        # Skills: raw text -> distinct normalised text; empty normalised texts never match anything.
        norms = _Texts()
        norm_of_text = np.array(
            [norms.id(normalize_text(text)) for text in self._tables["skills"]] or [0], dtype=np.int32
        )[: len(self._tables["skills"])]
        self._norms = norms.texts
        self._norm_ids = norms.ids
        skill_of_norm = [vocabulary.prepare(norm).skill_id if norm else None for norm in norms.texts]
        self._norms_of_skill: dict[str, list[int]] = {}
        for norm, skill_id in enumerate(skill_of_norm):
            if skill_id is not None:
                self._norms_of_skill.setdefault(skill_id, []).append(norm)
        held = norm_of_text[self._skills.values]
        self._skill_postings = _Postings(held, self._skills.owners(), len(norms.texts))
        # Fuzzy comparison uses fuzz.ratio over token-sorted texts, grouped by length.
        self._skill_choices = _LengthGroups(norms.texts)

        field_norms = _Texts()
        field_norm_of_text = np.array(
            [field_norms.id(normalize_text(text)) for text in self._tables["fields"]] or [0], dtype=np.int32
        )[: len(self._tables["fields"])]
        self._field_norms = field_norms.texts
        self._field_postings = _Postings(
            field_norm_of_text[self._fields.values], self._fields.owners(), len(field_norms.texts)
        )

        # Cities: each city text -> its match keys; rows holding each key (current or wished).
        keys = _Texts()
        keys_of_city = [[keys.id(key) for key in _city_keys(city)] for city in self._tables["cities"]]
        key_rows, key_ids = array("i"), array("i")
        wished_owners = self._wished.owners()
        for rows, cities in ((np.flatnonzero(self._current >= 0), self._current), (wished_owners, self._wished.values)):
            city_of_row = cities[rows] if cities is self._current else cities
            for row, city in zip(rows.tolist(), city_of_row.tolist(), strict=True):
                for key in keys_of_city[city]:
                    key_rows.append(row)
                    key_ids.append(key)
        self._city_keys = keys.ids
        self._city_postings = _Postings(
            np.frombuffer(key_ids, dtype=np.int32), np.frombuffer(key_rows, dtype=np.int32), len(keys.texts)
        )
        self._expansions: OrderedDict[tuple[str, str], _Expansion] = OrderedDict()
        self._size = count

    # ------------------------------------------------------------------ changes

    def __len__(self) -> int:
        return int(self._alive.sum()) + len(self._overlay)

    def __contains__(self, talent_id: object) -> bool:
        if talent_id in self._overlay:
            return True
        row = self._row_of.get(talent_id)  # type: ignore[arg-type]
        return row is not None and bool(self._alive[row])

    def upsert(self, talent: TalentProfile) -> None:
        """Rank ``talent`` from now on (replacing an earlier profile with its id), without a rebuild."""
        self.remove(talent.id)
        self._overlay[talent.id] = talent

    def remove(self, talent_id: int) -> None:
        """Stop ranking the talent with id ``talent_id`` (nothing happens when it is not indexed)."""
        self._overlay.pop(talent_id, None)
        row = self._row_of.get(talent_id)
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
        hidden = [self._row_of[tid] for tid in outside if tid in self._row_of]
        alive = self._alive
        if hidden:
            alive = alive.copy()
            alive[hidden] = False
        wanted = k = None if limit is None else offset + max(limit, 0)
        scored, total = _Search(self, view, alive).run(wanted)
        outside_results = rank_candidates(job, outside.values(), self._vocabulary)
        merged = [(-score, int(self._ids[row]), row) for score, row in scored]
        merged += [(-m.score, m.talent_id, -1 - i) for i, m in enumerate(outside_results)]
        merged.sort()
        chosen = merged[offset : None if k is None else k]
        rows = [row for _, _, row in chosen if row >= 0]
        explained = {m.talent_id: m for m in rank_candidates(job, [self._profile(r) for r in rows], self._vocabulary)}
        results = [explained[tid] if row >= 0 else outside_results[-1 - row] for _, tid, row in chosen]
        return Ranking(results, total + len(outside_results))

    # ------------------------------------------------------------------ inputs for the scorer

    def _expansion(self, wanted: SkillText) -> _Expansion:
        """Distinct skill texts and their similarity to ``wanted`` (see ``vocabulary.similarity_matrix``)."""
        key = (wanted.normalised, wanted.skill_id or "")
        cached = self._expansions.get(key)
        if cached is not None:
            self._expansions.move_to_end(key)
            return cached
        found: dict[int, float] = {}
        if wanted.normalised:
            for norm, ratio in self._skill_choices.similar(wanted.normalised):
                found[norm] = min(ratio / 100, FUZZY_SIMILARITY_CAP)
            same = self._norms_of_skill.get(wanted.skill_id, []) if wanted.skill_id else []
            exact = self._norm_ids.get(wanted.normalised)
            for norm in [*same, *([] if exact is None else [exact])]:
                found[norm] = 1.0
        expansion = _cache(self._expansions, key, _Expansion(found))
        return expansion

    def _field_similarities(self, view: _JobView) -> _Floats:
        """Best similarity of each distinct normalised field text to the job's fields (0 below the floor)."""
        key = ("\0fields", "\0".join(norm for _, norm in view.fields))
        cached = self._expansions.get(key)
        if cached is None:
            best = np.zeros(len(self._field_norms))
            choices = [norm for norm in self._field_norms]
            usable = [i for i, norm in enumerate(choices) if norm]
            if usable:
                matrix = _field_matrix([norm for _, norm in view.fields], [choices[i] for i in usable])
                best[usable] = matrix.max(axis=0)
            found = {i: float(v) for i, v in enumerate(best.tolist()) if v > 0}
            cached = _cache(self._expansions, key, _Expansion(found))
        dense = np.zeros(len(self._field_norms))
        dense[cached.ids] = cached.similarities
        return dense

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


class _ListBuilder:
    """Collects per-row lists of ints into CSR arrays."""

    __slots__ = ("starts", "values")

    def __init__(self) -> None:
        self.starts = array("q", [0])
        self.values = array("i")

    def add(self, values: Iterable[int]) -> None:
        self.values.extend(values)
        self.starts.append(len(self.values))

    def arrays(self, name: str) -> dict[str, Any]:
        return {
            f"{name}_starts": np.frombuffer(self.starts, dtype=np.int64).copy(),
            f"{name}_values": np.frombuffer(self.values, dtype=np.int32).copy(),
        }


class _LengthGroups:
    """Texts token-sorted and grouped by length, so a fuzzy query reads only lengths that can reach the floor.

    ``fuzz.token_sort_ratio(a, b)`` equals ``fuzz.ratio`` of the token-sorted
    texts; an edit-distance ratio of ``r`` percent needs the shorter text to
    be at least ``r / (200 - r)`` of the longer one.
    """

    __slots__ = ("_ids", "_starts", "_texts")

    def __init__(self, texts: Sequence[str]) -> None:
        sorted_texts = [" ".join(sorted(text.split())) for text in texts]
        order = sorted((i for i, text in enumerate(texts) if text), key=lambda i: len(sorted_texts[i]))
        self._ids = np.array(order, dtype=np.int32)
        self._texts = [sorted_texts[i] for i in order]
        lengths = [len(text) for text in self._texts]
        longest = lengths[-1] if lengths else 0
        self._starts = np.searchsorted(np.array(lengths, dtype=np.int64), np.arange(longest + 2), side="left")

    def similar(self, text: str) -> Iterator[tuple[int, float]]:
        """Ids of texts whose ratio with ``text`` reaches the floor, with the ratio (0..100)."""
        query = " ".join(sorted(text.split()))
        floor = SIMILARITY_FLOOR * 100
        shortest = max(0, math.floor(len(query) * floor / (200 - floor)) - 1)
        longest = min(len(self._starts) - 1, math.ceil(len(query) * (200 - floor) / floor) + 2)
        if shortest >= longest:
            return
        start, end = int(self._starts[shortest]), int(self._starts[longest])
        if start >= end:
            return
        ratios = process.cdist([query], self._texts[start:end], scorer=fuzz.ratio, score_cutoff=floor, dtype=np.float64)
        hits = np.flatnonzero(ratios[0])
        yield from zip(self._ids[start + hits].tolist(), ratios[0, hits].tolist(), strict=True)


def _cache(cache: OrderedDict[tuple[str, str], _Expansion], key: tuple[str, str], value: _Expansion) -> _Expansion:
    cache[key] = value
    if len(cache) > _EXPANSION_CACHE_SIZE:
        cache.popitem(last=False)
    return value


class _Search:
    """One ranking over the indexed rows: candidate generation, bounds, exact passes."""

    def __init__(self, index: CandidateIndex, view: _JobView, alive: _Bools) -> None:
        self.index = index
        self.view = view
        self.alive = alive
        prepare = index._vocabulary.prepare
        self.required = [index._expansion(prepare(text)) for text in view.required]
        self.preferred = [index._expansion(prepare(text)) for text in view.preferred]
        # Best possible contribution of the components other than skills.
        self.rest = 100.0 - _SKILL_WEIGHT

    def run(self, k: int | None) -> tuple[list[tuple[float, int]], int]:
        """``(score, row)`` of the best ``k`` eligible rows (all when None) and the number eligible."""
        index, size = self.index, self.index._size
        expansions = self.required + self.preferred
        held = np.zeros(size, dtype=np.bool_)
        for expansion in expansions:
            for norm in expansion.ids.tolist():
                held[index._skill_postings.of(norm)] = True
        held &= self.alive
        candidates = np.flatnonzero(held)
        position = np.full(size, -1, dtype=np.int64)
        position[candidates] = np.arange(len(candidates))
        required = self._best(self.required, candidates, position)
        preferred = self._best(self.preferred, candidates, position)

        # Talents holding no matched text: no skill credit at all.
        others_bound = self.rest + (0.0 if self.view.required else WEIGHTS["required_skills"])
        others_bound += 0.0 if self.view.preferred else WEIGHTS["preferred_skills"]
        others_possible = not (self.view.required and "required_skills" in self.view.profile.hard)

        skill_part = np.zeros(len(candidates))
        for weight, best in ((WEIGHTS["required_skills"], required), (WEIGHTS["preferred_skills"], preferred)):
            skill_part += weight * (best.sum(axis=0) / len(best) if len(best) else 1.0)
        bounds = skill_part + self.rest + _BOUND_MARGIN

        scored: list[tuple[float, int]] = []
        threshold = -math.inf
        remaining = np.arange(len(candidates) if k != 0 else 0)
        want = k if k is not None else len(candidates)
        batch = max(_FIRST_PASS, want)
        while len(remaining):
            if len(remaining) > batch:
                top = np.argpartition(-bounds[remaining], batch - 1)[:batch]
                chosen, remaining = remaining[top], np.delete(remaining, top)
            else:
                chosen, remaining = remaining, remaining[:0]
            scored += self._exact(candidates[chosen], required[:, chosen], preferred[:, chosen])
            if k is not None and len(scored) >= k:
                scored.sort(key=lambda pair: (-pair[0], int(index._ids[pair[1]])))
                del scored[k:]
                threshold = scored[-1][0]
                remaining = remaining[bounds[remaining] >= threshold]
            batch *= 2

        rest_rows = np.flatnonzero(self.alive & ~held) if others_possible else np.empty(0, dtype=np.int64)
        if len(rest_rows) and (k is None or k > len(scored) or (k > 0 and others_bound + _BOUND_MARGIN >= threshold)):
            empty = np.zeros((0, len(rest_rows)))
            scored += self._exact(
                rest_rows,
                np.zeros((len(self.required), len(rest_rows))) if self.required else empty,
                np.zeros((len(self.preferred), len(rest_rows))) if self.preferred else empty,
            )
        total = self._eligible_count(candidates, required) if k is not None else len(scored)
        return scored, total

    def _best(self, expansions: list[_Expansion], candidates: _Ints, position: _Ints) -> _Floats:
        """Per job skill (rows) and candidate (columns): the best similarity among the candidate's texts."""
        best = np.zeros((len(expansions), len(candidates)))
        postings = self.index._skill_postings
        for i, expansion in enumerate(expansions):
            for norm, similarity in zip(expansion.ids.tolist(), expansion.similarities.tolist(), strict=True):
                columns = position[postings.of(norm)]
                best[i, columns[columns >= 0]] = similarity
        return best

    def _exact(self, rows: _Ints, required: _Floats, preferred: _Floats) -> list[tuple[float, int]]:
        """Exact scores of ``rows`` through the exhaustive scorer's arithmetic; only eligible rows are kept."""
        assessment = self._assess(rows, required, preferred)
        keep = np.flatnonzero(assessment.eligible)
        return list(zip(assessment.scores[keep].tolist(), rows[keep].tolist(), strict=True))

    def _assess(self, rows: _Ints, required: _Floats, preferred: _Floats) -> Any:
        index, view = self.index, self.view
        return assess(
            view,
            np.ascontiguousarray(required),
            np.ascontiguousarray(preferred),
            index._degrees[rows],
            np.maximum(index._years[rows], 0.0),
            lambda language: (
                index._levels[language][rows] if language in index._levels else np.zeros(len(rows), np.int64)
            ),
            lambda: self._located[rows],
            lambda: self._field_best[rows],
        )

    @cached_property
    def _located(self) -> _Bools:
        """Whether each row lives in or wishes the job's city."""
        index = self.index
        keys = [index._city_keys[key] for key in self.view.city if key in index._city_keys]
        return index._city_postings.union(keys, index._size)

    @cached_property
    def _field_best(self) -> _Floats:
        """Each row's best field-of-study similarity to the job's fields."""
        index = self.index
        similarities = index._field_similarities(self.view)
        best = np.zeros(index._size)
        matched = np.flatnonzero(similarities)
        for field in sorted(matched.tolist(), key=lambda f: similarities[f]):
            best[index._field_postings.of(field)] = similarities[field]
        return best

    def _eligible_count(self, candidates: _Ints, required: _Floats) -> int:
        """How many indexed rows meet every hard requirement of the job."""
        view, index = self.view, self.index
        hard = view.profile.hard
        eligible = self.alive.copy()
        if "required_skills" in hard and view.required:
            matched = np.zeros(index._size, dtype=np.bool_)
            matched[candidates[(required >= SKILL_MATCH_THRESHOLD).all(axis=0)]] = True
            eligible &= matched
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
            eligible &= self._field_best >= SIMILARITY_FLOOR
        if "location" in hard and view.city:
            eligible &= self._located
        return int(eligible.sum())
