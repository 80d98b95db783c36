"""Typo-tolerant job search over titles, skills, employers and descriptions.

A query may be Chinese (Simplified or Traditional: ``資料庫`` finds ``数据库``),
English, pinyin with or without spaces (``shujuku``, ``shu ju ku``, ``haichen``
for ``海辰储能``) or a mix, and may carry typos (``pyhton``, ``enginer``).

Matching
--------
The query is normalised (:func:`~matching.normalise.normalize_text`) and split
into terms: Latin words and runs of Han characters.  Every term must match
somewhere in a job (terms are ANDed); a term matches a field in one of three
kinds, strongest first:

``exact``
    A Latin term equal to a word; a Han term that is a substring of the field
    (``数据`` in ``大数据工程师``), or that splits into pieces of two or more
    characters that all are (``数据库工程师`` in ``数据库开发工程师``, quality
    :data:`PIECED_QUALITY`); a pinyin term equal to the syllables of a Han
    substring (``shuju`` for ``数据``).
``prefix``
    A Latin term (two letters or more) that starts a word (``pyth``), or pinyin
    that ends inside a syllable (``haich``); quality is the typed share of the
    word or syllable.
``fuzzy``
    A Latin term of :data:`MIN_FUZZY_LENGTH` letters or more whose
    :func:`rapidfuzz.fuzz.ratio` to a word (or ``partial_ratio`` to the pinyin of
    a Han run in a short field) is at least :data:`FUZZY_THRESHOLD`; a Han term
    with the right sounds but other characters (quality
    :data:`HOMOPHONE_QUALITY`), or with at least :data:`HAN_FUZZY_COVERAGE` of
    its character pairs in the field.  Quality is the similarity.

Besides the per-term reading, a query of several Latin words is also read as
one run of pinyin (``shu ju ku``), and the query's company core
(:func:`~matching.company.canonical_company_name`) is compared with each
employer's core, so ``海辰储能科技有限公司`` finds ``厦门海辰储能科技股份有限公司``
exactly.  A job's score is the best of these readings.

Scores
------
A job's kind is the weakest kind among its terms, and each kind owns a score
band (:data:`SCORE_BANDS`): exact 90-100, prefix 70-89, fuzzy 0-69.  Inside the
band the position is the mean over terms of ``field weight x quality``, with
:data:`FIELD_WEIGHTS` title 1.0 > skills 0.85 > employer 0.7 > description 0.5.
So no fuzzy hit ever outranks a prefix hit, nor a prefix hit an exact one,
and among equal kinds the title wins.  A job's score depends on that job and
the query only, never on the rest of the index.

Candidates
----------
An inverted index maps Latin words, Han characters and character pairs,
pinyin syllables and employer cores to jobs.  Typos are expanded over the
*vocabulary* (the distinct words, and the pinyin of short Han runs) with
:func:`rapidfuzz.process.extract`, never over every job; only the jobs found
that way are scored; the pinyin runs compared with a term are first narrowed,
exactly, to those sharing enough letters with it.  A Han term's candidates
are narrowed further to the jobs whose character pairs and syllables make some
kind of match possible at all.  Each job has a slot, and the sets of jobs are
flags per slot (:mod:`numpy`), so unions and intersections over a hundred
thousand jobs cost microseconds.

Cheaper answers, same results
-----------------------------
Each term is matched once per query with each distinct field text (jobs share
titles, skills and employers: equal texts are one segment object); a Han term
keeps, per segment, which of its pieces the segment holds, and a field's match
follows from the union of its segments' pieces.  The fields after an exact
match worth at least their weight are skipped.

``search(query, limit=k)`` first matches every candidate's title, skills and
employer, then bounds what its description can add: at most its weight (0.5),
in the best kind the job's words, syllables and character pairs allow (an
exact match needs the term's word, leading syllables or pairs).  Candidates
are finished in the order of that bound, and the search stops once the k-th
hit scores above the next bound.  :meth:`JobSearchIndex.count` scores nothing:
a job holding the term's word, prefix or typo-expanded word, a single matching
syllable, its character or pair (for one or two characters) surely matches,
and only the other candidates are matched.  None of this changes a result:
``search(query, limit=k)`` is ``search(query, limit=None)[:k]`` and ``count``
is its length.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from matching.company import canonical_company_name
from matching.normalise import has_han, normalize_text, to_pinyin

__all__ = [
    "FIELD_WEIGHTS",
    "FUZZY_THRESHOLD",
    "HAN_FUZZY_COVERAGE",
    "HOMOPHONE_QUALITY",
    "MIN_FUZZY_LENGTH",
    "PIECED_QUALITY",
    "SCORE_BANDS",
    "JobSearchIndex",
    "MatchKind",
    "SearchDoc",
    "SearchHit",
    "SearchPage",
]

MatchKind = Literal["exact", "prefix", "fuzzy"]

FIELD_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"title": 1.0, "skills": 0.85, "employer": 0.7, "description": 0.5}
)
"""How much a match in each field is worth inside its band: the title says
what the job is, skills what it needs, the employer who offers it, and the
description mentions much that the job is not."""

SCORE_BANDS: Mapping[MatchKind, tuple[float, float]] = MappingProxyType(
    {"exact": (90.0, 100.0), "prefix": (70.0, 89.0), "fuzzy": (0.0, 69.0)}
)
"""Lowest and highest score of each match kind; the bands do not overlap."""

FUZZY_THRESHOLD: float = 80.0
"""Lowest :func:`rapidfuzz.fuzz.ratio` for a fuzzy word match: one swapped pair
in six letters (``pyhton`` -> 83) or one missing letter in eight (``enginer``
-> 93) passes; ``java``/``jave`` (75) and ``rust``/``rest`` (75) do not."""

MIN_FUZZY_LENGTH: int = 4
"""Shorter Latin terms match exactly or as a prefix only: at three letters
(``sql``, ``aws``) one edit already names a different thing."""

HAN_FUZZY_COVERAGE: float = 0.6
"""Lowest share of a Han term's character pairs found in a field for a fuzzy
match; a three-character term needs both of its pairs."""

HOMOPHONE_QUALITY: float = 0.9
"""Quality of a Han term found only by its pinyin (``数据苦`` for ``数据库``)."""

PIECED_QUALITY: float = 0.85
"""Quality of a Han term found as pieces, not as one phrase."""

_FIELDS = ("title", "skills", "employer", "description")
_SHORT_FIELDS = frozenset({"title", "skills", "employer"})
# The highest field weight from each field on, for stopping once an exact match cannot be beaten.
_WEIGHT_LEFT = tuple(max(FIELD_WEIGHTS[field] for field in _FIELDS[i:]) for i in range(len(_FIELDS)))
_SHORT_NAMES = tuple(field for field in _FIELDS if field in _SHORT_FIELDS)
_SHORT_FIELD_WEIGHTS = tuple((field, FIELD_WEIGHTS[field]) for field in _SHORT_NAMES)
_DESCRIPTION_WEIGHT = FIELD_WEIGHTS["description"]
# Upper bounds are not rounded: a score is, to four places, so it may exceed its unrounded value by 0.00005.
_ROUNDING_ROOM = 1e-4
_KIND_BY_RANK: tuple[MatchKind, ...] = ("fuzzy", "prefix", "exact")
_BAND_LOWS = np.array([SCORE_BANDS[kind][0] for kind in _KIND_BY_RANK])
_BAND_HIGHS = np.array([SCORE_BANDS[kind][1] for kind in _KIND_BY_RANK])
_EXACT, _PREFIX, _FUZZY = 2, 1, 0
_MAX_PREFIX_EXPANSIONS = 200
_MAX_FUZZY_EXPANSIONS = 20
_MAX_SEGMENTATIONS = 8
_MIN_PINYIN_TERM_IN_PHRASE = 4
# Bits of a Han term's match with a segment (:func:`_han_bits`); the term's pieces take the bits above.
_WHOLE, _HOMOPHONE, _FIRST_PIECE_BIT = 1, 2, 2
# From this length on, a Han term has more pieces than an int64 has bits.
_LONG_HAN_TERM = 12

_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_GAP = re.compile(f"(?<=[{_HAN_CLASS}]) +(?=[{_HAN_CLASS}])")
_TERM = re.compile(f"[{_HAN_CLASS}]+|[^\\s{_HAN_CLASS}]+")

_Flags = npt.NDArray[np.bool_]
_Slots = npt.NDArray[np.intp]
_NO_SLOTS: _Slots = np.empty(0, dtype=np.intp)
# A term's best match so far: rank, field weight x quality, field.
_Best = tuple[int, float, str]
_Memo = dict[Any, Any]
# Per job, a term's match with a field given by its segment numbers: rank (-1: none) and quality.
# Per job, a term's best match in the short fields: rank (-1: none), field weight x quality, field.
_ShortBest = tuple[npt.NDArray[np.int8], npt.NDArray[np.float64], npt.NDArray[np.int8]]
_FieldMatch = Callable[[npt.NDArray[np.int32]], tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]]
_UNSEEN = object()


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """A job as the search sees it; text fields as typed."""

    id: int
    title: str
    skills: tuple[str, ...]
    employer_name: str
    description: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One found job: its score (0..100), the field that matched and how."""

    id: int
    score: float
    matched_field: str
    match_kind: MatchKind


