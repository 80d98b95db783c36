"""A talent's contact data and hidden profiles are shown only to those who may see them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

TALENT = """
query Talent($id: ID!) {
  talent(id: $id) { id nameEn email phone birthYear contactVisible }
}
"""

NODE = "query Node($id: ID!) { node(id: $id) { id ... on Talent { nameEn email } } }"

TALENTS = """
query Talents($search: String) {
  talents(search: $search, first: 100) { totalCount edges { node { id email phone birthYear } } }
}
"""

RANK_CANDIDATES = """
query RankCandidates($jobId: ID!) {
  rankCandidates(jobId: $jobId, first: 100) { edges { node { talent { id email phone birthYear } } } }
}
"""

APPLY_TO_JOB = "mutation Apply($jobId: ID!) { applyToJob(jobId: $jobId) { userErrors { code } } }"

PHONE = "+86 138 1234 5678"
MASKED_PHONE = "138****5678"
# A skill nobody else has, so a talent offering it ranks first for a job asking for it.
RARE_SKILL = "Qwzx Hermit Crafting"


@pytest.fixture
def applicant(new_talent: Callable[..., Any], new_employer: Callable[[], Any], post_job: Callable[..., Any]) -> Any:
    """A discoverable talent with contact data who applied to a job of ``applicant.employer``."""
    talent = new_talent(nameEn="Privacy Applicant", email=None, phone=PHONE, birthYear=1990)
    employer = new_employer()
    job = post_job(employer)
    assert talent.api.execute(APPLY_TO_JOB, {"jobId": job["id"]})["data"]["applyToJob"]["userErrors"] == []
    talent.employer = employer
    talent.job_id = job["id"]
    return talent


def _talent(api: Any, talent_id: str) -> dict[str, Any] | None:
    body = api.execute(TALENT, {"id": talent_id})
    assert "errors" not in body, body
    talent: dict[str, Any] | None = body["data"]["talent"]
    return talent


def test_the_talent_sees_their_own_contact_data(applicant: Any) -> None:
    seen = _talent(applicant.api, applicant.talent_id)

    assert seen == {
        "id": applicant.talent_id,
        "nameEn": "Privacy Applicant",
        "email": applicant.email,
        "phone": PHONE,
        "birthYear": 1990,
        "contactVisible": True,
    }


@pytest.mark.parametrize("viewer", ["admin", "employer applied to"])
def test_admins_and_employers_applied_to_see_contact_data(admin_api_client: Any, applicant: Any, viewer: str) -> None:
    api = admin_api_client if viewer == "admin" else applicant.employer.api

    seen = _talent(api, applicant.talent_id)

    assert seen is not None
    assert (seen["email"], seen["phone"], seen["birthYear"], seen["contactVisible"]) == (
        applicant.email,
        PHONE,
        1990,
        True,
    )


@pytest.mark.parametrize("viewer", ["employer_api_client", "judge_api_client", "credit_api_client", "other talent"])
def test_others_see_contact_data_masked(
    request: pytest.FixtureRequest, new_talent: Callable[..., Any], applicant: Any, viewer: str
) -> None:
    # given
    api = new_talent().api if viewer == "other talent" else request.getfixturevalue(viewer)
    local, _, domain = applicant.email.partition("@")

    # when
    seen = _talent(api, applicant.talent_id)

    # then
    assert seen is not None
    assert seen["nameEn"] == "Privacy Applicant"
    assert seen["email"] == f"{local[0]}***@{domain}"
    assert seen["phone"] == MASKED_PHONE
    assert seen["birthYear"] is None
    assert seen["contactVisible"] is False


def test_contact_data_is_masked_in_lists_and_rankings(employer_api_client: Any, judge_api_client: Any) -> None:
    # given: the demo employer's own job, and talents who never applied to it among its candidates
    job_id = employer_api_client.execute(
        "query($f: JobFilter) { jobs(filter: $f, first: 1) { edges { node { id } } } }",
        {
            "f": {
                "employerId": employer_api_client.execute("{ me { enterprise { id } } }")["data"]["me"]["enterprise"][
                    "id"
                ]
            }
        },
    )["data"]["jobs"]["edges"][0]["node"]["id"]

    # when
    listed = [e["node"] for e in judge_api_client.execute(TALENTS)["data"]["talents"]["edges"]]
    ranked = [
        e["node"]["talent"]
        for e in employer_api_client.execute(RANK_CANDIDATES, {"jobId": job_id})["data"]["rankCandidates"]["edges"]
    ]

    # then
    assert listed and ranked
    for talent in listed:
        assert re.fullmatch(r"\d{3}\*{4}\d{4}", talent["phone"]), talent
        assert re.fullmatch(r"[^@*]\*\*\*@[^@]+", talent["email"]), talent
        assert talent["birthYear"] is None
    assert any(re.fullmatch(r"\d{3}\*{4}\d{4}", t["phone"]) for t in ranked)


def test_the_demo_talent_sees_own_contact_data_and_a_judge_does_not(
    talent_api_client: Any, judge_api_client: Any
) -> None:
    talent_id = talent_api_client.execute("{ me { talent { id } } }")["data"]["me"]["talent"]["id"]

    own = _talent(talent_api_client, talent_id)
    judged = _talent(judge_api_client, talent_id)

    assert own is not None and judged is not None
    assert own["email"] == "chenyu.lu@example.org"
    assert judged["email"] == "c***@example.org"
    assert own["phone"].endswith(judged["phone"][-4:])
    assert own["phone"] != judged["phone"]


# ------------------------------------------------------------ hidden profiles


@pytest.fixture
def hidden_name() -> str:
    return f"Hidden Hermit {uuid.uuid4().hex[:10]}"


@pytest.fixture
def hidden_talent(new_talent: Callable[..., Any], hidden_name: str) -> Any:
    return new_talent(nameEn=hidden_name, discoverable=False, phone=PHONE, skills=[RARE_SKILL])


@pytest.mark.parametrize(
    "viewer", ["employer_api_client", "judge_api_client", "credit_api_client", "talent_api_client"]
)
def test_a_hidden_profile_is_invisible_to_other_roles(
    request: pytest.FixtureRequest, hidden_talent: Any, hidden_name: str, viewer: str
) -> None:
    # given
    api = request.getfixturevalue(viewer)

    # when
    by_id = api.execute(TALENT, {"id": hidden_talent.talent_id})
    by_node = api.execute(NODE, {"id": hidden_talent.talent_id})
    by_search = api.execute(TALENTS, {"search": hidden_name})

    # then
    assert by_id["data"] == {"talent": None} and "errors" not in by_id
    assert by_node["data"] == {"node": None} and "errors" not in by_node
    assert by_search["data"]["talents"] == {"totalCount": 0, "edges": []}


def test_a_hidden_profile_is_invisible_to_the_anonymous(anonymous_api_client: Any, hidden_talent: Any) -> None:
    body = anonymous_api_client.execute(NODE, {"id": hidden_talent.talent_id})
    assert body["data"] == {"node": None} and "errors" not in body


def test_a_hidden_profile_is_visible_to_its_owner_and_admins(
    admin_api_client: Any, hidden_talent: Any, hidden_name: str
) -> None:
    for api in (hidden_talent.api, admin_api_client):
        assert api.execute(NODE, {"id": hidden_talent.talent_id})["data"]["node"]["nameEn"] == hidden_name
        found = api.execute(TALENTS, {"search": hidden_name})["data"]["talents"]
        assert [e["node"]["id"] for e in found["edges"]] == [hidden_talent.talent_id]


def test_a_hidden_profile_becomes_visible_to_the_employer_it_applies_to(
    hidden_talent: Any, new_employer: Callable[[], Any], post_job: Callable[..., Any]
) -> None:
    # given
    employer, bystander = new_employer(), new_employer()
    job = post_job(employer, requiredSkills=[RARE_SKILL])

    # when
    hidden_talent.api.execute(APPLY_TO_JOB, {"jobId": job["id"]})

    # then
    seen = _talent(employer.api, hidden_talent.talent_id)
    assert seen is not None and seen["phone"] == PHONE
    ranked = employer.api.execute(RANK_CANDIDATES, {"jobId": job["id"]})["data"]["rankCandidates"]["edges"]
    assert ranked[0]["node"]["talent"]["id"] == hidden_talent.talent_id
    assert _talent(bystander.api, hidden_talent.talent_id) is None


def test_a_hidden_profile_is_not_ranked_for_employers_it_did_not_apply_to(
    hidden_talent: Any,
    new_talent: Callable[..., Any],
    new_employer: Callable[[], Any],
    post_job: Callable[..., Any],
) -> None:
    # given: a visible talent holds the rare skill too
    visible = new_talent(nameEn="Visible Crafter", skills=[RARE_SKILL])
    employer = new_employer()
    job = post_job(employer, requiredSkills=[RARE_SKILL])

    ranked = employer.api.execute(RANK_CANDIDATES, {"jobId": job["id"]})["data"]["rankCandidates"]["edges"]

    # then: only the visible one ranks
    assert [e["node"]["talent"]["id"] for e in ranked] == [visible.talent_id]
