"""Faults: an import killed with SIGKILL (the command line, or the worker serving it) leaves nothing of its
file, and the same import then succeeds; SIGTERM lets an import in flight finish and answer before the
server stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlmodel import Session, select

from api.models import Account
from api.services import credit
from api.services.accounts import issue_access_token
from bench.load import LOAD_SECRET, ROOT
from tests.ops.conftest import OpsDatabase, graphql, wait_for

pytestmark = pytest.mark.slow

ROWS = 4_000
IMPORT = """mutation Import($content: String!) {
  importCreditRecords(format: CSV, content: $content) { report { accepted rejected } userErrors { code message } }
}"""
HEADER = ",".join(credit.IMPORT_COLUMNS)


def _credit_file(ops_database: OpsDatabase, prefix: str) -> str:
    """``ROWS`` honours (守信激励) of one demo enterprise, a CSV as credit officers import them."""
    with ops_database.connect() as connection:
        row = connection.execute("SELECT uscc FROM enterprise WHERE uscc IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    assert row is not None
    row_text = "厦门市发展和改革委员会,{key},honour,{uscc},,2026-10-20,2026-10-20,,,,守信激励"
    lines = [row_text.format(key=f"{prefix}-{n:06d}", uscc=row[0]) for n in range(ROWS)]
    return "\n".join([HEADER, *lines]) + "\n"


def _stored(ops_database: OpsDatabase, prefix: str) -> int:
    return ops_database.count("SELECT count(*) FROM credit_record WHERE source_record_id LIKE %s", f"{prefix}-%")


def _writing_backend(ops_database: OpsDatabase) -> int | None:
    """The client port of a session with an open transaction that has written, if one exists."""
    with ops_database.connect() as connection:
        row = connection.execute(
            "SELECT client_port FROM pg_stat_activity WHERE datname = %s AND backend_xid IS NOT NULL "
            "AND pid <> pg_backend_pid()",
            (ops_database.name,),
        ).fetchone()
    return None if row is None else int(row[0])


def _process_with_local_port(port: int) -> int:
    """The pid of the local process holding the TCP connection whose local port is ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            return int(pid)
    raise LookupError(f"no process holds local port {port}")


def _credit_officer_token(ops_database: OpsDatabase) -> str:
    with ops_database.engine() as engine, Session(engine) as session:
        officer = session.exec(select(Account).where(Account.email == "credit@demo.guilu")).one()
        token = issue_access_token(officer, secret=LOAD_SECRET, minutes=30)
    return token


def test_a_command_line_import_killed_mid_way_stores_nothing_then_imports_whole(
    ops_database: OpsDatabase, tmp_path: Path
) -> None:
    path = tmp_path / "honours.csv"
    path.write_text(_credit_file(ops_database, "KILL-CLI"), encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GUILU_")}, "DATABASE_URL": ops_database.url}
    command = [sys.executable, "-c", "from api.cli import main; main()", "import-credit", str(path)]

    # when the import has written part of the file in its transaction, the process is killed
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _writing_backend(ops_database) is not None, 120, "the import's first write")
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    # then nothing of the file is stored (PostgreSQL rolls the dead session back)
    wait_for(lambda: _writing_backend(ops_database) is None, 30, "the killed session's rollback")
    assert _stored(ops_database, "KILL-CLI") == 0
    # and the same command imports the whole file
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _stored(ops_database, "KILL-CLI") == ROWS


def test_a_worker_killed_mid_import_stores_nothing_and_is_replaced(
    ops_database: OpsDatabase, serve: Callable[..., Any]
) -> None:
    token = _credit_officer_token(ops_database)
    content = _credit_file(ops_database, "KILL-WORKER")
    answers: list[Any] = []
    with serve(workers=2) as (base, manager):

        def send() -> None:
            try:
                answers.append(graphql(base, IMPORT, {"content": content}, token))
            except Exception as error:  # the worker died under the request: the connection drops
                answers.append(error)

        sender = threading.Thread(target=send)
        sender.start()
        wait_for(lambda: _writing_backend(ops_database) is not None, 120, "the import's first write")
        port = _writing_backend(ops_database)
        assert port is not None
        worker = _process_with_local_port(port)
        assert worker != manager.pid
        os.kill(worker, signal.SIGKILL)
        sender.join(timeout=60)

        assert len(answers) == 1 and isinstance(answers[0], Exception), answers  # no answer: the worker died
        wait_for(lambda: _writing_backend(ops_database) is None, 30, "the killed session's rollback")
        assert _stored(ops_database, "KILL-WORKER") == 0
        # the server goes on (uvicorn starts a new worker) and the same import then stores the whole file
        answer = graphql(base, IMPORT, {"content": content}, token)
        assert answer["data"]["importCreditRecords"]["report"] == {"accepted": ROWS, "rejected": 0}, answer
        assert _stored(ops_database, "KILL-WORKER") == ROWS


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_an_import_in_flight_finish_before_the_server_stops(
    ops_database: OpsDatabase, serve: Callable[..., Any], workers: int
) -> None:
    token = _credit_officer_token(ops_database)
    prefix = f"SIGTERM-{workers}"
    content = _credit_file(ops_database, prefix)
    answers: list[Any] = []
    with serve(workers=workers) as (base, process):
        sender = threading.Thread(target=lambda: answers.append(graphql(base, IMPORT, {"content": content}, token)))
        sender.start()
        wait_for(lambda: _writing_backend(ops_database) is not None, 120, "the import's first write")

        # when the server is asked to stop while the import runs
        process.send_signal(signal.SIGTERM)
        sender.join(timeout=300)
        process.wait(timeout=60)

    # then the import finished, was committed and answered; then the server exited (uvicorn, once shut down,
    # exits by the signal it was sent; the manager of several workers exits with 0)
    assert answers and answers[0]["data"]["importCreditRecords"]["report"] == {"accepted": ROWS, "rejected": 0}
    assert _stored(ops_database, prefix) == ROWS
    assert process.returncode in (0, -signal.SIGTERM)
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{base}/healthz")
