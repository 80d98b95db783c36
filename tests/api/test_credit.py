"""Enterprise credit over GraphQL: scores on jobs, verified employers, repair, the review
queue, recommendations, personal credit, permissions and the audit trail."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from api.graphql.ids import encode_global_id
from api.services.credit import credit_today

TODAY = credit_today()

IMPORT = """
mutation Import($format: CreditImportFormat!, $content: String!, $dryRun: Boolean! = false) {
  importCreditRecords(format: $format, content: $content, dryRun: $dryRun) {
    report {
      accepted unchanged queued rejected dryRun summary
      rows { line status message source sourceRecordId record { id kind status } review { id } }
    }
    userErrors { field message code }
  }
}
"""

EMPLOYER_CREDIT = """
query EmployerCredit($id: ID!) {
  enterprise(id: $id) {
    uscc
    credit { score level verified verificationFailures asOf latestTaxRating
             reasons { code points description record { id kind source sourceRecordId } } }
    creditHistory { id kind status repairedOn repairAuthority repairBasis publicityEnd repairableFrom }
  }
}
"""

REPAIR = """
mutation Repair($id: ID!, $on: Date!) {
  repairCreditRecord(id: $id, repairedOn: $on, authority: "厦门市中级人民法院", basis: "已履行生效判决") {
    record { id status repairedOn enterprise { credit { level verified } } }
    userErrors { field message code }
  }
}
"""

RECOMMEND = """
query Recommend($talentId: ID!) {
  recommendJobs(talentId: $talentId, first: 100) {
    edges { node { score job { id employer { credit { verified } } } explanation { component contribution } } }
  }
}
"""

EXCLUSIONS = "{ recommendationExclusions { enterprise { id legalName } reasons openJobs } }"

JOBS_OF = """
query JobsOf($employerId: ID!, $verifiedOnly: Boolean!) {
  jobs(filter: { employerId: $employerId, verifiedEmployersOnly: $verifiedOnly }) {
    totalCount edges { node { id employer { credit { verified level } } } }
  }
}
"""


def _row(uscc: str, kind: str, days_ago: int, **fields: Any) -> dict[str, Any]:
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    return {
        "source": "测试法院",
        "source_record_id": uuid.uuid4().hex,
        "kind": kind,
        "uscc": uscc,
        "decision_date": day,
        **fields,
    }


def _jsonl(*rows: dict[str, Any]) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)


def _import(api: Any, content: str, fmt: str = "JSONL", dry_run: bool = False) -> dict[str, Any]:
    body = api.execute(IMPORT, {"format": fmt, "content": content, "dryRun": dry_run})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["importCreditRecords"]
    return payload


def _uscc(api: Any, enterprise_id: str) -> str:
    uscc: str = api.execute(EMPLOYER_CREDIT, {"id": enterprise_id})["data"]["enterprise"]["uscc"]
    return uscc


def _record_id(payload: dict[str, Any], index: int = 0) -> str:
    record_id: str = payload["report"]["rows"][index]["record"]["id"]
    return record_id


def _recommended_job_ids(api: Any, talent_id: str) -> dict[str, dict[str, Any]]:
    body = api.execute(RECOMMEND, {"talentId": talent_id})
    assert "errors" not in body, body
    return {e["node"]["job"]["id"]: e["node"] for e in body["data"]["recommendJobs"]["edges"]}


def test_an_employers_level_reasons_and_verification_show_on_its_jobs(
    credit_api_client: Any, anonymous_api_client: Any, new_employer: Callable[[], Any], post_job: Callable[..., Any]
) -> None:
    # given: an employer with a general penalty published 10 days ago
    employer = new_employer()
    job = post_job(employer)
    payload = _import(
        credit_api_client,
        _jsonl(_row(_uscc(anonymous_api_client, employer.enterprise_id), "penalty_general", 10, title="违规排放")),
    )
    assert payload["report"]["accepted"] == 1, payload

    # when: anyone looks at the job
    body = anonymous_api_client.execute(
        "query($id: ID!) { job(id: $id) { employer { credit { score level verified verificationFailures "
        "reasons { code points record { kind title: sourceRecordId } } } } } }",
        {"id": job["id"]},
    )

    # then
    credit = body["data"]["job"]["employer"]["credit"]
    assert credit["level"] == "C" and credit["verified"] is False
    assert credit["verificationFailures"] == ["credit level C is below the minimum B"]
    assert credit["reasons"][0]["code"] == "PENALTY_GENERAL"
    assert -80 < credit["reasons"][0]["points"] < -75
    assert credit["reasons"][0]["record"]["kind"] == "PENALTY_GENERAL"
    assert 620 < credit["score"] < 630


def test_verified_employers_only_filters_out_an_unverified_employer(
    credit_api_client: Any, anonymous_api_client: Any, new_employer: Callable[[], Any], post_job: Callable[..., Any]
) -> None:
    # given: two employers with a job each; one is on the serious-dishonesty list
    clean, listed = new_employer(), new_employer()
    post_job(clean)
    post_job(listed)
    _import(credit_api_client, _jsonl(_row(_uscc(anonymous_api_client, listed.enterprise_id), "serious_dishonesty", 5)))

    def count(employer: Any, verified_only: bool) -> int:
        body = anonymous_api_client.execute(
            JOBS_OF, {"employerId": employer.enterprise_id, "verifiedOnly": verified_only}
        )
        total: int = body["data"]["jobs"]["totalCount"]
        return total

    # then
    assert (count(clean, False), count(clean, True)) == (1, 1)
    assert (count(listed, False), count(listed, True)) == (1, 0)


def test_the_demo_shows_every_level_and_keeps_repaired_and_expired_records_in_the_history(
    credit_api_client: Any,
) -> None:
    # given a credit officer, who reads records beyond their publicity period too
    query = (
        "query($s: String!) { enterprises(search: $s, first: 1) { nodes { legalName credit { level verified } "
        "creditHistory { kind status repairedOn } } } }"
    )

    def first(name: str) -> dict[str, Any]:
        node: dict[str, Any] = credit_api_client.execute(query, {"s": name})["data"]["enterprises"]["nodes"][0]
        return node

    # when
    levels = {name: first(name)["credit"]["level"] for name in ("海辰储能", "鹭海科技", "鹭海软件", "屿芯电子")}
    repaired = first("鹭曜视觉科技")
    expired = first("厦门星屿云计算有限公司")

    # then
    assert levels == {"海辰储能": "A", "鹭海科技": "B", "鹭海软件": "C", "屿芯电子": "D"}
    penalties = [r for r in repaired["creditHistory"] if r["kind"] == "PENALTY_GENERAL"]
    assert [r["status"] for r in penalties] == ["REPAIRED"] and penalties[0]["repairedOn"]
    assert repaired["credit"]["verified"] is True
    assert [r["status"] for r in expired["creditHistory"] if r["kind"] == "PENALTY_MINOR"] == ["EXPIRED"]


def test_records_beyond_their_publicity_are_shown_only_to_credit_officers_admins_and_the_enterprise(
    anonymous_api_client: Any, employer_api_client: Any, admin_api_client: Any, credit_api_client: Any
) -> None:
    # given an enterprise with a repaired and an active record, and one with an expired record
    query = "query($s: String!) { enterprises(search: $s, first: 1) { nodes { creditHistory { kind status } } } }"

    def statuses(api: Any, name: str) -> set[str]:
        nodes = api.execute(query, {"s": name})["data"]["enterprises"]["nodes"]
        return {record["status"] for record in nodes[0]["creditHistory"]}

    # then: the public sees records in their publicity period only; officers and admins see all
    for name, hidden in (("鹭曜视觉科技", "REPAIRED"), ("厦门星屿云计算有限公司", "EXPIRED")):
        assert hidden not in statuses(anonymous_api_client, name)
        assert hidden not in statuses(employer_api_client, name)  # another enterprise's employer
        assert hidden in statuses(admin_api_client, name)
        assert hidden in statuses(credit_api_client, name)


def test_repair_flips_verification_and_recommendations_at_once(
    credit_api_client: Any,
    admin_api_client: Any,
    anonymous_api_client: Any,
    new_employer: Callable[[], Any],
    post_job: Callable[..., Any],
    new_talent: Callable[..., Any],
) -> None:
    # given: a talent who fits the job of an employer listed as a dishonest judgment debtor
    employer = new_employer()
    job = post_job(employer, requiredSkills=["qPCR", "Python"])
    talent = new_talent(skills=["qPCR", "Python"])
    assert job["id"] in _recommended_job_ids(talent.api, talent.talent_id)
    listed = _import(
        credit_api_client, _jsonl(_row(_uscc(anonymous_api_client, employer.enterprise_id), "dishonest_debtor", 30))
    )
    record_id = _record_id(listed)

    # when: listed
    hidden = _recommended_job_ids(talent.api, talent.talent_id)
    exclusions = admin_api_client.execute(EXCLUSIONS)["data"]["recommendationExclusions"]

    # then: never recommended, and admins see why
    assert job["id"] not in hidden
    mine = [e for e in exclusions if e["enterprise"]["id"] == employer.enterprise_id]
    assert len(mine) == 1 and mine[0]["openJobs"] == 1
    assert "dishonest judgment debtor" in mine[0]["reasons"][0]

    # when: repaired
    repaired = credit_api_client.execute(REPAIR, {"id": record_id, "on": TODAY.isoformat()})["data"]
    shown = _recommended_job_ids(talent.api, talent.talent_id)

    # then: verified again, recommended again, lifted by the employer_credit component
    assert repaired["repairCreditRecord"]["userErrors"] == []
    record = repaired["repairCreditRecord"]["record"]
    assert record["status"] == "REPAIRED"
    assert record["enterprise"]["credit"] == {"level": "B", "verified": True}
    assert job["id"] in shown
    parts = {c["component"]: c["contribution"] for c in shown[job["id"]]["explanation"]}
    assert parts["employer_credit"] == 5.0
    assert abs(sum(parts.values()) - shown[job["id"]]["score"]) < 0.01
    after = admin_api_client.execute(EXCLUSIONS)["data"]["recommendationExclusions"]
    assert employer.enterprise_id not in {e["enterprise"]["id"] for e in after}


def test_recommendation_exclusions_are_for_admins_only(talent_api_client: Any, credit_api_client: Any) -> None:
    for api in (talent_api_client, credit_api_client):
        body = api.execute(EXCLUSIONS)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_repair_before_the_minimum_is_refused_with_the_first_possible_day(
    credit_api_client: Any, anonymous_api_client: Any, new_enterprise: Callable[..., Any]
) -> None:
    # given: a general penalty published 10 days ago (repairable after 3 months)
    enterprise = new_enterprise()
    payload = _import(credit_api_client, _jsonl(_row(enterprise["uscc"], "penalty_general", 10)))
    record_id = _record_id(payload)
    allowed = (TODAY - timedelta(days=10) + timedelta(days=90)).isoformat()

    # when
    refused = credit_api_client.execute(REPAIR, {"id": record_id, "on": TODAY.isoformat()})["data"]

    # then
    errors = refused["repairCreditRecord"]["userErrors"]
    assert refused["repairCreditRecord"]["record"] is None
    assert errors[0]["code"] == "INVALID_TRANSITION" and errors[0]["field"] == "repairedOn"
    assert f"can be repaired from {allowed}" in errors[0]["message"]
    history = anonymous_api_client.execute(EMPLOYER_CREDIT, {"id": enterprise["id"]})["data"]["enterprise"]
    assert history["creditHistory"][0]["repairedOn"] is None
    assert history["creditHistory"][0]["repairableFrom"] == allowed


def test_a_repair_in_the_future_or_of_an_honour_is_refused(
    credit_api_client: Any, new_enterprise: Callable[..., Any]
) -> None:
    enterprise = new_enterprise()
    payload = _import(
        credit_api_client,
        _jsonl(_row(enterprise["uscc"], "honour", 10), _row(enterprise["uscc"], "dishonest_debtor", 10)),
    )
    honour, listing = _record_id(payload, 0), _record_id(payload, 1)

    honour_refused = credit_api_client.execute(REPAIR, {"id": honour, "on": TODAY.isoformat()})["data"]
    future = credit_api_client.execute(REPAIR, {"id": listing, "on": (TODAY + timedelta(days=3)).isoformat()})["data"]

    assert honour_refused["repairCreditRecord"]["userErrors"][0]["message"] == "an honour (red list) is not repairable"
    assert "is in the future" in future["repairCreditRecord"]["userErrors"][0]["message"]


AUDIT = """
query Audit($id: ID!) {
  auditTrail(entityId: $id) { totalCount nodes { action actorEmail via entityType entityId before after } }
}
"""


def test_every_credit_change_is_in_the_audit_trail_with_before_and_after(
    credit_api_client: Any, admin_api_client: Any, employer_api_client: Any, new_enterprise: Callable[..., Any]
) -> None:
    # given: a record imported, then repaired
    enterprise = new_enterprise()
    record_id = _record_id(_import(credit_api_client, _jsonl(_row(enterprise["uscc"], "dishonest_debtor", 3))))
    credit_api_client.execute(REPAIR, {"id": record_id, "on": TODAY.isoformat()})

    # when
    trail = admin_api_client.execute(AUDIT, {"id": record_id})["data"]["auditTrail"]
    refused = employer_api_client.execute(AUDIT, {"id": record_id})

    # then: newest first
    assert trail["totalCount"] == 2
    repair, creation = trail["nodes"]
    assert (repair["action"], repair["actorEmail"], repair["via"]) == (
        "credit_record.repair",
        "credit@demo.guilu",
        "api",
    )
    assert repair["entityId"] == record_id and repair["entityType"] == "credit_record"
    assert repair["before"]["repaired_on"] is None and repair["after"]["repaired_on"] == TODAY.isoformat()
    assert repair["after"]["repair_authority"] == "厦门市中级人民法院"
    assert creation["action"] == "credit_record.import" and creation["before"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


QUEUE = """
query Queue($after: String) {
  creditReviewQueue(first: 50, after: $after) {
    totalCount
    nodes { id name sourceRecordId status importedRow candidates { score matchedName enterprise { id legalName } } }
  }
}
"""
CONFIRM = """
mutation Confirm($review: ID!, $enterprise: ID!) {
  confirmCreditMatch(reviewId: $review, enterpriseId: $enterprise) {
    review { id status record { id } } record { id kind enterprise { id } } userErrors { field message code }
  }
}
"""
REJECT = """
mutation Reject($review: ID!) {
  rejectCreditMatch(reviewId: $review) { review { id status } userErrors { field message code } }
}
"""


def _name_row(name: str, kind: str = "administrative_licence") -> dict[str, Any]:
    return {
        "source": "测试局",
        "source_record_id": uuid.uuid4().hex,
        "kind": kind,
        "enterprise_name": name,
        "decision_date": (TODAY - timedelta(days=5)).isoformat(),
    }


def test_grey_zone_names_are_queued_then_confirmed_or_rejected(
    credit_api_client: Any, new_enterprise: Callable[..., Any]
) -> None:
    # given: a near name (88 for 鹭海科技's "Luhai Technology") and an ambiguous one (鹭峰智能 科技 vs 信息)
    near, ambiguous = _name_row("Luhai Technologies"), _name_row("鹭峰智能科技信息")
    payload = _import(credit_api_client, _jsonl(near, ambiguous))
    rows = payload["report"]["rows"]
    assert [r["status"] for r in rows] == ["QUEUED", "QUEUED"], rows
    assert "below 95" in rows[0]["message"] and "within 5 points" in rows[1]["message"]
    assert all(r["record"] is None for r in rows)

    # when: the officer reads the queue
    queue = credit_api_client.execute(QUEUE)["data"]["creditReviewQueue"]["nodes"]
    mine = {n["sourceRecordId"]: n for n in queue}
    near_item, ambiguous_item = mine[near["source_record_id"]], mine[ambiguous["source_record_id"]]

    # then
    assert near_item["candidates"][0]["enterprise"]["legalName"] == "厦门鹭海科技有限公司"
    assert near_item["importedRow"]["kind"] == "administrative_licence"
    assert {c["enterprise"]["legalName"] for c in ambiguous_item["candidates"]} == {
        "厦门鹭峰智能科技有限公司",
        "厦门鹭峰智能信息有限公司",
    }

    # when: one is confirmed (to a fresh enterprise, so the demo stays as it is), the other rejected
    target = new_enterprise()
    confirmed = credit_api_client.execute(CONFIRM, {"review": near_item["id"], "enterprise": target["id"]})["data"]
    rejected = credit_api_client.execute(REJECT, {"review": ambiguous_item["id"]})["data"]["rejectCreditMatch"]
    again = credit_api_client.execute(CONFIRM, {"review": near_item["id"], "enterprise": target["id"]})["data"]
    reimport = _import(credit_api_client, _jsonl(near, ambiguous))["report"]["rows"]

    # then
    result = confirmed["confirmCreditMatch"]
    assert result["userErrors"] == [] and result["review"]["status"] == "CONFIRMED"
    assert result["record"]["enterprise"]["id"] == target["id"]
    assert rejected["review"]["status"] == "REJECTED"
    assert again["confirmCreditMatch"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert [r["status"] for r in reimport] == ["UNCHANGED", "REJECTED"]
    assert "rejected the enterprise match" in reimport[1]["message"]


def test_confirming_to_an_unknown_enterprise_is_refused(credit_api_client: Any) -> None:
    payload = _import(credit_api_client, _jsonl(_name_row("Luhai Technologies")))
    review_id = payload["report"]["rows"][0]["review"]["id"]
    body = credit_api_client.execute(
        CONFIRM, {"review": review_id, "enterprise": encode_global_id("Enterprise", 99999)}
    )

    errors = body["data"]["confirmCreditMatch"]["userErrors"]
    assert errors[0]["code"] == "NOT_FOUND" and errors[0]["field"] == "enterpriseId"


PERSONAL = """
mutation Personal($talentId: ID!, $score: Float!, $city: String!, $dimensions: PersonalCreditDimensionsInput!) {
  recordPersonalCredit(talentId: $talentId, score: $score, sourceCity: $city, dimensions: $dimensions) {
    personalCredit { score sourceCity homeScore dimensions { basicInformation creditUsage } }
    userErrors { field message code }
  }
}
"""
DIMENSIONS = {
    "basicInformation": 90,
    "positiveBehaviour": 80,
    "dishonestyDefault": 95,
    "creditRepair": 100,
    "creditUsage": 70,
}
TALENT_CREDIT = "query($id: ID!) { talent(id: $id) { personalCredit { score sourceCity homeScore } } }"


def test_personal_credit_from_a_partner_city_is_mapped_and_shown_to_the_talent_only(
    credit_api_client: Any, employer_api_client: Any, new_talent: Callable[..., Any]
) -> None:
    # given
    talent = new_talent()
    variables = {"talentId": talent.talent_id, "score": 500, "city": "宁波", "dimensions": DIMENSIONS}

    # when
    recorded = credit_api_client.execute(PERSONAL, variables)["data"]["recordPersonalCredit"]
    own = talent.api.execute(TALENT_CREDIT, {"id": talent.talent_id})["data"]["talent"]["personalCredit"]
    officer = credit_api_client.execute(TALENT_CREDIT, {"id": talent.talent_id})["data"]["talent"]["personalCredit"]
    other = employer_api_client.execute(TALENT_CREDIT, {"id": talent.talent_id})["data"]["talent"]

    # then: the middle of Ningbo's 0-1000 is the middle of Xiamen's 350-950
    assert recorded["userErrors"] == []
    assert recorded["personalCredit"]["dimensions"] == {"basicInformation": 90.0, "creditUsage": 70.0}
    assert own == officer == {"score": 500.0, "sourceCity": "ningbo", "homeScore": 650.0}
    assert other["personalCredit"] is None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"city": "Atlantis"}, "sourceCity", "no mutually recognised personal credit scale"),
        ({"score": 1200, "city": "hangzhou"}, "score", "outside hangzhou's scale 350-950"),
        ({"dimensions": {**DIMENSIONS, "creditUsage": 140}}, "dimensions.credit_usage", "between 0 and 100"),
    ],
)
def test_bad_personal_credit_is_refused_clearly(
    credit_api_client: Any,
    new_talent: Callable[..., Any],
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    talent = new_talent()
    variables = {"talentId": talent.talent_id, "score": 700, "city": "xiamen", "dimensions": DIMENSIONS, **change}

    payload = credit_api_client.execute(PERSONAL, variables)["data"]["recordPersonalCredit"]

    assert payload["personalCredit"] is None
    assert payload["userErrors"][0]["field"] == field and message in payload["userErrors"][0]["message"]
    shown = credit_api_client.execute(TALENT_CREDIT, {"id": talent.talent_id})["data"]["talent"]["personalCredit"]
    assert shown is None


WRITES = {
    "importCreditRecords": 'mutation { importCreditRecords(format: CSV, content: "x") { userErrors { code } } }',
    "repairCreditRecord": (
        'mutation { repairCreditRecord(id: "Q3JlZGl0UmVjb3JkOjE", repairedOn: "2026-01-01", authority: "a", '
        'basis: "b") { userErrors { code } } }'
    ),
    "confirmCreditMatch": (
        'mutation { confirmCreditMatch(reviewId: "Q3JlZGl0TWF0Y2hSZXZpZXc6MQ", enterpriseId: "RW50ZXJwcmlzZTox") '
        "{ userErrors { code } } }"
    ),
    "rejectCreditMatch": (
        'mutation { rejectCreditMatch(reviewId: "Q3JlZGl0TWF0Y2hSZXZpZXc6MQ") { userErrors { code } } }'
    ),
    "recordPersonalCredit": (
        'mutation { recordPersonalCredit(talentId: "VGFsZW50OjE", score: 700, sourceCity: "xiamen", dimensions: '
        "{basicInformation: 1, positiveBehaviour: 1, dishonestyDefault: 1, creditRepair: 1, creditUsage: 1}) "
        "{ userErrors { code } } }"
    ),
    "creditReviewQueue": "{ creditReviewQueue { totalCount } }",
}


_ROLE_CODES = [
    ("admin_api_client", "FORBIDDEN"),
    ("employer_api_client", "FORBIDDEN"),
    ("talent_api_client", "FORBIDDEN"),
    ("anonymous_api_client", "UNAUTHENTICATED"),
]


@pytest.mark.parametrize(
    ("role_client", "code", "operation"),
    [
        (role, code, operation)
        for role, code in _ROLE_CODES
        for operation in sorted(WRITES)
        # admins may read the review queue (but not decide on it)
        if not (role == "admin_api_client" and operation == "creditReviewQueue")
    ],
)
def test_only_credit_officers_change_credit_data(
    request: pytest.FixtureRequest, role_client: str, code: str, operation: str
) -> None:
    api = request.getfixturevalue(role_client)

    body = api.execute(WRITES[operation])

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


def test_a_credit_record_is_a_node(
    credit_api_client: Any, anonymous_api_client: Any, new_enterprise: Callable[..., Any]
) -> None:
    enterprise = new_enterprise()
    record_id = _record_id(
        _import(credit_api_client, _jsonl(_row(enterprise["uscc"], "tax_rating", 20, tax_rating="A")))
    )

    body = anonymous_api_client.execute(
        "query($id: ID!) { node(id: $id) { ... on CreditRecord { kind taxRating status enterprise { id } } } }",
        {"id": record_id},
    )

    assert body["data"]["node"] == {
        "kind": "TAX_RATING",
        "taxRating": "A",
        "status": "ACTIVE",
        "enterprise": {"id": enterprise["id"]},
    }
