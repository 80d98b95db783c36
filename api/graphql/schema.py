"""The Strawberry schema: root types, extensions, error masking."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import strawberry
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.db import DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE, database_unavailable
from api.graphql.cost import QueryCost
from api.graphql.credit import CreditMutation, CreditQuery
from api.graphql.cup import CupMutation, CupQuery, CupSubscription
from api.graphql.execution import ScalarShortcutExecutionContext
from api.graphql.financing import FinancingMutation, FinancingQuery
from api.graphql.headhunting import HeadhuntingMutation, HeadhuntingQuery
from api.graphql.mutations import Mutation as CoreMutation
from api.graphql.queries import Query as CoreQuery
from api.graphql.scalars import SCALAR_OVERRIDES, NoControlCharacters
from api.graphql.types import Application, Enterprise, Job, Talent
from api.observability import OperationMetrics
from api.transport import request_id_of

__all__ = ["MAX_ALIASES", "MAX_QUERY_DEPTH", "MAX_TOKENS", "build_schema", "schema"]

log = logging.getLogger("guilu")

MAX_QUERY_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2_000
MASKED_MESSAGE = "Unexpected error."
# Made once: the limiters build a new rule class per instance, and the validation cache is keyed by the
# rules, so a limiter made per request would make every validation a cache miss.
DEPTH_RULES = QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules
ALIAS_RULES = MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules

# The root types, merged from each domain's query and mutation classes.
Query = merge_types("Query", (CoreQuery, FinancingQuery, CreditQuery, HeadhuntingQuery, CupQuery))
Mutation = merge_types("Mutation", (CoreMutation, FinancingMutation, CreditMutation, HeadhuntingMutation, CupMutation))
Subscription = merge_types("Subscription", (CupSubscription,))


def _should_mask(error: GraphQLError) -> bool:
    """Mask only unexpected errors: anything raised that is not a GraphQL error of ours.

    Parse and validation errors, permission refusals and our coded errors
    (:class:`api.graphql.errors.ApiError`) stay readable.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class _MaskUnexpectedErrors(MaskErrors):
    """Masks unexpected errors as ``INTERNAL_SERVER_ERROR`` with the request id; the original goes to the log.

    A database that cannot serve the request (down, restarting, locked) is said as such:
    ``DATABASE_UNAVAILABLE``, which the transport answers with HTTP 503 and ``Retry-After``.
    """

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request = getattr(self.execution_context.context, "request", None)
        request_id = request_id_of(request.scope) if request is not None else uuid.uuid4().hex
        original = error.original_error
        if database_unavailable(original):
            log.warning(
                "database unavailable at %s (request %s): %s",
                ".".join(map(str, error.path or ())) or "-",
                request_id,
                type(original).__name__,
                extra={"request_id": request_id},
            )
            return GraphQLError(
                DATABASE_UNAVAILABLE_MESSAGE,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": DATABASE_UNAVAILABLE, "requestId": request_id},
            )
        log.error(
            "unexpected error at %s (request %s)",
            ".".join(map(str, error.path or ())) or "-",
            request_id,
            exc_info=(type(original), original, original.__traceback__) if original is not None else None,
            extra={"request_id": request_id},
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        return masked


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A parsed document as a cache key: hashed and compared by its text, not by its syntax tree, which costs as
    much to hash and to compare again as a cached validation saves."""

    text: str
    document: DocumentNode = field(compare=False)


def _validate_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    # Strawberry's own rules (as in its validate_document), which has no hide_suggestions.
    return validate(
        schema, document, (*rules, MaybeNullValidationRule, OneOfInputValidationRule), hide_suggestions=hide_suggestions
    )


@lru_cache(maxsize=1024)
def _validate(
    schema: GraphQLSchema,
    parsed: _Parsed,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    return _validate_document(schema, parsed.document, rules, hide_suggestions)


class _CachedValidation(SchemaExtension):
    """Strawberry's ``ValidationCache`` with graphql-core's ``hide_suggestions`` (no "Did you mean ...?")."""

    def __init__(self, *, hide_suggestions: bool) -> None:
        self.hide_suggestions = hide_suggestions

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        schema, document, rules = context.schema._schema, context.graphql_document, context.validation_rules
        if context.query is None:  # a document given without its text: nothing to key the cache by
            context.pre_execution_errors = _validate_document(schema, document, rules, self.hide_suggestions)
        else:
            parsed = _Parsed(context.query, document)
            context.pre_execution_errors = _validate(schema, parsed, rules, self.hide_suggestions)
        yield


class _Schema(strawberry.Schema):
    """A schema whose execution (variable coercion) can also leave out suggestions."""

    def __init__(self, *args: Any, hide_suggestions: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hide_suggestions = hide_suggestions

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        # graphql-core's execute and subscribe take hide_suggestions; strawberry passes these kwargs to both.
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        kwargs["hide_suggestions"] = self.hide_suggestions
        return kwargs

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log nothing here: strawberry would log every error with its traceback, the client's mistakes and an
        outage's thousands of refusals included.  The masking extension logs what the server must hear of: each
        unexpected error once, with its traceback and request id, and a database that cannot serve in one line."""


@cache
def build_schema(*, introspection: bool = True, field_suggestions: bool = True) -> strawberry.Schema:
    """The schema as served: limits (depth, aliases, tokens), cached parsing and validation, error masking.

    Parameters
    ----------
    introspection
        Answer ``__schema`` / ``__type``; off, strawberry's ``DisableIntrospection`` refuses them.
    field_suggestions
        Keep graphql-core's "Did you mean ...?" hints in validation and variable errors.
    """
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        OperationMetrics,  # outermost: counts and times every operation, refused ones included
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=1024),
        lambda: _CachedValidation(hide_suggestions=not field_suggestions),
        lambda: AddValidationRules([*DEPTH_RULES, *ALIAS_RULES, NoControlCharacters]),
        lambda: _MaskUnexpectedErrors(should_mask_error=_should_mask, error_message=MASKED_MESSAGE),
        QueryCost,  # cost and throttling before execution, extensions.cost on every response
    ]
    if not introspection:
        extensions.insert(4, DisableIntrospection)
    return _Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Talent, Enterprise, Job, Application],
        config=StrawberryConfig(auto_camel_case=True),
        extensions=extensions,
        execution_context_class=ScalarShortcutExecutionContext,
        scalar_overrides=SCALAR_OVERRIDES,
        hide_suggestions=not field_suggestions,
    )


# The development schema, also the one exported as SDL (schema.graphql).
schema = build_schema()
