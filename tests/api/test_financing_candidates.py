"""Financing candidates over GraphQL (issue #14): only the borrowers a product lends to, start-up tests,
enterprises and Guilu Cup projects on one explained scale, and the left-out ones with their reasons."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from api.db import session_scope
from api.graphql.ids import decode_id_of
from api.models import Competition, CupResult, Entry, EntryMember, PersonalCreditScore
from api.timeutil import utcnow

RANK = """
query Rank($productId: ID!, $first: Int, $after: String) {
  rankFinancingCandidates(productId: $productId, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      kind name rank standing limit fit
      enterprise { id legalName foundedOn }
      explanation { component weight similarity contribution detail }
    }
  }
}
"""
EXCLUSIONS = """
query Exclusions($productId: ID!, $kind: BorrowerKind, $first: Int, $after: String) {
  financingExclusions(productId: $productId, kind: $kind, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { kind name reasons enterprise { id legalName uscc } }
  }
}
"""
LOAN_PRODUCTS = (
    "{ loanProducts { id bank name borrowerKinds startUp { maxAgeYears maxInsuredEmployees maxAnnualTax } } }"
)
UPDATE_LOAN_PRODUCT = """
mutation Update($id: ID!, $input: LoanProductInput!) {
  updateLoanProduct(id: $id, input: $input) {
    loanProduct { id active borrowerKinds startUp { maxAgeYears maxInsuredEmployees maxAnnualTax } }
    userErrors { field message code }
  }
}
"""
REGISTER_ENTERPRISE = """
mutation Register($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { enterprise { id foundedOn } userErrors { field message code } }
}
"""
START_UP_LOAN = "未来产业创业贷"
NOT_BORROWERS = ("厦门大学", "银行", "管理委员会", "合作社", "融资租赁", "保理")


def _all(api: Any, query: str, field: str, variables: dict[str, Any]) -> Iterator[dict[str, Any]]:
    after: str | None = None
    while True:
        body = api.execute(query, {**variables, "first": 100, "after": after})
        assert "errors" not in body, body
        page = body["data"][field]
        yield from page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def _product(api: Any, name: str) -> dict[str, Any]:
    [product] = [p for p in api.execute(LOAN_PRODUCTS)["data"]["loanProducts"] if p["name"] == name]
    return product  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def open_loan(new_loan_product: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The review's test product: every chain and park, minimum level D, a fixed line."""
    return new_loan_product(
        sizing="FIXED", fixedAmount=500_000, amountCap=500_000, eligibleParks=[], minCreditLevel="D", minTaxRating=None
    )


def _cup_project(
    engine: Engine,
    new_talent: Callable[..., Any],
    *,
    track: str,
    finalised: bool,
    founder_score: float | None = 800.0,
    aggregate: float | None = 92.0,
    award: str | None = "一等奖",
) -> str:
    """A Guilu Cup project (its lead founding it) in a competition of its own; its title."""
    lead = decode_id_of(new_talent().talent_id, "Talent")
    title = f"测试项目{uuid.uuid4().hex[:8]}"
    with session_scope(engine) as session:
        competition = Competition(
            name=f"测试杯{uuid.uuid4().hex[:6]}",
            edition=1,
            year=2026,
            submission_deadline=datetime(2026, 6, 30, tzinfo=UTC),
            status="finalised" if finalised else "open",
            finalised_at=utcnow() if finalised else None,
        )
        session.add(competition)
        session.flush()
        assert competition.id is not None
        entry = Entry(competition_id=competition.id, lead_talent_id=lead, title=title, track=track, stage="prototype")
        session.add(entry)
        session.flush()
        assert entry.id is not None
        session.add(EntryMember(entry_id=entry.id, talent_id=lead, is_lead=True, accepted_at=utcnow()))
        if finalised and aggregate is not None:
            session.add(
                CupResult(
                    competition_id=competition.id, entry_id=entry.id, rank=1, aggregate=aggregate,
                    raw_mean=aggregate, method="mean", judges_counted=5, award=award,
                )
            )  # fmt: skip
        if founder_score is not None:
            session.add(
                PersonalCreditScore(talent_id=lead, score=founder_score, source_city="xiamen", home_score=founder_score)
            )
    return title


