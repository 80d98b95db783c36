"""Accounts: who signs in, with which role, acting for which enterprise or talent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import Role, check_in
from api.timeutil import utcnow

__all__ = ["Account"]


class Account(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(check_in("role", Role), name="ck_account_role"),
        CheckConstraint("email = lower(email)", name="ck_account_email_lower"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased, so the unique index makes e-mail addresses case-insensitive.
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True, ondelete="RESTRICT")
    talent_id: int | None = Field(default=None, foreign_key="talent.id", index=True, ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow)
