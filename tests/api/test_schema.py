"""The committed schema.graphql is the schema the code serves, and the contract's names exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType, build_schema

from api.graphql.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
SDL = build_schema(str(schema))

QUERY_FIELDS = [
    "me",
    "talent",
    "talents",
    "enterprise",
    "enterprises",
    "job",
    "jobs",
    "rankCandidates",
    "rankApplicants",
    "recommendJobs",
    "resolveEnterprise",
    "node",
]
MUTATION_FIELDS = [
    "signUp",
    "logIn",
    "createTalentProfile",
    "updateTalentProfile",
    "registerEnterprise",
    "postJob",
    "updateJob",
    "closeJob",
    "applyToJob",
    "moveApplication",
]
TYPE_FIELDS = {
    "CandidateMatch": ["talent", "score", "explanation", "matchedSkills", "missingSkills", "application"],
    "ApplicantMatch": ["application", "talent", "score", "explanation", "matchedSkills", "missingSkills"],
    "JobMatch": ["job", "score", "explanation", "matchedSkills", "missingSkills"],
    "MatchComponent": ["component", "weight", "similarity", "contribution", "detail"],
    "EnterpriseMatch": ["enterprise", "score", "matchedName"],
    "UserError": ["field", "message", "code"],
    "PageInfo": ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"],
}


def _fields(type_name: str) -> set[str]:
    graphql_type = SDL.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType), f"{type_name} is not an object type in the schema"
    return set(graphql_type.fields)


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.exists(), "schema.graphql is missing: run `guilu export-schema`"

    committed = SCHEMA_FILE.read_text(encoding="utf-8")

    assert committed == str(schema) + "\n", "schema.graphql is out of date: run `guilu export-schema` and commit it"


@pytest.mark.parametrize(("root", "names"), [("Query", QUERY_FIELDS), ("Mutation", MUTATION_FIELDS)])
def test_root_fields_of_the_contract_exist(root: str, names: list[str]) -> None:
    assert set(names) <= _fields(root)


@pytest.mark.parametrize(("type_name", "names"), sorted(TYPE_FIELDS.items()))
def test_types_of_the_contract_have_their_fields(type_name: str, names: list[str]) -> None:
    assert set(names) <= _fields(type_name)


def test_every_object_type_with_an_id_implements_node() -> None:
    node = SDL.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)

    node_types = {t.name for t in SDL.get_possible_types(node)}

    assert {"Enterprise", "Job", "Talent", "Application"} <= node_types
