"""The `guilu` command, run as a process against a fresh SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from api import cli
from api.graphql.schema import schema

REPO_ROOT = Path(__file__).resolve().parents[2]
# `api.cli` has no `__main__` guard, so run its entry point the way the `guilu` script does.
GUILU = [sys.executable, "-c", "from api.cli import main; main()"]
TABLES = ["enterprise", "talent", "job", "application", "account"]


def _guilu(database: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILU_")}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [*GUILU, *args], cwd=REPO_ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def _row_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def test_seed_demo_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    # given
    database = tmp_path / "seed.db"

    # when
    first = _guilu(database, "seed", "--demo")
    after_first = _row_counts(database)
    second = _guilu(database, "seed", "--demo")

    # then
    assert first.returncode == 0, first.stderr
    assert "enterprises 96, talents 321, jobs 350, applications 600, accounts 18 added" in first.stderr
    assert after_first == {"enterprise": 96, "talent": 321, "job": 350, "application": 600, "account": 18}
    assert second.returncode == 0, second.stderr
    assert "enterprises 0, talents 0, jobs 0, applications 0, accounts 0 added" in second.stderr
    assert _row_counts(database) == after_first


def test_seed_without_demo_says_what_to_pass(tmp_path: Path) -> None:
    result = _guilu(tmp_path / "empty.db", "seed")

    assert result.returncode == 2
    assert "--demo" in result.stderr


def test_create_user_then_the_same_email_again_fails_clearly(tmp_path: Path) -> None:
    # given
    database = tmp_path / "users.db"

    # when
    created = _guilu(
        database, "create-user", "x@y.org", "--role", "admin", "--password-stdin", stdin="a-strong-password\n"
    )
    again = _guilu(
        database, "create-user", "X@Y.org", "--role", "admin", "--password-stdin", stdin="another-password\n"
    )

    # then
    assert created.returncode == 0, created.stderr
    assert "created x@y.org (admin)" in created.stderr
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT email, role FROM account").fetchall() == [("x@y.org", "admin")]


def test_create_user_for_an_unknown_enterprise_fails_clearly(tmp_path: Path) -> None:
    result = _guilu(
        tmp_path / "bad.db",
        "create-user",
        "a@b.org",
        "--role",
        "employer",
        "--enterprise",
        "91350200MA2Y0ABC7C",
        "--password-stdin",
        stdin="long-enough-pw\n",
    )

    assert result.returncode == 1
    assert "no enterprise with USCC 91350200MA2Y0ABC7C" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    # given: export-schema reads no settings, so it runs in-process
    output = tmp_path / "schema.graphql"

    # when
    result = CliRunner().invoke(cli.app, ["export-schema", "-o", str(output)])

    # then
    assert result.exit_code == 0, result.output
    assert output.read_text(encoding="utf-8") == str(schema) + "\n"
    assert "type Query" in output.read_text(encoding="utf-8")
