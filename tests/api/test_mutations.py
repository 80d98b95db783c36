"""Mutations: accounts, profiles, enterprises, jobs and the application pipeline.

Every test makes its own accounts and data (unique e-mails and USCCs), so the
shared demo data stays as it was loaded and order does not matter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from api.config import Settings

PASSWORD = "a-long-enough-password"

SIGN_UP = """
mutation SignUp($email: String!, $password: String!) {
  signUp(email: $email, password: $password) {
    token account { email role } userErrors { field message code }
  }
}
"""

LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) {
    token account { email role } userErrors { field message code }
  }
}
"""

ME = "query Me { me { email role talent { id nameZh nameEn skills } } }"

CREATE_TALENT_PROFILE = """
mutation CreateTalentProfile($input: TalentInput!) {
  createTalentProfile(input: $input) {
    talent { id nameZh nameEn email skills discoverable languages { language level } }
    userErrors { field message code }
  }
}
"""

UPDATE_TALENT_PROFILE = """
mutation UpdateTalentProfile($id: ID!, $input: TalentInput!) {
  updateTalentProfile(id: $id, input: $input) {
    talent { id nameZh nameEn skills yearsExperience }
    userErrors { field message code }
  }
}
"""

TALENT = "query Talent($id: ID!) { talent(id: $id) { id nameZh nameEn skills yearsExperience } }"

REGISTER_ENTERPRISE = """
mutation RegisterEnterprise($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) {
    enterprise { id legalName uscc industryChain district aliases }
    userErrors { field message code }
  }
}
"""

ENTERPRISE_BY_USCC = "query EnterpriseByUscc($uscc: String!) { enterprise(uscc: $uscc) { id legalName } }"
ENTERPRISE_COUNT = "query EnterpriseCount { enterprises(first: 0) { totalCount } }"
RESOLVE_ENTERPRISE = """
query ResolveEnterprise($name: String!) { resolveEnterprise(name: $name) { enterprise { id } } }
"""

POST_JOB = """
mutation PostJob($input: JobInput!) {
  postJob(input: $input) {
    job { id title status salaryMin salaryMax requiredSkills employer { id } }
    userErrors { field message code }
  }
}
"""

UPDATE_JOB = """
mutation UpdateJob($id: ID!, $input: JobInput!) {
  updateJob(id: $id, input: $input) {
    job { id title status salaryMin salaryMax requiredSkills }
    userErrors { field message code }
  }
}
"""

CLOSE_JOB = """
mutation CloseJob($id: ID!) {
  closeJob(id: $id) { job { id status } userErrors { field message code } }
}
"""

JOB = "query Job($id: ID!) { job(id: $id) { id title status salaryMin salaryMax requiredSkills } }"
EMPLOYER_JOBS = """
query EmployerJobs($filter: JobFilter) { jobs(filter: $filter, first: 100) { edges { node { id status } } } }
"""

APPLY_TO_JOB = """
mutation ApplyToJob($jobId: ID!) {
  applyToJob(jobId: $jobId) {
    application { id status job { id } talent { id } }
    userErrors { field message code }
  }
}
"""

MOVE_APPLICATION = """
mutation MoveApplication($id: ID!, $status: ApplicationStatus!) {
  moveApplication(id: $id, status: $status) {
    application { id status history { fromStatus toStatus at } }
    userErrors { field message code }
  }
}
"""

APPLICATION = """
query Application($id: ID!) {
  node(id: $id) { ... on Application { status history { fromStatus toStatus at } } }
}
"""


