"""Bad input gets a clear, coded error: never HTTP 500, never a stack trace or SQL."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from api.graphql.ids import encode_global_id

LONG = "长" * 10_000

JOB = "query Job($id: ID!) { job(id: $id) { id title } }"
NODE = "query Node($id: ID!) { node(id: $id) { id } }"
ENTERPRISE = "query Enterprise($id: ID!) { enterprise(id: $id) { id } }"
JOBS = "query Jobs($search: String, $first: Int) { jobs(search: $search, first: $first) { totalCount } }"
TALENTS = "query Talents($search: String) { talents(search: $search) { totalCount } }"
RESOLVE_ENTERPRISE = "query Resolve($name: String!) { resolveEnterprise(name: $name) { score } }"

REGISTER_ENTERPRISE = """
mutation RegisterEnterprise($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { enterprise { id } userErrors { field message code } }
}
"""
POST_JOB = """
mutation PostJob($input: JobInput!) {
  postJob(input: $input) { job { id } userErrors { field message code } }
}
"""
CREATE_TALENT_PROFILE = """
mutation CreateTalentProfile($input: TalentInput!) {
  createTalentProfile(input: $input) { talent { id } userErrors { field message code } }
}
"""
SIGN_UP = """
mutation SignUp($email: String!, $password: String!) {
  signUp(email: $email, password: $password) { token userErrors { field message code } }
}
"""
LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token userErrors { field message code } }
}
"""
APPLY_TO_JOB = """
mutation ApplyToJob($jobId: ID!) { applyToJob(jobId: $jobId) { application { id } userErrors { code } } }
"""
MOVE_APPLICATION = """
mutation Move($id: ID!, $status: ApplicationStatus!) {
  moveApplication(id: $id, status: $status) { application { status } userErrors { field message code } }
}
"""


