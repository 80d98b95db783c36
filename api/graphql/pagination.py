"""Relay cursor connections over offsets, with ``totalCount``.

Cursors are opaque (base64 of ``"cursor:<offset>"``).  Every list has a stable
order (by primary key, or by score then primary key), so an offset names one
place in it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from api.graphql.errors import bad_input

__all__ = [
    "Connection",
    "Edge",
    "PageInfo",
    "PageRequest",
    "asks_for_total",
    "connection_from_slice",
    "page_request",
]

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Far beyond any list; larger offsets would overflow the databases' integers.
MAX_OFFSET = 2**31 - 1
NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page sits in a connection.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One node of a connection with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of results; `first` is at most 100.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Number of results in the whole list, not only this page.")

    @strawberry.field(description="The nodes of this page, without cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"cursor:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")).decode()
        prefix, _, number = text.partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeError, ValueError):
        raise bad_input("malformed cursor in `after`") from None
    if prefix != "cursor" or not 0 <= offset <= MAX_OFFSET:
        raise bad_input("malformed cursor in `after`")
    return offset


@dataclass(frozen=True, slots=True)
class PageRequest:
    offset: int
    limit: int


def page_request(first: int | None, after: str | None, *, default: int = DEFAULT_PAGE_SIZE) -> PageRequest:
    """Check ``first``/``after``: ``first`` within 0..100, ``after`` a cursor from this API."""
    size = default if first is None else first
    if size < 0:
        raise bad_input("`first` must not be negative")
    if size > MAX_PAGE_SIZE:
        raise bad_input(f"`first` must be at most {MAX_PAGE_SIZE}")
    offset = 0 if after is None else decode_cursor(after) + 1
    return PageRequest(offset=offset, limit=size)


def connection_from_slice(nodes: Sequence[NodeT], page: PageRequest, total: int) -> Connection[NodeT]:
    """A connection from the ``nodes`` of ``page`` within a list of ``total`` results."""
    edges = [Edge(cursor=encode_cursor(page.offset + i), node=node) for i, node in enumerate(nodes)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.offset + len(edges) < total,
            has_previous_page=page.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


def asks_for_total(info: Info[Any, Any]) -> bool:
    """Whether the connection the field ``info`` resolves is asked for its ``totalCount`` (fragments included;
    a ``totalCount`` under ``@skip``/``@include`` counts as asked)."""

    def names(selections: Iterable[Selection]) -> Iterator[str]:
        for selection in selections:
            if isinstance(selection, SelectedField):
                yield selection.name
            else:  # a fragment
                yield from names(selection.selections)

    return any("totalCount" in names(field.selections) for field in info.selected_fields)
