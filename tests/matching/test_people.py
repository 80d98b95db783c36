from __future__ import annotations

import ast
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.people import (
    LINK_THRESHOLD,
    MAX_BLOCK_SIZE,
    REVIEW_THRESHOLD,
    SWAPPED_DATE_FACTOR,
    PersonIndex,
    PersonLink,
    PersonRecord,
    birth_date_similarity,
    block_keys,
    candidate_pairs,
    canonical_email,
    canonical_phone,
    compare,
    evaluate_links,
    find_duplicates,
    link_records,
    link_records_with_stats,
    name_initials,
    name_keys,
)
from matching.resolve import OrganisationResolver, OrgRecord

EVAL_PATH = Path(__file__).with_name("people_eval.json")

# The figures documented in matching/people.py (module docstring and thresholds).
DOCUMENTED_LINK_PRECISION = 1.0
DOCUMENTED_LINK_RECALL = 0.850
DOCUMENTED_REVIEW_PRECISION = 0.926
DOCUMENTED_REVIEW_RECALL = 0.991

ORGANISATIONS = (
    OrgRecord(1, ("厦门大学", "Xiamen University", "XMU")),
    OrgRecord(2, ("清华大学", "Tsinghua University")),
    OrgRecord(3, ("斯坦福大学", "Stanford University")),
    OrgRecord(4, ("新加坡国立大学", "National University of Singapore", "NUS")),
    OrgRecord(5, ("香港大学", "University of Hong Kong", "HKU")),
    OrgRecord(6, ("厦门钨业股份有限公司", "Xiamen Tungsten Co., Ltd.")),
    OrgRecord(7, ("海辰储能科技股份有限公司", "Hithium Energy Storage")),
    OrgRecord(8, ("帝国理工学院", "Imperial College London")),
    OrgRecord(9, ("剑桥大学", "University of Cambridge")),
    OrgRecord(10, ("浙江大学", "Zhejiang University")),
)


@pytest.fixture(scope="module")
def resolver() -> OrganisationResolver:
    return OrganisationResolver(ORGANISATIONS)


# -- names --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        PersonRecord(1, name_zh="卢晨雨"),
        PersonRecord(1, name_zh="盧晨雨"),
        PersonRecord(1, name_pinyin="Lu Chenyu"),
        PersonRecord(1, name_pinyin="Chenyu Lu"),
        PersonRecord(1, name_en="LU Chen-yu"),
        PersonRecord(1, name_pinyin="Lu Chen Yu"),
        PersonRecord(1, name_pinyin="Lǔ Chényǔ"),
        PersonRecord(1, name_pinyin="lu3 chen2 yu3"),
        PersonRecord(1, name_pinyin="ＬＵ　ＣＨＥＮＹＵ"),
    ],
)
def test_every_spelling_of_a_name_gives_the_same_keys(record: PersonRecord) -> None:
    assert name_keys(record) == {"luchenyu", "chenyulu"}


def test_name_keys_read_surnames_as_surnames_and_passport_umlauts() -> None:
    assert name_keys(PersonRecord(1, name_zh="单雨")) == {"shanyu", "yushan"}
    assert name_keys(PersonRecord(1, name_zh="吕思远")) == name_keys(PersonRecord(2, name_en="LYU Siyuan"))
    assert name_keys(PersonRecord(1, name_zh="吕思远")) == name_keys(PersonRecord(2, name_en="LV Siyuan"))
    assert name_keys(PersonRecord(1, name_zh="欧阳娜娜")) == name_keys(PersonRecord(2, name_en="Nana Ouyang"))


def test_name_keys_of_an_abbreviated_name_are_empty_but_its_initials_match() -> None:
    full = PersonRecord(1, name_zh="卢晨雨")
    for written in ("C.Y. Lu", "Lu C.Y.", "CY Lu"):
        short = PersonRecord(2, name_en=written)
        assert name_keys(short) == frozenset()
        assert name_initials(short) == {"lu cy"}
    assert "lu cy" in name_initials(full)


