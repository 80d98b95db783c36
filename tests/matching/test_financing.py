from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.credit import CreditLevel, TaxRating
from matching.financing import (
    AWARD_FLOOR,
    DEFAULT_BORROWER_KINDS,
    FIT_WEIGHTS,
    FOUNDER_SCORE_FLOOR,
    BorrowerFacts,
    BorrowerKind,
    LoanProduct,
    Offer,
    SizingRule,
    StartUpTest,
    classify_borrower,
    evaluate,
    financing_options,
    rank_financing_candidates,
)

TODAY = date(2026, 12, 8)

TORCH_PARK_LOAN = LoanProduct(
    id=1,
    bank="Bank of Egret",
    name="Torch park loan",
    amount_cap=4_000_000,
    term_months=12,
    min_credit_level=CreditLevel.B,
    eligible_chains=frozenset({"electronic_information", "biomedicine", "third_gen_semiconductors"}),
    eligible_parks=frozenset({"torch_high_tech_zone"}),
    sizing=SizingRule.TAX_SOCIAL_INSURANCE,
    tax_multiplier=2.0,
    per_insured_employee=20_000,
    min_tax_rating=TaxRating.B,
)
BID_LOAN = LoanProduct(
    id=2,
    bank="Bank of Egret",
    name="Bid-contract loan",
    amount_cap=3_000_000,
    term_months=6,
    min_credit_level=CreditLevel.C,
    eligible_chains=frozenset(),
    eligible_parks=frozenset(),
    sizing=SizingRule.BID_CONTRACT,
    contract_share=0.3,
)
START_UP_LOAN = LoanProduct(
    id=3,
    bank="Lujiang Bank",
    name="Returnee start-up loan",
    amount_cap=1_000_000,
    term_months=24,
    min_credit_level=CreditLevel.B,
    eligible_chains=frozenset(),
    eligible_parks=frozenset(),
    sizing=SizingRule.FIXED,
    fixed_amount=500_000,
)
FIRM = BorrowerFacts(
    id=10,
    kind=BorrowerKind.ENTERPRISE,
    name="Egret Semiconductor (fictional)",
    credit_level=CreditLevel.B,
    credit_score=735.0,
    verified=True,
    blocking_reasons=(),
    industry_chain="third_gen_semiconductors",
    park="torch_high_tech_zone",
    annual_tax_paid=1_500_000,
    tax_rating=TaxRating.B,
    insured_employees=60,
    bid_contract_values=(800_000, 2_000_000, 1_500_000),
    founded_on=date(2015, 3, 2),
)
PROJECT = BorrowerFacts(
    id=10,
    kind=BorrowerKind.PROJECT,
    name="Multiplex RNA quantification",
    credit_level=None,
    credit_score=None,
    verified=False,
    blocking_reasons=(),
    industry_chain="gene_biotech",
    park=None,
    annual_tax_paid=None,
    tax_rating=None,
    insured_employees=None,
    founder_personal_scores=(820.0, 700.0),
    competition_score=92.5,
    competition_award="first prize",
    competition="Guilu Cup, 2nd edition",
)


def steps(offer: Offer) -> list[tuple[str, int]]:
    return [(step.description, step.amount) for step in offer.steps]


# --- sizing --------------------------------------------------------------------------------------


def test_torch_park_loan_sizes_a_realistic_firm_to_a_capped_four_million_line() -> None:
    offer = evaluate(TORCH_PARK_LOAN, FIRM)

    assert offer.eligible and offer.failures == ()
    assert offer.limit == 4_000_000
    assert steps(offer) == [
        ("2.0 x annual tax paid 1,500,000 = 3,000,000", 3_000_000),
        ("+ 20,000 x 60 insured employees = 1,200,000", 1_200_000),
        ("= 4,200,000", 4_200_000),
        ("capped at 4,000,000", 4_000_000),
    ]