def _post(api: Any, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The response body, after checking it is neither a server error nor a leak of internals."""
    response = api.post(query, variables)
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert "sqlalchemy" not in response.text.lower()
    assert "Unexpected error" not in response.text  # a masked error means an unforeseen failure
    body: dict[str, Any] = response.json()
    return body


def _top_level_code(body: dict[str, Any]) -> str:
    assert body["errors"], body
    assert body["errors"][0]["message"]
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def _user_errors(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    assert all(e["message"] for e in payload["userErrors"])
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


# -------------------------------------------------------------------- IDs


@pytest.mark.parametrize(
    ("query", "type_name"), [(JOB, "Job"), (NODE, "Job"), (NODE, "Talent"), (ENTERPRISE, "Enterprise")]
)
def test_an_unknown_id_of_a_valid_form_gives_null(admin_api_client: Any, query: str, type_name: str) -> None:
    body = _post(admin_api_client, query, {"id": encode_global_id(type_name, 987_654_321)})

    assert "errors" not in body
    assert list(body["data"].values()) == [None]


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param("abc", id="not-base64"),
        pytest.param("", id="empty"),
        pytest.param(base64.b64encode(b"Job:abc").decode(), id="non-numeric-key"),
        pytest.param(base64.b64encode(b"Job:0").decode(), id="zero-key"),
        pytest.param(base64.b64encode(b"Job:99999999999999999999999").decode(), id="huge-key"),
        pytest.param(base64.b64encode(b"Job:2147483648").decode(), id="key-beyond-integer-column"),
        pytest.param(base64.b64encode(b"\xff\xfe:1").decode(), id="not-utf8"),
        pytest.param("A" * 10_000, id="oversized"),
        # one object, one ID: int() would read each of these as Job 1 or Job 10 (review I2)
        pytest.param(base64.b64encode("Job:١".encode()).decode(), id="arabic-indic-digit"),
        pytest.param(base64.b64encode(b"Job:1_0").decode(), id="digit-separator"),
        pytest.param(base64.b64encode(b"Job: 1").decode(), id="leading-space"),
        pytest.param(base64.b64encode(b"Job:+1").decode(), id="plus-sign"),
        pytest.param(base64.b64encode(b"Job:01").decode(), id="leading-zero"),
    ],
)
@pytest.mark.parametrize("query", [JOB, NODE])
def test_a_malformed_id_is_a_bad_user_input(anonymous_api_client: Any, query: str, bad_id: str) -> None:
    body = _post(anonymous_api_client, query, {"id": bad_id})

    assert _top_level_code(body) == "BAD_USER_INPUT"


@pytest.mark.parametrize(("query", "wrong_type"), [(JOB, "Enterprise"), (ENTERPRISE, "Job"), (JOB, "Talent")])
def test_an_id_of_another_type_is_a_bad_user_input(anonymous_api_client: Any, query: str, wrong_type: str) -> None:
    body = _post(anonymous_api_client, query, {"id": encode_global_id(wrong_type, 1)})

    assert _top_level_code(body) == "BAD_USER_INPUT"
    assert "is not a" in body["errors"][0]["message"]


def test_node_of_an_unknown_type_is_a_bad_user_input(anonymous_api_client: Any) -> None:
    body = _post(anonymous_api_client, NODE, {"id": encode_global_id("Account", 1)})

    assert _top_level_code(body) == "BAD_USER_INPUT"


def test_a_mutation_with_a_malformed_id_is_a_bad_user_input(talent_api_client: Any) -> None:
    body = _post(talent_api_client, APPLY_TO_JOB, {"jobId": "abc"})

    assert body["data"] is None
    assert _top_level_code(body) == "BAD_USER_INPUT"


# ----------------------------------------------------------- page sizes


@pytest.mark.parametrize("first", [101, -1])
@pytest.mark.parametrize("query", [JOBS, "query Jobs($first: Int) { enterprises(first: $first) { totalCount } }"])
def test_first_over_100_or_negative_is_a_bad_user_input(anonymous_api_client: Any, query: str, first: int) -> None:
    body = _post(anonymous_api_client, query, {"first": first})

    assert body["data"] is None
    assert _top_level_code(body) == "BAD_USER_INPUT"


def test_first_of_the_wrong_type_is_a_validation_error(anonymous_api_client: Any) -> None:
    body = _post(anonymous_api_client, '{ jobs(first: "ten") { totalCount } }')

    assert body["data"] is None
    assert "Int" in body["errors"][0]["message"]


# ---------------------------------------------------------------- strings


def test_a_10k_character_search_is_a_bad_user_input(anonymous_api_client: Any, judge_api_client: Any) -> None:
    for api, query, variables in [
        (anonymous_api_client, JOBS, {"search": LONG}),
        (
            anonymous_api_client,
            "query E($search: String) { enterprises(search: $search) { totalCount } }",
            {"search": LONG},
        ),
        (judge_api_client, TALENTS, {"search": LONG}),
        (anonymous_api_client, RESOLVE_ENTERPRISE, {"name": LONG}),
    ]:
        body = _post(api, query, variables)

        assert _top_level_code(body) == "BAD_USER_INPUT", query


def test_a_blank_resolve_name_is_a_bad_user_input(anonymous_api_client: Any) -> None:
    assert _top_level_code(_post(anonymous_api_client, RESOLVE_ENTERPRISE, {"name": "   "})) == "BAD_USER_INPUT"


def test_a_blank_search_lists_everything(anonymous_api_client: Any) -> None:
    blank = _post(anonymous_api_client, JOBS, {"search": "   "})
    none = _post(anonymous_api_client, JOBS, {})

    assert blank["data"] == none["data"]  # extensions.cost differs (the throttle bucket drains)


@pytest.mark.parametrize(
    ("title", "field"), [("", "title"), ("   ", "title"), (LONG, "title")], ids=["empty", "blank", "10k"]
)
def test_a_job_title_must_be_given_and_not_too_long(new_employer: Callable[[], Any], title: str, field: str) -> None:
    employer = new_employer()

    payload = _post(employer.api, POST_JOB, {"input": {"title": title}})["data"]["postJob"]

    assert payload["job"] is None
    assert _user_errors(payload) == [(field, "INVALID")]


def test_a_10k_description_is_accepted_but_not_more(new_employer: Callable[[], Any]) -> None:
    employer = new_employer()

    fits = _post(employer.api, POST_JOB, {"input": {"title": "Writer", "description": "字" * 10_000}})
    too_long = _post(employer.api, POST_JOB, {"input": {"title": "Writer", "description": "字" * 10_001}})

    assert fits["data"]["postJob"]["userErrors"] == []
    assert _user_errors(too_long["data"]["postJob"]) == [("description", "INVALID")]


@pytest.mark.parametrize(("legal_name", "field"), [("", "legalName"), ("  \t ", "legalName"), (LONG, "legalName")])
def test_an_enterprise_needs_a_legal_name(
    admin_api_client: Any, fresh_uscc: Callable[[], str], legal_name: str, field: str
) -> None:
    enterprise_input = {"legalName": legal_name, "uscc": fresh_uscc(), "industryChain": "NEW_ENERGY"}

    payload = _post(admin_api_client, REGISTER_ENTERPRISE, {"input": enterprise_input})["data"]["registerEnterprise"]

    assert payload["enterprise"] is None
    assert _user_errors(payload) == [(field, "INVALID")]


def test_a_talent_profile_needs_a_name(anonymous_api_client: Any, api_client_for: Callable[[str | None], Any]) -> None:
    # given
    email = f"blank-{uuid.uuid4().hex[:10]}@example.com"
    token = _post(anonymous_api_client, SIGN_UP, {"email": email, "password": "long-enough-pw"})["data"]["signUp"]
    api = api_client_for(token["token"])

    # when
    blank = _post(api, CREATE_TALENT_PROFILE, {"input": {"nameZh": "  ", "nameEn": ""}})
    oversized = _post(api, CREATE_TALENT_PROFILE, {"input": {"nameZh": LONG}})

    # then
    assert _user_errors(blank["data"]["createTalentProfile"]) == [("nameZh", "INVALID")]
    assert _user_errors(oversized["data"]["createTalentProfile"]) == [("nameZh", "INVALID")]


@pytest.mark.parametrize(
    ("uscc", "reason"),
    [
        ("91350200MA2Y0ABC7D", "wrong check character"),
        ("91350200MA2Y0ABC8C", "wrong organisation check digit"),
        ("91350200MA2Y0ABC7", "too short"),
        ("91350200MA2Y0ABC7CX", "too long"),
        ("91350200MA2Y0OBC7C", "letter O is not allowed"),
        ("", "empty"),
        ("统一社会信用代码十八位字符测试用例", "not Latin"),
    ],
)
def test_an_invalid_uscc_is_refused_with_a_field_error(admin_api_client: Any, uscc: str, reason: str) -> None:
    enterprise_input = {"legalName": f"厦门{reason}有限公司", "uscc": uscc, "industryChain": "NEW_ENERGY"}

    payload = _post(admin_api_client, REGISTER_ENTERPRISE, {"input": enterprise_input})["data"]["registerEnterprise"]

    assert payload["enterprise"] is None
    assert _user_errors(payload) == [("uscc", "INVALID")]


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", "long-enough-pw", "email"),
        ("", "long-enough-pw", "email"),
        ("short@example.com", "short", "password"),
        ("long@example.com", "p" * 10_000, "password"),
    ],
)
def test_sign_up_checks_email_and_password(anonymous_api_client: Any, email: str, password: str, field: str) -> None:
    payload = _post(anonymous_api_client, SIGN_UP, {"email": email, "password": password})["data"]["signUp"]

    assert payload["token"] is None
    assert _user_errors(payload) == [(field, "INVALID")]


# ------------------------------------------------------- refused actions


def test_a_duplicate_application_is_refused(
    new_employer: Callable[[], Any], post_job: Callable[..., Any], new_talent: Callable[..., Any]
) -> None:
    job = post_job(new_employer())
    talent = new_talent()
    _post(talent.api, APPLY_TO_JOB, {"jobId": job["id"]})

    again = _post(talent.api, APPLY_TO_JOB, {"jobId": job["id"]})

    assert [e["code"] for e in again["data"]["applyToJob"]["userErrors"]] == ["DUPLICATE"]


def test_a_forbidden_status_change_is_refused(
    new_employer: Callable[[], Any], post_job: Callable[..., Any], new_talent: Callable[..., Any]
) -> None:
    employer = new_employer()
    job = post_job(employer)
    applied = _post(new_talent().api, APPLY_TO_JOB, {"jobId": job["id"]})["data"]["applyToJob"]

    moved = _post(employer.api, MOVE_APPLICATION, {"id": applied["application"]["id"], "status": "OFFER"})

    assert _user_errors(moved["data"]["moveApplication"]) == [("status", "INVALID_TRANSITION")]


def test_an_unknown_status_is_a_validation_error(employer_api_client: Any) -> None:
    body = _post(employer_api_client, MOVE_APPLICATION, {"id": encode_global_id("Application", 1), "status": "FIRED"})

    assert body["data"] is None
    assert "FIRED" in body["errors"][0]["message"]


def test_a_wrong_password_is_refused(anonymous_api_client: Any) -> None:
    payload = _post(anonymous_api_client, LOG_IN, {"email": "talent@demo.guilu", "password": "guilu-demo-wrong"})

    assert payload["data"]["logIn"]["token"] is None
    assert _user_errors(payload["data"]["logIn"]) == [(None, "INVALID_CREDENTIALS")]


def test_a_forged_token_is_refused(anonymous_api_client: Any) -> None:
    response = anonymous_api_client.http.post(
        "/graphql", json={"query": "{ me { email } }"}, headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."}
    )

    assert response.status_code == 401
    assert "Traceback" not in response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ------------------------------------------------------- malformed requests


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"query": 42}', b'{"variables": {}}', b'{"query": "{ jobs(first: 1) { totalCount }"}'],
)
def test_a_malformed_request_is_a_client_error(anonymous_api_client: Any, content: bytes) -> None:
    response = anonymous_api_client.http.post("/graphql", content=content, headers={"content-type": "application/json"})

    assert response.status_code < 500
    assert "Traceback" not in response.text