# -- emails, phones, dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("Chen.Yu.Lu@Gmail.com", "chenyulu@gmail.com"),
        ("chenyulu+guilu@googlemail.com", "chenyulu@gmail.com"),
        ("chen.yu+jobs@outlook.com", "chen.yu@outlook.com"),
        ("chen.yu+jobs@icloud.com", "chen.yu@icloud.com"),
        ("Chen.Yu+jobs@qq.com", "chen.yu+jobs@qq.com"),
        ("chen.yu@xmu.edu.cn", "chen.yu@xmu.edu.cn"),
        ("  WANGWEI@163.COM ", "wangwei@163.com"),
        ("not an email", None),
        ("", None),
    ],
)
def test_canonical_email(email: str, expected: str | None) -> None:
    assert canonical_email(email) == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("+86 592 1234567", "05921234567"),
        ("0592-1234567", "05921234567"),
        ("+1 (650) 555-0123", "16505550123"),
        ("0044 20 7946 0000", "442079460000"),
        ("123", None),
    ],
)
def test_canonical_phone(phone: str, expected: str | None) -> None:
    assert canonical_phone(phone) == expected


def test_birth_dates_accept_a_day_month_swap_only_when_both_could_be_months() -> None:
    assert birth_date_similarity(date(1990, 3, 7), date(1990, 3, 7)) == 1.0
    assert birth_date_similarity(date(1990, 3, 7), date(1990, 7, 3)) == SWAPPED_DATE_FACTOR
    assert birth_date_similarity(date(1990, 3, 7), date(1991, 7, 3)) == 0.0
    assert birth_date_similarity(date(1990, 3, 7), date(1990, 3, 8)) == 0.0


# -- blocking -------------------------------------------------------------------------------------------------------


def test_every_spelling_shares_a_block_key() -> None:
    spellings = ["卢晨雨", "盧晨雨", "Lu Chenyu", "Chenyu Lu", "LU Chen-yu", "Lu Chen Yu", "Lǔ Chényǔ"]
    keys = [block_keys(PersonRecord(i, name_pinyin=s)) for i, s in enumerate(spellings)]
    assert "s:chen lu yu" in frozenset.intersection(*keys)


def test_blocking_compares_only_records_that_share_a_key() -> None:
    # given
    left = [PersonRecord(i, name_zh=name) for i, name in enumerate(["卢晨雨", "王伟", "张丽"])]
    right = [PersonRecord(i, name_en=name) for i, name in enumerate(["Chenyu Lu", "Li Zhang", "Ming Chen"])]

    # when
    pairs = candidate_pairs(left, right)

    # then
    assert sorted(pairs) == [(0, 0), (2, 1)]
    assert pairs.blocks_skipped == 0


def test_an_abbreviated_name_meets_full_names_but_full_names_never_block_on_initials() -> None:
    left = [PersonRecord(0, name_en="C.Y. Lu"), PersonRecord(1, name_zh="卢春燕")]
    right = [PersonRecord(0, name_zh="卢晨雨"), PersonRecord(1, name_zh="卢超")]
    assert sorted(candidate_pairs(left, right)) == [(0, 0), (0, 1)]


def test_a_block_over_the_cap_is_skipped_for_its_key_alone() -> None:
    # given: many 王伟 on both sides, one of whom shares a phone with the right side
    crowd = [PersonRecord(i, name_zh="王伟") for i in range(MAX_BLOCK_SIZE + 1)]
    left = [*crowd, PersonRecord("x", name_zh="王伟", phones=("13900000000",))]
    right = [PersonRecord("y", name_pinyin="Wang Wei", phones=("+86 139 0000 0000",))]

    # when
    links, stats = link_records_with_stats(left, right)

    # then
    assert stats.blocks_skipped == 1
    assert stats.pairs_compared == 1
    assert stats.cross_product == len(left)
    assert [(link.left_id, link.right_id, link.decision) for link in links] == [("x", "y", "link")]