def test_torch_park_loan_below_the_cap_is_the_sum() -> None:
    smaller = dataclasses.replace(FIRM, annual_tax_paid=1_200_000, insured_employees=35)

    offer = evaluate(TORCH_PARK_LOAN, smaller)

    assert offer.limit == 3_100_000
    assert [d for d, _ in steps(offer)] == [
        "2.0 x annual tax paid 1,200,000 = 2,400,000",
        "+ 20,000 x 35 insured employees = 700,000",
        "= 3,100,000",
    ]


def test_bid_contract_loan_takes_a_share_of_the_largest_contract() -> None:
    offer = evaluate(BID_LOAN, FIRM)

    assert offer.limit == 600_000
    assert steps(offer) == [("30% x largest winning-bid contract 2,000,000 = 600,000", 600_000)]


def test_bid_contract_loan_is_capped() -> None:
    offer = evaluate(BID_LOAN, dataclasses.replace(FIRM, bid_contract_values=(50_000_000,)))

    assert offer.limit == 3_000_000
    assert steps(offer)[-1] == ("capped at 3,000,000", 3_000_000)


def test_fixed_loan_gives_its_amount() -> None:
    offer = evaluate(START_UP_LOAN, FIRM)

    assert (offer.limit, steps(offer)) == (500_000, [("fixed amount 500,000", 500_000)])


# --- eligibility ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "change", "failure"),
    [
        (TORCH_PARK_LOAN, {"tax_rating": TaxRating.C}, "tax rating C is below B"),
        (TORCH_PARK_LOAN, {"tax_rating": TaxRating.M}, "tax rating M is below B"),
        (TORCH_PARK_LOAN, {"tax_rating": None}, "no tax rating on record (minimum B)"),
        (TORCH_PARK_LOAN, {"credit_level": CreditLevel.C}, "credit level C is below the minimum B"),
        (TORCH_PARK_LOAN, {"credit_level": None}, "no credit level on record (minimum B)"),
        (
            TORCH_PARK_LOAN,
            {"industry_chain": "new_energy"},
            "industry chain new_energy is not eligible "
            "(eligible: biomedicine, electronic_information, third_gen_semiconductors)",
        ),
        (
            TORCH_PARK_LOAN,
            {"industry_chain": None},
            "no industry chain on record (eligible: biomedicine, electronic_information, third_gen_semiconductors)",
        ),
        (
            TORCH_PARK_LOAN,
            {"park": "software_park"},
            "park software_park is not eligible (eligible: torch_high_tech_zone)",
        ),
        (TORCH_PARK_LOAN, {"annual_tax_paid": None}, "no annual tax paid on record"),
        (TORCH_PARK_LOAN, {"insured_employees": None}, "no insured employees on record"),
        (TORCH_PARK_LOAN, {"annual_tax_paid": 0, "insured_employees": 0}, "the sizing gives a credit line of 0"),
        (BID_LOAN, {"bid_contract_values": ()}, "no winning-bid contract on record"),
        (
            START_UP_LOAN,
            {"blocking_reasons": ("listed as a dishonest judgment debtor (失信被执行人) since 2026-01-05",)},
            "listed as a dishonest judgment debtor (失信被执行人) since 2026-01-05",
        ),
    ],
)
def test_each_failed_rule_is_named(product: LoanProduct, change: dict[str, object], failure: str) -> None:
    offer = evaluate(product, dataclasses.replace(FIRM, **change))  # type: ignore[arg-type]

    assert not offer.eligible
    assert offer.failures == (failure,)
    assert offer.limit == 0
    assert steps(offer)[-1] == ("not eligible: limit 0", 0)


def test_every_failure_is_listed_not_just_the_first() -> None:
    weak = dataclasses.replace(
        FIRM, credit_level=CreditLevel.D, tax_rating=TaxRating.D, park=None, blocking_reasons=("listed",)
    )

    failures = evaluate(TORCH_PARK_LOAN, weak).failures

    assert failures == (
        "listed",
        "credit level D is below the minimum B",
        "tax rating D is below B",
        "no park on record (eligible: torch_high_tech_zone)",
    )


