"""rankCandidates reads the process's candidate index, which follows every change without a rebuild."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.api.conftest import APPLY_TO_JOB, EmployerAccount, TalentAccount

UPDATE_TALENT = """
mutation UpdateTalentProfile($id: ID!, $input: TalentInput!) {
  updateTalentProfile(id: $id, input: $input) { talent { id } userErrors { code } }
}
"""
RANK = """
query Rank($jobId: ID!) {
  rankCandidates(jobId: $jobId, first: 5) { totalCount edges { node { score talent { id } } } }
}
"""


def _ranked(employer: EmployerAccount, job_id: str) -> tuple[int, list[str]]:
    body = employer.api.execute(RANK, {"jobId": job_id})
    ranking = body["data"]["rankCandidates"]
    return ranking["totalCount"], [edge["node"]["talent"]["id"] for edge in ranking["edges"]]


def test_a_changed_profile_is_ranked_on_the_next_request(
    new_employer: Callable[[], EmployerAccount],
    new_talent: Callable[..., TalentAccount],
    post_job: Callable[..., dict[str, Any]],
) -> None:
    # given a job whose one hard skill nobody else holds, and a talent who holds it
    skill = f"skill{uuid.uuid4().hex}"
    employer = new_employer()
    job = post_job(employer, requiredSkills=[skill], hardRequirements=["REQUIRED_SKILLS"])
    talent = new_talent(skills=[skill])
    assert _ranked(employer, job["id"]) == (1, [talent.talent_id])

    def update(**fields: Any) -> None:
        payload = talent.api.execute(UPDATE_TALENT, {"id": talent.talent_id, "input": fields})
        assert payload["data"]["updateTalentProfile"]["userErrors"] == [], payload

    # when the talent drops the skill, then takes it back
    update(skills=["Python"])
    assert _ranked(employer, job["id"]) == (0, [])
    update(skills=[skill])
    assert _ranked(employer, job["id"]) == (1, [talent.talent_id])

    # when the talent hides the profile, the job's employer no longer finds it
    update(discoverable=False)
    assert _ranked(employer, job["id"]) == (0, [])

    # when the hidden talent applies to the job, the employer ranks the applicant
    applied = talent.api.execute(APPLY_TO_JOB, {"jobId": job["id"]})["data"]["applyToJob"]
    assert applied["userErrors"] == []
    assert _ranked(employer, job["id"]) == (1, [talent.talent_id])
