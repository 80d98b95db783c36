"""The websocket transport (graphql-transport-ws) keeps the rules of HTTP: a token is checked on every operation
and at every delivery, the socket closes when the token expires, trusted documents apply, and only subscriptions
run there."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from graphql import parse, print_ast
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from api.config import Settings
from api.db import session_scope
from api.services.accounts import create_account
from api.timeutil import utcnow
from api.trusted_documents import document_hash
from tests.api.conftest import PASSWORD, unique_email
from tests.api.test_cup import SUBMIT_SCORE, Scored, new_competition, new_judge, sheet, two_entries
from tests.api.test_cup_subscription import LEADERBOARD_UPDATED
from tests.conftest import TEST_SECRET

__all__ = ["new_competition", "new_judge", "two_entries"]  # fixtures shared with test_cup

PROTOCOL = ["graphql-transport-ws"]
LOG_OUT_EVERYWHERE = "mutation { logOutEverywhere { revokedRefreshTokens userErrors { code } } }"
ME = "query Me { me { email } }"
TRUSTED_JOBS = "query TrustedJobs {\n  jobs(first: 1) {\n    nodes {\n      id\n    }\n  }\n}"


@dataclass
class Admin:
    api: Any  # tests.conftest.GraphQLClient
    account_id: int


@pytest.fixture
def new_admin(engine: Engine, log_in_as: Callable[[str, str], Any]) -> Callable[[], Admin]:
    """A fresh admin account of its own (so logging it out everywhere touches no other test), signed in."""

    def make() -> Admin:
        email = unique_email("ws-admin")
        with session_scope(engine) as session:
            account = create_account(session, email=email, password=PASSWORD, role="admin", email_verified=True)
            assert account.id is not None
            account_id = account.id
        return Admin(log_in_as(email, PASSWORD), account_id)

    return make


def connect(ws: Any, token: str | None) -> None:
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}})
    assert ws.receive_json() == {"type": "connection_ack"}


def subscribe(ws: Any, operation_id: str, competition_id: str, **payload: Any) -> None:
    variables = {"competitionId": competition_id, "round": "preliminary"}
    body = {"query": LEADERBOARD_UPDATED, "variables": variables, **payload}
    ws.send_json({"id": operation_id, "type": "subscribe", "payload": body})


def closed_code(ws: Any) -> int:
    """The close code of a socket the server closes next (fails if a message comes instead)."""
    with pytest.raises(WebSocketDisconnect) as closed:
        message = ws.receive_json()
        pytest.fail(f"expected the socket to close, got {message}")
    return closed.value.code


def short_lived_token(account_id: int, seconds: float) -> str:
    now = utcnow()
    claims = {"sub": str(account_id), "role": "admin", "iat": now.timestamp(), "exp": now + timedelta(seconds=seconds)}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


# ------------------------------------------------------------------ M4: the token is checked again


def test_after_log_out_everywhere_a_new_subscribe_on_an_open_socket_closes_it(
    client: TestClient, new_admin: Callable[[], Admin], two_entries: Scored
) -> None:
    # given an admin's socket, open and acknowledged
    admin = new_admin().api
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, admin.token)

        # when the admin logs out everywhere over HTTP, then subscribes on the socket
        assert admin.execute(LOG_OUT_EVERYWHERE)["data"]["logOutEverywhere"]["userErrors"] == []
        subscribe(ws, "1", two_entries.competition["id"])

        # then the socket is closed as unauthorised before anything runs
        assert closed_code(ws) == 4401


def test_after_log_out_everywhere_an_open_subscription_is_closed_at_its_next_delivery(
    client: TestClient, new_admin: Callable[[], Admin], two_entries: Scored
) -> None:
    # given a live leaderboard, its first board delivered
    admin = new_admin().api
    entry, judge = two_entries.entries[0], two_entries.judges[0]
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, admin.token)
        subscribe(ws, "1", two_entries.competition["id"])
        assert ws.receive_json()["type"] == "next"

        # when the admin logs out everywhere, and then a judge's score changes the board
        assert admin.execute(LOG_OUT_EVERYWHERE)["data"]["logOutEverywhere"]["userErrors"] == []
        scored = judge.api.execute(
            SUBMIT_SCORE, {"entryId": entry["id"], "roundId": two_entries.preliminary, "scores": sheet(8, 8, 8)}
        )
        assert scored["data"]["submitScore"]["userErrors"] == []

        # then the new board is not sent: the socket closes
        assert closed_code(ws) == 4401


def test_a_socket_closes_when_its_token_expires(
    client: TestClient, new_admin: Callable[[], Admin], two_entries: Scored
) -> None:
    # given a token valid two more seconds, and a live leaderboard on it
    token = short_lived_token(new_admin().account_id, seconds=2)
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, token)
        subscribe(ws, "1", two_entries.competition["id"])
        assert ws.receive_json()["type"] == "next"

        # when it expires (a ping would be answered with a pong were the socket still open)
        time.sleep(3)
        ws.send_json({"type": "ping"})

        # then the server has closed the socket
        assert closed_code(ws) == 4401


def test_an_expired_token_cannot_subscribe_on_a_socket_it_opened(
    client: TestClient, new_admin: Callable[[], Admin], two_entries: Scored
) -> None:
    # given a socket opened with a token valid 1 more second, kept open by the client
    account_id = new_admin().account_id
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, short_lived_token(account_id, seconds=1))
        time.sleep(1.5)

        # when it subscribes after the expiry
        subscribe(ws, "1", two_entries.competition["id"])

        # then the socket closes (whether the timer or the subscribe check got there first)
        assert closed_code(ws) == 4401


# ------------------------------------------------------------------ M5: subscriptions only, trusted documents


@pytest.mark.parametrize(
    "query",
    [
        ME,
        'mutation { logIn(email: "talent@demo.guilu", password: "guilu-demo") { token } }',
        "{ jobs(first: 1) { nodes { id } } }",
    ],
)
def test_queries_and_mutations_are_refused_over_the_websocket(
    client: TestClient, talent_api_client: Any, query: str
) -> None:
    # given a signed-in socket
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, talent_api_client.token)

        # when a query or a mutation is sent over it
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        answer = ws.receive_json()

    # then an error message, and nothing ran (no data, no token)
    assert answer["type"] == "error" and answer["id"] == "1"
    assert answer["payload"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"


def test_the_legacy_graphql_ws_protocol_is_not_served(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert closed_code(ws) == 4406


@pytest.fixture
def trusted_client(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    """An app serving only two documents: the live leaderboard and a jobs query."""
    documents = [print_ast(parse(LEADERBOARD_UPDATED)), TRUSTED_JOBS]
    manifest = tmp_path / f"trusted-{uuid.uuid4().hex}.json"
    manifest.write_text(json.dumps({document_hash(text): text for text in documents}))
    with TestClient(create_app(settings.model_copy(update={"trusted_documents": manifest}), engine)) as http:
        yield http


def test_trusted_documents_apply_to_websocket_subscriptions(
    trusted_client: TestClient, admin_api_client: Any, two_entries: Scored
) -> None:
    competition_id = two_entries.competition["id"]
    trusted_text = print_ast(parse(LEADERBOARD_UPDATED))
    with trusted_client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, admin_api_client.token)

        # when: the text as written (not the manifest's), an unknown id, a malformed id, the manifest's id
        subscribe(ws, "untrusted", competition_id)
        untrusted = ws.receive_json()
        subscribe(ws, "unknown", competition_id, query=None, documentId="sha256:" + "0" * 64)
        unknown = ws.receive_json()
        subscribe(ws, "malformed", competition_id, query=None, documentId="md5:x")
        malformed = ws.receive_json()
        subscribe(ws, "by-id", competition_id, query=None, documentId=f"sha256:{document_hash(trusted_text)}")
        by_id = ws.receive_json()
        subscribe(ws, "by-text", competition_id, query=trusted_text)
        by_text = ws.receive_json()

    # then only the manifest's document runs, named by its id or sent as its exact text
    codes = {m["id"]: m["payload"][0]["extensions"]["code"] for m in (untrusted, unknown, malformed)}
    assert codes == {
        "untrusted": "PERSISTED_QUERY_NOT_ALLOWED",
        "unknown": "PERSISTED_QUERY_NOT_FOUND",
        "malformed": "BAD_REQUEST",
    }
    assert all(m["type"] == "error" for m in (untrusted, unknown, malformed))
    assert by_id["type"] == "next" and by_id["payload"]["data"]["leaderboardUpdated"]["rows"] == []
    assert by_text["type"] == "next" and by_text["payload"]["data"]["leaderboardUpdated"]["rows"] == []


def test_a_trusted_query_is_still_refused_over_the_websocket(
    trusted_client: TestClient, talent_api_client: Any
) -> None:
    with trusted_client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, talent_api_client.token)
        ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"documentId": f"sha256:{document_hash(TRUSTED_JOBS)}"}}
        )
        answer = ws.receive_json()

    assert answer["type"] == "error"
    assert answer["payload"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
