"""The ASGI application: GraphQL at /graphql (GraphiQL on GET in demo mode), streamed exports under
/exports/ and /healthz."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute, request_response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types.unset import UNSET, UnsetType

from api import exports
from api.config import Settings, get_settings
from api.db import create_db_engine
from api.graphql.context import Context
from api.graphql.schema import schema
from api.models import Account
from api.services.accounts import decode_access_token
from api.services.errors import ErrorCode, ServiceError

__all__ = ["create_app"]

log = logging.getLogger("guilu")


class BearerAuthMiddleware:
    """Reads ``Authorization: Bearer <token>``; a present but bad token gets HTTP 401 with a coded error."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"authorization")
        if header:
            scheme, _, token = header.decode("latin-1").partition(" ")
            try:
                if scheme.lower() != "bearer" or not token.strip():
                    raise ServiceError(
                        "the Authorization header must read: Bearer <token>", code=ErrorCode.UNAUTHENTICATED
                    )
                claims = decode_access_token(token.strip(), secret=self.settings.signing_secret())
            except ServiceError as error:
                body = {"data": None, "errors": [{"message": error.message, "extensions": {"code": error.code.value}}]}
                response = JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["account_id"] = claims.account_id
        await self.app(scope, receive, send)


class _TextWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go in text frames (browser clients parse text), not orjson's bytes."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GuiluGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with Guilu's per-request context, closed after the response."""

    websocket_adapter_class = _TextWebSocketAdapter

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.demo else None, allow_queries_via_get=True)
        self.engine = engine
        self.settings = settings

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        ctx = Context(request=request, settings=self.settings, engine=self.engine)
        account_id = request.scope.get("state", {}).get("account_id")
        if account_id is not None:
            ctx.viewer = ctx.session.get(Account, account_id)
        request.scope.setdefault("state", {})["guilu_context"] = ctx
        return ctx

    async def on_ws_connect(self, context: Context) -> UnsetType:  # type: ignore[override]
        """Websockets bypass the bearer middleware: the token comes in the connection_init payload,
        ``{"Authorization": "Bearer <token>"}``; without one the connection is anonymous, a bad one is refused."""
        header = (context.connection_params or {}).get("Authorization")
        if header is None:
            return UNSET
        scheme, _, token = str(header).partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise ServiceError("the Authorization value must read: Bearer <token>", code=ErrorCode.UNAUTHENTICATED)
            claims = decode_access_token(token.strip(), secret=self.settings.signing_secret())
        except ServiceError as error:
            raise ConnectionRejectionError({"message": error.message, "code": error.code.value}) from None
        context.viewer = context.session.get(Account, claims.account_id)
        return UNSET

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            ctx = scope.get("state", {}).pop("guilu_context", None)
            if ctx is not None:
                ctx.close()


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    """The Guilu ASGI app for ``settings`` (from the environment by default)."""
    settings = settings or get_settings()
    settings.signing_secret()  # refuse to start without a usable secret
    engine = engine or create_db_engine(settings.database_url)
    graphql_app = BearerAuthMiddleware(GuiluGraphQL(engine, settings), settings)
    app = Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            # Subscriptions (graphql-transport-ws); with several workers the live feed needs a shared channel.
            WebSocketRoute("/graphql", graphql_app),
            Route("/healthz", healthz, methods=["GET"]),
            # Streamed CSV / JSON Lines for lists too long for a GraphQL page (see api/exports.py).
            Route(
                "/exports/jobs/{job_id}/candidates.{format}",
                BearerAuthMiddleware(request_response(exports.candidates), settings),
                methods=["GET"],
            ),
            Route(
                "/exports/competitions/{competition_id}/leaderboard.{format}",
                BearerAuthMiddleware(request_response(exports.leaderboard), settings),
                methods=["GET"],
            ),
        ]
    )
    app.state.engine = engine
    app.state.settings = settings
    return app