def test_only_the_borrowers_a_product_lends_to_are_ranked(credit_api_client: Any, open_loan: dict[str, Any]) -> None:
    # when: the product open to every chain and park at level D (where the review found 厦门大学, two banks,
    # two cooperatives and the torch zone's management committee ranked)
    ranked = list(_all(credit_api_client, RANK, "rankFinancingCandidates", {"productId": open_loan["id"]}))
    excluded = list(_all(credit_api_client, EXCLUSIONS, "financingExclusions", {"productId": open_loan["id"]}))

    # then
    assert open_loan["borrowerKinds"] == ["ENTERPRISE", "PROJECT"]
    assert ranked and {n["kind"] for n in ranked} <= {"ENTERPRISE", "PROJECT"}
    assert not [n["name"] for n in ranked if any(word in n["name"] for word in NOT_BORROWERS)]
    kinds = {n["name"]: (n["kind"], n["reasons"][0]) for n in excluded}
    assert kinds["厦门大学"] == (
        "PUBLIC_INSTITUTION",
        "a public institution (事业单位) by its USCC type 12: this product lends to enterprises and Guilu Cup "
        "start-up projects only",
    )
    assert kinds["交通银行股份有限公司厦门分行"][0] == "FINANCIAL_INSTITUTION"
    assert kinds["上海浦东发展银行股份有限公司厦门分行"][1].startswith(
        "a financial institution by its USCC type 91 and 银行 in its name:"
    )
    assert kinds["厦门火炬高技术产业开发区管理委员会"][0] == "GOVERNMENT_ORGAN"
    assert kinds["厦门市同安区鹭田茶叶专业合作社"][0] == "FARMERS_COOPERATIVE"
    assert kinds["厦门市翔安区鹭溪村股份经济合作社"][0] == "COLLECTIVE_ECONOMY"
    assert kinds["厦门鹭泓融资租赁有限公司"][0] == "FINANCIAL_INSTITUTION"
    assert "厦门屿信金融信息服务有限公司" in {n["name"] for n in ranked}, "a fintech service firm lends nothing"