def test_a_project_without_a_credit_level_is_judged_on_its_founders() -> None:
    assert evaluate(START_UP_LOAN, PROJECT).eligible

    weak_founder = dataclasses.replace(PROJECT, founder_personal_scores=(820.0, 540.0))
    assert evaluate(START_UP_LOAN, weak_founder).failures == (
        f"founders' lowest personal credit 540.0 is below {FOUNDER_SCORE_FLOOR:g} "
        "(a project without an enterprise credit level is judged on its founders)",
    )
    no_founders = dataclasses.replace(PROJECT, founder_personal_scores=())
    assert evaluate(START_UP_LOAN, no_founders).failures == (
        "no enterprise credit level and no founders' personal credit on record",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"amount_cap": -1},
        {"contract_share": 1.5},
        {"term_months": 0},
        {"fixed_amount": 0},
        {"sizing": SizingRule.BID_CONTRACT},
        {"tax_multiplier": float("nan")},
    ],
)
def test_inconsistent_products_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="loan product 3"):
        dataclasses.replace(START_UP_LOAN, **change)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change", [{"annual_tax_paid": -1}, {"bid_contract_values": (-5,)}, {"competition_score": 101.0}]
)
def test_inconsistent_facts_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="borrower enterprise 10"):
        dataclasses.replace(FIRM, **change)  # type: ignore[arg-type]


# --- borrower kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uscc", "name", "kind"),
    [
        ("11350200MB0000000X", "厦门火炬高技术产业开发区管理委员会", BorrowerKind.GOVERNMENT_ORGAN),
        ("12350000426600329J", "厦门大学", BorrowerKind.PUBLIC_INSTITUTION),
        ("12350200MB0000000X", "厦门市第一医院", BorrowerKind.PUBLIC_INSTITUTION),
        ("13350200MB0000000X", "厦门市归国华侨联合会", BorrowerKind.SOCIAL_ORGANISATION),
        ("51350200MJ0000000X", "厦门市留学人员联谊会", BorrowerKind.SOCIAL_ORGANISATION),
        ("52350200MJ0000000X", "厦门市鹭岛职业培训学校", BorrowerKind.SOCIAL_ORGANISATION),
        ("53350200MJ0000000X", "厦门市鹭岛慈善基金会", BorrowerKind.SOCIAL_ORGANISATION),
        ("81350200MC0000000X", "厦门鹭能电池科技有限公司工会委员会", BorrowerKind.SOCIAL_ORGANISATION),
        ("91350200MA2Y0ABC7C", "厦门鹭能电池科技有限公司", BorrowerKind.ENTERPRISE),
        ("91350200MA2Y0ABC7C", "厦门屿信金融信息服务有限公司", BorrowerKind.ENTERPRISE),
        ("91350200MA2Y0ABC7C", "厦门嘉信投资咨询有限公司", BorrowerKind.ENTERPRISE),
        ("91350200MA2Y0ABC7C", "交通银行股份有限公司厦门分行", BorrowerKind.FINANCIAL_INSTITUTION),
        ("91350200MA2Y0ABC7C", "上海浦东发展银行股份有限公司厦门分行", BorrowerKind.FINANCIAL_INSTITUTION),
        ("91350200MA2Y0ABC7C", "中国人寿保险股份有限公司厦门市分公司", BorrowerKind.FINANCIAL_INSTITUTION),
        ("91350200MA2Y0ABC7C", "厦门鹭泓融资租赁有限公司", BorrowerKind.FINANCIAL_INSTITUTION),
        ("91350200MA2Y0ABC7C", "厦门鹭瑾商业保理有限公司", BorrowerKind.FINANCIAL_INSTITUTION),
        ("91350200MA2Y0ABC7C", "厦门市思明区鹭岛小额贷款有限公司", BorrowerKind.FINANCIAL_INSTITUTION),
        ("92350200MA2Y0ABC7C", "厦门市湖里区鹭味小吃店", BorrowerKind.INDIVIDUAL_BUSINESS),
        ("93350200MA2Y0ABC7C", "厦门市同安区鹭田茶叶专业合作社", BorrowerKind.FARMERS_COOPERATIVE),
        ("N2350200MF0000000X", "厦门市翔安区鹭溪村股份经济合作社", BorrowerKind.COLLECTIVE_ECONOMY),
        ("31350000MD0000000X", "福建鹭岛律师事务所", BorrowerKind.OTHER_ORGANISATION),
        ("Y1350200MB0000000X", "厦门某某组织", BorrowerKind.OTHER_ORGANISATION),
    ],
)
def test_the_uscc_and_the_legal_name_tell_what_a_borrower_is(uscc: str, name: str, kind: BorrowerKind) -> None:
    assert classify_borrower(uscc, name)[0] is kind


