# Chinese names and text use full-width punctuation on purpose.
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.company import CompanyName, canonical_company_name


@pytest.mark.parametrize(
    ("name", "core", "qualifier"),
    [
        ("招商银行股份有限公司厦门分行", "招商银行", "厦门分行"),
        ("招商银行厦门分行", "招商银行", "厦门分行"),
        ("招商銀行（廈門分行）", "招商银行", "厦门分行"),
        ("中国银行厦门市湖里支行", "中国银行", "厦门市湖里支行"),
        ("招商银行莲前支行", "招商银行", "莲前支行"),
        ("Bank of X Xiamen Branch", "bank of x", "xiamen branch"),
        ("Bank of X Co., Ltd. Xiamen Branch", "bank of x", "xiamen branch"),
        ("Acme Inc. Xiamen Representative Office", "acme", "xiamen representative office"),
    ],
)
def test_branch_qualifier_is_kept(name: str, core: str, qualifier: str) -> None:
    # when
    result = canonical_company_name(name)

    # then
    assert (result.core, result.qualifier, result.original) == (core, qualifier, name)


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("厦门钨业股份有限公司", "厦门钨业"),
        ("厦门钨业（集团）有限公司", "厦门钨业"),
        ("招商局集团有限公司", "招商局"),
        ("有限责任公司厦门松霖科技有限责任公司", "有限责任公司厦门松霖科技"),
        ("Xiamen Tungsten Co., Ltd.", "xiamen tungsten"),
        ("Acme Corporation", "acme"),
        ("Acme GmbH", "acme"),
        ("Acme PLC", "acme"),
        ("Acme LLC", "acme"),
        ("Acme S.A.", "acme"),
        ("Acme Limited", "acme"),
    ],
)
def test_legal_forms_are_stripped(name: str, core: str) -> None:
    assert canonical_company_name(name).core == core


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("中国建设银行股份有限公司", "建设银行"),
        ("福建省厦门市海辰储能科技股份有限公司", "海辰储能科技"),
        ("厦门国际银行股份有限公司", "国际银行"),
        ("戴尔（中国）有限公司", "戴尔"),
        ("ABB（厦门）开关有限公司", "abb 开关"),
        ("China Merchants Bank", "merchants bank"),
        ("Fujian Xiamen Acme Robotics Ltd", "acme robotics"),
    ],
)
def test_leading_and_parenthesised_places_are_stripped(name: str, core: str) -> None:
    assert canonical_company_name(name).core == core


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("中国银行股份有限公司", "中国银行"),
        ("厦门银行股份有限公司", "厦门银行"),
        ("厦门钨业股份有限公司", "厦门钨业"),
        ("厦门大学", "厦门大学"),
        ("Xiamen Airlines", "xiamen airlines"),
    ],
)
def test_place_is_kept_when_the_rest_names_no_one(name: str, core: str) -> None:
    assert canonical_company_name(name).core == core


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("有限公司", "有限公司"),
        ("厦门", "厦门"),
        ("厦门分行", "厦门分行"),
        ("Co., Ltd.", "co ltd"),
        ("China", "china"),
    ],
)
def test_core_is_never_stripped_empty(name: str, core: str) -> None:
    assert canonical_company_name(name) == CompanyName(core=core, qualifier=None, original=name)


def test_blank_name_has_empty_core() -> None:
    assert canonical_company_name("  （）").core == ""


_NAME_PARTS = st.sampled_from(
    [
        "厦门",
        "厦门市",
        "中国",
        "福建省",
        "思明区",
        "招商",
        "银行",
        "钨业",
        "海辰",
        "储能",
        "科技",
        "集团",
        "股份有限公司",
        "有限公司",
        "分行",
        "支行",
        "分公司",
        "（厦门）",
        "（集团）",
        "Xiamen",
        "China",
        "Bank",
        "of",
        "X",
        "Co.,",
        "Ltd.",
        "Inc.",
        "Group",
        "Branch",
        "S.A.",
        " ",
        "(",
        ")",
        "銀行",
    ]
)


@settings(max_examples=200)
@given(st.lists(_NAME_PARTS, max_size=8).map("".join) | st.text(max_size=20))
def test_canonicalisation_is_idempotent_on_its_core(name: str) -> None:
    # given
    first = canonical_company_name(name)

    # when
    second = canonical_company_name(first.core)

    # then
    assert second.core == first.core
    assert second.qualifier is None


@settings(max_examples=200)
@given(st.lists(_NAME_PARTS, min_size=1, max_size=8).map("".join))
def test_core_is_empty_only_for_names_without_letters_or_digits(name: str) -> None:
    assert bool(canonical_company_name(name).core) == any(ch.isalnum() for ch in name)
