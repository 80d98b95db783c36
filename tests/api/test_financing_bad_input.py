"""Bad financing input gets a clear error and changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from api.graphql.ids import encode_global_id

CREATE_LOAN_PRODUCT = """
mutation Create($input: LoanProductInput!) {
  createLoanProduct(input: $input) { loanProduct { id name } userErrors { field message code } }
}
"""
UPDATE_LOAN_PRODUCT = """
mutation Update($id: ID!, $input: LoanProductInput!) {
  updateLoanProduct(id: $id, input: $input) {
    loanProduct { id name minTaxRating } userErrors { field message code }
  }
}
"""
PRODUCT = "query($id: ID!) { loanProduct(id: $id) { name amountCap contractShare minTaxRating active } }"
APPLY = """
mutation Apply($productId: ID!, $enterpriseId: ID!, $amount: Int!) {
  applyForFinancing(productId: $productId, enterpriseId: $enterpriseId, requestedAmount: $amount) {
    financingApplication { id status }
    userErrors { field message code }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!, $amount: Int!) {
  approveFinancing(id: $id, amount: $amount) {
    financingApplication { status approvedAmount } userErrors { field message code }
  }
}
"""
REJECT = """
mutation Reject($id: ID!, $reason: String!) {
  rejectFinancing(id: $id, reason: $reason) { financingApplication { status } userErrors { field message code } }
}
"""
DISBURSE = """
mutation Disburse($id: ID!) {
  disburseFinancing(id: $id) { financingApplication { status } userErrors { field message code } }
}
"""
APPLICATION = "query($id: ID!) { node(id: $id) { ... on FinancingApplication { status approvedAmount } } }"
APPLICATIONS = """
query($productId: ID) { financingApplications(productId: $productId) { totalCount nodes { status } } }
"""
RECORD_FINANCIAL_YEAR = """
mutation Year($enterpriseId: ID!, $year: Int!, $taxPaid: Int!, $insured: Int!) {
  recordFinancialYear(enterpriseId: $enterpriseId, year: $year, taxPaid: $taxPaid, insuredEmployees: $insured) {
    financialYear { year } userErrors { field message code }
  }
}
"""
RECORD_BID_CONTRACT = """
mutation Contract($enterpriseId: ID!, $input: BidContractInput!) {
  recordBidContract(enterpriseId: $enterpriseId, input: $input) { bidContract { value } userErrors { field code } }
}
"""
OPTIONS = "query($id: ID!) { financingOptions(enterpriseId: $id) { product { id } limit sizing { amount } } }"
UNKNOWN_PRODUCT = encode_global_id("LoanProduct", 2**31 - 2)
UNKNOWN_APPLICATION = encode_global_id("FinancingApplication", 2**31 - 2)


def _error(payload: dict[str, Any]) -> dict[str, Any]:
    [error] = payload["userErrors"]
    return error  # type: ignore[no-any-return]


def _applications(api: Any, product_id: str) -> list[str]:
    body = api.execute(APPLICATIONS, {"productId": product_id})
    return [n["status"] for n in body["data"]["financingApplications"]["nodes"]]


def _apply(borrower: Any, product: dict[str, Any], amount: int) -> dict[str, Any]:
    body = borrower.api.execute(
        APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": amount}
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["applyForFinancing"]
    return payload


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-1, "requestedAmount must be more than 0 yuan"),
        (0, "requestedAmount must be more than 0 yuan"),
        (4_000_001, "requestedAmount 4,000,001 is above the product cap of 4,000,000 yuan"),
    ],
)
def test_a_requested_amount_outside_0_to_the_cap_is_refused(
    amount: int,
    message: str,
    new_borrower: Callable[..., Any],
    new_loan_product: Callable[..., dict[str, Any]],
    bank_api_client: Any,
) -> None:
    # given
    borrower = new_borrower()
    product = new_loan_product()

    # when
    payload = _apply(borrower, product, amount)

    # then
    assert payload["financingApplication"] is None
    assert _error(payload) == {"field": "requestedAmount", "message": message, "code": "INVALID"}
    assert _applications(bank_api_client, product["id"]) == []


def test_applying_for_an_unknown_product_is_refused(new_borrower: Callable[..., Any]) -> None:
    # given
    borrower = new_borrower()

    # when
    payload = _apply(borrower, {"id": UNKNOWN_PRODUCT}, 1_000)

    # then
    assert _error(payload)["code"] == "NOT_FOUND" and _error(payload)["field"] == "productId"


def test_a_malformed_id_is_bad_user_input(new_borrower: Callable[..., Any]) -> None:
    # given
    borrower = new_borrower()

    # when
    body = borrower.api.execute(APPLY, {"productId": "nope", "enterpriseId": borrower.enterprise_id, "amount": 1})

    # then
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_an_ineligible_enterprise_is_told_every_failed_rule(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]], bank_api_client: Any
) -> None:
    # given
    borrower = new_borrower(park=None, tax_rating="C")
    product = new_loan_product()

    # when
    payload = _apply(borrower, product, 1_000_000)

    # then
    error = _error(payload)
    assert error["code"] == "INVALID" and error["field"] == "productId"
    assert error["message"] == (
        f"the enterprise is not eligible for {product['name']}: credit level C is below the minimum B; "
        "tax rating C is below B; "
        "no park on record (eligible: 火炬高新区)"
    )
    assert _applications(bank_api_client, product["id"]) == []


def test_one_open_application_per_enterprise_and_product(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]], bank_api_client: Any
) -> None:
    # given
    borrower = new_borrower()
    product = new_loan_product()
    _apply(borrower, product, 1_000_000)

    # when
    payload = _apply(borrower, product, 2_000_000)

    # then
    assert _error(payload)["code"] == "DUPLICATE"
    assert _applications(bank_api_client, product["id"]) == ["SUBMITTED"]


def test_an_employer_cannot_apply_for_another_enterprise(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]], bank_api_client: Any
) -> None:
    # given
    borrower, other = new_borrower(), new_borrower()
    product = new_loan_product()

    # when
    body = borrower.api.execute(
        APPLY, {"productId": product["id"], "enterpriseId": other.enterprise_id, "amount": 1_000_000}
    )

    # then
    assert _error(body["data"]["applyForFinancing"])["code"] == "FORBIDDEN"
    assert _applications(bank_api_client, product["id"]) == []


@pytest.fixture
def submitted(
    new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]]
) -> tuple[dict[str, Any], str]:
    """A product and a submitted application for 1,000,000 yuan."""
    product = new_loan_product()
    payload = _apply(new_borrower(), product, 1_000_000)
    return product, payload["financingApplication"]["id"]


def _status(api: Any, application_id: str) -> dict[str, Any]:
    node: dict[str, Any] = api.execute(APPLICATION, {"id": application_id})["data"]["node"]
    return node


def test_deciding_twice_is_an_invalid_transition(bank_api_client: Any, submitted: tuple[dict[str, Any], str]) -> None:
    # given
    _, application_id = submitted
    bank_api_client.execute(APPROVE, {"id": application_id, "amount": 800_000})

    # when
    again = bank_api_client.execute(APPROVE, {"id": application_id, "amount": 900_000})["data"]["approveFinancing"]
    rejected = bank_api_client.execute(REJECT, {"id": application_id, "reason": "late"})["data"]["rejectFinancing"]

    # then
    assert _error(again) == {
        "field": "id",
        "message": "an application cannot move from approved to approved (only submitted applications can be approved)",
        "code": "INVALID_TRANSITION",
    }
    assert _error(rejected)["code"] == "INVALID_TRANSITION"
    assert _status(bank_api_client, application_id) == {"status": "APPROVED", "approvedAmount": 800_000}


def test_disbursing_a_rejected_or_submitted_application_is_refused(
    bank_api_client: Any, submitted: tuple[dict[str, Any], str], new_borrower: Callable[..., Any]
) -> None:
    # given
    product, application_id = submitted
    bank_api_client.execute(REJECT, {"id": application_id, "reason": "insufficient repayment capacity"})
    still_submitted = _apply(new_borrower(), product, 500_000)["financingApplication"]["id"]

    # when
    rejected = bank_api_client.execute(DISBURSE, {"id": application_id})["data"]["disburseFinancing"]
    early = bank_api_client.execute(DISBURSE, {"id": still_submitted})["data"]["disburseFinancing"]

    # then
    assert _error(rejected)["code"] == _error(early)["code"] == "INVALID_TRANSITION"
    assert "only approved applications can be disbursed" in _error(rejected)["message"]
    assert sorted(_applications(bank_api_client, product["id"])) == ["REJECTED", "SUBMITTED"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "amount must be more than 0 yuan"),
        (-5, "amount must be more than 0 yuan"),
        (1_000_001, "amount 1,000,001 is above the requested 1,000,000 yuan"),
    ],
)
def test_an_approval_outside_0_to_the_requested_amount_is_refused(
    amount: int, message: str, bank_api_client: Any, submitted: tuple[dict[str, Any], str]
) -> None:
    # given
    _, application_id = submitted

    # when
    payload = bank_api_client.execute(APPROVE, {"id": application_id, "amount": amount})["data"]["approveFinancing"]

    # then
    assert _error(payload) == {"field": "amount", "message": message, "code": "INVALID"}
    assert _status(bank_api_client, application_id) == {"status": "SUBMITTED", "approvedAmount": None}


def test_a_rejection_needs_a_reason(bank_api_client: Any, submitted: tuple[dict[str, Any], str]) -> None:
    # given
    _, application_id = submitted

    # when
    payload = bank_api_client.execute(REJECT, {"id": application_id, "reason": "   "})["data"]["rejectFinancing"]

    # then
    assert _error(payload) == {"field": "reason", "message": "reason must not be empty", "code": "INVALID"}
    assert _status(bank_api_client, application_id)["status"] == "SUBMITTED"


def test_deciding_an_unknown_application_is_not_found(bank_api_client: Any) -> None:
    # when
    payload = bank_api_client.execute(DISBURSE, {"id": UNKNOWN_APPLICATION})["data"]["disburseFinancing"]

    # then
    assert _error(payload)["code"] == "NOT_FOUND"


def _product_input(**fields: Any) -> dict[str, Any]:
    return {
        "bank": "交通银行厦门分行",  # the demo bank officer's bank
        "name": f"测试贷{uuid.uuid4().hex[:8]}",
        "amountCap": 1_000_000,
        "termMonths": 12,
        "minCreditLevel": "C",
        "sizing": "BID_CONTRACT",
        "contractShare": 0.3,
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"contractShare": 1.5}, "contractShare", "contractShare must be between 0 and 1 (0.3 is 30%)"),
        ({"contractShare": 0.0}, "contractShare", "bid_contract sizing needs contractShare above 0"),
        ({"amountCap": -1}, "amountCap", "amountCap must be more than 0 yuan"),
        ({"amountCap": 0}, "amountCap", "amountCap must be more than 0 yuan"),
        ({"termMonths": 0}, "termMonths", "termMonths must be between 1 and 360"),
        ({"bank": "  "}, "bank", "bank must not be empty"),
        ({"sizing": "FIXED"}, "fixedAmount", "fixed sizing needs fixedAmount above 0"),
        ({"sizing": "TAX_SOCIAL_INSURANCE"}, "taxMultiplier",
         "tax_social_insurance sizing needs taxMultiplier or perInsuredEmployee above 0"),
        ({"taxMultiplier": -1.0}, "taxMultiplier", "taxMultiplier must be between 0 and 100"),
        ({"eligibleParks": ["火炬高新区", " "]}, "eligibleParks", "eligibleParks must not be empty"),
        ({"name": None}, "name", "a new loan product needs name"),
    ],
)  # fmt: skip
def test_a_bad_loan_product_is_refused_with_the_field_at_fault(
    fields: dict[str, Any], field: str, message: str, bank_api_client: Any, anonymous_api_client: Any
) -> None:
    # given
    product_input = _product_input(**fields)

    # when
    payload = bank_api_client.execute(CREATE_LOAN_PRODUCT, {"input": product_input})["data"]["createLoanProduct"]

    # then
    assert payload["loanProduct"] is None
    assert _error(payload) == {"field": field, "message": message, "code": "INVALID"}
    names = [p["name"] for p in anonymous_api_client.execute("{ loanProducts { name } }")["data"]["loanProducts"]]
    assert product_input["name"] not in names


def test_a_duplicate_product_name_at_the_same_bank_is_refused(bank_api_client: Any) -> None:
    # given
    product_input = _product_input()
    bank_api_client.execute(CREATE_LOAN_PRODUCT, {"input": product_input})

    # when
    payload = bank_api_client.execute(CREATE_LOAN_PRODUCT, {"input": product_input})["data"]["createLoanProduct"]

    # then
    assert _error(payload)["code"] == "DUPLICATE"


def test_only_bank_officers_and_admins_manage_products(
    employer_api_client: Any, talent_api_client: Any, credit_api_client: Any, bank_api_client: Any
) -> None:
    # when
    employer = employer_api_client.execute(CREATE_LOAN_PRODUCT, {"input": _product_input()})
    talent = talent_api_client.execute(CREATE_LOAN_PRODUCT, {"input": _product_input()})
    regulator = credit_api_client.execute(CREATE_LOAN_PRODUCT, {"input": _product_input()})
    bank = bank_api_client.execute(CREATE_LOAN_PRODUCT, {"input": _product_input()})

    # then
    assert employer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert talent["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert regulator["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert bank["data"]["createLoanProduct"]["userErrors"] == []


def test_a_refused_update_changes_nothing_and_omitted_fields_stay(
    bank_api_client: Any, new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given
    product = new_loan_product()

    # when
    refused = bank_api_client.execute(
        UPDATE_LOAN_PRODUCT, {"id": product["id"], "input": {"name": "新名字", "amountCap": -1}}
    )["data"]["updateLoanProduct"]
    kept = bank_api_client.execute(UPDATE_LOAN_PRODUCT, {"id": product["id"], "input": {"active": False}})
    cleared = bank_api_client.execute(UPDATE_LOAN_PRODUCT, {"id": product["id"], "input": {"minTaxRating": None}})
    unknown = bank_api_client.execute(UPDATE_LOAN_PRODUCT, {"id": UNKNOWN_PRODUCT, "input": {"active": True}})

    # then
    assert _error(refused)["field"] == "amountCap"
    assert kept["data"]["updateLoanProduct"]["loanProduct"]["minTaxRating"] == "B"
    assert cleared["data"]["updateLoanProduct"]["loanProduct"]["minTaxRating"] is None
    assert _error(unknown["data"]["updateLoanProduct"])["code"] == "NOT_FOUND"
    stored = bank_api_client.execute(PRODUCT, {"id": product["id"]})["data"]["loanProduct"]
    assert stored == {
        "name": product["name"], "amountCap": 4_000_000, "contractShare": 0.0, "minTaxRating": None, "active": False,
    }  # fmt: skip


def test_an_inactive_product_leaves_the_offers_and_takes_no_applications(
    bank_api_client: Any, new_borrower: Callable[..., Any], new_loan_product: Callable[..., dict[str, Any]]
) -> None:
    # given
    borrower = new_borrower()
    product = new_loan_product()
    bank_api_client.execute(UPDATE_LOAN_PRODUCT, {"id": product["id"], "input": {"active": False}})

    # when
    offers = borrower.api.execute(OPTIONS, {"id": borrower.enterprise_id})["data"]["financingOptions"]
    payload = _apply(borrower, product, 1_000)

    # then
    assert product["id"] not in [o["product"]["id"] for o in offers]
    assert _error(payload)["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("year", "tax_paid", "insured", "field"),
    [(2025, -1, 10, "taxPaid"), (2999, 1_000, 10, "year"), (2025, 1_000, -3, "insuredEmployees")],
)
def test_bad_financial_figures_are_refused(
    year: int, tax_paid: int, insured: int, field: str, new_borrower: Callable[..., Any]
) -> None:
    # given
    borrower = new_borrower(year=(700_000, 20))

    # when
    payload = borrower.api.execute(
        RECORD_FINANCIAL_YEAR,
        {"enterpriseId": borrower.enterprise_id, "year": year, "taxPaid": tax_paid, "insured": insured},
    )["data"]["recordFinancialYear"]

    # then
    assert _error(payload)["field"] == field and _error(payload)["code"] == "INVALID"


def test_financial_data_is_recorded_by_the_enterprise_or_a_credit_officer(
    new_borrower: Callable[..., Any], employer_api_client: Any, credit_api_client: Any
) -> None:
    # given
    borrower = new_borrower(year=None)
    variables = {"enterpriseId": borrower.enterprise_id, "year": 2025, "taxPaid": 100_000, "insured": 5}
    contract = {"title": "采购", "awardingAuthority": "厦门市财政局", "value": 0, "awardedOn": "2026-01-05"}

    # when
    other = employer_api_client.execute(RECORD_FINANCIAL_YEAR, variables)["data"]["recordFinancialYear"]
    officer = credit_api_client.execute(RECORD_FINANCIAL_YEAR, variables)["data"]["recordFinancialYear"]
    zero = borrower.api.execute(RECORD_BID_CONTRACT, {"enterpriseId": borrower.enterprise_id, "input": contract})

    # then
    assert _error(other)["code"] == "FORBIDDEN"
    assert officer["userErrors"] == [] and officer["financialYear"] == {"year": 2025}
    assert _error(zero["data"]["recordBidContract"]) == {"field": "value", "code": "INVALID"}
