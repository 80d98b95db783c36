"""Query cost analysis and throttling (api/graphql/cost.py, api/throttle.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    parse,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.graphql import cost, execution
from api.graphql.cost import LIST_BOUNDS, cost_plan
from api.graphql.pagination import encode_cursor
from api.graphql.schema import schema
from api.throttle import MemoryThrottle, RedisThrottle

REDIS_URL = "redis://127.0.0.1:6379/0"

JOBS_WITH_EMPLOYERS = "{ jobs(first: 20) { edges { node { title employer { legalName } } } } }"
# pageInfo is always one object: requested and actual cost are both 2.
TWO_POINTS = "{ jobs(first: 0) { pageInfo { hasNextPage } } }"
# 1 + 100 x (1 edge + 1 job + (1 connection + 100 x (1 edge + 1 application))) = 20_301.
NESTED_PAGES = "{ jobs(first: 100) { edges { node { applications(first: 100) { edges { node { id } } } } } } }"
LOG_IN = 'mutation { logIn(email: "talent@demo.guilu", password: "guilu-demo") { token } }'
LOG_IN_WITH_ERRORS = 'mutation { logIn(email: "a@b.c", password: "x") { token account { email } userErrors { code } } }'
NODE_OF_TWO_TYPES = '{ node(id: "x") { id ... on Job { employer { legalName } } ... on Talent { nameZh } } }'
SIZED_JOBS = """
query SizedJobs($size: Int, $withEmployer: Boolean!, $after: String) {
  jobs(first: $size, after: $after) { edges { node { title employer @include(if: $withEmployer) { legalName } } } }
}
"""


def requested_cost(query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None) -> int:
    plan = cost_plan(schema._schema, parse(query), operation_name=operation_name, variables=variables)
    assert plan is not None
    return plan.requested


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def post(client: TestClient, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def throttled_app(settings: Settings, engine: Engine, clock: FakeClock, *, capacity: int, rate: float) -> Starlette:
    app = create_app(settings.model_copy(update={"throttle_capacity": capacity, "throttle_restore_rate": rate}), engine)
    app.state.query_throttle = MemoryThrottle(capacity, rate, clock=clock)
    return app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ------------------------------------------------------------------ the cost model


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        # 1 connection + 20 x (1 edge + 1 job + 1 employer)
        (JOBS_WITH_EMPLOYERS, 61),
        # the page size goes to the lists under the connection, not to pageInfo; scalars are free
        ("{ jobs { totalCount pageInfo { hasNextPage } nodes { id title } } }", 1 + 1 + 20),
        ("{ jobs(first: 5) { edges { cursor node { id } } } }", 1 + 5 * 2),
        # a list with its own size: resolveEnterprise's limit defaults to 5
        ('{ resolveEnterprise(name: "厦门") { score enterprise { legalName } } }', 5 * 2),
        ('{ resolveEnterprise(name: "厦门", limit: 2) { enterprise { legalName } } }', 2 * 2),
        (NESTED_PAGES, 20_301),
        # over 100 counts as 100: the field refuses larger pages before reading anything
        ("{ jobs(first: 10000) { nodes { id } } }", 1 + 100),
        # a mutation costs 10 plus its payload's objects (userErrors: a list of records, free)
        ('mutation { logIn(email: "a@b.c", password: "x") { token userErrors { code } } }', 10),
        # an interface costs as much as its costliest possible type
        ('{ node(id: "x") { id ... on Job { employer { legalName } } ... on Talent { nameZh } } }', 1 + 1),
        ("{ __typename }", 0),
        # introspection is free: bounded by the schema, off in production
        ("{ __schema { types { name fields { name args { name } type { name } } } } }", 0),
    ],
)
def test_cost_of_real_queries(query: str, cost: int) -> None:
    assert requested_cost(query) == cost


def test_fragments_and_inline_fragments_count_like_their_fields() -> None:
    with_fragments = """
    query Jobs { jobs(first: 20) { edges { node { ...JobFields } } } }
    fragment JobFields on Job { title ... on Job { employer { ...EmployerFields } } }
    fragment EmployerFields on Enterprise { legalName }
    """
    assert requested_cost(with_fragments) == requested_cost(JOBS_WITH_EMPLOYERS) == 61


def test_fields_of_the_same_response_key_merge_and_aliases_count_apart() -> None:
    merged = "{ jobs(first: 20) { edges { node { employer { id } employer { legalName } } } } }"
    aliased = "{ jobs(first: 20) { edges { node { a: employer { id } b: employer { legalName } } } } }"
    assert requested_cost(merged) == 61
    assert requested_cost(aliased) == 1 + 20 * 4


def test_variables_set_page_sizes_and_skip_include() -> None:
    query = """
    query Jobs($size: Int, $withEmployer: Boolean!) {
      jobs(first: $size) { edges { node { title employer @include(if: $withEmployer) { legalName } } } }
    }
    """
    assert requested_cost(query, {"size": 10, "withEmployer": True}) == 1 + 10 * 3
    assert requested_cost(query, {"size": 10, "withEmployer": False}) == 1 + 10 * 2
    # omitted or null: the argument's default page size
    assert requested_cost(query, {"withEmployer": True}) == 61
    assert requested_cost(query, {"size": None, "withEmployer": True}) == 61


def test_the_operation_named_is_the_one_costed() -> None:
    document = f"query Cheap {TWO_POINTS} query Dear {JOBS_WITH_EMPLOYERS}"
    assert requested_cost(document, operation_name="Cheap") == 2
    assert requested_cost(document, operation_name="Dear") == 61


def test_actual_cost_counts_what_came_back() -> None:
    calculator = cost_plan(schema._schema, parse(JOBS_WITH_EMPLOYERS))
    assert calculator is not None
    two_jobs = {"jobs": {"edges": [{"node": {"title": "a", "employer": {"legalName": "x"}}}] * 2}}
    assert calculator.actual(two_jobs) == 1 + 2 * 3
    no_employer = {"jobs": {"edges": [{"node": {"title": "a", "employer": None}}]}}
    assert calculator.actual(no_employer) == 1 + 2


def test_actual_cost_of_an_interface_counts_the_type_that_came_back() -> None:
    calculator = cost_plan(schema._schema, parse(NODE_OF_TWO_TYPES))
    assert calculator is not None
    assert calculator.actual({"node": {"id": "x", "employer": {"legalName": "y"}}}) == 1 + 1
    assert calculator.actual({"node": {"id": "x", "nameZh": "z"}}) == 1
    assert calculator.actual({"node": None}) == 0


def test_actual_cost_of_a_mutation_counts_its_fields_and_the_objects_under_them() -> None:
    calculator = cost_plan(schema._schema, parse(LOG_IN_WITH_ERRORS))
    assert calculator is not None
    errors = [{"code": "A"}, {"code": "B"}]  # a list of records: free
    assert calculator.actual({"logIn": {"token": "t", "account": {"email": "e"}, "userErrors": []}}) == 10 + 1
    assert calculator.actual({"logIn": {"token": None, "account": None, "userErrors": errors}}) == 10
    assert calculator.actual({"logIn": None}) == 10


def test_one_plan_serves_every_request_of_a_document_whose_cost_variables_are_the_same() -> None:
    # given
    document = parse(SIZED_JOBS)

    def plan(**variables: Any) -> Any:
        found = cost_plan(schema._schema, document, query=SIZED_JOBS, variables=variables)
        assert found is not None
        return found

    # when
    ten = plan(size=10, withEmployer=True)
    ten_further_on = plan(size=10, withEmployer=True, after=encode_cursor(9))
    five = plan(size=5, withEmployer=True)
    ten_without_employers = plan(size=10, withEmployer=False)

    # then: the cursor changes nothing the cost depends on; the page size and @include do
    assert ten_further_on is ten
    assert [p.requested for p in (ten, five, ten_without_employers)] == [1 + 10 * 3, 1 + 5 * 3, 1 + 10 * 2]
    assert plan(size=5, withEmployer=True) is five
    # invalid variables are refused every time, even for a document costed before
    invalid = {"size": "ten", "withEmployer": True}
    assert cost_plan(schema._schema, document, query=SIZED_JOBS, variables=invalid) is None


# ------------------------------------------------------------------ over HTTP


def test_every_response_reports_its_cost(client: TestClient, settings: Settings) -> None:
    answered = post(client, JOBS_WITH_EMPLOYERS).json()
    assert answered["data"]["jobs"]["edges"]
    cost = answered["extensions"]["cost"]
    jobs = len(answered["data"]["jobs"]["edges"])
    assert cost["requestedQueryCost"] == 61
    assert cost["actualQueryCost"] == 1 + 3 * jobs
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == settings.throttle_capacity
    assert status["restoreRate"] == settings.throttle_restore_rate
    assert 0 <= status["currentlyAvailable"] <= settings.throttle_capacity

    mutation = post(client, LOG_IN).json()
    assert mutation["extensions"]["cost"]["requestedQueryCost"] == 10

    for broken in ("{ jobs { nope } }", "{ jobs(", NESTED_PAGES):
        body = post(client, broken).json()
        assert body["errors"], broken
        assert body["extensions"]["cost"]["actualQueryCost"] == 0, broken
        assert body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == settings.throttle_capacity, broken


def test_repeated_operations_report_the_cost_of_their_own_variables(client: TestClient) -> None:
    for size, with_employer in [(2, True), (3, True), (2, False), (2, True)]:
        body = post(client, SIZED_JOBS, size=size, withEmployer=with_employer).json()
        jobs = len(body["data"]["jobs"]["edges"])
        per_job = 3 if with_employer else 2
        assert body["extensions"]["cost"]["requestedQueryCost"] == 1 + size * per_job
        assert body["extensions"]["cost"]["actualQueryCost"] == 1 + jobs * per_job

    refused = post(client, SIZED_JOBS, size="two", withEmployer=True).json()
    assert refused["data"] is None
    assert refused["extensions"]["cost"]["requestedQueryCost"] == 0


def test_over_the_maximum_is_refused_before_any_resolver_runs(client: TestClient, engine: Engine) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        refused = post(client, NESTED_PAGES)
        refused_statements = len(statements)
        answered = post(client, "{ jobs(first: 2) { edges { node { id } } } }")
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert refused.status_code == 200
    body = refused.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert "20301" in error["message"] and "1000" in error["message"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 20_301
    assert refused_statements == 0
    # the counter does see a query that runs
    assert answered.json()["data"]["jobs"]
    assert len(statements) > 0


def test_the_maximum_comes_from_settings(settings: Settings, engine: Engine) -> None:
    app = create_app(settings.model_copy(update={"max_query_cost": 60}), engine)
    with TestClient(app) as client:
        body = post(client, JOBS_WITH_EMPLOYERS).json()
        assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
        assert "61" in body["errors"][0]["message"] and "60" in body["errors"][0]["message"]
        assert post(client, "{ jobs(first: 19) { edges { node { title employer { legalName } } } } }").json()["data"]


# ------------------------------------------------------------------ throttling


def test_a_client_is_throttled_until_its_bucket_refills(settings: Settings, engine: Engine, clock: FakeClock) -> None:
    app = throttled_app(settings, engine, clock, capacity=5, rate=0.5)
    with TestClient(app) as client:
        first, second = post(client, TWO_POINTS).json(), post(client, TWO_POINTS).json()
        assert first["data"] and second["data"]
        assert [b["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] for b in (first, second)] == [3, 1]

        refused = post(client, TWO_POINTS)
        assert refused.status_code == 200
        assert refused.headers["content-type"].startswith("application/json")
        assert refused.headers["retry-after"] == "2"  # 1 point missing at 0.5 a second
        body = refused.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "THROTTLED", "retryAfterSeconds": 2}
        assert "retry in 2.0 s" in error["message"]
        assert body["extensions"]["cost"]["actualQueryCost"] == 0
        assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 1

        clock.now += 2
        again = post(client, TWO_POINTS)
        assert again.json()["data"]
        assert "retry-after" not in again.headers


def test_unused_points_are_given_back(settings: Settings, engine: Engine, clock: FakeClock) -> None:
    app = throttled_app(settings, engine, clock, capacity=1000, rate=1)
    with TestClient(app) as client:
        total = post(client, "{ jobs(first: 0) { totalCount } }").json()["data"]["jobs"]["totalCount"]
        clock.now += 1000  # full again
        near_the_end = encode_cursor(max(total - 3, 0))
        body = post(
            client, "query($after: String) { jobs(first: 100, after: $after) { nodes { id } } }", after=near_the_end
        ).json()
    jobs = len(body["data"]["jobs"]["nodes"])
    assert 0 < jobs < 100
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 101
    assert cost["actualQueryCost"] == 1 + jobs
    assert cost["throttleStatus"]["currentlyAvailable"] == 1000 - (1 + jobs)


def test_anonymous_clients_are_throttled_by_address(settings: Settings, engine: Engine, clock: FakeClock) -> None:
    app = throttled_app(settings, engine, clock, capacity=20, rate=0.01)
    with (
        TestClient(app, client=("203.0.113.7", 40000)) as first_address,
        TestClient(app, client=("203.0.113.8", 40000)) as second_address,
    ):
        token = post(first_address, LOG_IN).json()["data"]["logIn"]["token"]  # 10 points from the address
        for _ in range(5):
            assert post(first_address, TWO_POINTS).json()["data"]
        refused = post(first_address, TWO_POINTS).json()
        assert refused["errors"][0]["extensions"]["code"] == "THROTTLED"

        # another address has its own bucket, and so has a signed-in account at the throttled address
        assert post(second_address, TWO_POINTS).json()["data"]
        signed_in = post(first_address, TWO_POINTS, token=token).json()
        assert signed_in["data"]
        assert signed_in["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 18


# ------------------------------------------------------------------ Redis


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        client.close()
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    yield REDIS_URL
    client.close()


def test_workers_share_buckets_through_redis(settings: Settings, engine: Engine, redis_url: str) -> None:
    prefix = f"guilu-test-{uuid.uuid4().hex}:"
    shared = settings.model_copy(
        update={
            "redis_url": redis_url,
            "redis_key_prefix": prefix,
            "throttle_capacity": 5,
            "throttle_restore_rate": 0.01,
        }
    )
    first_app, second_app = create_app(shared, engine), create_app(shared, engine)
    assert isinstance(first_app.state.query_throttle, RedisThrottle)
    with TestClient(first_app) as first_worker, TestClient(second_app) as second_worker:
        try:
            assert post(first_worker, TWO_POINTS).json()["data"]
            assert post(second_worker, TWO_POINTS).json()["data"]
            refused = post(first_worker, TWO_POINTS)
            assert refused.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
            assert int(refused.headers["retry-after"]) >= 90  # about 1 point missing at 0.01 a second
        finally:
            first_worker.portal.call(first_app.state.query_throttle.close)  # type: ignore[union-attr]
            second_worker.portal.call(second_app.state.query_throttle.close)  # type: ignore[union-attr]

    inspector = redis.Redis.from_url(redis_url)
    try:
        [key] = inspector.keys(prefix + "*")
        assert key == f"{prefix}throttle:address:testclient".encode()
        assert 0 < inspector.ttl(key) <= 501  # expires once the bucket would be full again
        inspector.delete(key)
    finally:
        inspector.close()


# ------------------------------------------------------------------ lists without a size argument (M6)


def _credit_history_chain(levels: int) -> str:
    inner = "id title"
    for _ in range(levels):
        inner = f"id title enterprise {{ creditHistory {{ {inner} }} }}"
    return f"creditHistory {{ {inner} }}"


# The review's query: 30 aliases of one enterprise, each with 5 nested levels of creditHistory -> enterprise.
REVIEWS_QUERY = (
    "{ "
    + " ".join(f'e{i}: enterprise(id: "RW50ZXJwcmlzZTox") {{ {_credit_history_chain(4)} }}' for i in range(30))
    + " }"
)


def test_the_reviews_nested_credit_history_query_is_refused_before_it_runs(client: TestClient) -> None:
    # given / when (anonymous)
    body = post(client, REVIEWS_QUERY).json()

    # then refused, nothing returned, nothing charged
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert body["extensions"]["cost"]["actualQueryCost"] == 0
    assert body["extensions"]["cost"]["requestedQueryCost"] > 30 * 50**5


def test_one_level_of_credit_history_is_costed_by_its_bound(client: TestClient) -> None:
    body = post(client, '{ enterprise(id: "RW50ZXJwcmlzZTox") { creditHistory { id enterprise { id } } } }').json()

    assert body["extensions"]["cost"]["requestedQueryCost"] == 1 + LIST_BOUNDS[("Enterprise", "creditHistory")] * 2
    assert 0 < body["extensions"]["cost"]["actualQueryCost"] <= body["extensions"]["cost"]["requestedQueryCost"]


def _unsized_lists(graphql_schema: GraphQLSchema) -> set[tuple[str, str]]:
    """Every list of objects without a size argument, but the edges and nodes of connections (sized by them)."""
    found = set()
    for type_name, named in graphql_schema.type_map.items():
        if type_name.startswith("__") or not isinstance(named, GraphQLObjectType) or type_name.endswith("Connection"):
            continue
        for field_name, field in named.fields.items():
            item = get_named_type(field.type)
            sized = any(argument in field.args for argument in ("first", "limit"))
            if is_list_type(get_nullable_type(field.type)) and is_composite_type(item) and not sized:
                found.add((type_name, field_name))
    return found


# Lists reached only through a mutation's payload (and every payload's userErrors): the same execution context
# bounds them (their bounds are in LIST_BOUNDS); the query family below cannot reach them.
MUTATION_ONLY = {
    ("EntryJudges", "judges"),
    ("AssignmentResult", "assignments"),
    ("AssignmentResult", "loads"),
    ("AssignmentResult", "shortfalls"),
    ("AssignmentResult", "rejected"),
    ("AssignmentResult", "conflicts"),
    ("CreditImportReport", "rows"),
    ("ImportInvitationsPayload", "rows"),
    ("MergeTalentsPayload", "moved"),
    ("MergeTalentsPayload", "dropped"),
}


@dataclass(frozen=True)
class _Path:
    """How to reach an object of a type from the root: the text around the hole, and who can see it."""

    prefix: str
    suffix: str


def _argument_text(field: GraphQLField, ids: dict[str, str]) -> str | None:
    """Arguments for ``field`` from demo values; None when a required one has none."""
    values = []
    for name, argument in field.args.items():
        value = ids.get(name)
        if name in ("first", "limit"):
            value = "3"
        if value is None:
            if isinstance(argument.type, GraphQLNonNull):
                return None
            continue
        values.append(f"{name}: {value}")
    return f"({', '.join(values)})" if values else ""


def _paths(graphql_schema: GraphQLSchema, ids: dict[str, str], depth: int = 4) -> dict[str, _Path]:
    """The shortest path from Query to an object of each type reachable with the demo values."""
    query_type = graphql_schema.query_type
    assert query_type is not None
    paths: dict[str, _Path] = {"Query": _Path("", "")}
    frontier = ["Query"]
    for _ in range(depth):
        next_frontier = []
        for type_name in frontier:
            owner = graphql_schema.type_map[type_name]
            assert isinstance(owner, GraphQLObjectType)
            for field_name, field in owner.fields.items():
                if field_name == "node":
                    continue
                target = get_named_type(field.type)
                if not isinstance(target, GraphQLObjectType) or target.name in paths:
                    continue
                arguments = _argument_text(field, ids)
                if arguments is None:
                    continue
                path = paths[type_name]
                paths[target.name] = _Path(f"{path.prefix} {field_name}{arguments} {{", f"}} {path.suffix}")
                next_frontier.append(target.name)
        frontier = next_frontier
    return paths


def _item_selection(item: GraphQLObjectType) -> str:
    """Every scalar of an item and, for each field of objects without required arguments, its __typename."""
    parts = ["__typename"]
    for name, field in item.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        if is_composite_type(get_named_type(field.type)):
            parts.append(f"{name} {{ __typename }}")
        elif not field.args:
            parts.append(name)
    return " ".join(parts)


def _lengths(value: Any, path: list[str], into: dict[str, int]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _lengths(item, [*path, key], into)
    elif isinstance(value, list):
        into[".".join(path)] = max(into.get(".".join(path), 0), len(value))
        for item in value:
            _lengths(item, path, into)


VIEWERS = ("admin", "talent", "judge", "employer", "headhunter", "credit", "bank")


@pytest.fixture
def demo_values(admin_api_client: Any, log_in_as: Any) -> dict[str, str]:
    """Argument values that find demo data, by argument name."""
    data = admin_api_client.execute(
        "{ jobs(first: 1) { nodes { id } } talents(first: 1) { nodes { id } }"
        ' enterprise(id: "RW50ZXJwcmlzZTox") { id } }'
    )["data"]
    competitions = admin_api_client.execute("{ competitions { id edition } }")["data"]["competitions"]
    cup_id = next(c["id"] for c in competitions if c["edition"] == 2)
    cup = admin_api_client.execute("query($id: ID!) { competition(id: $id) { id rounds { id } } }", {"id": cup_id})
    data |= admin_api_client.execute("{ loanProducts(includeInactive: true) { id } }")["data"]
    headhunter = log_in_as("headhunter@demo.guilu", "guilu-demo")
    data["campaigns"] = headhunter.execute("{ campaigns(first: 1) { nodes { id } } }")["data"]["campaigns"]
    cup = cup["data"]["competition"]
    return {
        "jobId": json.dumps(data["jobs"]["nodes"][0]["id"]),
        "talentId": json.dumps(data["talents"]["nodes"][0]["id"]),
        "competitionId": json.dumps(cup["id"]),
        "roundId": json.dumps(cup["rounds"][0]["id"]),
        "productId": json.dumps(data["loanProducts"][0]["id"]),
        "enterpriseId": json.dumps(data["enterprise"]["id"]),
        "campaignId": json.dumps(data["campaigns"]["nodes"][0]["id"]),
        "id": json.dumps(data["enterprise"]["id"]),
        "round": '"preliminary"',
        "includeInactive": "true",
        "status": "QUEUED",
    }


def test_every_unsized_list_is_cut_to_its_bound_and_never_costs_more_than_requested(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, demo_values: dict[str, str], log_in_as: Any
) -> None:
    # given every bound set to 1 (plans and the execution's bounds forgotten), so the demo's lists overflow them
    monkeypatch.setattr(cost, "DEFAULT_LIST_BOUND", 1)
    monkeypatch.setattr(cost, "USER_ERRORS_BOUND", 1)
    for key in list(LIST_BOUNDS):
        monkeypatch.setitem(LIST_BOUNDS, key, 1)
    monkeypatch.setattr(cost, "_operations", {})
    monkeypatch.setattr(execution, "_bounds", {})
    graphql_schema = schema._schema
    paths = _paths(graphql_schema, demo_values)
    viewers = [log_in_as(f"{who}@demo.guilu", "guilu-demo") for who in VIEWERS]

    # when each list is asked for (under the first path to its type), by several roles
    covered, overflowed = set(), set()
    family = {(t, f) for t, f in _unsized_lists(graphql_schema) - MUTATION_ONLY if f != "userErrors"}
    for type_name, field_name in sorted(family):
        path = paths.get(type_name)
        if path is None:
            continue
        owner = graphql_schema.type_map[type_name]
        assert isinstance(owner, GraphQLObjectType)
        item = get_named_type(owner.fields[field_name].type)
        selection = _item_selection(item) if isinstance(item, GraphQLObjectType) else "__typename"
        arguments = _argument_text(owner.fields[field_name], demo_values) or ""
        query = f"{{ {path.prefix} {field_name}{arguments} {{ {selection} }} {path.suffix} }}"
        for viewer in viewers:
            body = viewer.execute(query)
            assert "data" in body, (query, body)
            spent = body["extensions"]["cost"]
            # then what ran never costs more than what was asked for, and no list holds more than its bound
            assert spent["actualQueryCost"] <= spent["requestedQueryCost"], (query, spent)
            lengths: dict[str, int] = {}
            _lengths(body["data"], [], lengths)
            target = [n for key, n in lengths.items() if key.endswith(field_name)]
            assert all(n <= 1 for n in target), (query, lengths)
            if target and max(target) == 1:
                overflowed.add((type_name, field_name))
        covered.add((type_name, field_name))

    # and the family reaches every such list, most of them holding more than their bound of demo data
    assert covered == family, family - covered
    assert len(overflowed) >= 30, covered - overflowed
