"""Relations load through per-request DataLoaders: a bigger page costs no more SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.graphql.ids import encode_global_id
from api.models import Application

JOBS_WITH_RELATIONS = """
query JobsWithRelations($first: Int!) {
  jobs(first: $first) {
    edges {
      node {
        title
        employer { legalName aliases credit { verified level } }
        requiredSkills
        preferredSkills
        languages { language level }
      }
    }
  }
}
"""


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)


@pytest.fixture
def sql_statements(engine: Engine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def _count(api: Any, counter: StatementCounter, first: int) -> tuple[int, list[dict[str, Any]]]:
    counter.statements.clear()
    body = api.execute(JOBS_WITH_RELATIONS, {"first": first})
    assert "errors" not in body, body
    return len(counter.statements), [edge["node"] for edge in body["data"]["jobs"]["edges"]]


def test_statement_count_does_not_grow_with_the_page(
    anonymous_api_client: Any, sql_statements: StatementCounter
) -> None:
    # given: one request first, so nothing one-off (connection set-up) is counted
    _count(anonymous_api_client, sql_statements, 1)

    # when
    small, small_jobs = _count(anonymous_api_client, sql_statements, 5)
    large, large_jobs = _count(anonymous_api_client, sql_statements, 50)

    # then
    assert len(small_jobs) == 5 and len(large_jobs) == 50
    assert all(job["employer"]["legalName"] and job["requiredSkills"] for job in large_jobs)
    assert {job["employer"]["credit"]["level"] for job in large_jobs} >= {"B"}
    assert any(job["languages"] for job in large_jobs)
    assert small == large, sql_statements.statements
    assert large <= 10


RANK_FINANCING_CANDIDATES = """
query Rank($productId: ID!, $first: Int!) {
  rankFinancingCandidates(productId: $productId, first: $first) {
    nodes { name limit enterprise { legalName park aliases } explanation { component } sizing { amount } }
  }
}
"""


def test_ranking_financing_candidates_costs_the_same_whatever_the_page_size(
    log_in_as: Any, sql_statements: StatementCounter
) -> None:
    # given: the demo's bid-contract loan, which every enterprise with a winning-bid contract qualifies for
    # (of 厦门鹭岛商业银行, whose candidates the credit officer ranks: the demo's bank officers act for the other bank)
    officer = log_in_as("credit@demo.guilu", "guilu-demo")
    products = officer.execute("{ loanProducts { id name } }")["data"]["loanProducts"]
    [product_id] = [p["id"] for p in products if p["name"] == "招投标信易贷"]

    def count(first: int) -> tuple[int, int]:
        sql_statements.statements.clear()
        body = officer.execute(RANK_FINANCING_CANDIDATES, {"productId": product_id, "first": first})
        assert "errors" not in body, body
        return len(sql_statements.statements), len(body["data"]["rankFinancingCandidates"]["nodes"])

    count(1)

    # when
    small, small_nodes = count(1)
    large, large_nodes = count(20)

    # then
    assert small_nodes == 1 and large_nodes >= 4
    assert small == large, sql_statements.statements


FINANCING_EXCLUSIONS = """
query Out($productId: ID!, $first: Int!) {
  financingExclusions(productId: $productId, kind: ENTERPRISE, first: $first) {
    nodes { kind name reasons enterprise { legalName aliases } }
  }
}
"""


def test_listing_financing_exclusions_costs_the_same_whatever_the_page_size(
    log_in_as: Any, sql_statements: StatementCounter
) -> None:
    # given: the demo's start-up loan, which leaves out most enterprises
    officer = log_in_as("credit@demo.guilu", "guilu-demo")
    products = officer.execute("{ loanProducts { id name } }")["data"]["loanProducts"]
    [product_id] = [p["id"] for p in products if p["name"] == "未来产业创业贷"]

    def count(first: int) -> tuple[int, int]:
        sql_statements.statements.clear()
        body = officer.execute(FINANCING_EXCLUSIONS, {"productId": product_id, "first": first})
        assert "errors" not in body, body
        return len(sql_statements.statements), len(body["data"]["financingExclusions"]["nodes"])

    count(1)

    # when
    small, small_nodes = count(1)
    large, large_nodes = count(60)

    # then
    assert small_nodes == 1 and large_nodes == 60
    assert small == large, sql_statements.statements


TALENTS_WITH_RELATIONS = """
query TalentsWithRelations($first: Int!) {
  talents(first: $first) {
    totalCount
    edges {
      node {
        nameZh email phone contactVisible skills
        education { degree } languages { language } personalCredit { score }
      }
    }
  }
}
"""


@pytest.mark.parametrize("viewer", ["admin", "employer"])
def test_talent_pages_cost_the_same_statements_whatever_their_size(
    admin_api_client: Any, employer_api_client: Any, sql_statements: StatementCounter, viewer: str
) -> None:
    # given: an admin sees contact data outright; an employer's view depends on who applied to its jobs
    api = admin_api_client if viewer == "admin" else employer_api_client

    def count(first: int) -> tuple[int, list[dict[str, Any]]]:
        sql_statements.statements.clear()
        body = api.execute(TALENTS_WITH_RELATIONS, {"first": first})
        assert "errors" not in body, body
        return len(sql_statements.statements), [edge["node"] for edge in body["data"]["talents"]["edges"]]

    count(1)

    # when
    small, small_talents = count(5)
    large, large_talents = count(100)

    # then
    assert len(small_talents) == 5 and len(large_talents) == 100
    assert all(t["skills"] for t in large_talents)
    assert small == large, sql_statements.statements


RANKINGS_OF_A_JOB = {
    "rankApplicants": """
query Rank($jobId: ID!, $first: Int!) {
  rankApplicants(jobId: $jobId, first: $first) {
    nodes {
      score eligible failedHardRequirements
      application { status createdAt job { title } talent { nameZh } history { toStatus } }
      talent { nameZh email contactVisible skills education { degree } }
    }
  }
}
""",
    "rankCandidates": """
query Rank($jobId: ID!, $first: Int!) {
  rankCandidates(jobId: $jobId, first: $first) {
    nodes { score application { status job { title } history { toStatus } } talent { nameZh email skills } }
  }
}
""",
}


@pytest.mark.parametrize("field", sorted(RANKINGS_OF_A_JOB))
def test_rankings_of_a_job_cost_the_same_statements_whatever_their_size(
    admin_api_client: Any, engine: Engine, sql_statements: StatementCounter, field: str
) -> None:
    # given: the demo job with the most applicants
    with Session(engine) as session:
        busiest = session.exec(
            select(Application.job_id).group_by(Application.job_id).order_by(func.count().desc(), Application.job_id)
        ).first()
    assert busiest is not None
    job_id = encode_global_id("Job", busiest)

    def count(first: int) -> tuple[int, list[dict[str, Any]]]:
        sql_statements.statements.clear()
        body = admin_api_client.execute(RANKINGS_OF_A_JOB[field], {"jobId": job_id, "first": first})
        assert "errors" not in body, body
        return len(sql_statements.statements), body["data"][field]["nodes"]

    count(100)
    _, ranked = count(100)
    # the smallest page holding an applicant, so both pages read applications
    size = next(i for i, node in enumerate(ranked, start=1) if node["application"])

    # when
    small, small_nodes = count(size)
    large, large_nodes = count(100)

    # then
    assert len(small_nodes) == size < len(large_nodes) and len(large_nodes) >= 4
    if field == "rankApplicants":
        assert all(n["application"]["history"] for n in large_nodes)
    else:
        assert any(n["application"] for n in large_nodes)
    assert small == large, sql_statements.statements