def _code(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def _email() -> str:
    return f"New.Person-{uuid.uuid4().hex[:10]}@Example.COM"


# --------------------------------------------------------------- accounts


def test_sign_up_log_in_create_and_update_a_talent_profile(
    anonymous_api_client: Any, api_client_for: Callable[[str | None], Any]
) -> None:
    # given
    email = _email()

    # when
    signed_up = anonymous_api_client.execute(SIGN_UP, {"email": email, "password": PASSWORD})["data"]["signUp"]
    logged_in = anonymous_api_client.execute(LOG_IN, {"email": email.upper(), "password": PASSWORD})["data"]["logIn"]
    talent_api = api_client_for(logged_in["token"])
    created = talent_api.execute(
        CREATE_TALENT_PROFILE,
        {
            "input": {
                "nameZh": "郑测试",
                "skills": ["qPCR", "NGS"],
                "languages": [{"language": "EN", "level": "FLUENT"}],
            }
        },
    )["data"]["createTalentProfile"]
    talent_id = created["talent"]["id"]
    updated = talent_api.execute(
        UPDATE_TALENT_PROFILE,
        {"id": talent_id, "input": {"nameEn": "Ceshi Zheng", "skills": ["Python"], "yearsExperience": 4}},
    )["data"]["updateTalentProfile"]

    # then
    assert signed_up["userErrors"] == []
    assert signed_up["token"]
    assert signed_up["account"] == {"email": email.lower(), "role": "TALENT"}
    assert logged_in["userErrors"] == []
    assert created["userErrors"] == []
    assert created["talent"]["email"] == email.lower()  # the account's address unless another is given
    assert created["talent"]["languages"] == [{"language": "en", "level": "FLUENT"}]
    assert created["talent"]["discoverable"] is True
    assert updated["userErrors"] == []
    assert updated["talent"] == {
        "id": talent_id,
        "nameZh": "郑测试",
        "nameEn": "Ceshi Zheng",
        "skills": ["Python"],
        "yearsExperience": 4,
    }
    me = talent_api.execute(ME)["data"]["me"]
    assert me["talent"] == {"id": talent_id, "nameZh": "郑测试", "nameEn": "Ceshi Zheng", "skills": ["Python"]}


def test_sign_up_twice_with_one_email_is_a_duplicate(anonymous_api_client: Any) -> None:
    # given
    email = _email()
    anonymous_api_client.execute(SIGN_UP, {"email": email, "password": PASSWORD})

    # when
    again = anonymous_api_client.execute(SIGN_UP, {"email": email.lower(), "password": PASSWORD})["data"]["signUp"]

    # then
    assert again["token"] is None
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [("email", "DUPLICATE")]


def test_a_second_talent_profile_is_a_duplicate(new_talent: Callable[..., Any]) -> None:
    talent = new_talent()

    again = talent.api.execute(CREATE_TALENT_PROFILE, {"input": {"nameZh": "再一次"}})["data"]["createTalentProfile"]

    assert again["talent"] is None
    assert [e["code"] for e in again["userErrors"]] == ["DUPLICATE"]


def test_nobody_updates_someone_elses_profile(new_talent: Callable[..., Any], judge_api_client: Any) -> None:
    # given
    owner, intruder = new_talent(nameEn="Owner"), new_talent()

    # when
    refused = intruder.api.execute(UPDATE_TALENT_PROFILE, {"id": owner.talent_id, "input": {"nameEn": "Hacked"}})

    # then
    payload = refused["data"]["updateTalentProfile"]
    assert payload["talent"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("id", "FORBIDDEN")]
    assert judge_api_client.execute(TALENT, {"id": owner.talent_id})["data"]["talent"]["nameEn"] == "Owner"


def test_wrong_password_and_unknown_email_read_the_same(anonymous_api_client: Any) -> None:
    # when
    wrong_password = anonymous_api_client.execute(LOG_IN, {"email": "admin@demo.guilu", "password": "not-the-password"})
    unknown_email = anonymous_api_client.execute(LOG_IN, {"email": _email(), "password": "not-the-password"})

    # then
    wrong, unknown = wrong_password["data"]["logIn"], unknown_email["data"]["logIn"]
    assert wrong["token"] is None and wrong["account"] is None
    assert [e["code"] for e in wrong["userErrors"]] == ["INVALID_CREDENTIALS"]
    assert unknown == wrong


# ---------------------------------------------------------------- tokens


def test_a_forged_token_gets_http_401(anonymous_api_client: Any) -> None:
    # given
    forged = jwt.encode(
        {"sub": "1", "role": "admin", "exp": datetime.now(UTC) + timedelta(hours=1)},
        "a-different-secret-of-a-sensible-length-0123",
        algorithm="HS256",
    )

    # when
    response = anonymous_api_client.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {forged}"}
    )

    # then
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_expired_token_gets_http_401_saying_so(anonymous_api_client: Any, settings: Settings) -> None:
    # given
    expired = jwt.encode(
        {"sub": "1", "role": "admin", "exp": datetime.now(UTC) - timedelta(minutes=5)},
        settings.signing_secret(),
        algorithm="HS256",
    )

    # when
    response = anonymous_api_client.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {expired}"}
    )

    # then
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer not.a.jwt", "Basic YWRtaW46YWRtaW4="])
def test_a_malformed_authorization_header_gets_http_401(anonymous_api_client: Any, header: str) -> None:
    response = anonymous_api_client.http.post("/graphql", json={"query": ME}, headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("mutation", "variables"),
    [
        (CREATE_TALENT_PROFILE, {"input": {"nameZh": "匿名"}}),
        (POST_JOB, {"input": {"title": "Anonymous job"}}),
        (CLOSE_JOB, {"id": "Sm9iOjE"}),
    ],
)
def test_a_mutation_without_a_token_is_unauthenticated(
    anonymous_api_client: Any, mutation: str, variables: dict[str, Any]
) -> None:
    body = anonymous_api_client.execute(mutation, variables)

    assert body["data"] is None
    assert _code(body) == "UNAUTHENTICATED"