def test_the_kind_says_its_basis() -> None:
    assert classify_borrower("12350000426600329J", "厦门大学") == (BorrowerKind.PUBLIC_INSTITUTION, "its USCC type 12")
    assert classify_borrower("91350200MA2Y0ABC7C", "厦门鹭泓融资租赁有限公司") == (
        BorrowerKind.FINANCIAL_INSTITUTION,
        "its USCC type 91 and 融资租赁 in its name",
    )


@pytest.mark.parametrize(
    ("kind", "basis", "failure"),
    [
        (
            BorrowerKind.PUBLIC_INSTITUTION,
            "its USCC type 12",
            "a public institution (事业单位) by its USCC type 12: this product lends to enterprises and Guilu Cup "
            "start-up projects only",
        ),
        (
            BorrowerKind.FINANCIAL_INSTITUTION,
            "its USCC type 91 and 银行 in its name",
            "a financial institution by its USCC type 91 and 银行 in its name: this product lends to enterprises and "
            "Guilu Cup start-up projects only",
        ),
        (
            BorrowerKind.GOVERNMENT_ORGAN,
            "its USCC type 11",
            "a government organ (机关) by its USCC type 11: this product lends to enterprises and Guilu Cup "
            "start-up projects only",
        ),
        (
            BorrowerKind.FARMERS_COOPERATIVE,
            "its USCC type 93",
            "a farmers' cooperative (农民专业合作社) by its USCC type 93: this product lends to enterprises and "
            "Guilu Cup start-up projects only",
        ),
    ],
)
def test_a_product_lends_only_to_its_kinds_of_borrower(kind: BorrowerKind, basis: str, failure: str) -> None:
    # given: a borrower that would qualify on every other rule
    other = dataclasses.replace(FIRM, kind=kind, kind_basis=basis)

    # when
    offer = evaluate(BID_LOAN, other, today=TODAY)
    opened = evaluate(dataclasses.replace(BID_LOAN, borrower_kinds=frozenset({kind})), other, today=TODAY)

    # then
    assert BID_LOAN.borrower_kinds == DEFAULT_BORROWER_KINDS
    assert offer.failures == (failure,) and offer.limit == 0
    assert opened.eligible and opened.limit == 600_000


def test_a_product_lends_to_at_least_one_kind() -> None:
    with pytest.raises(ValueError, match="at least one kind"):
        dataclasses.replace(BID_LOAN, borrower_kinds=frozenset())


# --- start-up products ---------------------------------------------------------------------------

START_UP_ONLY = dataclasses.replace(
    START_UP_LOAN,
    start_up=StartUpTest(max_age_years=5, max_insured_employees=50, max_annual_tax=500_000),
)
YOUNG_FIRM = dataclasses.replace(
    FIRM, founded_on=date(2023, 5, 1), annual_tax_paid=160_000, insured_employees=12, tax_rating=TaxRating.M
)


def test_a_start_up_product_takes_young_small_firms_and_projects() -> None:
    assert evaluate(START_UP_ONLY, YOUNG_FIRM, today=TODAY).eligible
    assert evaluate(START_UP_ONLY, PROJECT, today=TODAY).eligible
    on_the_day = dataclasses.replace(YOUNG_FIRM, founded_on=date(2021, 12, 8))
    assert evaluate(START_UP_ONLY, on_the_day, today=TODAY).eligible


