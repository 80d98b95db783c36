"""Load and fault tests: a PostgreSQL server of their own, the load's actors, `guilu serve` processes.

They run in the PostgreSQL pass of the suite (``DATABASE_URL`` naming PostgreSQL) and skip in the
SQLite pass: everything they prove is about PostgreSQL and several workers, and they are the
slowest tests.  The server is private (:class:`bench.pgcluster.PrivateCluster`) because one of them
stops and restarts it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest
from sqlalchemy import Engine

from api.db import create_db_engine
from bench.load import Actors, guilu_server, prepare
from bench.pgcluster import PrivateCluster

OPS_DIR = Path(__file__).resolve().parent
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgresql")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if ON_POSTGRESQL:
        return
    skip = pytest.mark.skip(reason="load and fault tests run in the PostgreSQL pass (DATABASE_URL=postgresql...)")
    for item in items:
        if OPS_DIR in Path(item.path).parents:
            item.add_marker(skip)


@dataclass(frozen=True)
class OpsDatabase:
    cluster: PrivateCluster
    name: str
    actors: Actors

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        """An engine on the database, disposed on the way out even when an assertion fails (an engine left to
        the garbage collector closes its connections with a warning, which fails whichever test it lands in)."""
        engine = create_db_engine(self.url)
        try:
            yield engine
        finally:
            engine.dispose()

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url.replace("+psycopg", ""), autocommit=True)

    def count(self, sql: str, *params: Any) -> int:
        with self.connect() as connection:
            row = connection.execute(sql, params).fetchone()
            assert row is not None
            return int(row[0])


@pytest.fixture(scope="session")
def ops_cluster() -> Iterator[PrivateCluster]:
    with PrivateCluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def ops_database(ops_cluster: PrivateCluster) -> OpsDatabase:
    """The demo data and the load's actors, in a database of the private server."""
    ops_cluster.create_database("guilu_ops")
    # 80 talents give 1,600 (talent, job) pairs to apply with: the load tests of one session use about 800
    # (an apply is a fifth of some 4,000 requests); with too few, the last test runs out of applications.
    actors = prepare(ops_cluster.url("guilu_ops"), talents_count=80)
    return OpsDatabase(ops_cluster, "guilu_ops", actors)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def serve(ops_database: OpsDatabase, tmp_path: Path) -> Callable[..., AbstractContextManager[tuple[str, Any]]]:
    """``serve(workers=2)`` starts `guilu serve` on the ops database; yields (base URL, process)."""
    from contextlib import contextmanager

    @contextmanager
    def start(workers: int = 2, **env: str) -> Iterator[tuple[str, Any]]:
        port = free_port()
        log = tmp_path / f"guilu-{port}.log"
        with guilu_server(ops_database.url, workers=workers, port=port, log=log, **env) as process:
            yield f"http://127.0.0.1:{port}", process
        # Whatever the test saw, the server hit no unexpected error (one can close a connection after answering).
        logged = log.read_text(errors="replace")
        for sign in ("Exception in ASGI application", "unexpected error"):
            assert sign not in logged, logged[logged.index(sign) :][:3000]

    return start


def graphql(base: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
    """POST one operation; the parsed body (raises on a non-JSON answer)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx2.post(
        f"{base}/graphql", json={"query": query, "variables": variables or {}}, headers=headers, timeout=300
    )
    return response.json()


def wait_for(condition: Callable[[], bool], timeout_s: float = 30, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout_s:g} s"
        time.sleep(0.05)
