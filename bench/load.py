"""A mixed load against `guilu serve --workers N` on PostgreSQL: searches, rankings, applications, scoring.

Usage::

    python bench/load.py                                   # 50 clients, 60 s, 2 workers
    python bench/load.py --clients 20 --duration 10        # a short run
    python bench/load.py --restart-postgres-at 20          # PostgreSQL restarted 20 s in (for 3 s)

Each run gets a PostgreSQL server of its own (:class:`bench.pgcluster.PrivateCluster`, so a restart
touches nothing else), loads the demo data and the load's actors (talent accounts with profiles, the
demo employer and its jobs, the Cup's judges assigned to entries of an open round), starts
``guilu serve --workers N`` on the loopback and runs ``--clients`` concurrent clients for
``--duration`` seconds.  Each client loops: ``jobs(search:)`` anonymously (40%), ``rankCandidates``
as the employer (20%), ``applyToJob`` as a talent to a job it has not applied to (20%),
``submitScore`` as a judge on an assigned entry (20%).

Printed: per operation the requests, their outcomes (ok, user errors by code, HTTP errors by
status), requests per second and latency p50/p99; the number of 5xx answers; then every
acknowledged write (an application or a score the server answered with an id) counted in the
database afterwards, beside the writes stored.  Nothing is asserted here; the tests under
``tests/ops/`` run short versions and assert.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from api.db import create_db_engine, init_db, session_scope  # noqa: E402
from api.graphql.ids import decode_id_of, encode_global_id  # noqa: E402
from api.models import Account, Application, AuditEntry, Job, JudgeAssignment  # noqa: E402
from api.models.cup import Competition, CompetitionTrack, Round  # noqa: E402
from api.models.enums import Role  # noqa: E402
from api.seed import load_demo  # noqa: E402
from api.services import accounts, cup, talents  # noqa: E402
from api.services.credit import credit_today  # noqa: E402
from api.services.jobs import taking_applications  # noqa: E402
from api.timeutil import utcnow  # noqa: E402
from bench.pgcluster import PrivateCluster  # noqa: E402

__all__ = ["Actors", "LoadReport", "guilu_server", "prepare", "run_load", "stored_writes"]

LOAD_SECRET = "load-test-secret-0123456789abcdef0123456789"
# `api.cli` has no `__main__` guard, so run its entry point the way the `guilu` script does.
GUILU = [sys.executable, "-c", "from api.cli import main; main()"]
SKILLS = ["Python", "SQL", "机器学习", "锂电池", "电池管理系统", "嵌入式", "FPGA", "Java", "数据分析", "供应链管理"]
QUERIES = ["工程师", "python", "电池", "shujuku", "厦门", "算法", "銷售", "machine learning", "嵌入式", "财务"]
MIX = (("search", 0.4), ("rank", 0.2), ("apply", 0.2), ("score", 0.2))

SEARCH = """query Search($q: String!) {
  jobs(search: $q, first: 10) { totalCount edges { node { id title employer { legalName } } } }
}"""
RANK = """query Rank($jobId: ID!) {
  rankCandidates(jobId: $jobId, first: 10) { totalCount edges { node { score talent { id } } } }
}"""
APPLY = """mutation Apply($jobId: ID!) {
  applyToJob(jobId: $jobId) { application { id } userErrors { code message } }
}"""
SCORE = """mutation Score($entryId: ID!, $roundId: ID!, $scores: [CriterionScoreInput!]!) {
  submitScore(entryId: $entryId, roundId: $roundId, scores: $scores) { score { id } userErrors { code message } }
}"""


@dataclass(frozen=True)
class Actors:
    """Who the clients act as: tokens and the global ids they act on."""

    employer_token: str
    employer_jobs: list[str]
    applications: list[tuple[str, str]]  # (talent token, job id) pairs not applied yet, shuffled; loads use them up
    judgements: list[tuple[str, str, str]]  # (judge token, round id, entry id) assigned
    criteria: list[tuple[str, float]]  # (key, maximum) of the rubric
    judge_ids: list[int]
    talent_ids: list[int]


def prepare(database_url: str, *, talents_count: int = 150, seed: int = 0) -> Actors:
    """Create the schema, the demo data and the load's actors in ``database_url``."""
    engine = create_db_engine(database_url)
    init_db(engine)
    load_demo(engine)
    rng = random.Random(seed)
    with session_scope(engine) as session:
        load_talents = [_load_talent(session, i, rng) for i in range(talents_count)]
        employer = session.exec(select(Account).where(Account.email == "employer@demo.guilu")).one()
        # Jobs that take applications: open, closing day not passed.
        taking = taking_applications(credit_today())
        jobs = list(session.exec(select(Job.id).where(taking).order_by(col(Job.id))))
        employer_jobs = list(session.exec(select(Job.id).where(Job.employer_id == employer.enterprise_id, taking)))
        round_, criteria = _open_round(session, load_talents[:12])
        judgements = list(
            session.exec(
                select(JudgeAssignment.judge_account_id, JudgeAssignment.entry_id).where(
                    JudgeAssignment.round_id == round_.id
                )
            )
        )
        judges = {a.id: a for a in session.exec(select(Account).where(Account.role == Role.JUDGE))}

        def token(account: Account) -> str:
            return accounts.issue_access_token(account, secret=LOAD_SECRET, minutes=120)

        pairs = [(token(t), encode_global_id("Job", job)) for t in load_talents for job in rng.sample(jobs, 20)]
        rng.shuffle(pairs)
        actors = Actors(
            employer_token=token(employer),
            employer_jobs=[encode_global_id("Job", job) for job in employer_jobs],
            applications=pairs,
            judgements=[
                (token(judges[judge]), encode_global_id("Round", round_.id), encode_global_id("Entry", entry))
                for judge, entry in judgements
            ],
            criteria=criteria,
            judge_ids=sorted({judge for judge, _ in judgements}),
            talent_ids=[t.talent_id for t in load_talents if t.talent_id is not None],
        )
    engine.dispose()
    return actors


