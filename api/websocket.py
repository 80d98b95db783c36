"""GraphQL over a websocket (graphql-transport-ws, the only subprotocol served) with the rules HTTP keeps.

- The token comes in the ``connection_init`` payload (``{"Authorization": "Bearer <token>"}``); a bad one closes
  the socket with 4403, none leaves it anonymous.
- It is checked again, with its account reloaded, on every ``subscribe`` and before every result delivered
  (``next``): once it has expired, or its account logged out everywhere (``tokens_valid_after``) or is gone, the
  socket closes with 4401. A timer also closes it at the token's ``exp``, with no message needed.
- Only subscriptions run here; a query or a mutation gets an ``error`` message ``OPERATION_NOT_ALLOWED`` (send
  them over HTTP, where the cost, the time limit and the status codes apply).
- With trusted documents configured, a ``subscribe`` payload names its document by ``documentId`` (or Apollo's
  ``extensions.persistedQuery``) or sends the exact text of a manifest entry, as over HTTP; anything else gets an
  ``error`` message with the same code as over HTTP.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    Message,
    SubscribeMessage,
)

from api.config import Settings
from api.graphql.context import Context
from api.graphql.schema import MAX_TOKENS
from api.services.accounts import account_for_token, decode_access_token
from api.services.errors import ErrorCode, ServiceError
from api.transport import RequestRefused

__all__ = ["OPERATION_NOT_ALLOWED", "SocketToken", "SubscriptionsOnlyHandler", "authenticate_socket"]

OPERATION_NOT_ALLOWED = "OPERATION_NOT_ALLOWED"
UNAUTHORIZED = 4401  # graphql-transport-ws: the client must authenticate (again)
_MAX_CLOSE_REASON = 120  # a close frame's reason holds at most 123 bytes

# Turns a subscribe payload's query, documentId and extensions into the document to run (the view's trusted
# documents rule); raises RequestRefused.
TrustedQuery = Callable[[str | None, str | None, dict[str, Any] | None], str | None]


@dataclass(frozen=True, slots=True)
class SocketToken:
    """The access token a socket was opened with, and when it expires (Unix time)."""

    token: str
    expires_at: float


def authenticate_socket(context: Context, settings: Settings) -> None:
    """Sign the socket in from its ``connection_init`` payload: the viewer, and the token kept for the checks.

    Raises
    ------
    ConnectionRejectionError
        For a malformed, bad, expired or revoked token (strawberry closes the socket with 4403).
    """
    header = (context.connection_params or {}).get("Authorization")
    if header is None:
        return
    scheme, _, token = str(header).partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise ServiceError("the Authorization value must read: Bearer <token>", code=ErrorCode.UNAUTHENTICATED)
        claims = decode_access_token(token.strip(), secret=settings.signing_secret())
        context.viewer = account_for_token(context.session, claims)
    except ServiceError as error:
        raise ConnectionRejectionError({"message": error.message, "code": error.code.value}) from None
    context.request.scope.setdefault("state", {})["socket_token"] = SocketToken(
        token.strip(), claims.expires_at.timestamp()
    )


def _socket_token(context: Context) -> SocketToken | None:
    token: SocketToken | None = context.request.scope.get("state", {}).get("socket_token")
    return token


def recheck_viewer(context: Context, settings: Settings) -> ServiceError | None:
    """The refusal of a signed-in socket's token now (expired, or cut by ``logOutEverywhere``), or None.

    The account is read again, so the viewer is as the database holds it now; an anonymous socket stays anonymous.
    """
    token = _socket_token(context)
    if token is None:
        return None
    try:
        claims = decode_access_token(token.token, secret=settings.signing_secret())
        if context.viewer is not None:
            context.session.expire(context.viewer)  # the next read of the account goes to the database
        context.viewer = account_for_token(context.session, claims)
    except ServiceError as error:
        return error
    return None


def subscription_query(payload: dict[str, Any], trusted_query: TrustedQuery) -> str | None:
    """The document a ``subscribe`` payload runs, when it is a subscription the trusted documents allow.

    A document that does not parse, or names no operation of its own, is returned as it is: strawberry answers
    it as it always does (closing the socket with 4400).

    Raises
    ------
    RequestRefused
        For a parameter of the wrong type, a document the trusted documents refuse, or a query or mutation.
    """
    for name, kind in (("query", str), ("documentId", str), ("operationName", str), ("extensions", dict)):
        if not isinstance(payload.get(name), (kind, type(None))):
            expected = "a string" if kind is str else "an object"
            raise RequestRefused(400, f"`{name}` must be {expected} or null", code="BAD_REQUEST")
    query = trusted_query(payload.get("query"), payload.get("documentId"), payload.get("extensions"))
    if query is None:
        raise RequestRefused(400, "no GraphQL query found in the message", code="BAD_REQUEST")
    try:
        operation = get_operation_ast(parse(query, max_tokens=MAX_TOKENS), payload.get("operationName"))
    except GraphQLError:
        return query
    if operation is not None and operation.operation is not OperationType.SUBSCRIPTION:
        raise RequestRefused(
            400,
            f"only subscriptions run over the websocket: send this {operation.operation.value} over HTTP "
            "(POST /graphql)",
            code=OPERATION_NOT_ALLOWED,
        )
    return query


class SubscriptionsOnlyHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler with the checks of this module's docstring."""

    _expiry: asyncio.Task[None] | None = None

    @property
    def _settings(self) -> Settings:
        settings: Settings = self.view.settings  # type: ignore[attr-defined]
        return settings

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        token = _socket_token(self.context)
        if self.connection_acknowledged and token is not None and self._expiry is None:
            self._expiry = asyncio.create_task(self._close_at(token.expires_at))
            self._expiry.add_done_callback(self._task_done)

    async def _close_at(self, moment: float) -> None:
        await asyncio.sleep(max(0.0, moment - time.time()))
        await self._close_unauthorized(ServiceError("the access token has expired; log in again"))

    async def _close_unauthorized(self, error: ServiceError) -> None:
        await self.websocket.close(code=UNAUTHORIZED, reason=error.message[:_MAX_CLOSE_REASON])

    async def shutdown(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            with suppress(asyncio.CancelledError):
                await self._expiry
        await super().shutdown()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        if not self.connection_acknowledged or message.get("id") in self.operations or not isinstance(payload, dict):
            await super().handle_subscribe(message)  # closes the socket, as the protocol says
            return
        if (refusal := recheck_viewer(self.context, self._settings)) is not None:
            await self._close_unauthorized(refusal)
            return
        try:
            query = subscription_query(dict(payload), self.view.trusted_query)  # type: ignore[attr-defined]
        except RequestRefused as refused:
            error = GraphQLError(refused.reason, extensions={"code": refused.code})
            await self.send_message(ErrorMessage(id=message["id"], type="error", payload=[error.formatted]))
            return
        await super().handle_subscribe({**message, "payload": {**payload, "query": query}})  # type: ignore[typeddict-item]

    async def send_message(self, message: Message) -> None:
        """Every result is delivered only while the socket's token still holds."""
        if message["type"] == "next" and (refusal := recheck_viewer(self.context, self._settings)) is not None:
            await self._close_unauthorized(refusal)
            return
        await super().send_message(message)
