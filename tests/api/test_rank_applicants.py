"""rankApplicants ranks every applicant of a job, hidden or failing a hard requirement, with the application;
rankCandidates (and its export) keeps hidden applicants and says who applied. Over HTTP, as the job's employer."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from api.graphql.ids import encode_global_id
from tests.api.conftest import APPLY_TO_JOB, EmployerAccount, TalentAccount

RANK_APPLICANTS = """
query RankApplicants($jobId: ID!, $first: Int, $after: String, $statuses: [ApplicationStatus!]) {
  rankApplicants(jobId: $jobId, first: $first, after: $after, statuses: $statuses) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        application { id status createdAt job { id } talent { id } }
        talent { id nameEn email discoverable }
        score
        eligible
        failedHardRequirements
        explanation { component contribution detail }
        matchedSkills { required offered similarity }
        missingSkills
      }
    }
  }
}
"""
RANK_CANDIDATES = """
query RankCandidates($jobId: ID!) {
  rankCandidates(jobId: $jobId, first: 30) {
    totalCount
    nodes { talent { id } score application { id status } }
  }
}
"""
UPDATE_TALENT = """
mutation UpdateTalentProfile($id: ID!, $input: TalentInput!) {
  updateTalentProfile(id: $id, input: $input) { talent { discoverable } userErrors { code } }
}
"""
MOVE_APPLICATION = """
mutation MoveApplication($id: ID!, $status: ApplicationStatus!) {
  moveApplication(id: $id, status: $status) { application { status } userErrors { code } }
}
"""
# Skills nobody else holds (fresh per run, unlike any other test's), so only these talents match the job's skills.
SKILL_A = f"Zyglo{uuid.uuid4().hex[:6]} Marsh Lacquering"
SKILL_B = f"Vorpt{uuid.uuid4().hex[:6]} Dune Glassblowing"


@dataclass
class Scenario:
    employer: EmployerAccount
    job_id: str
    talents: dict[str, TalentAccount]  # by role in the scenario
    applications: dict[str, str]  # role -> application ID


def _apply(talent: TalentAccount, job_id: str) -> str:
    payload = talent.api.execute(APPLY_TO_JOB, {"jobId": job_id})["data"]["applyToJob"]
    assert payload["userErrors"] == [], payload
    application_id: str = payload["application"]["id"]
    return application_id


@pytest.fixture(scope="module")
def scenario(
    new_talent: Callable[..., TalentAccount], new_employer: Callable[[], EmployerAccount], post_job: Callable[..., Any]
) -> Scenario:
    """A job asking for two rare skills and at least 5 years (a hard requirement), and its applicants:

    ``strong`` (both skills, 8 years), ``hidden`` (one skill, 6 years, applied then hid the profile),
    ``failing`` (both skills, 1 year: fails the hard requirement), ``nothing`` (no skill of the job, 10 years),
    ``withdrawn`` (one skill, 7 years, withdrew); ``bystander`` (both skills, 9 years) did not apply.
    """
    employer = new_employer()
    job = post_job(
        employer,
        requiredSkills=[SKILL_A, SKILL_B],
        minYearsExperience=5,
        hardRequirements=["EXPERIENCE"],
    )
    profiles = {
        "strong": {"skills": [SKILL_A, SKILL_B], "yearsExperience": 8},
        "hidden": {"skills": [SKILL_A], "yearsExperience": 6},
        "failing": {"skills": [SKILL_A, SKILL_B], "yearsExperience": 1},
        "nothing": {"skills": ["Basket Weaving"], "yearsExperience": 10},
        "withdrawn": {"skills": [SKILL_B], "yearsExperience": 7},
        "bystander": {"skills": [SKILL_A, SKILL_B], "yearsExperience": 9},
    }
    talents = {role: new_talent(nameEn=f"Applicant {role}", **profile) for role, profile in profiles.items()}
    applications = {role: _apply(talents[role], job["id"]) for role in profiles if role != "bystander"}
    hidden = talents["hidden"]
    hid = hidden.api.execute(UPDATE_TALENT, {"id": hidden.talent_id, "input": {"discoverable": False}})
    assert hid["data"]["updateTalentProfile"] == {"talent": {"discoverable": False}, "userErrors": []}
    withdrew = talents["withdrawn"].api.execute(
        MOVE_APPLICATION, {"id": applications["withdrawn"], "status": "WITHDRAWN"}
    )
    assert withdrew["data"]["moveApplication"]["userErrors"] == [], withdrew
    moved = employer.api.execute(MOVE_APPLICATION, {"id": applications["strong"], "status": "SCREENING"})
    assert moved["data"]["moveApplication"]["userErrors"] == [], moved
    return Scenario(employer=employer, job_id=job["id"], talents=talents, applications=applications)


def _rank(api: Any, job_id: str, **variables: Any) -> dict[str, Any]:
    # pages of 10 hold every applicant and keep the employer's cost bucket from running dry
    body = api.execute(RANK_APPLICANTS, {"jobId": job_id, "first": 10, **variables})
    assert "errors" not in body, body
    ranked: dict[str, Any] = body["data"]["rankApplicants"]
    return ranked


def _roles(scenario: Scenario, nodes: list[dict[str, Any]]) -> list[str]:
    by_id = {talent.talent_id: role for role, talent in scenario.talents.items()}
    return [by_id[node["talent"]["id"]] for node in nodes]


def _error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


# ------------------------------------------------------------------ ranking


def test_every_applicant_is_ranked_eligible_first_with_the_application(scenario: Scenario) -> None:
    # when the job's employer ranks its applicants
    ranked = _rank(scenario.employer.api, scenario.job_id)
    nodes = [edge["node"] for edge in ranked["edges"]]

    # then every applicant is there once, hidden, failing and withdrawn ones included, the bystander not
    roles = _roles(scenario, nodes)
    assert sorted(roles) == sorted(scenario.applications) and ranked["totalCount"] == len(scenario.applications)
    # and those meeting the hard requirement come first, best first, ties by talent id, then the others
    eligible = [node["eligible"] for node in nodes]
    assert eligible == sorted(eligible, reverse=True)
    for part in (True, False):
        scores = [node["score"] for node in nodes if node["eligible"] is part]
        assert scores == sorted(scores, reverse=True)
    # (hidden and withdrawn tie: one skill each, enough years; hidden applied first, so has the lower talent id;
    # failing covers both skills, nothing none: both ineligible, failing first on score)
    assert roles == ["strong", "hidden", "withdrawn", "failing", "nothing"]


def test_each_applicant_carries_its_application_and_an_explanation(scenario: Scenario) -> None:
    nodes = {n["talent"]["id"]: n for n in (e["node"] for e in _rank(scenario.employer.api, scenario.job_id)["edges"])}

    for role, application_id in scenario.applications.items():
        node = nodes[scenario.talents[role].talent_id]
        # the application: its ID, job, applicant and date
        assert node["application"]["id"] == application_id
        assert node["application"]["job"] == {"id": scenario.job_id}
        assert node["application"]["talent"] == {"id": scenario.talents[role].talent_id}
        assert node["application"]["createdAt"]
        # the score, explained: one row per component, the contributions adding up to the score
        assert {row["component"] for row in node["explanation"]} >= {"required_skills", "experience"}
        assert sum(row["contribution"] for row in node["explanation"]) == pytest.approx(node["score"], abs=0.01)
        assert all(row["detail"] for row in node["explanation"])
    statuses = {
        role: nodes[scenario.talents[role].talent_id]["application"]["status"] for role in scenario.applications
    }
    assert statuses == {
        "strong": "SCREENING",
        "hidden": "APPLIED",
        "failing": "APPLIED",
        "nothing": "APPLIED",
        "withdrawn": "WITHDRAWN",
    }


def test_a_hidden_applicant_is_ranked_with_full_contact_data(scenario: Scenario) -> None:
    hidden = scenario.talents["hidden"]
    nodes = [e["node"] for e in _rank(scenario.employer.api, scenario.job_id)["edges"]]

    node = next(n for n in nodes if n["talent"]["id"] == hidden.talent_id)

    assert node["talent"]["discoverable"] is False and node["talent"]["email"] == hidden.email
    assert node["eligible"] is True and node["missingSkills"] == [SKILL_B]
    assert [m["required"] for m in node["matchedSkills"]] == [SKILL_A]


def test_an_applicant_failing_a_hard_requirement_ranks_last_and_says_why(scenario: Scenario) -> None:
    nodes = [e["node"] for e in _rank(scenario.employer.api, scenario.job_id)["edges"]]
    failing = next(n for n in nodes if n["talent"]["id"] == scenario.talents["failing"].talent_id)

    assert failing["eligible"] is False
    assert failing["failedHardRequirements"] == ["EXPERIENCE"]
    assert failing["missingSkills"] == []
    # it matches both skills, yet ranks below every applicant meeting the hard requirement
    assert all(n["eligible"] for n in nodes[: nodes.index(failing)])
    assert all(n["failedHardRequirements"] == [] for n in nodes if n["eligible"])


def test_an_applicant_matching_nothing_is_still_ranked(scenario: Scenario) -> None:
    nodes = [e["node"] for e in _rank(scenario.employer.api, scenario.job_id)["edges"]]
    nothing = next(n for n in nodes if n["talent"]["id"] == scenario.talents["nothing"].talent_id)

    assert nothing["matchedSkills"] == [] and nothing["missingSkills"] == [SKILL_A, SKILL_B]
    # covering no required skill leaves a talent out of rankCandidates; here it is listed, saying so
    assert nothing["eligible"] is False and nothing["failedHardRequirements"] == ["REQUIRED_SKILLS"]
    assert nothing is nodes[-1]
    matching_some = [n for n in nodes if n["matchedSkills"] and n["eligible"]]
    assert all(n["score"] > nothing["score"] for n in matching_some)


def test_statuses_narrow_the_applicants(scenario: Scenario) -> None:
    ranked = _rank(scenario.employer.api, scenario.job_id, statuses=["APPLIED", "SCREENING"])

    assert sorted(_roles(scenario, [e["node"] for e in ranked["edges"]])) == ["failing", "hidden", "nothing", "strong"]
    assert ranked["totalCount"] == 4
    withdrawn = _rank(scenario.employer.api, scenario.job_id, statuses=["WITHDRAWN"])
    assert _roles(scenario, [e["node"] for e in withdrawn["edges"]]) == ["withdrawn"]
    assert _rank(scenario.employer.api, scenario.job_id, statuses=["HIRED"]) == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


def test_pages_follow_one_another(scenario: Scenario) -> None:
    # given the whole list
    whole = _rank(scenario.employer.api, scenario.job_id)

    # when it is read two at a time
    pages, after = [], None
    for _ in range(len(scenario.applications)):
        page = _rank(scenario.employer.api, scenario.job_id, first=2, after=after)
        assert page["totalCount"] == whole["totalCount"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after is not None, page

    # then the pages hold the list in order, with the same cursors
    assert [len(p["edges"]) for p in pages] == [2, 2, 1]
    assert [e for p in pages for e in p["edges"]] == whole["edges"]
    assert _rank(scenario.employer.api, scenario.job_id, first=0)["edges"] == []


def test_admins_rank_any_jobs_applicants(scenario: Scenario, admin_api_client: Any) -> None:
    assert _rank(admin_api_client, scenario.job_id) == _rank(scenario.employer.api, scenario.job_id)


# ------------------------------------------------------------------ refusals


def test_another_employer_is_forbidden(scenario: Scenario, new_employer: Callable[[], EmployerAccount]) -> None:
    body = new_employer().api.execute(RANK_APPLICANTS, {"jobId": scenario.job_id})

    assert _error_codes(body) == ["FORBIDDEN"] and body["data"] is None


def test_an_applicant_is_forbidden(scenario: Scenario) -> None:
    body = scenario.talents["strong"].api.execute(RANK_APPLICANTS, {"jobId": scenario.job_id})

    assert _error_codes(body) == ["FORBIDDEN"] and body["data"] is None


def test_anonymous_callers_must_log_in(scenario: Scenario, anonymous_api_client: Any) -> None:
    body = anonymous_api_client.execute(RANK_APPLICANTS, {"jobId": scenario.job_id})

    assert _error_codes(body) == ["UNAUTHENTICATED"] and body["data"] is None


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"jobId": encode_global_id("Job", 2**31 - 1)}, "NOT_FOUND"),
        ({"jobId": "not-an-id"}, "BAD_USER_INPUT"),
        ({"jobId": encode_global_id("Talent", 1)}, "BAD_USER_INPUT"),
        ({"first": 101}, "BAD_USER_INPUT"),
        ({"first": -1}, "BAD_USER_INPUT"),
        ({"after": "bm90LWEtY3Vyc29y"}, "BAD_USER_INPUT"),
        ({"statuses": []}, "BAD_USER_INPUT"),
    ],
)
def test_bad_input_is_refused(scenario: Scenario, variables: dict[str, Any], code: str) -> None:
    body = scenario.employer.api.execute(RANK_APPLICANTS, {"jobId": scenario.job_id, **variables})

    assert _error_codes(body) == [code], body
    assert body["data"] is None
    assert body["errors"][0]["message"]


def test_an_unknown_status_is_a_validation_error(scenario: Scenario) -> None:
    body = scenario.employer.api.execute(RANK_APPLICANTS, {"jobId": scenario.job_id, "statuses": ["LOST"]})

    assert body["data"] is None and "LOST" in body["errors"][0]["message"]


# ------------------------------------------------------------------ rankCandidates and its export


def _candidates(api: Any, job_id: str) -> dict[str, Any]:
    """The first 30 candidates (the applicants who match the job's rare skills are among them) and the total."""
    body = api.execute(RANK_CANDIDATES, {"jobId": job_id})
    assert "errors" not in body, body
    ranked: dict[str, Any] = body["data"]["rankCandidates"]
    return ranked


def test_ranked_candidates_say_whether_they_applied(scenario: Scenario) -> None:
    # when the employer ranks the job's candidates
    nodes = {n["talent"]["id"]: n for n in _candidates(scenario.employer.api, scenario.job_id)["nodes"]}

    # then the applicant who hid their profile after applying is still ranked, with the application
    hidden = nodes[scenario.talents["hidden"].talent_id]
    assert hidden["application"] == {"id": scenario.applications["hidden"], "status": "APPLIED"}
    assert nodes[scenario.talents["strong"].talent_id]["application"]["status"] == "SCREENING"
    # and a candidate who did not apply has none, nor has anyone else outside the applicants
    assert nodes[scenario.talents["bystander"].talent_id]["application"] is None
    applicants = {scenario.talents[role].talent_id for role in scenario.applications}
    assert all(n["application"] is None for tid, n in nodes.items() if tid not in applicants)
    # and an applicant failing the hard requirement is not a candidate
    assert scenario.talents["failing"].talent_id not in nodes


def test_applicants_score_as_they_do_among_the_candidates(scenario: Scenario) -> None:
    candidates = {n["talent"]["id"]: n["score"] for n in _candidates(scenario.employer.api, scenario.job_id)["nodes"]}
    applicants = [e["node"] for e in _rank(scenario.employer.api, scenario.job_id)["edges"]]

    # the eligible applicants holding a skill of the job rank among the first candidates, with the same scores
    skilled = {n["talent"]["id"]: n["score"] for n in applicants if n["eligible"] and n["matchedSkills"]}
    assert len(skilled) == 3 and skilled == {tid: candidates.get(tid) for tid in skilled}


def _export(api: Any, job_id: str, fmt: str) -> str:
    response = api.http.get(
        f"/exports/jobs/{job_id}/candidates.{fmt}", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


def test_the_candidates_export_keeps_the_hidden_applicant_and_says_who_applied(scenario: Scenario) -> None:
    # given the ranking over GraphQL
    api, talents = scenario.employer.api, scenario.talents
    ranked = _candidates(api, scenario.job_id)
    first = ranked["nodes"]

    # when it is exported
    rows = list(csv.DictReader(io.StringIO(_export(api, scenario.job_id, "csv"))))
    lines = [json.loads(line) for line in _export(api, scenario.job_id, "jsonl").splitlines()]

    # then both list the same candidates, the hidden applicant included, with the applications' statuses
    assert len(rows) == len(lines) == ranked["totalCount"]
    assert [row["talentId"] for row in rows] == [line["talent"]["id"] for line in lines]
    assert [row["talentId"] for row in rows[: len(first)]] == [n["talent"]["id"] for n in first]
    status = {row["talentId"]: row["applicationStatus"] for row in rows}
    assert status[talents["hidden"].talent_id] == "APPLIED" and status[talents["strong"].talent_id] == "SCREENING"
    assert status[talents["bystander"].talent_id] == ""
    applications = {line["talent"]["id"]: line["application"] for line in lines}
    assert [applications[n["talent"]["id"]] and applications[n["talent"]["id"]]["id"] for n in first] == [
        n["application"] and n["application"]["id"] for n in first
    ]
    assert applications[talents["hidden"].talent_id]["createdAt"].endswith("+00:00")
