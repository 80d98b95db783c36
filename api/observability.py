"""Observability: Prometheus metrics (``/metrics``), readiness (``/readyz``) and structured JSON logs.

Metrics (prometheus_client; with several workers set ``PROMETHEUS_MULTIPROC_DIR`` to a shared empty
directory so that ``/metrics`` of any worker reports every worker, see docs/deploy.md):

``guilu_graphql_requests_total{operation, outcome}``
    GraphQL operations by operation name and outcome (``ok`` or ``error``). The names come from a bounded set
    (:class:`OperationLabels`): ``anonymous`` when unnamed; with trusted documents, the manifest's operation
    names and ``other`` for any other; without, the first 200 distinct names a worker sees and ``other`` after.
    A name keeps only its ``[A-Za-z0-9_]`` characters, its first 64.
``guilu_graphql_request_seconds{operation}``
    Their latency (histogram).
``guilu_graphql_errors_total{code}``
    Errors by ``extensions.code`` (``NONE`` when an error has no code, e.g. a validation error).
``guilu_matching_seconds{kind}``
    Time in the matching engine: ``rank_candidates``, ``rank_applicants``, ``search_jobs``, ``resolve_enterprise``.
``guilu_index_entries{index}`` and ``guilu_index_synced_seconds{index}``
    Size of each in-memory matching index and how long ago it last caught up with the database.

``/metrics`` and ``/readyz`` are private when ``GUILU_OPS_ENDPOINTS=private`` (the default in production):
only local clients and requests bearing ``GUILU_METRICS_TOKEN`` get an answer (:func:`operators_only`).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.extensions import SchemaExtension

from api.config import Settings
from api.transport import JSON, error_response

__all__ = [
    "MAX_OPERATION_LABELS",
    "JsonFormatter",
    "OperationLabels",
    "OperationMetrics",
    "json_log_config",
    "metrics",
    "observe_matching",
    "operators_only",
    "readyz",
]

MAX_OPERATION_LABELS = 200
MAX_LABEL_LENGTH = 64
ANONYMOUS = "anonymous"
OTHER = "other"
_NOT_IN_A_LABEL = re.compile(r"[^A-Za-z0-9_]")

REQUESTS = Counter("guilu_graphql_requests_total", "GraphQL operations.", ["operation", "outcome"])
LATENCY = Histogram("guilu_graphql_request_seconds", "GraphQL operation latency.", ["operation"])
ERRORS = Counter("guilu_graphql_errors_total", "GraphQL errors by extensions.code.", ["code"])
MATCHING = Histogram("guilu_matching_seconds", "Time in the matching engine.", ["kind"])
INDEX_ENTRIES = Gauge("guilu_index_entries", "Entries of each matching index.", ["index"], multiprocess_mode="max")
INDEX_SYNCED = Gauge(
    "guilu_index_synced_seconds", "Seconds since each index caught up.", ["index"], multiprocess_mode="min"
)


@contextmanager
def observe_matching(kind: str) -> Iterator[None]:
    """Time a call into the matching engine."""
    started = time.perf_counter()
    try:
        yield
    finally:
        MATCHING.labels(kind).observe(time.perf_counter() - started)


class OperationLabels:
    """The ``operation`` label of each operation name, from a bounded set.

    Parameters
    ----------
    allowed
        The only names labelled as themselves (a trusted manifest's); None to admit names as they come, up to
        ``cap``. Any other name is labelled ``other``.
    cap
        How many names are admitted when ``allowed`` is None.
    """

    def __init__(self, allowed: Iterable[str] | None = None, *, cap: int = MAX_OPERATION_LABELS) -> None:
        self._fixed = allowed is not None
        self._names = {_as_label(name) for name in allowed or ()}
        self.cap = cap

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        label = _as_label(name)
        if label in self._names:
            return label
        if not label or self._fixed or len(self._names) >= self.cap:
            return OTHER
        self._names.add(label)
        return label


def _as_label(name: str) -> str:
    return _NOT_IN_A_LABEL.sub("", name)[:MAX_LABEL_LENGTH]


# For operations executed outside an app (a schema run directly); an app keeps its own in app.state.
_LABELS = OperationLabels()


def _labels_of(context: Any) -> OperationLabels:
    app = getattr(getattr(context, "request", None), "app", None)
    labels = getattr(getattr(app, "state", None), "operation_labels", None)
    return labels if isinstance(labels, OperationLabels) else _LABELS


class OperationMetrics(SchemaExtension):
    """Counts and times every GraphQL operation and counts its errors by code."""

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        started = time.perf_counter()
        yield
        context = self.execution_context
        operation = _labels_of(context.context).label(context.operation_name)
        result = context.result
        errors = list(getattr(result, "errors", None) or []) + list(context.pre_execution_errors or [])
        LATENCY.labels(operation).observe(time.perf_counter() - started)
        REQUESTS.labels(operation, "error" if errors else "ok").inc()
        for error in errors:
            ERRORS.labels(str((error.extensions or {}).get("code", "NONE"))).inc()


def _update_index_gauges() -> list[dict[str, Any]]:
    from api.services.matching import index_states

    states = []
    for state in index_states():
        INDEX_ENTRIES.labels(state.name).set(state.entries)
        if state.synced_seconds_ago is not None:
            INDEX_SYNCED.labels(state.name).set(state.synced_seconds_ago)
        states.append(
            {
                "name": state.name,
                "loaded": state.loaded,
                "entries": state.entries,
                "syncedSecondsAgo": state.synced_seconds_ago,
            }
        )
    return states


Endpoint = Callable[[Request], Awaitable[Response]]


def operators_only(endpoint: Endpoint) -> Endpoint:
    """``endpoint`` answering, when the settings make the operational endpoints private, only local clients and
    requests with ``Authorization: Bearer <GUILU_METRICS_TOKEN>``; anyone else gets 403 ``FORBIDDEN``."""

    async def guarded(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        if settings.ops_endpoints_private and not _is_operator(request, settings):
            return error_response(
                403,
                "this endpoint answers local clients and the bearer of GUILU_METRICS_TOKEN only",
                code="FORBIDDEN",
                media_type=JSON,
            )
        return await endpoint(request)

    return guarded


def _is_operator(request: Request, settings: Settings) -> bool:
    host = request.client.host if request.client is not None else ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
    except ValueError:
        pass
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token
    return expected is not None and scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), expected)


async def metrics(_request: Request) -> Response:
    """Prometheus text format: this worker's metrics, or every worker's in multiprocess mode."""
    _update_index_gauges()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def readyz(request: Request) -> Response:
    """200 when the database answers and the matching indexes are built; 503 (with the reason) otherwise.

    The first probe that finds an index missing starts building them in a thread, so a new worker
    becomes ready without a user request paying for the build.
    """
    engine: Engine = request.app.state.engine
    try:
        await run_in_threadpool(_ping, engine)
    except Exception as error:  # any failure to reach the database means not ready
        logging.getLogger("guilu").warning("readyz: database unreachable: %s", type(error).__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    indexes = _update_index_gauges()
    if all(index["loaded"] for index in indexes):
        return JSONResponse({"status": "ready", "database": "ok", "indexes": indexes})
    state = request.app.state
    if getattr(state, "warming", None) is None or state.warming.done():
        state.warming = asyncio.ensure_future(run_in_threadpool(_warm, engine))
    return JSONResponse({"status": "warming", "database": "ok", "indexes": indexes}, status_code=503)


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _warm(engine: Engine) -> None:
    from sqlmodel import Session

    from api.services.matching import warm_indexes

    with Session(engine) as session:
        warm_indexes(session)


class JsonFormatter(logging.Formatter):
    """One JSON object per log record: time, level, logger, message, and the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "path", "operation"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def json_log_config() -> dict[str, Any]:
    """A logging configuration (``logging.config.dictConfig``, as uvicorn takes it) writing every record of
    Guilu and uvicorn as one JSON object per line on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    logger = {"handlers": ["json"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "loggers": {name: logger for name in ("guilu", "uvicorn", "uvicorn.error", "uvicorn.access", "strawberry")},
    }
