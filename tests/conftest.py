"""Shared fixtures: a real database (an SQLite file, or PostgreSQL when
``DATABASE_URL`` names one), the demo data loaded once, and the ASGI app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import create_db_engine, init_db
from api.seed import load_demo

# No per-example deadline and no "too slow" health check: on a loaded 2-core machine timing
# says nothing about correctness.
hypothesis_settings.register_profile("guilu", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("guilu")

TEST_SECRET = "test-secret-for-guilu-tests-only-0123456789"
DEMO_PASSWORD = "guilu-demo"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url and not url.startswith("sqlite"):
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'guilu-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, emptied, created and loaded with the demo data once per run."""
    engine = create_db_engine(database_url)
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    init_db(engine)
    load_demo(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, demo=False, seeds_dir=Path("seeds").resolve())


@pytest.fixture(scope="session")
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine)) as client:
        yield client


class GraphQLClient:
    """Posts GraphQL operations over HTTP to the ASGI app, optionally as a signed-in account."""

    def __init__(self, http: TestClient, token: str | None = None) -> None:
        self.http = http
        self.token = token

    def post(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token userErrors { field message code } }
}
"""


def log_in(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> GraphQLClient:
    body = GraphQLClient(client).execute(LOG_IN, {"email": email, "password": password})
    token = body["data"]["logIn"]["token"]
    assert token, body
    return GraphQLClient(client, token)


@pytest.fixture(scope="session")
def anonymous_api_client(client: TestClient) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture(scope="session")
def admin_api_client(client: TestClient) -> GraphQLClient:
    return log_in(client, "admin@demo.guilu")


@pytest.fixture(scope="session")
def employer_api_client(client: TestClient) -> GraphQLClient:
    return log_in(client, "employer@demo.guilu")


@pytest.fixture(scope="session")
def talent_api_client(client: TestClient) -> GraphQLClient:
    return log_in(client, "talent@demo.guilu")


@pytest.fixture(scope="session")
def credit_api_client(client: TestClient) -> GraphQLClient:
    return log_in(client, "credit@demo.guilu")


@pytest.fixture(scope="session")
def judge_api_client(client: TestClient) -> GraphQLClient:
    return log_in(client, "judge@demo.guilu")
