"""Top-level GraphQL errors with a stable ``extensions.code``.

Expected errors (bad input, missing permission, unknown ID) are raised as
:class:`ApiError` and shown to the client as they are; anything else is
masked by the schema (see :mod:`api.graphql.schema`).
"""

from __future__ import annotations

from graphql import GraphQLError

__all__ = ["ApiError", "bad_input", "forbidden", "not_found", "unauthenticated"]


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
