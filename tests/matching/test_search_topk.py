"""The first hits and the count answer as the full search does.

``search(query, limit=k)`` stops scoring once no other job can enter the first
``k`` hits, and ``count`` matches without scoring; both must agree exactly with
``search(query, limit=None)``, also among a subset of the jobs and after the
index has been updated.
"""

# Chinese names and text use full-width punctuation on purpose.
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import synth
from matching.search import JobSearchIndex, SearchDoc, SearchHit, SearchPage

# Few characters and words, so that random texts share pairs, sounds and words often: homophones (工/公,
# 师/诗, 数/术), sounds read as one syllable or two (先 xian, 西安 xi an), typos (pyhton), prefixes (eng).
_HAN = st.text(alphabet="数据分析师工程公诗术开发硬件西安先厦门海辰储能招聘", min_size=1, max_size=14)
_LATIN = st.sampled_from(
    ["python", "pyhton", "data", "shuju", "gongcheng", "eng", "engineer", "enginer", "fenxi", "xian", "xiamen", "py"]
)
_TEXT = st.lists(_HAN | _LATIN, min_size=1, max_size=3).map(" ".join)
# Descriptions also hold words the short fields never do, as real ones do.
_DESCRIPTIONS = st.lists(_HAN | _LATIN | st.sampled_from(["招聘", "hiring", "思明区", "siming"]), max_size=4).map(
    " ".join
)
_EMPLOYERS = (
    st.sampled_from(
        [
            "厦门海辰储能科技股份有限公司",
            "海辰储能科技有限公司",
            "招商银行股份有限公司厦门分行",
            "Xiamen Data Co., Ltd.",
        ]
    )
    | _TEXT
)
_JOBS = st.lists(
    st.builds(
        SearchDoc,
        id=st.just(0),
        title=_TEXT,
        skills=st.lists(_TEXT, max_size=3).map(tuple),
        employer_name=_EMPLOYERS,
        description=_DESCRIPTIONS,
    ),
    min_size=1,
    max_size=25,
)
# Ids out of insertion order, so that slots and ids differ.
_DOCS = st.tuples(_JOBS, st.randoms(use_true_random=False)).map(
    lambda drawn: [
        SearchDoc(doc_id, doc.title, doc.skills, doc.employer_name, doc.description)
        for doc_id, doc in zip(drawn[1].sample(range(1, 1000), len(drawn[0])), drawn[0], strict=True)
    ]
)
_OTHER_QUERIES = _TEXT | _EMPLOYERS | st.text(alphabet="数据分析师西安xiamenpyhtonsjugc ", max_size=12)


def _query(data: st.DataObject, docs: list[SearchDoc]) -> str:
    """Mostly words and pieces of the jobs' own texts, so that many jobs match, with close scores."""
    words = [word for doc in docs for text in (doc.title, *doc.skills, doc.description) for word in text.split()]
    pieces = st.sampled_from(words).flatmap(lambda word: st.sampled_from([word, word[:2], word[-3:], word[1:]]))
    own = st.lists(pieces | _LATIN, min_size=1, max_size=3).map(" ".join)
    return data.draw(own | own | _OTHER_QUERIES)


def _assert_answers_as(
    index: JobSearchIndex, query: str, limit: int | None, among: set[int] | None, every_hit: list[SearchHit]
) -> None:
    """The first hits, the count and the page of ``query`` agree with ``every_hit`` (the full search's)."""
    first = index.search(query, limit=limit, among=among)
    count = index.count(query, among=among)
    assert first == every_hit[:limit]
    assert count == len(every_hit)
    assert index.search_page(query, limit=limit, among=among) == SearchPage(first, count)


@settings(max_examples=80, deadline=None)
@given(_DOCS, st.integers(1, 6), st.data())
def test_first_hits_and_count_are_those_of_every_hit(docs: list[SearchDoc], limit: int, data: st.DataObject) -> None:
    # given
    index = JobSearchIndex(docs)
    query = _query(data, docs)
    every_hit = index.search(query, limit=None)

    # when
    first = index.search(query, limit=limit)
    count = index.count(query)
    page = index.search_page(query, limit=limit)

    # then
    assert first == every_hit[:limit]
    assert count == len(every_hit)
    assert page == SearchPage(first, count)


@settings(max_examples=40, deadline=None)
@given(_DOCS, st.integers(1, 6), st.data())
def test_among_keeps_the_order_and_count_of_its_jobs(docs: list[SearchDoc], limit: int, data: st.DataObject) -> None:
    # given
    index = JobSearchIndex(docs)
    query = _query(data, docs)
    among = set(data.draw(st.lists(st.sampled_from([doc.id for doc in docs]))))
    allowed = [hit for hit in index.search(query, limit=None) if hit.id in among]

    # then
    _assert_answers_as(index, query, limit, among, allowed)


@settings(max_examples=30, deadline=None)
@given(_DOCS, _DOCS, st.integers(1, 6), st.data())
def test_an_updated_index_answers_as_one_built_afresh(
    before: list[SearchDoc], after: list[SearchDoc], limit: int, data: st.DataObject
) -> None:
    # given: jobs removed, replaced and added, so that slots and segments are freed and taken again
    index = JobSearchIndex(before)
    for doc in before[::2]:
        index.remove(doc.id)
    for doc in after:
        index.add(doc)
    final = {doc.id: doc for doc in before[1::2]} | {doc.id: doc for doc in after}
    fresh = JobSearchIndex(final.values())
    query = _query(data, [*before, *after])

    # when
    every_hit = index.search(query, limit=None)

    # then
    assert every_hit == fresh.search(query, limit=None)
    assert index.search(query, limit=limit) == every_hit[:limit]
    assert index.count(query) == len(every_hit)


@pytest.fixture(scope="module")
def synthetic() -> tuple[JobSearchIndex, list[str]]:
    """A thousand synthetic jobs, where broad terms have hundreds of candidates, and queries as users type them."""
    return JobSearchIndex(synth.search_docs(1000, seed=7)), synth.search_queries(100, seed=8)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.booleans(), st.data())
def test_synthetic_first_hits_and_count_are_those_of_every_hit(
    synthetic: tuple[JobSearchIndex, list[str]], limit: int, filtered: bool, data: st.DataObject
) -> None:
    # given
    index, queries = synthetic
    query = data.draw(st.sampled_from(queries))
    among = set(data.draw(st.randoms(use_true_random=False)).sample(range(1, 1001), 333)) if filtered else None
    every_hit = [hit for hit in index.search(query, limit=None) if among is None or hit.id in among]

    # then
    _assert_answers_as(index, query, limit, among, every_hit)


def test_exact_matches_in_descriptions_come_before_fuzzy_ones_in_titles() -> None:
    # given: titles that only sound like the query (数据酷, shu ju ku) and descriptions that hold it
    sounding = [SearchDoc(k, "数据酷", (), "", "") for k in range(1, 11)]
    described = [SearchDoc(k, "工程师", (), "", "负责数据库") for k in range(11, 14)]
    index = JobSearchIndex([*sounding, *described])

    # when
    first = index.search("数据库", limit=3)

    # then
    assert [(hit.id, hit.matched_field, hit.match_kind) for hit in first] == [
        (11, "description", "exact"),
        (12, "description", "exact"),
        (13, "description", "exact"),
    ]