# ------------------------------------------------------------ enterprises


@pytest.mark.parametrize("registrar", ["admin_api_client", "credit_api_client"])
def test_admins_and_credit_officers_register_enterprises(
    request: pytest.FixtureRequest, anonymous_api_client: Any, fresh_uscc: Callable[[], str], registrar: str
) -> None:
    # given
    api = request.getfixturevalue(registrar)
    uscc = fresh_uscc()
    name = f"厦门白鹭{uuid.uuid4().hex[:6]}新材料有限公司"
    enterprise_input = {
        "legalName": name,
        "uscc": uscc.lower(),
        "industryChain": "NEW_MATERIALS",
        "district": "湖里区",
        "aliases": ["白鹭新材", name],
    }

    # when
    payload = api.execute(REGISTER_ENTERPRISE, {"input": enterprise_input})["data"]["registerEnterprise"]

    # then
    assert payload["userErrors"] == []
    assert payload["enterprise"]["uscc"] == uscc
    assert payload["enterprise"]["aliases"] == ["白鹭新材"]
    stored = anonymous_api_client.execute(ENTERPRISE_BY_USCC, {"uscc": uscc})["data"]["enterprise"]
    assert stored == {"id": payload["enterprise"]["id"], "legalName": name}
    resolved = anonymous_api_client.execute(RESOLVE_ENTERPRISE, {"name": name})["data"]["resolveEnterprise"]
    assert resolved[0]["enterprise"]["id"] == payload["enterprise"]["id"]


def test_a_talent_may_not_register_an_enterprise(
    talent_api_client: Any, anonymous_api_client: Any, fresh_uscc: Callable[[], str]
) -> None:
    # given
    uscc = fresh_uscc()
    enterprise_input = {"legalName": "厦门越权有限公司", "uscc": uscc, "industryChain": "NEW_ENERGY"}

    # when
    body = talent_api_client.execute(REGISTER_ENTERPRISE, {"input": enterprise_input})

    # then
    assert body["data"] is None
    assert _code(body) == "FORBIDDEN"
    assert anonymous_api_client.execute(ENTERPRISE_BY_USCC, {"uscc": uscc})["data"]["enterprise"] is None


