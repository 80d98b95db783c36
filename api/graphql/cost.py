"""Query cost analysis and throttling, in the manner of Shopify's and GitHub's APIs.

Every operation gets a cost in points, calculated from the validated document before anything
runs, and every response reports it in ``extensions.cost``.

The cost model
--------------
- A field of an object, interface or union type costs 1 point per object it returns; a scalar or
  enum field costs nothing (its value comes with the object that holds it).
- A field with a ``first`` or ``limit`` argument asks for that many objects: a list field with it
  (``resolveEnterprise(limit: 5)``) costs that many times one item; a connection with it hands
  the size to the lists right under it (``edges``, ``nodes``), while ``pageInfo`` stays one object.
  Omitted or null, the size is the argument's default (20 for every connection); variables are
  resolved. Sizes over 100 count as 100: the field refuses them (``BAD_USER_INPUT``) before reading.
- A list without a size argument counts as one item: such lists are short by design (an
  application's history, a competition's prizes); the actual cost counts them as they are.
- Each top-level mutation field costs 10 points, plus what its payload's fields cost.
- Fragments and inline fragments count like the fields they hold, with ``@skip``/``@include``
  applied and fields of the same response key merged; an interface or union costs as much as its
  most expensive possible type.
- Introspection fields cost like any other; ``__typename`` is free.

So ``jobs(first: 20) { edges { node { title employer { legalName } } } }`` costs
1 (the connection) + 20 x (1 edge + 1 job + 1 employer) = 61 points.

The actual cost is the same model applied to the data returned: lists count the items they hold
and null objects nothing, so a page shorter than asked costs less. Points between the requested
and the actual cost are given back to the client's bucket; a list without a size argument that
returns more than one item is reported as it is but not charged beyond the requested cost.
Operations refused before execution have an actual cost of 0; a subscription's actual cost is its
requested cost, charged once when it starts.

Refusals (``data: null``, HTTP 200, before any resolver runs)
------------------------------------------------------------
- ``MAX_COST_EXCEEDED``: the requested cost is over ``GUILU_MAX_QUERY_COST`` (or the bucket's
  capacity, when smaller).
- ``THROTTLED``: the client's bucket (see :mod:`api.throttle`) holds fewer points than the
  requested cost; ``extensions.retryAfterSeconds`` and the ``Retry-After`` header say how long to wait.

A client is its account when signed in, its address otherwise.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionNode,
    SelectionSetNode,
    TypeMetaFieldDef,
    get_argument_values,
    get_directive_values,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    get_variable_values,
    is_abstract_type,
    is_composite_type,
    is_list_type,
)
from graphql.execution.values import VariableValues
from strawberry.extensions import SchemaExtension

from api.graphql.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from api.throttle import Throttle, ThrottleStatus

if TYPE_CHECKING:
    from api.graphql.context import Context

__all__ = ["MUTATION_COST", "QueryCost", "QueryCostCalculator", "retry_after_header"]

MUTATION_COST = 10
OBJECT_COST = 1
SIZE_ARGUMENTS = ("first", "limit")
MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"
THROTTLED = "THROTTLED"

# Stands for "no data: plan from the document" where a walk would otherwise follow returned data.
_PLANNED: Any = object()
_META_FIELDS: dict[str, GraphQLField] = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}

FieldGroups = dict[str, list[FieldNode]]


class QueryCostCalculator:
    """The requested and actual cost of one operation of a validated document.

    Parameters
    ----------
    schema
        The GraphQL schema the document was validated against.
    operation
        The operation to cost.
    fragments
        The document's fragment definitions by name.
    variables
        The operation's coerced variables.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.variables = variables
        root = schema.get_root_type(operation.operation)
        if root is None:
            raise ValueError(f"the schema has no {operation.operation.value} type")
        self.root = root
        self._planned: dict[tuple[tuple[int, ...], str, int | None], int] = {}

    @classmethod
    def for_document(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        *,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
    ) -> QueryCostCalculator | None:
        """The calculator for an operation of ``document``; None when the operation or its variables
        are not valid (execution reports why, before any resolver runs)."""
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return None
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        return cls(schema, operation, fragments, coerced)

    def requested(self) -> int:
        """The cost planned from the document: page sizes as asked."""
        return self._root_cost(_PLANNED)

    def actual(self, data: Mapping[str, Any]) -> int:
        """The cost of ``data``, the operation's result: page sizes as returned."""
        return self._root_cost(data)

    def _root_cost(self, data: Any) -> int:
        groups: FieldGroups = {}
        self._collect(self.operation.selection_set, self.root, groups, set())
        mutation = self.operation.operation is OperationType.MUTATION
        base, per_object = (MUTATION_COST, 0) if mutation else (0, OBJECT_COST)
        return sum(
            self._field_cost(self.root, nodes, None, _value_at(data, key), base=base, per_object=per_object)
            for key, nodes in groups.items()
        )

    def _field_cost(
        self,
        parent: GraphQLObjectType,
        nodes: list[FieldNode],
        inherited_size: int | None,
        value: Any,
        *,
        base: int = 0,
        per_object: int = OBJECT_COST,
    ) -> int:
        """``base`` plus, for each object the field returns, ``per_object`` and its own fields' cost."""
        name = nodes[0].name.value
        field = _META_FIELDS.get(name) or parent.fields.get(name)
        if field is None:  # __typename
            return base
        item_type = get_named_type(field.type)
        if not is_composite_type(item_type):
            return base
        size = self._page_size(field, nodes[0])
        if is_list_type(get_nullable_type(field.type)):
            child_size = None
            if value is _PLANNED:
                items = size if size is not None else inherited_size if inherited_size is not None else 1
                return base + items * (per_object + self._selection_cost(nodes, item_type, None, _PLANNED))
            objects = [item for item in _flatten(value) if item is not None]
        else:
            child_size = size
            if value is _PLANNED:
                return base + per_object + self._selection_cost(nodes, item_type, size, _PLANNED)
            objects = [] if value is None else [value]
        return base + sum(per_object + self._selection_cost(nodes, item_type, child_size, item) for item in objects)

    def _selection_cost(self, nodes: list[FieldNode], parent: GraphQLNamedType, size: int | None, data: Any) -> int:
        """What the fields selected under ``nodes`` cost; for an interface or union, its costliest type."""
        memo_key = (tuple(map(id, nodes)), parent.name, size)
        if data is _PLANNED and memo_key in self._planned:
            return self._planned[memo_key]
        candidates = self.schema.get_possible_types(parent) if is_abstract_type(parent) else [parent]  # type: ignore[arg-type]
        best = 0
        for object_type in cast(list[GraphQLObjectType], candidates):
            groups: FieldGroups = {}
            for node in nodes:
                if node.selection_set is not None:
                    self._collect(node.selection_set, object_type, groups, set())
            # The returned object's keys are exactly the fields collected for its runtime type.
            if data is not _PLANNED and is_abstract_type(parent) and groups.keys() != data.keys():
                continue
            cost = sum(
                self._field_cost(object_type, field_nodes, size, _value_at(data, key))
                for key, field_nodes in groups.items()
            )
            best = max(best, cost)
        if data is _PLANNED:
            self._planned[memo_key] = best
        return best

    def _collect(
        self, selection_set: SelectionSetNode, object_type: GraphQLObjectType, into: FieldGroups, seen: set[str]
    ) -> None:
        """Group the fields ``selection_set`` selects on ``object_type`` by response key, through fragments."""
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                into.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, object_type):
                    self._collect(selection.selection_set, object_type, into, seen)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or fragment.name.value in seen:
                    continue
                seen.add(fragment.name.value)
                if self._applies(fragment.type_condition, object_type):
                    self._collect(fragment.selection_set, object_type, into, seen)

    def _included(self, selection: SelectionNode) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, selection, self.variables)
        if skip is not None and skip["if"] is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, selection, self.variables)
        return include is None or include["if"] is not False

    def _applies(self, condition: NamedTypeNode | None, object_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        condition_type = self.schema.get_type(condition.name.value)
        if condition_type is object_type:
            return True
        return is_abstract_type(condition_type) and self.schema.is_sub_type(condition_type, object_type)  # type: ignore[arg-type]

    def _page_size(self, field: GraphQLField, node: FieldNode) -> int | None:
        """The page size a field asks for (its default when omitted or null); None without a size argument."""
        argument = next((name for name in SIZE_ARGUMENTS if name in field.args), None)
        if argument is None:
            return None
        value = get_argument_values(field, node, self.variables).get(argument)
        # Larger pages are refused as BAD_USER_INPUT by the field itself, before it reads anything.
        return DEFAULT_PAGE_SIZE if value is None else min(max(0, int(value)), MAX_PAGE_SIZE)


def _value_at(data: Any, key: str) -> Any:
    return _PLANNED if data is _PLANNED else data.get(key)


def _flatten(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def _coded_error(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


class QueryCost(SchemaExtension):
    """Costs each operation before it runs, refuses it over the maximum or when the client's bucket is
    short, gives back unused points after, and reports ``extensions.cost`` on every response."""

    def __init__(self, *, execution_context: Any = None) -> None:
        self.requested = 0
        self.actual = 0
        self.status: ThrottleStatus | None = None

    @property
    def _context(self) -> Context:
        return cast("Context", self.execution_context.context)

    @property
    def _throttle(self) -> Throttle:
        return cast(Throttle, self._context.request.app.state.query_throttle)

    def _client_key(self) -> str:
        context = self._context
        if context.viewer is not None:
            return f"account:{context.viewer.id}"
        client = context.request.client
        return f"address:{client.host if client is not None else 'unknown'}"

    async def on_execute(self) -> AsyncIterator[None]:
        execution_context = self.execution_context
        assert execution_context.graphql_document is not None
        calculator = QueryCostCalculator.for_document(
            execution_context.schema._schema,
            execution_context.graphql_document,
            operation_name=execution_context.operation_name,
            variables=execution_context.variables,
        )
        if calculator is None:  # invalid variables: execution refuses them without running anything
            yield
            return
        self.requested = calculator.requested()
        throttle = self._throttle
        maximum = min(self._context.settings.max_query_cost, throttle.capacity)
        if self.requested > maximum:
            raise _coded_error(
                f"this query costs {self.requested} points, over the maximum of {maximum}: "
                "ask for smaller pages (first/limit) or fewer fields",
                MAX_COST_EXCEEDED,
            )
        key = self._client_key()
        self.status = await throttle.take(key, self.requested)
        if not self.status.allowed:
            wait = self.status.seconds_until(self.requested)
            raise _coded_error(
                f"throttled: this query costs {self.requested} points and {math.floor(self.status.available)} are "
                f"available; retry in {wait:.1f} s ({throttle.restore_rate:g} points are restored per second)",
                THROTTLED,
                retryAfterSeconds=max(1, math.ceil(wait)),
            )
        yield
        result = execution_context.result
        if calculator.operation.operation is OperationType.SUBSCRIPTION or not (
            isinstance(result, ExecutionResult) and result.data is not None
        ):
            self.actual = self.requested
            return
        self.actual = calculator.actual(result.data)
        if self.actual < self.requested:
            self.status = await throttle.take(key, self.actual - self.requested)

    async def get_results(self) -> dict[str, Any]:
        if self.status is None:  # refused or invalid before taking anything: report the bucket as it is
            self.status = await self._throttle.take(self._client_key(), 0)
        return {
            "cost": {
                "requestedQueryCost": self.requested,
                "actualQueryCost": self.actual,
                "throttleStatus": {
                    "maximumAvailable": self.status.capacity,
                    "currentlyAvailable": math.floor(self.status.available),
                    "restoreRate": self.status.restore_rate,
                },
            }
        }


def retry_after_header(response_data: Mapping[str, Any]) -> str | None:
    """The ``Retry-After`` value (seconds) for a throttled GraphQL response, None for any other."""
    for error in response_data.get("errors") or ():
        extensions = error.get("extensions") or {}
        if extensions.get("code") == THROTTLED:
            return str(extensions["retryAfterSeconds"])
    return None
