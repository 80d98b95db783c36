"""The heavy query paths of the API are served by indexes (EXPLAIN on SQLite and on PostgreSQL).

On PostgreSQL sequential scans are switched off for the check, so the plan shows whether an index *can*
serve the predicate (the demo tables are small enough that the planner would scan them anyway).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

# Each query path the API uses, as the SQL it sends (parameters inlined).
QUERY_PATHS = {
    "open jobs, the job search prefilter": "SELECT id FROM job WHERE status = 'open' ORDER BY id",
    "jobs of one employer": "SELECT id FROM job WHERE employer_id = 1",
    "applications by job": "SELECT id FROM application WHERE job_id = 1",
    "applications by talent": "SELECT id FROM application WHERE talent_id = 1",
    "credit records by enterprise": "SELECT id FROM credit_record WHERE enterprise_id = 1",
    "skills of a job": "SELECT name FROM job_skill WHERE job_id = 1",
    "skills of a talent": "SELECT name FROM talent_skill WHERE talent_id = 1",
    "changed talents since a watermark": "SELECT id FROM talent WHERE updated_at >= '2026-01-01'",
    "changed jobs since a watermark": "SELECT id FROM job WHERE updated_at >= '2026-01-01'",
}


def _plan(engine: Engine, sql: str) -> str:
    with engine.connect() as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            return "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {sql}")))
        return "\n".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


@pytest.mark.parametrize("path", sorted(QUERY_PATHS))
def test_the_query_path_uses_an_index(engine: Engine, path: str) -> None:
    plan = _plan(engine, QUERY_PATHS[path])

    if engine.dialect.name == "postgresql":
        assert "Index" in plan and "Seq Scan" not in plan, plan
    else:
        assert plan.startswith("SEARCH") and "USING" in plan and "INDEX" in plan, plan