def _load_talent(session: Session, number: int, rng: random.Random) -> Account:
    account = accounts.create_account(
        session, email=f"load-{number}@load.guilu", password=f"load-password-{number:04d}", role=Role.TALENT.value
    )
    profile = talents.TalentData(
        name_en=f"Load Talent {number}", years_experience=rng.randint(0, 15), skills=rng.sample(SKILLS, 4)
    )
    talents.create_talent_profile(session, account, profile)
    return account


def _open_round(session: Session, leads: list[Account]) -> tuple[Round, list[tuple[str, float]]]:
    """The preliminary round of the demo's open edition, with entries led by ``leads`` and judges assigned."""
    admin = session.exec(select(Account).where(Account.role == Role.ADMIN)).first()
    assert admin is not None
    competition = next(c for c in session.exec(select(Competition)) if c.submission_deadline > utcnow())
    assert competition.id is not None
    tracks = list(
        session.exec(
            select(CompetitionTrack.chain)
            .where(CompetitionTrack.competition_id == competition.id)
            .order_by(col(CompetitionTrack.position))
        )
    )
    for number, lead in enumerate(leads):
        data = cup.EntryData(
            title=f"负载测试项目 {number}",
            summary="负载测试用的参赛项目。",
            track=tracks[number % len(tracks)],
            stage="prototype",
            requested_financing=1_000_000,
        )
        cup.submit_entry(session, lead, competition.id, data)
    round_ = cup.find_round(session, competition.id, "preliminary")
    cup.assign_judges(session, admin, competition.id, "preliminary", per_entry=3)
    rubric = cup.rubric_of(session, competition)
    return round_, [(c.key, c.maximum) for c in rubric.criteria]


# ------------------------------------------------------------------ the server


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


