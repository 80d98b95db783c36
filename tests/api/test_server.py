"""`guilu serve --demo --workers 2` as a real process: it starts, answers GraphQL over HTTP, and stops."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from api.config import DEVELOPMENT_SECRET

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
# `api.cli` has no `__main__` guard, so run its entry point the way the `guilu` script does.
GUILU = [sys.executable, "-c", "from api.cli import main; main()"]
STARTUP_TIMEOUT_S = 60

JOB_SEARCH = """
query JobSearch($search: String!) {
  jobs(search: $search, first: 5) { totalCount edges { node { title employer { legalName } } } }
}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a `guilu serve --demo --workers 2` process on a fresh SQLite file, without GUILU_SECRET_KEY."""
    database = tmp_path_factory.mktemp("server") / "guilu.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILU_")}
    # Always a fresh SQLite file: this test is about the process, not the database.
    env["DATABASE_URL"] = f"sqlite:///{database}"
    port = _free_port()
    log = (database.parent / "server.log").open("w")
    process = subprocess.Popen(
        [*GUILU, "serve", "--demo", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            assert process.poll() is None, (database.parent / "server.log").read_text()
            try:
                if _get(f"{base}/healthz") == (200, '{"status":"ok"}'):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "guilu serve did not answer /healthz within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_the_server_answers_a_job_search(server: str) -> None:
    # given
    payload = json.dumps({"query": JOB_SEARCH, "variables": {"search": "dianchi"}}).encode()
    request = urllib.request.Request(
        f"{server}/graphql", data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )

    # when
    with urllib.request.urlopen(request, timeout=30) as response:
        status, body = response.status, json.loads(response.read())

    # then
    assert status == 200
    jobs: dict[str, Any] = body["data"]["jobs"]
    assert jobs["totalCount"] > 5
    titles = [edge["node"]["title"] for edge in jobs["edges"]]
    assert len(titles) == 5
    assert all("电池" in title or "Battery" in title or "BMS" in title for title in titles), titles


def test_the_server_offers_graphiql_in_demo_mode(server: str) -> None:
    status, page = _get(f"{server}/graphql", {"Accept": "text/html"})

    assert status == 200
    assert "graphiql" in page.lower()


def _post(url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, Any]:
    """POST one operation on a connection of its own (so the two workers share the requests)."""
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{url}/graphql", data=payload, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"
ME = "{ me { email } }"


def test_every_worker_accepts_the_tokens_of_the_others_and_none_the_public_secret(server: str) -> None:
    # given: a token from whichever worker answered, and one forged with the old public development secret
    _, body = _post(server, LOG_IN, {"e": "admin@demo.guilu", "p": "guilu-demo"})
    token = body["data"]["logIn"]["token"]
    now = time.time()
    forged = jwt.encode({"sub": "1", "role": "admin", "iat": now, "exp": now + 3600}, DEVELOPMENT_SECRET, "HS256")

    # when: 12 connections each, spread over both workers by the kernel
    answers = [_post(server, ME, token=token) for _ in range(12)]
    forged_answers = [_post(server, ME, token=forged) for _ in range(4)]

    # then
    assert [(status, body.get("data")) for status, body in answers] == [
        (200, {"me": {"email": "admin@demo.guilu"}})
    ] * 12
    assert all(status == 401 for status, _ in forged_answers)
