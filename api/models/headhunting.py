"""Headhunter campaigns, their invitations, and who owns the introduction of a person."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import DegreeLevel, check_in
from api.timeutil import utcnow

__all__ = ["Campaign", "IntroductionOwnership", "Invitation", "InvitationStatus"]


class InvitationStatus(StrEnum):
    """draft -> sent -> accepted / declined / expired; accepted -> attended."""

    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    ATTENDED = "attended"


class Campaign(SQLModel, table=True):
    """A firm's invitation drive: whom it looks for (``criteria``) and how many it may invite."""

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ck_campaign_dates"),
        CheckConstraint("quota IS NULL OR quota > 0", name="ck_campaign_quota"),
    )

    id: int | None = Field(default=None, primary_key=True)
    firm_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="RESTRICT")
    name: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    # {"min_degree", "fields", "skills", "countries", "has_project"}
    criteria: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    quota: int | None = None
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Invitation(SQLModel, table=True):
    """One person invited in a campaign: a registered talent (``talent_id``) or an outside person.

    The person fields are kept for both, as the firm knew them when inviting.
    ``import_key`` makes a CSV import idempotent (one row key per campaign).
    """

    __table_args__ = (
        UniqueConstraint("campaign_id", "import_key", name="uq_invitation_import_key"),
        CheckConstraint(check_in("status", InvitationStatus), name="ck_invitation_status"),
        CheckConstraint(f"degree IS NULL OR {check_in('degree', DegreeLevel)}", name="ck_invitation_degree"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="RESTRICT")
    firm_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="RESTRICT")
    talent_id: int | None = Field(default=None, foreign_key="talent.id", index=True, ondelete="RESTRICT")
    name_zh: str | None = Field(default=None, max_length=100)
    name_pinyin: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    institution: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, max_length=2)
    degree: str | None = Field(default=None, max_length=16)
    project_title: str | None = Field(default=None, max_length=300)
    status: str = Field(default=InvitationStatus.DRAFT.value, max_length=16)
    import_key: str | None = Field(default=None, max_length=300)
    source_row: int | None = None
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    responded_at: datetime | None = None
    expired_at: datetime | None = None
    attended_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class IntroductionOwnership(SQLModel, table=True):
    """The firm that first invited a person owns the introduction from ``owned_from`` to ``owned_until``.

    ``person_key`` names the person as first known (``talent:5`` or ``invitation:12``);
    ``talent_id`` is filled once the person is a registered talent.
    """

    __tablename__ = "introduction_ownership"
    __table_args__ = (CheckConstraint("owned_until >= owned_from", name="ck_introduction_ownership_period"),)

    id: int | None = Field(default=None, primary_key=True)
    person_key: str = Field(max_length=64, index=True)
    firm_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="RESTRICT")
    talent_id: int | None = Field(default=None, foreign_key="talent.id", index=True, ondelete="RESTRICT")
    invitation_id: int = Field(foreign_key="invitation.id", index=True, ondelete="RESTRICT")
    owned_from: date
    owned_until: date
