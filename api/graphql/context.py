"""The per-request context: database session, the signed-in account, loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request
from strawberry.types import Info as _Info

from api.config import Settings
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
    session: Session = field(init=False)

    def __post_init__(self) -> None:
        self.session = Session(self.engine, expire_on_commit=False)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.session)

    def has_role(self, *roles: Role) -> bool:
        return self.viewer is not None and self.viewer.role in roles

    def close(self) -> None:
        self.session.close()


Info = _Info[Context, None]
