"""/readyz, /metrics and JSON logs."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.observability import JsonFormatter


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
