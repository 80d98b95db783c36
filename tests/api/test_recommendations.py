"""recommendJobs: only jobs taking applications, never one applied to, the talent's wishes counted.

Each test posts its own jobs with a skill no other test uses and its own talent holding it, then reads the
talent's whole recommendation list over HTTP (every page).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from api.db import session_scope
from api.graphql.ids import decode_id_of
from api.models import Job
from api.services.credit import credit_today, recommended_jobs
from tests.api.conftest import APPLY_TO_JOB, EmployerAccount, TalentAccount

RECOMMEND = """
query Recommend($talentId: ID!, $after: String) {
  recommendJobs(talentId: $talentId, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { score job { id } explanation { component similarity contribution detail } } }
  }
}
"""
CLOSE_JOB = "mutation($id: ID!) { closeJob(id: $id) { job { status } userErrors { code } } }"
MOVE_APPLICATION = """
mutation($id: ID!, $status: ApplicationStatus!) {
  moveApplication(id: $id, status: $status) { application { status } userErrors { field message code } }
}
"""
# The employer's moves that bring a fresh application to each status (the talent withdraws).
PIPELINE = {
    "APPLIED": [],
    "SCREENING": ["SCREENING"],
    "INTERVIEW": ["SCREENING", "INTERVIEW"],
    "OFFER": ["SCREENING", "INTERVIEW", "OFFER"],
    "HIRED": ["SCREENING", "INTERVIEW", "OFFER", "HIRED"],
    "REJECTED": ["SCREENING", "REJECTED"],
    "WITHDRAWN": [],
}


def _skill() -> str:
    return f"Cryo-EM {uuid.uuid4().hex[:10]}"


def _recommended(talent: TalentAccount) -> list[dict[str, Any]]:
    """The talent's recommendations, every page, in order."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        body = talent.api.execute(RECOMMEND, {"talentId": talent.talent_id, "after": after})
        assert "errors" not in body, body
        page = body["data"]["recommendJobs"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def _ids(nodes: list[dict[str, Any]]) -> list[str]:
    return [node["job"]["id"] for node in nodes]


@pytest.fixture(scope="module")
def employer(new_employer: Callable[[], EmployerAccount]) -> EmployerAccount:
    return new_employer()


def test_a_closed_job_is_not_recommended(
    employer: EmployerAccount, new_talent: Callable[..., TalentAccount], post_job: Callable[..., dict[str, Any]]
) -> None:
    # given two jobs for the talent's skill, one of them closed
    skill = _skill()
    talent = new_talent(skills=[skill])
    kept, closed = post_job(employer, requiredSkills=[skill]), post_job(employer, requiredSkills=[skill])
    assert employer.api.execute(CLOSE_JOB, {"id": closed["id"]})["data"]["closeJob"]["job"]["status"] == "CLOSED"

    # when
    ids = _ids(_recommended(talent))

    # then
    assert kept["id"] in ids
    assert closed["id"] not in ids


def test_a_job_past_its_closing_day_is_not_recommended_and_one_closing_today_is(
    engine: Engine,
    employer: EmployerAccount,
    new_talent: Callable[..., TalentAccount],
    post_job: Callable[..., dict[str, Any]],
) -> None:
    # given a job closing today in Xiamen and one that closed yesterday (posted a month ago)
    skill = _skill()
    talent = new_talent(skills=[skill])
    closing_today, past = _closing_today_and_yesterday(engine, post_job, employer, requiredSkills=[skill])

    # when
    ids = _ids(_recommended(talent))

    # then
    assert closing_today["id"] in ids
    assert past["id"] not in ids


def test_a_job_past_its_closing_day_refuses_applications_and_one_closing_today_takes_them(
    engine: Engine,
    employer: EmployerAccount,
    new_talent: Callable[..., TalentAccount],
    post_job: Callable[..., dict[str, Any]],
) -> None:
    # given
    talent = new_talent(skills=[_skill()])
    today = credit_today()
    closing_today, past = _closing_today_and_yesterday(engine, post_job, employer)

    # when
    late = talent.api.execute(APPLY_TO_JOB, {"jobId": past["id"]})["data"]["applyToJob"]
    in_time = talent.api.execute(APPLY_TO_JOB, {"jobId": closing_today["id"]})["data"]["applyToJob"]

    # then: a userError names the closing day; the one closing today is applied to
    assert late["application"] is None
    assert late["userErrors"] == [
        {
            "field": "jobId",
            "message": f"the job stopped taking applications on {(today - timedelta(days=1)).isoformat()}",
            "code": "INVALID_TRANSITION",
        }
    ]
    assert in_time["userErrors"] == [] and in_time["application"]["status"] == "APPLIED"


def test_a_deadline_passing_takes_the_job_out_without_any_write(
    engine: Engine,
    employer: EmployerAccount,
    new_talent: Callable[..., TalentAccount],
    post_job: Callable[..., dict[str, Any]],
) -> None:
    # given a job closing today, recommended today (so the process's cache of open jobs holds it)
    skill = _skill()
    talent = new_talent(skills=[skill])
    today = credit_today()
    job = post_job(employer, requiredSkills=[skill], closesOn=today.isoformat())
    job_pk, talent_pk = decode_id_of(job["id"], "Job"), decode_id_of(talent.talent_id, "Talent")
    with session_scope(engine) as session:
        assert job_pk in {m.job_id for m in recommended_jobs(session, talent_pk, as_of=today)}

        # when tomorrow comes, nothing written in between
        tomorrow = recommended_jobs(session, talent_pk, as_of=today + timedelta(days=1))

    # then
    assert job_pk not in {m.job_id for m in tomorrow}


@pytest.mark.parametrize("status", list(PIPELINE))
def test_a_job_already_applied_to_is_not_recommended_whatever_the_status(
    status: str,
    employer: EmployerAccount,
    new_talent: Callable[..., TalentAccount],
    post_job: Callable[..., dict[str, Any]],
) -> None:
    # given two jobs for the talent's skill; the talent applied to one, now at ``status``
    skill = _skill()
    talent = new_talent(skills=[skill])
    other, applied = post_job(employer, requiredSkills=[skill]), post_job(employer, requiredSkills=[skill])
    application = talent.api.execute(APPLY_TO_JOB, {"jobId": applied["id"]})["data"]["applyToJob"]
    assert application["userErrors"] == [], application
    application_id = application["application"]["id"]
    for move in PIPELINE[status]:
        moved = employer.api.execute(MOVE_APPLICATION, {"id": application_id, "status": move})
        assert moved["data"]["moveApplication"]["userErrors"] == [], moved
    if status == "WITHDRAWN":
        withdrawn = talent.api.execute(MOVE_APPLICATION, {"id": application_id, "status": "WITHDRAWN"})
        assert withdrawn["data"]["moveApplication"]["application"]["status"] == "WITHDRAWN", withdrawn

    # when
    ids = _ids(_recommended(talent))

    # then the job applied to is left out, the other one stays
    assert other["id"] in ids
    assert applied["id"] not in ids


def test_a_job_of_a_wished_industry_ranks_above_an_otherwise_identical_one(
    employer: EmployerAccount, new_talent: Callable[..., TalentAccount], post_job: Callable[..., dict[str, Any]]
) -> None:
    # given a talent wishing biomedicine, and two identical jobs of one employer: new energy first, then
    # biomedicine (so an id tie-break alone would put new energy first)
    skill = _skill()
    talent = new_talent(skills=[skill], wishedIndustries=["BIOMEDICINE"])
    other = post_job(employer, requiredSkills=[skill], industryChain="NEW_ENERGY")
    wished = post_job(employer, requiredSkills=[skill], industryChain="BIOMEDICINE")

    # when
    nodes = {node["job"]["id"]: node for node in _recommended(talent)}
    ids = list(nodes)

    # then
    assert ids.index(wished["id"]) < ids.index(other["id"])
    assert nodes[wished["id"]]["score"] > nodes[other["id"]]["score"]
    industry = {c["component"]: c for c in nodes[wished["id"]]["explanation"]}["industry"]
    assert industry["similarity"] == 1.0 and industry["contribution"] > 0


def test_a_job_in_a_wished_city_ranks_above_an_otherwise_identical_one(
    employer: EmployerAccount, new_talent: Callable[..., TalentAccount], post_job: Callable[..., dict[str, Any]]
) -> None:
    # given a talent living in Xiamen and wishing Shanghai, and two identical jobs: Chengdu first, then Shanghai
    # (written in pinyin, the talent's wish in Chinese)
    skill = _skill()
    talent = new_talent(skills=[skill], currentCity="厦门", wishedCities=["上海"])
    other = post_job(employer, requiredSkills=[skill], city="成都")
    wished = post_job(employer, requiredSkills=[skill], city="Shanghai")

    # when
    nodes = {node["job"]["id"]: node for node in _recommended(talent)}
    ids = list(nodes)

    # then
    assert ids.index(wished["id"]) < ids.index(other["id"])
    assert nodes[wished["id"]]["score"] > nodes[other["id"]]["score"]


def _closing_today_and_yesterday(
    engine: Engine, post_job: Callable[..., dict[str, Any]], employer: EmployerAccount, **fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two jobs of ``employer``: one closing today in Xiamen, one posted a month ago that closed yesterday
    (set in the database: the job form refuses a closing day in the past)."""
    today = credit_today()
    closing_today = post_job(employer, closesOn=today.isoformat(), **fields)
    past = post_job(employer, **fields)
    with session_scope(engine) as session:
        session.exec(
            update(Job)
            .where(col(Job.id) == decode_id_of(past["id"], "Job"))
            .values(posted_on=today - timedelta(days=30), closes_on=today - timedelta(days=1))
        )
    return closing_today, past