# -- scoring --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["Lu Chenyu", "Chenyu Lu", "LU Chen-yu", "盧晨雨", "Lǔ Chényǔ", "C.Y. Lu"])
def test_one_person_in_any_spelling_links_on_a_shared_email(written: str) -> None:
    # given
    registered = PersonRecord(1, name_zh="卢晨雨", emails=("chenyu.lu@gmail.com",))
    invited = PersonRecord(2, name_en=written, emails=("ChenYuLu+guilu@gmail.com",))

    # when
    link = compare(registered, invited)

    # then
    assert link.decision == "link"
    assert {e.field for e in link.evidence} == {"email", "name"}
    assert all(e.weight > 0 for e in link.evidence)


def test_same_name_different_people_are_not_linked(resolver: OrganisationResolver) -> None:
    first = PersonRecord(1, name_zh="王伟", emails=("wangwei@xmu.edu.cn",), institutions=("厦门大学",))
    second = PersonRecord(2, name_zh="王伟", emails=("wei.wang@stanford.edu",), institutions=("Stanford University",))

    link = compare(first, second, resolver=resolver)

    assert link.decision == "distinct"
    assert [e.field for e in link.evidence if e.weight < 0] == ["email", "institution"]


def test_the_same_name_alone_never_links_even_with_the_same_institution(resolver: OrganisationResolver) -> None:
    first = PersonRecord(1, name_zh="王伟", institutions=("厦门大学",))
    second = PersonRecord(2, name_pinyin="Wang Wei", institutions=("Xiamen University",))

    link = compare(first, second, resolver=resolver)

    assert link.decision != "link"
    assert any(e.note == "same organisation" for e in link.evidence)


def test_one_person_with_two_emails_links_through_the_other_fields(resolver: OrganisationResolver) -> None:
    at_home = PersonRecord(
        1, name_zh="张丽", emails=("zhangli@163.com",), birth_date=date(1988, 5, 4), institutions=("厦门大学",)
    )
    abroad = PersonRecord(
        2,
        name_en="Li Zhang",
        emails=("li.zhang@nus.edu.sg",),
        birth_date=date(1988, 4, 5),
        institutions=("Xiamen University",),
        phones=("+86 186 0592 0001",),
    )

    link = compare(at_home, abroad, resolver=resolver)

    assert link.decision == "link"
    assert next(e for e in link.evidence if e.field == "email").weight < 0


def test_conflicting_birth_dates_and_phones_lower_the_score() -> None:
    base = PersonRecord(1, name_zh="卢晨雨", emails=("lcy@xmu.edu.cn",))
    same = PersonRecord(2, name_pinyin="Lu Chenyu", emails=("lcy@xmu.edu.cn",))
    conflicting = PersonRecord(
        2, name_pinyin="Lu Chenyu", emails=("lcy@xmu.edu.cn",), birth_date=date(1990, 1, 1), phones=("13800000001",)
    )
    base_with_facts = PersonRecord(
        1, name_zh="卢晨雨", emails=("lcy@xmu.edu.cn",), birth_date=date(1985, 6, 30), phones=("13800000002",)
    )
    assert compare(base_with_facts, conflicting).score < compare(base, same).score
    assert compare(base_with_facts, conflicting).decision != "link"


def test_homophones_and_siblings_sharing_a_phone_are_not_linked() -> None:
    lu = PersonRecord(1, name_zh="卢晨雨", birth_date=date(1990, 3, 7))
    homophone = PersonRecord(2, name_zh="陆晨宇", birth_date=date(1990, 3, 7))
    twin_a = PersonRecord(3, name_zh="李明", phones=("0592-5550001",), birth_date=date(1995, 8, 8))
    twin_b = PersonRecord(4, name_zh="李亮", phones=("+86 592 5550001",), birth_date=date(1995, 8, 8))
    assert compare(lu, homophone).decision != "link"
    assert compare(twin_a, twin_b).decision != "link"


