"""The ASGI application: GraphQL at /graphql (GraphiQL on GET in demo mode), streamed exports under
/exports/ and /healthz."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute, request_response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from starlette.websockets import WebSocketDisconnected as ClosedWebSocket
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from api import exports, memory, observability
from api.config import Settings, get_settings
from api.db import (
    DATABASE_RETRY_AFTER_S,
    DATABASE_UNAVAILABLE,
    DATABASE_UNAVAILABLE_MESSAGE,
    create_db_engine,
    database_unavailable,
)
from api.graphql.context import Context
from api.graphql.cost import retry_after_header
from api.graphql.schema import build_schema
from api.services.accounts import account_for_token, decode_access_token
from api.services.errors import ErrorCode, ServiceError
from api.throttle import create_throttle
from api.transport import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    BodySizeLimitMiddleware,
    RequestIdMiddleware,
    RequestRefused,
    error_response,
    negotiate_media_type,
    request_id_of,
)
from api.trusted_documents import TrustedDocuments, parse_document_id
from api.websocket import SubscriptionsOnlyHandler, authenticate_socket

__all__ = ["create_app"]

log = logging.getLogger("guilu")


def unauthenticated_response(error: ServiceError) -> JSONResponse:
    """HTTP 401 with the error in GraphQL's shape, for a missing, bad, expired or revoked token."""
    body = {"data": None, "errors": [{"message": error.message, "extensions": {"code": error.code.value}}]}
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})


