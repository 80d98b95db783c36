"""/readyz, /metrics and JSON logs."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.observability import MAX_OPERATION_LABELS, JsonFormatter
from api.trusted_documents import document_hash


def test_readyz_warms_the_indexes_then_reports_ready(settings: Settings, engine: Engine) -> None:
    with TestClient(create_app(settings, engine)) as http:
        deadline = time.monotonic() + 60
        response = http.get("/readyz")
        while response.status_code == 503 and time.monotonic() < deadline:
            assert response.json()["status"] == "warming" and response.json()["database"] == "ok"
            time.sleep(0.2)
            response = http.get("/readyz")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert {index["name"] for index in body["indexes"]} == {"candidates", "job_search", "enterprise_resolver"}
    assert all(index["loaded"] and index["entries"] > 0 for index in body["indexes"])


def test_readyz_is_unavailable_when_the_database_is_unreachable(settings: Settings) -> None:
    # given a PostgreSQL address where nothing listens
    unreachable = create_engine("postgresql+psycopg://guilu@127.0.0.1:1/none", connect_args={"connect_timeout": 2})

    # when
    with TestClient(create_app(settings, unreachable)) as http:
        response = http.get("/readyz")

    # then a clear 503, not a 500 and no stack trace
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_metrics_count_operations_errors_and_matching(client: TestClient, anonymous_api_client: Any) -> None:
    # given a named search and a query that fails validation
    anonymous_api_client.post('query MetricsProbe { jobs(first: 2, search: "Python") { totalCount } }')
    anonymous_api_client.post("query MetricsBroken { noSuchField }")

    # when
    response = client.get("/metrics")

    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'guilu_graphql_requests_total{operation="MetricsProbe",outcome="ok"}' in text
    assert 'guilu_graphql_requests_total{operation="MetricsBroken",outcome="error"}' in text
    assert 'guilu_graphql_request_seconds_bucket{le="0.005",operation="MetricsProbe"}' in text
    assert "guilu_graphql_errors_total{code=" in text
    assert 'guilu_matching_seconds_count{kind="search_jobs"}' in text
    assert 'guilu_index_entries{index="job_search"}' in text


def test_json_logs_carry_the_request_id() -> None:
    record = logging.LogRecord("guilu", logging.ERROR, __file__, 1, "masked error in %s", ("jobs",), None)
    record.request_id = "abc123"

    entry = json.loads(JsonFormatter().format(record))

    assert entry["level"] == "ERROR" and entry["logger"] == "guilu"
    assert entry["message"] == "masked error in jobs" and entry["request_id"] == "abc123"


# ------------------------------------------------------------------ bounded labels (M9)


def _operation_labels(metrics_text: str, prefix: str) -> set[str]:
    return set(re.findall(rf'guilu_graphql_requests_total\{{operation="({prefix}[^"]*)"', metrics_text))


def test_operation_names_become_labels_only_up_to_a_cap(settings: Settings, engine: Engine) -> None:
    # given a fresh app, and 300 anonymous operations, each with a name of its own
    prefix = f"Probe{uuid.uuid4().hex[:8]}"
    with TestClient(create_app(settings, engine)) as http:
        for i in range(MAX_OPERATION_LABELS + 100):
            assert http.post("/graphql", json={"query": f"query {prefix}_{i} {{ __typename }}"}).status_code == 200

        # when
        text = http.get("/metrics").text

    # then the first names seen have a label each, every later one counts as `other`
    assert len(_operation_labels(text, prefix)) == MAX_OPERATION_LABELS
    other = re.search(r'guilu_graphql_requests_total\{operation="other",outcome="ok"\} (\d+)', text)
    assert other is not None and float(other.group(1)) >= 100


def test_an_operation_label_is_at_most_64_characters(client: TestClient) -> None:
    # given a 200-character operation name
    long_name = f"Long{uuid.uuid4().hex}" + "x" * 164
    client.post("/graphql", json={"query": f"query {long_name} {{ __typename }}"})

    # when
    text = client.get("/metrics").text

    # then
    assert f'operation="{long_name[:64]}"' in text and long_name[:65] not in text


def test_with_trusted_documents_only_their_operation_names_are_labels(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    # given a manifest of one operation
    text = "query TrustedProbe {\n  __typename\n}"
    manifest = tmp_path / "trusted.json"
    manifest.write_text(json.dumps({document_hash(text): text}))
    app = create_app(settings.model_copy(update={"trusted_documents": manifest}), engine)
    with TestClient(app) as http:
        # when it runs
        assert http.post("/graphql", json={"documentId": f"sha256:{document_hash(text)}"}).status_code == 200
        metrics_text = http.get("/metrics").text

    # then it has its label, and no other name would get one (whatever reached execution)
    assert 'operation="TrustedProbe"' in metrics_text
    assert app.state.operation_labels.label(f"Stray{uuid.uuid4().hex[:8]}") == "other"


# ------------------------------------------------------------------ restricted operational endpoints (L6)

METRICS_TOKEN = "metrics-token-for-the-tests-0123456789"


@pytest.fixture
def private_ops_app(settings: Settings, engine: Engine) -> Starlette:
    return create_app(settings.model_copy(update={"ops_endpoints": "private", "metrics_token": METRICS_TOKEN}), engine)


@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
def test_private_ops_endpoints_refuse_a_remote_client_without_the_token(private_ops_app: Starlette, path: str) -> None:
    with TestClient(private_ops_app, client=("203.0.113.7", 50000)) as http:
        anonymous = http.get(path)
        wrong = http.get(path, headers={"Authorization": "Bearer not-the-token"})
        with_token = http.get(path, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        health = http.get("/healthz")

    assert anonymous.status_code == 403 and wrong.status_code == 403
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "guilu_" not in anonymous.text and "indexes" not in anonymous.text
    assert with_token.status_code in (200, 503) and with_token.status_code != 403
    assert health.status_code == 200


def test_private_ops_endpoints_answer_a_local_client(private_ops_app: Starlette) -> None:
    with TestClient(private_ops_app, client=("127.0.0.1", 50000)) as http:
        response = http.get("/metrics")

    assert response.status_code == 200 and "guilu_graphql_requests_total" in response.text


def test_production_mode_makes_the_ops_endpoints_private(settings: Settings, engine: Engine) -> None:
    production = settings.model_copy(update={"production": True})
    with TestClient(create_app(production, engine), client=("203.0.113.7", 50000)) as http:
        assert http.get("/metrics").status_code == 403
        assert http.get("/readyz").status_code == 403
        assert http.get("/healthz").status_code == 200
