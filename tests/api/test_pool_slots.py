"""A worker serves at most as many GraphQL requests at once as its connection pool has connections."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from api.app import _pool_capacity


def test_the_bound_is_the_pool_size_plus_its_overflow(tmp_path: Path) -> None:
    queued = create_engine(f"sqlite:///{tmp_path / 'slots.db'}", pool_size=3, max_overflow=4)
    static = create_engine("sqlite://", poolclass=StaticPool)

    assert _pool_capacity(queued) == 7
    assert _pool_capacity(static) == 1_000
