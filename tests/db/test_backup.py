"""Backup and restore: a copy of the database restored into a fresh one answers exactly as the original.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` into a new database (docs/deploy.md).
SQLite: the online backup API (``sqlite3.Connection.backup``, what ``sqlite3 guilu.db ".backup copy.db"`` does).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import create_db_engine
from tests.conftest import GraphQLClient

QUERIES = [
    "{ jobs(first: 10) { totalCount edges { node { id title employer { legalName } } } } }",
    "{ talents(first: 10) { totalCount edges { node { id nameZh skills } } } }",
    '{ resolveEnterprise(name: "Xiamen Tungsten") { score enterprise { id legalName } } }',
    "{ enterprises(first: 5) { totalCount edges { node { id uscc legalName } } } }",
]


def _libpq(url: str) -> str:
    """The URL in the form pg_dump and pg_restore take."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def restored(engine: Engine, settings: Settings, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database restored from a backup of the test database."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        copy = tmp_path / "restored.db"
        assert engine.url.database
        with sqlite3.connect(engine.url.database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        restored_engine = create_db_engine(f"sqlite:///{copy}")
        yield restored_engine
        restored_engine.dispose()
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    dump = tmp_path / "guilu.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", _libpq(url)], check=True)
    name = f"guilu_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = engine.url.set(database=name)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(target.render_as_string(False))}", dump],
            check=True,
        )
        restored_engine = create_db_engine(target.render_as_string(hide_password=False))
        yield restored_engine
        restored_engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _answers(app_engine: Engine, settings: Settings, token: str) -> list[Any]:
    with TestClient(create_app(settings, app_engine)) as http:
        api = GraphQLClient(http, token)
        return [api.execute(query) for query in QUERIES]  # data and errors; extensions (throttling) differ


def test_a_restored_backup_answers_like_the_original(
    engine: Engine, restored: Engine, settings: Settings, admin_api_client: GraphQLClient
) -> None:
    # given the same signed-in admin against the original and against the restored copy
    token = admin_api_client.token
    assert token

    # when
    original = _answers(engine, settings, token)
    copy = _answers(restored, settings, token)

    # then
    assert all("errors" not in answer for answer in original), original
    assert original[0]["data"]["jobs"]["totalCount"] > 0
    assert [answer["data"] for answer in copy] == [answer["data"] for answer in original]
