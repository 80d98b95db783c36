"""Enterprises (employers, headhunter firms, institutions) and their other names."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import IndustryChain, check_in
from api.timeutil import utcnow

__all__ = ["Enterprise", "EnterpriseAlias"]


class Enterprise(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(check_in("industry_chain", IndustryChain), name="ck_enterprise_industry_chain"),
        CheckConstraint("length(uscc) = 18", name="ck_enterprise_uscc_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    legal_name: str = Field(max_length=200, index=True)
    uscc: str = Field(max_length=18, unique=True, index=True)
    industry_chain: str = Field(max_length=40)
    district: str | None = Field(default=None, max_length=40)
    # An industrial park, e.g. 火炬高新区 (Torch Hi-tech Zone); loan products may be limited to parks.
    park: str | None = Field(default=None, max_length=40)
    # The founding date on the business licence (成立日期); start-up loans lend to young enterprises only.
    founded_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class EnterpriseAlias(SQLModel, table=True):
    __tablename__ = "enterprise_alias"
    __table_args__ = (UniqueConstraint("enterprise_id", "name", name="uq_enterprise_alias"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    position: int = 0
