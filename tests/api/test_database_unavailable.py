"""A database that cannot be reached gets every request a clear, retryable error (HTTP 503,
``DATABASE_UNAVAILABLE``, ``Retry-After``), never a bare 500; the ops tests restart a real
PostgreSQL under load (tests/ops/test_faults.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlmodel import Session
from starlette.requests import Request
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import create_db_engine, database_unavailable
from api.graphql.context import Context
from api.models import Account
from api.services.accounts import issue_access_token
from tests.conftest import TEST_SECRET

# Nothing listens on port 9 of the loopback (discard): connecting is refused at once.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/guilu?connect_timeout=2"


@pytest.fixture(scope="module")
def unreachable() -> Iterator[TestClient]:
    settings = Settings(database_url=UNREACHABLE, secret_key=TEST_SECRET, demo=False, seeds_dir=Path("seeds").resolve())
    engine = create_db_engine(UNREACHABLE)
    with TestClient(create_app(settings, engine)) as client:
        yield client
    engine.dispose()


def _assert_unavailable(response: object) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response.headers["retry-after"] == "1"  # type: ignore[attr-defined]
    errors = response.json()["errors"]  # type: ignore[attr-defined]
    assert [error["extensions"]["code"] for error in errors] == ["DATABASE_UNAVAILABLE"]
    assert errors[0]["message"] == "The database is unavailable at the moment; retry shortly."


@pytest.mark.parametrize("accept", ["application/graphql-response+json", "application/json"])
def test_a_query_gets_503_with_a_retryable_error(unreachable: TestClient, accept: str) -> None:
    response = unreachable.post(
        "/graphql", json={"query": "{ jobs(first: 5) { totalCount } }"}, headers={"Accept": accept}
    )
    _assert_unavailable(response)
    assert "requestId" in response.json()["errors"][0]["extensions"]


def test_a_mutation_gets_503_with_a_retryable_error(unreachable: TestClient) -> None:
    mutation = 'mutation { logIn(email: "admin@demo.guilu", password: "guilu-demo") { userErrors { code } } }'
    _assert_unavailable(unreachable.post("/graphql", json={"query": mutation}))


def test_a_signed_in_request_gets_503_before_execution(unreachable: TestClient) -> None:
    # the account behind the token is loaded before the operation runs
    token = issue_access_token(Account(id=1, email="admin@demo.guilu", role="admin"), secret=TEST_SECRET, minutes=5)
    response = unreachable.post(
        "/graphql", json={"query": "{ jobs(first: 1) { totalCount } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    _assert_unavailable(response)


def test_readiness_says_unavailable_and_liveness_stays_up(unreachable: TestClient) -> None:
    assert unreachable.get("/readyz").status_code == 503
    assert unreachable.get("/healthz").status_code == 200


def test_an_outage_is_logged_in_one_line_per_request_without_a_traceback(
    unreachable: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # a database outage refuses every request: one warning each, not a traceback each (thousands a second)
    with caplog.at_level(logging.DEBUG):
        _assert_unavailable(unreachable.post("/graphql", json={"query": "{ jobs(first: 5) { totalCount } }"}))
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelname, r.getMessage().split(" (")[0]) for r in logged] == [
        ("WARNING", "database unavailable at jobs")
    ]
    assert logged[0].exc_info is None


def test_a_client_mistake_is_not_logged_as_an_error(unreachable: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    # a query that does not validate is the client's mistake, answered and not logged as the server's
    with caplog.at_level(logging.DEBUG):
        response = unreachable.post("/graphql", json={"query": "{ noSuchField }"})
    assert "noSuchField" in response.json()["errors"][0]["message"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_driver_errors_count_whether_wrapped_or_not() -> None:
    # the candidate index streams talents through a plain DBAPI cursor: its errors arrive unwrapped
    assert database_unavailable(psycopg.OperationalError("the connection is lost"))
    assert database_unavailable(sa_exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed")))
    assert not database_unavailable(psycopg.errors.UniqueViolation("duplicate key"))
    assert not database_unavailable(ValueError("not a database error"))


def test_a_request_whose_connection_died_closes_cleanly_and_the_pool_recovers(
    engine: Engine, settings: Settings
) -> None:
    # PostgreSQL restarting terminates the connection a request holds: closing its context (a rollback)
    # fails then; the answer was given already, so the connection is discarded instead of the request failing
    if engine.dialect.name != "postgresql":
        pytest.skip("terminates a PostgreSQL backend")
    context = Context(request=Request({"type": "http"}), settings=settings, engine=engine)
    backend = context.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with engine.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
    context.close()
    with Session(engine) as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
