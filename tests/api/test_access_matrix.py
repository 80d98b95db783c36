"""The access matrix of docs/access.md, walked: every refused (role, operation) and (role, node type) cell.

The tables below mirror the page; ``test_doc_matches_tables`` keeps the two from drifting. Every case sends a
minimal well-formed operation with the IDs of demo objects and checks the refusal: ``UNAUTHENTICATED`` for
anonymous callers, ``FORBIDDEN`` otherwise, and no data. Only refused operations are sent, so nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLField, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLOutputType
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.graphql.ids import encode_global_id
from api.graphql.schema import schema
from api.models import (
    Account,
    Application,
    AuditEntry,
    Campaign,
    CreditMatchReview,
    CreditRecord,
    FinancingApplication,
    IdentityLink,
    Invitation,
    Job,
    LoanProduct,
    Talent,
)
from api.models.cup import Entry, Round, Score
from api.services.credit import record_state
from matching.credit import RecordStatus
from tests.conftest import DEMO_PASSWORD, LOG_IN

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"
ROLES = ("anonymous", "TALENT", "EMPLOYER", "JUDGE", "HEADHUNTER", "CREDIT_OFFICER", "BANK_OFFICER", "ADMIN")
ACCOUNTS = {
    "TALENT": "talent@demo.guilu",
    "EMPLOYER": "employer@demo.guilu",
    "JUDGE": "judge@demo.guilu",
    "HEADHUNTER": "headhunter@demo.guilu",
    "CREDIT_OFFICER": "credit@demo.guilu",
    "BANK_OFFICER": "bank@demo.guilu",
    "ADMIN": "admin@demo.guilu",
}

# Root operations x roles, in the order of ROLES (docs/access.md, "Root operations").
OPERATIONS: dict[str, str] = {
    "me": "yes yes yes yes yes yes yes yes",
    "node": "yes yes yes yes yes yes yes yes",
    "talent": "no yes yes yes yes yes yes yes",
    "talents": "no yes yes yes yes yes yes yes",
    "enterprise": "yes yes yes yes yes yes yes yes",
    "enterprises": "yes yes yes yes yes yes yes yes",
    "job": "yes yes yes yes yes yes yes yes",
    "jobs": "yes yes yes yes yes yes yes yes",
    "rankCandidates": "no no own no no no no yes",
    "rankApplicants": "no no own no no no no yes",
    "recommendJobs": "no own no no no no no yes",
    "resolveEnterprise": "yes yes yes yes yes yes yes yes",
    "loanProducts": "yes yes yes yes yes yes yes yes",
    "loanProduct": "yes yes yes yes yes yes yes yes",
    "financingOptions": "no no own no own yes yes yes",
    "rankFinancingCandidates": "no no no no no yes own yes",
    "financingExclusions": "no no no no no yes own yes",
    "financingApplications": "no no own no own yes own yes",
    "creditReviewQueue": "no no no no no yes no yes",
    "auditTrail": "no no no no no own no yes",
    "recommendationExclusions": "no no no no no no no yes",
    "campaigns": "no no no no own no no yes",
    "campaign": "no no no no own no no yes",
    "suggestInvitees": "no no no no own no no yes",
    "myInvitations": "no own own own own own own own",
    "identityReviewQueue": "no no no no no no no yes",
    "duplicateTalents": "no no no no no no no yes",
    "programmeStats": "yes yes yes yes yes yes yes yes",
    "competitions": "yes yes yes yes yes yes yes yes",
    "competition": "yes yes yes yes yes yes yes yes",
    "myAssignments": "no no no own no no no no",
    "myEntries": "no own own own own own own own",
    "myTeamInvitations": "no own own own own own own own",
    "conflicts": "no no no no no no no yes",
    "leaderboard": "no closed closed closed closed closed closed yes",
    "signUp": "yes yes yes yes yes yes yes yes",
    "logIn": "yes yes yes yes yes yes yes yes",
    "refreshToken": "yes yes yes yes yes yes yes yes",
    "logOut": "yes yes yes yes yes yes yes yes",
    "logOutEverywhere": "no yes yes yes yes yes yes yes",
    "requestEmailVerification": "no yes yes yes yes yes yes yes",
    "verifyEmail": "no yes yes yes yes yes yes yes",
    "createTalentProfile": "no yes no no no no no no",
    "updateTalentProfile": "no own no no no no no yes",
    "registerEnterprise": "no no no no no yes no yes",
    "postJob": "no no own no no no no no",
    "updateJob": "no no own no no no no yes",
    "closeJob": "no no own no no no no yes",
    "applyToJob": "no yes no no no no no no",
    "moveApplication": "no own own no no no no yes",
    "createLoanProduct": "no no no no no no own yes",
    "updateLoanProduct": "no no no no no no own yes",
    "recordFinancialYear": "no no own no no yes no yes",
    "recordBidContract": "no no own no no yes no yes",
    "applyForFinancing": "no no own no no no no no",
    "approveFinancing": "no no no no no no own no",
    "rejectFinancing": "no no no no no no own no",
    "disburseFinancing": "no no no no no no own no",
    "importCreditRecords": "no no no no no yes no no",
    "repairCreditRecord": "no no no no no yes no no",
    "confirmCreditMatch": "no no no no no yes no no",
    "rejectCreditMatch": "no no no no no yes no no",
    "recordPersonalCredit": "no no no no no yes no no",
    "createCampaign": "no no no no own no no yes",
    "inviteTalent": "no no no no own no no yes",
    "inviteOutsidePerson": "no no no no own no no yes",
    "sendInvitation": "no no no no own no no yes",
    "respondToInvitation": "no own no no no no no no",
    "markAttended": "no no no no own no no yes",
    "expireInvitation": "no no no no own no no yes",
    "importInvitations": "no no no no own no no yes",
    "confirmIdentity": "no no no no no no no yes",
    "rejectIdentity": "no no no no no no no yes",
    "mergeTalents": "no no no no no no no yes",
    "createCompetition": "no no no no no no no yes",
    "setPanel": "no no no no no no no yes",
    "submitEntry": "no yes no no no no no no",
    "updateEntry": "no own no no no no no no",
    "respondToTeamInvitation": "no own no no no no no no",
    "setJudgeProfile": "no no no own no no no yes",
    "pinAssignment": "no no no no no no no yes",
    "assignJudges": "no no no no no no no yes",
    "submitScore": "no no no own no no no no",
    "recuse": "no no no own no no no no",
    "closeRound": "no no no no no no no yes",
    "finaliseCompetition": "no no no no no no no yes",
}

# node(id:) by type x roles (docs/access.md, "node(id:) by type").
NODE_TYPES: dict[str, str] = {
    "Talent": "no own own own own own own yes",
    "Enterprise": "yes yes yes yes yes yes yes yes",
    "Job": "yes yes yes yes yes yes yes yes",
    "Application": "no own own no no no no yes",
    "LoanProduct": "yes yes yes yes yes yes yes yes",
    "FinancingApplication": "no no own no own yes own yes",
    "Campaign": "no own no no own no no yes",
    "Invitation": "no own no no own no no yes",
    "IdentityLink": "no no no no no no no yes",
    "CreditRecord": "own own own own own yes own yes",
    "CreditMatchReview": "no no no no no yes no yes",
    "AuditEntry": "no no no no no own no yes",
    "Competition": "yes yes yes yes yes yes yes yes",
    "Round": "yes yes yes yes yes yes yes yes",
    "Entry": "no own no own no no no yes",
    "Judge": "no yes yes yes yes yes yes yes",
    "Score": "no no no own no no no yes",
}

_TALENT_INPUT = '{nameEn: "Matrix Probe"}'
_JOB_INPUT = '{title: "Matrix Probe"}'
_LOAN_INPUT = '{name: "Matrix Probe"}'
_COMPETITION_INPUT = (
    '{name: "Matrix Cup", edition: 99, year: 2030, submissionDeadline: "2030-01-01T00:00:00Z", tracks: [NEW_ENERGY], '
    'rounds: [{name: "final"}], criteria: [{key: "k", label: "K", weight: 1, maximum: 10}]}'
)
_DIMENSIONS = "{basicInformation: 1, positiveBehaviour: 1, dishonestyDefault: 1, creditRepair: 1, creditUsage: 1}"

# The arguments of each operation with a refused cell; {name} is the global ID of a demo object (DemoIds).
ARGUMENTS: dict[str, str] = {
    "talent": 'id: "{talent}"',
    "talents": "first: 1",
    "rankCandidates": 'jobId: "{job}"',
    "rankApplicants": 'jobId: "{job}"',
    "recommendJobs": 'talentId: "{talent}"',
    "financingOptions": 'enterpriseId: "{enterprise}"',
    "rankFinancingCandidates": 'productId: "{loan_product}"',
    "financingExclusions": 'productId: "{loan_product}"',
    "financingApplications": "first: 1",
    "creditReviewQueue": "first: 1",
    "auditTrail": "first: 1",
    "recommendationExclusions": "",
    "campaigns": "first: 1",
    "campaign": 'id: "{campaign}"',
    "suggestInvitees": 'campaignId: "{campaign}"',
    "myInvitations": "",
    "identityReviewQueue": "first: 1",
    "duplicateTalents": "first: 1",
    "myAssignments": 'roundId: "{round}"',
    "myEntries": "",
    "myTeamInvitations": "",
    "conflicts": 'competitionId: "{competition}"',
    "leaderboard": 'competitionId: "{competition}", round: "preliminary"',
    "logOutEverywhere": "",
    "requestEmailVerification": "",
    "verifyEmail": 'code: "00000000"',
    "createTalentProfile": f"input: {_TALENT_INPUT}",
    "updateTalentProfile": f'id: "{{talent}}", input: {_TALENT_INPUT}',
    "registerEnterprise": 'input: {legalName: "Matrix Probe", uscc: "91350200MA00000000", industryChain: NEW_ENERGY}',
    "postJob": f"input: {_JOB_INPUT}",
    "updateJob": f'id: "{{job}}", input: {_JOB_INPUT}',
    "closeJob": 'id: "{job}"',
    "applyToJob": 'jobId: "{job}"',
    "moveApplication": 'id: "{application}", status: SCREENING',
    "createLoanProduct": f"input: {_LOAN_INPUT}",
    "updateLoanProduct": f'id: "{{loan_product}}", input: {_LOAN_INPUT}',
    "recordFinancialYear": 'enterpriseId: "{enterprise}", year: 2024, taxPaid: 1, insuredEmployees: 1',
    "recordBidContract": (
        'enterpriseId: "{enterprise}", '
        'input: {title: "Probe", awardingAuthority: "Probe", value: 1, awardedOn: "2024-01-01"}'
    ),
    "applyForFinancing": 'productId: "{loan_product}", enterpriseId: "{enterprise}", requestedAmount: 1',
    "approveFinancing": 'id: "{financing_application}", amount: 1',
    "rejectFinancing": 'id: "{financing_application}", reason: "probe"',
    "disburseFinancing": 'id: "{financing_application}"',
    "importCreditRecords": 'format: CSV, content: "", dryRun: true',
    "repairCreditRecord": 'id: "{credit_record}", repairedOn: "2024-01-01", authority: "probe", basis: "probe"',
    "confirmCreditMatch": 'reviewId: "{credit_review}", enterpriseId: "{enterprise}"',
    "rejectCreditMatch": 'reviewId: "{credit_review}"',
    "recordPersonalCredit": f'talentId: "{{talent}}", score: 1, sourceCity: "xiamen", dimensions: {_DIMENSIONS}',
    "createCampaign": 'input: {name: "Probe", startsOn: "2030-01-01", endsOn: "2030-02-01"}',
    "inviteTalent": 'campaignId: "{campaign}", talentId: "{talent}"',
    "inviteOutsidePerson": 'campaignId: "{campaign}", person: {nameEn: "Matrix Probe"}',
    "sendInvitation": 'id: "{invitation}"',
    "respondToInvitation": 'id: "{invitation}", accept: false',
    "markAttended": 'id: "{invitation}"',
    "expireInvitation": 'id: "{invitation}"',
    "importInvitations": 'campaignId: "{campaign}", content: ""',
    "confirmIdentity": 'id: "{identity_link}"',
    "rejectIdentity": 'id: "{identity_link}"',
    "mergeTalents": 'keepId: "{talent}", mergeId: "{hidden_talent}"',
    "createCompetition": f"input: {_COMPETITION_INPUT}",
    "setPanel": 'competitionId: "{competition}", judgeIds: []',
    "submitEntry": 'competitionId: "{competition}", input: {title: "Probe"}',
    "updateEntry": 'id: "{entry}", input: {title: "Probe"}',
    "respondToTeamInvitation": 'entryId: "{entry}", accept: false',
    "setJudgeProfile": 'input: {name: "Probe"}',
    "pinAssignment": 'roundId: "{round}", judgeId: "{judge}", entryId: "{entry}", kind: FORBIDDEN',
    "assignJudges": 'competitionId: "{competition}", round: "preliminary"',
    "submitScore": 'entryId: "{entry}", roundId: "{round}", scores: []',
    "recuse": 'entryId: "{entry}", roundId: "{round}", reason: "probe"',
    "closeRound": 'roundId: "{round}"',
    "finaliseCompetition": 'competitionId: "{competition}"',
}


def _cells(row: str) -> dict[str, str]:
    values = row.split()
    assert len(values) == len(ROLES), row
    return dict(zip(ROLES, values, strict=True))


def _doc_table(heading: str) -> dict[str, str]:
    """The rows of the markdown table under ``## heading``: first cell (without backticks) -> the others."""
    section = DOC.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert tuple(header[1:]) == ROLES, header
    for line in lines[2:]:
        first, *cells = (cell.strip() for cell in line.strip("|").split("|"))
        rows[first.strip("`")] = " ".join(cells)
    return rows