def test_a_large_old_firm_is_no_start_up_and_each_reason_is_named() -> None:
    # given: the review's 鹭氢氢能: 3,000,000 yuan of tax, 159 insured employees
    hydrogen = dataclasses.replace(
        FIRM, founded_on=date(2014, 10, 12), annual_tax_paid=3_000_000, insured_employees=159
    )

    # when
    offer = evaluate(START_UP_ONLY, hydrogen, today=TODAY)

    # then
    assert offer.failures == (
        "founded on 2014-10-12, not a start-up (a start-up product lends to enterprises founded within 5 years)",
        "insured employees 159: above the start-up limit of 50",
        "annual tax paid 3,000,000: above the start-up limit of 500,000",
    )
    assert evaluate(START_UP_LOAN, hydrogen, today=TODAY).eligible, "a product without a start-up test takes it"


def test_a_start_up_product_needs_a_founding_date() -> None:
    unknown = dataclasses.replace(YOUNG_FIRM, founded_on=None)
    a_day_too_old = dataclasses.replace(YOUNG_FIRM, founded_on=date(2021, 12, 7))

    assert evaluate(START_UP_ONLY, unknown, today=TODAY).failures == (
        "no founding date on record (a start-up product lends to enterprises founded within 5 years)",
    )
    assert not evaluate(START_UP_ONLY, a_day_too_old, today=TODAY).eligible


def test_a_start_up_test_needs_a_year() -> None:
    with pytest.raises(ValueError, match="at least 1 year"):
        StartUpTest(max_age_years=0)


# --- Guilu Cup projects --------------------------------------------------------------------------


def test_a_project_of_an_unfinalised_competition_is_left_out_saying_why() -> None:
    pending = dataclasses.replace(PROJECT, competition_score=None, competition_award=None, competition_finalised=False)
    eliminated = dataclasses.replace(PROJECT, competition_score=None, competition_award=None)

    assert evaluate(START_UP_LOAN, pending, today=TODAY).failures == (
        "Guilu Cup, 2nd edition is not finalised: the project's result is not frozen yet",
    )
    assert evaluate(START_UP_LOAN, eliminated, today=TODAY).failures == (
        "no final result in Guilu Cup, 2nd edition: the project did not reach the final round",
    )


def test_a_project_outside_the_product_s_chains_is_left_out_saying_why() -> None:
    targeted = dataclasses.replace(START_UP_LOAN, eligible_chains=frozenset({"third_gen_semiconductors"}))

    assert evaluate(targeted, PROJECT, today=TODAY).failures == (
        "industry chain gene_biotech is not eligible (eligible: third_gen_semiconductors)",
    )


# --- fit -----------------------------------------------------------------------------------------


def test_fit_is_the_weighted_sum_of_explained_components() -> None:
    offer = evaluate(TORCH_PARK_LOAN, FIRM)
    parts = {c.component: c for c in offer.components}

    assert sum(FIT_WEIGHTS.values()) == 100
    assert list(parts) == list(FIT_WEIGHTS) == ["credit_standing", "track_record", "industry_fit"]
    assert offer.fit == round(sum(c.contribution for c in offer.components), 2)
    assert parts["industry_fit"].similarity == 1.0
    assert parts["credit_standing"].similarity == 0.735
    assert parts["credit_standing"].detail == "Credit score 735.0 of 1000, level B, credit-verified"
    assert parts["track_record"].similarity == pytest.approx(0.4 * 0.75 + 0.2 + 0.4)
    assert parts["track_record"].detail == (
        "Tax and social insurance: tax rating B; annual tax paid 1,500,000 yuan (full from 1,000,000); "
        "60 insured employees (full from 50)"
    )


def test_enterprises_and_projects_are_explained_by_the_same_components() -> None:
    firm = {c.component: c for c in evaluate(START_UP_LOAN, FIRM).components}
    project = {c.component: c for c in evaluate(START_UP_LOAN, PROJECT).components}

    assert list(firm) == list(project)
    assert project["credit_standing"].similarity == pytest.approx((760.0 - 350.0) / 600.0)
    assert project["credit_standing"].detail == "Founders' mean personal credit 760.0 on the 350-950 scale"
    assert project["track_record"].similarity == 0.925
    assert project["track_record"].detail == "Guilu Cup score 92.5, award: first prize (Guilu Cup, 2nd edition)"


