"""Public credit records of enterprises, the review queue of imported rows whose
enterprise was uncertain, and talents' personal credit scores.

A record's status (active, expired, repaired) is never stored: it follows from
its dates on the day it is read (:func:`matching.credit.record_status`), so
publicity ends by itself without a job that flips a column.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import check_in
from api.timeutil import utcnow
from matching.credit import RecordKind, TaxRating

__all__ = ["CreditMatchReview", "CreditRecord", "PersonalCreditScore", "ReviewStatus"]


class ReviewStatus:
    """The states of a :class:`CreditMatchReview` (pending until a credit officer decides)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    ALL = (PENDING, CONFIRMED, REJECTED)


class CreditRecord(SQLModel, table=True):
    """One public credit record, identified by its source authority and that source's record id."""

    __tablename__ = "credit_record"
    __table_args__ = (
        UniqueConstraint("source", "source_record_id", name="uq_credit_record_source"),
        CheckConstraint(check_in("kind", RecordKind), name="ck_credit_record_kind"),
        CheckConstraint(
            f"(kind = 'tax_rating' AND tax_rating IS NOT NULL AND {check_in('tax_rating', TaxRating)}) "
            "OR (kind <> 'tax_rating' AND tax_rating IS NULL)",
            name="ck_credit_record_tax_rating",
        ),
        CheckConstraint(
            "(kind = 'contract_performance' AND outcome IN ('fulfilled', 'breached')) "
            "OR (kind <> 'contract_performance' AND outcome IS NULL)",
            name="ck_credit_record_outcome",
        ),
        CheckConstraint("publicity_end IS NULL OR publicity_end >= publicity_start", name="ck_credit_record_publicity"),
        CheckConstraint(
            "(repaired_on IS NULL AND repair_authority IS NULL AND repair_basis IS NULL) "
            "OR (repaired_on IS NOT NULL AND repair_authority IS NOT NULL AND repair_basis IS NOT NULL)",
            name="ck_credit_record_repair",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True, ondelete="RESTRICT")
    kind: str = Field(max_length=32)
    source: str = Field(max_length=200, description="The authority that published the record.")
    source_record_id: str = Field(max_length=100)
    title: str = Field(default="", max_length=500)
    decision_date: date
    publicity_start: date
    publicity_end: date | None = None
    tax_rating: str | None = Field(default=None, max_length=1)
    outcome: str | None = Field(default=None, max_length=16)
    repaired_on: date | None = None
    repair_authority: str | None = Field(default=None, max_length=200)
    repair_basis: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class CreditMatchReview(SQLModel, table=True):
    """An imported row that named its enterprise only by a name the resolver was not sure of.

    ``candidates`` lists every enterprise the name may mean (``enterprise_id``,
    ``score``, ``matched_name``), best first; ``raw`` is the row as imported.
    """

    __tablename__ = "credit_match_review"
    __table_args__ = (
        UniqueConstraint("source", "source_record_id", name="uq_credit_match_review_source"),
        CheckConstraint("status IN ('pending', 'confirmed', 'rejected')", name="ck_credit_match_review_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)
    source_record_id: str = Field(max_length=100)
    name: str = Field(max_length=200, description="The enterprise name as the row gave it.")
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    candidates: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    candidate_enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", ondelete="SET NULL")
    score: float = 0.0
    status: str = Field(default=ReviewStatus.PENDING, max_length=16, index=True)
    credit_record_id: int | None = Field(default=None, foreign_key="credit_record.id", ondelete="SET NULL")
    decided_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class PersonalCreditScore(SQLModel, table=True):
    """A talent's personal credit score as one entry; the latest ``recorded_at`` (then id) is current."""

    __tablename__ = "personal_credit_score"
    __table_args__ = (
        Index("ix_personal_credit_score_talent_latest", "talent_id", "recorded_at", "id"),
        CheckConstraint("home_score >= 0", name="ck_personal_credit_home_score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    talent_id: int = Field(foreign_key="talent.id", ondelete="CASCADE")
    score: float = Field(description="The score as given, on the source city's scale.")
    source_city: str = Field(max_length=40)
    dimensions: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    home_score: float = Field(description="The score mapped onto Xiamen's (Egret) scale.")
    recorded_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    recorded_at: datetime = Field(default_factory=utcnow)
