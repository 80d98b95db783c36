"""Benchmark the GraphQL layer against plain Starlette endpoints serving the same rows, over HTTP.

Usage::

    python bench/api.py                          # the demo data, 12 s per measurement
    python bench/api.py --talents 100000         # plus synthetic talents (bench/synth.py) for rankCandidates
    python bench/api.py --duration 20 --concurrency 32

One uvicorn process (one worker, uvloop and httptools as ``guilu serve`` gets them, no access log) serves
``create_bench_app``: the Guilu app exactly as ``create_app`` builds it, plus plain twins under
``/bench/plain/`` that read the same rows through the same engine and models and write the same JSON
(orjson) a GraphQL query of the same fields returns.  The twins live in this file, not in ``api/``, so
the service carries no benchmark code; both paths run in the same process behind the same
``BearerAuthMiddleware``, so the ratio between them is the cost of the GraphQL layer alone.

Before the load starts, each query's GraphQL answer and its twin's are fetched and compared: the table
says ``same`` only when both parse to equal JSON (GraphQL's ``extensions`` aside). The load comes from
``wrk`` (Debian: ``apt-get install wrk``), one thread and ``--concurrency`` keep-alive connections for
``--duration`` seconds after ``--warmup`` seconds of unmeasured load; the GraphQL query and its twin
take turns in ``--rounds`` slices (whole seconds), so whatever else runs on the machine weighs on both
alike. With two or more cores the server is pinned to core 0 and wrk to core 1 (``taskset``). Prints
requests/s and p50/p99 latency of each query and its twin (the mean rate, median p50 and worst p99 of
the slices), their ratio and the target ratio of issue #6.

Databases are cached under ``bench/.data/``: the demo data (``guilu seed --demo``), and with
``--talents N`` the demo data plus synthetic rows from ``bench/synth.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
# Run as a script, this file's folder comes first on sys.path and would shadow the ``api`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(REPO))

import orjson  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route, request_response  # noqa: E402

from api.app import BearerAuthMiddleware, create_app  # noqa: E402
from api.config import get_settings  # noqa: E402
from api.db import create_db_engine, init_db  # noqa: E402
from api.graphql.ids import decode_id_of, encode_global_id  # noqa: E402
from api.graphql.pagination import encode_cursor  # noqa: E402
from api.models import Account, Enterprise, JobSkill, TalentSkill  # noqa: E402
from api.models import Job as JobRow  # noqa: E402
from api.models import Talent as TalentRow  # noqa: E402
from api.models.enums import IndustryChain, JobStatus, Role  # noqa: E402
from api.seed import load_demo  # noqa: E402
from api.services import matching  # noqa: E402
from api.services.credit import assess_enterprises  # noqa: E402

DATA_DIR = BENCH_DIR / ".data"
BENCH_SECRET = "guilu-bench-secret-not-for-production-0123456789"
ADMIN_EMAIL = "admin@demo.guilu"
DEMO_PASSWORD = "guilu-demo"

JOBS_QUERY = """
query Jobs($first: Int!) {
  jobs(first: $first) {
    totalCount
    edges {
      cursor
      node {
        id title city district salaryMin salaryMax postedOn industryChain status requiredSkills
        employer { id legalName uscc district credit { score level verified } }
      }
    }
  }
}
"""

TALENTS_QUERY = """
query Talents($first: Int!) {
  talents(first: $first) {
    totalCount
    edges {
      cursor
      node { id nameZh namePinyin nameEn nationality yearsExperience currentCity discoverable email phone skills }
    }
  }
}
"""

RANK_QUERY = """
query Rank($jobId: ID!, $first: Int!) {
  rankCandidates(jobId: $jobId, first: $first) {
    totalCount
    edges {
      cursor
      node {
        talent { id nameZh nameEn skills }
        score
        explanation { component weight similarity contribution detail }
        matchedSkills { required offered similarity }
        missingSkills
      }
    }
  }
}
"""

# ------------------------------------------------------------------ the plain twins (run in the server)


def _connection(name: str, nodes: list[dict[str, Any]], total: int) -> Response:
    edges = [{"cursor": encode_cursor(i), "node": node} for i, node in enumerate(nodes)]
    return Response(
        orjson.dumps({"data": {name: {"totalCount": total, "edges": edges}}}), media_type="application/json"
    )


def _admin(request: Request, session: Session) -> bool:
    account_id = request.scope.get("state", {}).get("account_id")
    viewer = session.get(Account, account_id) if account_id is not None else None
    return viewer is not None and viewer.role == Role.ADMIN


def _skills(session: Session, model: Any, key: str, ids: list[int], kind: str | None = None) -> dict[int, list[str]]:
    column = getattr(model, key)
    query = select(model).where(col(column).in_(ids)).order_by(column, model.position)
    grouped: dict[int, list[str]] = {i: [] for i in ids}
    for row in session.exec(query):
        if kind is None or row.kind == kind:
            grouped[getattr(row, key)].append(row.name)
    return grouped


def _plain_jobs(request: Request) -> Response:
    """The open jobs by id with employer and credit: what ``JOBS_QUERY`` asks for."""
    first = int(request.query_params.get("first", "20"))
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        condition = JobRow.status == JobStatus.OPEN.value
        total = session.exec(select(func.count(col(JobRow.id))).where(condition)).one()
        jobs = list(session.exec(select(JobRow).where(condition).order_by(JobRow.id).limit(first)))
        employer_ids = sorted({j.employer_id for j in jobs})
        employers = {e.id: e for e in session.exec(select(Enterprise).where(col(Enterprise.id).in_(employer_ids)))}
        credits = assess_enterprises(session, employer_ids)
        skills = _skills(session, JobSkill, "job_id", [j.id for j in jobs if j.id is not None], "required")
        nodes = []
        for job in jobs:
            assert job.id is not None
            employer, credit = employers[job.employer_id], credits[job.employer_id]
            nodes.append(
                {
                    "id": encode_global_id("Job", job.id),
                    "title": job.title,
                    "city": job.city,
                    "district": job.district,
                    "salaryMin": job.salary_min,
                    "salaryMax": job.salary_max,
                    "postedOn": job.posted_on.isoformat(),
                    "industryChain": IndustryChain(job.industry_chain).name if job.industry_chain else None,
                    "status": JobStatus(job.status).name,
                    "requiredSkills": skills[job.id],
                    "employer": {
                        "id": encode_global_id("Enterprise", job.employer_id),
                        "legalName": employer.legal_name,
                        "uscc": employer.uscc,
                        "district": employer.district,
                        "credit": {
                            "score": credit.assessment.score,
                            "level": credit.assessment.level.name,
                            "verified": credit.verified,
                        },
                    },
                }
            )
    return _connection("jobs", nodes, total)


def _talent_node(talent: TalentRow, skills: list[str]) -> dict[str, Any]:
    assert talent.id is not None
    return {
        "id": encode_global_id("Talent", talent.id),
        "nameZh": talent.name_zh,
        "namePinyin": talent.name_pinyin,
        "nameEn": talent.name_en,
        "nationality": talent.nationality,
        "yearsExperience": talent.years_experience,
        "currentCity": talent.current_city,
        "discoverable": talent.discoverable,
        "email": talent.email,
        "phone": talent.phone,
        "skills": skills,
    }


def _forbidden() -> Response:
    return Response(b'{"errors":[{"message":"admins only"}]}', status_code=403, media_type="application/json")


def _plain_talents(request: Request) -> Response:
    """Every talent by id, contact data unmasked (admins only): what ``TALENTS_QUERY`` asks an admin for."""
    first = int(request.query_params.get("first", "20"))
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        if not _admin(request, session):
            return _forbidden()
        total = session.exec(select(func.count(col(TalentRow.id)))).one()
        talents = list(session.exec(select(TalentRow).order_by(TalentRow.id).limit(first)))
        skills = _skills(session, TalentSkill, "talent_id", [t.id for t in talents if t.id is not None])
        nodes = [_talent_node(t, skills[t.id]) for t in talents if t.id is not None]
    return _connection("talents", nodes, total)


def _plain_candidates(request: Request) -> Response:
    """A job's ranked candidates, explained (admins only): what ``RANK_QUERY`` asks for."""
    first = int(request.query_params.get("first", "20"))
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        if not _admin(request, session):
            return _forbidden()
        job = session.get(JobRow, int(request.path_params["job_id"]))
        if job is None:
            return Response(b'{"errors":[{"message":"job not found"}]}', status_code=404)
        ranking = matching.candidates_for_job(session, job, limit=first)
        chosen = ranking.results
        ids = [m.talent_id for m in chosen]
        talents = {t.id: t for t in session.exec(select(TalentRow).where(col(TalentRow.id).in_(ids)))}
        skills = _skills(session, TalentSkill, "talent_id", ids)
        nodes = []
        for m in chosen:
            talent = talents[m.talent_id]
            nodes.append(
                {
                    "talent": {
                        "id": encode_global_id("Talent", m.talent_id),
                        "nameZh": talent.name_zh,
                        "nameEn": talent.name_en,
                        "skills": skills[m.talent_id],
                    },
                    "score": m.score,
                    "explanation": [
                        {
                            "component": c.component,
                            "weight": c.weight,
                            "similarity": c.similarity,
                            "contribution": c.contribution,
                            "detail": c.detail,
                        }
                        for c in m.components
                    ],
                    "matchedSkills": [
                        {"required": s.required, "offered": s.offered, "similarity": s.similarity}
                        for s in m.matched_skills
                    ],
                    "missingSkills": list(m.missing_skills),
                }
            )
    return _connection("rankCandidates", nodes, ranking.total)


