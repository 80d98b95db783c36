"""The shortcut for scalar fields (api/graphql/execution.py) answers exactly as graphql-core's own path does."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionResult

from api.graphql.execution import ScalarShortcutExecutionContext
from api.graphql.schema import schema


@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"


class Nobody(BasePermission):
    message = "nobody may read this"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item:
    name: str
    nickname: str | None
    colour: Colour
    count: int
    secret: str = strawberry.field(permission_classes=[Nobody])


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Item(name="a", nickname=None, colour=Colour.RED, count=1, secret="s"),
            # values the schema does not allow: a null name, an unknown colour, a count that is no integer
            Item(name=None, nickname="b", colour="purple", count="many", secret="s"),  # type: ignore[arg-type]
        ]

    @strawberry.field
    def names(self) -> list[str]:
        return ["a", "b"]

    @strawberry.field
    def names_with_a_null(self) -> list[str]:
        return ["a", None]  # type: ignore[list-item]

    @strawberry.field
    def maybe_counts(self) -> list[int | None]:
        return [1, None, 2**40, 3]  # 2**40 is no 32-bit integer

    @strawberry.field
    def colours(self) -> list[Colour]:
        return [Colour.RED, "purple"]  # type: ignore[list-item]

    @strawberry.field
    def item(self) -> Item | None:
        return Item(name=None, nickname=None, colour=Colour.GREEN, count=2, secret="s")  # type: ignore[arg-type]


class Shout(SchemaExtension):
    """A field middleware: it must see every field, scalars included."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


def _run(query: str, *, shortcut: bool, extensions: list[Any] | None = None) -> ExecutionResult:
    context_class = ScalarShortcutExecutionContext if shortcut else StrawberryGraphQLCoreExecutionContext
    return strawberry.Schema(
        query=Query, execution_context_class=context_class, extensions=extensions or []
    ).execute_sync(query)


def _outcome(result: ExecutionResult) -> tuple[Any, list[tuple[str, Any, Any]]]:
    errors = [(e.message, e.path, e.locations) for e in result.errors or ()]
    return result.data, errors


@pytest.mark.parametrize(
    "query",
    [
        "{ items { name nickname colour count } }",
        "{ items { nickname colour } }",
        "{ item { nickname name } }",
        "{ items { __typename count } }",
        "{ items { secret } }",
        "{ names }",
        "{ namesWithANull }",
        "{ maybeCounts }",
        "{ colours }",
    ],
)
def test_the_shortcut_gives_the_data_and_errors_of_graphql_core(query: str) -> None:
    assert _outcome(_run(query, shortcut=True)) == _outcome(_run(query, shortcut=False))


def test_a_permission_class_is_never_skipped() -> None:
    result = _run("{ items { name secret } }", shortcut=True)
    assert result.errors and {e.message for e in result.errors} == {"nobody may read this"}


def test_a_field_middleware_sees_every_scalar() -> None:
    result = _run("{ item { nickname colour } }", shortcut=True, extensions=[Shout])
    assert result.data == {"item": {"nickname": None, "colour": "GREEN"}}
    result = _run("{ items { nickname } }", shortcut=True, extensions=[Shout])
    assert result.data == {"items": [{"nickname": None}, {"nickname": "B"}]}


def test_scalar_fields_of_a_page_build_no_resolve_info(
    anonymous_api_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: resolve infos counted
    built: list[str] = []
    build = ScalarShortcutExecutionContext.build_resolve_info

    def counting(self: Any, field_def: Any, field_nodes: Any, parent_type: Any, path: Any) -> Any:
        built.append(f"{parent_type.name}.{field_nodes[0].name.value}")
        return build(self, field_def, field_nodes, parent_type, path)

    monkeypatch.setattr(ScalarShortcutExecutionContext, "build_resolve_info", counting)
    assert schema.execution_context_class is ScalarShortcutExecutionContext

    # when: the same page with one scalar of each job, then with eight
    few = "{ jobs(first: 5) { edges { node { id } } } }"
    many = "{ jobs(first: 5) { edges { cursor node { id title city district salaryMin salaryMax postedOn status } } } }"
    counts = []
    for query in (few, many):
        built.clear()
        body = anonymous_api_client.execute(query)
        assert len(body["data"]["jobs"]["edges"]) == 5
        counts.append(len(built))

    # then: only the object fields needed one (the connection, its list of edges, each edge's node)
    assert counts == [1 + 1 + 5, 1 + 1 + 5], built