@dataclass(frozen=True, slots=True)
class SearchPage:
    """The first hits of a search, and how many jobs match in all."""

    hits: list[SearchHit]
    total: int


# Segments and terms are keys of the per-query match memo: hashed by identity, and equal segments are one
# object (:func:`_segment` is cached), so a lookup never compares their contents.
@dataclass(frozen=True, slots=True, eq=False)
class _Segment:
    text: str
    words: tuple[str, ...]
    runs: tuple[str, ...]
    pinyin: tuple[tuple[str, ...], ...]
    # The runs' syllables written together, runs apart: pinyin that is not in it matches no run.
    joined_pinyin: str


@dataclass(frozen=True, slots=True)
class _Indexed:
    fields: dict[str, tuple[_Segment, ...]]
    employer_core: str
    keys: frozenset[str]


@dataclass(frozen=True, slots=True, eq=False)
class _Term:
    text: str
    han: bool
    pinyin: bool


@dataclass(frozen=True, slots=True)
class _Jobs:
    """Some of an index's jobs: a flag per slot; ``in`` takes a job id."""

    flags: _Flags
    slot_of: Mapping[int, int]

    def __contains__(self, doc_id: object) -> bool:
        slot = self.slot_of.get(doc_id) if isinstance(doc_id, int) else None
        return slot is not None and bool(self.flags[slot])


@dataclass(frozen=True, slots=True)
class _Similar:
    """Typo expansions of a Latin term: similar words, most similar first, and similar pinyin runs."""

    words: list[str]
    runs: list[str]


@dataclass(frozen=True, slots=True)
class _Ceiling:
    """Per job, the strongest kind of match a term may have in the job's description (-1: none), what a match
    of that kind may be worth, and what any match may be worth."""

    kind: npt.NDArray[np.int8]
    best_worth: npt.NDArray[np.float64]
    any_worth: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class _Reading:
    """One reading of a query with its candidates, in ascending id order."""

    terms: tuple[_Term, ...]
    slots: _Slots
    ids: list[int]
    # Per term, for each candidate: whether the job surely matches that term.
    sure: tuple[_Flags, ...]


class _Postings:
    """Keys to the numbers (job slots, or segment numbers) holding them; each set is also an array, made on
    first use and dropped when the set changes."""

    def __init__(self) -> None:
        self._numbers: dict[str, set[int]] = {}
        self._arrays: dict[str, _Slots] = {}

    def __iter__(self) -> Iterator[str]:
        return iter(self._numbers)

    def add(self, keys: Iterable[str], number: int) -> None:
        for key in keys:
            self._numbers.setdefault(key, set()).add(number)
            self._arrays.pop(key, None)

    def discard(self, keys: Iterable[str], number: int) -> None:
        for key in keys:
            numbers = self._numbers[key]
            numbers.discard(number)
            self._arrays.pop(key, None)
            if not numbers:
                del self._numbers[key]

    def array(self, key: str) -> _Slots:
        numbers = self._arrays.get(key)
        if numbers is None:
            held = self._numbers.get(key)
            if not held:
                return _NO_SLOTS
            numbers = self._arrays[key] = np.fromiter(held, dtype=np.intp, count=len(held))
        return numbers

    def any_of(self, keys: Iterable[str], size: int) -> _Flags:
        """A flag per number below ``size``: whether it holds any of ``keys``."""
        flags = np.zeros(size, dtype=bool)
        for key in keys:
            flags[self.array(key)] = True
        return flags


