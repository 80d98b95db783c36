"""Factories for the API tests that write: each makes its own accounts, enterprises,
jobs and profiles with unique names, so no test depends on another or on order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from api.db import session_scope
from api.graphql.ids import decode_id_of
from api.models import Account, CreditRecord
from api.services.accounts import create_account
from api.timeutil import utcnow
from api.uscc import ALPHABET, make_uscc

PASSWORD = "correct-horse-battery"

SIGN_UP = """
mutation SignUp($email: String!, $password: String!, $role: Role!) {
  signUp(email: $email, password: $password, role: $role) {
    token
    account { email role }
    userErrors { field message code }
  }
}
"""

CREATE_TALENT_PROFILE = """
mutation CreateTalentProfile($input: TalentInput!) {
  createTalentProfile(input: $input) {
    talent { id nameZh nameEn email phone birthYear discoverable skills }
    userErrors { field message code }
  }
}
"""

REGISTER_ENTERPRISE = """
mutation RegisterEnterprise($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) {
    enterprise { id legalName uscc industryChain district aliases }
    userErrors { field message code }
  }
}
"""

POST_JOB = """
mutation PostJob($input: JobInput!) {
  postJob(input: $input) {
    job { id title status requiredSkills employer { id legalName } }
    userErrors { field message code }
  }
}
"""

APPLY_TO_JOB = """
mutation ApplyToJob($jobId: ID!) {
  applyToJob(jobId: $jobId) {
    application { id status job { id } talent { id } history { fromStatus toStatus at } }
    userErrors { field message code }
  }
}
"""


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def unique_uscc() -> str:
    """A valid USCC no other test (nor the demo data) uses."""
    number = uuid.uuid4().int
    body = "".join(ALPHABET[(number >> (5 * i)) % len(ALPHABET)] for i in range(6))
    return make_uscc("9", "1", "350206", "MB" + body)


@pytest.fixture(scope="session")
def fresh_uscc() -> Callable[[], str]:
    return unique_uscc


@dataclass
class TalentAccount:
    api: Any  # tests.conftest.GraphQLClient
    email: str
    talent_id: str


@dataclass
class EmployerAccount:
    api: Any  # tests.conftest.GraphQLClient
    email: str
    enterprise_id: str
    enterprise_name: str


@pytest.fixture(scope="session")
def api_client_for(anonymous_api_client: Any) -> Callable[[str | None], Any]:
    """A GraphQL client sending ``token`` (the root conftest's client class)."""
    client_class = type(anonymous_api_client)
    return lambda token: client_class(anonymous_api_client.http, token)


@pytest.fixture(scope="session")
def log_in_as(anonymous_api_client: Any, api_client_for: Callable[[str | None], Any]) -> Callable[[str, str], Any]:
    def log_in(email: str, password: str) -> Any:
        body = anonymous_api_client.execute(
            "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token userErrors { code } } }",
            {"e": email, "p": password},
        )
        token = body["data"]["logIn"]["token"]
        assert token, body
        return api_client_for(token)

    return log_in


@pytest.fixture(scope="session")
def new_talent(anonymous_api_client: Any, api_client_for: Callable[[str | None], Any]) -> Callable[..., TalentAccount]:
    """Sign up a talent account and create its profile; ``profile`` overrides the defaults."""

    def make(**profile: Any) -> TalentAccount:
        email = unique_email("talent")
        body = anonymous_api_client.execute(SIGN_UP, {"email": email, "password": PASSWORD, "role": "TALENT"})
        api = api_client_for(body["data"]["signUp"]["token"])
        talent_input = {"nameZh": "林测试", "nameEn": "Test Lin", "skills": ["qPCR", "Python"], **profile}
        created = api.execute(CREATE_TALENT_PROFILE, {"input": talent_input})["data"]["createTalentProfile"]
        assert created["userErrors"] == [], created
        return TalentAccount(api=api, email=email, talent_id=created["talent"]["id"])

    return make


@pytest.fixture(scope="session")
def talent_at(
    engine: Engine, anonymous_api_client: Any, api_client_for: Callable[[str | None], Any]
) -> Callable[..., TalentAccount]:
    """Sign up a talent account at ``email``, mark the address proved when ``verified`` (the one-time code's
    effect, written to the database here), then create its profile from ``profile``."""

    def make(email: str, *, verified: bool = False, **profile: Any) -> TalentAccount:
        body = anonymous_api_client.execute(SIGN_UP, {"email": email, "password": PASSWORD, "role": "TALENT"})
        api = api_client_for(body["data"]["signUp"]["token"])
        if verified:
            with session_scope(engine) as session:
                session.exec(update(Account).where(col(Account.email) == email).values(email_verified_at=utcnow()))
        talent_input = {"nameZh": "林测试", "nameEn": "Test Lin", **profile}
        created = api.execute(CREATE_TALENT_PROFILE, {"input": talent_input})["data"]["createTalentProfile"]
        assert created["userErrors"] == [], created
        return TalentAccount(api=api, email=email, talent_id=created["talent"]["id"])

    return make


@pytest.fixture(scope="session")
def new_enterprise(admin_api_client: Any) -> Callable[..., dict[str, Any]]:
    """Register an enterprise with a fresh valid USCC (as the demo admin)."""

    def make(**fields: Any) -> dict[str, Any]:
        name = f"厦门测试{uuid.uuid4().hex[:8]}科技有限公司"
        enterprise_input = {"legalName": name, "uscc": unique_uscc(), "industryChain": "NEW_ENERGY", **fields}
        payload = admin_api_client.execute(REGISTER_ENTERPRISE, {"input": enterprise_input})["data"]
        assert payload["registerEnterprise"]["userErrors"] == [], payload
        enterprise: dict[str, Any] = payload["registerEnterprise"]["enterprise"]
        return enterprise

    return make


@pytest.fixture(scope="session")
def new_employer(
    engine: Engine, new_enterprise: Callable[..., dict[str, Any]], log_in_as: Callable[[str, str], Any]
) -> Callable[[], EmployerAccount]:
    """An employer account acting for a new enterprise.

    Linking an account to an enterprise is an operator's step (``guilu create-user
    --enterprise``), not an API call, so the account is made through the service.
    """

    def make() -> EmployerAccount:
        enterprise = new_enterprise()
        email = unique_email("employer")
        pk = decode_id_of(enterprise["id"], "Enterprise")
        with session_scope(engine) as session:
            create_account(session, email=email, password=PASSWORD, role="employer", enterprise_id=pk)
        return EmployerAccount(
            api=log_in_as(email, PASSWORD),
            email=email,
            enterprise_id=enterprise["id"],
            enterprise_name=enterprise["legalName"],
        )

    return make


@dataclass
class HeadhunterAccount:
    api: Any  # tests.conftest.GraphQLClient
    firm_id: str
    name: str


@pytest.fixture(scope="session")
def new_headhunter(
    engine: Engine, new_enterprise: Callable[..., dict[str, Any]], log_in_as: Callable[[str, str], Any]
) -> Callable[[], HeadhunterAccount]:
    """A headhunter account acting for a new firm (linking an account to a firm is an operator's step)."""

    def make() -> HeadhunterAccount:
        enterprise = new_enterprise(industryChain="TRADE_LOGISTICS")
        email = unique_email("hunter")
        with session_scope(engine) as session:
            create_account(
                session,
                email=email,
                password=PASSWORD,
                role="headhunter",
                enterprise_id=decode_id_of(enterprise["id"], "Enterprise"),
            )
        return HeadhunterAccount(api=log_in_as(email, PASSWORD), firm_id=enterprise["id"], name=enterprise["legalName"])

    return make


@pytest.fixture(scope="session")
def post_job() -> Callable[..., dict[str, Any]]:
    """Post a job as ``employer``; ``fields`` override the defaults."""

    def make(employer: EmployerAccount, **fields: Any) -> dict[str, Any]:
        job_input = {
            "title": f"Test Engineer {uuid.uuid4().hex[:8]}",
            "requiredSkills": ["qPCR", "Python"],
            "industryChain": "NEW_ENERGY",
            **fields,
        }
        payload = employer.api.execute(POST_JOB, {"input": job_input})["data"]["postJob"]
        assert payload["userErrors"] == [], payload
        job: dict[str, Any] = payload["job"]
        return job

    return make


# ------------------------------------------------------------------ financing

TORCH_PARK = "火炬高新区"
CREATE_LOAN_PRODUCT = """
mutation CreateLoanProduct($input: LoanProductInput!) {
  createLoanProduct(input: $input) {
    loanProduct { id bank name amountCap sizing minCreditLevel minTaxRating eligibleParks active borrowerKinds }
    userErrors { field message code }
  }
}
"""
RECORD_FINANCIAL_YEAR = """
mutation RecordFinancialYear($enterpriseId: ID!, $year: Int!, $taxPaid: Int!, $insured: Int!) {
  recordFinancialYear(enterpriseId: $enterpriseId, year: $year, taxPaid: $taxPaid, insuredEmployees: $insured) {
    financialYear { year taxPaid insuredEmployees }
    userErrors { field message code }
  }
}
"""


@dataclass
class Borrower:
    """An employer account acting for a new enterprise that may borrow."""

    api: Any
    enterprise_id: str
    pk: int


@pytest.fixture(scope="session")
def bank_api_client(log_in_as: Callable[[str, str], Any]) -> Any:
    return log_in_as("bank@demo.guilu", "guilu-demo")


@pytest.fixture(scope="session")
def second_bank_api_client(log_in_as: Callable[[str, str], Any]) -> Any:
    """The demo's other officer of 交通银行厦门分行: disburses what ``bank_api_client`` approved (four eyes)."""
    return log_in_as("bank2@demo.guilu", "guilu-demo")


def _add_tax_rating(engine: Engine, enterprise_pk: int, rating: str) -> None:
    """A tax rating published a month ago, as a credit officer's import would store it."""
    start = date.today() - timedelta(days=30)
    with session_scope(engine) as session:
        session.add(
            CreditRecord(
                enterprise_id=enterprise_pk,
                kind="tax_rating",
                source="国家税务总局厦门市税务局",
                source_record_id=uuid.uuid4().hex,
                decision_date=start,
                publicity_start=start,
                tax_rating=rating,
            )
        )


@pytest.fixture(scope="session")
def new_borrower(
    engine: Engine, new_enterprise: Callable[..., dict[str, Any]], log_in_as: Callable[[str, str], Any]
) -> Callable[..., Borrower]:
    """An employer account for a new enterprise, optionally in a park, with a tax rating and a financial year."""

    def make(
        *,
        park: str | None = TORCH_PARK,
        tax_rating: str | None = "A",
        year: tuple[int, int] | None = (1_000_000, 50),
        chain: str = "NEW_ENERGY",
    ) -> Borrower:
        enterprise = new_enterprise(park=park, industryChain=chain)
        pk = decode_id_of(enterprise["id"], "Enterprise")
        email = f"borrower-{uuid.uuid4().hex[:12]}@example.com"
        with session_scope(engine) as session:
            create_account(session, email=email, password=PASSWORD, role="employer", enterprise_id=pk)
        if tax_rating:
            _add_tax_rating(engine, pk, tax_rating)
        borrower = Borrower(api=log_in_as(email, PASSWORD), enterprise_id=enterprise["id"], pk=pk)
        if year:
            body = borrower.api.execute(
                RECORD_FINANCIAL_YEAR,
                {"enterpriseId": borrower.enterprise_id, "year": 2025, "taxPaid": year[0], "insured": year[1]},
            )
            assert body["data"]["recordFinancialYear"]["userErrors"] == [], body
        return borrower

    return make


def _park_loan_input(**fields: Any) -> dict[str, Any]:
    return {
        "bank": "交通银行厦门分行",
        "name": f"测试园区贷{uuid.uuid4().hex[:8]}",
        "amountCap": 4_000_000,
        "termMonths": 12,
        "minCreditLevel": "B",
        "minTaxRating": "B",
        "eligibleParks": [TORCH_PARK],
        "sizing": "TAX_SOCIAL_INSURANCE",
        "taxMultiplier": 2.0,
        "perInsuredEmployee": 20_000,
        **fields,
    }


@pytest.fixture(scope="session")
def new_loan_product(bank_api_client: Any) -> Callable[..., dict[str, Any]]:
    """A loan product of 交通银行厦门分行 made by its demo officer; ``fields`` override a park loan's."""

    def make(**fields: Any) -> dict[str, Any]:
        body = bank_api_client.execute(CREATE_LOAN_PRODUCT, {"input": _park_loan_input(**fields)})
        payload = body["data"]["createLoanProduct"]
        assert payload["userErrors"] == [], body
        product: dict[str, Any] = payload["loanProduct"]
        return product

    return make
