"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): media types, status codes, request ids,
trusted documents and production mode, all over HTTP against the ASGI app."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

import api.graphql.queries
from api.app import create_app
from api.config import DEVELOPMENT_SECRET, Settings
from api.transport import negotiate_media_type
from api.trusted_documents import TrustedDocumentsError, document_hash

REPO_ROOT = Path(__file__).resolve().parents[2]
GRAPHQL_RESPONSE = "application/graphql-response+json"
MODERN = {"Accept": GRAPHQL_RESPONSE}
LEGACY = {"Accept": "application/json"}
TYPENAME = "{ __typename }"
UNKNOWN_FIELD = "{ jobz { totalCount } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
NODE = 'query Node { node(id: "Sm9iOjE=") { id } }'


@pytest.fixture
def production_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"production": True}), engine)) as client:
        yield client


def _post(client: TestClient, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.post(
        "/graphql", content=orjson.dumps(body), headers={"Content-Type": "application/json", **(headers or {})}
    )


def _codes(response: Any) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


# --- media types -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, GRAPHQL_RESPONSE),  # no Accept: the spec's default after its 2025 watershed
        ("", GRAPHQL_RESPONSE),
        ("*/*", "application/json"),  # wildcards only: a legacy client, keep the always-200 behaviour
        ("application/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),  # both equally: the modern one
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
        ("application/json, */*", "application/json"),
        (f"{GRAPHQL_RESPONSE};charset=utf-8", GRAPHQL_RESPONSE),
        ("application/json;charset=latin-1", None),
        ("text/html", None),
        ("text/html, */*;q=0", None),
    ],
)
def test_the_response_media_type_follows_accept(accept: str | None, expected: str | None) -> None:
    assert negotiate_media_type(accept) == expected


def test_a_query_is_served_as_graphql_response_json_when_the_client_accepts_it(client: TestClient) -> None:
    response = _post(client, {"query": TYPENAME}, {"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"})

    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("accept", ["application/json", "*/*"])
def test_legacy_clients_get_application_json(client: TestClient, accept: str) -> None:
    response = _post(client, {"query": TYPENAME}, {"Accept": accept})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"] == {"__typename": "Query"}


def test_an_accept_header_allowing_neither_type_gets_406(client: TestClient) -> None:
    response = _post(client, {"query": TYPENAME}, {"Accept": "text/html"})

    assert response.status_code == 406
    assert _codes(response) == ["NOT_ACCEPTABLE"]


# --- status codes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"query": UNKNOWN_FIELD},  # validation
        {"query": "{ jobs(first: 1) {"},  # syntax
        {"query": "query A { __typename }", "operationName": "B"},  # no such operation
        {"query": "query ($s: JobStatus!) { jobs(filter: {status: $s}) { totalCount } }", "variables": {}},
    ],
)
def test_a_request_error_is_400_without_data_under_graphql_response_json(
    client: TestClient, body: dict[str, Any]
) -> None:
    response = _post(client, body, MODERN)

    assert response.status_code == 400
    payload = response.json()
    assert "data" not in payload
    assert payload["errors"]


@pytest.mark.parametrize("query", [UNKNOWN_FIELD, "{ jobs(first: 1) {"])
def test_a_request_error_stays_200_under_application_json(client: TestClient, query: str) -> None:
    response = _post(client, {"query": query}, LEGACY)

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"]


@pytest.mark.parametrize("headers", [MODERN, LEGACY])
def test_a_body_that_is_not_json_gets_400(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/graphql", content=b'{"query":', headers={"Content-Type": "application/json", **headers})

    assert response.status_code == 400
    assert _codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize("body", [{}, {"query": None}, {"query": ""}, {"variables": {}}])
def test_a_request_without_a_query_gets_400(client: TestClient, body: dict[str, Any]) -> None:
    response = _post(client, body, LEGACY)

    assert response.status_code == 400
    assert _codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "body", [{"query": 7}, {"query": TYPENAME, "variables": [1]}, {"query": TYPENAME, "operationName": 1}, "{}"]
)
def test_parameters_of_the_wrong_type_get_400(client: TestClient, body: Any) -> None:
    response = _post(client, body, MODERN)

    assert response.status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_application_json_gets_415(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post("/graphql", content=orjson.dumps({"query": TYPENAME}), headers=headers)

    assert response.status_code == 415
    assert _codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]


