# Chinese names and text use full-width punctuation on purpose.
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.search import FIELD_WEIGHTS, SCORE_BANDS, JobSearchIndex, SearchDoc, SearchHit

DOCS = (
    SearchDoc(1, "大数据工程师", ("Python", "SQL"), "厦门钨业股份有限公司", "负责数据平台建设"),
    SearchDoc(2, "数据库开发工程师", ("MySQL", "数据库"), "厦门海辰储能科技股份有限公司", "Database engineer"),
    SearchDoc(3, "Python Engineer", ("python", "django"), "Xiamen Tungsten Co., Ltd.", "Build services in Python."),
    SearchDoc(4, "客户经理", ("销售",), "招商银行股份有限公司厦门分行", "负责客户关系维护"),
    SearchDoc(5, "Senior Pythonista", (), "Acme Inc.", "We like snakes."),
    SearchDoc(6, "算法研究员", ("机器学习",), "艾德生物医药科技股份有限公司", "Research with Python and data."),
)


@pytest.fixture
def index() -> JobSearchIndex:
    return JobSearchIndex(DOCS)


def hit_ids(hits: list[SearchHit]) -> list[int]:
    return [hit.id for hit in hits]


@pytest.mark.parametrize("query", ["数据库", "資料庫", "shujuku", "shu ju ku", "SHUJUKU", "数据库开发"])
def test_database_in_any_script_finds_the_database_job(index: JobSearchIndex, query: str) -> None:
    # when
    hits = index.search(query)

    # then
    assert hits[0] == SearchHit(2, 100.0, "title", "exact")


def test_chinese_substring_is_an_exact_match(index: JobSearchIndex) -> None:
    assert index.search("数据")[:2] == [
        SearchHit(1, 100.0, "title", "exact"),
        SearchHit(2, 100.0, "title", "exact"),
    ]


def test_chinese_phrase_in_pieces_is_exact_below_the_whole_phrase(index: JobSearchIndex) -> None:
    # when
    hits = index.search("数据库工程师")

    # then
    assert hits[0].id == 2
    assert hits[0].match_kind == "exact"
    assert 90.0 <= hits[0].score < 100.0


def test_pinyin_finds_the_employer(index: JobSearchIndex) -> None:
    assert index.search("haichen") == [SearchHit(2, 97.0, "employer", "exact")]


def test_pinyin_typo_finds_the_employer_fuzzily(index: JobSearchIndex) -> None:
    hits = index.search("haicen")
    assert [(h.id, h.matched_field, h.match_kind) for h in hits] == [(2, "employer", "fuzzy")]


def test_full_legal_employer_name_matches_its_core(index: JobSearchIndex) -> None:
    assert index.search("海辰储能科技有限公司") == [SearchHit(2, 97.0, "employer", "exact")]
    assert index.search("招商银行")[0] == SearchHit(4, 97.0, "employer", "exact")


def test_exact_beats_prefix_beats_fuzzy(index: JobSearchIndex) -> None:
    # when
    hits = index.search("python")

    # then
    assert [(h.id, h.match_kind) for h in hits] == [(3, "exact"), (1, "exact"), (6, "exact"), (5, "prefix")]
    assert hits[0].matched_field == "title"
    assert hits[1].matched_field == "skills"
    assert hits[2].matched_field == "description"


def test_prefix_match(index: JobSearchIndex) -> None:
    hits = index.search("pyth")
    assert {h.match_kind for h in hits} == {"prefix"}
    assert hit_ids(hits)[0] == 3


@pytest.mark.parametrize(("query", "expected"), [("pyhton", 3), ("enginer", 3), ("Pythn Enginer", 3)])
def test_typos_match_fuzzily(index: JobSearchIndex, query: str, expected: int) -> None:
    # when
    hits = index.search(query)

    # then
    assert hits[0].id == expected
    assert hits[0].match_kind == "fuzzy"
    assert 0.0 <= hits[0].score <= 69.0


def test_chinese_homophone_typo_is_fuzzy(index: JobSearchIndex) -> None:
    assert [(h.id, h.match_kind) for h in index.search("数据苦")] == [(2, "fuzzy")]