def test_a_product_for_other_kinds_ranks_them(
    credit_api_client: Any, new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given: a loan for public institutions only
    product = new_loan_product(
        sizing="FIXED", fixedAmount=500_000, eligibleParks=[], minTaxRating=None, borrowerKinds=["PUBLIC_INSTITUTION"]
    )

    # when
    ranked = list(_all(credit_api_client, RANK, "rankFinancingCandidates", {"productId": product["id"]}))

    # then
    assert product["borrowerKinds"] == ["PUBLIC_INSTITUTION"]
    assert [(n["kind"], n["name"]) for n in ranked] == [("PUBLIC_INSTITUTION", "厦门大学")]


def test_the_demo_start_up_loan_ranks_young_small_firms_and_says_why_a_large_one_is_left_out(
    credit_api_client: Any,
) -> None:
    # given
    loan = _product(credit_api_client, START_UP_LOAN)
    five_years_ago = date.today() - timedelta(days=5 * 365 + 2)

    # when
    ranked = list(_all(credit_api_client, RANK, "rankFinancingCandidates", {"productId": loan["id"]}))
    excluded = {
        n["name"]: n["reasons"]
        for n in _all(credit_api_client, EXCLUSIONS, "financingExclusions", {"productId": loan["id"]})
    }

    # then
    assert loan["startUp"] == {"maxAgeYears": 5, "maxInsuredEmployees": 50, "maxAnnualTax": 500_000}
    enterprises = [n for n in ranked if n["kind"] == "ENTERPRISE"]
    assert enterprises, "the demo has young future-industry firms"
    assert all(date.fromisoformat(n["enterprise"]["foundedOn"]) >= five_years_ago for n in enterprises)
    hydrogen = excluded["厦门鹭氢氢能科技有限公司"]
    assert hydrogen[0].startswith("founded on ") and hydrogen[0].endswith(
        ", not a start-up (a start-up product lends to enterprises founded within 5 years)"
    )
    assert hydrogen[1:] == [
        "insured employees 159: above the start-up limit of 50",
        "annual tax paid 3,000,000: above the start-up limit of 500,000",
    ]


def test_an_award_winning_project_outranks_weak_enterprises_on_one_explained_scale(
    engine: Engine, credit_api_client: Any, open_loan: dict[str, Any], new_talent: Callable[..., Any]
) -> None:
    # given: a finalised first-prize project whose founder has good personal credit
    title = _cup_project(engine, new_talent, track="gene_biotech", finalised=True)

    # when
    ranked = list(_all(credit_api_client, RANK, "rankFinancingCandidates", {"productId": open_loan["id"]}))

    # then: it is not last by construction; enterprises with a weaker record rank below it
    [project] = [n for n in ranked if n["name"] == title]
    below = ranked[project["rank"] :]
    assert project["kind"] == "PROJECT" and project["enterprise"] is None
    assert [n for n in below if n["kind"] == "ENTERPRISE"], "weaker enterprises rank below the project"
    assert all(n["fit"] <= project["fit"] for n in below)
    parts = {c["component"]: c for c in project["explanation"]}
    assert parts["credit_standing"]["detail"] == "Founders' mean personal credit 800.0 on the 350-950 scale"
    assert parts["track_record"]["detail"].startswith("Guilu Cup score 92, award: 一等奖 (")
    # the same three components for every candidate: no enterprise loses points on a competition it never entered
    assert {tuple(c["component"] for c in n["explanation"]) for n in ranked} == {
        ("credit_standing", "track_record", "industry_fit")
    }
    for node in ranked:
        assert node["standing"].startswith(f"Rank {node['rank']} of {len(ranked)}, fit {node['fit']:.2f}")
        assert node["fit"] == pytest.approx(sum(c["contribution"] for c in node["explanation"]), abs=0.01)
    above = ranked[project["rank"] - 2]
    assert f"below {above['name']}, which leads most on " in project["standing"]


def test_a_left_out_project_says_why(engine: Engine, credit_api_client: Any, new_talent: Callable[..., Any]) -> None:
    # given: the demo start-up loan (the six future industries); a first-prize project in biomedicine, a project
    # of a competition still open, one whose founder has no personal credit on record
    loan = _product(credit_api_client, START_UP_LOAN)
    first_prize = _cup_project(engine, new_talent, track="biomedicine", finalised=True)
    pending = _cup_project(engine, new_talent, track="gene_biotech", finalised=False, aggregate=None)
    unknown = _cup_project(engine, new_talent, track="gene_biotech", finalised=True, founder_score=None)

    # when
    projects = {
        n["name"]: n
        for n in _all(
            credit_api_client, EXCLUSIONS, "financingExclusions", {"productId": loan["id"], "kind": "PROJECT"}
        )
    }
    ranked = {n["name"] for n in _all(credit_api_client, RANK, "rankFinancingCandidates", {"productId": loan["id"]})}

    # then
    assert {first_prize, pending, unknown}.isdisjoint(ranked)
    assert projects[first_prize]["reasons"] == [
        "industry chain biomedicine is not eligible (eligible: deep_sea_aerospace, frontier_materials, "
        "future_networks, gene_biotech, hydrogen_energy_storage, third_gen_semiconductors)"
    ]
    [reason] = projects[pending]["reasons"]
    assert reason.endswith(" is not finalised: the project's result is not frozen yet")
    assert projects[unknown]["reasons"] == ["no enterprise credit level and no founders' personal credit on record"]
    assert all(n["kind"] == "PROJECT" and n["enterprise"] is None for n in projects.values())


def test_the_demo_cup_projects_wait_for_the_competition_to_be_finalised(credit_api_client: Any) -> None:
    # given
    loan = _product(credit_api_client, START_UP_LOAN)

    # when
    projects = list(
        _all(credit_api_client, EXCLUSIONS, "financingExclusions", {"productId": loan["id"], "kind": "PROJECT"})
    )

    # then
    [organoid] = [n for n in projects if n["name"] == "基于类器官的药物筛选芯片"]
    assert organoid["reasons"] == [
        '厦门"归鹭杯"留学人才创新创业大赛 第2届 (2024) is not finalised: the project\'s result is not frozen yet'
    ]


def test_an_inactive_product_ranks_nobody(
    credit_api_client: Any, bank_api_client: Any, new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given
    product = new_loan_product()
    updated = bank_api_client.execute(UPDATE_LOAN_PRODUCT, {"id": product["id"], "input": {"active": False}})
    assert updated["data"]["updateLoanProduct"]["userErrors"] == [], updated

    # when
    ranked = credit_api_client.execute(RANK, {"productId": product["id"]})
    excluded = credit_api_client.execute(EXCLUSIONS, {"productId": product["id"]})

    # then
    for body in (ranked, excluded):
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND"
        assert error["message"] == (
            f"{product['name']} is inactive: it is not offered, so nobody is ranked for it "
            "(updateLoanProduct with active: true offers it again)"
        )


def test_only_staff_see_the_exclusions(
    employer_api_client: Any,
    anonymous_api_client: Any,
    bank_api_client: Any,
    credit_api_client: Any,
    open_loan: dict[str, Any],
) -> None:
    # given: the start-up loan is another bank's (厦门鹭岛商业银行) than bank@'s
    other_bank = _product(credit_api_client, START_UP_LOAN)

    # when
    employer = employer_api_client.execute(EXCLUSIONS, {"productId": open_loan["id"]})
    anonymous = anonymous_api_client.execute(EXCLUSIONS, {"productId": open_loan["id"]})
    foreign = bank_api_client.execute(EXCLUSIONS, {"productId": other_bank["id"]})
    own = bank_api_client.execute(EXCLUSIONS, {"productId": open_loan["id"], "first": 1})

    # then
    assert employer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert foreign["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert own["data"]["financingExclusions"]["totalCount"] > 0


def test_a_product_s_borrower_kinds_and_start_up_test_are_checked(
    bank_api_client: Any, new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given
    product = new_loan_product()

    # when
    set_test = bank_api_client.execute(
        UPDATE_LOAN_PRODUCT,
        {"id": product["id"], "input": {"startUp": {"maxAgeYears": 3, "maxInsuredEmployees": 20}}},
    )["data"]["updateLoanProduct"]
    no_kind = bank_api_client.execute(UPDATE_LOAN_PRODUCT, {"id": product["id"], "input": {"borrowerKinds": []}})
    no_year = bank_api_client.execute(
        UPDATE_LOAN_PRODUCT, {"id": product["id"], "input": {"startUp": {"maxAgeYears": 0}}}
    )
    removed = bank_api_client.execute(UPDATE_LOAN_PRODUCT, {"id": product["id"], "input": {"startUp": None}})

    # then
    assert set_test["userErrors"] == []
    assert set_test["loanProduct"]["startUp"] == {"maxAgeYears": 3, "maxInsuredEmployees": 20, "maxAnnualTax": None}
    assert no_kind["data"]["updateLoanProduct"]["userErrors"] == [
        {
            "field": "borrowerKinds",
            "message": "borrowerKinds must name at least one kind of borrower",
            "code": "INVALID",
        }
    ]
    assert no_year["data"]["updateLoanProduct"]["userErrors"] == [
        {"field": "startUp.maxAgeYears", "message": "startUp.maxAgeYears must be between 1 and 50", "code": "INVALID"}
    ]
    assert removed["data"]["updateLoanProduct"]["loanProduct"]["startUp"] is None


def test_an_enterprise_is_registered_with_its_founding_date(
    admin_api_client: Any, fresh_uscc: Callable[[], str]
) -> None:
    # given
    base = {"legalName": f"厦门测试{uuid.uuid4().hex[:8]}科技有限公司", "industryChain": "NEW_ENERGY"}

    # when
    future = admin_api_client.execute(
        REGISTER_ENTERPRISE,
        {"input": {**base, "uscc": fresh_uscc(), "foundedOn": (date.today() + timedelta(days=2)).isoformat()}},
    )["data"]["registerEnterprise"]
    founded = admin_api_client.execute(
        REGISTER_ENTERPRISE, {"input": {**base, "uscc": fresh_uscc(), "foundedOn": "2024-03-15"}}
    )["data"]["registerEnterprise"]

    # then
    assert future["enterprise"] is None
    assert future["userErrors"][0]["field"] == "foundedOn" and future["userErrors"][0]["code"] == "INVALID"
    assert founded["userErrors"] == [] and founded["enterprise"]["foundedOn"] == "2024-03-15"
