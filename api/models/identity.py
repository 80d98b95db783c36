"""Decisions of identity resolution: which two records (talents, invitations) are one person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import check_in
from api.timeutil import utcnow

__all__ = ["IdentityLink", "IdentityLinkStatus", "RecordKind"]


class RecordKind(StrEnum):
    TALENT = "talent"
    INVITATION = "invitation"


class IdentityLinkStatus(StrEnum):
    """auto: linked by the engine (score >= 90); pending: waiting for a person; confirmed / rejected by one."""

    AUTO = "auto"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class IdentityLink(SQLModel, table=True):
    """A scored pair of records with the engine's evidence and the decision taken on it."""

    __tablename__ = "identity_link"
    __table_args__ = (
        UniqueConstraint("left_kind", "left_id", "right_kind", "right_id", name="uq_identity_link_pair"),
        CheckConstraint(check_in("status", IdentityLinkStatus), name="ck_identity_link_status"),
        CheckConstraint(check_in("left_kind", RecordKind), name="ck_identity_link_left_kind"),
        CheckConstraint(check_in("right_kind", RecordKind), name="ck_identity_link_right_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    left_kind: str = Field(max_length=16)
    left_id: int
    right_kind: str = Field(max_length=16)
    right_id: int
    score: float
    # [{"field", "left", "right", "similarity", "weight", "note"}]
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16, index=True)
    decided_by_account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