def test_field_weights_order_equal_kinds(index: JobSearchIndex) -> None:
    # given
    assert list(FIELD_WEIGHTS) == ["title", "skills", "employer", "description"]
    assert sorted(FIELD_WEIGHTS.values(), reverse=True) == list(FIELD_WEIGHTS.values())

    # when
    scores = {h.matched_field: h.score for h in index.search("python") if h.match_kind == "exact"}

    # then
    assert scores["title"] > scores["skills"] > scores["description"]


def test_every_term_must_match(index: JobSearchIndex) -> None:
    assert hit_ids(index.search("python engineer")) == [3]
    assert index.search("python xqzvw") == []


@pytest.mark.parametrize("query", ["", "   ", "\t", "！？", "xqzvwk", "qwxzv", "鑫鑫鑫", "zzzzzz"])
def test_blank_and_nonsense_queries_find_nothing(index: JobSearchIndex, query: str) -> None:
    assert index.search(query) == []


def test_ties_are_ordered_by_id() -> None:
    # given
    index = JobSearchIndex([SearchDoc(i, "Python Engineer", (), "", "") for i in (9, 2, 5)])

    # when
    hits = index.search("python")

    # then
    assert hit_ids(hits) == [2, 5, 9]
    assert len({h.score for h in hits}) == 1


def test_limit(index: JobSearchIndex) -> None:
    assert len(index.search("python", limit=2)) == 2
    assert len(index.search("python", limit=None)) == 4
    assert index.search("python", limit=0) == []


def test_add_remove_and_replace(index: JobSearchIndex) -> None:
    # when
    index.add(SearchDoc(7, "Rust Developer", ("rust",), "松霖科技", ""))
    added = hit_ids(index.search("rust"))
    index.add(SearchDoc(7, "Go Developer", ("go",), "松霖科技", ""))
    replaced = hit_ids(index.search("rust"))
    index.remove(7)

    # then
    assert added == [7]
    assert replaced == []
    assert index.search("songlin") == []
    with pytest.raises(KeyError):
        index.remove(7)


def test_score_bands_do_not_overlap() -> None:
    assert SCORE_BANDS["fuzzy"][1] < SCORE_BANDS["prefix"][0]
    assert SCORE_BANDS["prefix"][1] < SCORE_BANDS["exact"][0]


_WORDS = st.sampled_from(
    [
        "数据",
        "数据库",
        "工程师",
        "python",
        "pyhton",
        "enginer",
        "shujuku",
        "haichen",
        "厦门",
        "xiamen",
        "銷售",
        "py",
        "客户",
        "sql",
        "s",
        "研究",
        "ml",
        " ",
    ]
)
_QUERIES = st.lists(_WORDS, max_size=3).map(" ".join) | st.text(max_size=8)


@settings(max_examples=150, deadline=None)
@given(_QUERIES)
def test_results_are_sorted_bounded_and_deterministic(query: str) -> None:
    # given
    index = JobSearchIndex(DOCS)

    # when
    hits = index.search(query, limit=None)

    # then
    assert [(-h.score, h.id) for h in hits] == sorted((-h.score, h.id) for h in hits)
    assert all(0.0 <= h.score <= 100.0 for h in hits)
    assert all(SCORE_BANDS[h.match_kind][0] <= h.score <= SCORE_BANDS[h.match_kind][1] for h in hits)
    assert len({h.id for h in hits}) == len(hits)
    assert hits == JobSearchIndex(reversed(DOCS)).search(query, limit=None)


_TEXT = st.text(alphabet="abcdefgh 数据库工程师销售", max_size=12)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["数据库", "python", "shujuku", "工程师", "haichen"]),
    st.builds(SearchDoc, st.integers(100, 1000), _TEXT, st.tuples(_TEXT), _TEXT, _TEXT),
)
def test_adding_an_unrelated_doc_keeps_exact_scores(query: str, extra: SearchDoc) -> None:
    # given
    index = JobSearchIndex(DOCS)
    before = {h.id: h for h in index.search(query, limit=None) if h.match_kind == "exact"}

    # when
    index.add(extra)
    after = {h.id: h for h in index.search(query, limit=None)}

    # then
    assert before
    assert all(after[doc_id] == hit for doc_id, hit in before.items())