class JobSearchIndex:
    """An incrementally updated search index over jobs.

    Parameters
    ----------
    docs : iterable of SearchDoc
        The jobs indexed at start; more come with :meth:`add`.

    Examples
    --------
    >>> index = JobSearchIndex([SearchDoc(1, "数据库工程师", ("SQL",), "厦门钨业股份有限公司", "")])
    >>> index.search("shujuku")
    [SearchHit(id=1, score=100.0, matched_field='title', match_kind='exact')]
    >>> index.count("sql")
    1
    """

    def __init__(self, docs: Iterable[SearchDoc] = ()) -> None:
        self._docs: dict[int, _Indexed] = {}
        self._slot_of: dict[int, int] = {}
        self._slot_ids: npt.NDArray[np.int64] = np.full(0, -1, dtype=np.int64)
        self._slot_count = 0
        self._free_slots: list[int] = []
        self._postings = _Postings()
        # The distinct segments of the short fields, numbered, with their own postings; per field, each slot's
        # segment numbers (-1: none).
        self._segment_postings = _Postings()
        self._segment_numbers: dict[_Segment, int] = {}
        self._segments: list[_Segment] = []
        self._segment_uses: list[int] = []
        # By segment number: its text, and its runs' pinyin (joined_pinyin), for matching many at once.
        self._segment_strings = {"text": np.zeros(0, dtype="<U1"), "pinyin": np.zeros(0, dtype="<U1")}
        self._free_numbers: list[int] = []
        self._short_segments = {field: np.full((0, 1), -1, dtype=np.int32) for field in _SHORT_FIELDS}
        self._vocabulary: dict[str, list[str]] | None = None
        self._run_letters: tuple[dict[str, int], npt.NDArray[np.int32], npt.NDArray[np.int32]] | None = None
        for doc in docs:
            self.add(doc)

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def add(self, doc: SearchDoc) -> None:
        """Index ``doc``, replacing any job with the same id."""
        if doc.id in self._docs:
            self.remove(doc.id)
        indexed = _index_doc(doc)
        slot = self._free_slots.pop() if self._free_slots else self._new_slot()
        self._slot_ids[slot] = doc.id
        self._slot_of[doc.id] = slot
        self._docs[doc.id] = indexed
        self._postings.add(indexed.keys, slot)
        for field in _SHORT_FIELDS:
            self._place_segments(slot, field, [self._number(segment) for segment in indexed.fields[field]])
        self._vocabulary = None
        self._run_letters = None

    def remove(self, doc_id: int) -> None:
        """Forget the job with id ``doc_id``.

        Raises
        ------
        KeyError
            When no such job is indexed.
        """
        indexed = self._docs.pop(doc_id)
        slot = self._slot_of.pop(doc_id)
        self._slot_ids[slot] = -1
        self._free_slots.append(slot)
        self._postings.discard(indexed.keys, slot)
        for field in _SHORT_FIELDS:
            self._short_segments[field][slot] = -1
            for segment in indexed.fields[field]:
                self._release(segment)
        self._vocabulary = None
        self._run_letters = None

    def search(self, query: str, *, limit: int | None = 50, among: Collection[int] | None = None) -> list[SearchHit]:
        """Jobs matching ``query``, best first.

        Parameters
        ----------
        query : str
            Free text in Chinese, English or pinyin.
        limit : int or None, default 50
            Most hits returned; ``None`` for all.  The first ``limit`` hits
            are the same as with ``None``, found without scoring every match.
        among : collection of int, optional
            Only these job ids may be returned (a filter applied by the caller's
            database, say; a set is looked up fastest); all jobs when ``None``.

        Returns
        -------
        list of SearchHit
            Sorted by score (descending) then id (ascending); empty for a blank
            query or when no job matches every term.
        """
        text = _join_han(normalize_text(query))
        if not text or (limit is not None and limit <= 0):
            return []
        lookup = _Lookup(self, text, among)
        return lookup.all_hits() if limit is None else lookup.top_hits(limit)

    def search_page(self, query: str, *, limit: int | None = 50, among: Collection[int] | None = None) -> SearchPage:
        """:meth:`search` and :meth:`count` of one query at once, sharing their work (candidates, typo expansions,
        matches): the first ``limit`` hits, all with ``None``, and how many jobs match in all."""
        text = _join_han(normalize_text(query))
        if not text:
            return SearchPage([], 0)
        lookup = _Lookup(self, text, among)
        if limit is None:
            hits = lookup.all_hits()
            return SearchPage(hits, len(hits))
        return SearchPage(lookup.top_hits(limit) if limit > 0 else [], lookup.count())

    def count(self, query: str, *, among: Collection[int] | None = None) -> int:
        """How many jobs match ``query``: ``len(search(query, limit=None, among=among))``, without scoring them.

        Parameters
        ----------
        query : str
            Free text in Chinese, English or pinyin.
        among : collection of int, optional
            Only these job ids are counted; all jobs when ``None``.

        Returns
        -------
        int
            The number of matching jobs; 0 for a blank query.
        """
        text = _join_han(normalize_text(query))
        return _Lookup(self, text, among).count() if text else 0

    # Candidate generation -------------------------------------------------

    def _term_candidates(self, term: _Term, similar: _Similar | None = None) -> tuple[_Flags, _Flags]:
        """The jobs that may match ``term``, and those among them that surely do (:meth:`count`).

        ``similar`` is :meth:`_similar` of a Latin term; without it, the words
        and pinyin runs that are only similar to the term are left out.
        """
        if term.han:
            # A job holding the one character, or the pair, that the term is matches it exactly.
            whole = ("u:" if len(term.text) == 1 else "h:") + term.text
            surely = self._flags(self._posting(whole) if len(term.text) <= 2 else _NO_SLOTS)
            return self._han_candidates(term.text).flags, surely
        keys = ["w:" + term.text]
        if len(term.text) >= 2:
            keys += ["w:" + word for word in _with_prefix(self._vocab()["words"], term.text, _MAX_PREFIX_EXPANSIONS)]
        if similar is not None:
            keys += ["w:" + word for word in similar.words[:_MAX_FUZZY_EXPANSIONS]] + [
                "r:" + run for run in similar.runs
            ]
        # Each of these keys holds a word, or (in a short field) a pinyin run, that the term matches.
        surely = self._any_of(keys)
        if not term.pinyin:
            return surely, surely
        found, pinyin_surely = self._pinyin_candidates(term.text)
        return found | surely, pinyin_surely | surely

    def _similar(self, term: _Term) -> _Similar:
        """The vocabulary's words similar to the Latin ``term`` (most similar first) and, for pinyin, the pinyin
        runs similar to it; none under :data:`MIN_FUZZY_LENGTH` letters."""
        if len(term.text) < MIN_FUZZY_LENGTH:
            return _Similar([], [])
        words = [
            word
            for word, _, _ in process.extract(
                term.text, self._vocab()["words"], scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, limit=None
            )
        ]
        if not term.pinyin:
            return _Similar(words, [])
        runs = process.extract(
            term.text,
            self._runs_sharing_letters(term.text),
            scorer=fuzz.partial_ratio,
            score_cutoff=FUZZY_THRESHOLD,
            limit=None,
        )
        return _Similar(words, [run for run, _, _ in runs])

    def _han_candidates(self, term: str) -> _Jobs:
        if len(term) == 1:
            return _Jobs(self._any_of(["u:" + term]), self._slot_of)
        pairs = [term[i : i + 2] for i in range(len(term) - 1)]
        postings = {pair: self._posting("h:" + pair) for pair in pairs}
        counts = np.zeros(self._slot_count, dtype=np.int32)
        for slots in postings.values():
            counts[slots] += 1
        ids = counts >= math.ceil(len(postings) / 2)
        if ids.any():
            ids &= self._han_match_possible(term, pairs, postings, counts)
        ids |= self._all_of(["p:" + syllable for syllable in to_pinyin(term).split()])
        return _Jobs(ids, self._slot_of)

    def _han_match_possible(
        self, term: str, pairs: list[str], postings: dict[str, _Slots], distinct_counts: npt.NDArray[np.int32]
    ) -> _Flags:
        """Jobs whose character pairs and syllables allow :func:`_match_han` to match ``term`` in some field.

        A necessary condition only, from the job's keys (the union of its
        fields): the whole term or its pieces leave out no pair at either end
        nor two neighbouring pairs; a fuzzy match needs
        :data:`HAN_FUZZY_COVERAGE` of the pair positions; a homophone needs a
        syllable that starts the term's sounds and one that ends them (``xian``
        may be read as ``先`` or as ``西安``).  Jobs outside it are never scored.
        """
        positions = distinct_counts
        if len(postings) < len(pairs):
            positions = np.zeros(self._slot_count, dtype=np.int32)
            for pair in pairs:
                positions[postings[pair]] += 1
        needed = next(k for k in range(len(pairs) + 1) if k / len(pairs) >= HAN_FUZZY_COVERAGE)
        sounds = "".join(_syllables(term))
        starts = self._any_of("p:" + sounds[:size] for size in range(1, len(sounds) + 1))
        ends = self._any_of("p:" + sounds[-size:] for size in range(1, len(sounds) + 1))
        pieced = _pieced_possible(pairs, {pair: self._flags(slots) for pair, slots in postings.items()})
        return pieced | (positions >= needed) | (starts & ends)

    def _pinyin_candidates(self, text: str) -> tuple[_Flags, _Flags]:
        """The jobs whose syllables may spell ``text``, and those that surely do: one syllable, or the start of one."""
        vocabulary = self._vocab()
        found = self._flags(_NO_SLOTS)
        surely = self._flags(_NO_SLOTS)
        for syllables, partial in _segmentations(text, frozenset(vocabulary["syllables"])):
            ids = self._all_of(["p:" + syllable for syllable in syllables])
            if partial and (syllables == () or ids.any()):
                completions = self._any_of(
                    "p:" + syllable
                    for syllable in _with_prefix(vocabulary["syllables"], partial, _MAX_PREFIX_EXPANSIONS)
                )
                ids = completions if not syllables else ids & completions
            found |= ids
            if len(syllables) + bool(partial) == 1:
                surely |= ids
        return found, surely

    def _latin_reach(self, term: _Term, holding: Callable[[list[str]], _Flags]) -> tuple[_Flags, _Flags | None]:
        """Which holders (jobs, or segments) of keys allow a text to match the Latin ``term`` exactly, and which
        allow an exact or prefix match (None: all, too many words start with the term).

        ``holding`` gives, for some keys, a flag per holder: whether it holds any.  An exact match needs
        the term as a word or, for pinyin, syllables that spell it; a prefix
        match a word starting with the term or syllables spelling its start and
        one starting with the rest.  No cap applies.
        """
        text = term.text
        exact = holding(["w:" + text])
        prefix: _Flags | None = np.zeros(len(exact), dtype=bool)
        if len(text) >= 2:
            words = list(_with_prefix(self._vocab()["words"], text, _MAX_PREFIX_EXPANSIONS + 1))
            prefix = None if len(words) > _MAX_PREFIX_EXPANSIONS else holding(["w:" + word for word in words])
        if not term.pinyin:
            return exact, None if prefix is None else prefix | exact
        syllables = self._vocab()["syllables"]
        known = frozenset(syllables)
        # spelled[i]: the holders of syllables that spell text[:i]; None where none do.
        spelled: list[_Flags | None] = [np.ones(len(exact), dtype=bool)] + [None] * len(text)
        for end in range(1, len(text) + 1):
            found = np.zeros(len(exact), dtype=bool)
            for start in range(max(0, end - 6), end):
                head = spelled[start]
                if head is not None and text[start:end] in known:
                    found |= head & holding(["p:" + text[start:end]])
            spelled[end] = found if found.any() else None
        if spelled[-1] is not None:
            exact |= spelled[-1]
        if prefix is None:
            return exact, None
        for start, head in enumerate(spelled[:-1]):
            rest = text[start:]
            if head is not None and len(text) >= 2:
                longer = [syllable for syllable in _with_prefix(syllables, rest, len(syllables)) if syllable != rest]
                prefix |= head & holding(["p:" + syllable for syllable in longer])
        return exact, prefix | exact

    def _segments_matching(self, term: _Term, similar: _Similar | None) -> _Flags | None:
        """A flag per segment number (and a last one, unset): whether the segment's keys allow the term a match.

        A Han term needs a pair (or its one character) or a syllable starting
        and one ending its sounds.  A Latin term needs the keys of
        :meth:`_latin_reach`, or with ``similar`` (:meth:`_similar`) a similar
        word or run; without it the other segments may match fuzzily.  None when
        every segment may.
        """
        count = len(self._segments) + 1  # and one for -1, no segment
        postings = self._segment_postings
        text = term.text
        if not term.han:
            _, reach = self._latin_reach(term, lambda keys: postings.any_of(keys, count))
            if reach is None or similar is None:
                return reach
            return reach | postings.any_of(["w:" + w for w in similar.words] + ["r:" + r for r in similar.runs], count)
        pieces = ["u:" + text] if len(text) == 1 else ["h:" + text[i : i + 2] for i in range(len(text) - 1)]
        sounds = _han_pieces(text).sounds
        starts = postings.any_of(("p:" + sounds[:size] for size in range(1, len(sounds) + 1)), count)
        ends = postings.any_of(("p:" + sounds[-size:] for size in range(1, len(sounds) + 1)), count)
        return postings.any_of(pieces, count) | (starts & ends)

    def _runs_sharing_letters(self, text: str) -> list[str]:
        """The pinyin runs that may have a :func:`rapidfuzz.fuzz.partial_ratio` to ``text`` of
        :data:`FUZZY_THRESHOLD` or more.

        ``partial_ratio`` is the ``fuzz.ratio`` of the shorter string (``n``
        letters) with a window of the longer one (at most ``n`` letters), and
        ``ratio`` is ``200 * lcs / (n + window)``; so at 80 the two share at
        least ``2n / 3`` letters counted with repetition (a common subsequence
        is made of shared letters).  Runs two letters or more shorter than
        ``text`` are not wanted either.  The test is a few vector operations
        over one count table (letters by run); only the runs passing it are
        compared.
        """
        runs = self._vocab()["runs"]
        if self._run_letters is None:
            self._run_letters = _letter_table(runs)
        rows, counts, lengths = self._run_letters
        shared = np.zeros(len(runs), dtype=np.int32)
        for letter, wanted in Counter(text).items():
            row = rows.get(letter)
            if row is not None:
                shared += np.minimum(counts[row], wanted)
        shortest = np.minimum(lengths, len(text))
        keep = (shared * (200.0 - FUZZY_THRESHOLD) >= shortest * FUZZY_THRESHOLD) & (lengths >= len(text) - 1)
        return [runs[i] for i in np.flatnonzero(keep)]

    # Slots, segments and job sets ------------------------------------------

    def _new_slot(self) -> int:
        if self._slot_count == len(self._slot_ids):
            capacity = max(64, 2 * self._slot_count)
            self._slot_ids = _grown(self._slot_ids, (capacity,))
            for field, numbers in self._short_segments.items():
                self._short_segments[field] = _grown(numbers, (capacity, numbers.shape[1]))
        self._slot_count += 1
        return self._slot_count - 1

    def _place_segments(self, slot: int, field: str, numbers: list[int]) -> None:
        held = self._short_segments[field]
        if len(numbers) > held.shape[1]:
            held = self._short_segments[field] = _grown(held, (held.shape[0], len(numbers)))
        held[slot] = -1
        held[slot, : len(numbers)] = numbers

    def _number(self, segment: _Segment) -> int:
        """The segment's number, counting one more job using it."""
        number = self._segment_numbers.get(segment)
        if number is None:
            if self._free_numbers:
                number = self._free_numbers.pop()
                self._segments[number] = segment
            else:
                number = len(self._segments)
                self._segments.append(segment)
                self._segment_uses.append(0)
            self._segment_numbers[segment] = number
            self._segment_postings.add(_segment_keys(segment, short=True), number)
            self._keep_strings(number, {"text": segment.text, "pinyin": segment.joined_pinyin})
        self._segment_uses[number] += 1
        return number

    def _keep_strings(self, number: int, strings: dict[str, str]) -> None:
        for name, value in strings.items():
            held = self._segment_strings[name]
            width = held.dtype.itemsize // 4
            if number >= len(held) or len(value) > width:
                grown = np.zeros(max(64, 2 * len(held), number + 1), dtype=f"<U{max(width, len(value))}")
                grown[: len(held)] = held
                held = self._segment_strings[name] = grown
            held[number] = value

    def _release(self, segment: _Segment) -> None:
        number = self._segment_numbers[segment]
        self._segment_uses[number] -= 1
        if not self._segment_uses[number]:
            del self._segment_numbers[segment]
            self._segment_postings.discard(_segment_keys(segment, short=True), number)
            self._free_numbers.append(number)

    def _posting(self, key: str) -> _Slots:
        return self._postings.array(key)

    def _flags(self, slots: _Slots) -> _Flags:
        flags = np.zeros(self._slot_count, dtype=bool)
        flags[slots] = True
        return flags

    def _any_of(self, keys: Iterable[str]) -> _Flags:
        return self._postings.any_of(keys, self._slot_count)

    def _all_of(self, keys: Sequence[str]) -> _Flags:
        if not keys:
            return self._flags(_NO_SLOTS)
        postings = sorted((self._posting(key) for key in keys), key=len)
        chosen = postings[0]
        for slots in postings[1:]:
            chosen = chosen[self._flags(slots)[chosen]]
        return self._flags(chosen)

    def _vocab(self) -> dict[str, list[str]]:
        if self._vocabulary is None:
            vocabulary: dict[str, list[str]] = {"words": [], "syllables": [], "runs": []}
            for key in self._postings:
                space, _, value = key.partition(":")
                if space == "w":
                    vocabulary["words"].append(value)
                elif space == "p":
                    vocabulary["syllables"].append(value)
                elif space == "r":
                    vocabulary["runs"].append(value)
            for values in vocabulary.values():
                values.sort()
            self._vocabulary = vocabulary
        return self._vocabulary


