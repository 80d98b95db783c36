"""The live leaderboard over a real websocket (graphql-transport-ws)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.api.test_cup import SUBMIT_SCORE, Scored, new_competition, new_judge, sheet, two_entries

__all__ = ["new_competition", "new_judge", "two_entries"]  # fixtures shared with test_cup

LEADERBOARD_UPDATED = """
subscription($competitionId: ID!, $round: String!) {
  leaderboardUpdated(competitionId: $competitionId, round: $round) {
    round { name } method rows { rank entry { id } aggregate judgesCounted }
  }
}
"""


def _subscribe(ws: Any, token: str | None, competition_id: str) -> None:
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}})
    assert ws.receive_json() == {"type": "connection_ack"}
    variables = {"competitionId": competition_id, "round": "preliminary"}
    ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": LEADERBOARD_UPDATED, "variables": variables}})


def test_the_live_leaderboard_is_sent_now_and_after_every_score_change(
    client: TestClient, admin_api_client: Any, two_entries: Scored
) -> None:
    # given
    entry, judge = two_entries.entries[0], two_entries.judges[0]
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        _subscribe(ws, admin_api_client.token, two_entries.competition["id"])
        initial = ws.receive_json()

        # when: a judge scores over HTTP
        body = judge.api.execute(
            SUBMIT_SCORE, {"entryId": entry["id"], "roundId": two_entries.preliminary, "scores": sheet(8, 8, 8)}
        )
        assert body["data"]["submitScore"]["userErrors"] == []
        update = ws.receive_json()
        ws.send_json({"id": "1", "type": "complete"})

    # then
    assert initial["type"] == "next" and initial["payload"]["data"]["leaderboardUpdated"]["rows"] == []
    board = update["payload"]["data"]["leaderboardUpdated"]
    assert board["round"] == {"name": "preliminary"} and board["method"] == "MEAN"
    assert board["rows"] == [{"rank": 1, "entry": {"id": entry["id"]}, "aggregate": 80.0, "judgesCounted": 1}]


def test_the_live_leaderboard_is_refused_to_anonymous_and_non_admin_connections(
    client: TestClient, judge_api_client: Any, two_entries: Scored
) -> None:
    # given / when
    answers = []
    for token in (None, judge_api_client.token):
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            _subscribe(ws, token, two_entries.competition["id"])
            answers.append(ws.receive_json())

    # then
    anonymous, judge = answers
    assert anonymous["payload"]["data"] is None and judge["payload"]["data"] is None
    assert anonymous["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert judge["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_forged_token_closes_the_connection(client: TestClient, two_entries: Scored) -> None:
    # given
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})

        # when / then
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403
