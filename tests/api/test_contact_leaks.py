"""No path through the schema shows a person's contact data, or a hidden profile, to someone the rules keep it from.

The access matrix (test_access_matrix.py) checks who may call each operation and read each object; this walk
checks what comes back *through* them. Every talent's and every invitee's e-mail and phone is a canary. For
each demo account, the walk asks every root list it may call, ``node(id:)`` of a sample of every Node
type's objects and the root queries that take a job (``rankCandidates``, ``rankApplicants``) for the walked
employers' jobs with the most hidden applicants, following every object field two more levels down
(``job -> applications -> talent``, ``invitation -> campaign -> invitations``, ``entry -> team -> talent``,
``auditTrail -> after``, ...),
and fails when a canary the account may not read appears anywhere in an answer, masked values aside. The IDs
of hidden (not discoverable) profiles are canaries too.

Who may read which contact data is stated here on its own, from the rows, not by calling the service rules
it checks: the person themself; the employers of jobs the person applied to; the firm that typed an outside
invitee's data into its invitation; the inviting firm, once the invited talent accepted; admins (not walked:
they read everything).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLUnionType,
    Undefined,
)
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
    Enterprise,
    FinancingApplication,
    IdentityLink,
    Invitation,
    Job,
    LoanProduct,
    Talent,
)
from api.models.cup import Competition, Entry, EntryMember, JudgePanel, Round, Score
from tests.conftest import DEMO_PASSWORD, LOG_IN

ACCOUNTS = (
    "talent@demo.guilu",
    "newcomer@demo.guilu",
    "employer@demo.guilu",
    "borrower@demo.guilu",
    "judge@demo.guilu",
    "headhunter@demo.guilu",
    "headhunter2@demo.guilu",
    "credit@demo.guilu",
    "bank@demo.guilu",
    None,  # anonymous
)
SAMPLE_PER_TYPE = 12
JOBS_PER_ENTERPRISE = 3
# The table behind each Node type (and the rows of it that are objects of that type).
NODE_TABLES: dict[str, tuple[Any, ...]] = {
    "Talent": (Talent,),
    "Enterprise": (Enterprise,),
    "Job": (Job,),
    "Application": (Application,),
    "LoanProduct": (LoanProduct,),
    "FinancingApplication": (FinancingApplication,),
    "Campaign": (Campaign,),
    "Invitation": (Invitation,),
    "IdentityLink": (IdentityLink,),
    "CreditRecord": (CreditRecord,),
    "CreditMatchReview": (CreditMatchReview,),
    "AuditEntry": (AuditEntry,),
    "Competition": (Competition,),
    "Round": (Round,),
    "Entry": (Entry,),
    "Judge": (Account, Account.role == "judge"),
    "Score": (Score,),
}
# Invitation states in which the invited talent has agreed to be contacted by the firm.
ACCEPTED = {"accepted", "attended"}


def _named(type_: GraphQLOutputType) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _required(field: GraphQLField) -> set[str]:
    """The arguments a query must give ``field``: non-null ones without a default (graphql-core: ``Undefined``)."""
    return {
        name for name, a in field.args.items() if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
    }


def _walkable(field: GraphQLField) -> bool:
    """Fields the walk can ask without inventing arguments: none required."""
    return not _required(field)


def _scalars(type_: GraphQLObjectType) -> list[str]:
    return [
        name
        for name, f in type_.fields.items()
        if not isinstance(_named(f.type), GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType) and _walkable(f)
    ]


def _objects(type_: GraphQLObjectType) -> list[tuple[str, GraphQLObjectType]]:
    return [
        (name, _named(f.type))
        for name, f in type_.fields.items()
        if isinstance(_named(f.type), GraphQLObjectType) and _walkable(f)
    ]


def _selection(type_: GraphQLObjectType, hops: int) -> str:
    """Every scalar of ``type_`` and, ``hops`` levels down, of the objects it links to.

    Connections and edges do not count as hops: ``invitations { nodes { ... } }`` is one level.
    """
    parts = list(_scalars(type_))
    for name, child in _objects(type_):
        through = child.name.endswith(("Connection", "Edge", "PageInfo"))
        if hops > 0 or (through and not child.name.endswith("PageInfo")):
            inner = _selection(child, hops if through else hops - 1)
            if inner:
                parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


@dataclass(frozen=True)
class Canaries:
    """Every full e-mail and phone in the database, every hidden profile's ID, and who may read each one."""

    owners: dict[str, set[int]]  # lower-cased contact value -> ids of accounts allowed to read it
    hidden: dict[str, set[int]]  # '"<global ID>"' of a hidden profile -> ids of accounts allowed to see it

    def forbidden_for(self, account_id: int | None) -> list[str]:
        return [value for value, readers in self.owners.items() if account_id not in readers]

    def hidden_for(self, account_id: int | None) -> list[str]:
        return [value for value, readers in self.hidden.items() if account_id not in readers]

    def hidden_seen_by(self, account_id: int | None) -> list[str]:
        return [value for value, readers in self.hidden.items() if account_id in readers]


