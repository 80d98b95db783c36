from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.resolve import (
    BRANCH_MISMATCH_FACTOR,
    HOMOPHONE_FACTOR,
    RESOLVE_THRESHOLD,
    OrganisationResolver,
    OrgMatch,
    OrgRecord,
)

RECORDS = (
    OrgRecord(1, ("厦门钨业股份有限公司", "Xiamen Tungsten Co., Ltd.")),
    OrgRecord(2, ("招商银行股份有限公司", "China Merchants Bank")),
    OrgRecord(3, ("招商局集团有限公司", "China Merchants Group")),
    OrgRecord(4, ("招商银行股份有限公司厦门分行",)),
    OrgRecord(5, ("厦门银行股份有限公司",)),
    OrgRecord(6, ("厦门国际银行股份有限公司",)),
    OrgRecord(7, ("中国银行股份有限公司", "Bank of China")),
    OrgRecord(8, ("中国建设银行股份有限公司",)),
    OrgRecord(9, ("厦门大学", "厦大", "Xiamen University")),
    OrgRecord(10, ("厦门海辰储能科技股份有限公司",)),
)


@pytest.fixture
def resolver() -> OrganisationResolver:
    return OrganisationResolver(RECORDS)


def ids(matches: list[OrgMatch]) -> list[int]:
    return [match.id for match in matches]


@pytest.mark.parametrize(
    "query",
    [
        "厦门钨业股份有限公司",
        "厦门钨业",
        "廈門鎢業",
        "Xiamen Tungsten",
        "XIAMEN TUNGSTEN CO LTD",
        "xiamen wuye",
        "xiamenwuye",
        "Xiamen Wuye Co., Ltd.",
    ],
)
def test_every_form_of_a_name_resolves_exactly(resolver: OrganisationResolver, query: str) -> None:
    # when
    matches = resolver.resolve(query)

    # then
    assert matches[0].id == 1
    assert matches[0].score == 100.0


def test_matched_name_is_the_name_that_matched(resolver: OrganisationResolver) -> None:
    assert resolver.resolve("Xiamen Tungsten")[0].matched_name == "Xiamen Tungsten Co., Ltd."
    assert resolver.resolve("厦门钨业")[0].matched_name == "厦门钨业股份有限公司"


@pytest.mark.parametrize(
    ("query", "expected", "twin"),
    [
        ("招商银行", 2, 3),
        ("招商局", 3, 2),
        ("厦门银行", 5, 6),
        ("厦门国际银行", 6, 5),
        ("中国银行", 7, 8),
        ("中国建设银行", 8, 7),
        ("China Merchants Bank", 2, 3),
    ],
)
def test_near_twins_stay_apart(resolver: OrganisationResolver, query: str, expected: int, twin: int) -> None:
    # when
    matches = resolver.resolve(query)

    # then
    assert matches[0].id == expected
    assert twin not in ids(matches)


def test_branch_query_prefers_the_branch_then_the_head_office(resolver: OrganisationResolver) -> None:
    # when
    matches = resolver.resolve("招商銀行廈門分行")

    # then
    assert matches == [
        OrgMatch(4, 100.0, "招商银行股份有限公司厦门分行"),
        OrgMatch(2, 100.0 * BRANCH_MISMATCH_FACTOR, "招商银行股份有限公司"),
    ]


def test_head_office_query_ranks_the_branch_lower(resolver: OrganisationResolver) -> None:
    assert resolver.resolve("招商银行")[:2] == [
        OrgMatch(2, 100.0, "招商银行股份有限公司"),
        OrgMatch(4, 100.0 * BRANCH_MISMATCH_FACTOR, "招商银行股份有限公司厦门分行"),
    ]


def test_branches_with_different_qualifiers_do_not_match(resolver: OrganisationResolver) -> None:
    # when
    matches = resolver.resolve("招商银行思明支行")

    # then
    assert ids(matches) == [2]


def test_aliases_resolve_abbreviations(resolver: OrganisationResolver) -> None:
    assert ids(resolver.resolve("厦大")) == [9]
    assert ids(resolver.resolve("Xiamen University")) == [9]


def test_abbreviations_are_not_invented() -> None:
    resolver = OrganisationResolver([OrgRecord(9, ("厦门大学",))])
    assert resolver.resolve("厦大") == []


