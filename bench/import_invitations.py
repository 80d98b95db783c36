"""Benchmark ``importInvitations``: seconds per CSV file of 50, 200, 400 and 2,000 rows, before and after.

Usage::

    python bench/import_invitations.py                       # after (this tree) and before (commit 502befa)
    python bench/import_invitations.py --sizes 50 200 400
    python bench/import_invitations.py --baseline none       # this tree only

Each side gets a fresh SQLite database with the demo data (``guilu seed --demo``: 300-odd profiles, 52
invitations) and imports the files one after the other into new campaigns of the demo firm, through
``api.services.headhunting.import_invitations`` in one transaction each, as the mutation does; the table
grows from file to file, as it would in use.  Rows are outside people with Chinese names drawn from 34
family names (many share one), distinct e-mails and phones (deterministic), so every row is accepted and
none links.

*Before* is the code of ``--baseline`` (default ``502befa``, the commit before the fix: every row
loaded every invitation and every profile and compared against all of them), unpacked with
``git archive`` into a temporary folder and run by this same script in a child process.  Sizes
above ``--baseline-max-rows`` (default 400) are skipped there: they take minutes.

Prints one line per file: rows, invitations stored before it, seconds before, seconds after, ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (50, 200, 400, 2_000)
FAMILY = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬"


def _content(size: int, offset: int) -> str:
    """A CSV of ``size`` outside people, distinct across files (``offset``)."""
    lines = ["name_zh,email,phone,institution,country,degree"]
    for n in range(offset, offset + size):
        family, given = FAMILY[n % len(FAMILY)], GIVEN[(n // len(FAMILY)) % len(GIVEN)] + GIVEN[n % len(GIVEN)]
        lines.append(
            f"{family}{given},bench.person.{n}@example.net,+44 7700 {n:06d},University of Bench {n % 50},GB,phd"
        )
    return "\n".join(lines) + "\n"


def measure(sizes: list[int]) -> list[dict[str, float]]:
    """Import one file of each size into a fresh demo database with the code on ``sys.path``."""
    from sqlalchemy import func
    from sqlmodel import Session, col, select

    from api.db import create_db_engine, init_db
    from api.models import Account, Invitation
    from api.seed import load_demo
    from api.services import headhunting

    results = []
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(f"sqlite:///{folder}/bench.db")
        init_db(engine)
        load_demo(engine)
        offset = 0
        for size in sizes:
            with Session(engine, expire_on_commit=False) as session:
                account = session.exec(select(Account).where(Account.email == "headhunter@demo.guilu")).one()
                today = headhunting.today()
                campaign = headhunting.create_campaign(
                    session,
                    account,
                    headhunting.CampaignData(name=f"bench {size}", starts_on=today, ends_on=today + timedelta(30)),
                )
                session.commit()
                assert campaign.id is not None
                before = session.exec(select(func.count(col(Invitation.id)))).one()
                content = _content(size, offset)
                start = time.perf_counter()
                report = headhunting.import_invitations(session, account, campaign.id, content)
                session.commit()
                seconds = time.perf_counter() - start
            assert report.count("accepted") == size, [r.message for r in report.rows if r.outcome != "accepted"][:3]
            offset += size
            results.append({"rows": size, "before": float(before), "seconds": seconds})
        engine.dispose()
    return results


def _baseline(commit: str, sizes: list[int]) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        env = {**os.environ, "PYTHONPATH": folder}
        child = subprocess.run(
            [sys.executable, __file__, "--measure-only", "--sizes", *map(str, sizes)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
        )
    measured: list[dict[str, float]] = json.loads(child.stdout.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--baseline", default="502befa", help="commit of the code before the fix, or 'none'")
    parser.add_argument("--baseline-max-rows", type=int, default=400)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # This folder holds a bench/api.py, which must not shadow the api package.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    if args.measure_only:  # the child process of _baseline: the code comes from PYTHONPATH
        print(json.dumps(measure(args.sizes)))
        return
    sys.path.insert(0, str(ROOT))
    after = measure(args.sizes)
    baseline_sizes = [s for s in args.sizes if s <= args.baseline_max_rows]
    before = {} if args.baseline == "none" else {r["rows"]: r for r in _baseline(args.baseline, baseline_sizes)}
    print(f"{'rows':>6} {'stored before':>14} {'before (s)':>11} {'after (s)':>10} {'speed-up':>9}")
    for row in after:
        old = before.get(row["rows"])
        old_text = f"{old['seconds']:11.2f}" if old else f"{'-':>11}"
        ratio = f"{old['seconds'] / row['seconds']:8.1f}x" if old else f"{'-':>9}"
        print(f"{int(row['rows']):6d} {int(row['before']):14d} {old_text} {row['seconds']:10.2f} {ratio}")
    if before:
        print(f"(before: commit {args.baseline}; stored counts differ only by the files imported before)")


if __name__ == "__main__":
    main()