def test_a_query_over_get_is_served(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": TYPENAME}, headers=MODERN)

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


def test_a_mutation_over_get_gets_405_and_nothing_runs(client: TestClient) -> None:
    mutation = 'mutation { logIn(email: "admin@demo.guilu", password: "guilu-demo") { token } }'

    response = client.get("/graphql", params={"query": mutation}, headers=MODERN)

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert _codes(response) == ["METHOD_NOT_ALLOWED"]


def test_a_batch_is_refused_with_400(client: TestClient) -> None:
    response = _post(client, [{"query": TYPENAME}, {"query": TYPENAME}], MODERN)

    assert response.status_code == 400
    assert _codes(response) == ["BATCHING_NOT_SUPPORTED"]
    assert "batching is not supported" in response.json()["errors"][0]["message"]


@pytest.fixture
def small_body_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"max_body_bytes": 200}), engine)) as client:
        yield client


def test_a_body_over_the_cap_gets_413(small_body_client: TestClient) -> None:
    # given: a declared length over 200 bytes
    body = orjson.dumps({"query": "{ " + "__typename " * 30 + "}"})

    # when
    response = small_body_client.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    # then
    assert response.status_code == 413
    assert _codes(response) == ["REQUEST_TOO_LARGE"]


def test_a_chunked_body_is_cut_off_at_the_cap(small_body_client: TestClient) -> None:
    # given: no Content-Length, the body streamed in chunks past 200 bytes
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ '
        for _ in range(100):
            yield b"__typename "
        yield b'}"}'

    # when
    response = small_body_client.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})

    # then
    assert response.status_code == 413


def test_a_body_under_the_cap_is_served(small_body_client: TestClient) -> None:
    response = _post(small_body_client, {"query": TYPENAME})

    assert response.status_code == 200


