"""What the garbage collector costs a worker, with and without its long-lived objects frozen.

Usage::

    python bench/gc_pauses.py                    # demo data plus 100,000 synthetic talents
    python bench/gc_pauses.py --requests 2000

The app of ``bench/api.py`` (``create_bench_app``) runs in this process, driven through its ASGI
interface (no sockets), and answers ``jobs(first: 20)`` with employer and credit ``--requests``
times in each of two phases, in this order:

``unfrozen``
    ``gc.unfreeze()`` first: every long-lived object (libraries, schema, indexes) back in the
    collector's view, as a worker was before :func:`api.memory.settle`;
``frozen``
    :func:`api.memory.settle` (collect, then ``gc.freeze()``), as the app does after start-up.

For each phase: collections per generation and the time they took (``gc.callbacks``), the longest
one, and the mean time per request.  Nothing is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
# Run as a script, this file's folder comes first on sys.path and would shadow the ``api`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import httpx2  # noqa: E402

from api import memory  # noqa: E402
from bench.api import BENCH_SECRET, JOBS_QUERY, create_bench_app, synthetic_database  # noqa: E402


class _Pauses:
    """Collections seen through ``gc.callbacks``: per generation, how many and how long in all; the longest."""

    def __init__(self) -> None:
        self.by_generation: dict[int, list[float]] = {}
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.by_generation.setdefault(info["generation"], []).append(time.perf_counter() - self._started)

    def row(self, name: str, requests: int, seconds: float) -> str:
        cells = []
        for generation in (0, 1, 2):
            pauses = self.by_generation.get(generation, [])
            cells.append(f"{len(pauses):>6} {sum(pauses) * 1000:>9.1f}")
        longest = max((p for pauses in self.by_generation.values() for p in pauses), default=0.0)
        return (
            f"{name:<9}{''.join(f'  {c}' for c in cells)}  {longest * 1000:>10.1f}  {seconds / requests * 1000:>9.2f}"
        )


async def _phase(client: httpx2.AsyncClient, requests: int) -> tuple[_Pauses, float]:
    body = {"query": JOBS_QUERY, "variables": {"first": 20}}
    pauses = _Pauses()
    gc.callbacks.append(pauses)
    started = time.perf_counter()
    try:
        for _ in range(requests):
            response = await client.post("/graphql", json=body)
            assert response.status_code == 200 and "errors" not in response.json(), response.text
    finally:
        gc.callbacks.remove(pauses)
    return pauses, time.perf_counter() - started


async def _run(requests: int) -> None:
    app = create_bench_app()
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as client:
            await _phase(client, 100)  # warm: caches, loaders, the first build of what the query reads
            gc.unfreeze()
            tracked = len(gc.get_objects())
            unfrozen = await _phase(client, requests)
            memory.settle()
            frozen = await _phase(client, requests)
    print(f"{tracked:,} objects tracked before freezing; {requests} requests of jobs(first: 20) per phase")
    generations = "".join(f"  {f'gen{g} n':>6} {'ms':>9}" for g in (0, 1, 2))
    print(f"{'phase':<9}{generations}  {'longest ms':>10}  {'ms/request':>9}")
    print(unfrozen[0].row("unfrozen", requests, unfrozen[1]))
    print(frozen[0].row("frozen", requests, frozen[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--talents", type=int, default=100_000, help="synthetic talents added to the demo data")
    parser.add_argument("--requests", type=int, default=1000, help="requests per phase (default 1000)")
    args = parser.parse_args()
    database = synthetic_database(args.talents, seed=0)
    os.environ.update(
        DATABASE_URL=f"sqlite:///{database}",
        GUILU_SECRET_KEY=BENCH_SECRET,
        GUILU_THROTTLE_CAPACITY="100000000",
        GUILU_THROTTLE_RESTORE_RATE="100000000",
    )
    os.environ.pop("GUILU_DEMO", None)
    asyncio.run(_run(args.requests))


if __name__ == "__main__":
    main()