def test_a_competition_award_lifts_the_track_record() -> None:
    low_score = dataclasses.replace(PROJECT, competition_score=40.0)

    lifted = {c.component: c for c in evaluate(START_UP_LOAN, low_score).components}

    assert lifted["track_record"].similarity == AWARD_FLOOR


def test_an_award_winning_project_outranks_a_weak_enterprise_and_a_strong_one_outranks_it() -> None:
    # given: on a product open to all chains
    weak = dataclasses.replace(
        FIRM, id=1, credit_level=CreditLevel.C, credit_score=600.0, tax_rating=TaxRating.C, annual_tax_paid=100_000,
        insured_employees=10,
    )  # fmt: skip
    strong = dataclasses.replace(FIRM, id=2, credit_level=CreditLevel.A, credit_score=850.0, tax_rating=TaxRating.A)
    open_loan = dataclasses.replace(START_UP_LOAN, min_credit_level=CreditLevel.C)

    # when
    ranking = rank_financing_candidates(open_loan, [weak, PROJECT, strong], today=TODAY)

    # then
    assert [(c.offer.borrower_kind, c.offer.borrower_id) for c in ranking.candidates] == [
        (BorrowerKind.ENTERPRISE, 2),
        (BorrowerKind.PROJECT, 10),
        (BorrowerKind.ENTERPRISE, 1),
    ]


# --- ranking -------------------------------------------------------------------------------------


def test_financing_options_rank_eligible_by_limit_then_ineligible_by_id() -> None:
    other_torch = dataclasses.replace(TORCH_PARK_LOAN, id=9, min_credit_level=CreditLevel.A)

    offers = financing_options([START_UP_LOAN, other_torch, BID_LOAN, TORCH_PARK_LOAN], FIRM)

    assert [(o.product_id, o.eligible, o.limit) for o in offers] == [
        (1, True, 4_000_000),
        (2, True, 600_000),
        (3, True, 500_000),
        (9, False, 0),
    ]


def test_equal_limits_rank_by_fit_then_product_id() -> None:
    twins = [dataclasses.replace(START_UP_LOAN, id=i) for i in (8, 4, 6)]
    targeted = dataclasses.replace(START_UP_LOAN, id=7, eligible_chains=frozenset({"third_gen_semiconductors"}))

    offers = financing_options([*twins, targeted], FIRM)

    assert [o.product_id for o in offers] == [7, 4, 6, 8]
    assert offers[0].fit > offers[1].fit


def test_rank_financing_candidates_keeps_eligible_ones_best_fit_first_and_lists_the_others() -> None:
    weaker = dataclasses.replace(FIRM, id=11, credit_level=CreditLevel.C, credit_score=610.0)
    blocked = dataclasses.replace(FIRM, id=12, blocking_reasons=("listed",))
    twin = dataclasses.replace(FIRM, id=3)
    university = dataclasses.replace(FIRM, id=13, kind=BorrowerKind.PUBLIC_INSTITUTION)
    pending = dataclasses.replace(PROJECT, id=4, competition_finalised=False)

    ranking = rank_financing_candidates(BID_LOAN, [weaker, blocked, FIRM, pending, twin, PROJECT, university])

    assert [(o.offer.borrower_kind, o.offer.borrower_id) for o in ranking.candidates] == [
        (BorrowerKind.ENTERPRISE, 3),
        (BorrowerKind.ENTERPRISE, 10),
        (BorrowerKind.ENTERPRISE, 11),
    ]
    assert [c.rank for c in ranking.candidates] == [1, 2, 3]
    assert [(o.borrower_kind, o.borrower_id) for o in ranking.exclusions] == [
        (BorrowerKind.PROJECT, 4),
        (BorrowerKind.PROJECT, 10),
        (BorrowerKind.ENTERPRISE, 12),
        (BorrowerKind.PUBLIC_INSTITUTION, 13),
    ]
    project = ranking.exclusions[1]
    assert project.failures == ("no winning-bid contract on record",)
    assert ranking.exclusions[2].failures == ("listed",)