def test_an_invalid_uscc_is_refused_and_nothing_is_stored(
    admin_api_client: Any, anonymous_api_client: Any, fresh_uscc: Callable[[], str]
) -> None:
    # given
    valid = fresh_uscc()
    wrong_check = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    before = anonymous_api_client.execute(ENTERPRISE_COUNT)["data"]["enterprises"]["totalCount"]
    enterprise_input = {"legalName": "厦门校验错误有限公司", "uscc": wrong_check, "industryChain": "NEW_ENERGY"}

    # when
    payload = admin_api_client.execute(REGISTER_ENTERPRISE, {"input": enterprise_input})["data"]["registerEnterprise"]

    # then
    assert payload["enterprise"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("uscc", "INVALID")]
    assert anonymous_api_client.execute(ENTERPRISE_COUNT)["data"]["enterprises"]["totalCount"] == before
    for code in (wrong_check, valid):
        assert anonymous_api_client.execute(ENTERPRISE_BY_USCC, {"uscc": code})["data"]["enterprise"] is None


def test_a_registered_uscc_is_a_duplicate(
    admin_api_client: Any, anonymous_api_client: Any, new_enterprise: Callable[..., dict[str, Any]]
) -> None:
    # given
    existing = new_enterprise()
    before = anonymous_api_client.execute(ENTERPRISE_COUNT)["data"]["enterprises"]["totalCount"]
    enterprise_input = {"legalName": "厦门重复有限公司", "uscc": existing["uscc"], "industryChain": "BIOMEDICINE"}

    # when
    payload = admin_api_client.execute(REGISTER_ENTERPRISE, {"input": enterprise_input})["data"]["registerEnterprise"]

    # then
    assert payload["enterprise"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("uscc", "DUPLICATE")]
    assert anonymous_api_client.execute(ENTERPRISE_COUNT)["data"]["enterprises"]["totalCount"] == before
    stored = anonymous_api_client.execute(ENTERPRISE_BY_USCC, {"uscc": existing["uscc"]})["data"]["enterprise"]
    assert stored["legalName"] == existing["legalName"]


# ------------------------------------------------------------------- jobs


def test_an_employer_posts_updates_and_closes_a_job(new_employer: Callable[[], Any], anonymous_api_client: Any) -> None:
    # given
    employer = new_employer()
    title = f"Electrochemist {uuid.uuid4().hex[:8]}"

    # when
    posted = employer.api.execute(
        POST_JOB,
        {"input": {"title": title, "requiredSkills": ["Electrochemistry"], "salaryMin": 15000, "salaryMax": 25000}},
    )["data"]["postJob"]
    job_id = posted["job"]["id"]
    updated = employer.api.execute(
        UPDATE_JOB, {"id": job_id, "input": {"title": f"Senior {title}", "salaryMax": 30000}}
    )["data"]["updateJob"]
    closed = employer.api.execute(CLOSE_JOB, {"id": job_id})["data"]["closeJob"]
    closed_again = employer.api.execute(CLOSE_JOB, {"id": job_id})["data"]["closeJob"]

    # then
    assert posted["userErrors"] == []
    assert posted["job"]["status"] == "OPEN"
    assert posted["job"]["employer"]["id"] == employer.enterprise_id
    assert updated["userErrors"] == []
    assert updated["job"] == {
        "id": job_id,
        "title": f"Senior {title}",
        "status": "OPEN",
        "salaryMin": 15000,
        "salaryMax": 30000,
        "requiredSkills": ["Electrochemistry"],
    }
    assert closed == {"job": {"id": job_id, "status": "CLOSED"}, "userErrors": []}
    assert [e["code"] for e in closed_again["userErrors"]] == ["INVALID_TRANSITION"]
    open_jobs = anonymous_api_client.execute(EMPLOYER_JOBS, {"filter": {"employerId": employer.enterprise_id}})
    closed_jobs = anonymous_api_client.execute(
        EMPLOYER_JOBS, {"filter": {"employerId": employer.enterprise_id, "status": "CLOSED"}}
    )
    assert open_jobs["data"]["jobs"]["edges"] == []
    assert [e["node"] for e in closed_jobs["data"]["jobs"]["edges"]] == [{"id": job_id, "status": "CLOSED"}]