def test_a_field_error_is_still_200_with_data(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a resolver that fails unexpectedly (node is nullable, so data survives)
    async def broken(*_args: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(api.graphql.queries, "_node", broken)

    # when
    response = _post(client, {"query": NODE}, MODERN)

    # then
    assert response.status_code == 200
    assert response.json()["data"] == {"node": None}


# --- request ids and masked errors -------------------------------------------------------------------------------


def test_a_sane_request_id_is_echoed(client: TestClient) -> None:
    response = _post(client, {"query": TYPENAME}, {"X-Request-ID": "trace-42.a_b"})

    assert response.headers["x-request-id"] == "trace-42.a_b"


@pytest.mark.parametrize("offered", [None, "x" * 65, "has space", "semi;colon", "<script>"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client: TestClient, offered: str | None) -> None:
    headers = {"X-Request-ID": offered} if offered is not None else {}

    first = _post(client, {"query": TYPENAME}, headers)
    second = _post(client, {"query": TYPENAME}, headers)

    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_refusals_and_other_routes_carry_a_request_id(client: TestClient) -> None:
    refused = client.get("/graphql", params={"query": "mutation { logOut }"})
    health = client.get("/healthz", headers={"X-Request-ID": "probe-1"})

    assert refused.status_code == 405
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
    assert health.headers["x-request-id"] == "probe-1"


def test_a_masked_error_carries_the_request_id_and_is_logged_with_its_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    async def broken(*_args: Any) -> None:
        raise RuntimeError("password=hunter2 in the connection string")

    monkeypatch.setattr(api.graphql.queries, "_node", broken)

    # when
    with caplog.at_level(logging.ERROR, logger="guilu"):
        response = _post(client, {"query": NODE}, {"X-Request-ID": "req-masked-1"})

    # then: the client sees a code and the id, never the exception
    (error,) = response.json()["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-masked-1"}
    assert "hunter2" not in response.text
    # and the log has the id and the original traceback
    (record,) = [r for r in caplog.records if r.name == "guilu" and "req-masked-1" in r.getMessage()]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    assert "hunter2" in caplog.text


def test_expected_errors_stay_readable(client: TestClient) -> None:
    response = _post(client, {"query": UNKNOWN_FIELD}, LEGACY)

    (error,) = response.json()["errors"]
    assert error["message"].startswith("Cannot query field 'jobz'")
    assert "requestId" not in (error.get("extensions") or {})


# --- introspection and suggestions -------------------------------------------------------------------------------


def test_introspection_and_suggestions_are_on_by_default(client: TestClient) -> None:
    introspection = _post(client, {"query": INTROSPECTION}, LEGACY).json()
    suggestion = _post(client, {"query": UNKNOWN_FIELD}, LEGACY).json()

    assert introspection["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert "Did you mean" in suggestion["errors"][0]["message"]


def test_production_turns_introspection_off(production_client: TestClient) -> None:
    response = _post(production_client, {"query": INTROSPECTION}, MODERN)

    assert response.status_code == 400
    assert "introspection has been disabled" in response.json()["errors"][0]["message"]
    assert _post(production_client, {"query": TYPENAME}).json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (UNKNOWN_FIELD, None),  # field names
        ("{ jobs(frist: 1) { totalCount } }", None),  # argument names
        ("query ($f: JobFilterr) { jobs(filter: $f) { totalCount } }", None),  # type names
        ("query ($s: JobStatus) { jobs(filter: {status: $s}) { totalCount } }", {"s": "OPN"}),  # enum values
    ],
)
def test_production_gives_no_suggestions(
    client: TestClient, production_client: TestClient, query: str, variables: dict[str, Any] | None
) -> None:
    development = _post(client, {"query": query, "variables": variables}, LEGACY).json()
    production = _post(production_client, {"query": query, "variables": variables}, LEGACY).json()

    assert any("Did you mean" in error["message"] for error in development["errors"])
    assert production["errors"]
    assert not any("Did you mean" in error["message"] for error in production["errors"])


def test_introspection_and_suggestions_can_be_turned_back_on_in_production(settings: Settings, engine: Engine) -> None:
    configured = settings.model_copy(update={"production": True, "introspection": True, "field_suggestions": True})
    with TestClient(create_app(configured, engine)) as client:
        introspection = _post(client, {"query": INTROSPECTION}, LEGACY).json()
        suggestion = _post(client, {"query": UNKNOWN_FIELD}, LEGACY).json()

    assert introspection["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert "Did you mean" in suggestion["errors"][0]["message"]


# --- production mode ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("update", "problem"),
    [
        ({"secret_key": None}, "GUILU_SECRET_KEY is not set"),
        ({"secret_key": DEVELOPMENT_SECRET}, "GUILU_SECRET_KEY is the development secret"),
        ({"demo": True}, "demo mode is on"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(
    settings: Settings, engine: Engine, update: dict[str, Any], problem: str
) -> None:
    with pytest.raises(RuntimeError, match=problem):
        create_app(settings.model_copy(update={"production": True, **update}), engine)


@pytest.mark.parametrize(
    ("extra_env", "problem"),
    [({}, "GUILU_SECRET_KEY is not set"), ({"GUILU_SECRET_KEY": DEVELOPMENT_SECRET}, "the development secret")],
)
def test_guilu_serve_refuses_production_without_a_real_secret(
    tmp_path: Path, extra_env: dict[str, str], problem: str
) -> None:
    # given
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILU_")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'guilu.db'}", "GUILU_PRODUCTION": "true", **extra_env})

    # when
    result = subprocess.run(
        [sys.executable, "-c", "from api.cli import main; main()", "serve"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 2
    assert "refusing to start in production mode" in output
    assert problem in output
    assert "Traceback" not in output


# --- trusted documents -------------------------------------------------------------------------------------------


@pytest.fixture
def trusted_client(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    manifest = tmp_path / "trusted.json"
    manifest.write_bytes(orjson.dumps({document_hash(TYPENAME): TYPENAME}))
    configured = settings.model_copy(update={"production": True, "trusted_documents": manifest})
    with TestClient(create_app(configured, engine)) as client:
        yield client


def test_a_trusted_document_runs_by_its_id(trusted_client: TestClient) -> None:
    by_id = _post(trusted_client, {"documentId": f"sha256:{document_hash(TYPENAME)}"}, MODERN)
    by_apollo_hash = _post(
        trusted_client, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_hash(TYPENAME)}}}
    )
    by_get = trusted_client.get("/graphql", params={"documentId": f"sha256:{document_hash(TYPENAME)}"})

    for response in (by_id, by_apollo_hash, by_get):
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"__typename": "Query"}


def test_a_trusted_document_runs_when_sent_in_full(trusted_client: TestClient) -> None:
    response = _post(trusted_client, {"query": TYPENAME}, MODERN)

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


def test_an_unknown_document_id_is_refused(trusted_client: TestClient) -> None:
    response = _post(trusted_client, {"documentId": f"sha256:{document_hash('{ me { id } }')}"}, MODERN)

    assert response.status_code == 400
    assert _codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_a_query_not_in_the_manifest_is_refused(trusted_client: TestClient) -> None:
    modern = _post(trusted_client, {"query": "{ me { id } }"}, MODERN)
    legacy = _post(trusted_client, {"query": "{ me { id } }"}, LEGACY)

    assert modern.status_code == 400
    assert modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert _codes(modern) == ["PERSISTED_QUERY_NOT_ALLOWED"]
    # a GraphQL request error: 200 under the legacy media type, as the spec asks
    assert legacy.status_code == 200
    assert _codes(legacy) == ["PERSISTED_QUERY_NOT_ALLOWED"]


def test_a_malformed_document_id_is_refused(trusted_client: TestClient) -> None:
    response = _post(trusted_client, {"documentId": "md5:abc"}, MODERN)

    assert response.status_code == 400
    assert _codes(response) == ["BAD_REQUEST"]


def test_a_bad_manifest_stops_the_app_from_starting(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    manifest = tmp_path / "trusted.json"
    manifest.write_bytes(orjson.dumps({"0" * 64: TYPENAME}))

    with pytest.raises(TrustedDocumentsError, match="not the sha256 of its document"):
        create_app(settings.model_copy(update={"trusted_documents": manifest}), engine)


def test_the_cli_builds_a_manifest_the_server_accepts(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    # given: two .graphql files, a fragment in one used by an operation in the other
    sources = tmp_path / "client"
    (sources / "nested").mkdir(parents=True)
    (sources / "fragments.graphql").write_text("fragment JobTitle on Job { title }\n", encoding="utf-8")
    (sources / "nested" / "jobs.graphql").write_text(
        "query FirstJobs { jobs(first: 2) { edges { node { ...JobTitle } } } }\nquery Hello { __typename }\n",
        encoding="utf-8",
    )
    manifest_path = tmp_path / "manifest.json"

    # when
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "trusted-documents",
            "build",
            str(sources),
            str(manifest_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert result.returncode == 0, result.stderr
    manifest = orjson.loads(manifest_path.read_bytes())
    assert len(manifest) == 2
    first_jobs = next(text for text in manifest.values() if "FirstJobs" in text)
    assert "fragment JobTitle" in first_jobs
    configured = settings.model_copy(update={"trusted_documents": manifest_path})
    with TestClient(create_app(configured, engine)) as client:
        response = _post(client, {"documentId": f"sha256:{document_hash(first_jobs)}"}, MODERN)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["jobs"]["edges"]) == 2


def test_the_cli_refuses_an_operation_the_schema_does_not_have(tmp_path: Path) -> None:
    (tmp_path / "bad.graphql").write_text("query Bad { jobz { id } }\n", encoding="utf-8")

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "trusted-documents",
            "build",
            str(tmp_path),
            "out.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "jobz" in result.stderr
    assert not (tmp_path / "out.json").exists()