class _TokenRefused(Exception):
    """A well-signed token the account refuses (issued before ``tokens_valid_after``, or account gone)."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(error.message)
        self.error = error


class BearerAuthMiddleware:
    """Reads ``Authorization: Bearer <token>``; a present but bad token gets HTTP 401 with a coded error.

    The claims go in ``scope["state"]["token_claims"]``; whoever loads the account checks them against it
    (:func:`api.services.accounts.account_for_token`), so a revoked token is refused without a second query.
    """

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
                await unauthenticated_response(error)(scope, receive, send)
                return
            state = scope.setdefault("state", {})
            state["account_id"] = claims.account_id
            state["token_claims"] = claims
        await self.app(scope, receive, send)


class _TextWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go in text frames (browser clients parse text), not orjson's bytes; a message
    for a socket the server has closed (a token expired while a message was on its way) ends the connection."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except (WebSocketDisconnect, ClosedWebSocket) as exc:
            raise WebSocketDisconnected from exc

    async def close(self, code: int, reason: str) -> None:
        """Close the socket, unless it is closed already (its token's timer and a check both found it expired)."""
        with suppress(ClosedWebSocket):
            await self.ws.close(code=code, reason=reason)


# The GraphQL-over-HTTP request parameters (plus documentId, for trusted documents) and their JSON types.
_REQUEST_PARAMETERS = (
    ("query", str),
    ("operationName", str),
    ("documentId", str),
    ("variables", dict),
    ("extensions", dict),
)


def _is_request_error(result: ExecutionResult) -> bool:
    """A GraphQL request error (parse, validation, operation or variable errors): nothing was executed, so no
    error has a path. A timeout stopped an execution, so it is not one."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None and (error.extensions or {}).get("code") != "TIMEOUT" for error in result.errors)
    )


class GuiluGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with Guilu's per-request context, closed after the response, serving GraphQL over
    HTTP as the draft spec says (media types and status codes, see the README), trusted documents and a time limit.
    """

    websocket_adapter_class = _TextWebSocketAdapter
    graphql_transport_ws_handler_class = SubscriptionsOnlyHandler

    def __init__(self, engine: Engine, settings: Settings) -> None:
        served_schema = build_schema(
            introspection=settings.introspection_enabled, field_suggestions=settings.field_suggestions_enabled
        )
        super().__init__(
            served_schema,
            graphql_ide="graphiql" if settings.demo else None,
            allow_queries_via_get=True,
            # The legacy graphql-ws protocol is not served: its handler has none of api.websocket's checks.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.engine = engine
        self.settings = settings
        self._slots = asyncio.Semaphore(_pool_capacity(engine))
        self.trusted_documents = (
            TrustedDocuments.load(settings.trusted_documents) if settings.trusted_documents else None
        )

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        ctx = Context(request=request, settings=self.settings, engine=self.engine)
        state = request.scope.setdefault("state", {})
        state["guilu_context"] = ctx
        claims = state.get("token_claims")
        if claims is not None:
            try:
                ctx.viewer = account_for_token(ctx.session, claims)
            except ServiceError as error:
                raise _TokenRefused(error) from None
        return ctx

    async def on_ws_connect(self, context: Context) -> UnsetType:  # type: ignore[override]
        """Websockets bypass the bearer middleware: the token comes in the connection_init payload (see
        :mod:`api.websocket`)."""
        authenticate_socket(context, self.settings)
        return UNSET

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if isinstance(response_data, Mapping):
            if (retry_after := retry_after_header(response_data)) is not None:
                response.headers["Retry-After"] = retry_after
            elif _database_was_unavailable(response_data):
                response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
        return response

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL for a browser's GET without an operation (neither ``query`` nor ``documentId``)."""
        return super().should_render_graphql_ide(request) and request.query_params.get("documentId") is None

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:  # type: ignore[override]
        """The operation from the query string (GET) or an ``application/json`` body (POST): one operation only
        (no batching), resolved against the trusted documents when they are configured."""
        if negotiate_media_type(request.headers.get("accept")) is None:
            raise RequestRefused(
                406, f"the Accept header allows neither {GRAPHQL_RESPONSE_JSON} nor {JSON}", code="NOT_ACCEPTABLE"
            )
        if request.method == "GET":
            data = self.parse_query_params(request.query_params)
        else:
            content_type, _ = parse_content_type(request.content_type or "")
            if content_type != JSON:
                raise RequestRefused(
                    415,
                    "send the operation as a JSON body with Content-Type: application/json",
                    code="UNSUPPORTED_MEDIA_TYPE",
                )
            data = self.parse_json(await request.get_body())
        if isinstance(data, list):
            raise RequestRefused(
                400, "query batching is not supported: send one operation per request", code="BATCHING_NOT_SUPPORTED"
            )
        if not isinstance(data, dict):
            raise RequestRefused(400, "the request body must be a JSON object", code="BAD_REQUEST")
        for name, kind in _REQUEST_PARAMETERS:
            if not isinstance(data.get(name), (kind, type(None))):
                expected = "a string" if kind is str else "an object"
                raise RequestRefused(400, f"`{name}` must be {expected} or null", code="BAD_REQUEST")
        extensions = data.get("extensions")
        return GraphQLRequestData(
            query=self.trusted_query(data.get("query"), data.get("documentId"), extensions),
            variables=data.get("variables"),
            operation_name=data.get("operationName") or None,
            extensions=extensions,
        )

    def trusted_query(
        self, query: str | None, document_id: str | None, extensions: dict[str, Any] | None
    ) -> str | None:
        """The document to run: the query as sent, or the trusted one named by ``documentId`` (or Apollo's
        ``extensions.persistedQuery.sha256Hash``); with a manifest, a query not in it is refused."""
        persisted = (extensions or {}).get("persistedQuery")
        if document_id is None and isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str):
            document_id = f"sha256:{persisted['sha256Hash']}"
        if self.trusted_documents is None:
            if query is None and document_id is not None:
                raise RequestRefused(
                    400,
                    "this server keeps no trusted documents: send the query text",
                    code="PERSISTED_QUERY_NOT_FOUND",
                    request_error=True,
                )
            return query
        if document_id is not None:
            digest = parse_document_id(document_id)
            if digest is None:
                raise RequestRefused(400, "documentId must read sha256:<64 hex digits>", code="BAD_REQUEST")
            text = self.trusted_documents.document(digest)
            if text is None:
                raise RequestRefused(
                    400, "no trusted document has this id", code="PERSISTED_QUERY_NOT_FOUND", request_error=True
                )
            if query is not None and query != text:
                raise RequestRefused(400, "the query is not the document documentId names", code="BAD_REQUEST")
            return text
        if query is not None and not self.trusted_documents.allows(query):
            raise RequestRefused(
                400,
                "only trusted documents run here: send a documentId (sha256:<hex>) from the manifest",
                code="PERSISTED_QUERY_NOT_ALLOWED",
                request_error=True,
            )
        return query

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Runs one operation within ``operation_timeout_seconds``; a mutation over GET gets 405.

        The time limit cancels the operation at its next ``await``: a synchronous resolver (or a synchronous
        database call) cannot be interrupted, so the limit is checked once it returns.
        """
        limit = self.settings.operation_timeout_seconds
        try:
            async with asyncio.timeout(limit):
                return await self.schema.execute(
                    request_data.query,
                    root_value=root_value,
                    variable_values=request_data.variables,
                    context_value=context,
                    operation_name=request_data.operation_name,
                    allowed_operation_types=OperationType.from_http(request_adapter.method),
                    operation_extensions=request_data.extensions,
                )
        except InvalidOperationTypeError as error:
            if request_adapter.method == "GET":
                raise RequestRefused(
                    405, error.as_http_error_reason("GET"), code="METHOD_NOT_ALLOWED", headers={"Allow": "POST"}
                ) from None
            raise RequestRefused(400, error.as_http_error_reason(request_adapter.method), code="BAD_REQUEST") from None
        except CannotGetOperationTypeError as error:
            return PreExecutionError(data=None, errors=[GraphQLError(error.as_http_error_reason())])
        except MissingQueryError:
            raise RequestRefused(400, "no GraphQL query found in the request", code="BAD_REQUEST") from None
        except TimeoutError:
            request_id = request_id_of(request.scope)
            log.warning(
                "operation %s stopped after %g s (request %s)",
                request_data.operation_name,
                limit,
                request_id,
                extra={"request_id": request_id},
            )
            error = GraphQLError(
                f"The operation took longer than {limit:g} s and was stopped.",
                extensions={"code": "TIMEOUT", "requestId": request_id},
            )
            return ExecutionResult(data=None, errors=[error])

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Under ``application/graphql-response+json`` a request error has no ``data`` entry and gets HTTP 400
        (500 when it was an unexpected failure); under ``application/json`` it stays 200."""
        response = await super().process_result(request, result)
        state = request.scope.setdefault("state", {})
        if _database_was_unavailable(response):
            state["graphql_status"] = 503  # under either media type: the request was not served, retry it
        if state.get("graphql_media_type") == GRAPHQL_RESPONSE_JSON and _is_request_error(result):
            response.pop("data", None)
            unexpected = any(
                (error.extensions or {}).get("code") == "INTERNAL_SERVER_ERROR" for error in result.errors or ()
            )
            state["graphql_status"] = 500 if unexpected else 400
        return response

    async def _serve_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope=scope, receive=receive)
        media_type = negotiate_media_type(request.headers.get("accept"))
        state = scope.setdefault("state", {})
        state["graphql_media_type"] = media_type
        response: Response
        try:
            response = await self.run(request)
        except RequestRefused as refused:
            status = refused.status_code
            if refused.request_error:
                status = 400 if media_type == GRAPHQL_RESPONSE_JSON else 200
            response = error_response(
                status, refused.reason, code=refused.code, media_type=media_type, headers=refused.headers
            )
        except HTTPException as error:
            response = error_response(error.status_code, error.reason, media_type=media_type)
        else:
            if response.media_type == JSON and media_type == GRAPHQL_RESPONSE_JSON:
                response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
                response.status_code = state.get("graphql_status", response.status_code)
            elif state.get("graphql_status") == 503:
                response.status_code = 503
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._serve(scope, receive, send)
            return
        # A request holds a pooled database connection while it runs; past the pool's capacity the next
        # checkout would block the whole event loop, so requests beyond it wait here, without blocking.
        async with self._slots:
            await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope["type"] == "http":
                await self._serve_http(scope, receive, send)
            else:
                await super().__call__(scope, receive, send)
        except _TokenRefused as refused:
            await unauthenticated_response(refused.error)(scope, receive, send)
        except (sa_exc.DBAPIError, sa_exc.TimeoutError) as error:
            # Raised before execution (loading the signed-in account); inside it the error mask says the same.
            if not database_unavailable(error) or scope["type"] != "http":
                raise
            log.warning("database unavailable (request %s): %s", request_id_of(scope), type(error).__name__)
            media_type = scope["state"].get("graphql_media_type", GRAPHQL_RESPONSE_JSON)
            response = error_response(
                503,
                DATABASE_UNAVAILABLE_MESSAGE,
                code=DATABASE_UNAVAILABLE,
                media_type=media_type,
                headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
            )
            await response(scope, receive, send)
        finally:
            ctx = scope.get("state", {}).pop("guilu_context", None)
            if ctx is not None:
                ctx.close()


