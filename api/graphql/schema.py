"""The Strawberry schema: root types, extensions, error masking."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaskErrors, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from api.graphql.credit import CreditMutation, CreditQuery
from api.graphql.cup import CupMutation, CupQuery, CupSubscription
from api.graphql.financing import FinancingMutation, FinancingQuery
from api.graphql.headhunting import HeadhuntingMutation, HeadhuntingQuery
from api.graphql.mutations import Mutation as CoreMutation
from api.graphql.queries import Query as CoreQuery
from api.graphql.types import Application, Enterprise, Job, Talent

__all__ = ["MAX_QUERY_DEPTH", "schema"]

MAX_QUERY_DEPTH = 12
MASKED_MESSAGE = "Unexpected error."
# Made once: QueryDepthLimiter builds a new rule class per instance, and the validation cache is keyed by the
# rules, so a limiter made per request would make every validation a cache miss.
DEPTH_RULES = QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules

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


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[Talent, Enterprise, Job, Application],
    config=StrawberryConfig(auto_camel_case=True),
    extensions=[
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        lambda: AddValidationRules(DEPTH_RULES),
        lambda: MaskErrors(should_mask_error=_should_mask, error_message=MASKED_MESSAGE),
    ],
)