def _phone_forms(phone: str) -> set[str]:
    digits = "".join(c for c in phone if c.isdigit())
    forms = {phone}
    if len(digits) >= 8:
        forms.add(digits)
        if digits.startswith("86") and len(digits) == 13:
            forms.add(digits[2:])
    return forms


def _canaries(session: Session) -> Canaries:
    accounts = session.exec(select(Account)).all()
    by_talent: dict[int, set[int]] = {}
    by_enterprise: dict[int, set[int]] = {}
    for account in accounts:
        assert account.id is not None
        if account.talent_id is not None:
            by_talent.setdefault(account.talent_id, set()).add(account.id)
        if account.enterprise_id is not None:
            by_enterprise.setdefault(account.enterprise_id, set()).add(account.id)

    owners: dict[str, set[int]] = {}

    def allow(value: str | None, readers: set[int], *, phone: bool = False) -> None:
        if not value:
            return
        for form in _phone_forms(value) if phone else {value.lower()}:
            owners.setdefault(form, set()).update(readers)

    talent_readers: dict[int, set[int]] = {}
    for talent_id, job_employer in session.exec(
        select(Application.talent_id, Job.employer_id).join(Job, col(Job.id) == col(Application.job_id))
    ):
        talent_readers.setdefault(talent_id, set()).update(by_enterprise.get(job_employer, set()))
    for invitation in session.exec(select(Invitation)):
        firm = by_enterprise.get(invitation.firm_id, set())
        invitee = by_talent.get(invitation.talent_id, set()) if invitation.talent_id is not None else set()
        typed_by_firm = invitation.talent_id is None or invitation.email != _talent_email(session, invitation)
        # the invitation's own data: the person, and the firm when it typed it or the person accepted
        readers = invitee | (firm if typed_by_firm or invitation.status in ACCEPTED else set())
        allow(invitation.email, readers)
        allow(invitation.phone, readers, phone=True)
        if invitation.talent_id is not None and invitation.status in ACCEPTED:
            talent_readers.setdefault(invitation.talent_id, set()).update(firm)
    for talent in session.exec(select(Talent)):
        assert talent.id is not None
        readers = by_talent.get(talent.id, set()) | talent_readers.get(talent.id, set())
        allow(talent.email, readers)
        allow(talent.phone, readers, phone=True)
    # A value shared by two rows is readable by whoever may read either: intersecting would be stricter than
    # the rules. Values too short to be a canary (masked forms) were never added.
    return Canaries(owners=owners, hidden=_hidden_profiles(session, by_talent, by_enterprise))


def _hidden_profiles(
    session: Session, by_talent: dict[int, set[int]], by_enterprise: dict[int, set[int]]
) -> dict[str, set[int]]:
    """Who may see each hidden profile: the talent; the employers of jobs they applied to; once the talent
    accepted a place on a Cup team, the judges of that competition's panel."""
    hidden = {
        t: by_talent.get(t, set()) for t in session.exec(select(Talent.id).where(col(Talent.discoverable).is_(False)))
    }
    for talent_id, employer_id in session.exec(
        select(Application.talent_id, Job.employer_id).join(Job, col(Job.id) == col(Application.job_id))
    ):
        if talent_id in hidden:
            hidden[talent_id] |= by_enterprise.get(employer_id, set())
    accepted = (
        select(EntryMember.talent_id, JudgePanel.judge_account_id)
        .join(Entry, col(Entry.id) == col(EntryMember.entry_id))
        .join(JudgePanel, col(JudgePanel.competition_id) == col(Entry.competition_id))
        .where(col(EntryMember.accepted_at).is_not(None))
    )
    for talent_id, judge_id in session.exec(accepted):
        if talent_id in hidden:
            hidden[talent_id].add(judge_id)
    return {f'"{encode_global_id("Talent", t)}"': readers for t, readers in hidden.items()}