class _Lookup:
    """One query's work on an index: its readings' candidates, bounds and matches, each found once."""

    def __init__(self, index: JobSearchIndex, text: str, among: Collection[int] | None) -> None:
        self._index = index
        self._among = among
        self._term_readings = list(_readings(text))
        self._core = self._allowed(index._posting("c:" + canonical_company_name(text).core.replace(" ", "")))
        self._matched: _Memo = {}
        self._found: dict[tuple[_Term, bool], tuple[_Flags, _Flags]] = {}
        self._similar: dict[_Term, _Similar] = {}
        self._reaches: dict[_Term, tuple[_Flags, _Flags | None]] = {}
        self._wanted: dict[tuple[_Term, bool], _Flags | None] = {}

    def all_hits(self) -> list[SearchHit]:
        """Every hit, best first."""
        best: dict[int, SearchHit] = {}
        docs = self._index._docs
        for reading in self._readings(typos=True):
            for doc_id in reading.ids:
                hit = _score(doc_id, docs[doc_id], reading.terms, self._matched)
                if hit is not None and (doc_id not in best or hit.score > best[doc_id].score):
                    best[doc_id] = hit
        for doc_id in self._index._slot_ids[self._core].tolist():
            if doc_id not in best or best[doc_id].score < _CORE_SCORE:
                best[doc_id] = SearchHit(doc_id, _CORE_SCORE, "employer", "exact")
        return sorted(best.values(), key=lambda hit: (-hit.score, hit.id))

    def top_hits(self, limit: int) -> list[SearchHit]:
        """The first ``limit`` of :meth:`all_hits`.

        The candidates found without typo expansions come first, and their
        matches are looked for without fuzzy ones where a Latin term's keys
        allow no exact or prefix match.  These hits stand when the worst of
        them scores above the fuzzy band (so no fuzzy match can matter) and the
        typo expansions cannot bring a better job (:meth:`_typos_may_add`);
        else the search is made again with both.
        """
        hits = self._best_of(self._readings(typos=False), limit, typos=False)
        if self._typos_may_add(hits, limit):
            hits = self._best_of(self._readings(typos=True), limit, typos=True)
        return hits

    def count(self) -> int:
        """The number of hits.

        A job surely matching a term (:attr:`_Reading.sure`), or matching it in
        a short field, is not matched again; one whose keys allow no match of
        the term in its description (:meth:`_ceiling`) is not matched at all.
        """
        index = self._index
        counted = np.zeros(index._slot_count, dtype=bool)
        for reading in self._readings(typos=True):
            matching = []
            possible = []
            for term, sure in zip(reading.terms, reading.sure, strict=True):
                matching_term = sure.copy()
                unsure = np.flatnonzero(~sure)
                if len(unsure):
                    rank, _, _ = self._short_best(term, reading.slots[unsure], typos=True)
                    matching_term[unsure[rank >= 0]] = True
                    possible.append(matching_term | (self._ceiling(term, reading.slots).kind >= 0))
                matching.append(matching_term)
            counted[reading.slots[np.logical_and.reduce(matching)]] = True
            maybe = np.logical_and.reduce(possible) if possible else np.zeros(len(reading.slots), dtype=bool)
            for position in np.flatnonzero(maybe & ~counted[reading.slots]).tolist():
                described = index._docs[reading.ids[position]].fields["description"]
                if all(
                    found[position] or _match_field(term, "description", described, self._matched) is not None
                    for term, found in zip(reading.terms, matching, strict=True)
                ):
                    counted[reading.slots[position]] = True
        counted[self._core] = True
        return int(np.count_nonzero(counted))

    # Top hits ------------------------------------------------------------------

    def _best_of(self, readings: list[_Reading], limit: int, *, typos: bool) -> list[SearchHit]:
        """The first ``limit`` hits among these readings' candidates (and the core's jobs).

        Each candidate's short fields are matched at once (:meth:`_short_best`,
        ``typos`` as there), which bounds its score (:meth:`_bounds`);
        candidates are finished in the order of their bounds, ids breaking ties,
        until the worst hit kept beats the next bound.
        """
        index = self._index
        bounds = np.full(index._slot_count, -np.inf)
        started = []
        for reading in readings:
            shorts = [self._short_best(term, reading.slots, typos=typos) for term in reading.terms]
            bounds[reading.slots] = np.maximum(bounds[reading.slots], self._bounds(reading, shorts))
            positions = np.full(index._slot_count, -1)
            positions[reading.slots] = np.arange(len(reading.slots))
            started.append((reading.terms, positions, shorts))
        bounds[self._core] = np.maximum(bounds[self._core], _CORE_SCORE)
        slots = np.flatnonzero(bounds > -np.inf)
        ids = index._slot_ids[slots]
        order = np.lexsort((ids, -bounds[slots]))
        by_core = index._flags(self._core)
        kept: list[tuple[float, int, SearchHit]] = []  # a heap whose first entry is the worst hit kept
        for slot, doc_id, bound in zip(
            slots[order].tolist(), ids[order].tolist(), bounds[slots][order].tolist(), strict=True
        ):
            if len(kept) == limit and (bound, -doc_id) < kept[0][:2]:
                break  # neither this job nor any after it can displace the worst hit kept
            hit = self._hit(doc_id, slot, started, bool(by_core[slot]))
            if hit is None:
                continue
            entry = (hit.score, -hit.id, hit)
            if len(kept) < limit:
                heapq.heappush(kept, entry)
            else:
                heapq.heappushpop(kept, entry)
        return [hit for _, _, hit in sorted(kept, reverse=True)]

    def _hit(
        self,
        doc_id: int,
        slot: int,
        started: list[tuple[tuple[_Term, ...], npt.NDArray[np.intp], list[_ShortBest]]],
        by_core: bool,
    ) -> SearchHit | None:
        """The job's hit as :meth:`all_hits` finds it (its best reading, or its company core), from the short
        fields' matches of each reading it is a candidate of."""
        best: SearchHit | None = None
        for terms, positions, shorts in started:
            position = positions[slot]
            if position >= 0:
                found = [
                    None
                    if rank[position] < 0
                    else (int(rank[position]), float(value[position]), _SHORT_NAMES[field[position]])
                    for rank, value, field in shorts
                ]
                hit = _finish_score(doc_id, self._index._docs[doc_id], terms, found, self._matched)
                if hit is not None and (best is None or hit.score > best.score):
                    best = hit
        if by_core and (best is None or best.score < _CORE_SCORE):
            best = SearchHit(doc_id, _CORE_SCORE, "employer", "exact")
        return best

    def _bounds(self, reading: _Reading, shorts: list[_ShortBest]) -> npt.NDArray[np.float64]:
        """Per candidate, the highest score :func:`_score` may give it.

        A term's match is the best of its options: the short fields' match
        (``shorts``, :meth:`_short_best` of each term) and the description's,
        as :meth:`_ceiling` allows.  The job's kind is at most the weakest of the terms' strongest
        options, and each term is worth at most its best option of that kind or
        stronger (and as strong as its known match).  The bound is the score of
        that kind and mean worth.
        """
        slots = reading.slots
        kind = np.full(len(slots), _EXACT, dtype=np.int8)
        options = []
        for term, (rank, value, _) in zip(reading.terms, shorts, strict=True):
            # An exact match worth the description's weight or more is final: the description is not looked at.
            final = (rank == _EXACT) & (value >= _DESCRIPTION_WEIGHT)
            ceiling = self._ceiling(term, slots)
            described = np.where(final, -1, ceiling.kind)
            kind = np.minimum(kind, np.maximum(rank, described))
            options.append((rank, value, described, ceiling.best_worth, ceiling.any_worth))
        total = np.zeros(len(slots))
        for rank, value, described, best_worth, any_worth in options:
            floor = np.maximum(kind, rank)
            fuzzy = floor == _FUZZY
            worth = np.where(rank >= kind, value, 0.0)
            worth = np.where(fuzzy & (described >= 0), np.maximum(worth, any_worth), worth)
            total += np.where(~fuzzy & (described >= floor), np.maximum(worth, best_worth), worth)
        # As _band_score computes, the same operations in the same order; then Python's rounding, once per
        # distinct value.  A job with a term that can match nowhere (kind -1) is no hit.
        low, high = _BAND_LOWS[kind], _BAND_HIGHS[kind]
        unrounded, back = np.unique(
            low + (high - low) * np.clip(total / len(reading.terms), 0.0, 1.0), return_inverse=True
        )
        scores = np.array([round(value, 4) for value in unrounded.tolist()])[back]
        return np.where(kind >= 0, scores, -np.inf)

    def _typos_may_add(self, hits: list[SearchHit], limit: int) -> bool:
        """Whether the typo expansions may bring a job into the first ``limit`` hits.

        A job they bring matches some term only through words or pinyin runs
        similar to it.  Unless the job's keys allow an exact or prefix match of
        that term (:meth:`_strong_possible`), that match is fuzzy and the job
        scores :data:`SCORE_BANDS` fuzzy's highest at most.
        The few jobs whose keys do allow it are scored: any that would enter the
        hits, were it a candidate, calls for the expansions.
        """
        if not any(
            not term.han and len(term.text) >= MIN_FUZZY_LENGTH for terms in self._term_readings for term in terms
        ):
            return False  # no term has typo expansions
        if len(hits) < limit or hits[-1].score <= SCORE_BANDS["fuzzy"][1]:
            return True
        worst = (hits[-1].score, -hits[-1].id)
        for terms in self._term_readings:
            strong = [self._term_found(term, typos=False)[0] for term in terms]
            possible = np.logical_and.reduce(
                [found | self._strong_possible(term) for term, found in zip(terms, strong, strict=True)]
            )
            slots = self._allowed(np.flatnonzero(possible & ~np.logical_and.reduce(strong)))
            if not len(slots):
                continue
            ids = self._index._slot_ids[slots]
            unseen = _Reading(terms, slots, ids.tolist(), ())
            shorts = [self._short_best(term, slots, typos=False) for term in terms]
            for doc_id, bound in zip(ids.tolist(), self._bounds(unseen, shorts).tolist(), strict=True):
                if (bound, -doc_id) > worst:
                    hit = _score(doc_id, self._index._docs[doc_id], terms, self._matched)
                    if hit is not None and (hit.score, -doc_id) > worst:
                        return True
        return False

    # Matches of the short fields -------------------------------------------------

    def _short_best(self, term: _Term, slots: _Slots, *, typos: bool) -> _ShortBest:
        """Per job, the term's best match in its title, skills and employer, as :func:`_score` weighs it: rank
        (-1: none), ``field weight x quality`` and field (a position in :data:`_SHORT_NAMES`).

        Each distinct segment among the jobs' is matched once, and only if its
        keys allow a match (:meth:`JobSearchIndex._segments_matching`); without
        ``typos``, the segments a Latin term can match only fuzzily count as no
        match (see :meth:`top_hits`).
        """
        index = self._index
        count = len(index._segments)
        fields = [(weight, index._short_segments[field][slots]) for field, weight in _SHORT_FIELD_WEIGHTS]
        # Arrays by segment number have one more entry, for -1 (no segment): it stays empty.
        held = np.zeros(count + 1, dtype=bool)
        for _, numbers in fields:
            held[numbers] = True
        held[count] = False
        wanted = self._segments_to_match(term, typos)
        chosen = np.flatnonzero(held if wanted is None else held & wanted)
        match = self._han_fields(term.text, chosen, count) if term.han else self._latin_fields(term, chosen, count)
        best_rank = np.full(len(slots), -1, dtype=np.int8)
        best_value = np.zeros(len(slots))
        best_field = np.zeros(len(slots), dtype=np.int8)
        for position, (weight, numbers) in enumerate(fields):
            rank, quality = match(numbers)
            value = weight * quality
            better = (rank > best_rank) | ((rank == best_rank) & (value > best_value))
            best_rank = np.where(better, rank, best_rank)
            best_value = np.where(better, value, best_value)
            best_field[better] = position
        return best_rank, best_value, best_field

    def _han_fields(self, term: str, chosen: _Slots, count: int) -> _FieldMatch:
        """:func:`_match_field` of the Han ``term`` with fields given as rows of segment numbers (-1: none), the
        ``chosen`` segments matched (:meth:`_han_segment_bits`), the others holding nothing of it."""
        segment_bits = np.zeros(count + 1, dtype=np.int64 if len(term) < _LONG_HAN_TERM else object)
        segment_bits[chosen] = self._han_segment_bits(term, chosen)

        def match(numbers: npt.NDArray[np.int32]) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]:
            bits = np.bitwise_or.reduce(segment_bits[numbers], axis=1)
            ranks = np.full(len(numbers), -1, dtype=np.int8)
            qualities = np.zeros(len(numbers))
            some = np.flatnonzero(bits)
            unions, back = np.unique(bits[some], return_inverse=True)
            matches = [_han_field_match(term, int(union)) for union in unions.tolist()]
            ranks[some] = np.array([-1 if found is None else found[0] for found in matches], dtype=np.int8)[back]
            qualities[some] = np.array([0.0 if found is None else found[1] for found in matches])[back]
            return ranks, qualities

        return match

    def _latin_fields(self, term: _Term, chosen: _Slots, count: int) -> _FieldMatch:
        """:func:`_match_field` of the Latin ``term`` with fields given as rows of segment numbers (-1: none), the
        ``chosen`` segments matched, the others not matching: a field's match is its best segment's."""
        # A segment holding the term as a word matches it exactly; the others are matched one by one.
        as_word = self._index._segment_postings.any_of(["w:" + term.text], count + 1)[chosen]
        segment_ranks = np.full(count + 1, -1, dtype=np.int8)
        segment_qualities = np.zeros(count + 1)
        segment_ranks[chosen[as_word]] = _EXACT
        segment_qualities[chosen[as_word]] = 1.0
        others = chosen[~as_word]
        latin = [self._latin_match(term, self._index._segments[number]) for number in others.tolist()]
        segment_ranks[others] = [-1 if found is None else found[0] for found in latin]
        segment_qualities[others] = [0.0 if found is None else found[1] for found in latin]

        def match(numbers: npt.NDArray[np.int32]) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]:
            cell_ranks = segment_ranks[numbers]
            ranks = cell_ranks.max(axis=1)
            return ranks, np.where(cell_ranks == ranks[:, None], segment_qualities[numbers], 0.0).max(axis=1)

        return match

    def _segments_to_match(self, term: _Term, typos: bool) -> _Flags | None:
        key = (term, typos and not term.han)
        if key not in self._wanted:
            similar = self._similar_of(term) if key[1] else None
            self._wanted[key] = self._index._segments_matching(term, similar)
        return self._wanted[key]

    def _han_segment_bits(self, term: str, numbers: _Slots) -> npt.NDArray[Any]:
        """:func:`_han_bits` of the Han ``term`` with each of these segments, each piece looked for in all of
        them at once."""
        segments = self._index._segments
        if len(term) >= _LONG_HAN_TERM:
            return np.array([_han_bits(term, segments[number]) for number in numbers.tolist()], dtype=object)
        texts = self._index._segment_strings["text"][numbers]
        pieces = _han_pieces(term)
        bits = np.zeros(len(numbers), dtype=np.int64)
        for pair, bit in pieces.pairs:
            bits[np.char.find(texts, pair) >= 0] |= bit
        for piece, bit, pair_bits in pieces.longer:
            rows = np.flatnonzero(bits & pair_bits == pair_bits)
            bits[rows[np.char.find(texts[rows], piece) >= 0]] |= bit
        sounding = np.flatnonzero(np.char.find(self._index._segment_strings["pinyin"][numbers], pieces.sounds) >= 0)
        for row, number in zip(sounding.tolist(), numbers[sounding].tolist(), strict=True):
            if any(_match_pinyin(pieces.sounds, syllables) == (_EXACT, 1.0) for syllables in segments[number].pinyin):
                bits[row] |= _HOMOPHONE
        return np.where(np.char.find(texts, term) >= 0, _WHOLE, bits)

    def _latin_match(self, term: _Term, segment: _Segment) -> tuple[int, float] | None:
        key = (term, True, segment)
        if key not in self._matched:
            self._matched[key] = _match_latin(term, True, (segment,))
        found: tuple[int, float] | None = self._matched[key]
        return found

    # Candidates ----------------------------------------------------------------

    def _readings(self, typos: bool) -> list[_Reading]:
        """The readings with candidates, each candidate allowed by ``among``; ``typos`` as in
        :meth:`JobSearchIndex._term_candidates`."""
        readings = []
        index = self._index
        for terms in self._term_readings:
            found = self._candidates(terms, typos)
            if found is None:
                continue
            flags, sure = found
            slots = self._allowed(np.flatnonzero(flags))
            ids = index._slot_ids[slots]
            order = np.argsort(ids, kind="stable")
            slots = slots[order]
            readings.append(_Reading(terms, slots, ids[order].tolist(), tuple(flags[slots] for flags in sure)))
        return readings

    def _candidates(self, terms: tuple[_Term, ...], typos: bool) -> tuple[_Flags, list[_Flags]] | None:
        """The jobs that may match every term and, per term, those that surely match it; None when no job may."""
        found: _Flags | None = None
        for term in sorted(terms, key=lambda t: -len(t.text)):
            ids = self._term_found(term, typos)[0]
            found = ids if found is None else found & ids
            if not found.any():
                return None
        assert found is not None
        return found, [self._term_found(term, typos)[1] for term in terms]

    def _term_found(self, term: _Term, typos: bool) -> tuple[_Flags, _Flags]:
        key = (term, typos and not term.han)
        if key not in self._found:
            self._found[key] = self._index._term_candidates(term, self._similar_of(term) if key[1] else None)
        return self._found[key]

    def _similar_of(self, term: _Term) -> _Similar:
        if term not in self._similar:
            self._similar[term] = self._index._similar(term)
        return self._similar[term]

    def _ceiling(self, term: _Term, slots: _Slots) -> _Ceiling:
        """For these jobs, the strongest kind of match ``term`` may have in the description, and what it may be
        worth, from the job's keys (which hold its description's).

        A Han term needs its pairs, as for a pieced match, to match exactly,
        and all of them to match whole (else it is worth at most
        :data:`PIECED_QUALITY`); fuzzily, as many of its pairs as the coverage
        or a syllable starting and one ending its sounds.  A Latin term, the
        keys of :meth:`JobSearchIndex._latin_reach`; fuzzily, at least
        :data:`MIN_FUZZY_LENGTH` letters.
        """
        weight = _DESCRIPTION_WEIGHT
        kind = np.full(len(slots), -1, dtype=np.int8)
        text = term.text
        if not term.han:
            exact, prefix = self._reach(term)
            if len(text) >= MIN_FUZZY_LENGTH:
                kind[:] = _FUZZY
            kind[prefix[slots] if prefix is not None else slice(None)] = _PREFIX
            kind[exact[slots]] = _EXACT
            worth = np.where(kind >= 0, weight, 0.0)
            return _Ceiling(kind, worth, worth)
        sounds = _han_pieces(text).sounds
        index = self._index
        starts = index._any_of(["p:" + sounds[:size] for size in range(1, len(sounds) + 1)])[slots]
        ends = index._any_of(["p:" + sounds[-size:] for size in range(1, len(sounds) + 1)])[slots]
        fuzzy_worth = np.where(starts & ends, weight * HOMOPHONE_QUALITY, 0.0)
        if len(text) == 1:
            exact = index._any_of(["u:" + text])[slots]
            best_worth = np.full(len(slots), weight)
        else:
            pairs = [text[i : i + 2] for i in range(len(text) - 1)]
            held = {pair: index._any_of(["h:" + pair])[slots] for pair in set(pairs)}
            exact = _pieced_possible(pairs, held)
            positions = np.sum([held[pair] for pair in pairs], axis=0)
            coverage = positions / len(pairs)
            fuzzy_worth = np.maximum(fuzzy_worth, np.where(coverage >= HAN_FUZZY_COVERAGE, weight * coverage, 0.0))
            whole = positions == len(pairs)
            best_worth = np.where(whole | (len(text) < 3), weight, weight * PIECED_QUALITY)
        kind[fuzzy_worth > 0] = _FUZZY
        kind[exact] = _EXACT
        best_worth = np.where(exact, best_worth, fuzzy_worth)
        return _Ceiling(kind, best_worth, np.maximum(best_worth, fuzzy_worth))

    def _strong_possible(self, term: _Term) -> _Flags:
        """A flag per slot: whether the job's keys allow the term an exact or prefix match."""
        if not term.han:
            exact, prefix = self._reach(term)
            return np.ones(len(exact), dtype=bool) if prefix is None else prefix
        if len(term.text) == 1:
            return self._index._any_of(["u:" + term.text])
        pairs = [term.text[i : i + 2] for i in range(len(term.text) - 1)]
        return _pieced_possible(pairs, {pair: self._index._any_of(["h:" + pair]) for pair in set(pairs)})

    def _reach(self, term: _Term) -> tuple[_Flags, _Flags | None]:
        if term not in self._reaches:
            self._reaches[term] = self._index._latin_reach(term, self._index._any_of)
        return self._reaches[term]

    def _allowed(self, slots: _Slots) -> _Slots:
        """The slots whose jobs ``among`` allows."""
        if self._among is None:
            return slots
        among = self._among
        ids = self._index._slot_ids[slots].tolist()
        return slots[np.fromiter((doc_id in among for doc_id in ids), dtype=bool, count=len(ids))]