def _root_fields() -> dict[str, tuple[str, GraphQLField]]:
    gql = schema._schema
    assert gql.query_type is not None and gql.mutation_type is not None
    fields = {name: ("query", f) for name, f in gql.query_type.fields.items()}
    fields.update({name: ("mutation", f) for name, f in gql.mutation_type.fields.items()})
    return fields


def _named(type_: GraphQLOutputType) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _selection(type_: GraphQLOutputType) -> str:
    """The smallest selection that shows whether data came back: the payload's objects and user errors."""
    named = _named(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    if "userErrors" not in named.fields:
        return "{ __typename }"
    parts = ["userErrors { code }"]
    for name, field in named.fields.items():
        if name != "userErrors":
            parts.append(name + (" { __typename }" if isinstance(_named(field.type), GraphQLObjectType) else ""))
    return "{ " + " ".join(parts) + " }"


@dataclass(frozen=True)
class Case:
    role: str
    operation: str
    # For node(id:) cases: the demo object asked for (a key of demo_ids), when not the type's NODE_OBJECTS one.
    object: str | None = None


def _refused(table: dict[str, str]) -> list[Case]:
    return [Case(role, name) for name, row in table.items() for role, cell in _cells(row).items() if cell == "no"]


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def matrix_http(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """An app of its own with a bucket large enough that the walk is never throttled."""
    with TestClient(create_app(settings.model_copy(update={"throttle_capacity": 10**9}), engine)) as client:
        yield client


@pytest.fixture(scope="module")
def tokens(matrix_http: TestClient) -> dict[str, str | None]:
    found: dict[str, str | None] = {"anonymous": None}
    for role, email in ACCOUNTS.items():
        body = matrix_http.post(
            "/graphql", json={"query": LOG_IN, "variables": {"email": email, "password": DEMO_PASSWORD}}
        )
        found[role] = body.json()["data"]["logIn"]["token"]
    return found


def _first_id(session: Session, model: Any, *conditions: Any) -> int:
    pk = session.exec(select(model.id).where(*conditions).order_by(model.id).limit(1)).first()
    assert pk is not None, f"the demo data has no {model.__name__}"
    return int(pk)


def _expired_record(session: Session) -> int:
    """A demo record whose publicity ended by itself."""
    for record in session.exec(select(CreditRecord).order_by(col(CreditRecord.id))):
        if record_state(record) is RecordStatus.EXPIRED:
            assert record.id is not None
            return record.id
    raise AssertionError("the demo data has no expired credit record")


def _other_bank_application(session: Session) -> int:
    """A demo application to a product of a bank the demo's bank officer does not act for."""
    officer = session.exec(select(Account).where(Account.email == ACCOUNTS["BANK_OFFICER"])).one()
    banks_products = select(LoanProduct.id).where(LoanProduct.bank != officer.bank)
    return _first_id(session, FinancingApplication, col(FinancingApplication.product_id).in_(banks_products))


@pytest.fixture(scope="module")
def demo_ids(engine: Engine) -> dict[str, str]:
    """Global IDs of demo objects, one per kind the operations need."""
    with Session(engine) as session:
        employer = session.exec(select(Account).where(Account.email == ACCOUNTS["EMPLOYER"])).one()
        judge = session.exec(select(Account).where(Account.email == ACCOUNTS["JUDGE"])).one()
        assert employer.enterprise_id is not None and judge.id is not None
        closed_round = _first_id(session, Round, Round.status == "closed")
        round_row = session.get(Round, closed_round)
        assert round_row is not None
        pks = {
            "talent": ("Talent", _first_id(session, Talent)),
            "hidden_talent": ("Talent", _first_id(session, Talent, col(Talent.discoverable).is_(False))),
            "enterprise": ("Enterprise", employer.enterprise_id),
            "job": ("Job", _first_id(session, Job)),
            "application": ("Application", _first_id(session, Application)),
            "loan_product": ("LoanProduct", _first_id(session, LoanProduct)),
            "financing_application": ("FinancingApplication", _first_id(session, FinancingApplication)),
            "campaign": ("Campaign", _first_id(session, Campaign)),
            "invitation": ("Invitation", _first_id(session, Invitation, Invitation.status != "draft")),
            "identity_link": ("IdentityLink", _first_id(session, IdentityLink)),
            "credit_record": ("CreditRecord", _first_id(session, CreditRecord)),
            "repaired_record": (
                "CreditRecord",
                _first_id(session, CreditRecord, col(CreditRecord.repaired_on).is_not(None)),
            ),
            "expired_record": ("CreditRecord", _expired_record(session)),
            "credit_review": ("CreditMatchReview", _first_id(session, CreditMatchReview)),
            "audit_entry": ("AuditEntry", _first_id(session, AuditEntry)),
            "cup_audit_entry": ("AuditEntry", _first_id(session, AuditEntry, AuditEntry.entity_type == "cup_score")),
            "other_bank_application": ("FinancingApplication", _other_bank_application(session)),
            "competition": ("Competition", round_row.competition_id),
            "round": ("Round", closed_round),
            "entry": ("Entry", _first_id(session, Entry, Entry.competition_id == round_row.competition_id)),
            "judge": ("Judge", judge.id),
            "score": ("Score", _first_id(session, Score, Score.round_id == closed_round)),
        }
    return {key: encode_global_id(type_name, pk) for key, (type_name, pk) in pks.items()}


def _with_ids(text: str, demo_ids: dict[str, str]) -> str:
    """``text`` with each ``{name}`` replaced by that demo object's global ID."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: demo_ids[m.group(1)], text)


def _post(http: TestClient, token: str | None, query: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = http.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ------------------------------------------------------------------ tests


def test_doc_matches_tables() -> None:
    # given the page and the tables here
    # then they list the same operations and node types with the same cells
    assert _doc_table("Root operations") == OPERATIONS
    assert _doc_table("`node(id:)` by type") == NODE_TYPES


def test_tables_cover_the_schema() -> None:
    # every root query and mutation has a row, every refused one its arguments
    assert set(OPERATIONS) == set(_root_fields())
    assert {c.operation for c in _refused(OPERATIONS)} <= set(ARGUMENTS)
    node_types = {
        name
        for name, t in schema._schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
    }
    assert set(NODE_TYPES) == node_types


@pytest.mark.parametrize("case", _refused(OPERATIONS), ids=lambda c: f"{c.role}-{c.operation}")
def test_refused_operation(
    case: Case, matrix_http: TestClient, tokens: dict[str, str | None], demo_ids: dict[str, str]
) -> None:
    # given a role the matrix refuses the operation
    kind, field = _root_fields()[case.operation]
    arguments = _with_ids(ARGUMENTS[case.operation], demo_ids)
    call = f"{case.operation}({arguments})" if arguments else case.operation
    query = f"{kind} {{ {call} {_selection(field.type)} }}"
    expected = "UNAUTHENTICATED" if case.role == "anonymous" else "FORBIDDEN"

    # when it is sent
    body = _post(matrix_http, tokens[case.role], query)

    # then it is refused with the code, and no data comes back
    data = (body.get("data") or {}).get(case.operation)
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    if body.get("errors"):
        assert codes == [expected], body
        assert data is None, body
        return
    assert kind == "mutation", body
    assert [e["code"] for e in data["userErrors"]] == [expected], body
    assert all(value in (None, []) for key, value in data.items() if key != "userErrors"), body


NODE_OBJECTS = {
    "Talent": "hidden_talent",
    "Application": "application",
    "FinancingApplication": "financing_application",
    "Campaign": "campaign",
    "Invitation": "invitation",
    "IdentityLink": "identity_link",
    "CreditMatchReview": "credit_review",
    "AuditEntry": "audit_entry",
    "Entry": "entry",
    "Judge": "judge",
    "Score": "score",
}


def _node_cases() -> list[Case]:
    cases = _refused(NODE_TYPES)
    # The demo's hidden talent applied to no job of the demo employer's enterprise.
    cases += [Case(role, "Talent") for role in ("JUDGE", "HEADHUNTER", "CREDIT_OFFICER", "BANK_OFFICER")]
    # Out-of-period records belong to none of the demo accounts' enterprises.
    public = ("anonymous", "TALENT", "EMPLOYER", "JUDGE", "HEADHUNTER", "BANK_OFFICER")
    cases += [Case(role, "CreditRecord", record) for role in public for record in ("expired_record", "repaired_record")]
    cases += [
        Case("CREDIT_OFFICER", "AuditEntry", "cup_audit_entry"),
        Case("BANK_OFFICER", "FinancingApplication", "other_bank_application"),
    ]
    return cases


@pytest.mark.parametrize("case", _node_cases(), ids=lambda c: "-".join(filter(None, (c.role, c.operation, c.object))))
def test_node_hidden(
    case: Case, matrix_http: TestClient, tokens: dict[str, str | None], demo_ids: dict[str, str]
) -> None:
    # given an object of a type the role may not read, which admins read
    query = f'{{ node(id: "{demo_ids[case.object or NODE_OBJECTS[case.operation]]}") {{ id __typename }} }}'
    assert _post(matrix_http, tokens["ADMIN"], query)["data"]["node"]["__typename"] == case.operation

    # when the role asks for it by ID
    body = _post(matrix_http, tokens[case.role], query)

    # then nothing comes back, as for a missing object
    assert body == {"data": {"node": None}, "extensions": body.get("extensions")}, body


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("anonymous", '{ job(id: "{job}") { applications(first: 1) { totalCount } } }'),
        ("TALENT", '{ job(id: "{job}") { applications(first: 1) { totalCount } } }'),
        ("JUDGE", '{ job(id: "{job}") { applications(first: 1) { totalCount } } }'),
        ("TALENT", '{ competition(id: "{competition}") { entries(first: 1) { totalCount } } }'),
        ("EMPLOYER", '{ competition(id: "{competition}") { judges { id } } }'),
        ("TALENT", "{ myInvitations { campaign { invitations(first: 1) { totalCount } } } }"),
        ("TALENT", '{ node(id: "{campaign}") { ... on Campaign { funnel { invited } } } }'),
        ("TALENT", '{ node(id: "{invitation}") { ... on Invitation { campaign { criteria { skills } } } } }'),
    ],
)
def test_refused_connection(
    role: str, query: str, matrix_http: TestClient, tokens: dict[str, str | None], demo_ids: dict[str, str]
) -> None:
    # given a connection of objects the role may not list
    # when it is asked for through a public parent
    body = _post(matrix_http, tokens[role], _with_ids(query, demo_ids))

    # then the connection is refused (anonymous callers are told to log in) and its parent comes back empty
    expected = "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected], body
    assert body["data"] is None or not any(body["data"].values()), body


def test_hidden_scores_are_left_out_of_round_scores(
    matrix_http: TestClient, tokens: dict[str, str | None], demo_ids: dict[str, str]
) -> None:
    # given a round with scores (admins read them)
    query = f'{{ node(id: "{demo_ids["round"]}") {{ ... on Round {{ scores {{ id }} }} }} }}'
    assert _post(matrix_http, tokens["ADMIN"], query)["data"]["node"]["scores"]

    # when a role off the panel lists them, then none come back
    for role in ("TALENT", "EMPLOYER", "HEADHUNTER", "CREDIT_OFFICER", "BANK_OFFICER"):
        assert _post(matrix_http, tokens[role], query)["data"]["node"]["scores"] == [], role