def _async_endpoint(handler: Any) -> Any:
    """``handler`` as an async endpoint: run on the event loop like the GraphQL resolvers, not in a thread."""

    async def endpoint(request: Request) -> Response:
        response: Response = handler(request)
        return response

    return endpoint


def create_bench_app() -> Starlette:
    """The Guilu app (``create_app``) plus the plain twins under ``/bench/plain/`` (uvicorn factory)."""
    settings = get_settings()
    app = create_app(settings)
    twins = {
        "/bench/plain/jobs": _plain_jobs,
        "/bench/plain/talents": _plain_talents,
        "/bench/plain/jobs/{job_id:int}/candidates": _plain_candidates,
    }
    for path, handler in twins.items():
        endpoint = BearerAuthMiddleware(request_response(_async_endpoint(handler)), settings)
        app.router.routes.append(Route(path, endpoint, methods=["GET"]))
    return app


# ------------------------------------------------------------------ the database


def demo_database() -> Path:
    """The demo data in an SQLite file under ``bench/.data`` (made once)."""
    path = DATA_DIR / "api-demo.db"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        for stale in DATA_DIR.glob(partial.name + "*"):
            stale.unlink()
        engine = create_db_engine(f"sqlite:///{partial}")
        init_db(engine)
        load_demo(engine)
        engine.dispose()
        partial.rename(path)
    return path