def _talent_email(session: Session, invitation: Invitation) -> str | None:
    talent = session.get(Talent, invitation.talent_id)
    return talent.email if talent else None


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def walk_http(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """An app of its own, never throttled, with room for the walk's wide selections."""
    roomy = settings.model_copy(update={"throttle_capacity": 10**9, "max_query_cost": 10**8})
    with TestClient(create_app(roomy, engine)) as client:
        yield client


def _tokens(http: TestClient) -> dict[str | None, str | None]:
    found: dict[str | None, str | None] = {None: None}
    for email in ACCOUNTS:
        if email is not None:
            body = http.post(
                "/graphql", json={"query": LOG_IN, "variables": {"email": email, "password": DEMO_PASSWORD}}
            )
            found[email] = body.json()["data"]["logIn"]["token"]
    return found


def _node_samples(session: Session) -> dict[str, list[str]]:
    """Global IDs of the first and last SAMPLE_PER_TYPE objects of every Node type, from its table."""
    samples: dict[str, list[str]] = {}
    for type_name, (model, *conditions) in NODE_TABLES.items():
        ids = set()
        for order in (model.id, model.id.desc()):
            ids.update(session.exec(select(model.id).where(*conditions).order_by(order).limit(SAMPLE_PER_TYPE)))
        samples[type_name] = [encode_global_id(type_name, pk) for pk in sorted(ids)]
    return samples


def _job_samples(session: Session) -> list[str]:
    """Global IDs of the jobs the root queries taking a job (``rankCandidates``, ``rankApplicants``) are asked
    for: of each walked account's enterprise, the JOBS_PER_ENTERPRISE jobs with the most hidden applicants, then
    the most applicants (so the employers' own rankings, with the hidden profiles they may see, are walked)."""
    walked = [email for email in ACCOUNTS if email]
    enterprises = set(session.exec(select(Account.enterprise_id).where(col(Account.email).in_(walked))))
    owner: dict[int, int] = {}
    applied: Counter[int] = Counter()
    hidden: Counter[int] = Counter()
    for job_id, employer_id, discoverable in session.exec(
        select(Job.id, Job.employer_id, Talent.discoverable)
        .join(Application, col(Application.job_id) == col(Job.id))
        .join(Talent, col(Talent.id) == col(Application.talent_id))
    ):
        if employer_id in enterprises:
            owner[job_id] = employer_id
            applied[job_id] += 1
            hidden[job_id] += not discoverable
    chosen: list[int] = []
    for enterprise in set(owner.values()):
        jobs = sorted((j for j, e in owner.items() if e == enterprise), key=lambda j: (-hidden[j], -applied[j], j))
        chosen += jobs[:JOBS_PER_ENTERPRISE]
    return [encode_global_id("Job", pk) for pk in sorted(chosen)]


def _queries(samples: dict[str, list[str]], jobs: list[str]) -> Iterator[tuple[str, str]]:
    gql = schema._schema
    assert gql.query_type is not None
    for name, field in gql.query_type.fields.items():
        named = _named(field.type)
        if name in {"node", "nodes"} or not isinstance(named, GraphQLObjectType):
            continue
        if _walkable(field):
            yield name, f"{{ {name} {{ {_selection(named, 2)} }} }}"
        elif _required(field) == {"jobId"}:
            size = ", first: 100" if "first" in field.args else ""
            for job in jobs:
                yield f"{name}({job})", f'{{ {name}(jobId: "{job}"{size}) {{ {_selection(named, 2)} }} }}'
    for type_name, ids in samples.items():
        type_ = gql.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType)
        aliases = " ".join(f'o{i}: node(id: "{pk}") {{ ...Walk }}' for i, pk in enumerate(ids))
        yield type_name, f"{{ {aliases} }} fragment Walk on {type_name} {{ {_selection(type_, 0)} }}"
        for field_name, child in _objects(type_):
            inner = _selection(child, 2)
            if inner:
                query = f"{{ {aliases} }} fragment Walk on {type_name} {{ id {field_name} {{ {inner} }} }}"
                yield f"{type_name}.{field_name}", query


def _leaks(text: str, forbidden: list[str]) -> list[str]:
    lowered = text.lower()
    return [value for value in forbidden if value in lowered]


def test_no_account_reads_contact_data_or_hidden_profiles_it_may_not(walk_http: TestClient, engine: Engine) -> None:
    # given every contact value in the database and who may read it
    with Session(engine) as session:
        canaries = _canaries(session)
        ids = {a.email: a.id for a in session.exec(select(Account))}
        samples = _node_samples(session)
        jobs = _job_samples(session)
    tokens = _tokens(walk_http)
    node_types = {
        name
        for name, t in schema._schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
    }
    assert set(NODE_TABLES) == node_types  # a new Node type must join the walk
    assert jobs  # employer@'s and borrower@'s jobs with applicants
    assert len(canaries.owners) > 300  # the demo's 320 talents and 50 invitees, at least

    # when each account walks every root list and every node's relations
    found: dict[str, list[str]] = {}
    reached: set[str] = set()  # what showed the demo employer a hidden profile of its applicants
    asked = 0
    for email, token in tokens.items():
        forbidden = canaries.forbidden_for(ids.get(email) if email else None)
        hidden = canaries.hidden_for(ids.get(email) if email else None)
        allowed = canaries.hidden_seen_by(ids.get(email) if email else None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for path, query in _queries(samples, jobs):
            response = walk_http.post("/graphql", json={"query": query}, headers=headers)
            assert response.status_code == 200, (path, response.text[:500])
            body = response.json()
            assert "data" in body, (path, body)
            asked += 1
            leaked = _leaks(response.text, forbidden) + [gid for gid in hidden if gid in response.text]
            if leaked:
                found[f"{email or 'anonymous'} {path}"] = leaked[:3]
            if email and email.startswith("employer@") and any(gid in response.text for gid in allowed):
                reached.add(path.split("(")[0])

    # then no answer carries contact data the account may not read, nor a hidden profile it may not see
    assert asked > 500
    assert found == {}, found
    # and the walk did reach the hidden applicants, through both rankings of the employer's job
    assert {"rankCandidates", "rankApplicants"} <= reached, reached
