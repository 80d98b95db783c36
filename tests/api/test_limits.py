"""Limits on what one operation may ask for (depth, aliases, tokens, page size) and how long it may run,
checked over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import Lexer, Source, TokenKind
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

import api.graphql.queries
from api.app import create_app
from api.config import Settings
from api.graphql.schema import MAX_ALIASES, MAX_QUERY_DEPTH, MAX_TOKENS

MODERN = {"Accept": "application/graphql-response+json"}


def _post(client: TestClient, query: str, headers: dict[str, str] | None = None) -> Any:
    return client.post("/graphql", json={"query": query}, headers=headers or {})


def _application_chain(levels: int) -> str:
    """Application > job > applications > edges > node, ``levels`` times: 4 levels deeper each time."""
    inner = "id"
    for _ in range(levels):
        inner = f"job {{ applications(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}"
    return f'{{ node(id: "QXBwbGljYXRpb246MQ==") {{ ... on Application {{ {inner} }} }} }}'


def test_a_query_within_the_depth_limit_runs(client: TestClient) -> None:
    response = _post(client, _application_chain(2), MODERN)  # 10 levels

    assert response.status_code == 200
    assert "errors" not in response.json()


def test_a_query_deeper_than_the_limit_is_refused(client: TestClient) -> None:
    response = _post(client, _application_chain(3), MODERN)  # 14 levels

    assert response.status_code == 400
    assert f"exceeds maximum operation depth of {MAX_QUERY_DEPTH}" in response.json()["errors"][0]["message"]


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def test_the_alias_limit_allows_exactly_the_maximum(client: TestClient) -> None:
    response = _post(client, _aliases(MAX_ALIASES), MODERN)

    assert response.status_code == 200
    assert len(response.json()["data"]) == MAX_ALIASES


def test_one_alias_too_many_is_refused(client: TestClient) -> None:
    response = _post(client, _aliases(MAX_ALIASES + 1), MODERN)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}"


def test_a_document_over_the_token_limit_is_refused_before_it_is_parsed_whole(client: TestClient) -> None:
    # given: "{", MAX_TOKENS "__typename" and "}" make MAX_TOKENS + 2 tokens
    query = "{ " + "__typename " * MAX_TOKENS + "}"

    # when
    response = _post(client, query, MODERN)

    # then
    assert response.status_code == 400
    assert f"more than {MAX_TOKENS} tokens" in response.json()["errors"][0]["message"]


def _token_count(document: str) -> int:
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def test_a_document_just_under_the_token_limit_runs(client: TestClient) -> None:
    # given: 30 aliased introspections of one type, close to the token limit
    selection = (
        '__type(name: "Query") { name kind description fields(includeDeprecated: true) { name description '
        "isDeprecated deprecationReason args { name description type { name kind ofType { name kind ofType { name "
        "kind } } } } type { name kind ofType { name kind ofType { name kind } } } } }"
    )
    query = "{ " + " ".join(f"a{i}: {selection}" for i in range(MAX_ALIASES)) + " }"
    assert MAX_TOKENS - 200 < _token_count(query) <= MAX_TOKENS

    # when
    response = _post(client, query, MODERN)

    # then
    assert response.status_code == 200
    assert response.json()["data"]["a29"]["name"] == "Query"


def test_a_page_larger_than_100_is_refused(client: TestClient) -> None:
    response = _post(client, "{ jobs(first: 101) { totalCount } }")

    (error,) = response.json()["errors"]
    assert error["message"] == "`first` must be at most 100"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.fixture
def impatient_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"operation_timeout_seconds": 0.2}), engine)) as client:
        yield client


def test_an_operation_over_the_time_limit_is_stopped_with_a_timeout_error(
    impatient_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a resolver that would take 30 s (awaiting, so it can be cancelled)
    async def slow(*_args: Any) -> None:
        await asyncio.sleep(30)

    monkeypatch.setattr(api.graphql.queries, "_node", slow)

    # when
    started = time.monotonic()
    response = _post(impatient_client, 'query Slow { node(id: "Sm9iOjE=") { id } }', {"X-Request-ID": "slow-1"})
    elapsed = time.monotonic() - started

    # then
    assert elapsed < 10
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "TIMEOUT", "requestId": "slow-1"}
    assert "0.2 s" in error["message"]


def test_an_operation_within_the_time_limit_is_answered(impatient_client: TestClient) -> None:
    response = _post(impatient_client, "{ jobs(first: 2) { totalCount } }")

    assert response.status_code == 200
    assert response.json()["data"]["jobs"]["totalCount"] > 0


# ------------------------------------------------------------------ echoed input is cut short (L6)

LONG_ROUND = "界" * 100_000


def _demo_competition(admin_api_client: Any) -> str:
    competition_id: str = admin_api_client.execute("{ competitions { id } }")["data"]["competitions"][0]["id"]
    return competition_id


def test_an_unknown_round_name_is_echoed_cut_short(admin_api_client: Any) -> None:
    # given / when
    body = admin_api_client.execute(
        "query($c: ID!, $r: String!) { leaderboard(competitionId: $c, round: $r) { method } }",
        {"c": _demo_competition(admin_api_client), "r": LONG_ROUND},
    )

    # then NOT_FOUND, naming the round by its first 64 characters and an ellipsis
    error = body["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert f"'{'界' * 64}…'" in error["message"] and len(error["message"]) < 300


def test_the_leaderboard_export_echoes_an_unknown_round_cut_short(client: TestClient, admin_api_client: Any) -> None:
    competition_id = _demo_competition(admin_api_client)
    response = client.get(
        f"/exports/competitions/{competition_id}/leaderboard.csv",
        params={"round": "r" * 5_000},
        headers={"Authorization": f"Bearer {admin_api_client.token}"},
    )

    assert response.status_code == 404
    message = response.json()["errors"][0]["message"]
    assert f"'{'r' * 64}…'" in message and len(message) < 300


def test_an_unknown_export_format_is_echoed_cut_short(client: TestClient, admin_api_client: Any) -> None:
    response = client.get(
        "/exports/jobs/Sm9iOjE/candidates." + "x" * 5_000, headers={"Authorization": f"Bearer {admin_api_client.token}"}
    )

    assert response.status_code == 404
    message = response.json()["errors"][0]["message"]
    assert "x" * 64 + "…" in message and len(message) < 200