SYNTHETIC_TALENT_TABLES = ("talent", "talent_skill", "talent_education", "talent_language")


def synthetic_database(talents: int, seed: int) -> Path:
    """The demo data plus ``talents`` synthetic talents (``bench.synth.cached_sqlite``), made once.

    The synthetic talents and their skills, education and languages are copied into a copy of the demo
    database with every id moved past the demo's (loading the demo on top of 100,000 talents instead
    takes far longer: it keeps rereading every profile).
    """
    from bench.synth import cached_sqlite

    synthetic = cached_sqlite(talents, seed=seed)
    path = DATA_DIR / f"api-demo-plus-{synthetic.stem}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    shutil.copyfile(demo_database(), partial)
    with closing(sqlite3.connect(partial)) as db:
        db.execute("ATTACH DATABASE ? AS synth", (str(synthetic),))
        (talent_offset,) = db.execute("SELECT COALESCE(MAX(id), 0) FROM main.talent").fetchone()
        for table in SYNTHETIC_TALENT_TABLES:
            (offset,) = db.execute(f"SELECT COALESCE(MAX(id), 0) FROM main.{table}").fetchone()
            columns = [row[1] for row in db.execute(f"PRAGMA main.table_info({table})")]
            moved = {"id": f"id + {offset}", "talent_id": f"talent_id + {talent_offset}"}
            values = ", ".join(moved.get(c, c) for c in columns)
            db.execute(f"INSERT INTO main.{table} ({', '.join(columns)}) SELECT {values} FROM synth.{table}")
        db.commit()
    partial.rename(path)
    return path


