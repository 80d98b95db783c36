"""The per-request context: database session, the signed-in account, loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request
from strawberry.types import Info as _Info

from api.config import Settings
from api.db import database_unavailable
from api.graphql.cup_loaders import CupLoaders
from api.graphql.dataloaders import Loaders
from api.models import Account
from api.models.enums import Role

__all__ = ["Context", "Info"]


@dataclass
class Context:
    request: Request
    settings: Settings
    engine: Engine
    viewer: Account | None = None
    # The connection_init payload of a websocket (subscriptions); None over HTTP.
    connection_params: dict[str, Any] | None = None
    session: Session = field(init=False)

    def __post_init__(self) -> None:
        self.session = Session(self.engine, expire_on_commit=False)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.session)

    @cached_property
    def cup_loaders(self) -> CupLoaders:
        return CupLoaders(self.session)

    def refresh(self) -> None:
        """Forget what this context read, for a long-lived websocket context to see new commits."""
        self.session.rollback()
        self.__dict__.pop("loaders", None)
        self.__dict__.pop("cup_loaders", None)

    def has_role(self, *roles: Role) -> bool:
        return self.viewer is not None and self.viewer.role in roles

    def close(self) -> None:
        """Close the session and let go of the loaders: whatever still refers to this context (strawberry's
        execution state sits in reference cycles) does not keep the rows read alive until the garbage collector.

        Closing rolls back what the request left open; when the connection died under it (the database
        restarting), that fails, and the connection is discarded instead: the answer already given stands.
        """
        try:
            self.session.close()
        except Exception as error:
            if not database_unavailable(error):
                raise
            self.session.invalidate()
        self.__dict__.pop("loaders", None)
        self.__dict__.pop("cup_loaders", None)


Info = _Info[Context, None]
