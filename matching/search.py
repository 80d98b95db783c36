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
pinyin syllables and employer cores to job ids.  Typos are expanded over the
*vocabulary* (the distinct words, and the pinyin of short Han runs) with
:func:`rapidfuzz.process.extract`, never over every job; only the jobs found
that way are scored; the pinyin runs compared with a term are first narrowed,
exactly, to those sharing enough letters with it.  A Han term's candidates
are narrowed further to the jobs whose character pairs and syllables make some
kind of match possible at all.  While scoring, each field is matched once per
query (jobs share titles, employers and skills: equal texts are one segment
object), and the fields after an exact match worth at least their weight are
skipped; none of this changes a score.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

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
_KIND_BY_RANK: tuple[MatchKind, ...] = ("fuzzy", "prefix", "exact")
_EXACT, _PREFIX, _FUZZY = 2, 1, 0
_MAX_PREFIX_EXPANSIONS = 200
_MAX_FUZZY_EXPANSIONS = 20
_MAX_SEGMENTATIONS = 8
_MIN_PINYIN_TERM_IN_PHRASE = 4

_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_GAP = re.compile(f"(?<=[{_HAN_CLASS}]) +(?=[{_HAN_CLASS}])")
_TERM = re.compile(f"[{_HAN_CLASS}]+|[^\\s{_HAN_CLASS}]+")


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
class _TermMatch:
    rank: int
    value: float
    field: str


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
    """

    def __init__(self, docs: Iterable[SearchDoc] = ()) -> None:
        self._docs: dict[int, _Indexed] = {}
        self._postings: dict[str, set[int]] = {}
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
        self._docs[doc.id] = indexed
        for key in indexed.keys:
            self._postings.setdefault(key, set()).add(doc.id)
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
        for key in indexed.keys:
            ids = self._postings[key]
            ids.discard(doc_id)
            if not ids:
                del self._postings[key]
        self._vocabulary = None
        self._run_letters = None

    def search(self, query: str, *, limit: int | None = 50) -> list[SearchHit]:
        """Jobs matching ``query``, best first.

        Parameters
        ----------
        query : str
            Free text in Chinese, English or pinyin.
        limit : int or None, default 50
            Most hits returned; ``None`` for all.

        Returns
        -------
        list of SearchHit
            Sorted by score (descending) then id (ascending); empty for a blank
            query or when no job matches every term.
        """
        text = _join_han(normalize_text(query))
        if not text or (limit is not None and limit <= 0):
            return []
        best: dict[int, SearchHit] = {}
        # Many jobs share a title, an employer or a skill list: each field is matched once per query.
        matched: dict[tuple[_Term, bool, tuple[_Segment, ...]], tuple[int, float] | None] = {}
        for terms in _readings(text):
            for doc_id in self._candidates(terms):
                hit = _score(doc_id, self._docs[doc_id], terms, matched)
                if hit is not None and (doc_id not in best or hit.score > best[doc_id].score):
                    best[doc_id] = hit
        employer_core = canonical_company_name(text).core.replace(" ", "")
        for doc_id in self._postings.get("c:" + employer_core, ()):
            score = _band_score(_EXACT, FIELD_WEIGHTS["employer"])
            if doc_id not in best or score > best[doc_id].score:
                best[doc_id] = SearchHit(doc_id, score, "employer", "exact")
        hits = sorted(best.values(), key=lambda hit: (-hit.score, hit.id))
        return hits if limit is None else hits[:limit]

    # Candidate generation -------------------------------------------------

    def _candidates(self, terms: tuple[_Term, ...]) -> set[int]:
        found: set[int] | None = None
        for term in sorted(terms, key=lambda t: -len(t.text)):
            ids = self._term_candidates(term)
            found = ids if found is None else found & ids
            if not found:
                return set()
        return found or set()

    def _term_candidates(self, term: _Term) -> set[int]:
        if term.han:
            return self._han_candidates(term.text)
        vocabulary = self._vocab()
        ids: set[int] = set(self._postings.get("w:" + term.text, ()))
        if len(term.text) >= 2:
            for word in _with_prefix(vocabulary["words"], term.text, _MAX_PREFIX_EXPANSIONS):
                ids |= self._postings["w:" + word]
        if len(term.text) >= MIN_FUZZY_LENGTH:
            for word, _, _ in process.extract(
                term.text,
                vocabulary["words"],
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_THRESHOLD,
                limit=_MAX_FUZZY_EXPANSIONS,
            ):
                ids |= self._postings["w:" + word]
        if term.pinyin:
            ids |= self._pinyin_candidates(term.text)
            if len(term.text) >= MIN_FUZZY_LENGTH:
                for run, _, _ in process.extract(
                    term.text,
                    self._runs_sharing_letters(term.text),
                    scorer=fuzz.partial_ratio,
                    score_cutoff=FUZZY_THRESHOLD,
                    limit=None,
                ):
                    ids |= self._postings["r:" + run]
        return ids

    def _han_candidates(self, term: str) -> set[int]:
        if len(term) == 1:
            return set(self._postings.get("u:" + term, ()))
        pairs = [term[i : i + 2] for i in range(len(term) - 1)]
        postings = {pair: self._postings.get("h:" + pair, set()) for pair in pairs}
        counts: Counter[int] = Counter()
        for found in postings.values():
            counts.update(found)
        needed = math.ceil(len(postings) / 2)
        ids = {doc_id for doc_id, count in counts.items() if count >= needed}
        if ids:
            ids &= self._han_match_possible(term, pairs, postings, counts)
        syllables = to_pinyin(term).split()
        ids |= self._intersect(["p:" + syllable for syllable in syllables])
        return ids

    def _han_match_possible(
        self, term: str, pairs: list[str], postings: dict[str, set[int]], distinct_counts: Counter[int]
    ) -> set[int]:
        """Jobs whose character pairs and syllables allow :func:`_match_han` to match ``term`` in some field.

        A necessary condition only, from the job's keys (the union of its
        fields): the whole term or its pieces leave out no pair at either end
        nor two neighbouring pairs; a fuzzy match needs
        :data:`HAN_FUZZY_COVERAGE` of the pair positions; a homophone needs a
        syllable that starts the term's sounds and one that ends them (``xian``
        may be read as ``先`` or as ``西安``).  Jobs outside it are never scored.
        """
        last = len(pairs) - 1
        pieced = postings[pairs[0]] & postings[pairs[last]]
        for i in range(last):
            if pieced:
                pieced = pieced & (postings[pairs[i]] | postings[pairs[i + 1]])
        positions = distinct_counts
        if len(postings) < len(pairs):
            positions = Counter()
            for pair in pairs:
                positions.update(postings[pair])
        needed = next(k for k in range(len(pairs) + 1) if k / len(pairs) >= HAN_FUZZY_COVERAGE)
        covered = {doc_id for doc_id, count in positions.items() if count >= needed}
        sounds = "".join(_syllables(term))
        starts: set[int] = set()
        ends: set[int] = set()
        for size in range(1, len(sounds) + 1):
            starts |= self._postings.get("p:" + sounds[:size], set())
            ends |= self._postings.get("p:" + sounds[-size:], set())
        return pieced | covered | (starts & ends)

    def _pinyin_candidates(self, text: str) -> set[int]:
        vocabulary = self._vocab()
        ids: set[int] = set()
        for syllables, partial in _segmentations(text, frozenset(vocabulary["syllables"])):
            found = self._intersect(["p:" + syllable for syllable in syllables])
            if partial and (syllables == () or found):
                completions: set[int] = set()
                for syllable in _with_prefix(vocabulary["syllables"], partial, _MAX_PREFIX_EXPANSIONS):
                    completions |= self._postings["p:" + syllable]
                found = completions if not syllables else found & completions
            ids |= found
        return ids

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

    def _intersect(self, keys: list[str]) -> set[int]:
        if not keys:
            return set()
        postings = sorted((self._postings.get(key, set()) for key in keys), key=len)
        return set(postings[0]).intersection(*postings[1:])

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
            keys.update("w:" + word for word in segment.words)
            for run, syllables in zip(segment.runs, segment.pinyin, strict=True):
                keys.update("u:" + char for char in run)
                keys.update("h:" + run[i : i + 2] for i in range(len(run) - 1))
                keys.update("p:" + syllable for syllable in syllables)
                if field in _SHORT_FIELDS:
                    keys.add("r:" + "".join(syllables))
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


def _score(
    doc_id: int,
    indexed: _Indexed,
    terms: tuple[_Term, ...],
    matched: dict[tuple[_Term, bool, tuple[_Segment, ...]], tuple[int, float] | None],
) -> SearchHit | None:
    matches: list[_TermMatch] = []
    for term in terms:
        best: _TermMatch | None = None
        for field, weight_left in zip(_FIELDS, _WEIGHT_LEFT, strict=True):
            if best is not None and best.rank == _EXACT and best.value >= weight_left:
                break  # no later field can do better than an exact match worth this much
            found = _match_field(term, field, indexed.fields[field], matched)
            if found is None:
                continue
            rank, quality = found
            candidate = _TermMatch(rank, FIELD_WEIGHTS[field] * quality, field)
            if best is None or (candidate.rank, candidate.value) > (best.rank, best.value):
                best = candidate
        if best is None:
            return None
        matches.append(best)
    rank = min(match.rank for match in matches)
    value = sum(match.value for match in matches) / len(matches)
    decisive = max((match for match in matches if match.rank == rank), key=lambda match: match.value)
    return SearchHit(doc_id, _band_score(rank, value), decisive.field, _KIND_BY_RANK[rank])


def _band_score(rank: int, value: float) -> float:
    low, high = SCORE_BANDS[_KIND_BY_RANK[rank]]
    return round(low + (high - low) * min(max(value, 0.0), 1.0), 4)


def _match_field(
    term: _Term,
    field: str,
    segments: tuple[_Segment, ...],
    matched: dict[tuple[_Term, bool, tuple[_Segment, ...]], tuple[int, float] | None],
) -> tuple[int, float] | None:
    """How ``term`` matches a field, remembered in ``matched`` for the query.

    A Han term is matched against the field as a whole (pieces and pairs may
    come from different segments); a Latin term's match is the best of its
    matches in each segment, so a segment shared by many jobs (one skill) is
    matched once.
    """
    short = field in _SHORT_FIELDS
    keys = [(term, short, segments)] if term.han else [(term, short, (segment,)) for segment in segments]
    best: tuple[int, float] | None = None
    for key in keys:
        if key in matched:
            found = matched[key]
        else:
            found = _match_han(term.text, key[2]) if term.han else _match_latin(term, short, key[2])
            matched[key] = found
        if found is not None and (best is None or found > best):
            best = found
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
    boundaries = [0]
    for syllable in syllables:
        boundaries.append(boundaries[-1] + len(syllable))
    ends = set(boundaries)
    best: tuple[int, float] | None = None
    for start in boundaries[:-1]:
        if not compact.startswith(text, start):
            continue
        end = start + len(text)
        if end in ends:
            return (_EXACT, 1.0)
        if len(text) >= 2:
            finish = next(boundary for boundary in boundaries if boundary > end)
            candidate = (_PREFIX, len(text) / (finish - start))
            best = candidate if best is None or candidate > best else best
    return best


def _match_han(term: str, segments: tuple[_Segment, ...]) -> tuple[int, float] | None:
    texts = [segment.text for segment in segments]
    if any(term in text for text in texts):
        return (_EXACT, 1.0)
    if len(term) >= 3 and _pieces_found(term, texts):
        return (_EXACT, PIECED_QUALITY)
    sounds = "".join(_syllables(term))
    if any(
        _match_pinyin(sounds, syllables) == (_EXACT, 1.0)
        for segment in segments
        if sounds in segment.joined_pinyin
        for syllables in segment.pinyin
    ):
        return (_FUZZY, HOMOPHONE_QUALITY)
    if len(term) >= 2:
        pairs = [term[i : i + 2] for i in range(len(term) - 1)]
        coverage = sum(any(pair in text for text in texts) for pair in pairs) / len(pairs)
        if coverage >= HAN_FUZZY_COVERAGE:
            return (_FUZZY, coverage)
    return None


def _pieces_found(term: str, texts: list[str]) -> bool:
    """Whether ``term`` splits, greedily from the left, into found pieces of two characters or more."""
    if not (any(term[:2] in text for text in texts) and any(term[-2:] in text for text in texts)):
        return False  # the first and the last piece hold these pairs
    start = 0
    while start < len(term):
        end = next(
            (end for end in range(len(term), start + 1, -1) if any(term[start:end] in text for text in texts)),
            None,
        )
        if end is None:
            return False
        start = end
    return True
