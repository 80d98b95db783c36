"""Several workers on one PostgreSQL database: a change made through one is ranked by every other
within a second, with no restart and no message between them (each worker checks the watermark of
the data on every request)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from api.graphql.ids import encode_global_id
from api.models import Account
from api.services.accounts import issue_access_token
from bench.load import LOAD_SECRET
from tests.ops.conftest import OpsDatabase, graphql

pytestmark = pytest.mark.slow

POST_JOB = """mutation Post($input: JobInput!) { postJob(input: $input) { job { id } userErrors { code message } } }"""
UPDATE_TALENT = """mutation Update($id: ID!, $input: TalentInput!) {
  updateTalentProfile(id: $id, input: $input) { talent { id } userErrors { code message } }
}"""
RANK = """query Rank($jobId: ID!) {
  rankCandidates(jobId: $jobId, first: 5) { totalCount edges { node { talent { id } } } }
}"""
VISIBLE_WITHIN_S = 1.0


def _ranked(base: str, job: str, token: str) -> list[str]:
    body = graphql(base, RANK, {"jobId": job}, token)
    return [edge["node"]["talent"]["id"] for edge in body["data"]["rankCandidates"]["edges"]]


def test_a_profile_changed_through_one_worker_is_ranked_by_another_within_a_second(
    ops_database: OpsDatabase, serve: Callable[..., Any]
) -> None:
    with ops_database.engine() as engine, Session(engine) as session:
        employer = session.exec(select(Account).where(Account.email == "employer@demo.guilu")).one()
        talent = session.exec(select(Account).where(Account.email == "load-5@load.guilu")).one()
        employer_token = issue_access_token(employer, secret=LOAD_SECRET, minutes=30)
        talent_token = issue_access_token(talent, secret=LOAD_SECRET, minutes=30)
        assert talent.talent_id is not None
        talent_id = encode_global_id("Talent", talent.talent_id)
    skill = f"skill{uuid.uuid4().hex[:12]}"
    job_input = {
        "title": "一致性测试工程师",
        "requiredSkills": [skill],
        "hardRequirements": ["REQUIRED_SKILLS"],
        "industryChain": "NEW_ENERGY",
    }

    # given two servers (separate processes) on one database, each with its candidate index built
    with serve(workers=1) as (first, _), serve(workers=1) as (second, _):
        job = graphql(first, POST_JOB, {"input": job_input}, employer_token)["data"]["postJob"]["job"]["id"]
        assert _ranked(second, job, employer_token) == []

        # when the talent takes the job's skill through the first
        update = graphql(first, UPDATE_TALENT, {"id": talent_id, "input": {"skills": [skill]}}, talent_token)
        assert update["data"]["updateTalentProfile"]["userErrors"] == []
        changed = time.monotonic()

        # then the second ranks the talent within a second
        while (ranked := _ranked(second, job, employer_token)) != [talent_id]:
            assert time.monotonic() - changed < VISIBLE_WITHIN_S, ranked
        seen_after = time.monotonic() - changed
        # and so does the first, and both go on doing so
        for base in (first, second, first, second):
            assert _ranked(base, job, employer_token) == [talent_id]
        # when the talent drops it through the second, the first stops ranking it
        update = graphql(second, UPDATE_TALENT, {"id": talent_id, "input": {"skills": ["Python"]}}, talent_token)
        assert update["data"]["updateTalentProfile"]["userErrors"] == []
        assert _ranked(first, job, employer_token) == []
    print(f"seen by the other worker after {seen_after * 1000:.0f} ms")
