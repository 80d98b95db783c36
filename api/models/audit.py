"""The audit trail: who changed what, when, and how it looked before and after.

Generic on purpose: credit records use it now; scores, application status and
identity links can write to it the same way (``api.services.audit.record_audit``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from api.timeutil import utcnow

__all__ = ["AuditEntry"]


class AuditEntry(SQLModel, table=True):
    """One change.  ``before`` is null for a creation, ``after`` for a deletion.

    ``actor_account_id`` is null when no account acted (the demo loader, or
    ``guilu import-credit`` without ``--actor``); ``via`` says through what.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity_type", "entity_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_account_id: int | None = Field(default=None, foreign_key="account.id", index=True, ondelete="SET NULL")
    via: str = Field(default="api", max_length=32)
    at: datetime = Field(default_factory=utcnow)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=64)
    entity_id: int
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
