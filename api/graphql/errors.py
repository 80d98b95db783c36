"""Top-level GraphQL errors with a stable ``extensions.code``.

Expected errors (bad input, missing permission, unknown ID) are raised as
:class:`ApiError` and shown to the client as they are; anything else is
masked by the schema (see :mod:`api.graphql.schema`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from graphql import GraphQLError

from api.services.errors import ErrorCode, ServiceError

__all__ = [
    "ApiError",
    "bad_input",
    "forbidden",
    "from_service_error",
    "not_found",
    "read_service",
    "unauthenticated",
]

T = TypeVar("T")


class ApiError(GraphQLError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def bad_input(message: str) -> ApiError:
    return ApiError(message, "BAD_USER_INPUT")


def forbidden(message: str = "you are not allowed to do this") -> ApiError:
    return ApiError(message, "FORBIDDEN")


def unauthenticated(message: str = "log in first: send Authorization: Bearer <token>") -> ApiError:
    return ApiError(message, "UNAUTHENTICATED")


def not_found(message: str) -> ApiError:
    return ApiError(message, "NOT_FOUND")


def from_service_error(error: ServiceError) -> ApiError:
    """The top-level error a query raises for a service's refusal (mutations use ``userErrors``)."""
    if error.code is ErrorCode.NOT_FOUND:
        return not_found(error.message)
    if error.code is ErrorCode.FORBIDDEN:
        return forbidden(error.message)
    if error.code is ErrorCode.UNAUTHENTICATED:
        return unauthenticated(error.message)
    return bad_input(error.message)


def read_service(work: Callable[[], T]) -> T:
    """Run a read-only service call, turning its refusal into a coded top-level error."""
    try:
        return work()
    except ServiceError as error:
        raise from_service_error(error) from None