def _database_was_unavailable(response_data: Mapping[str, Any]) -> bool:
    errors = response_data.get("errors") or ()
    return any((error.get("extensions") or {}).get("code") == DATABASE_UNAVAILABLE for error in errors)


def _pool_capacity(engine: Engine) -> int:
    """How many connections ``engine``'s pool hands out at once (a queue pool's size plus its overflow)."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        return pool.size() + max(pool._max_overflow, 0)
    return _UNBOUNDED_REQUESTS


# Requests served at once when the pool sets no bound (SQLite in memory, NullPool).
_UNBOUNDED_REQUESTS = 1_000


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def _lifespan(_app: Starlette) -> AsyncIterator[None]:
    memory.settle()  # what the worker loaded to start lives as long as it does
    yield


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    """The Guilu ASGI app for ``settings`` (from the environment by default)."""
    settings = settings or get_settings()
    settings.check_production()  # refuse demo mode and a missing or development secret in production
    settings.signing_secret()  # refuse to start without a usable secret
    engine = engine or create_db_engine(settings.database_url)
    graphql_view = GuiluGraphQL(engine, settings)
    graphql_app = BearerAuthMiddleware(graphql_view, settings)
    app = Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            # Subscriptions (graphql-transport-ws); with several workers the live feed needs a shared channel.
            WebSocketRoute("/graphql", graphql_app),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", observability.operators_only(observability.readyz), methods=["GET"]),
            Route("/metrics", observability.operators_only(observability.metrics), methods=["GET"]),
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
        ],
        lifespan=_lifespan,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.query_throttle = create_throttle(settings)  # read by api.graphql.cost.QueryCost
    # read by api.observability.OperationMetrics: with trusted documents, their operation names only
    trusted = graphql_view.trusted_documents
    app.state.operation_labels = observability.OperationLabels(trusted.operation_names() if trusted else None)
    return app