def test_homophone_typo_resolves_below_the_right_characters(resolver: OrganisationResolver) -> None:
    assert resolver.resolve("厦门乌业") == [OrgMatch(1, 100.0 * HOMOPHONE_FACTOR, "厦门钨业股份有限公司")]


def test_latin_typo_resolves_fuzzily(resolver: OrganisationResolver) -> None:
    # when
    matches = resolver.resolve("Xiamen Tungstn")

    # then
    assert ids(matches) == [1]
    assert RESOLVE_THRESHOLD <= matches[0].score < 100.0


def test_pinyin_with_a_place_the_han_core_dropped(resolver: OrganisationResolver) -> None:
    assert ids(resolver.resolve("xiamenguojiyinhang")) == [6]
    assert ids(resolver.resolve("xiamen guoji yinhang")) == [6]


@pytest.mark.parametrize("query", ["银行", "钨业", "有限公司", "", "   ", "Totally Unknown Ltd", "招商证券"])
def test_nothing_confident_resolves_to_nothing(resolver: OrganisationResolver, query: str) -> None:
    assert resolver.resolve(query) == []


def test_ties_are_ordered_by_id() -> None:
    # given
    resolver = OrganisationResolver([OrgRecord(7, ("厦门钨业集团",)), OrgRecord(3, ("厦门钨业股份有限公司",))])

    # when
    matches = resolver.resolve("厦门钨业")

    # then
    assert [(m.id, m.score) for m in matches] == [(3, 100.0), (7, 100.0)]


def test_limit_caps_the_matches() -> None:
    resolver = OrganisationResolver([OrgRecord(i, ("厦门钨业",)) for i in range(10)])
    assert ids(resolver.resolve("厦门钨业", limit=3)) == [0, 1, 2]


def test_add_and_remove_update_the_index(resolver: OrganisationResolver) -> None:
    # given
    resolver.add(OrgRecord(11, ("松霖科技股份有限公司", "Solex")))

    # when
    found = resolver.resolve("松霖科技")
    resolver.remove(11)

    # then
    assert ids(found) == [11]
    assert resolver.resolve("松霖科技") == []
    assert 11 not in resolver


def test_add_replaces_a_record_with_the_same_id(resolver: OrganisationResolver) -> None:
    # when
    resolver.add(OrgRecord(1, ("艾德生物",)))

    # then
    assert resolver.resolve("厦门钨业") == []
    assert ids(resolver.resolve("艾德生物")) == [1]


def test_invalid_input_is_refused(resolver: OrganisationResolver) -> None:
    with pytest.raises(ValueError):
        resolver.add(OrgRecord(12, ()))
    with pytest.raises(KeyError):
        resolver.remove(404)
    with pytest.raises(ValueError):
        OrganisationResolver(threshold=101)


def test_a_lower_threshold_admits_weaker_matches() -> None:
    assert OrganisationResolver(RECORDS).resolve("招商银河") == []
    assert ids(OrganisationResolver(RECORDS, threshold=70).resolve("招商银河")) == [2, 4]


_QUERY_PARTS = st.sampled_from(
    [
        "厦门",
        "招商",
        "银行",
        "局",
        "钨业",
        "国际",
        "中国",
        "建设",
        "大学",
        "海辰",
        "储能",
        "分行",
        "有限公司",
        "xiamen",
        "wuye",
        "tungsten",
        "bank",
        "china",
        "merchants",
        " ",
        "Co., Ltd.",
    ]
)


@settings(max_examples=200)
@given(st.lists(_QUERY_PARTS, max_size=6).map("".join) | st.text(max_size=12), st.integers(1, 12))
def test_scores_are_bounded_sorted_and_confident(query: str, limit: int) -> None:
    # given
    resolver = OrganisationResolver(RECORDS)

    # when
    matches = resolver.resolve(query, limit=limit)

    # then
    assert len(matches) <= limit
    assert all(RESOLVE_THRESHOLD <= m.score <= 100.0 for m in matches)
    assert [(-m.score, m.id) for m in matches] == sorted((-m.score, m.id) for m in matches)
    assert len({m.id for m in matches}) == len(matches)
    assert matches == resolver.resolve(query, limit=limit)
