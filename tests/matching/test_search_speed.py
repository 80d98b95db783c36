"""The shortcuts that keep job search fast change no result.

A query is scored only against the jobs its candidate generation returns, and
each field of a job is matched once per query even when many jobs share it;
pinyin runs are compared with a query only when they share enough letters.
These properties compare each with the plain comparison of everything.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from matching.normalise import normalize_text
from matching.search import (
    _FIELDS,
    _KIND_BY_RANK,
    _SHORT_FIELDS,
    FIELD_WEIGHTS,
    FUZZY_THRESHOLD,
    JobSearchIndex,
    SearchDoc,
    SearchHit,
    _band_score,
    _Indexed,
    _join_han,
    _match_han,
    _match_latin,
    _readings,
    _score,
    _Term,
)

# A few characters so that random texts share pairs and sounds often: homophones (工/公, 师/诗, 数/术)
# and sounds that read as one syllable or two (先 xian, 西安 xi an).
_HAN = st.text(alphabet="数据分析师工程公诗术开发硬件西安先", min_size=1, max_size=6)
_LATIN = st.sampled_from(["python", "pyhton", "data", "shuju", "gongcheng", "eng", "engineer", "fenxi"])
_TEXT = st.lists(_HAN | _LATIN, min_size=1, max_size=3).map(" ".join)
_DOCS = st.lists(
    st.builds(
        SearchDoc,
        id=st.just(0),
        title=_TEXT,
        skills=st.lists(_TEXT, max_size=3).map(tuple),
        employer_name=_TEXT,
        description=_TEXT,
    ),
    min_size=1,
    max_size=12,
).map(lambda docs: [SearchDoc(k, d.title, d.skills, d.employer_name, d.description) for k, d in enumerate(docs)])


@settings(max_examples=60)
@given(_DOCS, _HAN.filter(lambda term: len(term) >= 2))
def test_han_candidates_hold_every_job_the_term_matches(docs: list[SearchDoc], term: str) -> None:
    """Terms of two characters or more (a single character is looked up as itself only)."""
    # given
    index = JobSearchIndex(docs)
    term = _join_han(normalize_text(term))

    # when
    candidates = index._han_candidates(term)

    # then
    for doc_id, indexed in index._docs.items():
        if any(_match_han(term, indexed.fields[field]) is not None for field in _FIELDS):
            assert doc_id in candidates


@settings(max_examples=100)
@given(_DOCS, st.text(alphabet="shujgonchfxiae", min_size=1, max_size=14))
def test_runs_sharing_letters_hold_every_run_similar_enough(docs: list[SearchDoc], text: str) -> None:
    # given
    index = JobSearchIndex(docs)

    # when
    kept = index._runs_sharing_letters(text)

    # then
    runs = index._vocab()["runs"]
    similar = [run for run in runs if len(run) >= len(text) - 1 and fuzz.partial_ratio(text, run) >= FUZZY_THRESHOLD]
    assert set(similar) <= set(kept)
    assert kept == [run for run in runs if run in set(kept)]


@settings(max_examples=60)
@given(_DOCS, _TEXT)
def test_shared_fields_score_as_if_matched_job_by_job(docs: list[SearchDoc], query: str) -> None:
    # given
    index = JobSearchIndex(docs)
    text = _join_han(normalize_text(query))

    # when: one memo for the whole query, as search() does
    matched: dict[Any, Any] = {}
    for terms in _readings(text):
        for doc_id, indexed in index._docs.items():
            # then
            assert _score(doc_id, indexed, terms, matched) == _plain_score(doc_id, indexed, terms)


def _plain_score(doc_id: int, indexed: _Indexed, terms: tuple[_Term, ...]) -> SearchHit | None:
    """Every term against every whole field of the job, nothing remembered and no field skipped."""
    matches = []
    for term in terms:
        best: tuple[int, float, str] | None = None
        for field in _FIELDS:
            segments = indexed.fields[field]
            if term.han:
                found = _match_han(term.text, segments)
            else:
                found = _match_latin(term, field in _SHORT_FIELDS, segments)
            if found is not None and (best is None or (found[0], FIELD_WEIGHTS[field] * found[1]) > best[:2]):
                best = (found[0], FIELD_WEIGHTS[field] * found[1], field)
        if best is None:
            return None
        matches.append(best)
    rank = min(match[0] for match in matches)
    value = sum(match[1] for match in matches) / len(matches)
    decisive = max((match for match in matches if match[0] == rank), key=lambda match: match[1])
    return SearchHit(doc_id, _band_score(rank, value), decisive[2], _KIND_BY_RANK[rank])