def test_a_typo_in_an_email_is_evidence_but_numbered_accounts_are_not() -> None:
    typo = compare(
        PersonRecord(1, name_zh="陈嘉文", emails=("jiawen.chen@outlook.com",), birth_date=date(1992, 2, 20)),
        PersonRecord(2, name_pinyin="Chen Jiawen", emails=("jaiwen.chen@outlook.com",), birth_date=date(1992, 2, 20)),
    )
    numbered = compare(
        PersonRecord(1, name_zh="王伟", emails=("wangwei1@163.com",)),
        PersonRecord(2, name_zh="王伟", emails=("wangwei2@163.com",)),
    )
    assert typo.decision == "link"
    assert next(e for e in typo.evidence if e.field == "email").note == "one edit apart"
    assert numbered.decision == "distinct"


def test_cantonese_spelling_agrees_on_the_family_name_only() -> None:
    link = compare(
        PersonRecord(1, name_zh="陈嘉文", emails=("kaman.chan@gmail.com",)),
        PersonRecord(2, name_en="Chan Ka Man", emails=("ka.man.chan@gmail.com",)),
    )
    name = next(e for e in link.evidence if e.field == "name")
    assert name.note == "family name agrees in a dialect spelling"
    assert name.weight == 0.0
    assert link.decision in ("link", "review")


# -- linking --------------------------------------------------------------------------------------------------------


def test_link_records_returns_sorted_links_at_or_above_min_score() -> None:
    left = [
        PersonRecord(1, name_zh="卢晨雨", phones=("13800001234",)),
        PersonRecord(2, name_zh="王伟", institutions=("厦门大学",), birth_date=date(1990, 1, 2)),
    ]
    right = [
        PersonRecord("a", name_en="Chenyu Lu", phones=("+86 138 0000 1234",)),
        PersonRecord("b", name_pinyin="Wang Wei", institutions=("厦门大学",), birth_date=date(1990, 1, 2)),
        PersonRecord("c", name_zh="王伟"),
    ]

    links = link_records(left, right)
    everything = link_records(left, right, min_score=0)

    assert [(link.left_id, link.right_id) for link in links] == [(1, "a"), (2, "b")]
    assert [link.decision for link in links] == ["link", "link"]
    assert len(everything) == 3
    assert [link.score for link in everything] == sorted((link.score for link in everything), reverse=True)


def test_find_duplicates_pairs_each_record_once_and_never_with_itself() -> None:
    records = [
        PersonRecord(1, name_zh="卢晨雨", emails=("lcy@xmu.edu.cn",)),
        PersonRecord(2, name_en="Chenyu Lu", emails=("LCY@xmu.edu.cn",)),
        PersonRecord(3, name_en="LU Chen-yu", emails=("lcy@xmu.edu.cn",)),
        PersonRecord(4, name_zh="王伟"),
    ]

    links = find_duplicates(records)

    assert sorted((link.left_id, link.right_id) for link in links) == [(1, 2), (1, 3), (2, 3)]


# -- properties -----------------------------------------------------------------------------------------------------

NAMES = ["卢晨雨", "盧晨雨", "Lu Chenyu", "Chenyu Lu", "王伟", "Wang Wei", "陈嘉文", "Chan Ka Man", "C.Y. Lu", "张丽"]
EMAILS = ["lcy@xmu.edu.cn", "chen.yu.lu@gmail.com", "chenyulu@gmail.com", "ww@163.com", "ww1@163.com", "kmc@hku.hk"]
PHONES = ["13800001234", "+86 138 0000 1234", "13900000000", "+1 650 555 0123", "6505550123"]
INSTITUTIONS = ["厦门大学", "Xiamen University", "清华大学", "HKU", "帝国理工学院"]


