"""Benchmark job search and enterprise-name resolution at city scale, beside a naive scan.

Usage::

    python bench/search.py                                   # 100k jobs, 100k enterprises, 300 queries
    python bench/search.py --jobs 10000 --enterprises 10000 --queries 200
    python bench/search.py --enterprises 0                   # job search only

Synthetic records and queries come from :mod:`bench.synth` (deterministic):
jobs with titles, skills, employers and descriptions, queried with titles,
skills and employer names in Chinese, English, pinyin and Traditional
characters, some with typos; enterprise names queried as users type them
(legal form or place dropped, brand shortened, typo, Traditional, pinyin).

For each engine the table gives the index build time and the per-query p50 and
p99 of

``search(limit=50)`` / ``search(limit=None)``
    :meth:`matching.search.JobSearchIndex.search`: the first 50 hits (scored
    only as far as they need) and every hit;
``count()``
    :meth:`matching.search.JobSearchIndex.count`, the number of hits;
``search_page(limit=20)``
    what the service (:func:`api.services.matching.search_jobs`) asks for a
    first page and its total: ``search_page(limit=20, among=ids)``, with
    ``ids`` every job's id (the jobs a filter allows);
``resolve(limit=5)``
    :meth:`matching.resolve.OrganisationResolver.resolve`;
``naive``
    :func:`rapidfuzz.process.extract` of the query against every record's
    text (a job's title, skills and employer; an enterprise's name) with the
    default ``WRatio`` scorer and the same limit, over the first
    ``--baseline-queries`` queries;

and the ratio of the naive p50 to the engine's.  Times are wall-clock
(:func:`time.perf_counter`); ``cpu p50`` is the p50 of this process's CPU time
(:func:`time.process_time`), which other processes on a shared machine disturb
less.  Everything runs in this one process, on one core.  Nothing is asserted;
the figures are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import process  # noqa: E402

from bench import synth  # noqa: E402
from matching.resolve import OrganisationResolver, OrgRecord  # noqa: E402
from matching.search import JobSearchIndex  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs indexed (default 100,000)")
    parser.add_argument("--enterprises", type=int, default=100_000, help="enterprises indexed (default 100,000)")
    parser.add_argument("--queries", type=int, default=300, help="queries per engine (default 300)")
    parser.add_argument("--baseline-queries", type=int, default=100, help="queries for the naive scan (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="selects records and queries")
    args = parser.parse_args()

    print(f"python {sys.version.split()[0]}, one process, synth v{synth.SYNTH_VERSION}, seed {args.seed}")
    rows: list[tuple[str, ...]] = []
    if args.jobs:
        rows += _job_search(args)
    if args.enterprises:
        rows += _resolution(args)
    header = ("engine", "records", "build s", "queries", "p50 ms", "p99 ms", "cpu p50 ms", "naive p50 ms", "speed-up")
    _print_table(header, rows)


def _job_search(args: argparse.Namespace) -> list[tuple[str, ...]]:
    docs = synth.search_docs(args.jobs, seed=args.seed + 4)
    queries = synth.search_queries(args.queries, seed=args.seed + 5)
    started = time.perf_counter()
    index = JobSearchIndex(docs)
    index.search("warm-up")
    build = time.perf_counter() - started
    texts = [" ".join((doc.title, *doc.skills, doc.employer_name)) for doc in docs]
    naive = _timings(lambda q: process.extract(q, texts, limit=50), queries[: args.baseline_queries])
    ids = {doc.id for doc in docs}
    runs: list[tuple[str, Callable[[str], Any]]] = [
        ("search(limit=50)", lambda q: index.search(q, limit=50)),
        ("search(limit=None)", lambda q: index.search(q, limit=None)),
        ("count()", index.count),
        ("search_page(limit=20)", lambda q: index.search_page(q, limit=20, among=ids)),
    ]
    return [_row(name, len(docs), build, _timings(run, queries), naive) for name, run in runs]


def _resolution(args: argparse.Namespace) -> list[tuple[str, ...]]:
    names = synth.enterprise_names(args.enterprises, seed=args.seed + 2)
    queries = synth.name_queries(names, args.queries, seed=args.seed + 3)
    started = time.perf_counter()
    resolver = OrganisationResolver(OrgRecord(k, (name,)) for k, name in enumerate(names, start=1))
    resolver.resolve("warm-up")
    build = time.perf_counter() - started
    naive = _timings(lambda q: process.extract(q, names, limit=5), queries[: args.baseline_queries])
    timings = _timings(lambda q: resolver.resolve(q, limit=5), queries)
    return [_row("resolve(limit=5)", len(names), build, timings, naive)]


def _timings(run: Callable[[str], Any], queries: Sequence[str]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per query, each query run once."""
    wall, cpu = [], []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        run(query)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def _row(
    name: str,
    records: int,
    build: float,
    timings: tuple[list[float], list[float]],
    naive: tuple[list[float], list[float]],
) -> tuple[str, ...]:
    wall, cpu = timings
    p50, p99 = _percentile(wall, 50), _percentile(wall, 99)
    naive_p50 = _percentile(naive[0], 50) if naive[0] else float("nan")
    return (
        name,
        f"{records:,}",
        f"{build:.1f}",
        str(len(wall)),
        f"{p50 * 1000:.2f}",
        f"{p99 * 1000:.1f}",
        f"{_percentile(cpu, 50) * 1000:.2f}",
        f"{naive_p50 * 1000:.1f}",
        f"{naive_p50 / p50:.0f}x",
    )


def _percentile(values: list[float], percent: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1] if percent < 100 else max(values)


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))


if __name__ == "__main__":
    main()
