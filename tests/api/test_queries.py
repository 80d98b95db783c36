"""Read-only queries over the demo data: jobs, search, enterprises, nodes, matching."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from api.graphql.ids import decode_id_of, encode_global_id
from api.services.credit import credit_today

JOBS = """
query Jobs($search: String, $filter: JobFilter, $first: Int) {
  jobs(search: $search, filter: $filter, first: $first) {
    totalCount
    edges {
      node {
        id title status closesOn industryChain description requiredSkills preferredSkills
        employer { id legalName }
      }
    }
  }
}
"""

ME = """
query Me {
  me { email role enterprise { id legalName } talent { id nameZh } }
}
"""

ENTERPRISE_BY_USCC = """
query EnterpriseByUscc($uscc: String!) {
  enterprise(uscc: $uscc) { id legalName uscc aliases }
}
"""

ENTERPRISE_BY_ID = """
query EnterpriseById($id: ID!) {
  enterprise(id: $id) { id legalName uscc }
}
"""

ENTERPRISES = """
query Enterprises($search: String) {
  enterprises(search: $search, first: 50) { totalCount edges { node { id legalName } } }
}
"""

RESOLVE_ENTERPRISE = """
query ResolveEnterprise($name: String!) {
  resolveEnterprise(name: $name) { enterprise { id legalName } score matchedName }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Enterprise { legalName }
    ... on Job { title }
    ... on Talent { nameZh }
    ... on Application { status job { id } }
  }
}
"""

TALENT = """
query Talent($id: ID!) {
  talent(id: $id) { id nameZh }
}
"""

TALENTS = """
query Talents($search: String) {
  talents(search: $search, first: 20) { totalCount edges { node { id nameZh namePinyin } } }
}
"""

RANK_CANDIDATES = """
query RankCandidates($jobId: ID!) {
  rankCandidates(jobId: $jobId, first: 20) {
    totalCount
    edges {
      node {
        score
        talent { id }
        explanation { component weight similarity contribution detail }
        matchedSkills { required offered similarity }
        missingSkills
      }
    }
  }
}
"""

RECOMMEND_JOBS = """
query RecommendJobs($talentId: ID!) {
  recommendJobs(talentId: $talentId, first: 10) {
    totalCount
    edges { node { score job { id status closesOn } explanation { contribution } } }
  }
}
"""

APPLY_TO_JOB = """
mutation ApplyToJob($jobId: ID!) {
  applyToJob(jobId: $jobId) { application { id } userErrors { code } }
}
"""

BATTERY_CELL_TITLE = "Battery Cell R&D Engineer 锂电池电芯研发工程师"


def _nodes(body: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in body["data"][field]["edges"]]


def _code(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


@pytest.fixture(scope="module")
def hithium_id(employer_api_client: Any) -> str:
    enterprise_id: str = employer_api_client.execute(ME)["data"]["me"]["enterprise"]["id"]
    return enterprise_id


@pytest.fixture(scope="module")
def hithium_jobs(anonymous_api_client: Any, hithium_id: str) -> list[dict[str, Any]]:
    return _nodes(anonymous_api_client.execute(JOBS, {"filter": {"employerId": hithium_id}, "first": 100}), "jobs")


@pytest.fixture(scope="module")
def xiamen_tungsten(anonymous_api_client: Any) -> dict[str, Any]:
    matches = anonymous_api_client.execute(RESOLVE_ENTERPRISE, {"name": "厦门钨业"})["data"]["resolveEnterprise"]
    enterprise: dict[str, Any] = matches[0]["enterprise"]
    return anonymous_api_client.execute(ENTERPRISE_BY_ID, {"id": enterprise["id"]})["data"]["enterprise"]  # type: ignore[no-any-return]


# ------------------------------------------------------------------ jobs


def test_jobs_without_search_come_by_id_and_are_open(anonymous_api_client: Any) -> None:
    # when
    body = anonymous_api_client.execute(JOBS, {"first": 100})

    # then
    jobs = _nodes(body, "jobs")
    ids = [decode_id_of(job["id"], "Job") for job in jobs]
    assert len(jobs) == 100
    assert ids == sorted(ids)
    assert {job["status"] for job in jobs} == {"OPEN"}
    assert body["data"]["jobs"]["totalCount"] > 300


def test_jobs_filtered_by_industry_chain(anonymous_api_client: Any) -> None:
    # given
    everything = anonymous_api_client.execute(JOBS, {"first": 1})["data"]["jobs"]["totalCount"]

    # when
    body = anonymous_api_client.execute(JOBS, {"filter": {"industryChain": "BIOMEDICINE"}, "first": 100})

    # then
    jobs = _nodes(body, "jobs")
    assert jobs
    assert {job["industryChain"] for job in jobs} == {"BIOMEDICINE"}
    assert 0 < body["data"]["jobs"]["totalCount"] < everything


def test_jobs_filtered_by_employer(hithium_jobs: list[dict[str, Any]], hithium_id: str) -> None:
    assert len(hithium_jobs) >= 5
    assert {job["employer"]["id"] for job in hithium_jobs} == {hithium_id}
    assert {job["employer"]["legalName"] for job in hithium_jobs} == {"厦门海辰储能科技股份有限公司"}


def test_jobs_filtered_by_status_closed_lists_only_closed_jobs(anonymous_api_client: Any) -> None:
    # when
    closed = _nodes(anonymous_api_client.execute(JOBS, {"filter": {"status": "CLOSED"}, "first": 100}), "jobs")
    default = _nodes(anonymous_api_client.execute(JOBS, {"first": 100}), "jobs")

    # then
    assert closed
    assert {job["status"] for job in closed} == {"CLOSED"}
    assert not {job["id"] for job in closed} & {job["id"] for job in default}


@pytest.mark.parametrize(
    "search",
    [
        pytest.param("Batery Cell", id="typo"),
        pytest.param("锂电池电心", id="typo-han"),
        pytest.param("dianchi dianxin", id="pinyin"),
        pytest.param("鋰電池電芯", id="traditional"),
        pytest.param("Battery Cell", id="english"),
    ],
)
def test_fuzzy_job_search_finds_the_battery_cell_jobs(
    anonymous_api_client: Any, hithium_jobs: list[dict[str, Any]], search: str
) -> None:
    # given
    expected = {job["id"] for job in hithium_jobs if job["title"] == BATTERY_CELL_TITLE}
    assert expected

    # when
    found = _nodes(anonymous_api_client.execute(JOBS, {"search": search, "first": 20}), "jobs")

    # then
    assert expected <= {job["id"] for job in found}
    assert found[0]["title"] in {BATTERY_CELL_TITLE, "锂电池电芯研发工程师", "Battery Cell R&D Engineer"}


def test_traditional_characters_find_the_same_jobs_as_simplified(anonymous_api_client: Any) -> None:
    simplified = anonymous_api_client.execute(JOBS, {"search": "电池", "first": 100})["data"]["jobs"]
    traditional = anonymous_api_client.execute(JOBS, {"search": "電池", "first": 100})["data"]["jobs"]

    assert simplified["totalCount"] > 0
    assert traditional == simplified


def test_exact_matches_rank_above_fuzzy_ones(new_employer: Any, post_job: Any, anonymous_api_client: Any) -> None:
    # given: two jobs with a made-up word outside the skill vocabulary, spelt two ways
    employer = new_employer()
    word = f"Zorbalite{uuid.uuid4().hex[:6]}"
    typo = word[:3] + word[4] + word[3] + word[5:]
    exact_job = post_job(employer, title=f"{word} Engineer", requiredSkills=["Python"])
    typo_job = post_job(employer, title=f"{typo} Engineer", requiredSkills=["Python"])

    # when
    for query, first, second in ((word, exact_job, typo_job), (typo, typo_job, exact_job)):
        found = [job["id"] for job in _nodes(anonymous_api_client.execute(JOBS, {"search": query}), "jobs")]

        # then: the spelling typed ranks first, the other spelling (a fuzzy match) after it
        assert found[:2] == [first["id"], second["id"]]


def test_an_english_skill_finds_jobs_whose_skills_are_written_in_chinese(anonymous_api_client: Any) -> None:
    # when
    found = _nodes(anonymous_api_client.execute(JOBS, {"search": "Battery Management System", "first": 100}), "jobs")

    # then
    assert any("电池管理系统" in job["requiredSkills"] + job["preferredSkills"] for job in found)


def test_search_and_filter_combine(anonymous_api_client: Any, hithium_id: str) -> None:
    found = _nodes(
        anonymous_api_client.execute(JOBS, {"search": "Battery", "filter": {"employerId": hithium_id}, "first": 100}),
        "jobs",
    )

    assert found
    assert {job["employer"]["id"] for job in found} == {hithium_id}


# ----------------------------------------------------------- enterprises


def test_enterprise_by_uscc_accepts_lower_case_and_spaces(
    anonymous_api_client: Any, xiamen_tungsten: dict[str, Any]
) -> None:
    # given
    code = xiamen_tungsten["uscc"]
    written_loosely = f" {code[:6].lower()} {code[6:]} "

    # when
    exact = anonymous_api_client.execute(ENTERPRISE_BY_USCC, {"uscc": code})["data"]["enterprise"]
    loose = anonymous_api_client.execute(ENTERPRISE_BY_USCC, {"uscc": written_loosely})["data"]["enterprise"]

    # then
    assert exact["legalName"] == "厦门钨业股份有限公司"
    assert "Xiamen Tungsten Co., Ltd." in exact["aliases"]
    assert loose["id"] == exact["id"] == xiamen_tungsten["id"]


def test_enterprise_needs_exactly_one_of_id_and_uscc(anonymous_api_client: Any) -> None:
    body = anonymous_api_client.execute("{ enterprise { id } }")

    assert body["data"] == {"enterprise": None}
    assert _code(body) == "BAD_USER_INPUT"


def test_enterprises_search_finds_names_and_aliases(anonymous_api_client: Any) -> None:
    # when
    luhai = _nodes(anonymous_api_client.execute(ENTERPRISES, {"search": "鹭海"}), "enterprises")
    tungsten = _nodes(anonymous_api_client.execute(ENTERPRISES, {"search": "Xiamen Tungsten"}), "enterprises")

    # then
    assert {e["legalName"] for e in luhai} >= {"厦门鹭海科技有限公司", "厦门鹭海软件有限公司"}
    assert all("鹭海" in e["legalName"] for e in luhai)
    assert tungsten[0]["legalName"] == "厦门钨业股份有限公司"


def test_enterprises_without_search_come_by_id(anonymous_api_client: Any) -> None:
    body = anonymous_api_client.execute(ENTERPRISES)

    ids = [decode_id_of(e["id"], "Enterprise") for e in _nodes(body, "enterprises")]
    assert len(ids) == 50
    assert ids == sorted(ids)
    assert body["data"]["enterprises"]["totalCount"] >= 95


@pytest.mark.parametrize("name", ["厦门钨业", "Xiamen Tungsten Co., Ltd.", "厦钨"])
def test_resolve_enterprise_finds_xiamen_tungsten_by_any_of_its_names(
    anonymous_api_client: Any, xiamen_tungsten: dict[str, Any], name: str
) -> None:
    matches = anonymous_api_client.execute(RESOLVE_ENTERPRISE, {"name": name})["data"]["resolveEnterprise"]

    assert matches[0]["enterprise"]["id"] == xiamen_tungsten["id"]
    assert 0 < matches[0]["score"] <= 100


@pytest.mark.parametrize("name", ["asdfqwer zxcv", "月球奶酪工厂"])
def test_resolve_enterprise_returns_nothing_for_a_nonsense_name(anonymous_api_client: Any, name: str) -> None:
    assert anonymous_api_client.execute(RESOLVE_ENTERPRISE, {"name": name})["data"] == {"resolveEnterprise": []}


@pytest.mark.parametrize(
    ("name", "meant", "twin"),
    [
        ("鹭海科技", "厦门鹭海科技有限公司", "厦门鹭海软件有限公司"),
        ("鹭海软件", "厦门鹭海软件有限公司", "厦门鹭海科技有限公司"),
    ],
)
def test_resolve_enterprise_keeps_near_twins_apart(anonymous_api_client: Any, name: str, meant: str, twin: str) -> None:
    matches = anonymous_api_client.execute(RESOLVE_ENTERPRISE, {"name": name})["data"]["resolveEnterprise"]

    names = [m["enterprise"]["legalName"] for m in matches]
    assert names[0] == meant
    assert twin not in names


# ----------------------------------------------------------------- nodes


def test_node_fetches_an_enterprise_and_a_job(anonymous_api_client: Any, hithium_jobs: list[dict[str, Any]]) -> None:
    # given
    job = hithium_jobs[0]

    # when
    job_node = anonymous_api_client.execute(NODE, {"id": job["id"]})["data"]["node"]
    employer_node = anonymous_api_client.execute(NODE, {"id": job["employer"]["id"]})["data"]["node"]

    # then
    assert job_node == {"__typename": "Job", "id": job["id"], "title": job["title"]}
    assert employer_node == {
        "__typename": "Enterprise",
        "id": job["employer"]["id"],
        "legalName": "厦门海辰储能科技股份有限公司",
    }


def test_node_fetches_a_talent_for_a_signed_in_account(talent_api_client: Any, judge_api_client: Any) -> None:
    # given
    talent_id = talent_api_client.execute(ME)["data"]["me"]["talent"]["id"]

    # when
    as_self = talent_api_client.execute(NODE, {"id": talent_id})["data"]["node"]
    as_judge = judge_api_client.execute(NODE, {"id": talent_id})["data"]["node"]

    # then
    assert as_self == {"__typename": "Talent", "id": talent_id, "nameZh": "卢晨雨"}
    assert as_judge == as_self


def test_node_fetches_an_application_for_its_talent_only(
    new_talent: Callable[..., Any], anonymous_api_client: Any, judge_api_client: Any, hithium_jobs: list[dict[str, Any]]
) -> None:
    # given
    talent = new_talent()
    today = credit_today().isoformat()
    job_id = next(
        job["id"]
        for job in hithium_jobs
        if job["status"] == "OPEN" and (job["closesOn"] is None or job["closesOn"] >= today)
    )
    application_id = talent.api.execute(APPLY_TO_JOB, {"jobId": job_id})["data"]["applyToJob"]["application"]["id"]

    # when
    as_talent = talent.api.execute(NODE, {"id": application_id})["data"]["node"]
    as_judge = judge_api_client.execute(NODE, {"id": application_id})["data"]["node"]
    as_anonymous = anonymous_api_client.execute(NODE, {"id": application_id})["data"]["node"]

    # then
    assert as_talent == {"__typename": "Application", "id": application_id, "status": "APPLIED", "job": {"id": job_id}}
    assert as_judge is None
    assert as_anonymous is None


def test_node_of_an_unknown_job_is_null(anonymous_api_client: Any) -> None:
    body = anonymous_api_client.execute(NODE, {"id": encode_global_id("Job", 2**31 - 1)})

    assert body["data"] == {"node": None} and "errors" not in body


# -------------------------------------------------------------------- me


def test_me_is_null_when_anonymous(anonymous_api_client: Any) -> None:
    body = anonymous_api_client.execute(ME)
    assert body["data"] == {"me": None} and "errors" not in body


def test_me_shows_the_account_and_what_it_acts_for(
    talent_api_client: Any, employer_api_client: Any, admin_api_client: Any
) -> None:
    talent = talent_api_client.execute(ME)["data"]["me"]
    employer = employer_api_client.execute(ME)["data"]["me"]
    admin = admin_api_client.execute(ME)["data"]["me"]

    assert (talent["email"], talent["role"], talent["talent"]["nameZh"]) == ("talent@demo.guilu", "TALENT", "卢晨雨")
    assert talent["enterprise"] is None
    assert (employer["role"], employer["enterprise"]["legalName"]) == ("EMPLOYER", "厦门海辰储能科技股份有限公司")
    assert employer["talent"] is None
    assert (admin["role"], admin["enterprise"], admin["talent"]) == ("ADMIN", None, None)


# --------------------------------------------------------------- talents


def test_talent_and_talents_need_authentication(anonymous_api_client: Any) -> None:
    # when
    one = anonymous_api_client.execute(TALENT, {"id": encode_global_id("Talent", 1)})
    many = anonymous_api_client.execute(TALENTS, {"search": "卢晨雨"})

    # then
    assert one["data"] == {"talent": None}
    assert _code(one) == "UNAUTHENTICATED"
    assert many["data"] is None
    assert _code(many) == "UNAUTHENTICATED"


@pytest.mark.parametrize("search", ["卢晨雨", "Lu Chenyu", "luchenyu", "Chenyu Lu"])
def test_talents_search_finds_a_talent_by_name_in_any_script(
    judge_api_client: Any, talent_api_client: Any, search: str
) -> None:
    # given: the demo profile of 卢晨雨 (other tests may register namesakes, never other names)
    demo_id = talent_api_client.execute(ME)["data"]["me"]["talent"]["id"]

    # when
    found = _nodes(judge_api_client.execute(TALENTS, {"search": search}), "talents")

    # then
    assert demo_id in [t["id"] for t in found]
    assert {t["nameZh"] for t in found} == {"卢晨雨"}


def test_talent_by_id_for_a_signed_in_account(judge_api_client: Any, talent_api_client: Any) -> None:
    talent_id = talent_api_client.execute(ME)["data"]["me"]["talent"]["id"]

    body = judge_api_client.execute(TALENT, {"id": talent_id})

    assert body["data"] == {"talent": {"id": talent_id, "nameZh": "卢晨雨"}} and "errors" not in body


# -------------------------------------------------------------- matching


def test_rank_candidates_for_the_employers_own_job(
    employer_api_client: Any, hithium_jobs: list[dict[str, Any]]
) -> None:
    # given
    job_id = next(job["id"] for job in hithium_jobs if job["title"] == BATTERY_CELL_TITLE)

    # when
    body = employer_api_client.execute(RANK_CANDIDATES, {"jobId": job_id})

    # then
    matches = _nodes(body, "rankCandidates")
    # only candidates covering some required skill rank: 16 of the demo talents do
    assert len(matches) == 16
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)
    for match in matches:
        assert 0 <= match["score"] <= 100
        assert sum(c["contribution"] for c in match["explanation"]) == pytest.approx(match["score"], abs=0.05)
        assert sum(c["weight"] for c in match["explanation"]) == pytest.approx(100)
        assert all(0 <= c["similarity"] <= 1 and c["detail"] for c in match["explanation"])
        assert all(0 <= s["similarity"] <= 1 for s in match["matchedSkills"])
        assert not {s["required"] for s in match["matchedSkills"]} & set(match["missingSkills"])
        assert match["matchedSkills"]


def test_rank_candidates_for_another_employers_job_is_forbidden(
    employer_api_client: Any, anonymous_api_client: Any, xiamen_tungsten: dict[str, Any]
) -> None:
    # given
    tungsten_jobs = anonymous_api_client.execute(JOBS, {"filter": {"employerId": xiamen_tungsten["id"]}, "first": 1})
    job_id = _nodes(tungsten_jobs, "jobs")[0]["id"]

    # when
    body = employer_api_client.execute(RANK_CANDIDATES, {"jobId": job_id})

    # then
    assert body["data"] is None
    assert _code(body) == "FORBIDDEN"


def test_rank_candidates_needs_authentication(anonymous_api_client: Any, hithium_jobs: list[dict[str, Any]]) -> None:
    body = anonymous_api_client.execute(RANK_CANDIDATES, {"jobId": hithium_jobs[0]["id"]})

    assert body["data"] is None
    assert _code(body) == "UNAUTHENTICATED"


def test_recommend_jobs_for_the_talent_themself(talent_api_client: Any) -> None:
    # given
    talent_id = talent_api_client.execute(ME)["data"]["me"]["talent"]["id"]

    # when
    body = talent_api_client.execute(RECOMMEND_JOBS, {"talentId": talent_id})

    # then open jobs whose closing day has not passed, best first
    matches = _nodes(body, "recommendJobs")
    assert 0 < len(matches) <= 10
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert {m["job"]["status"] for m in matches} == {"OPEN"}
    today = credit_today().isoformat()
    assert all(m["job"]["closesOn"] is None or m["job"]["closesOn"] >= today for m in matches)
    for match in matches:
        assert sum(c["contribution"] for c in match["explanation"]) == pytest.approx(match["score"], abs=0.05)


def test_recommend_jobs_for_someone_else_is_forbidden(talent_api_client: Any, judge_api_client: Any) -> None:
    # given
    own_id = talent_api_client.execute(ME)["data"]["me"]["talent"]["id"]
    other_id = next(t["id"] for t in _nodes(judge_api_client.execute(TALENTS), "talents") if t["id"] != own_id)

    # when
    body = talent_api_client.execute(RECOMMEND_JOBS, {"talentId": other_id})

    # then
    assert body["data"] is None
    assert _code(body) == "FORBIDDEN"


TALENTS_WISHING = """
query Wishing($industry: IndustryChain!, $search: String) {
  talents(search: $search, filter: { wishedIndustry: $industry }, first: 100) {
    totalCount nodes { id wishedIndustries }
  }
}
"""


def test_talents_filter_by_wished_industry(admin_api_client: Any, talent_api_client: Any) -> None:
    # given: the demo 卢晨雨, who wishes to work in biomedicine and not in culture and tourism
    me = talent_api_client.execute("{ me { talent { id wishedIndustries } } }")["data"]["me"]["talent"]
    assert "BIOMEDICINE" in me["wishedIndustries"] and "CULTURE_TOURISM" not in me["wishedIndustries"]

    # when
    everyone = admin_api_client.execute(TALENTS_WISHING, {"industry": "BIOMEDICINE"})["data"]["talents"]
    wished = admin_api_client.execute(TALENTS_WISHING, {"industry": "BIOMEDICINE", "search": "卢晨雨"})
    not_wished = admin_api_client.execute(TALENTS_WISHING, {"industry": "CULTURE_TOURISM", "search": "卢晨雨"})

    # then
    assert everyone["totalCount"] > 0
    assert all("BIOMEDICINE" in t["wishedIndustries"] for t in everyone["nodes"])
    assert me["id"] in [t["id"] for t in wished["data"]["talents"]["nodes"]]
    assert me["id"] not in [t["id"] for t in not_wished["data"]["talents"]["nodes"]]