@st.composite
def person(draw: st.DrawFn, ident: int | str = 0) -> PersonRecord:
    return PersonRecord(
        ident,
        name_zh=draw(st.none() | st.sampled_from([n for n in NAMES if not n.isascii()])),
        name_en=draw(st.none() | st.sampled_from([n for n in NAMES if n.isascii()])),
        emails=tuple(draw(st.lists(st.sampled_from(EMAILS), max_size=2))),
        phones=tuple(draw(st.lists(st.sampled_from(PHONES), max_size=2))),
        birth_date=draw(st.none() | st.dates(date(1985, 1, 1), date(1985, 12, 31))),
        birth_year=draw(st.none() | st.integers(1984, 1986)),
        institutions=tuple(draw(st.lists(st.sampled_from(INSTITUTIONS), max_size=2))),
    )


@st.composite
def unrelated(draw: st.DrawFn) -> PersonRecord:
    """A record that shares no name, email or phone with the pools above."""
    suffix = draw(st.integers(0, 10**6))
    return PersonRecord(
        "unrelated",
        name_en=draw(st.sampled_from(["Olga Petrova", "Jean Dupont", "Kofi Mensah"])),
        emails=(f"someone{suffix}@example.org",),
        phones=(f"+49 30 {suffix:07d}",),
        birth_date=draw(st.none() | st.dates(date(1950, 1, 1), date(2000, 12, 31))),
        institutions=tuple(draw(st.lists(st.sampled_from(INSTITUTIONS), max_size=1))),
    )


@settings(max_examples=200, deadline=None)
@given(person(1), person(2))
def test_compare_is_symmetric_bounded_and_deterministic(a: PersonRecord, b: PersonRecord) -> None:
    forward, backward = compare(a, b), compare(b, a)
    assert forward.score == backward.score
    assert forward.decision == backward.decision
    assert 0.0 <= forward.score <= 100.0
    assert compare(a, b) == forward
    assert sorted(e.field for e in forward.evidence) == sorted(e.field for e in backward.evidence)


def _ids_and_scores(links: list[PersonLink]) -> dict[tuple[Any, Any], tuple[float, str]]:
    return {(link.left_id, link.right_id): (link.score, link.decision) for link in links}


@settings(max_examples=100, deadline=None)
@given(st.lists(person(), max_size=6), st.lists(person(), max_size=6))
def test_linking_is_symmetric(left: list[PersonRecord], right: list[PersonRecord]) -> None:
    left = [PersonRecord(**{**_fields(r), "id": f"l{i}"}) for i, r in enumerate(left)]
    right = [PersonRecord(**{**_fields(r), "id": f"r{i}"}) for i, r in enumerate(right)]

    forward = _ids_and_scores(link_records(left, right, min_score=0))
    backward = _ids_and_scores(link_records(right, left, min_score=0))

    assert forward == {(lid, rid): value for (rid, lid), value in backward.items()}


@settings(max_examples=100, deadline=None)
@given(st.lists(person(), max_size=6), st.lists(person(), max_size=6), unrelated(), st.booleans())
def test_adding_an_unrelated_record_never_changes_an_existing_link(
    left: list[PersonRecord], right: list[PersonRecord], extra: PersonRecord, on_the_left: bool
) -> None:
    left = [PersonRecord(**{**_fields(r), "id": f"l{i}"}) for i, r in enumerate(left)]
    right = [PersonRecord(**{**_fields(r), "id": f"r{i}"}) for i, r in enumerate(right)]
    before = _ids_and_scores(link_records(left, right, min_score=0))

    after = _ids_and_scores(
        link_records([*left, extra], right, min_score=0)
        if on_the_left
        else link_records(left, [*right, extra], min_score=0)
    )

    assert {pair: value for pair, value in after.items() if "unrelated" not in pair} == before


def _fields(record: PersonRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in PersonRecord.__slots__}


# -- the labelled evaluation set --------------------------------------------------------------------------------------


def _record(data: dict[str, Any]) -> PersonRecord:
    fields = dict(data)
    for name in ("emails", "phones", "institutions"):
        fields[name] = tuple(fields.get(name, ()))
    if fields.get("birth_date"):
        fields["birth_date"] = date.fromisoformat(fields["birth_date"])
    return PersonRecord(**fields)


