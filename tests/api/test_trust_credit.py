"""Trust findings of the credit and financing domains (issue #13): the audit trail is scoped by role (H4), an
out-of-period credit record reaches the public through no path (M3), and bank officers act for one bank, never
on their own enterprise, with four eyes between approval and disbursement (M10)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from api.db import session_scope
from api.graphql.ids import decode_id_of, encode_global_id
from api.models import Account, AuditEntry, CreditRecord, FinancingApplication, LoanProduct
from api.services.accounts import create_account
from api.services.credit import credit_today

PASSWORD = "correct-horse-battery"
TORCH_BANK = "交通银行厦门分行"
OTHER_BANK = "厦门鹭岛商业银行"
# The tables whose audit rows a credit officer reads: the ones they may read directly.
CREDIT_AUDIT_TABLES = ("credit_record", "credit_match_review", "personal_credit_score")

AUDIT_PAGE = """
query Audit($after: String) {
  auditTrail(first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id entityType actorEmail after }
  }
}
"""
NODE_AUDIT = "query($id: ID!) { node(id: $id) { ... on AuditEntry { id entityType action } } }"
NODE_RECORD = """
query($id: ID!) { node(id: $id) { ... on CreditRecord { id status repairedOn repairAuthority repairBasis } } }
"""
REASONS = """
query($id: ID!) { enterprise(id: $id) {
  credit { reasons { record { id status } } }
  creditHistory { id status }
} }
"""
APPLY = """
mutation Apply($productId: ID!, $enterpriseId: ID!, $amount: Int!) {
  applyForFinancing(productId: $productId, enterpriseId: $enterpriseId, requestedAmount: $amount) {
    financingApplication { id status } userErrors { field message code }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!, $amount: Int!) {
  approveFinancing(id: $id, amount: $amount) {
    financingApplication { id status approvedAmount } userErrors { field message code }
  }
}
"""
REJECT = """
mutation Reject($id: ID!) {
  rejectFinancing(id: $id, reason: "probe") { financingApplication { id status } userErrors { field message code } }
}
"""
DISBURSE = """
mutation Disburse($id: ID!) {
  disburseFinancing(id: $id) { financingApplication { id status disbursedAt } userErrors { field message code } }
}
"""
CREATE_PRODUCT = """
mutation Create($input: LoanProductInput!) {
  createLoanProduct(input: $input) { loanProduct { id bank } userErrors { field message code } }
}
"""
UPDATE_PRODUCT = """
mutation Update($id: ID!, $input: LoanProductInput!) {
  updateLoanProduct(id: $id, input: $input) { loanProduct { id bank amountCap } userErrors { field message code } }
}
"""
APPLICATIONS = """
query($productId: ID) { financingApplications(productId: $productId, first: 100) {
  totalCount nodes { id product { bank } }
} }
"""
NODE_APPLICATION = "query($id: ID!) { node(id: $id) { ... on FinancingApplication { id status } } }"
RANK = "query($id: ID!) { rankFinancingCandidates(productId: $id, first: 1) { totalCount } }"


def _product_input(bank: str, **fields: Any) -> dict[str, Any]:
    return {
        "bank": bank,
        "name": f"信任测试贷{uuid.uuid4().hex[:8]}",
        "amountCap": 4_000_000,
        "termMonths": 12,
        "minCreditLevel": "C",
        "sizing": "FIXED",
        "fixedAmount": 1_000_000,
        **fields,
    }


@pytest.fixture(scope="module")
def bank_officer(engine: Engine, log_in_as: Callable[[str, str], Any]) -> Callable[..., Any]:
    """A bank-officer account of ``bank`` (None: of no bank), optionally linked to an enterprise."""

    def make(bank: str | None, *, enterprise_pk: int | None = None) -> Any:
        email = f"officer-{uuid.uuid4().hex[:12]}@example.com"
        with session_scope(engine) as session:
            account = create_account(
                session, email=email, password=PASSWORD, role="bank_officer", enterprise_id=enterprise_pk
            )
            account.bank = bank
        return log_in_as(email, PASSWORD)

    return make


# ------------------------------------------------------------------ H4: the audit trail


def _whole_trail(api: Any) -> tuple[int, list[dict[str, Any]]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        body = api.execute(AUDIT_PAGE, {"after": after})
        assert "errors" not in body, body
        trail = body["data"]["auditTrail"]
        nodes += trail["nodes"]
        if not trail["pageInfo"]["hasNextPage"]:
            return trail["totalCount"], nodes
        after = trail["pageInfo"]["endCursor"]


def test_a_credit_officer_s_audit_trail_holds_only_the_credit_tables(
    engine: Engine, credit_api_client: Any, admin_api_client: Any
) -> None:
    # given: the demo's trail holds Cup scores, invitations, identity links and more beside the credit rows
    with session_scope(engine) as session:
        kinds = set(session.exec(select(AuditEntry.entity_type).distinct()))
    assert {"cup_score", "invitation"} <= kinds

    # when the credit officer pages through the whole unfiltered trail
    total, nodes = _whole_trail(credit_api_client)

    # then only rows of the credit tables come back, and the count and the pages agree
    with session_scope(engine) as session:
        credit_rows = session.exec(
            select(func.count()).where(col(AuditEntry.entity_type).in_(CREDIT_AUDIT_TABLES))
        ).one()
        all_rows = session.exec(select(func.count()).select_from(AuditEntry)).one()
    assert {n["entityType"] for n in nodes} <= set(CREDIT_AUDIT_TABLES)
    assert total == len(nodes) == credit_rows > 0
    assert not any("email" in (n["after"] or {}) for n in nodes)
    # admins still read every row
    assert (
        admin_api_client.execute("{ auditTrail(first: 1) { totalCount } }")["data"]["auditTrail"]["totalCount"]
        >= all_rows
        > total
    )


def test_an_audit_entry_of_another_domain_is_no_node_for_a_credit_officer(
    engine: Engine, credit_api_client: Any, admin_api_client: Any
) -> None:
    # given one audit row of each table in the demo's trail
    with session_scope(engine) as session:
        firsts = session.exec(
            select(AuditEntry.entity_type, func.min(AuditEntry.id)).group_by(AuditEntry.entity_type)
        ).all()
    ids = {kind: encode_global_id("AuditEntry", pk) for kind, pk in firsts}

    # when the credit officer and an admin ask for each by ID
    seen = {kind: credit_api_client.execute(NODE_AUDIT, {"id": gid})["data"]["node"] for kind, gid in ids.items()}
    admin = {kind: admin_api_client.execute(NODE_AUDIT, {"id": gid})["data"]["node"] for kind, gid in ids.items()}

    # then the officer reads the credit tables' rows only; admins read all
    assert {kind for kind, node in seen.items() if node} == set(CREDIT_AUDIT_TABLES) & set(ids)
    assert "cup_score" in ids and seen["cup_score"] is None
    assert all(node is not None for node in admin.values())


def test_other_roles_still_cannot_read_the_audit_trail(bank_api_client: Any, employer_api_client: Any) -> None:
    for api in (bank_api_client, employer_api_client):
        body = api.execute("{ auditTrail(first: 1) { totalCount } }")
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# ------------------------------------------------------------------ M3: credit records out of their period


@pytest.fixture(scope="module")
def out_of_period(engine: Engine, new_borrower: Callable[..., Any]) -> dict[str, Any]:
    """An enterprise with an employer account, an ACTIVE, an EXPIRED and a REPAIRED record."""
    borrower = new_borrower(tax_rating=None, year=None)
    today = credit_today()
    specs = {
        "active": {"kind": "penalty_general", "publicity_start": today - timedelta(days=30)},
        # a minor penalty's publicity ends after six months at most
        "expired": {"kind": "penalty_minor", "publicity_start": today - timedelta(days=400)},
        "repaired": {
            "kind": "penalty_general",
            "publicity_start": today - timedelta(days=200),
            "repaired_on": today - timedelta(days=10),
            "repair_authority": "厦门市市场监督管理局",
            "repair_basis": "已缴清罚款（测试）",
        },
    }
    ids: dict[str, Any] = {"borrower": borrower}
    with session_scope(engine) as session:
        for name, spec in specs.items():
            record = CreditRecord(
                enterprise_id=borrower.pk,
                source="测试局",
                source_record_id=uuid.uuid4().hex,
                decision_date=spec["publicity_start"],
                title=f"测试记录 {name}",
                **spec,
            )
            session.add(record)
            session.flush()
            assert record.id is not None
            ids[name] = encode_global_id("CreditRecord", record.id)
    return ids


@pytest.mark.parametrize(
    "role_client",
    ["anonymous_api_client", "talent_api_client", "employer_api_client", "judge_api_client", "bank_api_client"],
)
def test_an_expired_or_repaired_record_is_no_node_for_the_public(
    role_client: str, request: pytest.FixtureRequest, out_of_period: dict[str, Any]
) -> None:
    # given a role that sees only records in their publicity period
    api = request.getfixturevalue(role_client)

    # when it asks for each record by ID
    found = {name: api.execute(NODE_RECORD, {"id": out_of_period[name]})["data"]["node"] for name in ("active",
             "expired", "repaired")}  # fmt: skip

    # then the active one comes back, the expired and the repaired one (with the repair basis) do not
    assert found["active"] == {
        "id": out_of_period["active"],
        "status": "ACTIVE",
        "repairedOn": None,
        "repairAuthority": None,
        "repairBasis": None,
    }
    assert found["expired"] is None and found["repaired"] is None


def test_officers_admins_and_the_enterprise_read_every_record_as_a_node(
    credit_api_client: Any, admin_api_client: Any, out_of_period: dict[str, Any]
) -> None:
    for api in (credit_api_client, admin_api_client, out_of_period["borrower"].api):
        expired = api.execute(NODE_RECORD, {"id": out_of_period["expired"]})["data"]["node"]
        repaired = api.execute(NODE_RECORD, {"id": out_of_period["repaired"]})["data"]["node"]
        assert expired["status"] == "EXPIRED"
        assert repaired["status"] == "REPAIRED" and repaired["repairBasis"] == "已缴清罚款（测试）"


def test_history_and_reasons_agree_with_node(anonymous_api_client: Any, out_of_period: dict[str, Any]) -> None:
    # when the public reads the enterprise's credit
    body = anonymous_api_client.execute(REASONS, {"id": out_of_period["borrower"].enterprise_id})
    enterprise = body["data"]["enterprise"]

    # then the history and the reasons name only the record node(id:) also gives
    assert enterprise["creditHistory"] == [{"id": out_of_period["active"], "status": "ACTIVE"}]
    assert [r["record"] for r in enterprise["credit"]["reasons"]] == [
        {"id": out_of_period["active"], "status": "ACTIVE"}
    ]


# ------------------------------------------------------------------ M10: bank officers act for one bank


def _torch_product(engine: Engine) -> str:
    with session_scope(engine) as session:
        pk = session.exec(select(LoanProduct.id).where(LoanProduct.name == "火炬园区贷")).one()
    return encode_global_id("LoanProduct", pk)


@pytest.fixture
def submitted(new_borrower: Callable[..., Any], bank_api_client: Any) -> Callable[..., str]:
    """A new submitted application to a new product of ``bank`` (made by the demo's officer of that bank)."""

    def make(*, borrower: Any = None) -> str:
        borrower = borrower or new_borrower()
        created = bank_api_client.execute(CREATE_PRODUCT, {"input": _product_input(TORCH_BANK)})
        product = created["data"]["createLoanProduct"]["loanProduct"]
        body = borrower.api.execute(
            APPLY, {"productId": product["id"], "enterpriseId": borrower.enterprise_id, "amount": 1_000_000}
        )
        payload = body["data"]["applyForFinancing"]
        assert payload["userErrors"] == [], body
        return str(payload["financingApplication"]["id"])

    return make


def _status(engine: Engine, application_id: str) -> str:
    with session_scope(engine) as session:
        row = session.get(FinancingApplication, decode_id_of(application_id, "FinancingApplication"))
        assert row is not None
        return row.status


@pytest.mark.parametrize("bank", [OTHER_BANK, None], ids=["another-bank", "no-bank"])
def test_an_officer_of_another_bank_or_of_none_decides_nothing(
    bank: str | None, engine: Engine, bank_officer: Callable[..., Any], submitted: Callable[..., str]
) -> None:
    # given a submitted application to a product of 交通银行厦门分行
    application = submitted()
    officer = bank_officer(bank)

    # when an officer of another bank (or of no bank) approves or rejects it
    answers = [
        officer.execute(APPROVE, {"id": application, "amount": 1_000_000})["data"]["approveFinancing"],
        officer.execute(REJECT, {"id": application})["data"]["rejectFinancing"],
    ]

    # then both are refused with FORBIDDEN, and the application is still submitted
    for answer in answers:
        assert answer["financingApplication"] is None
        assert [e["code"] for e in answer["userErrors"]] == ["FORBIDDEN"], answer
    assert "bank" in answers[0]["userErrors"][0]["message"]
    assert _status(engine, application) == "submitted"


def test_an_officer_decides_nothing_for_their_own_enterprise(
    engine: Engine, bank_officer: Callable[..., Any], new_borrower: Callable[..., Any], submitted: Callable[..., str]
) -> None:
    # given an officer of the right bank whose account is linked to the applicant enterprise
    borrower = new_borrower()
    application = submitted(borrower=borrower)
    officer = bank_officer(TORCH_BANK, enterprise_pk=borrower.pk)

    # when they approve it
    answer = officer.execute(APPROVE, {"id": application, "amount": 1_000_000})["data"]["approveFinancing"]

    # then it is refused, saying why
    assert [e["code"] for e in answer["userErrors"]] == ["FORBIDDEN"]
    assert "own enterprise" in answer["userErrors"][0]["message"]
    assert _status(engine, application) == "submitted"


def test_the_approving_officer_cannot_disburse_a_second_one_can(
    engine: Engine, bank_api_client: Any, second_bank_api_client: Any, submitted: Callable[..., str]
) -> None:
    # given an application bank@ approved
    application = submitted()
    approved = bank_api_client.execute(APPROVE, {"id": application, "amount": 800_000})["data"]["approveFinancing"]
    assert approved["userErrors"] == []

    # when the same officer disburses it, then another officer of the bank
    same = bank_api_client.execute(DISBURSE, {"id": application})["data"]["disburseFinancing"]
    status_between = _status(engine, application)
    other = second_bank_api_client.execute(DISBURSE, {"id": application})["data"]["disburseFinancing"]

    # then the first is refused (four eyes) and the second goes through, recorded as the disburser
    assert [e["code"] for e in same["userErrors"]] == ["FORBIDDEN"]
    assert "approved" in same["userErrors"][0]["message"] and same["financingApplication"] is None
    assert status_between == "approved"
    assert other["userErrors"] == [] and other["financingApplication"]["status"] == "DISBURSED"
    with session_scope(engine) as session:
        row = session.get(FinancingApplication, decode_id_of(application, "FinancingApplication"))
        officers = dict(
            session.exec(select(Account.email, Account.id).where(col(Account.email).like("bank%@demo.guilu"))).all()
        )
    assert row is not None
    assert (row.decided_by, row.disbursed_by) == (officers["bank@demo.guilu"], officers["bank2@demo.guilu"])


def test_the_demo_s_bank_officers_act_for_the_torch_park_loan_s_bank(engine: Engine) -> None:
    with session_scope(engine) as session:
        banks = dict(session.exec(select(Account.email, Account.bank).where(Account.role == "bank_officer")).all())
        product_bank = session.exec(select(LoanProduct.bank).where(LoanProduct.name == "火炬园区贷")).one()
        disbursed = session.exec(
            select(FinancingApplication).where(
                FinancingApplication.status == "disbursed", col(FinancingApplication.decided_by).is_not(None)
            )
        ).all()
    assert banks["bank@demo.guilu"] == banks["bank2@demo.guilu"] == product_bank == TORCH_BANK
    # the demo's disbursed loans were approved and paid out by two different officers
    assert disbursed and all(a.disbursed_by is not None and a.disbursed_by != a.decided_by for a in disbursed)


def test_credit_officers_no_longer_change_a_bank_s_products(
    engine: Engine, credit_api_client: Any, bank_api_client: Any
) -> None:
    # given the torch park loan of 交通银行厦门分行
    product = _torch_product(engine)

    # when the credit officer (the city's regulator) raises its cap, or adds a product
    update = credit_api_client.execute(UPDATE_PRODUCT, {"id": product, "input": {"amountCap": 2_000_000_000}})
    create = credit_api_client.execute(CREATE_PRODUCT, {"input": _product_input(TORCH_BANK)})

    # then both are refused and the cap is unchanged
    assert [e["extensions"]["code"] for e in update["errors"]] == ["FORBIDDEN"] and update["data"] is None
    assert [e["extensions"]["code"] for e in create["errors"]] == ["FORBIDDEN"] and create["data"] is None
    with session_scope(engine) as session:
        row = session.get(LoanProduct, decode_id_of(product, "LoanProduct"))
        assert row is not None and row.amount_cap == 4_000_000


def test_a_bank_officer_manages_only_their_own_bank_s_products(
    engine: Engine, bank_api_client: Any, bank_officer: Callable[..., Any]
) -> None:
    # given the torch park loan of bank@'s bank, and an officer of another bank
    product = _torch_product(engine)
    other = bank_officer(OTHER_BANK)

    # when
    foreign_update = other.execute(UPDATE_PRODUCT, {"id": product, "input": {"amountCap": 100_000}})
    foreign_create = bank_api_client.execute(CREATE_PRODUCT, {"input": _product_input(OTHER_BANK)})
    move_away = bank_api_client.execute(UPDATE_PRODUCT, {"id": product, "input": {"bank": OTHER_BANK}})
    own_create = bank_api_client.execute(CREATE_PRODUCT, {"input": _product_input(TORCH_BANK)})

    # then only the product of one's own bank is made; nothing else changes
    for body, name in ((foreign_update, "updateLoanProduct"), (foreign_create, "createLoanProduct"),
                       (move_away, "updateLoanProduct")):  # fmt: skip
        payload = body["data"][name]
        assert payload["loanProduct"] is None and [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"], body
    assert own_create["data"]["createLoanProduct"]["userErrors"] == []
    with session_scope(engine) as session:
        row = session.get(LoanProduct, decode_id_of(product, "LoanProduct"))
        assert row is not None and (row.bank, row.amount_cap) == (TORCH_BANK, 4_000_000)


def test_a_bank_officer_sees_and_ranks_only_their_own_bank_s_applications(
    engine: Engine, bank_api_client: Any, bank_officer: Callable[..., Any], credit_api_client: Any
) -> None:
    # given the demo's applications to both banks' products
    with session_scope(engine) as session:
        rows = session.exec(
            select(FinancingApplication.id, LoanProduct.bank, LoanProduct.id).join(
                LoanProduct, col(LoanProduct.id) == col(FinancingApplication.product_id)
            )
        ).all()
    foreign = next(encode_global_id("FinancingApplication", pk) for pk, bank, _ in rows if bank == OTHER_BANK)
    foreign_product = next(encode_global_id("LoanProduct", p) for _, bank, p in rows if bank == OTHER_BANK)
    nobody = bank_officer(None)

    # when
    listed = bank_api_client.execute(APPLICATIONS, {})["data"]["financingApplications"]
    node = bank_api_client.execute(NODE_APPLICATION, {"id": foreign})["data"]["node"]
    rank = bank_api_client.execute(RANK, {"id": foreign_product})
    own_rank = bank_api_client.execute(RANK, {"id": _torch_product(engine)})
    of_none = nobody.execute(APPLICATIONS, {})["data"]["financingApplications"]
    regulator = credit_api_client.execute(NODE_APPLICATION, {"id": foreign})["data"]["node"]

    # then only the officer's bank's applications and products; the regulator still sees all
    assert listed["totalCount"] == len(listed["nodes"]) > 0
    assert {n["product"]["bank"] for n in listed["nodes"]} == {TORCH_BANK}
    assert node is None
    assert rank["data"] is None and rank["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert own_rank["data"]["rankFinancingCandidates"]["totalCount"] >= 0 and "errors" not in own_rank
    assert of_none == {"totalCount": 0, "nodes": []}
    assert regulator is not None


# ------------------------------------------------------------------ M10: `guilu create-user --bank`

REPO_ROOT = Path(__file__).resolve().parents[2]


def _create_user(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from api.cli import main; main()", "create-user", *args, "--password-stdin"]
    env = {"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        command, cwd=REPO_ROOT, env=env, input="a-strong-password\n", capture_output=True, text=True, timeout=120
    )


def test_create_user_binds_a_bank_officer_to_a_bank(tmp_path: Path) -> None:
    # given a fresh database
    database = tmp_path / "banks.db"

    # when a bank officer is created without a bank, with one, and another role is given a bank
    without = _create_user(database, "a@bank.example", "--role", "bank_officer")
    with_bank = _create_user(database, "b@bank.example", "--role", "bank_officer", "--bank", f"  {TORCH_BANK} ")
    misplaced = _create_user(database, "c@bank.example", "--role", "admin", "--bank", TORCH_BANK)

    # then only the officer with a bank is stored, with the bank trimmed
    assert without.returncode == 1 and "--bank" in without.stderr and "Traceback" not in without.stderr
    assert with_bank.returncode == 0, with_bank.stderr
    assert misplaced.returncode == 1 and "only bank officers" in misplaced.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT email, role, bank FROM account").fetchall() == [
            ("b@bank.example", "bank_officer", TORCH_BANK)
        ]