def test_each_candidate_says_why_it_stands_where_it_does() -> None:
    second = dataclasses.replace(FIRM, id=2, name="Second", tax_rating=TaxRating.C)
    third = dataclasses.replace(FIRM, id=3, name="Third", tax_rating=TaxRating.C, credit_score=600.0)
    tied = dataclasses.replace(third, id=4, name="Tied")

    standings = [c.standing for c in rank_financing_candidates(START_UP_LOAN, [third, tied, FIRM, second]).candidates]

    assert standings == [
        "Rank 1 of 4, fit 80.40, the highest: 8.00 above Second, leading most on track record "
        "(36.0 against 28.0 of 40)",
        "Rank 2 of 4, fit 72.40, 8.00 below Egret Semiconductor (fictional), which leads most on track record "
        "(36.0 against 28.0 of 40)",
        "Rank 3 of 4, fit 67.00, 5.40 below Second, which leads most on credit standing (29.4 against 24.0 of 40)",
        "Rank 4 of 4, fit 67.00, the same as Third; Third comes first on kind and id",
    ]
    alone = rank_financing_candidates(START_UP_LOAN, [FIRM]).candidates[0].standing
    assert alone == "Rank 1 of 1, fit 80.40, the only eligible borrower"


def test_rankings_are_deterministic_under_input_order() -> None:
    candidates = [dataclasses.replace(FIRM, id=i, credit_score=700.0 + i % 3) for i in range(12)]
    products = [dataclasses.replace(START_UP_LOAN, id=i) for i in range(6)] + [TORCH_PARK_LOAN, BID_LOAN]
    shuffled_candidates, shuffled_products = list(candidates), list(products)
    random.Random(7).shuffle(shuffled_candidates)
    random.Random(7).shuffle(shuffled_products)

    assert rank_financing_candidates(BID_LOAN, shuffled_candidates) == rank_financing_candidates(BID_LOAN, candidates)
    assert financing_options(shuffled_products, FIRM) == financing_options(products, FIRM)


# --- properties ----------------------------------------------------------------------------------

levels = st.sampled_from(CreditLevel)
money = st.integers(0, 50_000_000)
kinds = st.sampled_from(BorrowerKind)


@st.composite
def products(draw: st.DrawFn) -> LoanProduct:
    sizing = draw(st.sampled_from(SizingRule))
    tax_multiplier = draw(st.floats(0, 5, allow_nan=False))
    per_employee = draw(st.integers(0, 100_000))
    if sizing is SizingRule.TAX_SOCIAL_INSURANCE and not (tax_multiplier or per_employee):
        per_employee = 10_000
    start_up = st.builds(
        StartUpTest,
        max_age_years=st.integers(1, 10),
        max_insured_employees=st.none() | st.integers(0, 200),
        max_annual_tax=st.none() | money,
    )
    return LoanProduct(
        id=draw(st.integers(1, 20)),
        bank="Bank",
        name="Loan",
        amount_cap=draw(money),
        term_months=12,
        min_credit_level=draw(levels),
        eligible_chains=draw(st.frozensets(st.sampled_from(["a", "b", "c"]), max_size=2)),
        eligible_parks=draw(st.frozensets(st.sampled_from(["p", "q"]), max_size=1)),
        sizing=sizing,
        tax_multiplier=tax_multiplier,
        per_insured_employee=per_employee,
        contract_share=draw(st.floats(0.01, 1)),
        fixed_amount=draw(st.integers(1, 5_000_000)),
        min_tax_rating=draw(st.none() | st.sampled_from(TaxRating)),
        borrower_kinds=draw(st.frozensets(kinds, min_size=1)),
        start_up=draw(st.none() | start_up),
    )