def _pieced_possible(pairs: list[str], holding: Mapping[str, _Flags]) -> _Flags:
    """Which holders of a Han term's ``pairs`` may hold the term whole or in pieces: none of its pairs missing at
    either end, nor two side by side."""
    last = len(pairs) - 1
    possible = holding[pairs[0]] & holding[pairs[last]]
    for i in range(last):
        possible &= holding[pairs[i]] | holding[pairs[i + 1]]
    return possible


def _grown(values: npt.NDArray[Any], shape: tuple[int, ...]) -> npt.NDArray[Any]:
    """``values`` in a larger array of ``shape``, the new cells -1."""
    grown = np.full(shape, -1, dtype=values.dtype)
    grown[tuple(slice(0, size) for size in values.shape)] = values
    return grown


# Indexing ------------------------------------------------------------------


def _letter_table(values: list[str]) -> tuple[dict[str, int], npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Rows by letter, each letter's count in each value (letters by values), and the values' lengths."""
    rows: dict[str, int] = {}
    cells: list[tuple[int, int, int]] = []
    for position, value in enumerate(values):
        for letter, count in Counter(value).items():
            cells.append((rows.setdefault(letter, len(rows)), position, count))
    counts = np.zeros((len(rows), len(values)), dtype=np.int32)
    if cells:
        letters, positions, found = np.array(cells, dtype=np.int32).T
        counts[letters, positions] = found
    return rows, counts, np.array([len(value) for value in values], dtype=np.int32)


def _join_han(text: str) -> str:
    return _HAN_GAP.sub("", text)


@lru_cache(maxsize=1 << 18)
def _segment(text: str) -> _Segment:
    normalised = _join_han(normalize_text(text))
    words: list[str] = []
    runs: list[str] = []
    for term in _TERM.findall(normalised):
        (runs if has_han(term) else words).append(term)
    pinyin = tuple(_syllables(run) for run in runs)
    return _Segment(normalised, tuple(words), tuple(runs), pinyin, " ".join("".join(s) for s in pinyin))


def _syllables(run: str) -> tuple[str, ...]:
    syllables = tuple(to_pinyin(run).split())
    if len(syllables) != len(run):
        syllables = tuple(to_pinyin(char) for char in run)
    return syllables


def _segment_keys(segment: _Segment, *, short: bool) -> set[str]:
    """The segment's words, Han characters and pairs, syllables and (in a short field) runs' pinyin, as keys."""
    keys = {"w:" + word for word in segment.words}
    for run, syllables in zip(segment.runs, segment.pinyin, strict=True):
        keys.update("u:" + char for char in run)
        keys.update("h:" + run[i : i + 2] for i in range(len(run) - 1))
        keys.update("p:" + syllable for syllable in syllables)
        if short:
            keys.add("r:" + "".join(syllables))
    return keys


def _index_doc(doc: SearchDoc) -> _Indexed:
    company = canonical_company_name(doc.employer_name)
    employer = [_segment(doc.employer_name)]
    if company.core and company.core not in employer[0].text:
        employer.append(_segment(company.core))
    fields = {
        "title": (_segment(doc.title),),
        "skills": tuple(_segment(skill) for skill in doc.skills),
        "employer": tuple(employer),
        "description": (_segment(doc.description),),
    }
    keys: set[str] = set()
    for field, segments in fields.items():
        for segment in segments:
            keys |= _segment_keys(segment, short=field in _SHORT_FIELDS)
    employer_core = company.core.replace(" ", "")
    if employer_core:
        keys.add("c:" + employer_core)
    return _Indexed(fields, employer_core, frozenset(keys))


# Query reading and scoring ---------------------------------------------------


def _readings(text: str) -> Iterator[tuple[_Term, ...]]:
    raw = list(dict.fromkeys(_TERM.findall(text)))
    # A lone syllable inside a phrase ("ju" in "shu ju ku") would match pinyin anywhere.
    min_pinyin = 2 if len(raw) == 1 else _MIN_PINYIN_TERM_IN_PHRASE
    yield tuple(_Term(term, has_han(term), not has_han(term) and len(term) >= min_pinyin) for term in raw)
    if len(raw) > 1 and not any(has_han(term) for term in raw):
        yield (_Term("".join(raw), False, True),)


def _with_prefix(sorted_values: list[str], prefix: str, cap: int) -> Iterator[str]:
    start = bisect_left(sorted_values, prefix)
    for value in sorted_values[start : start + cap]:
        if not value.startswith(prefix):
            return
        yield value


def _segmentations(text: str, syllables: frozenset[str]) -> list[tuple[tuple[str, ...], str]]:
    """Ways to read ``text`` as known syllables, the last one possibly unfinished."""
    found: list[tuple[tuple[str, ...], str]] = []

    def walk(start: int, taken: tuple[str, ...]) -> None:
        if len(found) >= _MAX_SEGMENTATIONS:
            return
        if start == len(text):
            found.append((taken, ""))
            return
        for end in range(min(len(text), start + 6), start, -1):
            if text[start:end] in syllables:
                walk(end, (*taken, text[start:end]))
        rest = text[start:]
        if len(rest) < 6 and len(text) >= 2 and rest not in syllables:
            found.append((taken, rest))

    walk(0, ())
    return found


def _score(doc_id: int, indexed: _Indexed, terms: tuple[_Term, ...], matched: _Memo) -> SearchHit | None:
    """The job's hit for one reading of the query; None when some term matches in no field."""
    shorts: list[_Best | None] = []
    for term in terms:
        best: _Best | None = None
        for field, weight_left in zip(_SHORT_NAMES, _WEIGHT_LEFT[: len(_SHORT_NAMES)], strict=True):
            if best is not None and best[0] == _EXACT and best[1] >= weight_left:
                break  # no later field can do better than an exact match worth this much
            match = _match_field(term, field, indexed.fields[field], matched)
            if match is not None:
                value = FIELD_WEIGHTS[field] * match[1]
                if best is None or (match[0], value) > (best[0], best[1]):
                    best = (match[0], value, field)
        shorts.append(best)
    return _finish_score(doc_id, indexed, terms, shorts, matched)


def _finish_score(
    doc_id: int, indexed: _Indexed, terms: tuple[_Term, ...], shorts: list[_Best | None], matched: _Memo
) -> SearchHit | None:
    """The job's hit from each term's best match in its title, skills and employer, matching the description
    where it may still do better."""
    matches: list[_Best] = []
    for term, best in zip(terms, shorts, strict=True):
        if best is None or best[0] != _EXACT or best[1] < _DESCRIPTION_WEIGHT:
            match = _match_field(term, "description", indexed.fields["description"], matched)
            if match is not None:
                value = _DESCRIPTION_WEIGHT * match[1]
                if best is None or (match[0], value) > (best[0], best[1]):
                    best = (match[0], value, "description")
        if best is None:
            return None
        matches.append(best)
    rank = min(match[0] for match in matches)
    value = sum(match[1] for match in matches) / len(matches)
    decisive = max((match for match in matches if match[0] == rank), key=lambda match: match[1])
    return SearchHit(doc_id, _band_score(rank, value), decisive[2], _KIND_BY_RANK[rank])


def _band_score(rank: int, value: float) -> float:
    low, high = SCORE_BANDS[_KIND_BY_RANK[rank]]
    return round(low + (high - low) * min(max(value, 0.0), 1.0), 4)


_CORE_SCORE = _band_score(_EXACT, FIELD_WEIGHTS["employer"])


def _matches(term: _Term, indexed: _Indexed, matched: _Memo) -> bool:
    return any(_match_field(term, field, indexed.fields[field], matched) is not None for field in _FIELDS)


def _match_field(term: _Term, field: str, segments: tuple[_Segment, ...], matched: _Memo) -> tuple[int, float] | None:
    """How ``term`` matches a field, each segment matched once per query (remembered in ``matched``).

    A Latin term's match is the best of its matches in each segment; a Han
    term's follows from the pieces found in any of the segments
    (:func:`_han_bits`), as pieces and pairs may come from different ones.
    """
    if term.han:
        bits = 0
        for segment in segments:
            key = (term, segment)
            found = matched.get(key)
            if found is None:
                found = matched[key] = _han_bits(term.text, segment)
            bits |= found
        return _han_field_match(term.text, bits)
    short = field in _SHORT_FIELDS
    best: tuple[int, float] | None = None
    for segment in segments:
        key = (term, short, segment)
        match = matched.get(key, _UNSEEN)
        if match is _UNSEEN:
            match = matched[key] = _match_latin(term, short, (segment,))
        if match is not None and (best is None or match > best):
            best = match
    return best


def _match_latin(term: _Term, short_field: bool, segments: tuple[_Segment, ...]) -> tuple[int, float] | None:
    text = term.text
    best: tuple[int, float] | None = None

    def offer(rank: int, quality: float) -> None:
        nonlocal best
        if best is None or (rank, quality) > best:
            best = (rank, quality)

    for segment in segments:
        if text in segment.words:
            return (_EXACT, 1.0)
        if len(text) >= 2:
            for word in segment.words:
                if word.startswith(text):
                    offer(_PREFIX, len(text) / len(word))
        if term.pinyin and text in segment.joined_pinyin:
            for syllables in segment.pinyin:
                found = _match_pinyin(text, syllables)
                if found is not None:
                    if found[0] == _EXACT:
                        return found
                    offer(*found)
        if len(text) >= MIN_FUZZY_LENGTH:
            similar = process.extractOne(text, segment.words, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
            if similar is not None:
                offer(_FUZZY, similar[1] / 100.0)
            if term.pinyin and short_field:
                for syllables in segment.pinyin:
                    compact = "".join(syllables)
                    if len(compact) >= len(text) - 1:
                        similarity = fuzz.partial_ratio(text, compact)
                        if similarity >= FUZZY_THRESHOLD:
                            offer(_FUZZY, similarity / 100.0)
    return best


def _match_pinyin(text: str, syllables: tuple[str, ...]) -> tuple[int, float] | None:
    """Exact when ``text`` spells whole syllables of the run, prefix when it ends inside one."""
    compact = "".join(syllables)
    start = compact.find(text)
    if start < 0:
        return None
    boundaries = list(accumulate(map(len, syllables), initial=0))
    ends = set(boundaries)
    best: tuple[int, float] | None = None
    while start >= 0:
        if start in ends:
            end = start + len(text)
            if end in ends:
                return (_EXACT, 1.0)
            if len(text) >= 2:
                finish = boundaries[bisect_left(boundaries, end)]
                candidate = (_PREFIX, len(text) / (finish - start))
                best = candidate if best is None or candidate > best else best
        start = compact.find(text, start + 1)
    return best


def _match_han(term: str, segments: tuple[_Segment, ...]) -> tuple[int, float] | None:
    """How the Han ``term`` matches a field made of ``segments``."""
    bits = 0
    for segment in segments:
        bits |= _han_bits(term, segment)
    return _han_field_match(term, bits)


@dataclass(frozen=True, slots=True)
class _HanPieces:
    """A Han term's pieces of two characters or more, each with a bit (:func:`_han_bits`)."""

    # Every piece's bit by (start, end); the whole term's is _WHOLE.
    bits: Mapping[tuple[int, int], int]
    # The pairs, one per position, with their bits.
    pairs: tuple[tuple[str, int], ...]
    # The pieces longer than a pair but shorter than the term, with their bits and the bits of their pairs.
    longer: tuple[tuple[str, int, int], ...]
    sounds: str


@lru_cache(maxsize=4096)
def _han_pieces(term: str) -> _HanPieces:
    bits = {(0, len(term)): _WHOLE}
    for size in range(2, len(term)):
        for start in range(len(term) - size + 1):
            bits[start, start + size] = 1 << (_FIRST_PIECE_BIT + len(bits) - 1)
    pairs = tuple((term[i : i + 2], bits[i, i + 2]) for i in range(len(term) - 1))
    longer = tuple(
        (term[start:end], bit, sum(bits[i, i + 2] for i in range(start, end - 1)))
        for (start, end), bit in bits.items()
        if 2 < end - start < len(term)
    )
    return _HanPieces(bits, pairs, longer, "".join(_syllables(term)))


def _han_bits(term: str, segment: _Segment) -> int:
    """Which pieces of the Han ``term`` the segment holds, and whether it holds the term's sounds, as bits."""
    text = segment.text
    if term in text:
        return _WHOLE
    pieces = _han_pieces(term)
    bits = 0
    if pieces.sounds in segment.joined_pinyin and any(
        _match_pinyin(pieces.sounds, syllables) == (_EXACT, 1.0) for syllables in segment.pinyin
    ):
        bits = _HOMOPHONE
    for pair, bit in pieces.pairs:
        if pair in text:
            bits |= bit
    for piece, bit, pair_bits in pieces.longer:
        if bits & pair_bits == pair_bits and piece in text:
            bits |= bit
    return bits


@lru_cache(maxsize=1 << 16)
def _han_field_match(term: str, bits: int) -> tuple[int, float] | None:
    """How the Han ``term`` matches a field whose segments hold, together, the pieces and sounds in ``bits``."""
    if bits & _WHOLE:
        return (_EXACT, 1.0)
    if len(term) >= 3 and _pieces_found(term, bits):
        return (_EXACT, PIECED_QUALITY)
    if bits & _HOMOPHONE:
        return (_FUZZY, HOMOPHONE_QUALITY)
    if len(term) >= 2:
        pairs = _han_pieces(term).pairs
        coverage = sum(1 for _, bit in pairs if bits & bit) / len(pairs)
        if coverage >= HAN_FUZZY_COVERAGE:
            return (_FUZZY, coverage)
    return None


def _pieces_found(term: str, bits: int) -> bool:
    """Whether ``term`` splits, greedily from the left, into pieces of two characters or more found in ``bits``."""
    piece_bits = _han_pieces(term).bits
    if not (bits & piece_bits[0, 2] and bits & piece_bits[len(term) - 2, len(term)]):
        return False  # the first and the last piece hold these pairs
    start = 0
    while start < len(term):
        end = next((end for end in range(len(term), start + 1, -1) if bits & piece_bits[start, end]), None)
        if end is None:
            return False
        start = end
    return True
