"""rankCandidates reads the process's candidate index, which follows every change without a rebuild."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete

from api.graphql.ids import decode_id_of
from api.models import Talent, TalentSkill
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


def test_a_change_stamped_before_the_newest_but_committed_after_it_is_ranked(
    engine: Engine,
    new_employer: Callable[[], EmployerAccount],
    new_talent: Callable[..., TalentAccount],
    post_job: Callable[..., dict[str, Any]],
) -> None:
    """Two workers: one stamps ``updated_at`` and commits a moment later, while the other stamps a later
    change and commits first.  The watermark (count, newest ``updated_at``) never moves for the late
    commit; ranking must see it anyway."""
    skill = f"skill{uuid.uuid4().hex}"
    employer = new_employer()
    job = post_job(employer, requiredSkills=[skill], hardRequirements=["REQUIRED_SKILLS"])
    late = new_talent(skills=[skill])
    # given the newest change is another talent's, ranked since (the index has caught up with it)
    newest = new_talent(skills=["Python"])
    assert _ranked(employer, job["id"]) == (1, [late.talent_id])
    with Session(engine) as session:
        stamp = session.get(Talent, decode_id_of(newest.talent_id, "Talent")).updated_at  # type: ignore[union-attr]

    # when the late transaction commits now, stamped a second before that newest change
    with Session(engine) as session:
        talent_pk = decode_id_of(late.talent_id, "Talent")
        session.exec(delete(TalentSkill).where(col(TalentSkill.talent_id) == talent_pk))
        session.add(TalentSkill(talent_id=talent_pk, name="Python", position=0))
        row = session.get(Talent, talent_pk)
        assert row is not None
        row.updated_at = stamp - timedelta(seconds=1)
        session.add(row)
        session.commit()

    # then the next ranking sees it: the talent no longer holds the job's hard skill
    assert _ranked(employer, job["id"]) == (0, [])