def test_a_posted_job_is_found_by_search(
    new_employer: Callable[[], Any], post_job: Callable[..., Any], anonymous_api_client: Any
) -> None:
    # given
    word = f"Zyx{uuid.uuid4().hex[:8]}"
    job = post_job(new_employer(), title=f"{word} Specialist")

    # when
    body = anonymous_api_client.execute(
        "query($s: String!) { jobs(search: $s) { edges { node { id } } } }", {"s": word}
    )

    # then
    assert [e["node"]["id"] for e in body["data"]["jobs"]["edges"]] == [job["id"]]


def test_another_employer_cannot_change_or_close_a_job(
    new_employer: Callable[[], Any], post_job: Callable[..., Any], employer_api_client: Any, anonymous_api_client: Any
) -> None:
    # given
    job = post_job(new_employer(), title="Original title")

    # when
    update = employer_api_client.execute(UPDATE_JOB, {"id": job["id"], "input": {"title": "Taken over"}})
    close = employer_api_client.execute(CLOSE_JOB, {"id": job["id"]})

    # then
    for payload in (update["data"]["updateJob"], close["data"]["closeJob"]):
        assert payload["job"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("id", "FORBIDDEN")]
    stored = anonymous_api_client.execute(JOB, {"id": job["id"]})["data"]["job"]
    assert (stored["title"], stored["status"]) == ("Original title", "OPEN")


def test_only_employers_with_an_enterprise_post_jobs(talent_api_client: Any, new_talent: Callable[..., Any]) -> None:
    for api in (talent_api_client, new_talent().api):
        payload = api.execute(POST_JOB, {"input": {"title": "Not my job to post"}})["data"]["postJob"]

        assert payload["job"] is None
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]


# ----------------------------------------------------------- applications


@dataclass
class FreshApplication:
    id: str
    employer: Any
    talent: Any


@pytest.fixture
def application(
    new_employer: Callable[[], Any], post_job: Callable[..., Any], new_talent: Callable[..., Any]
) -> FreshApplication:
    """A new talent's fresh application to a new employer's job."""
    employer = new_employer()
    job = post_job(employer)
    talent = new_talent()
    payload = talent.api.execute(APPLY_TO_JOB, {"jobId": job["id"]})["data"]["applyToJob"]
    assert payload["userErrors"] == []
    return FreshApplication(id=payload["application"]["id"], employer=employer, talent=talent)


def test_apply_once_then_a_duplicate(
    new_employer: Callable[[], Any], post_job: Callable[..., Any], new_talent: Callable[..., Any]
) -> None:
    # given
    job = post_job(new_employer())
    talent = new_talent()

    # when
    first = talent.api.execute(APPLY_TO_JOB, {"jobId": job["id"]})["data"]["applyToJob"]
    second = talent.api.execute(APPLY_TO_JOB, {"jobId": job["id"]})["data"]["applyToJob"]

    # then
    assert first["userErrors"] == []
    assert first["application"]["status"] == "APPLIED"
    assert first["application"]["job"]["id"] == job["id"]
    assert first["application"]["talent"]["id"] == talent.talent_id
    assert second["application"] is None
    assert [(e["field"], e["code"]) for e in second["userErrors"]] == [("jobId", "DUPLICATE")]


