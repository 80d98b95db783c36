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
- A list without a size argument counts as its bound: the most items it ever holds, declared in
  :data:`LIST_BOUNDS` (``DEFAULT_LIST_BOUND``, 100, for a list not named there). The bound is a true
  upper bound: the execution context (:mod:`api.graphql.execution`) hands on at most that many items,
  so the requested cost never undercounts what runs. A list of records (objects whose fields are all
  scalars or enums: a score's criteria, a user error) costs nothing, like a list of scalars: its
  values come with the object that holds it, at most its bound of them.
- Each top-level mutation field costs 10 points, plus what its payload's fields cost.
- Fragments and inline fragments count like the fields they hold, with ``@skip``/``@include``
  applied and fields of the same response key merged; an interface or union costs as much as its
  most expensive possible type.
- Introspection (``__schema``, ``__type`` and all under them) is free, like ``__typename``: its
  answer comes from the schema, not the database, and is bounded by the schema's size (30 aliases
  at most); production mode turns it off.

So ``jobs(first: 20) { edges { node { title employer { legalName } } } }`` costs
1 (the connection) + 20 x (1 edge + 1 job + 1 employer) = 61 points.

The actual cost is the same model applied to the data returned: lists count the items they hold
and null objects nothing, so a page shorter than asked costs less. Points between the requested
and the actual cost are given back to the client's bucket; the actual cost is never above the
requested one.
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
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from graphql import (
    ArgumentNode,
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
    ListValueNode,
    NamedTypeNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
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

__all__ = [
    "DEFAULT_LIST_BOUND",
    "LIST_BOUNDS",
    "MUTATION_COST",
    "CostPlan",
    "QueryCost",
    "QueryCostCalculator",
    "cost_plan",
    "list_bound",
    "retry_after_header",
]

MUTATION_COST = 10
OBJECT_COST = 1
SIZE_ARGUMENTS = ("first", "limit")
MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"
THROTTLED = "THROTTLED"


# The most items a list without a size argument holds, by (type, field); the execution context cuts a longer
# one to this (and logs it), so the cost never undercounts. Where input validation caps the list, the cap.
DEFAULT_LIST_BOUND = 100
USER_ERRORS_BOUND = 20  # every payload's userErrors
LIST_BOUNDS: dict[tuple[str, str], int] = {
    ("ApplicantMatch", "explanation"): 20,
    ("ApplicantMatch", "matchedSkills"): 100,  # as CandidateMatch's
    ("Application", "history"): 50,
    ("AssignmentResult", "assignments"): 100,
    ("AssignmentResult", "loads"): 50,
    ("AssignmentResult", "shortfalls"): 100,
    ("AssignmentResult", "rejected"): 50,
    ("AssignmentResult", "conflicts"): 50,
    ("CandidateMatch", "explanation"): 20,
    ("CandidateMatch", "matchedSkills"): 100,  # a job's required skills (services.talents.MAX_SKILLS)
    ("Competition", "rounds"): 10,
    ("Competition", "criteria"): 20,
    ("Competition", "awardTiers"): 20,
    ("CreditImportReport", "rows"): 200,
    ("CreditMatchReview", "candidates"): 5,  # services.credit: the five best name matches
    ("Enterprise", "creditHistory"): 50,
    ("EnterpriseCredit", "reasons"): 50,
    ("Entry", "team"): 10,  # services.cup.MAX_MEMBERS
    ("Entry", "rounds"): 10,
    ("EntryJudges", "judges"): 20,  # services.cup.MAX_PER_ENTRY
    ("FinancingCandidate", "explanation"): 20,
    ("FinancingCandidate", "sizing"): 20,
    ("FinancingOffer", "explanation"): 20,
    ("FinancingOffer", "sizing"): 20,
    ("IdentityLink", "evidence"): 20,
    ("ImportInvitationsPayload", "rows"): 200,
    ("Job", "languages"): 20,
    ("JobMatch", "explanation"): 20,
    ("JobMatch", "matchedSkills"): 100,
    ("Leaderboard", "rows"): 100,  # the whole round: exports/competitions/{id}/leaderboard.csv
    ("Leaderboard", "whatIf"): 3,  # one per aggregation method
    ("LeaderboardRow", "criterionMeans"): 20,
    ("MergeTalentsPayload", "moved"): 30,
    ("MergeTalentsPayload", "dropped"): 30,
    ("Round", "scores"): 300,
    ("Score", "criteria"): 20,
    ("Score", "history"): 50,
    ("Talent", "education"): 20,  # services.talents: at most 20 entries
    ("Talent", "languages"): 20,
    ("TalentDuplicate", "evidence"): 20,
    ("WhatIf", "rows"): 100,
}


def list_bound(type_name: str, field_name: str) -> int:
    """The most items the list ``type_name.field_name`` (one without a size argument) holds."""
    if field_name == "userErrors":
        return USER_ERRORS_BOUND
    return LIST_BOUNDS.get((type_name, field_name), DEFAULT_LIST_BOUND)


def _is_record(item_type: GraphQLNamedType) -> bool:
    """An object type whose fields are all scalars or enums (or lists of them)."""
    return isinstance(item_type, GraphQLObjectType) and not any(
        is_composite_type(get_named_type(f.type)) for f in item_type.fields.values()
    )


FieldGroups = dict[str, list[FieldNode]]
# How to cost the objects a selection returns: per possible type, the response keys an object of that type has
# (None when the selection's type is an object type: no choice to make) and its fields that return objects.
ObjectPlan = tuple[tuple[frozenset[str] | None, "FieldPlans"], ...]
# Fields that return objects: (response key, whether it is a list, how to cost each object it returns).
FieldPlans = tuple[tuple[str, bool, ObjectPlan], ...]

# Operations remembered (by schema, document text and operation name), and cost plans remembered per operation
# (by the values of the variables the cost depends on); the oldest entry goes when a table is full.
MAX_CACHED_OPERATIONS = 1024
MAX_PLANS_PER_OPERATION = 64
_ABSENT: Any = object()
_INCLUSION_DIRECTIVES = frozenset({GraphQLSkipDirective.name, GraphQLIncludeDirective.name})


@dataclass(frozen=True, slots=True)
class CostPlan:
    """The cost of one operation for given variables: requested, and the plan that costs its result.

    Made by :meth:`QueryCostCalculator.plan`; it holds no data of a request, so one plan serves every
    request of the same document, operation and values of the variables the cost depends on.
    """

    requested: int
    subscription: bool
    base: int
    per_root_object: int
    root: FieldPlans

    def actual(self, data: Mapping[str, Any]) -> int:
        """The cost of ``data``, the operation's result: page sizes as returned."""
        return self.base + _fields_cost(self.root, data, self.per_root_object)


def _fields_cost(fields: FieldPlans, data: Mapping[str, Any], per_object: int) -> int:
    cost = 0
    for key, is_list, plan in fields:
        value = data.get(key)
        if value is None:
            continue
        if not is_list:
            cost += per_object + _object_cost(plan, value)
            continue
        for item in value:
            if isinstance(item, list):  # a list of lists
                cost += sum(per_object + _object_cost(plan, i) for i in _flatten(item) if i is not None)
            elif item is not None:
                cost += per_object + _object_cost(plan, item)
    return cost


def _object_cost(plan: ObjectPlan, data: Mapping[str, Any]) -> int:
    """What an object's fields cost; for an interface or union, as the possible type whose keys it has."""
    best = 0
    for keys, fields in plan:
        if keys is not None and keys != data.keys():
            continue
        best = max(best, _fields_cost(fields, data, OBJECT_COST))
    return best


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
        self._object_plans: dict[tuple[tuple[int, ...], str, bool], ObjectPlan] = {}

    def plan(self) -> CostPlan:
        """The requested cost (page sizes as asked) and the plan that costs a result, from the document alone."""
        groups: FieldGroups = {}
        self._collect(self.operation.selection_set, self.root, groups, set())
        # A mutation's top-level fields cost MUTATION_COST each, whatever they return, and their objects nothing.
        mutation = self.operation.operation is OperationType.MUTATION
        base, per_object = (MUTATION_COST, 0) if mutation else (0, OBJECT_COST)
        requested = sum(
            self._field_cost(self.root, nodes, None, base=base, per_object=per_object) for nodes in groups.values()
        )
        return CostPlan(
            requested=requested,
            subscription=self.operation.operation is OperationType.SUBSCRIPTION,
            base=base * len(groups),
            per_root_object=per_object,
            root=self._field_plans(self.root, groups),
        )

    def _field_plans(self, parent: GraphQLObjectType, groups: FieldGroups, *, sized: bool = False) -> FieldPlans:
        """The fields of ``groups`` that return objects (scalars, ``__typename`` and lists of records are free);
        ``sized``: ``parent`` is a connection with a page size, which its lists take."""
        plans = []
        for key, nodes in groups.items():
            name = nodes[0].name.value
            field = parent.fields.get(name)
            if field is None:  # __typename, or introspection
                continue
            item_type = get_named_type(field.type)
            if is_composite_type(item_type):
                is_list = is_list_type(get_nullable_type(field.type))
                has_size = any(a in field.args for a in SIZE_ARGUMENTS)
                if is_list and not has_size and not sized and _is_record(item_type):
                    continue
                plans.append((key, is_list, self._object_plan(nodes, item_type, sized=has_size and not is_list)))
        return tuple(plans)

    def _object_plan(self, nodes: list[FieldNode], parent: GraphQLNamedType, *, sized: bool = False) -> ObjectPlan:
        memo_key = (tuple(map(id, nodes)), parent.name, sized)
        known = self._object_plans.get(memo_key)
        if known is not None:
            return known
        abstract = is_abstract_type(parent)
        candidates = self.schema.get_possible_types(parent) if abstract else [parent]  # type: ignore[arg-type]
        plan = []
        for object_type in cast(list[GraphQLObjectType], candidates):
            groups: FieldGroups = {}
            for node in nodes:
                if node.selection_set is not None:
                    self._collect(node.selection_set, object_type, groups, set())
            # The returned object's keys are exactly the fields collected for its runtime type.
            plan.append((frozenset(groups) if abstract else None, self._field_plans(object_type, groups, sized=sized)))
        self._object_plans[memo_key] = tuple(plan)
        return self._object_plans[memo_key]

    def _field_cost(
        self,
        parent: GraphQLObjectType,
        nodes: list[FieldNode],
        inherited_size: int | None,
        *,
        base: int = 0,
        per_object: int = OBJECT_COST,
    ) -> int:
        """``base`` plus, for each object the field asks for, ``per_object`` and its own fields' cost."""
        name = nodes[0].name.value
        field = parent.fields.get(name)
        if field is None:  # __typename, or introspection
            return base
        item_type = get_named_type(field.type)
        if not is_composite_type(item_type):
            return base
        size = self._page_size(field, nodes[0])
        if is_list_type(get_nullable_type(field.type)):
            if size is None and inherited_size is None:
                if _is_record(item_type):
                    return base  # a list of records costs nothing, like a list of scalars
                size = list_bound(parent.name, name)
            items = size if size is not None else inherited_size
            assert items is not None
            return base + items * (per_object + self._selection_cost(nodes, item_type, None))
        return base + per_object + self._selection_cost(nodes, item_type, size)

    def _selection_cost(self, nodes: list[FieldNode], parent: GraphQLNamedType, size: int | None) -> int:
        """What the fields selected under ``nodes`` cost; for an interface or union, its costliest type."""
        memo_key = (tuple(map(id, nodes)), parent.name, size)
        if memo_key in self._planned:
            return self._planned[memo_key]
        candidates = self.schema.get_possible_types(parent) if is_abstract_type(parent) else [parent]  # type: ignore[arg-type]
        best = 0
        for object_type in cast(list[GraphQLObjectType], candidates):
            groups: FieldGroups = {}
            for node in nodes:
                if node.selection_set is not None:
                    self._collect(node.selection_set, object_type, groups, set())
            cost = sum(self._field_cost(object_type, field_nodes, size) for field_nodes in groups.values())
            best = max(best, cost)
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


@dataclass(frozen=True, slots=True)
class _Operation:
    """An operation of a document, with the variables its cost depends on and its plans by their values."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    cost_variables: tuple[str, ...]
    plans: dict[tuple[Any, ...], CostPlan] = field(default_factory=dict)

    @classmethod
    def of(cls, document: DocumentNode, operation_name: str | None) -> _Operation | None:
        """The operation ``operation_name`` names (the only one when None), or None when there is none such."""
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        return cls(operation, fragments, _cost_variables(operation, fragments))


_operations: dict[tuple[GraphQLSchema, str, str | None], _Operation] = {}


def _remember(table: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    if len(table) >= limit:
        table.pop(next(iter(table)), None)
    table[key] = value


def cost_plan(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    query: str | None = None,
    operation_name: str | None = None,
    variables: dict[str, Any] | None = None,
) -> CostPlan | None:
    """The cost plan of an operation of a validated ``document``; None when the operation or its variables are
    not valid (execution reports why, before any resolver runs).

    With ``query``, the text ``document`` was parsed from, the plan is kept: per document and operation, and
    per values of the variables the cost depends on (those of ``first``/``limit`` arguments and of
    ``@skip``/``@include``). The variables are coerced on every call, so invalid ones are never costed.
    """
    operation_key = (schema, query, operation_name) if query is not None else None
    known = _operations.get(operation_key) if operation_key is not None else None
    if known is None:
        known = _Operation.of(document, operation_name)
        if known is None:
            return None
        if operation_key is not None:
            _remember(_operations, operation_key, known, MAX_CACHED_OPERATIONS)
    coerced = get_variable_values(schema, known.operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None
    values = tuple(coerced.coerced.get(name, _ABSENT) for name in known.cost_variables)
    try:
        plan = known.plans.get(values)
    except TypeError:  # an unhashable value: cost this request alone
        return QueryCostCalculator(schema, known.operation, known.fragments, coerced).plan()
    if plan is None:
        plan = QueryCostCalculator(schema, known.operation, known.fragments, coerced).plan()
        if operation_key is not None:
            _remember(known.plans, values, plan, MAX_PLANS_PER_OPERATION)
    return plan


def _cost_variables(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[str, ...]:
    """The variables the cost may depend on: those in size arguments and in ``@skip``/``@include``."""
    names: dict[str, None] = {}

    def arguments(nodes: Iterable[ArgumentNode], relevant: Iterable[str] | None) -> None:
        for argument in nodes:
            if relevant is None or argument.name.value in relevant:
                names.update(dict.fromkeys(_variables_in(argument.value)))

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value in _INCLUSION_DIRECTIVES:
                    arguments(directive.arguments or (), None)
            if isinstance(selection, FieldNode):
                arguments(selection.arguments or (), SIZE_ARGUMENTS)
            if isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set is not None:
                walk(selection.selection_set)

    walk(operation.selection_set)
    for fragment in fragments.values():
        walk(fragment.selection_set)
    return tuple(names)


def _variables_in(value: ValueNode) -> Iterator[str]:
    if isinstance(value, VariableNode):
        yield value.name.value
    elif isinstance(value, ListValueNode):
        for item in value.values:
            yield from _variables_in(item)
    elif isinstance(value, ObjectValueNode):
        for object_field in value.fields:
            yield from _variables_in(object_field.value)


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
        plan = cost_plan(
            execution_context.schema._schema,
            execution_context.graphql_document,
            query=execution_context.query,
            operation_name=execution_context.operation_name,
            variables=execution_context.variables,
        )
        if plan is None:  # invalid variables: execution refuses them without running anything
            yield
            return
        self.requested = plan.requested
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
        if plan.subscription or not (isinstance(result, ExecutionResult) and result.data is not None):
            self.actual = self.requested
            return
        self.actual = plan.actual(result.data)
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
