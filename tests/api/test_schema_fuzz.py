"""Property-based fuzzing of the root queries, built from the schema itself.

Hypothesis picks a root query field, arguments of the right GraphQL types (with edge values: huge and negative
numbers, empty, very long and unicode strings, random and garbage IDs) and a nested selection up to depth 3, and
sends it over HTTP as anonymous and as an admin. Whatever the input, the server answers without a 5xx, every error
is a coded, expected one (or a parse / validation message before execution), and no error shows internals.
Only queries are sent, so the shared test database is left as it is.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLUnionType,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.graphql.ids import encode_global_id
from api.graphql.schema import schema
from tests.conftest import DEMO_PASSWORD, LOG_IN

GQL = schema._schema
assert GQL.query_type is not None
ROOT_FIELDS = sorted(GQL.query_type.fields.items())
NODE_TYPES = sorted(
    name
    for name, t in GQL.type_map.items()
    if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
)
MAX_DEPTH = 3

# Codes an execution error may carry; anything else (INTERNAL_SERVER_ERROR above all) is a bug.
EXPECTED_CODES = {
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "FORBIDDEN",
    "UNAUTHENTICATED",
    "GRAPHQL_VALIDATION_FAILED",
    "GRAPHQL_PARSE_FAILED",
    "MAX_COST_EXCEEDED",
}
LEAKS = re.compile(r"traceback|sqlalchemy|psycopg|sqlite|\.py\b|/work/|/usr/|site-packages|File \"", re.IGNORECASE)

EDGE_INTS = [0, -1, 1, 2**31 - 1, -(2**31), 2**31, 2**53, -(2**63), 10**30]
EDGE_FLOATS = [0.0, -0.0, -1.5, 1e308, -1e308, 5e-324, 1e15]
EDGE_STRINGS = [
    "",
    " ",
    "\t\n",
    "x" * 10_001,
    "厦" * 5_000,
    "'; DROP TABLE talent; --",
    "%_\\",
    "\u202e\u0000",
    "🦀" * 50,
]


def _ids(hint: str | None = None) -> st.SearchStrategy[str]:
    """IDs of the ``hint`` type (mostly of existing demo objects) as often as malformed or mistyped ones."""
    garbage = st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).decode())
    typed = st.builds(
        encode_global_id,
        st.sampled_from([*NODE_TYPES, "Nope", "", "Talent:1"]),
        st.one_of(st.sampled_from(EDGE_INTS), st.integers(min_value=-5, max_value=400)),
    )
    other = st.one_of(typed, garbage, st.text(max_size=30), st.sampled_from(EDGE_STRINGS))
    if hint not in NODE_TYPES:
        return other
    return st.one_of(st.builds(encode_global_id, st.just(hint), st.integers(min_value=1, max_value=60)), other)


def _id_hint(field_name: str, arg_name: str) -> str | None:
    """The type an ID argument names: ``jobId`` a Job, ``id`` of ``talent(id:)`` a Talent."""
    base = field_name if arg_name == "id" else arg_name.removesuffix("Id").removesuffix("Ids")
    for name in NODE_TYPES:
        if name.lower() == base.lower():
            return name
    return None


def _scalar(type_: GraphQLScalarType) -> st.SearchStrategy[Any]:
    name = type_.name
    if name == "Int":
        return st.one_of(st.sampled_from(EDGE_INTS), st.integers(min_value=-1000, max_value=1000))
    if name == "Float":
        return st.one_of(st.sampled_from(EDGE_FLOATS), st.floats(allow_nan=False, allow_infinity=False))
    if name == "Boolean":
        return st.booleans()
    if name == "ID":
        return _ids()
    if name == "Date":
        return st.one_of(st.dates().map(str), st.text(max_size=12))
    if name == "DateTime":
        return st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), st.text(max_size=12))
    return st.one_of(st.text(max_size=40), st.sampled_from(EDGE_STRINGS))


def _value(type_: GraphQLInputType, depth: int = 0, hint: str | None = None) -> st.SearchStrategy[Any]:
    """A variable value of ``type_``; nullable types are sometimes null; ``hint`` the type its IDs name."""
    if isinstance(type_, GraphQLNonNull):
        return _inner_value(type_.of_type, depth, hint)
    return st.one_of(st.none(), _inner_value(type_, depth, hint))


def _inner_value(type_: GraphQLInputType, depth: int, hint: str | None = None) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(_value(type_.of_type, depth + 1, hint), max_size=3)
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(sorted(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        required = {n: _value(f.type, depth + 1) for n, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull)}
        optional = (
            {} if depth > 2 else {n: _value(f.type, depth + 1) for n, f in type_.fields.items() if n not in required}
        )
        return st.fixed_dictionaries(required, optional=optional)
    assert isinstance(type_, GraphQLScalarType)
    return _ids(hint) if type_.name == "ID" else _scalar(type_)


def _named(type_: GraphQLOutputType) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _selectable(field: GraphQLField) -> bool:
    """Fields a nested selection can use without arguments."""
    return not any(isinstance(a.type, GraphQLNonNull) and a.default_value is None for a in field.args.values())


@st.composite
def _selection(draw: st.DrawFn, type_: GraphQLOutputType, depth: int) -> str:
    named = _named(type_)
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        return "{ __typename }"
    if not isinstance(named, GraphQLObjectType):
        return ""
    fields = sorted((n, f) for n, f in named.fields.items() if _selectable(f))
    if depth >= MAX_DEPTH:
        fields = [(n, f) for n, f in fields if not isinstance(_named(f.type), GraphQLObjectType)]
    if not fields:
        return "{ __typename }"
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique_by=lambda nf: nf[0]))
    parts = [name + draw(_selection(field.type, depth + 1)) for name, field in chosen]
    return "{ " + " ".join(parts) + " }"


@st.composite
def root_queries(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A query document on one root field, and its variables."""
    name, field = draw(st.sampled_from(ROOT_FIELDS))
    declarations: list[str] = []
    arguments: list[str] = []
    variables: dict[str, Any] = {}
    for arg_name, arg in sorted(field.args.items()):
        assert isinstance(arg, GraphQLArgument)
        if not isinstance(arg.type, GraphQLNonNull) and draw(st.booleans()):
            continue
        variable = f"v{len(declarations)}"
        declarations.append(f"${variable}: {arg.type}")
        arguments.append(f"{arg_name}: ${variable}")
        variables[variable] = draw(_value(arg.type, hint=_id_hint(name, arg_name)))
    head = f"query Fuzz({', '.join(declarations)})" if declarations else "query Fuzz"
    call = f"{name}({', '.join(arguments)})" if arguments else name
    return f"{head} {{ {call} {draw(_selection(field.type, 1))} }}", variables


