from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.credit import CreditLevel, TaxRating
from matching.financing import (
    AWARD_FLOOR,
    FIT_WEIGHTS,
    FOUNDER_SCORE_FLOOR,
    BorrowerFacts,
    LoanProduct,
    Offer,
    SizingRule,
    evaluate,
    financing_options,
    rank_financing_candidates,
)

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
    kind="enterprise",
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
    founder_personal_scores=(760.0, 690.0),
)
PROJECT = BorrowerFacts(
    id=10,
    kind="project",
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


# --- fit -----------------------------------------------------------------------------------------


def test_fit_is_the_weighted_sum_of_explained_components() -> None:
    offer = evaluate(TORCH_PARK_LOAN, FIRM)
    parts = {c.component: c for c in offer.components}

    assert sum(FIT_WEIGHTS.values()) == 100
    assert list(parts) == list(FIT_WEIGHTS)
    assert offer.fit == round(sum(c.contribution for c in offer.components), 2)
    assert parts["industry_fit"].similarity == 1.0
    assert parts["tax_paid"].similarity == 1.0
    assert parts["social_insurance"].similarity == 1.0
    assert parts["credit_level"].detail == "Credit level B, credit-verified"
    assert parts["founders_credit"].detail == "Founders' mean personal credit 725.0 on the 350-950 scale"
    assert parts["competition"].similarity == 0.0


def test_a_competition_award_lifts_the_fit() -> None:
    parts = {c.component: c for c in evaluate(START_UP_LOAN, PROJECT).components}

    assert parts["competition"].similarity == 0.925
    assert parts["competition"].detail == "Guilu Cup score 92.5, award: first prize"
    low_score = dataclasses.replace(PROJECT, competition_score=40.0)
    lifted = {c.component: c for c in evaluate(START_UP_LOAN, low_score).components}
    assert lifted["competition"].similarity == AWARD_FLOOR


def test_unknown_founders_are_neutral() -> None:
    parts = {
        c.component: c
        for c in evaluate(START_UP_LOAN, dataclasses.replace(FIRM, founder_personal_scores=())).components
    }

    assert parts["founders_credit"].similarity == 0.5


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


def test_rank_financing_candidates_keeps_eligible_ones_best_fit_first() -> None:
    weaker = dataclasses.replace(FIRM, id=11, credit_level=CreditLevel.C)
    blocked = dataclasses.replace(FIRM, id=12, blocking_reasons=("listed",))
    twin = dataclasses.replace(FIRM, id=3)
    project_twin = dataclasses.replace(FIRM, id=3, kind="project")

    ranked = rank_financing_candidates(BID_LOAN, [weaker, blocked, FIRM, project_twin, twin, PROJECT])

    assert [(o.borrower_kind, o.borrower_id) for o in ranked] == [
        ("enterprise", 3),
        ("enterprise", 10),
        ("project", 3),
        ("enterprise", 11),
    ]
    assert all(o.eligible for o in ranked)


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


@st.composite
def products(draw: st.DrawFn) -> LoanProduct:
    sizing = draw(st.sampled_from(SizingRule))
    tax_multiplier = draw(st.floats(0, 5, allow_nan=False))
    per_employee = draw(st.integers(0, 100_000))
    if sizing is SizingRule.TAX_SOCIAL_INSURANCE and not (tax_multiplier or per_employee):
        per_employee = 10_000
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
    )


borrowers = st.builds(
    BorrowerFacts,
    id=st.integers(1, 20),
    kind=st.sampled_from(["enterprise", "project"]),
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
)


@settings(max_examples=200, deadline=None)
@given(product=products(), facts=borrowers)
def test_limit_is_within_zero_and_the_cap(product: LoanProduct, facts: BorrowerFacts) -> None:
    offer = evaluate(product, facts)

    assert 0 <= offer.limit <= product.amount_cap
    assert 0 <= offer.fit <= 100
    assert offer.eligible == (not offer.failures) == (offer.limit > 0)


@settings(max_examples=200, deadline=None)
@given(product=products(), facts=borrowers, better=levels, worse=levels)
def test_a_better_credit_level_never_lowers_fit_or_eligibility(
    product: LoanProduct, facts: BorrowerFacts, better: CreditLevel, worse: CreditLevel
) -> None:
    if not better.meets(worse):
        better, worse = worse, better

    good = evaluate(product, dataclasses.replace(facts, credit_level=better))
    bad = evaluate(product, dataclasses.replace(facts, credit_level=worse))

    assert good.fit >= bad.fit
    assert good.eligible or not bad.eligible
    assert good.limit >= bad.limit


@settings(max_examples=100, deadline=None)
@given(product=products(), candidates=st.lists(borrowers, max_size=8), seed=st.randoms(use_true_random=False))
def test_candidate_ranking_is_ordered_and_order_independent(
    product: LoanProduct, candidates: list[BorrowerFacts], seed: random.Random
) -> None:
    shuffled = list(candidates)
    seed.shuffle(shuffled)

    ranked = rank_financing_candidates(product, candidates)

    assert [(o.fit, o.limit) for o in ranked] == [
        (o.fit, o.limit) for o in rank_financing_candidates(product, shuffled)
    ]
    keys = [(-o.fit, -o.limit, o.borrower_kind, o.borrower_id) for o in ranked]
    assert keys == sorted(keys)
    assert all(o.eligible for o in ranked)
