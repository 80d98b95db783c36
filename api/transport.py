"""GraphQL over HTTP: response media types, refusals with a status code, request ids and the body size cap.

Follows the GraphQL-over-HTTP draft (https://graphql.github.io/graphql-over-http/draft/).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

import orjson
from cross_web import HTTPException
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "GRAPHQL_RESPONSE_JSON",
    "JSON",
    "BodySizeLimitMiddleware",
    "RequestIdMiddleware",
    "RequestRefused",
    "error_response",
    "negotiate_media_type",
    "request_id_of",
]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class RequestRefused(HTTPException):
    """A request refused before execution, answered with a GraphQL-shaped error body.

    ``request_error`` marks a GraphQL request error on a well-formed request (e.g. a document not in the trusted
    manifest): HTTP 400 under ``application/graphql-response+json`` but 200 under legacy ``application/json``.
    Otherwise ``status_code`` is used whatever the media type.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str,
        headers: Mapping[str, str] | None = None,
        request_error: bool = False,
    ) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.headers = dict(headers or {})
        self.request_error = request_error


def negotiate_media_type(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header, or None when it allows neither (answer 406).

    Parameters
    ----------
    accept
        The header's value; None when the client sent none.

    Returns
    -------
    str | None
        ``application/graphql-response+json`` when the header is missing (the spec's rule after its 2025 watershed)
        or when it names that type at least as highly as ``application/json``; ``application/json`` when only
        wildcards (``*/*``, ``application/*``) match, so clients that name no GraphQL type keep the legacy
        always-200 behaviour; the higher ``q`` wins otherwise. A ``charset`` other than UTF-8 does not match.
    """
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE_JSON
    # For each type: (q, specificity) of the most specific range that matches it (RFC 9110, section 12.5.1).
    best: dict[str, tuple[float, int]] = {GRAPHQL_RESPONSE_JSON: (0.0, -1), JSON: (0.0, -1)}
    for part in accept.split(","):
        media_range, *params = (piece.strip() for piece in part.split(";"))
        media_range = media_range.lower()
        specificity = {"*/*": 0, "application/*": 1}.get(media_range, 2)
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"').lower()
            if name == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
            elif name == "charset" and value not in ("utf-8", "utf8"):
                quality = 0.0
        for media_type, (_, known_specificity) in list(best.items()):
            if (specificity < 2 or media_range == media_type) and specificity > known_specificity:
                best[media_type] = (quality, specificity)
    graphql_q, graphql_specificity = best[GRAPHQL_RESPONSE_JSON]
    json_q, _ = best[JSON]
    if graphql_q <= 0 and json_q <= 0:
        return None
    if graphql_q > json_q or (graphql_q == json_q and graphql_specificity == 2):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def error_response(
    status_code: int,
    message: str,
    *,
    code: str | None = None,
    media_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A GraphQL-shaped error body (no ``data`` entry: nothing was executed) with ``status_code``."""
    body = {"errors": [{"message": message, "extensions": {"code": code or _CODE_BY_STATUS.get(status_code, "ERROR")}}]}
    content_type = f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else JSON
    response = Response(orjson.dumps(body), status_code=status_code, headers=dict(headers or {}))
    response.headers["content-type"] = content_type
    return response


def request_id_of(scope: Scope) -> str:
    """The id :class:`RequestIdMiddleware` gave this request (a fresh one outside it)."""
    state = scope.setdefault("state", {})
    request_id: str = state.setdefault("request_id", uuid.uuid4().hex)
    return request_id


class RequestIdMiddleware:
    """Gives every request an id: the client's ``X-Request-ID`` when it is a sane token (at most 64 of
    ``[A-Za-z0-9._-]``), else a new uuid4 hex; kept in ``scope["state"]["request_id"]`` and sent back in the
    ``X-Request-ID`` response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        offered = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = offered if offered is not None and _SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


class _BodyTooLarge(Exception):
    """Raised from ``receive`` when a body streams past the cap."""


class BodySizeLimitMiddleware:
    """Answers 413 to a request whose body exceeds ``max_bytes``: at once from ``Content-Length``, or as soon
    as a body without one (chunked) streams past the cap, so the body is never read whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send, declared.isdigit())
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, True)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, too_large: bool) -> None:
        if too_large:
            response = error_response(413, f"the request body is larger than {self.max_bytes} bytes")
        else:
            response = error_response(400, "the Content-Length header is not a number")
        await response(scope, receive, send)