borrowers = st.builds(
    BorrowerFacts,
    id=st.integers(1, 20),
    kind=kinds,
    name=st.just("Borrower"),
    credit_level=st.none() | levels,
    credit_score=st.none() | st.floats(0, 1000),
    verified=st.booleans(),
    blocking_reasons=st.lists(st.just("listed"), max_size=1).map(tuple),
    industry_chain=st.none() | st.sampled_from(["a", "b", "c"]),
    park=st.none() | st.sampled_from(["p", "q"]),
    annual_tax_paid=st.none() | money,
    tax_rating=st.none() | st.sampled_from(TaxRating),
    insured_employees=st.none() | st.integers(0, 5000),
    bid_contract_values=st.lists(money, max_size=3).map(tuple),
    founder_personal_scores=st.lists(st.floats(350, 950), max_size=3).map(tuple),
    competition_score=st.none() | st.floats(0, 100),
    competition_award=st.none() | st.just("second prize"),
    competition_finalised=st.booleans(),
    founded_on=st.none() | st.dates(date(2000, 1, 1), TODAY),
)


@settings(max_examples=200, deadline=None)
@given(product=products(), facts=borrowers)
def test_limit_is_within_zero_and_the_cap(product: LoanProduct, facts: BorrowerFacts) -> None:
    offer = evaluate(product, facts, today=TODAY)

    assert 0 <= offer.limit <= product.amount_cap
    assert 0 <= offer.fit <= 100
    assert offer.eligible == (not offer.failures) == (offer.limit > 0)
    if facts.kind not in product.borrower_kinds:
        assert not offer.eligible


@settings(max_examples=200, deadline=None)
@given(product=products(), facts=borrowers, better=levels, worse=levels)
def test_a_better_credit_level_never_lowers_fit_or_eligibility(
    product: LoanProduct, facts: BorrowerFacts, better: CreditLevel, worse: CreditLevel
) -> None:
    if not better.meets(worse):
        better, worse = worse, better

    good = evaluate(product, dataclasses.replace(facts, credit_level=better), today=TODAY)
    bad = evaluate(product, dataclasses.replace(facts, credit_level=worse), today=TODAY)

    assert good.fit >= bad.fit
    assert good.eligible or not bad.eligible
    assert good.limit >= bad.limit


@settings(max_examples=200, deadline=None)
@given(product=products(), facts=borrowers, days=st.integers(1, 3000))
def test_an_older_founding_date_never_helps_on_a_start_up_product(
    product: LoanProduct, facts: BorrowerFacts, days: int
) -> None:
    if facts.founded_on is None:
        return
    older = dataclasses.replace(facts, founded_on=facts.founded_on - timedelta(days=days))

    assert evaluate(product, facts, today=TODAY).eligible or not evaluate(product, older, today=TODAY).eligible


@settings(max_examples=100, deadline=None)
@given(product=products(), candidates=st.lists(borrowers, max_size=8), seed=st.randoms(use_true_random=False))
def test_candidate_ranking_is_ordered_order_independent_and_accounts_for_everyone(
    product: LoanProduct, candidates: list[BorrowerFacts], seed: random.Random
) -> None:
    shuffled = list(candidates)
    seed.shuffle(shuffled)
    distinct = {(c.kind, c.id) for c in candidates}

    ranking = rank_financing_candidates(product, candidates, today=TODAY)
    again = rank_financing_candidates(product, shuffled, today=TODAY)

    ranked = [c.offer for c in ranking.candidates]
    assert [(o.fit, o.limit) for o in ranked] == [(c.offer.fit, c.offer.limit) for c in again.candidates]
    keys = [(-o.fit, -o.limit, o.borrower_kind, o.borrower_id) for o in ranked]
    assert keys == sorted(keys)
    assert all(o.eligible for o in ranked) and not any(o.eligible for o in ranking.exclusions)
    assert {(o.borrower_kind, o.borrower_id) for o in [*ranked, *ranking.exclusions]} == distinct
    assert all(c.standing.startswith(f"Rank {c.rank} of {len(ranked)}, ") for c in ranking.candidates)