# ------------------------------------------------------------------ the load


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    failures: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _latency_ms(text: str, percentile: str) -> float:
    found = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no {percentile}% latency in wrk's output:\n{text}")
    return float(found.group(1)) * _UNITS_MS[found.group(2)]


def _wrk_script(method: str, body: bytes | None, token: str | None) -> str:
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body.decode())}")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    if token is not None:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    return "\n".join(lines) + "\n"


def run_wrk(url: str, script: str, *, seconds: float, connections: int, cpu: str | None) -> Load:
    """``wrk`` against ``url`` for ``seconds`` with ``connections`` keep-alive connections on one thread."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        pin = ["taskset", "-c", cpu] if cpu is not None else []
        command = [*pin, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s"]
        done = subprocess.run([*command, "--latency", "-s", file.name, url], capture_output=True, text=True, check=True)
    finally:
        os.unlink(file.name)
    out = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{out}{done.stderr}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failures = int(bad.group(1)) if bad else 0
    failures += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return Load(float(rate.group(1)), _latency_ms(out, "50"), _latency_ms(out, "99"), failures)


@dataclass(frozen=True)
class Call:
    """One HTTP request the bench sends: to the GraphQL endpoint or to a plain twin."""

    method: str
    path: str
    body: bytes | None
    token: str | None

    def fetch(self, base: str, timeout: float = 600) -> Any:
        headers = {"Content-Type": "application/json"} if self.body is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(base + self.path, data=self.body, headers=headers, method=self.method)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())


def graphql(query: str, variables: dict[str, Any], token: str | None = None) -> Call:
    return Call("POST", "/graphql", orjson.dumps({"query": query, "variables": variables}), token)


def _combined(loads: list[Load]) -> Load:
    """Rounds of equal length as one: the mean rate, the median p50, the worst p99, every failure."""
    p50s = sorted(load.p50_ms for load in loads)
    return Load(
        sum(load.requests_per_s for load in loads) / len(loads),
        p50s[len(p50s) // 2],
        max(load.p99_ms for load in loads),
        sum(load.failures for load in loads),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(database: Path, port: int, cpu: str | None) -> subprocess.Popen[bytes]:
    """``create_bench_app`` under uvicorn (one worker) on 127.0.0.1:``port``, ready to answer."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "GUILU_SECRET_KEY": BENCH_SECRET}
    # The bench measures the GraphQL layer, not the per-client throttle: one client sends every request.
    env.update(GUILU_THROTTLE_CAPACITY="100000000", GUILU_THROTTLE_RESTORE_RATE="100000000")
    env.pop("GUILU_DEMO", None)
    pin = ["taskset", "-c", cpu] if cpu is not None else []
    command = [*pin, sys.executable, "-m", "uvicorn", "bench.api:create_bench_app", "--factory"]
    command += [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not answer /healthz within 60 s")


def log_in(base: str) -> str:
    body = graphql(
        "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }",
        {"e": ADMIN_EMAIL, "p": DEMO_PASSWORD},
    ).fetch(base)
    token: str = body["data"]["logIn"]["token"]
    return token


@dataclass(frozen=True)
class Scenario:
    name: str
    rows: int
    target: float
    graphql: Call
    plain: Call


def scenarios(base: str, token: str) -> list[Scenario]:
    first_job = graphql("{ jobs(first: 1) { edges { node { id } } } }", {}).fetch(base)
    job_id = first_job["data"]["jobs"]["edges"][0]["node"]["id"]
    job_pk = decode_id_of(job_id, "Job")
    return [
        Scenario(
            "jobs(first: 20)",
            20,
            0.5,
            graphql(JOBS_QUERY, {"first": 20}),
            Call("GET", "/bench/plain/jobs?first=20", None, None),
        ),
        Scenario(
            "talents(first: 100)",
            100,
            0.3,
            graphql(TALENTS_QUERY, {"first": 100}, token),
            Call("GET", "/bench/plain/talents?first=100", None, token),
        ),
        Scenario(
            "rankCandidates(first: 20)",
            20,
            0.0,
            graphql(RANK_QUERY, {"jobId": job_id, "first": 20}, token),
            Call("GET", f"/bench/plain/jobs/{job_pk}/candidates?first=20", None, token),
        ),
    ]


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--talents", type=int, default=0, help="Synthetic talents added to the demo data (0: none).")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the synthetic data.")
    parser.add_argument("--duration", type=float, default=12.0, help="Seconds of measured load per query.")
    parser.add_argument("--warmup", type=float, default=2.0, help="Seconds of unmeasured load before each.")
    parser.add_argument("--concurrency", type=int, default=8, help="Keep-alive connections.")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="Alternate GraphQL and plain in this many slices of the duration, so load from elsewhere "
        "on the machine weighs on both alike.",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

    database = synthetic_database(args.talents, args.seed) if args.talents else demo_database()
    two_cores = len(os.sched_getaffinity(0)) >= 2
    server_cpu, client_cpu = ("0", "1") if two_cores and shutil.which("taskset") else (None, None)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(database, port, server_cpu)
    try:
        token = log_in(base)
        cases = scenarios(base, token)
        widths = [26, 5, 5, 9, 8, 8, 9, 8, 8, 6, 6]
        print(f"database {database.name}; {args.concurrency} connections, {args.duration:g} s per measurement")
        header = [
            "query",
            "rows",
            "same",
            "req/s",
            "p50 ms",
            "p99 ms",
            "plain/s",
            "p50 ms",
            "p99 ms",
            "ratio",
            "target",
        ]
        print(_row(header, widths))
        for case in cases:
            started = time.perf_counter()
            answer, twin = case.graphql.fetch(base), case.plain.fetch(base)
            first_ms = (time.perf_counter() - started) * 1000
            if "errors" in answer:
                raise RuntimeError(f"{case.name}: {answer['errors']}")
            targets = [(base + r.path, _wrk_script(r.method, r.body, r.token)) for r in (case.graphql, case.plain)]
            for url, script in targets:
                run_wrk(url, script, seconds=args.warmup, connections=args.concurrency, cpu=client_cpu)
            rounds: list[list[Load]] = [[], []]
            for _ in range(args.rounds):
                for side, (url, script) in enumerate(targets):
                    slice_s = args.duration / args.rounds
                    rounds[side].append(
                        run_wrk(url, script, seconds=slice_s, connections=args.concurrency, cpu=client_cpu)
                    )
            gql, plain = (_combined(r) for r in rounds)
            cells = [
                case.name,
                str(case.rows),
                # The cost report (extensions.cost) is GraphQL's own addition; the data must be equal.
                "same" if {k: v for k, v in answer.items() if k != "extensions"} == twin else "DIFF",
                f"{gql.requests_per_s:.0f}",
                f"{gql.p50_ms:.1f}",
                f"{gql.p99_ms:.1f}",
                f"{plain.requests_per_s:.0f}",
                f"{plain.p50_ms:.1f}",
                f"{plain.p99_ms:.1f}",
                f"{gql.requests_per_s / plain.requests_per_s:.0%}",
                f"{case.target:.0%}" if case.target else "-",
            ]
            print(_row(cells, widths), flush=True)
            if gql.failures or plain.failures:
                print(f"  failed requests: graphql {gql.failures}, plain {plain.failures}")
            if case.name.startswith("rank"):
                print(f"  first rankCandidates + twin (cold ranking cache): {first_ms:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
