"""Benchmark ranking candidates for a job: the candidate index against two exhaustive baselines.

Usage::

    python bench/rank.py                          # 10k, 100k and 1.63M talents, 50 jobs
    python bench/rank.py --sizes 10000 --jobs 20  # a quick look
    python bench/rank.py --sizes 1630000 --scan-max 0 --naive-max 0 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test   # the index built from PostgreSQL

For each size, synthetic talents (:mod:`bench.synth`) are written once into an
SQLite file of the application's schema (``bench/.data/``, reused by later
runs).  Then, each in its own process so that peak memory is its own:

``index``
    :class:`~matching.candidates.CandidateIndex` built from the database
    as the service builds it (:meth:`~matching.candidates.CandidateIndex.from_rows`
    over :func:`api.services.matching.talent_rows`): build time, peak
    resident memory, save and load time, then ``rank(job, limit=20)`` for every
    job (each job asked once, so every query is a first query for that job)
    and the time until a changed profile is ranked (``upsert`` then ``rank``).
    Before the rankings, the process freezes its objects out of the garbage
    collector's full collections (:func:`api.memory.settle`), as a worker does
    after an index's first build.
    Build and query times are also measured in CPU time of the process
    (printed under the table), which another process on the machine disturbs
    less than wall time.
``scan``
    The vectorised exhaustive scan: the job's skills against every distinct
    skill text with one :func:`rapidfuzz.process.cdist` call, then NumPy
    aggregation (``maximum.reduceat``) over every talent's skills and every
    other component over every talent, through the scorer's own arithmetic
    (:func:`matching.score.assess`).
``naive``
    :func:`~matching.score.score_candidate` for each talent one by one, as a
    first implementation would (only where it finishes in reasonable time:
    ``--naive-max`` talents, ``--naive-jobs`` jobs).

With ``--postgres URL``, every process reads the talents from PostgreSQL instead:
from a database ``guilu_bench_t<size>`` on that server, created and filled from the
SQLite file (``COPY``) the first time.

The table gives per-query p50/p99, the index's speed-up over each baseline
(ratio of p50s) and for how many jobs the top 20 (talent ids and scores) of the
index equal the baseline's.  Nothing here is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402
from matching.profiles import JobProfile, TalentProfile  # noqa: E402

TOP = 20
# Embeddings of the texts outside the vocabulary, kept with the bench's data: a size's first run pays for them.
os.environ.setdefault("GUILU_TEXT_VECTORS_PATH", str(synth.DATA_DIR / "text-vectors.npz"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1630000", help="comma-separated talent counts")
    parser.add_argument("--jobs", type=int, default=50, help="jobs ranked per size (default 50)")
    parser.add_argument("--naive-max", type=int, default=100_000, help="largest size for the naive baseline")
    parser.add_argument("--naive-jobs", type=int, default=3, help="jobs ranked by the naive baseline")
    parser.add_argument("--scan-max", type=int, default=2_000_000, help="largest size for the exhaustive scan")
    parser.add_argument("--postgres", help="read the talents from a database on this PostgreSQL server")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    global _postgres
    _postgres = args.postgres
    if args.child:
        kind, size = args.child[0], int(args.child[1])
        print(json.dumps(CHILDREN[kind](size, args)))
        return

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, one process at a time on one core")
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        path = synth.cached_sqlite(talents=size)
        if _postgres:
            _postgres_database(size)
        print(f"[{size:,} talents] data {path.name} ready in {time.perf_counter() - started:.1f} s", flush=True)
        index = _child("index", size, args)
        scan = _child("scan", size, args) if size <= args.scan_max else None
        naive = _child("naive", size, args) if size <= args.naive_max else None
        rows.append((size, index, scan, naive))
        _print_table(rows, args)


def _child(kind: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(size), "--jobs", str(args.jobs)]
    command += ["--naive-jobs", str(args.naive_jobs)] + (["--postgres", args.postgres] if args.postgres else [])
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {kind:<5} finished in {time.perf_counter() - started:.1f} s", flush=True)
    return result


# ---------------------------------------------------------------------- the three contestants


def _jobs(args: argparse.Namespace) -> list[JobProfile]:
    return synth.job_profiles(args.jobs)


# The PostgreSQL server to read the talents from (``--postgres``), or None for the SQLite files.
_postgres: str | None = None
# The talent tables, parents first, as the SQLite file holds them.
_TALENT_TABLES = ("talent", "talent_skill", "talent_education", "talent_language")


@contextmanager
def _session(size: int) -> Iterator[Any]:
    """A database session on the size's SQLite file, or on its PostgreSQL copy with ``--postgres``."""
    from sqlmodel import Session

    from api.db import create_db_engine

    url = _postgres_database(size) if _postgres else f"sqlite:///{synth.cached_sqlite(talents=size)}"
    engine = create_db_engine(url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _postgres_database(size: int) -> str:
    """The URL of a database on the ``--postgres`` server holding the size's talents (copied once)."""
    import sqlite3

    import psycopg

    from api.db import create_db_engine, init_db

    assert _postgres is not None
    name = f"guilu_bench_t{size}"
    url = f"{_postgres.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(_postgres.replace("+psycopg", ""), autocommit=True) as server:
        if server.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            server.execute(f'CREATE DATABASE "{name}"')
    engine = create_db_engine(url)
    init_db(engine)
    engine.dispose()
    with psycopg.connect(url.replace("+psycopg", "")) as target:
        row = target.execute("SELECT count(*) FROM talent").fetchone()
        if row is not None and row[0] == size:
            return url
        started = time.perf_counter()
        target.execute("TRUNCATE " + ", ".join(_TALENT_TABLES) + " CASCADE")
        source = sqlite3.connect(synth.cached_sqlite(talents=size))
        for table in _TALENT_TABLES:
            columns = [column[1] for column in source.execute(f"PRAGMA table_info({table})")]
            with target.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for values in source.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                    copy.write_row(values)
        source.close()
        target.execute("ANALYZE")
        print(f"  copied {size:,} talents into PostgreSQL in {time.perf_counter() - started:.1f} s", flush=True)
    return url


def _profiles(size: int) -> Iterator[TalentProfile]:
    """Every talent of the size's database, streamed by the service's reader."""
    from api.services.matching import iter_talent_profiles

    with _session(size) as session:
        yield from iter_talent_profiles(session)


def _timed(queries: list[JobProfile], rank: Callable[[JobProfile], list[tuple[int, float]]]) -> dict[str, Any]:
    times, cpu_times, tops = [], [], []
    for job in queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        top = rank(job)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
        tops.append(top)
    return {"times": times, "cpu_times": cpu_times, "tops": tops}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_index(size: int, args: argparse.Namespace) -> dict[str, Any]:
    from api import memory
    from api.services.matching import talent_rows, vocabulary
    from matching.candidates import CandidateIndex

    vocab = vocabulary()
    embedded = 0 if vocab.semantic is None else vocab.semantic.vectors.embedded
    started, cpu_started = time.perf_counter(), time.process_time()
    with _session(size) as session:
        index = CandidateIndex.from_rows(talent_rows(session), vocab)
    build, build_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    embedded = (0 if vocab.semantic is None else vocab.semantic.vectors.embedded) - embedded
    peak_build = _peak_mb()
    path = synth.DATA_DIR / f"index-{size}.npz"
    started = time.perf_counter()
    index.save(path)
    save = time.perf_counter() - started
    del index
    started = time.perf_counter()
    index = CandidateIndex.load(path, vocab)
    load = time.perf_counter() - started
    path.unlink()
    memory.settle()  # as a worker does after an index's first build: no full collection inside a ranking

    def rank(job: JobProfile) -> list[tuple[int, float]]:
        return [(m.talent_id, m.score) for m in index.rank(job, limit=TOP).results]

    jobs = _jobs(args)
    result = _timed(jobs, rank)
    # A changed profile: the best candidate of the first job with candidates loses every skill.
    job, top = next((j, t) for j, t in zip(jobs, result["tops"], strict=True) if t)
    started = time.perf_counter()
    index.upsert(TalentProfile(id=top[0][0]))
    changed = rank(job)
    result["update"] = time.perf_counter() - started
    result["update_visible"] = top[0][0] not in [talent_id for talent_id, _ in changed]
    peak_mb = max(peak_build, _peak_mb())
    return {
        **result,
        "build": build,
        "build_cpu": build_cpu,
        "embedded": embedded,
        "save": save,
        "load": load,
        "peak_mb": peak_mb,
    }


def run_scan(size: int, args: argparse.Namespace) -> dict[str, Any]:
    scan = _ExhaustiveScan(_profiles(size))
    return {**_timed(_jobs(args), scan.top), "peak_mb": _peak_mb()}


def run_naive(size: int, args: argparse.Namespace) -> dict[str, Any]:
    from api.services.matching import vocabulary
    from matching.score import score_candidate

    vocab = vocabulary()
    talents = list(_profiles(size))

    def rank(job: JobProfile) -> list[tuple[int, float]]:
        results = [score_candidate(job, talent, vocab) for talent in talents]
        ranked = sorted((r for r in results if r.eligible), key=lambda r: (-r.score, r.talent_id))
        return [(r.talent_id, r.score) for r in ranked[:TOP]]

    return {**_timed(_jobs(args)[: args.naive_jobs], rank), "peak_mb": _peak_mb()}


CHILDREN: dict[str, Callable[[int, argparse.Namespace], dict[str, Any]]] = {
    "index": run_index,
    "scan": run_scan,
    "naive": run_naive,
}


class _ExhaustiveScan:
    """Every talent scored for every job with array operations, nothing skipped."""

    def __init__(self, talents: Iterator[TalentProfile]) -> None:
        from api.services.matching import vocabulary
        from matching.normalise import normalize_text

        self.vocab = vocabulary()
        texts: dict[str, int] = {}
        fields: dict[str, int] = {}
        cities: dict[str | None, int] = {}
        ids, degrees, years, skill_rows, field_rows, city_rows = [], [], [], [], [], []
        self.languages: dict[str, list[int]] = {}
        for row, talent in enumerate(talents):
            ids.append(talent.id)
            degrees.append(int(talent.highest_degree or 0))
            years.append(max(talent.years_experience, 0.0))
            # A sentinel text id -1 per talent keeps every segment non-empty.
            skill_rows.append([-1, *(texts.setdefault(normalize_text(s), len(texts)) for s in talent.skills)])
            field_rows.append(
                [-1, *(fields.setdefault(normalize_text(f), len(fields)) for f in talent.fields_of_study)]
            )
            places = [talent.current_city, *talent.wished_cities] if talent.current_city else talent.wished_cities
            city_rows.append([-1, *(cities.setdefault(c, len(cities)) for c in places)])
            for spoken in talent.languages:
                levels = self.languages.setdefault(normalize_text(spoken.language), [])
                levels.extend([0] * (row + 1 - len(levels)))
                levels[row] = max(levels[row], int(spoken.level))
        self.count = len(ids)
        self.ids = np.array(ids, dtype=np.int64)
        self.degrees = np.array(degrees, dtype=np.int64)
        self.years = np.array(years, dtype=np.float64)
        self.levels = {
            code: np.array(levels + [0] * (self.count - len(levels)), dtype=np.int64)
            for code, levels in self.languages.items()
        }
        self.texts = self.vocab.prepare_many(list(texts))
        self.fields = list(fields)
        self.cities = list(cities)
        self.skill_values, self.skill_starts = _flatten(skill_rows)
        self.field_values, self.field_starts = _flatten(field_rows)
        self.city_values, self.city_starts = _flatten(city_rows)

    def top(self, job: JobProfile) -> list[tuple[int, float]]:
        from matching.score import _city_keys, _field_matrix, _job_view, assess
        from matching.vocabulary import similarity_matrix

        view = _job_view(job, self.vocab)
        wanted = [self.vocab.prepare(text) for text in view.required + view.preferred]
        matrix = similarity_matrix(wanted, self.texts)
        best = self._per_talent(matrix, self.skill_values, self.skill_starts)

        def located() -> Any:
            hits = np.array([bool(c) and not view.city.isdisjoint(_city_keys(c)) for c in self.cities], dtype=float)
            return self._per_talent(hits[None, :], self.city_values, self.city_starts)[0] > 0

        def field_best() -> Any:
            usable = [f if f else "\0" for f in self.fields]
            similarity = _field_matrix([key for _, key in view.fields], usable, self.vocab.semantic).max(axis=0)
            similarity[[not f for f in self.fields]] = 0.0  # a blank field of study matches nothing
            return self._per_talent(similarity[None, :], self.field_values, self.field_starts)[0]

        def levels(language: str) -> Any:
            return self.levels.get(language, np.zeros(self.count, dtype=np.int64))

        assessment = assess(
            view,
            np.ascontiguousarray(best[: len(view.required)]),
            np.ascontiguousarray(best[len(view.required) :]),
            self.degrees,
            self.years,
            levels,
            located,
            field_best,
        )
        eligible = np.flatnonzero(assessment.eligible)
        order = np.lexsort((self.ids[eligible], -assessment.scores[eligible]))[:TOP]
        return [(int(self.ids[eligible[i]]), float(assessment.scores[eligible[i]])) for i in order]

    @staticmethod
    def _per_talent(matrix: Any, values: Any, starts: Any) -> Any:
        """For each row of ``matrix`` (one value per distinct text), each talent's best value."""
        padded = np.hstack([matrix, np.zeros((len(matrix), 1))])  # column -1: nothing held
        return np.maximum.reduceat(padded[:, values], starts, axis=1)


def _flatten(rows: list[list[int]]) -> tuple[Any, Any]:
    starts = np.zeros(len(rows), dtype=np.int64)
    np.cumsum([len(r) for r in rows[:-1]], out=starts[1:])
    return np.fromiter((v for r in rows for v in r), dtype=np.int64), starts


# ---------------------------------------------------------------------- report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def _print_table(
    rows: list[tuple[int, dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]], args: Any
) -> None:
    print()
    print(
        f"{'talents':>10} {'build s':>8} {'peak MB':>8} {'load s':>7} {'p50 ms':>8} {'p99 ms':>8} {'update ms':>9} "
        f"{'scan p50':>9} {'scan p99':>9} {'x scan':>7} {'top20=scan':>10} {'naive p50':>10} {'x naive':>8} "
        f"{'top20=naive':>11}"
    )
    for size, index, scan, naive in rows:
        p50, p99 = np.percentile(index["times"], [50, 99])
        line = (
            f"{size:>10,} {index['build']:>8.1f} {index['peak_mb']:>8,.0f} {index['load']:>7.2f} {_ms(p50):>8} "
            f"{_ms(p99):>8} {_ms(index['update']) + ('' if index['update_visible'] else '!'):>9} "
        )
        if scan:
            s50, s99 = np.percentile(scan["times"], [50, 99])
            same = sum(a == b for a, b in zip(index["tops"], scan["tops"], strict=True))
            line += f"{_ms(s50):>9} {_ms(s99):>9} {s50 / p50:>7.1f} {same:>5}/{len(scan['tops']):<4} "
        else:
            line += f"{'-':>9} {'-':>9} {'-':>7} {'-':>10} "
        if naive:
            n50 = float(np.median(naive["times"]))
            same = sum(a == b for a, b in zip(index["tops"], naive["tops"], strict=False))
            line += f"{_ms(n50):>10} {n50 / p50:>8.0f} {same:>6}/{len(naive['tops']):<4}"
        else:
            line += f"{'-':>10} {'-':>8} {'-':>11}"
        print(line)
    print(
        f"(p50/p99 over {args.jobs} jobs, rank(job, limit={TOP}); 'x' = baseline p50 / index p50; "
        "update = upsert of a changed profile plus the next ranking, '!' if the change was not seen)"
    )
    for size, index, _, _ in rows:
        c50, c99 = np.percentile(index["cpu_times"], [50, 99])
        build = index["build_cpu"]
        print(
            f"CPU time at {size:,} talents: build {build:.1f} s ({index['embedded']:,} texts embedded), "
            f"rank p50 {_ms(c50)} ms, p99 {_ms(c99)} ms"
        )
    print(flush=True)


if __name__ == "__main__":
    main()
