"""The Guilu Cup (归鹭杯): competitions, their rubric, rounds and awards; entries and their
teams; judges, assignments, scores; awards and the results frozen at finalisation.

The rules live in :mod:`api.services.cup` and the pure engine :mod:`matching.judging`;
these tables only keep what they decided, with constraints that hold whatever the code does.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import IndustryChain, check_in
from api.timeutil import utcnow
from matching.judging import AggregationMethod

__all__ = [
    "AssignmentPin",
    "AssignmentStatus",
    "Competition",
    "CompetitionStatus",
    "CompetitionTrack",
    "CupAward",
    "CupAwardTier",
    "CupCriterion",
    "CupResult",
    "Entry",
    "EntryMember",
    "EntryRound",
    "EntryStage",
    "JudgeAssignment",
    "JudgePanel",
    "JudgeProfileRow",
    "PinKind",
    "Round",
    "RoundStatus",
    "Score",
]


class CompetitionStatus(StrEnum):
    OPEN = "open"
    FINALISED = "finalised"


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EntryStage(StrEnum):
    IDEA = "idea"
    PROTOTYPE = "prototype"
    REVENUE = "revenue"


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    RECUSED = "recused"


class PinKind(StrEnum):
    FORCED = "forced"
    FORBIDDEN = "forbidden"


class Competition(SQLModel, table=True):
    """One edition of the Cup: its aggregation method, tie-break and scoring step."""

    __tablename__ = "cup_competition"
    __table_args__ = (
        UniqueConstraint("name", "edition", name="uq_cup_competition_edition"),
        CheckConstraint(check_in("method", AggregationMethod), name="ck_cup_competition_method"),
        CheckConstraint(check_in("status", CompetitionStatus), name="ck_cup_competition_status"),
        CheckConstraint("step IN (1.0, 0.5)", name="ck_cup_competition_step"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_cup_competition_year"),
        CheckConstraint("edition >= 1", name="ck_cup_competition_edition"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    edition: int
    year: int
    submission_deadline: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    method: str = Field(default=AggregationMethod.MEAN.value, max_length=16)
    tie_break: list[str] = Field(default_factory=lambda: ["raw_mean"], sa_column=Column(JSON, nullable=False))
    step: float = 1.0
    status: str = Field(default=CompetitionStatus.OPEN.value, max_length=16)
    finalised_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class CompetitionTrack(SQLModel, table=True):
    """A track of a competition, mapped to one industry chain of the 4+4+6 system."""

    __tablename__ = "cup_track"
    __table_args__ = (
        UniqueConstraint("competition_id", "chain", name="uq_cup_track"),
        CheckConstraint(check_in("chain", IndustryChain), name="ck_cup_track_chain"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="cup_competition.id", index=True, ondelete="CASCADE")
    chain: str = Field(max_length=32)
    position: int = 0


class Round(SQLModel, table=True):
    """A judging round (preliminary, final); ``advance_count`` entries go on to the next one."""

    __tablename__ = "cup_round"
    __table_args__ = (
        UniqueConstraint("competition_id", "name", name="uq_cup_round_name"),
        UniqueConstraint("competition_id", "position", name="uq_cup_round_position"),
        CheckConstraint(check_in("status", RoundStatus), name="ck_cup_round_status"),
        CheckConstraint("advance_count IS NULL OR advance_count >= 1", name="ck_cup_round_advance"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="cup_competition.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=64)
    position: int
    advance_count: int | None = None
    status: str = Field(default=RoundStatus.OPEN.value, max_length=16)
    closed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class CupCriterion(SQLModel, table=True):
    """One line of a competition's rubric."""

    __tablename__ = "cup_criterion"
    __table_args__ = (
        UniqueConstraint("competition_id", "key", name="uq_cup_criterion_key"),
        CheckConstraint("weight > 0 AND maximum > 0", name="ck_cup_criterion_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="cup_competition.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=64)
    label: str = Field(max_length=100)
    weight: float
    maximum: float
    position: int = 0


class CupAwardTier(SQLModel, table=True):
    """A prize (一等奖) and how many entries get it; tiers are given in ``position`` order."""

    __tablename__ = "cup_award_tier"
    __table_args__ = (
        UniqueConstraint("competition_id", "name", name="uq_cup_award_tier_name"),
        CheckConstraint("count >= 1", name="ck_cup_award_tier_count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="cup_competition.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=64)
    count: int
    position: int = 0


class Entry(SQLModel, table=True):
    """A project entered by its lead talent; one per lead per edition."""

    __tablename__ = "cup_entry"
    __table_args__ = (
        UniqueConstraint("competition_id", "lead_talent_id", name="uq_cup_entry_lead"),
        CheckConstraint(check_in("stage", EntryStage), name="ck_cup_entry_stage"),
        CheckConstraint(check_in("track", IndustryChain), name="ck_cup_entry_track"),
        CheckConstraint(
            "requested_financing IS NULL OR requested_financing >= 0", name="ck_cup_entry_requested_financing"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="cup_competition.id", index=True, ondelete="CASCADE")
    lead_talent_id: int = Field(foreign_key="talent.id", index=True, ondelete="RESTRICT")
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=5000)
    track: str = Field(max_length=32)
    stage: str = Field(max_length=16)
    requested_financing: int | None = None
    links: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class EntryMember(SQLModel, table=True):
    """A team member: a talent, with the institution and employer the team declares for them."""

    __tablename__ = "cup_entry_member"
    __table_args__ = (UniqueConstraint("entry_id", "talent_id", name="uq_cup_entry_member"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="cup_entry.id", index=True, ondelete="CASCADE")
    talent_id: int = Field(foreign_key="talent.id", index=True, ondelete="RESTRICT")
    is_lead: bool = False
    institution: str | None = Field(default=None, max_length=200)
    employer: str | None = Field(default=None, max_length=200)
    position: int = 0
    # When the member agreed to be on the team (the lead at once); until then the member does not count
    # and the team sees only their name.
    accepted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class EntryRound(SQLModel, table=True):
    """An entry takes part in a round (every entry in the first; the advanced ones later)."""

    __tablename__ = "cup_entry_round"
    __table_args__ = (UniqueConstraint("entry_id", "round_id", name="uq_cup_entry_round"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="cup_entry.id", index=True, ondelete="CASCADE")
    round_id: int = Field(foreign_key="cup_round.id", index=True, ondelete="CASCADE")


class JudgeProfileRow(SQLModel, table=True):
    """A judge account's name, affiliations and declared conflicts (names and entries)."""

    __tablename__ = "cup_judge"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", unique=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    talent_id: int | None = Field(default=None, foreign_key="talent.id", ondelete="SET NULL")
    affiliations: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    declared_conflicts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    declared_entry_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class JudgePanel(SQLModel, table=True):
    """A judge on a competition's panel (every round draws from it)."""

    __tablename__ = "cup_panel"
    __table_args__ = (UniqueConstraint("competition_id", "judge_account_id", name="uq_cup_panel"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="cup_competition.id", index=True, ondelete="CASCADE")
    judge_account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")


class JudgeAssignment(SQLModel, table=True):
    """A judge assigned to an entry in a round; a recused assignment keeps its reason."""

    __tablename__ = "cup_assignment"
    __table_args__ = (
        UniqueConstraint("round_id", "judge_account_id", "entry_id", name="uq_cup_assignment"),
        CheckConstraint(check_in("status", AssignmentStatus), name="ck_cup_assignment_status"),
        CheckConstraint("(status = 'recused') = (recusal_reason IS NOT NULL)", name="ck_cup_assignment_recusal_reason"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="cup_round.id", index=True, ondelete="CASCADE")
    judge_account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="cup_entry.id", index=True, ondelete="CASCADE")
    status: str = Field(default=AssignmentStatus.ASSIGNED.value, max_length=16)
    recusal_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class AssignmentPin(SQLModel, table=True):
    """A (judge, entry) pair an admin forced into or forbade from a round's assignment."""

    __tablename__ = "cup_assignment_pin"
    __table_args__ = (
        UniqueConstraint("round_id", "judge_account_id", "entry_id", name="uq_cup_assignment_pin"),
        CheckConstraint(check_in("kind", PinKind), name="ck_cup_assignment_pin_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="cup_round.id", index=True, ondelete="CASCADE")
    judge_account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    entry_id: int = Field(foreign_key="cup_entry.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)


class Score(SQLModel, table=True):
    """A judge's sheet for one entry in one round: criterion values and the weighted total (0..100)."""

    __tablename__ = "cup_score"
    __table_args__ = (
        UniqueConstraint("round_id", "judge_account_id", "entry_id", name="uq_cup_score"),
        CheckConstraint("total >= 0 AND total <= 100", name="ck_cup_score_total"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="cup_round.id", index=True, ondelete="CASCADE")
    judge_account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="cup_entry.id", index=True, ondelete="CASCADE")
    criteria: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    total: float
    submitted_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CupAward(SQLModel, table=True):
    """A prize given at finalisation."""

    __tablename__ = "cup_award"
    __table_args__ = (UniqueConstraint("competition_id", "entry_id", name="uq_cup_award"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="cup_competition.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="cup_entry.id", ondelete="CASCADE")
    tier: str = Field(max_length=64)
    rank: int


class CupResult(SQLModel, table=True):
    """An entry's final result, written once at finalisation and never changed."""

    __tablename__ = "cup_result"
    __table_args__ = (UniqueConstraint("competition_id", "entry_id", name="uq_cup_result"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="cup_competition.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="cup_entry.id", ondelete="CASCADE")
    rank: int
    aggregate: float
    raw_mean: float
    method: str = Field(max_length=16)
    judges_counted: int
    award: str | None = Field(default=None, max_length=64)