def _load_eval() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EVAL_PATH.read_text(encoding="utf-8"))
    return data


def test_the_evaluation_set_is_large_and_covers_the_hard_cases() -> None:
    pairs = _load_eval()["pairs"]
    cases = " ".join(pair["case"] for pair in pairs)
    assert len(pairs) >= 150
    assert sum(pair["match"] for pair in pairs) >= 60
    assert sum(not pair["match"] for pair in pairs) >= 60
    for hard_case in ("卢晨雨", "same name", "two emails", "+86", "swapped", "Cantonese", "typo", "Traditional"):
        assert hard_case in cases, hard_case


def test_the_generated_part_of_the_evaluation_set_is_reproducible() -> None:
    pairs = [pair for pair in _load_eval()["pairs"] if pair["source"] == "generated"]
    assert pairs == generated_pairs()


def test_thresholds_reach_the_documented_precision_and_recall(resolver: OrganisationResolver) -> None:
    # given
    pairs = _load_eval()["pairs"]

    # when
    links = [compare(_record(p["left"]), _record(p["right"]), resolver=resolver) for p in pairs]
    report = evaluate_links(links, [p["match"] for p in pairs])

    # then
    print(
        f"\n{report.pairs} pairs, {report.matches} matches; link >= {LINK_THRESHOLD}: precision "
        f"{report.link_precision:.3f} recall {report.link_recall:.3f}; review >= {REVIEW_THRESHOLD}: "
        f"precision {report.review_precision:.3f} recall {report.review_recall:.3f}"
    )
    assert report.false_links == ()
    assert round(report.link_precision, 3) >= DOCUMENTED_LINK_PRECISION
    assert round(report.link_recall, 3) >= DOCUMENTED_LINK_RECALL
    assert round(report.review_precision, 3) >= DOCUMENTED_REVIEW_PRECISION
    assert round(report.review_recall, 3) >= DOCUMENTED_REVIEW_RECALL


def test_the_documented_figures_are_the_ones_in_the_module() -> None:
    import matching.people as people

    doc = people.__doc__ or ""
    assert f"{DOCUMENTED_LINK_PRECISION:.3f}      {DOCUMENTED_LINK_RECALL:.3f}" in doc
    assert f"{DOCUMENTED_REVIEW_PRECISION:.3f}      {DOCUMENTED_REVIEW_RECALL:.3f}" in doc


def test_the_engine_stays_pure() -> None:
    import matching.people as people

    tree = ast.parse(Path(people.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not imported & {"api", "sqlmodel", "sqlalchemy", "starlette", "strawberry"}


# -- the generator of the evaluation set's "generated" pairs ----------------------------------------------------------
# Run this file as a script (python tests/matching/test_people.py) to rewrite those pairs in people_eval.json.

GENERATOR_SEED = 20261127
_SURNAMES = [  # (simplified, traditional, pinyin, Cantonese/Hokkien spelling or "")
    ("王", "王", "wang", "Wong"),
    ("李", "李", "li", "Lee"),
    ("张", "張", "zhang", "Cheung"),
    ("刘", "劉", "liu", "Lau"),
    ("陈", "陳", "chen", "Chan"),
    ("杨", "楊", "yang", "Yeung"),
    ("黄", "黃", "huang", "Wong"),
    ("赵", "趙", "zhao", ""),
    ("吴", "吳", "wu", "Ng"),
    ("周", "周", "zhou", "Chow"),
    ("林", "林", "lin", "Lim"),
    ("郑", "鄭", "zheng", "Cheng"),
    ("卢", "盧", "lu", "Lo"),
    ("蔡", "蔡", "cai", "Choi"),
    ("许", "許", "xu", "Hui"),
]
_GIVEN = [  # (simplified, traditional, pinyin)
    ("伟", "偉", "wei"),
    ("丽", "麗", "li"),
    ("晨", "晨", "chen"),
    ("雨", "雨", "yu"),
    ("嘉", "嘉", "jia"),
    ("文", "文", "wen"),
    ("明", "明", "ming"),
    ("华", "華", "hua"),
    ("杰", "傑", "jie"),
    ("婷", "婷", "ting"),
    ("涛", "濤", "tao"),
    ("静", "靜", "jing"),
    ("思", "思", "si"),
    ("远", "遠", "yuan"),
    ("志", "志", "zhi"),
    ("强", "強", "qiang"),
]
_DOMAINS = ["gmail.com", "163.com", "qq.com", "outlook.com", "xmu.edu.cn", "stanford.edu"]
_INSTITUTIONS = [
    ("厦门大学", "Xiamen University"),
    ("清华大学", "Tsinghua University"),
    ("斯坦福大学", "Stanford University"),
    ("新加坡国立大学", "National University of Singapore"),
    ("帝国理工学院", "Imperial College London"),
    ("浙江大学", "Zhejiang University"),
]


def _identity(rng: random.Random, number: int) -> dict[str, Any]:
    surname = rng.choice(_SURNAMES[:8]) if rng.random() < 0.7 else rng.choice(_SURNAMES)
    given = [rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2)))]
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return {
        "surname": surname,
        "given": given,
        "email": f"{surname[2]}{''.join(g[2] for g in given)}{number}@{rng.choice(_DOMAINS)}",
        "phone": f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}",
        "birth": date(rng.randint(1980, 1996), month, day),
        "institution": rng.choice(_INSTITUTIONS),
    }


