"""The Guilu Cup's DataLoaders, made per request (``Context.cup_loaders``): one statement per relation per page."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session
from strawberry.dataloader import DataLoader

from api.graphql.dataloaders import _by_id, _many_by
from api.models import (
    Competition,
    CompetitionTrack,
    CupAwardTier,
    CupCriterion,
    CupResult,
    Entry,
    EntryMember,
    EntryRound,
    JudgeProfileRow,
    Round,
)

__all__ = ["CupLoaders"]


@dataclass
class CupLoaders:
    """Every Cup loader of one request, named ``<thing>_by_<key>``."""

    session: Session
    competition_by_id: DataLoader[int, Competition | None] = field(init=False)
    round_by_id: DataLoader[int, Round | None] = field(init=False)
    entry_by_id: DataLoader[int, Entry | None] = field(init=False)
    rounds_by_competition_id: DataLoader[int, list[Round]] = field(init=False)
    criteria_by_competition_id: DataLoader[int, list[CupCriterion]] = field(init=False)
    tracks_by_competition_id: DataLoader[int, list[CompetitionTrack]] = field(init=False)
    tiers_by_competition_id: DataLoader[int, list[CupAwardTier]] = field(init=False)
    members_by_entry_id: DataLoader[int, list[EntryMember]] = field(init=False)
    entry_rounds_by_entry_id: DataLoader[int, list[EntryRound]] = field(init=False)
    results_by_entry_id: DataLoader[int, list[CupResult]] = field(init=False)
    judge_profiles_by_account_id: DataLoader[int, list[JudgeProfileRow]] = field(init=False)

    def __post_init__(self) -> None:
        s = self.session
        self.competition_by_id = _by_id(s, Competition)
        self.round_by_id = _by_id(s, Round)
        self.entry_by_id = _by_id(s, Entry)
        self.rounds_by_competition_id = _many_by(s, Round, "competition_id", Round.position)
        self.criteria_by_competition_id = _many_by(s, CupCriterion, "competition_id", CupCriterion.position)
        self.tracks_by_competition_id = _many_by(s, CompetitionTrack, "competition_id", CompetitionTrack.position)
        self.tiers_by_competition_id = _many_by(s, CupAwardTier, "competition_id", CupAwardTier.position)
        self.members_by_entry_id = _many_by(s, EntryMember, "entry_id", EntryMember.position)
        self.entry_rounds_by_entry_id = _many_by(s, EntryRound, "entry_id", EntryRound.round_id)
        self.results_by_entry_id = _many_by(s, CupResult, "entry_id", CupResult.id)
        self.judge_profiles_by_account_id = _many_by(s, JudgeProfileRow, "account_id", JudgeProfileRow.id)