def test_no_application_to_a_closed_job(
    new_employer: Callable[[], Any], post_job: Callable[..., Any], new_talent: Callable[..., Any]
) -> None:
    employer = new_employer()
    job = post_job(employer)
    employer.api.execute(CLOSE_JOB, {"id": job["id"]})

    payload = new_talent().api.execute(APPLY_TO_JOB, {"jobId": job["id"]})["data"]["applyToJob"]

    assert payload["application"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_TRANSITION"]


def test_the_employer_moves_an_application_to_hired_and_history_records_each_step(
    application: FreshApplication,
) -> None:
    # given
    steps = ["SCREENING", "INTERVIEW", "OFFER", "HIRED"]

    # when
    payloads = [
        application.employer.api.execute(MOVE_APPLICATION, {"id": application.id, "status": status})["data"][
            "moveApplication"
        ]
        for status in steps
    ]

    # then
    assert all(p["userErrors"] == [] for p in payloads)
    assert [p["application"]["status"] for p in payloads] == steps
    history = payloads[-1]["application"]["history"]
    assert [(e["fromStatus"], e["toStatus"]) for e in history] == [
        (None, "APPLIED"),
        ("APPLIED", "SCREENING"),
        ("SCREENING", "INTERVIEW"),
        ("INTERVIEW", "OFFER"),
        ("OFFER", "HIRED"),
    ]
    times = [datetime.fromisoformat(e["at"]) for e in history]
    assert times == sorted(times)
    assert datetime.now(times[0].tzinfo) - times[0] < timedelta(minutes=5)
    seen_by_talent = application.talent.api.execute(APPLICATION, {"id": application.id})["data"]["node"]
    assert seen_by_talent == {"status": "HIRED", "history": history}


def test_skipping_stages_is_an_invalid_transition_and_changes_nothing(application: FreshApplication) -> None:
    # when
    payload = application.employer.api.execute(MOVE_APPLICATION, {"id": application.id, "status": "HIRED"})

    # then
    moved = payload["data"]["moveApplication"]
    assert moved["application"] is None
    assert [(e["field"], e["code"]) for e in moved["userErrors"]] == [("status", "INVALID_TRANSITION")]
    stored = application.employer.api.execute(APPLICATION, {"id": application.id})["data"]["node"]
    assert stored["status"] == "APPLIED"
    assert [e["toStatus"] for e in stored["history"]] == ["APPLIED"]


def test_the_talent_may_withdraw_but_not_move_forward(application: FreshApplication) -> None:
    # when
    forward = application.talent.api.execute(MOVE_APPLICATION, {"id": application.id, "status": "SCREENING"})
    withdrawn = application.talent.api.execute(MOVE_APPLICATION, {"id": application.id, "status": "WITHDRAWN"})
    revived = application.employer.api.execute(MOVE_APPLICATION, {"id": application.id, "status": "SCREENING"})

    # then
    assert [e["code"] for e in forward["data"]["moveApplication"]["userErrors"]] == ["FORBIDDEN"]
    assert withdrawn["data"]["moveApplication"]["userErrors"] == []
    assert withdrawn["data"]["moveApplication"]["application"]["status"] == "WITHDRAWN"
    assert [e["code"] for e in revived["data"]["moveApplication"]["userErrors"]] == ["INVALID_TRANSITION"]
    stored = application.talent.api.execute(APPLICATION, {"id": application.id})["data"]["node"]
    assert [e["toStatus"] for e in stored["history"]] == ["APPLIED", "WITHDRAWN"]


def test_the_employer_may_reject_but_not_withdraw(application: FreshApplication) -> None:
    withdraw = application.employer.api.execute(MOVE_APPLICATION, {"id": application.id, "status": "WITHDRAWN"})
    reject = application.employer.api.execute(MOVE_APPLICATION, {"id": application.id, "status": "REJECTED"})

    assert [e["code"] for e in withdraw["data"]["moveApplication"]["userErrors"]] == ["FORBIDDEN"]
    assert reject["data"]["moveApplication"]["application"]["status"] == "REJECTED"


def test_another_employer_cannot_move_an_application(application: FreshApplication, employer_api_client: Any) -> None:
    payload = employer_api_client.execute(MOVE_APPLICATION, {"id": application.id, "status": "SCREENING"})

    moved = payload["data"]["moveApplication"]
    assert moved["application"] is None
    assert [e["code"] for e in moved["userErrors"]] == ["FORBIDDEN"]
    stored = application.employer.api.execute(APPLICATION, {"id": application.id})["data"]["node"]
    assert stored["status"] == "APPLIED"