def _as_record(rng: random.Random, person: dict[str, Any], ident: str, *, variant: bool) -> dict[str, Any]:
    surname, given = person["surname"], person["given"]
    given_pinyin = "".join(g[2] for g in given)
    record: dict[str, Any] = {"id": ident}
    if not variant:
        record["name_zh"] = surname[0] + "".join(g[0] for g in given)
        record["emails"] = [person["email"]]
        record["phones"] = [person["phone"]] if rng.random() < 0.7 else []
        record["birth_date"] = person["birth"].isoformat() if rng.random() < 0.7 else None
        record["institutions"] = [person["institution"][0]] if rng.random() < 0.8 else []
        return record
    form = rng.choice(["traditional", "given_first", "family_upper_hyphen", "spaced", "initials", "dialect"])
    if form == "traditional":
        record["name_zh"] = surname[1] + "".join(g[1] for g in given)
    elif form == "given_first":
        record["name_en"] = f"{given_pinyin.capitalize()} {surname[2].capitalize()}"
    elif form == "family_upper_hyphen":
        record["name_en"] = f"{surname[2].upper()} {'-'.join(g[2] for g in given).capitalize()}"
    elif form == "spaced":
        record["name_pinyin"] = " ".join([surname[2], *(g[2] for g in given)]).title()
    elif form == "initials":
        record["name_en"] = f"{'.'.join(g[2][0].upper() for g in given)}. {surname[2].capitalize()}"
    else:
        spelling = surname[3] or surname[2].capitalize()
        record["name_en"] = f"{spelling} {' '.join(g[2].capitalize() for g in given)}"
    email_form = rng.choice(["same_upper", "other", "typo", "missing", "same"])
    local, _, domain = person["email"].partition("@")
    if email_form == "same_upper":
        record["emails"] = [person["email"].upper()]
    elif email_form == "other":
        record["emails"] = [f"{given_pinyin}.{surname[2]}@{rng.choice(['nus.edu.sg', 'imperial.ac.uk', 'hku.hk'])}"]
    elif email_form == "typo":
        cut = rng.randint(0, len(local) - 2)
        record["emails"] = [f"{local[:cut]}{local[cut + 1]}{local[cut]}{local[cut + 2 :]}@{domain}"]
    elif email_form == "same":
        record["emails"] = [person["email"]]
    phone_form = rng.choice(["plus86", "spaced", "missing"])
    if phone_form == "plus86":
        record["phones"] = [f"+86 {person['phone']}"]
    elif phone_form == "spaced":
        phone = person["phone"]
        record["phones"] = [f"{phone[:3]} {phone[3:7]} {phone[7:]}"]
    birth = person["birth"]
    birth_form = rng.choice(["same", "swapped", "year", "missing"])
    if birth_form == "same" or (birth_form == "swapped" and birth.day > 12):
        record["birth_date"] = birth.isoformat()
    elif birth_form == "swapped":
        record["birth_date"] = date(birth.year, birth.day, birth.month).isoformat()
    elif birth_form == "year":
        record["birth_year"] = birth.year
    record["institutions"] = [rng.choice(person["institution"])] if rng.random() < 0.7 else []
    return record


