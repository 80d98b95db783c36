"""The mixed load (bench/load.py), short: several clients against two workers on PostgreSQL, with
zero 5xx and every acknowledged write in the database; then the same with PostgreSQL restarted in
the middle: clear retryable errors while it is down, success again afterwards, Guilu never restarted."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from api.timeutil import utcnow
from bench.load import LoadReport, run_load, stored_writes
from tests.ops.conftest import OpsDatabase

pytestmark = pytest.mark.slow

CLIENTS = 16


def _assert_every_acknowledged_write_stored(ops_database: OpsDatabase, report: LoadReport, since: Any) -> None:
    stored = stored_writes(ops_database.url, ops_database.actors, report, since)
    assert stored.applications_acknowledged > 0 and stored.scores_acknowledged > 0, stored
    assert stored.applications_acknowledged_stored == stored.applications_acknowledged, stored
    assert stored.scores_audited >= stored.scores_acknowledged, stored


def test_a_mixed_load_on_two_workers_gets_no_5xx_and_loses_no_acknowledged_write(
    ops_database: OpsDatabase, serve: Callable[..., Any]
) -> None:
    with serve(workers=2) as (base, _):
        since = utcnow()
        report = asyncio.run(run_load(base, ops_database.actors, clients=CLIENTS, duration_s=8))

    assert report.server_errors == 0, report.table()
    codes = Counter(outcome.code for outcome in report.outcomes)
    # a judge's two submissions of one sheet at once: the second is told to retry (CONFLICT); nothing else fails
    assert set(codes) <= {"ok", "CONFLICT"}, report.table()
    for operation in ("search", "rank", "apply", "score"):
        assert any(o.code == "ok" for o in report.of(operation)), f"no {operation} succeeded"
    # every acknowledged score is one submission or revision in the audit trail, none beside
    stored = stored_writes(ops_database.url, ops_database.actors, report, since)
    assert stored.scores_audited == stored.scores_acknowledged, stored
    _assert_every_acknowledged_write_stored(ops_database, report, since)


RESTART_AT_S, DOWN_S, DURATION_S = 4.0, 3.0, 14.0


def test_postgresql_restarted_mid_load_gives_clear_errors_then_service_again(
    ops_database: OpsDatabase, serve: Callable[..., Any]
) -> None:
    async def restart() -> None:
        await asyncio.sleep(RESTART_AT_S)
        await asyncio.to_thread(ops_database.cluster.stop, "fast")
        await asyncio.sleep(DOWN_S)
        await asyncio.to_thread(ops_database.cluster.start)

    async def load_with_restart() -> LoadReport:
        report, _ = await asyncio.gather(
            run_load(base, ops_database.actors, clients=CLIENTS, duration_s=DURATION_S), restart()
        )
        return report

    with serve(workers=2) as (base, process):
        since = utcnow()
        report = asyncio.run(load_with_restart())
        assert process.poll() is None, "Guilu stopped"

    # while the database was down: HTTP 503 with DATABASE_UNAVAILABLE, nothing else (no 500, no dropped connection)
    failures = [o for o in report.outcomes if o.code not in ("ok", "CONFLICT")]
    assert failures, "the restart was not noticed by any request"
    assert {(o.status, o.code) for o in failures} == {(503, "DATABASE_UNAVAILABLE")}, Counter(
        (o.status, o.code) for o in failures
    )
    assert all(RESTART_AT_S - 0.5 <= o.started <= RESTART_AT_S + DOWN_S + 2.0 for o in failures), [
        round(o.started, 2) for o in failures
    ]
    # afterwards: every kind of request succeeds again, from the same processes
    after = [o for o in report.outcomes if o.started > RESTART_AT_S + DOWN_S + 2.0]
    for operation in ("search", "rank", "apply", "score"):
        assert any(o.operation == operation and o.code == "ok" for o in after), f"no {operation} after the restart"
    _assert_every_acknowledged_write_stored(ops_database, report, since)
