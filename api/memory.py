"""Keeping the long-lived objects of a worker out of the garbage collector's way."""

from __future__ import annotations

import gc

__all__ = ["settle"]


def settle() -> None:
    """Collect once, then freeze every object alive: the libraries, the schema, a freshly built index.

    A full collection walks every object the collector tracks, and a worker holds some 400,000 that live
    as long as it does (strawberry, SQLAlchemy, pypinyin's dictionaries, then the matching indexes): each
    one took 145-760 ms, inside whichever request set it off, about once every 300 requests of
    ``jobs(first: 20)``.  Frozen objects are never walked again; they are still freed by reference
    counting once dropped.  Only a reference cycle among them outlives its last use, so this runs when a
    worker starts and after an index's first build, not on every change.
    """
    gc.collect()
    gc.freeze()