def _informative(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Whether the variant keeps at least two fields besides the name (else no one could tell)."""
    fields = [bool(right.get(name)) and bool(left.get(name)) for name in ("emails", "phones", "institutions")]
    fields.append(bool(left.get("birth_date")) and bool(right.get("birth_date") or right.get("birth_year")))
    return sum(fields) >= 2


def generated_pairs(seed: int = GENERATOR_SEED, matches: int = 70, non_matches: int = 70) -> list[dict[str, Any]]:
    """Deterministic labelled pairs: one person in two spellings, and look-alikes who are not."""
    rng = random.Random(seed)
    pairs: list[dict[str, Any]] = []
    number = 0
    while sum(p["match"] for p in pairs) < matches:
        number += 1
        person = _identity(rng, number)
        left = _as_record(rng, person, f"g{number}a", variant=False)
        right = _as_record(rng, person, f"g{number}b", variant=True)
        if _informative(left, right):
            pairs.append(
                {
                    "case": "generated: one person, another spelling",
                    "source": "generated",
                    "match": True,
                    "left": _clean(left),
                    "right": _clean(right),
                }
            )
    kinds = ["same name", "same surname and birth date", "same name and institution", "sibling sharing a phone"]
    while sum(not p["match"] for p in pairs) < non_matches:
        number += 1
        kind = kinds[number % len(kinds)]
        first = _identity(rng, number)
        second = _identity(rng, number + 10_000)
        if kind in ("same name", "same name and institution"):
            second["surname"], second["given"] = first["surname"], first["given"]
        if kind == "same name and institution":
            second["institution"] = first["institution"]
        if kind in ("same surname and birth date", "sibling sharing a phone"):
            second["surname"], second["birth"] = first["surname"], first["birth"]
            if second["given"] == first["given"]:
                continue
        if kind == "sibling sharing a phone":
            second["phone"] = first["phone"]
        left = _as_record(rng, first, f"g{number}a", variant=False)
        right = _as_record(rng, second, f"g{number}b", variant=True)
        pairs.append(
            {
                "case": f"generated: {kind}, different people",
                "source": "generated",
                "match": False,
                "left": _clean(left),
                "right": _clean(right),
            }
        )
    return pairs


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value not in (None, [])}


if __name__ == "__main__":
    data = _load_eval()
    data["pairs"] = [p for p in data["pairs"] if p["source"] != "generated"] + generated_pairs()
    EVAL_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def test_an_index_proposes_exactly_the_pairs_blocking_finds() -> None:
    # given the evaluation set's right-hand records in an index, one by one
    pairs = _load_eval()["pairs"]
    lefts = [_record({**pair["left"], "id": f"l{i}"}) for i, pair in enumerate(pairs)]
    rights = [_record({**pair["right"], "id": f"r{i}"}) for i, pair in enumerate(pairs)]
    index = PersonIndex(rights)
    index.add(rights[0])  # adding a record again changes nothing

    # when each left record asks for its candidates
    found = {(left.id, right.id) for left in lefts for right in index.candidates(left)}

    # then they are the pairs the batch blocking gives, each once
    blocked = {(lefts[i].id, rights[j].id) for i, j in candidate_pairs(lefts, rights)}
    assert found == blocked
    assert len(found) >= len(pairs) // 2