@pytest.fixture(scope="module")
def fuzz_http(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """An app of its own, never throttled: the fuzzer sends many requests from one address."""
    with TestClient(create_app(settings.model_copy(update={"throttle_capacity": 10**9}), engine)) as client:
        yield client


@pytest.fixture(scope="module")
def admin_token(fuzz_http: TestClient) -> str:
    variables = {"email": "admin@demo.guilu", "password": DEMO_PASSWORD}
    token: str = fuzz_http.post("/graphql", json={"query": LOG_IN, "variables": variables}).json()["data"]["logIn"][
        "token"
    ]
    return token


def _check(response: Any) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    for error in body.get("errors", []):
        message = error.get("message", "")
        assert not LEAKS.search(message), error
        code = (error.get("extensions") or {}).get("code")
        if code is None:
            # Parse, validation and variable errors come before execution, so they have no path.
            assert "path" not in error, error
        else:
            assert code in EXPECTED_CODES, error


@settings(max_examples=150, deadline=None)
@given(query=root_queries(), as_admin=st.booleans())
def test_fuzzed_queries_never_fail_unexpectedly(
    fuzz_http: TestClient, admin_token: str, query: tuple[str, dict[str, Any]], as_admin: bool
) -> None:
    # given a generated query on a root field, with generated arguments
    document, variables = query
    headers = {"Authorization": f"Bearer {admin_token}"} if as_admin else {}

    # when it is sent
    response = fuzz_http.post("/graphql", json={"query": document, "variables": variables}, headers=headers)

    # then the server answers with expected, masked errors only
    _check(response)