@contextmanager
def guilu_server(
    database_url: str, *, workers: int = 2, port: int, log: Path, timeout_s: float = 120, **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``guilu serve --workers N`` on ``database_url``, yielded once every worker could be ready (``/readyz``)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GUILU_")}
    environment.update(
        DATABASE_URL=database_url,
        GUILU_SECRET_KEY=LOAD_SECRET,
        # The load comes from one address: throttling would measure the bucket, not the service.
        GUILU_THROTTLE_CAPACITY="100000000",
        GUILU_THROTTLE_RESTORE_RATE="100000000",
        **env,
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*GUILU, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout_s
            ready = 0
            while ready < 3 * workers:  # several answers in a row: each worker warmed its indexes
                if process.poll() is not None:
                    raise RuntimeError(f"guilu serve exited: {log.read_text()[-2000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"guilu serve was not ready within {timeout_s:g} s")
                ready = ready + 1 if _get(f"http://127.0.0.1:{port}/readyz") == 200 else 0
                time.sleep(0.2)
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


# ------------------------------------------------------------------ the load


@dataclass(frozen=True, slots=True)
class Outcome:
    operation: str
    started: float  # seconds since the load began
    seconds: float
    status: int  # HTTP status; 0 when no answer came (connection refused, reset, timed out)
    code: str  # "ok", a userErrors / errors code, or the HTTP failure
    written: str | None = None  # the global id of an acknowledged write


@dataclass
class LoadReport:
    clients: int
    duration_s: float
    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, operation: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.operation == operation]

    @property
    def server_errors(self) -> int:
        return sum(1 for o in self.outcomes if o.status >= 500)

    def acknowledged(self, operation: str) -> list[str]:
        return [o.written for o in self.of(operation) if o.written is not None]

    def table(self) -> str:
        lines = [
            f"{'operation':<10} {'requests':>8} {'ok':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}  other outcomes",
        ]
        for operation in [*(name for name, _ in MIX), "all"]:
            rows = self.outcomes if operation == "all" else self.of(operation)
            if not rows:
                continue
            times = sorted(o.seconds * 1000 for o in rows)
            other = Counter(o.code for o in rows if o.code != "ok")
            lines.append(
                f"{operation:<10} {len(rows):>8} {sum(o.code == 'ok' for o in rows):>7} "
                f"{len(rows) / self.duration_s:>7.1f} {_percentile(times, 50):>8.1f} {_percentile(times, 99):>8.1f}  "
                + (", ".join(f"{code} {n}" for code, n in other.most_common()) or "-")
            )
        return "\n".join(lines)


def _percentile(sorted_values: list[float], percent: float) -> float:
    if len(sorted_values) < 2:
        return sorted_values[0] if sorted_values else 0.0
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(percent) - 1]


class _Work:
    """What the clients share: the unused application pairs (taken from ``actors``, so a later load on the
    same actors applies afresh), a random source."""

    def __init__(self, actors: Actors, seed: int) -> None:
        self.actors = actors
        self.pairs = actors.applications
        self.rng = random.Random(seed)

    def request(self) -> tuple[str, str, dict[str, Any], str | None]:
        """(operation, query, variables, token) of the next request."""
        operation = self.rng.choices([name for name, _ in MIX], [weight for _, weight in MIX])[0]
        if operation == "apply" and not self.pairs:
            operation = "search"
        if operation == "search":
            return operation, SEARCH, {"q": self.rng.choice(QUERIES)}, None
        if operation == "rank":
            return operation, RANK, {"jobId": self.rng.choice(self.actors.employer_jobs)}, self.actors.employer_token
        if operation == "apply":
            token, job = self.pairs.pop()
            return operation, APPLY, {"jobId": job}, token
        token, round_id, entry = self.rng.choice(self.actors.judgements)
        scores = [
            {"criterion": key, "value": float(self.rng.randint(0, int(top)))} for key, top in self.actors.criteria
        ]
        return operation, SCORE, {"entryId": entry, "roundId": round_id, "scores": scores}, token


def _outcome(operation: str, started: float, seconds: float, response: httpx2.Response) -> Outcome:
    if response.status_code >= 400 and response.status_code != 503:
        return Outcome(operation, started, seconds, response.status_code, f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        return Outcome(operation, started, seconds, response.status_code, f"HTTP {response.status_code} not JSON")
    if body.get("errors"):
        code = (body["errors"][0].get("extensions") or {}).get("code", "ERROR")
        return Outcome(operation, started, seconds, response.status_code, code)
    payload = next(iter(body["data"].values()))
    if isinstance(payload, dict) and payload.get("userErrors"):
        return Outcome(operation, started, seconds, response.status_code, payload["userErrors"][0]["code"])
    written = None
    if operation == "apply":
        written = payload["application"]["id"]
    elif operation == "score":
        written = payload["score"]["id"]
    return Outcome(operation, started, seconds, response.status_code, "ok", written)


async def run_load(base_url: str, actors: Actors, *, clients: int, duration_s: float, seed: int = 0) -> LoadReport:
    """``clients`` concurrent clients, each sending its next request when the last is answered."""
    work = _Work(actors, seed)
    report = LoadReport(clients, duration_s)
    began = time.monotonic()
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx2.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:

        async def client() -> None:
            while (started := time.monotonic()) - began < duration_s:
                operation, query, variables, token = work.request()
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                try:
                    response = await http.post(
                        "/graphql", json={"query": query, "variables": variables}, headers=headers
                    )
                except httpx2.HTTPError as error:
                    seconds = time.monotonic() - started
                    report.outcomes.append(Outcome(operation, started - began, seconds, 0, type(error).__name__))
                    await asyncio.sleep(0.05)  # the server is not answering: do not spin
                    continue
                outcome = _outcome(operation, started - began, time.monotonic() - started, response)
                report.outcomes.append(outcome)

        await asyncio.gather(*(client() for _ in range(clients)))
    return report


@dataclass(frozen=True)
class StoredWrites:
    applications_acknowledged: int
    applications_acknowledged_stored: int
    applications_stored: int  # every application of the load's talents
    scores_acknowledged: int
    scores_audited: int  # score submissions and revisions in the audit trail since the load began

    def table(self) -> str:
        return (
            f"applications: {self.applications_acknowledged} acknowledged, "
            f"{self.applications_acknowledged_stored} of them in the database, "
            f"{self.applications_stored} stored in all\n"
            f"scores: {self.scores_acknowledged} acknowledged, {self.scores_audited} recorded in the audit trail"
        )


def stored_writes(database_url: str, actors: Actors, report: LoadReport, since: datetime) -> StoredWrites:
    """Count the load's acknowledged writes in the database."""
    engine = create_db_engine(database_url)
    acknowledged = [decode_id_of(i, "Application") for i in report.acknowledged("apply")]
    with Session(engine) as session:
        found = session.exec(select(func.count()).where(col(Application.id).in_(acknowledged))).one()
        stored = session.exec(select(func.count()).where(col(Application.talent_id).in_(actors.talent_ids))).one()
        audited = session.exec(
            select(func.count()).where(
                col(AuditEntry.action).in_(["cup_score.submit", "cup_score.revise"]),
                col(AuditEntry.actor_account_id).in_(actors.judge_ids),
                col(AuditEntry.at) >= since,
            )
        ).one()
    engine.dispose()
    return StoredWrites(len(acknowledged), found, stored, len(report.acknowledged("score")), audited)


# ------------------------------------------------------------------ the command


async def _restart_postgres(cluster: PrivateCluster, at_s: float, down_s: float) -> None:
    await asyncio.sleep(at_s)
    print(f"{at_s:g} s: stopping PostgreSQL (fast)", flush=True)
    await asyncio.to_thread(cluster.stop, "fast")
    await asyncio.sleep(down_s)
    await asyncio.to_thread(cluster.start)
    print(f"{at_s + down_s:g} s: PostgreSQL started again", flush=True)


async def _measure(base_url: str, actors: Actors, cluster: PrivateCluster, args: argparse.Namespace) -> LoadReport:
    load = run_load(base_url, actors, clients=args.clients, duration_s=args.duration, seed=args.seed)
    if args.restart_postgres_at is None:
        return await load
    report, _ = await asyncio.gather(load, _restart_postgres(cluster, args.restart_postgres_at, args.down))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="guilu serve workers (default 2)")
    parser.add_argument("--talents", type=int, default=150, help="talent accounts that apply (default 150)")
    parser.add_argument("--restart-postgres-at", type=float, default=None, help="stop PostgreSQL this many s in")
    parser.add_argument("--down", type=float, default=3, help="seconds PostgreSQL stays down (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log", type=Path, default=None, help="keep guilu serve's log in this file")
    args = parser.parse_args()

    with PrivateCluster() as cluster:
        cluster.create_database("guilu_load")
        url = cluster.url("guilu_load")
        started = time.monotonic()
        actors = prepare(url, talents_count=args.talents, seed=args.seed)
        print(
            f"prepared in {time.monotonic() - started:.1f} s: {len(actors.talent_ids)} talents, "
            f"{len(actors.employer_jobs)} employer jobs, {len(actors.judgements)} judge assignments",
            flush=True,
        )
        port = cluster.port + 1
        log = args.log or cluster.directory / "guilu.log"
        with guilu_server(url, workers=args.workers, port=port, log=log):
            since = utcnow()
            print(f"load: {args.clients} clients, {args.duration:g} s, {args.workers} workers", flush=True)
            report = asyncio.run(_measure(f"http://127.0.0.1:{port}", actors, cluster, args))
        print(report.table())
        print(
            f"5xx answers: {report.server_errors}"
            + (f" ({Counter(o.code for o in report.outcomes if o.status >= 500)})" if report.server_errors else "")
        )
        print(stored_writes(url, actors, report, since).table())
        by_second: dict[int, Counter[str]] = defaultdict(Counter)
        if args.restart_postgres_at is not None:
            for outcome in report.outcomes:
                by_second[int(outcome.started)][outcome.code] += 1
            print("outcomes per second:")
            for second in sorted(by_second):
                print(f"  {second:>3} s: " + ", ".join(f"{c} {n}" for c, n in by_second[second].most_common()))


if __name__ == "__main__":
    main()
