"""Credit-easy loans over GraphQL: offers with the sizing shown, ranked candidates,
and an application carried from submission to disbursement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.db import session_scope
from api.graphql.ids import decode_id_of
from api.models import AuditEntry, FinancingApplication, PersonalCreditScore, Talent
from api.services import financing
from matching import financing as engine_financing
from matching.credit import CreditLevel

PARK = "火炬高新区"

UPDATE_LOAN_PRODUCT = """
mutation Update($id: ID!, $input: LoanProductInput!) {
  updateLoanProduct(id: $id, input: $input) {
    loanProduct { id name amountCap minTaxRating active }
    userErrors { field message code }
  }
}
"""
RECORD_BID_CONTRACT = """
mutation Contract($enterpriseId: ID!, $input: BidContractInput!) {
  recordBidContract(enterpriseId: $enterpriseId, input: $input) {
    bidContract { title awardingAuthority value awardedOn }
    userErrors { field message code }
  }
}
"""
FINANCING_OPTIONS = """
query Options($enterpriseId: ID!) {
  financingOptions(enterpriseId: $enterpriseId) {
    product { id name bank }
    eligible
    failures
    limit
    sizing { description amount }
    fit
    explanation { component weight similarity contribution detail }
  }
}
"""
RANK = """
query Rank($productId: ID!, $first: Int, $after: String) {
  rankFinancingCandidates(productId: $productId, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      kind name limit fit
      enterprise { id legalName park aliases }
      explanation { component contribution detail }
      sizing { description amount }
    }
  }
}
"""
APPLY = """
mutation Apply($productId: ID!, $enterpriseId: ID!, $amount: Int!) {
  applyForFinancing(productId: $productId, enterpriseId: $enterpriseId, requestedAmount: $amount) {
    financingApplication { id status requestedAmount approvedAmount product { name } enterprise { id } }
    userErrors { field message code }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!, $amount: Int!) {
  approveFinancing(id: $id, amount: $amount) {
    financingApplication { id status approvedAmount decidedAt }
    userErrors { field message code }
  }
}
"""
REJECT = """
mutation Reject($id: ID!, $reason: String!) {
  rejectFinancing(id: $id, reason: $reason) {
    financingApplication { id status rejectionReason }
    userErrors { field message code }
  }
}
"""
DISBURSE = """
mutation Disburse($id: ID!) {
  disburseFinancing(id: $id) {
    financingApplication { id status approvedAmount disbursedAt }
    userErrors { field message code }
  }
}
"""
PRODUCT_STATS = """
query Product($id: ID!) {
  loanProduct(id: $id) { name stats { applied approved rejected disbursed disbursedAmount } }
}
"""
APPLICATIONS = """
query Applications($productId: ID, $status: FinancingStatus) {
  financingApplications(productId: $productId, status: $status, first: 50) {
    totalCount
    nodes { id status requestedAmount enterprise { id } product { id } }
  }
}
"""
LOAN_PRODUCTS = "{ loanProducts { id bank name sizing amountCap eligibleParks minCreditLevel minTaxRating } }"


def offer_for(api: Any, enterprise_id: str, product_id: str) -> dict[str, Any]:
    body = api.execute(FINANCING_OPTIONS, {"enterpriseId": enterprise_id})
    assert "errors" not in body, body
    offers = body["data"]["financingOptions"]
    [offer] = [o for o in offers if o["product"]["id"] == product_id]
    return offer  # type: ignore[no-any-return]


def test_financing_options_show_the_sizing_step_by_step(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given: 1,500,000 yuan of tax and 60 insured employees, in the Torch park, tax rating A
    borrower = new_borrower(year=(1_500_000, 60))
    product = new_loan_product()

    # when
    offer = offer_for(borrower.api, borrower.enterprise_id, product["id"])

    # then
    assert offer["eligible"] and offer["failures"] == []
    assert offer["sizing"] == [
        {"description": "2.0 x annual tax paid 1,500,000 = 3,000,000", "amount": 3_000_000},
        {"description": "+ 20,000 x 60 insured employees = 1,200,000", "amount": 1_200_000},
        {"description": "= 4,200,000", "amount": 4_200_000},
        {"description": "capped at 4,000,000", "amount": 4_000_000},
    ]
    assert offer["limit"] == 4_000_000
    components = {c["component"]: c for c in offer["explanation"]}
    assert components["track_record"]["detail"].startswith("Tax and social insurance: tax rating A;")
    assert components["industry_fit"]["similarity"] == 0.75
    assert offer["fit"] == pytest.approx(sum(c["contribution"] for c in offer["explanation"]), abs=0.01)


def test_eligible_offers_come_first_by_limit(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given
    borrower = new_borrower(year=(500_000, 10))
    new_loan_product(amountCap=3_000_000)

    # when
    body = borrower.api.execute(FINANCING_OPTIONS, {"enterpriseId": borrower.enterprise_id})

    # then
    offers = body["data"]["financingOptions"]
    eligible = [o for o in offers if o["eligible"]]
    assert eligible and offers[: len(eligible)] == eligible
    limits = [o["limit"] for o in eligible]
    assert limits == sorted(limits, reverse=True)
    assert all(o["limit"] == 0 and o["failures"] for o in offers[len(eligible) :])


def test_an_ineligible_product_lists_every_failed_rule(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given: outside any park, tax rating C, no financial year on record
    borrower = new_borrower(park=None, tax_rating="C", year=None)
    product = new_loan_product()

    # when
    offer = offer_for(borrower.api, borrower.enterprise_id, product["id"])

    # then
    assert not offer["eligible"] and offer["limit"] == 0
    assert "tax rating C is below B" in offer["failures"]
    assert f"no park on record (eligible: {PARK})" in offer["failures"]
    assert "no annual tax paid on record" in offer["failures"]
    assert "no insured employees on record" in offer["failures"]
    assert offer["sizing"][-1] == {"description": "not eligible: limit 0", "amount": 0}


def test_a_bid_contract_loan_is_sized_from_the_largest_contract(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given
    borrower = new_borrower(park=None, tax_rating=None, year=None)
    product = new_loan_product(
        sizing="BID_CONTRACT", contractShare=0.3, amountCap=3_000_000, minCreditLevel="C", minTaxRating=None,
        eligibleParks=[],
    )  # fmt: skip
    for value in (2_000_000, 5_000_000):
        contract = {"title": "政务外网扩容", "awardingAuthority": "厦门市大数据管理局", "value": value,
                    "awardedOn": "2026-03-18"}  # fmt: skip
        body = borrower.api.execute(RECORD_BID_CONTRACT, {"enterpriseId": borrower.enterprise_id, "input": contract})
        assert body["data"]["recordBidContract"]["userErrors"] == [], body

    # when
    offer = offer_for(borrower.api, borrower.enterprise_id, product["id"])

    # then
    assert offer["eligible"], offer
    assert offer["sizing"] == [
        {"description": "30% x largest winning-bid contract 5,000,000 = 1,500,000", "amount": 1_500_000}
    ]
    assert offer["limit"] == 1_500_000


def test_financing_options_are_private_to_the_enterprise_and_staff(
    new_borrower: Callable[..., Any],
    employer_api_client: Any,
    talent_api_client: Any,
    bank_api_client: Any,
    anonymous_api_client: Any,
) -> None:
    # given
    borrower = new_borrower()
    variables = {"enterpriseId": borrower.enterprise_id}

    # when
    other_employer = employer_api_client.execute(FINANCING_OPTIONS, variables)
    talent = talent_api_client.execute(FINANCING_OPTIONS, variables)
    anonymous = anonymous_api_client.execute(FINANCING_OPTIONS, variables)
    bank = bank_api_client.execute(FINANCING_OPTIONS, variables)

    # then
    assert other_employer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert talent["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert bank["data"]["financingOptions"]


def _demo_product(api: Any, name: str) -> dict[str, Any]:
    products = api.execute(LOAN_PRODUCTS)["data"]["loanProducts"]
    [product] = [p for p in products if p["name"] == name]
    return product  # type: ignore[no-any-return]


LOAN_PRODUCT = """
query($id: ID!) {
  loanProduct(id: $id) {
    id bank name amountCap termMonths minCreditLevel minTaxRating eligibleChains eligibleParks sizing
    taxMultiplier perInsuredEmployee contractShare fixedAmount active
  }
}
"""


def test_the_demo_offers_the_torch_park_loan_and_a_bid_contract_loan(anonymous_api_client: Any) -> None:
    # when
    park_loan = _demo_product(anonymous_api_client, "火炬园区贷")
    bid_loan = _demo_product(anonymous_api_client, "招投标信易贷")
    startup_loan = _demo_product(anonymous_api_client, "未来产业创业贷")
    details = anonymous_api_client.execute(LOAN_PRODUCT, {"id": park_loan["id"]})["data"]["loanProduct"]
    startup = anonymous_api_client.execute(LOAN_PRODUCT, {"id": startup_loan["id"]})["data"]["loanProduct"]

    # then
    assert details == {
        **park_loan,
        "termMonths": 12,
        "eligibleChains": [],
        "taxMultiplier": 3.0,
        "perInsuredEmployee": 20_000,
        "contractShare": 0.0,
        "fixedAmount": 0,
        "active": True,
    }
    assert startup["sizing"] == "FIXED" and startup["fixedAmount"] == 500_000
    assert "GENE_BIOTECH" in startup["eligibleChains"]
    assert park_loan["bank"] == "交通银行厦门分行" and park_loan["sizing"] == "TAX_SOCIAL_INSURANCE"
    assert park_loan["amountCap"] == 4_000_000 and park_loan["eligibleParks"] == [PARK]
    assert (park_loan["minCreditLevel"], park_loan["minTaxRating"]) == ("B", "B")
    assert bid_loan["sizing"] == "BID_CONTRACT" and bid_loan["minCreditLevel"] == "C"


def test_candidates_for_the_park_loan_are_ranked_and_explained(bank_api_client: Any) -> None:
    # given
    park_loan = _demo_product(bank_api_client, "火炬园区贷")

    # when
    first = bank_api_client.execute(RANK, {"productId": park_loan["id"], "first": 50})
    again = bank_api_client.execute(RANK, {"productId": park_loan["id"], "first": 50})

    # then
    assert "errors" not in first, first
    assert first["data"] == again["data"]  # extensions.cost differs (the throttle bucket drains)
    nodes = first["data"]["rankFinancingCandidates"]["nodes"]
    assert nodes, "the demo has park firms that qualify for the park loan"
    fits = [n["fit"] for n in nodes]
    assert fits == sorted(fits, reverse=True)
    for node in nodes:
        assert node["kind"] == "ENTERPRISE" and node["enterprise"]["park"] == PARK
        assert 0 < node["limit"] <= 4_000_000 and node["sizing"][0]["description"].startswith("3.0 x annual tax paid")
        assert node["fit"] == pytest.approx(sum(c["contribution"] for c in node["explanation"]), abs=0.01)


def test_ranking_pages_follow_one_order(bank_api_client: Any, new_borrower: Callable[..., Any]) -> None:
    # given
    new_borrower()
    park_loan = _demo_product(bank_api_client, "火炬园区贷")
    whole = bank_api_client.execute(RANK, {"productId": park_loan["id"], "first": 100})["data"]
    ranked = [n["name"] for n in whole["rankFinancingCandidates"]["nodes"]]

    # when
    page_one = bank_api_client.execute(RANK, {"productId": park_loan["id"], "first": 2})["data"]
    cursor = page_one["rankFinancingCandidates"]["pageInfo"]["endCursor"]
    page_two = bank_api_client.execute(RANK, {"productId": park_loan["id"], "first": 2, "after": cursor})["data"]

    # then
    paged = [n["name"] for p in (page_one, page_two) for n in p["rankFinancingCandidates"]["nodes"]]
    assert paged == ranked[:4]
    assert whole["rankFinancingCandidates"]["totalCount"] == len(ranked)


def test_only_staff_rank_candidates(
    employer_api_client: Any, anonymous_api_client: Any, credit_api_client: Any
) -> None:
    # given
    park_loan = _demo_product(credit_api_client, "火炬园区贷")

    # when
    employer = employer_api_client.execute(RANK, {"productId": park_loan["id"]})
    anonymous = anonymous_api_client.execute(RANK, {"productId": park_loan["id"]})
    credit_officer = credit_api_client.execute(RANK, {"productId": park_loan["id"]})

    # then
    assert employer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "errors" not in credit_officer


def _audit_actions(engine: Engine, application_pk: int) -> list[str]:
    with session_scope(engine) as session:
        query = (
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == "financing_application", AuditEntry.entity_id == application_pk)
            .order_by(col(AuditEntry.id))
        )
        return list(session.exec(query))


def test_an_application_is_carried_to_disbursement(
    engine: Engine,
    new_borrower: Callable[..., Any],
    new_loan_product: Callable[..., dict[str, Any]],
    bank_api_client: Any,
    second_bank_api_client: Any,
) -> None:
    # given
    borrower = new_borrower()
    product = new_loan_product()

    # when: the enterprise applies, one officer of the bank approves a smaller amount, another pays it out
    applied = borrower.api.execute(
        APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": 3_000_000}
    )["data"]["applyForFinancing"]
    application_id = applied["financingApplication"]["id"]
    approved = bank_api_client.execute(APPROVE, {"id": application_id, "amount": 2_500_000})["data"]
    disbursed = second_bank_api_client.execute(DISBURSE, {"id": application_id})["data"]

    # then
    assert applied["userErrors"] == [] and applied["financingApplication"]["status"] == "SUBMITTED"
    assert approved["approveFinancing"]["financingApplication"]["status"] == "APPROVED"
    assert approved["approveFinancing"]["financingApplication"]["decidedAt"]
    result = disbursed["disburseFinancing"]
    assert result["userErrors"] == []
    assert result["financingApplication"]["status"] == "DISBURSED"
    assert (
        result["financingApplication"]["approvedAmount"] == 2_500_000 and result["financingApplication"]["disbursedAt"]
    )
    stats = bank_api_client.execute(PRODUCT_STATS, {"id": product["id"]})["data"]["loanProduct"]["stats"]
    assert stats == {"applied": 1, "approved": 1, "rejected": 0, "disbursed": 1, "disbursedAmount": 2_500_000}
    assert _audit_actions(engine, decode_id_of(application_id, "FinancingApplication")) == [
        "financing_application.submit",
        "financing_application.approved",
        "financing_application.disbursed",
    ]


def test_a_rejected_application_keeps_its_reason_and_counts_in_the_stats(
    new_borrower: Callable[..., Any],
    new_loan_product: Callable[..., dict[str, Any]],
    bank_api_client: Any,
) -> None:
    # given
    borrower = new_borrower()
    product = new_loan_product()
    applied = borrower.api.execute(
        APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": 1_000_000}
    )["data"]["applyForFinancing"]

    # when
    rejected = bank_api_client.execute(
        REJECT, {"id": applied["financingApplication"]["id"], "reason": "  repayment capacity too low  "}
    )["data"]["rejectFinancing"]

    # then
    assert rejected["financingApplication"]["status"] == "REJECTED"
    assert rejected["financingApplication"]["rejectionReason"] == "repayment capacity too low"
    stats = bank_api_client.execute(PRODUCT_STATS, {"id": product["id"]})["data"]["loanProduct"]["stats"]
    assert stats == {"applied": 1, "approved": 0, "rejected": 1, "disbursed": 0, "disbursedAmount": 0}
    # a rejected application is closed: the enterprise may apply again
    again = borrower.api.execute(
        APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": 800_000}
    )["data"]["applyForFinancing"]
    assert again["userErrors"] == []


@pytest.mark.parametrize("role_client", ["employer_api_client", "credit_api_client", "admin_api_client"])
def test_only_bank_officers_decide_and_disburse(
    role_client: str,
    request: pytest.FixtureRequest,
    new_borrower: Callable[..., Any],
    new_loan_product: Callable[..., dict[str, Any]],
    bank_api_client: Any,
) -> None:
    # given: one submitted and one approved application
    api = request.getfixturevalue(role_client)
    product = new_loan_product()
    ids = []
    for _ in range(2):
        borrower = new_borrower()
        applied = borrower.api.execute(
            APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": 1_000_000}
        )
        ids.append(applied["data"]["applyForFinancing"]["financingApplication"]["id"])
    submitted, approved = ids
    bank_api_client.execute(APPROVE, {"id": approved, "amount": 1_000_000})

    # when
    answers = [
        api.execute(APPROVE, {"id": submitted, "amount": 500_000}),
        api.execute(REJECT, {"id": submitted, "reason": "no"}),
        api.execute(DISBURSE, {"id": approved}),
    ]

    # then
    assert [a["errors"][0]["extensions"]["code"] for a in answers] == ["FORBIDDEN"] * 3
    statuses = bank_api_client.execute(APPLICATIONS, {"productId": product["id"]})["data"]["financingApplications"]
    assert sorted(n["status"] for n in statuses["nodes"]) == ["APPROVED", "SUBMITTED"]


def test_an_employer_sees_only_its_own_enterprise_s_applications(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]], talent_api_client: Any
) -> None:
    # given
    product = new_loan_product()
    mine, theirs = new_borrower(), new_borrower()
    for borrower in (mine, theirs):
        borrower.api.execute(
            APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": 1_000_000}
        )

    # when
    seen = mine.api.execute(APPLICATIONS, {"productId": product["id"]})["data"]["financingApplications"]
    talent = talent_api_client.execute(APPLICATIONS, {"productId": product["id"]})

    # then
    assert [n["enterprise"]["id"] for n in seen["nodes"]] == [mine.enterprise_id]
    assert talent["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_an_application_and_a_product_are_nodes(
    new_borrower: Callable[..., Any],
    new_loan_product: Callable[..., dict[str, Any]],
    employer_api_client: Any,
) -> None:
    # given
    borrower = new_borrower()
    product = new_loan_product()
    applied = borrower.api.execute(
        APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": 1_000_000}
    )["data"]["applyForFinancing"]["financingApplication"]
    node = "query($id: ID!) { node(id: $id) { id ... on FinancingApplication { status } ... on LoanProduct { name } } }"

    # when
    own = borrower.api.execute(node, {"id": applied["id"]})["data"]["node"]
    other = employer_api_client.execute(node, {"id": applied["id"]})["data"]["node"]
    loan = employer_api_client.execute(node, {"id": product["id"]})["data"]["node"]

    # then
    assert own == {"id": applied["id"], "status": "SUBMITTED"}
    assert other is None
    assert loan == {"id": product["id"], "name": product["name"]}


def test_the_demo_has_applications_in_every_status(bank_api_client: Any) -> None:
    # given
    park_loan = _demo_product(bank_api_client, "火炬园区贷")

    # when
    stats = bank_api_client.execute(PRODUCT_STATS, {"id": park_loan["id"]})["data"]["loanProduct"]["stats"]
    statuses = {
        status: bank_api_client.execute(APPLICATIONS, {"status": status})["data"]["financingApplications"]["totalCount"]
        for status in ("SUBMITTED", "APPROVED", "REJECTED", "DISBURSED")
    }

    # then
    assert all(count > 0 for count in statuses.values()), statuses
    assert stats["applied"] >= 7 and stats["disbursed"] >= 3 and stats["disbursedAmount"] >= 8_500_000


def test_the_demo_borrower_gets_the_article_s_four_million_line(log_in_as: Callable[[str, str], Any]) -> None:
    # given
    borrower = log_in_as("borrower@demo.guilu", "guilu-demo")
    enterprise_id = borrower.execute("{ me { enterprise { id park } } }")["data"]["me"]["enterprise"]
    park_loan = _demo_product(borrower, "火炬园区贷")

    # when
    offer = offer_for(borrower, enterprise_id["id"], park_loan["id"])

    # then
    assert enterprise_id["park"] == PARK
    assert offer["eligible"], offer["failures"]
    assert offer["limit"] == 4_000_000
    assert [s["description"] for s in offer["sizing"]] == [
        "3.0 x annual tax paid 1,000,000 = 3,000,000",
        "+ 20,000 x 50 insured employees = 1,000,000",
        "= 4,000,000",
    ]


def test_the_audit_trail_names_the_bank_officer(
    engine: Engine,
    new_borrower: Callable[..., Any],
    new_loan_product: Callable[..., dict[str, Any]],
    bank_api_client: Any,
) -> None:
    # given
    borrower = new_borrower()
    product = new_loan_product()
    applied = borrower.api.execute(
        APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": 1_000_000}
    )["data"]["applyForFinancing"]["financingApplication"]

    # when
    bank_api_client.execute(APPROVE, {"id": applied["id"], "amount": 900_000})

    # then
    pk = decode_id_of(applied["id"], "FinancingApplication")
    with session_scope(engine) as session:
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.entity_type == "financing_application",
                AuditEntry.entity_id == pk,
                AuditEntry.action == "financing_application.approved",
            )
        ).one()
        application = session.get(FinancingApplication, pk)
    assert entry.before is not None and entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("submitted", "approved")
    assert entry.after["approved_amount"] == 900_000
    assert application is not None and application.decided_by == entry.actor_account_id


def test_a_guilu_cup_project_is_judged_on_its_founders_personal_credit(engine: Engine) -> None:
    # given: a project whose two founders have personal credit on record, one from a partner city
    with session_scope(engine) as session:
        founders = [Talent(name_zh="林创"), Talent(name_zh="陈业")]
        session.add_all(founders)
        session.flush()
        scores = [(720.0, "xiamen", 720.0), (500.0, "ningbo", 650.0)]
        for talent, (score, city, home) in zip(founders, scores, strict=True):
            assert talent.id is not None
            session.add(PersonalCreditScore(talent_id=talent.id, score=score, source_city=city, home_score=home))
        session.flush()
        project = financing.CupProject(
            id=1, name="多重RNA定量精准肿瘤治疗", founder_talent_ids=tuple(t.id for t in founders if t.id),
            competition_score=92.0, award="一等奖", industry_chain="gene_biotech",
        )  # fmt: skip
        loan = engine_financing.LoanProduct(
            1, "厦门鹭岛商业银行", "未来产业创业贷", 500_000, 24, CreditLevel.B, frozenset({"gene_biotech"}),
            frozenset(), engine_financing.SizingRule.FIXED, fixed_amount=500_000,
        )  # fmt: skip

        # when
        [facts] = financing.project_facts(session, [project])
        offer = engine_financing.evaluate(loan, facts)
        session.rollback()

    # then
    assert facts.kind == "project" and sorted(facts.founder_personal_scores) == [650.0, 720.0]
    assert offer.eligible and offer.limit == 500_000
    components = {c.component: c for c in offer.components}
    assert components["track_record"].detail == "Guilu Cup score 92, award: 一等奖"
    assert components["credit_standing"].similarity == pytest.approx((685.0 - 350.0) / 600.0)
