"""Cursor pagination: walking a list page by page gives each item once, in order."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from matching.search import JobSearchIndex
from tests.conftest import GraphQLClient

JOBS_PAGE = """
query JobsPage($search: String, $first: Int, $after: String) {
  jobs(search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}
"""


def _walk(api: Any, page_size: int, search: str | None = None) -> tuple[list[str], list[dict[str, Any]], set[int]]:
    """Every id of ``jobs`` page by page, the pages, and every totalCount seen."""
    ids: list[str] = []
    pages: list[dict[str, Any]] = []
    totals: set[int] = set()
    after = None
    while True:
        page = api.execute(JOBS_PAGE, {"search": search, "first": page_size, "after": after})["data"]["jobs"]
        pages.append(page)
        totals.add(page["totalCount"])
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, pages, totals
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 100, "pagination does not end"


@pytest.mark.parametrize(("page_size", "search"), [(45, None), (7, "工程师")])
def test_walking_pages_gives_every_job_once(anonymous_api_client: Any, page_size: int, search: str | None) -> None:
    # given
    reference, _, reference_totals = _walk(anonymous_api_client, 100, search)

    # when
    ids, pages, totals = _walk(anonymous_api_client, page_size, search)

    # then
    assert totals == reference_totals
    (total,) = totals
    assert len(ids) == len(set(ids)) == total
    assert ids == reference
    assert all(len(page["edges"]) == page_size for page in pages[:-1])
    assert 1 <= len(pages[-1]["edges"]) <= page_size


def test_page_info_flags_at_the_start_middle_and_end(anonymous_api_client: Any) -> None:
    # given
    total = anonymous_api_client.execute(JOBS_PAGE, {"first": 0})["data"]["jobs"]["totalCount"]

    # when
    first = anonymous_api_client.execute(JOBS_PAGE, {"first": 10})["data"]["jobs"]
    second = anonymous_api_client.execute(JOBS_PAGE, {"first": 10, "after": first["pageInfo"]["endCursor"]})
    second = second["data"]["jobs"]
    near_end_cursor = _walk_to(anonymous_api_client, total - 3)
    last = anonymous_api_client.execute(JOBS_PAGE, {"first": 10, "after": near_end_cursor})["data"]["jobs"]

    # then
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["pageInfo"]["hasNextPage"] is True
    assert len(last["edges"]) == 3
    assert last["pageInfo"]["hasNextPage"] is False
    assert last["pageInfo"]["hasPreviousPage"] is True


def _walk_to(api: Any, count: int) -> str:
    """The cursor after the first ``count`` jobs, reached by paging."""
    after: str | None = None
    taken = 0
    while taken < count:
        step = min(100, count - taken)
        page = api.execute(JOBS_PAGE, {"first": step, "after": after})["data"]["jobs"]
        after = page["pageInfo"]["endCursor"]
        taken += len(page["edges"])
    assert after is not None
    return after


def test_first_zero_gives_no_edges_but_the_total(anonymous_api_client: Any) -> None:
    page = anonymous_api_client.execute(JOBS_PAGE, {"first": 0})["data"]["jobs"]

    assert page["edges"] == []
    assert page["totalCount"] > 0
    assert page["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False, "startCursor": None, "endCursor": None}


@pytest.mark.parametrize("first", [101, -1, 10_000])
def test_first_out_of_range_is_a_bad_user_input(anonymous_api_client: Any, first: int) -> None:
    # when
    body = anonymous_api_client.execute(JOBS_PAGE, {"first": first})

    # then
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "first" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "after",
    [
        "not a cursor",
        "!!!",
        base64.urlsafe_b64encode(b"cursor:minus").decode(),
        base64.urlsafe_b64encode(b"cursor:-5").decode(),
        base64.urlsafe_b64encode(b"Job:3").decode(),
        base64.urlsafe_b64encode(b"cursor:99999999999999999999999").decode(),
    ],
)
def test_malformed_after_cursor_is_a_bad_user_input(anonymous_api_client: Any, after: str) -> None:
    body = anonymous_api_client.execute(JOBS_PAGE, {"first": 5, "after": after})

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


def test_a_cursor_past_the_end_gives_an_empty_last_page(anonymous_api_client: Any) -> None:
    beyond = base64.urlsafe_b64encode(b"cursor:100000").decode().rstrip("=")

    page = anonymous_api_client.execute(JOBS_PAGE, {"first": 5, "after": beyond})["data"]["jobs"]

    assert page["edges"] == []
    assert page["pageInfo"]["hasNextPage"] is False


JOBS_PAGE_WITHOUT_TOTAL = """
query JobsPage($search: String, $first: Int, $after: String) {
  jobs(search: $search, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id } }
  }
}
"""

JOBS_TOTAL_IN_A_FRAGMENT = """
query JobsPage($search: String, $first: Int) {
  jobs(search: $search, first: $first) { ...Counted edges { node { id } } }
}
fragment Counted on JobConnection { totalCount }
"""


@pytest.fixture(scope="module")
def walker(settings: Settings, engine: Engine) -> Iterator[GraphQLClient]:
    """An anonymous client of an app of its own with room for many pages (the shared one's budget is shared)."""
    with TestClient(create_app(settings.model_copy(update={"throttle_capacity": 10**9}), engine)) as http:
        yield GraphQLClient(http)


def test_a_search_without_totalcount_pages_the_same(walker: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # the matches are not counted when totalCount is not asked for; pages and hasNextPage stay the same
    ids, _, totals = _walk(walker, 20, "工程师")
    assert len(totals) == 1 and len(ids) == totals.pop() > 20

    def not_counted(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("matches counted though totalCount was not asked for")

    monkeypatch.setattr(JobSearchIndex, "search_page", not_counted)
    walked: list[str] = []
    after = None
    while True:
        variables = {"search": "工程师", "first": 20, "after": after}
        page = walker.execute(JOBS_PAGE_WITHOUT_TOTAL, variables)["data"]["jobs"]
        walked += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == ids


def test_a_totalcount_asked_for_in_a_fragment_is_counted(walker: GraphQLClient) -> None:
    variables = {"search": "工程师", "first": 1}
    direct = walker.execute(JOBS_PAGE, variables)["data"]["jobs"]
    counted = walker.execute(JOBS_TOTAL_IN_A_FRAGMENT, variables)["data"]["jobs"]
    # uncounted, the total would be the page plus one (2): the real count is far larger
    assert counted["totalCount"] == direct["totalCount"] > 2
