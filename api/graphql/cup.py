"""The Guilu Cup (归鹭杯) over GraphQL: competitions, entries, judges, assignment, scoring,
leaderboards (with a live subscription for the final roadshow), closing and finalising.

Resolvers are thin: they decode IDs, call :mod:`api.services.cup` and map its results;
relations load through the request's DataLoaders (``Context.cup_loaders``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TypeVar

import strawberry
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.graphql.context import Context, Info
from api.graphql.credit import AuditEntry
from api.graphql.errors import ApiError, forbidden, read_service, unauthenticated
from api.graphql.ids import decode_global_id, decode_id_of, encode_global_id
from api.graphql.mutations import UserError, require_viewer, run_mutation
from api.graphql.pagination import Connection, connection_from_slice, page_request
from api.graphql.permissions import IsAuthenticated, can_see_talent, require_role
from api.graphql.types import IndustryChain, Node, Talent
from api.models import Account as AccountRow
from api.models import AuditEntry as AuditEntryRow
from api.models import Competition as CompetitionRow
from api.models import CupAward as CupAwardRow
from api.models import Entry as EntryRow
from api.models import EntryMember as EntryMemberRow
from api.models import JudgeAssignment as AssignmentRow
from api.models import JudgePanel, enums
from api.models import Round as RoundRow
from api.models import Score as ScoreRow
from api.models import Talent as TalentRow
from api.models import cup as cup_models
from api.services import cup
from api.services.errors import ErrorCode, ServiceError
from matching import judging

__all__ = ["CupMutation", "CupQuery", "CupSubscription", "cup_node", "round_leaderboard"]

T = TypeVar("T")

AggregationMethod = strawberry.enum(
    judging.AggregationMethod,
    description="MEAN; TRIMMED_MEAN (without the highest and lowest total, needs 5 scores); ZSCORE (per-judge "
    "z-scores mapped back to the round's mean and spread, needs every judge to score 3 entries).",
)
EntryStage = strawberry.enum(cup_models.EntryStage, description="How far the project is: idea, prototype, revenue.")
RoundStatus = strawberry.enum(cup_models.RoundStatus, description="OPEN: judges score; CLOSED: results are known.")
CompetitionStatus = strawberry.enum(
    cup_models.CompetitionStatus, description="FINALISED: awards given, results frozen."
)
PinKind = strawberry.enum(cup_models.PinKind, description="FORCED: always assign the pair; FORBIDDEN: never.")
AssignmentStatus = strawberry.enum(cup_models.AssignmentStatus, description="RECUSED keeps the judge's reason.")


@strawberry.enum(description="Why a judge may not judge an entry.")
class ConflictKind(enums.StrEnum):
    SAME_PERSON = "same_person"
    AFFILIATION = "affiliation"
    DECLARED = "declared"


def _signed_in(info: Info) -> AccountRow:
    viewer = info.context.viewer
    if viewer is None:
        raise unauthenticated()
    return viewer


async def _can_see_entry(ctx: Context, row: EntryRow, on_panel: bool | None = None) -> bool:
    """:func:`api.services.cup.may_see_entry` for the request's viewer (``on_panel`` looked up unless given)."""
    viewer = ctx.viewer
    if viewer is None:
        return False
    if on_panel is None:
        on_panel = cup.on_panel(ctx.session, viewer, row.competition_id)
    if cup.may_see_panel_work(viewer, on_panel=on_panel):
        return True
    assert row.id is not None
    return cup.may_see_entry(viewer, await ctx.cup_loaders.members_by_entry_id.load(row.id), on_panel=on_panel)


# ------------------------------------------------------------------ types


@strawberry.type(description="One line of the rubric: points from 0 to `maximum` on the competition's step.")
class Criterion:
    key: str
    label: str
    weight: float = strawberry.field(description="Relative weight in the weighted total.")
    maximum: float


@strawberry.type(description="A prize and how many entries get it (given from the top of the final ranking).")
class AwardTier:
    name: str
    count: int


@strawberry.type(description="A judging round of a competition.")
class Round(Node):
    row: strawberry.Private[RoundRow]

    @classmethod
    def from_model(cls, row: RoundRow) -> Round:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Round", row.id)), row=row)

    @strawberry.field(description="e.g. preliminary, final.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="0 for the first round.")
    def position(self) -> int:
        return self.row.position

    @strawberry.field(description="How many entries advance to the next round when this one closes; null for the last.")
    def advance_count(self) -> int | None:
        return self.row.advance_count

    @strawberry.field
    def status(self) -> RoundStatus:
        return cup_models.RoundStatus(self.row.status)

    @strawberry.field
    def closed_at(self) -> datetime | None:
        return self.row.closed_at

    @strawberry.field(description="The round's scores you may see: admins all; a judge their own until it closes.")
    def scores(self, info: Info) -> list[Score]:
        viewer = _signed_in(info)
        assert self.row.id is not None
        round_id = self.row.id
        return [
            Score.from_model(s)
            for s in read_service(lambda: cup.visible_scores(info.context.session, viewer, round_id))
        ]


@strawberry.type(description="A competition judge: name, affiliations and declared conflicts.")
class Judge(Node):
    account_id: strawberry.Private[int]
    profile: strawberry.Private[cup_models.JudgeProfileRow | None]

    @classmethod
    def of(cls, account_id: int, profile: cup_models.JudgeProfileRow | None) -> Judge:
        return cls(id=strawberry.ID(encode_global_id("Judge", account_id)), account_id=account_id, profile=profile)

    @classmethod
    async def load(cls, ctx: Context, account_id: int) -> Judge:
        profiles = await ctx.cup_loaders.judge_profiles_by_account_id.load(account_id)
        return cls.of(account_id, profiles[0] if profiles else None)

    @strawberry.field(description="The judge's name; the account's e-mail when no profile is set.")
    async def name(self, info: Info) -> str:
        if self.profile is not None:
            return self.profile.name
        account = await info.context.loaders.account_by_id.load(self.account_id)
        return account.email if account else str(self.account_id)

    @strawberry.field(description="Institutions and enterprises the judge works for or belongs to.")
    def affiliations(self) -> list[str]:
        return list(self.profile.affiliations) if self.profile else []

    @strawberry.field(description="People and organisations the judge declared a conflict with.")
    def declared_conflicts(self) -> list[str]:
        return list(self.profile.declared_conflicts) if self.profile else []


@strawberry.type(
    description="A member of an entry's team: the lead, or a talent the lead invited, who counts once they accept "
    "(respondToTeamInvitation). Invited members still count for conflicts of interest."
)
class TeamMember:
    row: strawberry.Private[EntryMemberRow]
    on_panel: strawberry.Private[bool]  # the viewer judges the entry's competition

    async def _talent(self, info: Info) -> tuple[TalentRow | None, bool]:
        row = await info.context.loaders.talent_by_id.load(self.row.talent_id)
        return row, row is not None and await can_see_talent(info.context, row)

    @strawberry.field(
        description="The member's profile: null until they accept, and then shown to the competition's panel "
        "(contact data masked) and to those who may see the talent anyway (a discoverable profile, admins)."
    )
    async def talent(self, info: Info) -> Talent | None:
        row, visible = await self._talent(info)
        viewer = info.context.viewer
        if row is None or not cup.may_see_member_profile(
            viewer, self.row, talent_visible=visible, on_panel=self.on_panel
        ):
            return None
        return Talent.from_model(row)

    @strawberry.field(
        description="The member's name once they accept; while invited, only when their profile is visible to you "
        "anyway (a discoverable one), else null."
    )
    async def name(self, info: Info) -> str | None:
        row, visible = await self._talent(info)
        if row is None or not cup.may_see_member_name(info.context.viewer, self.row, talent_visible=visible):
            return None
        return row.name_zh or row.name_en

    @strawberry.field(description="Whether the member agreed to be on the team (the lead always has).")
    def accepted(self) -> bool:
        return self.row.accepted_at is not None

    @strawberry.field
    def is_lead(self) -> bool:
        return self.row.is_lead

    @strawberry.field(description="The institution the team names for this member (their education counts too).")
    def institution(self) -> str | None:
        return self.row.institution

    @strawberry.field
    def employer(self) -> str | None:
        return self.row.employer


@strawberry.type(description="An entry's frozen result, written when the competition was finalised.")
class EntryResult:
    rank: int
    aggregate: float
    raw_mean: float
    method: AggregationMethod
    judges_counted: int
    award: str | None = strawberry.field(description="The prize, e.g. 一等奖; null for none.")


@strawberry.type(description="A Guilu Cup entry: a project and its team, submitted by the lead.")
class Entry(Node):
    row: strawberry.Private[EntryRow]

    @classmethod
    def from_model(cls, row: EntryRow) -> Entry:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Entry", row.id)), row=row)

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def summary(self) -> str:
        return self.row.summary

    @strawberry.field
    def track(self) -> IndustryChain:
        return enums.IndustryChain(self.row.track)

    @strawberry.field
    def stage(self) -> EntryStage:
        return cup_models.EntryStage(self.row.stage)

    @strawberry.field(description="Financing the team seeks, in yuan.")
    def requested_financing(self) -> int | None:
        return self.row.requested_financing

    @strawberry.field
    def links(self) -> list[str]:
        return list(self.row.links)

    @strawberry.field
    def submitted_at(self) -> datetime:
        return self.row.submitted_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.row.updated_at

    @strawberry.field
    async def competition(self, info: Info) -> Competition:
        row = await info.context.cup_loaders.competition_by_id.load(self.row.competition_id)
        assert row is not None
        return Competition.from_model(row)

    @strawberry.field(
        description="The team, lead first, invited members included; null when you may not see the entry's details."
    )
    async def team(self, info: Info) -> list[TeamMember] | None:
        on_panel = cup.on_panel(info.context.session, info.context.viewer, self.row.competition_id)
        if not await _can_see_entry(info.context, self.row, on_panel):
            return None
        assert self.row.id is not None
        members = await info.context.cup_loaders.members_by_entry_id.load(self.row.id)
        return [TeamMember(row=m, on_panel=on_panel) for m in members]

    @strawberry.field(description="The rounds the entry takes part in, first round first.")
    async def rounds(self, info: Info) -> list[Round]:
        assert self.row.id is not None
        loaders = info.context.cup_loaders
        links = await loaders.entry_rounds_by_entry_id.load(self.row.id)
        rows = [await loaders.round_by_id.load(link.round_id) for link in links]
        return [Round.from_model(r) for r in sorted((r for r in rows if r), key=lambda r: r.position)]

    @strawberry.field(description="The frozen result, once the competition is finalised.")
    async def result(self, info: Info) -> EntryResult | None:
        assert self.row.id is not None
        results = await info.context.cup_loaders.results_by_entry_id.load(self.row.id)
        if not results:
            return None
        r = results[0]
        return EntryResult(
            rank=r.rank,
            aggregate=r.aggregate,
            raw_mean=r.raw_mean,
            method=judging.AggregationMethod(r.method),
            judges_counted=r.judges_counted,
            award=r.award,
        )


@strawberry.type(description="A criterion's points on one score sheet.")
class CriterionScore:
    criterion: str
    value: float


@strawberry.input(description="Points for one criterion, within 0..maximum and on the competition's step.")
class CriterionScoreInput:
    criterion: str = strawberry.field(description="The criterion key, e.g. innovation.")
    value: float


@strawberry.type(description="A judge's score sheet for one entry in one round.")
class Score(Node):
    row: strawberry.Private[ScoreRow]

    @classmethod
    def from_model(cls, row: ScoreRow) -> Score:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Score", row.id)), row=row)

    @strawberry.field
    async def judge(self, info: Info) -> Judge:
        return await Judge.load(info.context, self.row.judge_account_id)

    @strawberry.field
    async def entry(self, info: Info) -> Entry:
        row = await info.context.cup_loaders.entry_by_id.load(self.row.entry_id)
        assert row is not None
        return Entry.from_model(row)

    @strawberry.field
    async def round(self, info: Info) -> Round:
        row = await info.context.cup_loaders.round_by_id.load(self.row.round_id)
        assert row is not None
        return Round.from_model(row)

    @strawberry.field(description="Points per criterion, in rubric order.")
    def criteria(self) -> list[CriterionScore]:
        return [CriterionScore(criterion=k, value=v) for k, v in self.row.criteria.items()]

    @strawberry.field(description="The weighted total on 0..100.")
    def total(self) -> float:
        return self.row.total

    @strawberry.field
    def submitted_at(self) -> datetime:
        return self.row.submitted_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.row.updated_at

    @strawberry.field(description="Every change of this score (who, when, before, after), oldest first.")
    def history(self, info: Info) -> list[AuditEntry]:
        rows = info.context.session.exec(
            select(AuditEntryRow)
            .where(AuditEntryRow.entity_type == "cup_score", AuditEntryRow.entity_id == self.row.id)
            .order_by(col(AuditEntryRow.id))
        )
        return [AuditEntry.from_model(r) for r in rows]


@strawberry.type(description="A Guilu Cup edition: tracks, rubric, rounds, award tiers, method and tie-break.")
class Competition(Node):
    row: strawberry.Private[CompetitionRow]

    @classmethod
    def from_model(cls, row: CompetitionRow) -> Competition:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Competition", row.id)), row=row)

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="e.g. 2 for the 2nd edition.")
    def edition(self) -> int:
        return self.row.edition

    @strawberry.field
    def year(self) -> int:
        return self.row.year

    @strawberry.field(description="Entries are submitted and edited until this moment.")
    def submission_deadline(self) -> datetime:
        return self.row.submission_deadline

    @strawberry.field(description="How judge totals become an entry's aggregate.")
    def method(self) -> AggregationMethod:
        return judging.AggregationMethod(self.row.method)

    @strawberry.field(
        description="Fixed in advance: equal aggregates are ordered by these keys, higher first (raw_mean or a "
        "criterion key), then by entry."
    )
    def tie_break(self) -> list[str]:
        return list(self.row.tie_break)

    @strawberry.field(description="Points are whole (1) or half (0.5) steps.")
    def step(self) -> float:
        return self.row.step

    @strawberry.field
    def status(self) -> CompetitionStatus:
        return cup_models.CompetitionStatus(self.row.status)

    @strawberry.field
    def finalised_at(self) -> datetime | None:
        return self.row.finalised_at

    @strawberry.field(description="The industry chains entries compete in.")
    async def tracks(self, info: Info) -> list[IndustryChain]:
        assert self.row.id is not None
        rows = await info.context.cup_loaders.tracks_by_competition_id.load(self.row.id)
        return [enums.IndustryChain(t.chain) for t in rows]

    @strawberry.field
    async def rounds(self, info: Info) -> list[Round]:
        assert self.row.id is not None
        return [Round.from_model(r) for r in await info.context.cup_loaders.rounds_by_competition_id.load(self.row.id)]

    @strawberry.field(description="The rubric, in order.")
    async def criteria(self, info: Info) -> list[Criterion]:
        assert self.row.id is not None
        rows = await info.context.cup_loaders.criteria_by_competition_id.load(self.row.id)
        return [Criterion(key=c.key, label=c.label, weight=c.weight, maximum=c.maximum) for c in rows]

    @strawberry.field(description="Prizes, highest first.")
    async def award_tiers(self, info: Info) -> list[AwardTier]:
        assert self.row.id is not None
        rows = await info.context.cup_loaders.tiers_by_competition_id.load(self.row.id)
        return [AwardTier(name=t.name, count=t.count) for t in rows]

    @strawberry.field(description="The panel of judges (admins and the panel's judges).")
    async def judges(self, info: Info) -> list[Judge]:
        ctx = info.context
        viewer = _signed_in(info)
        assert self.row.id is not None
        if not cup.may_see_panel_work(viewer, on_panel=cup.on_panel(ctx.session, viewer, self.row.id)):
            raise forbidden("only admins and the panel's judges see the panel")
        ids = sorted(
            ctx.session.exec(select(JudgePanel.judge_account_id).where(JudgePanel.competition_id == self.row.id))
        )
        return [await Judge.load(ctx, i) for i in ids]

    @strawberry.field(description="Entries by id (admins and the panel's judges).")
    def entries(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Entry]:
        ctx = info.context
        viewer = _signed_in(info)
        assert self.row.id is not None
        if not cup.may_see_panel_work(viewer, on_panel=cup.on_panel(ctx.session, viewer, self.row.id)):
            raise forbidden("only admins and the panel's judges list the entries")
        page = page_request(first, after)
        condition = EntryRow.competition_id == self.row.id
        total = ctx.session.exec(select(func.count(col(EntryRow.id))).where(condition)).one()
        rows = ctx.session.exec(
            select(EntryRow).where(condition).order_by(col(EntryRow.id)).offset(page.offset).limit(page.limit)
        )
        return connection_from_slice([Entry.from_model(r) for r in rows], page, total)

    @strawberry.field(description="Awards given at finalisation, best first; empty before.")
    def awards(self, info: Info) -> list[Award]:
        rows = info.context.session.exec(
            select(CupAwardRow).where(CupAwardRow.competition_id == self.row.id).order_by(col(CupAwardRow.rank))
        )
        return [Award(row=r) for r in rows]


@strawberry.type(description="A prize given to an entry at finalisation.")
class Award:
    row: strawberry.Private[CupAwardRow]

    @strawberry.field
    def tier(self) -> str:
        return self.row.tier

    @strawberry.field(description="The entry's rank in the final.")
    def rank(self) -> int:
        return self.row.rank

    @strawberry.field
    async def entry(self, info: Info) -> Entry:
        row = await info.context.cup_loaders.entry_by_id.load(self.row.entry_id)
        assert row is not None
        return Entry.from_model(row)


async def _entry(ctx: Context, entry_id: int) -> Entry:
    row = await ctx.cup_loaders.entry_by_id.load(entry_id)
    assert row is not None
    return Entry.from_model(row)


@strawberry.type(description="A detected conflict of interest, with the reason shown to staff.")
class Conflict:
    judge: Judge
    entry: Entry
    kind: ConflictKind
    reason: str


async def _conflicts(ctx: Context, found: list[judging.Conflict]) -> list[Conflict]:
    return [
        Conflict(
            judge=await Judge.load(ctx, c.judge_id),
            entry=await _entry(ctx, c.entry_id),
            kind=ConflictKind(c.kind),
            reason=c.reason,
        )
        for c in found
    ]


@strawberry.type(description="An entry and its judges in a round.")
class EntryJudges:
    entry: Entry
    judges: list[Judge]


@strawberry.type(description="How many entries a judge has in the round.")
class JudgeLoad:
    judge: Judge
    load: int


@strawberry.type(description="An entry that could not get the judges wanted, and why.")
class Shortfall:
    entry: Entry
    assigned: int
    wanted: int
    reason: str


@strawberry.type(description="A forced or kept pair that could not be assigned, and why.")
class RejectedPair:
    judge: Judge
    entry: Entry
    reason: str


@strawberry.type(description="The assignment of a round: judges per entry, loads, shortfalls, and the conflicts found.")
class AssignmentResult:
    round: Round
    assignments: list[EntryJudges]
    loads: list[JudgeLoad]
    shortfalls: list[Shortfall]
    rejected: list[RejectedPair]
    conflicts: list[Conflict]


@strawberry.type(description="A judge's assignment to one entry in one round.")
class JudgeAssignment:
    row: strawberry.Private[AssignmentRow]

    @strawberry.field
    async def entry(self, info: Info) -> Entry:
        return await _entry(info.context, self.row.entry_id)

    @strawberry.field
    async def round(self, info: Info) -> Round:
        row = await info.context.cup_loaders.round_by_id.load(self.row.round_id)
        assert row is not None
        return Round.from_model(row)

    @strawberry.field
    def status(self) -> AssignmentStatus:
        return cup_models.AssignmentStatus(self.row.status)

    @strawberry.field
    def recusal_reason(self) -> str | None:
        return self.row.recusal_reason

    @strawberry.field(description="Your score for this entry, if you gave one.")
    def my_score(self, info: Info) -> Score | None:
        row = info.context.session.exec(
            select(ScoreRow).where(
                ScoreRow.round_id == self.row.round_id,
                ScoreRow.entry_id == self.row.entry_id,
                ScoreRow.judge_account_id == self.row.judge_account_id,
            )
        ).first()
        return Score.from_model(row) if row else None


@strawberry.type(description="A criterion's mean over the judges who scored it.")
class CriterionMean:
    criterion: str
    mean: float


@strawberry.type(description="One leaderboard line.")
class LeaderboardRow:
    rank: int
    entry: Entry
    aggregate: float = strawberry.field(description="By the method actually used (see `methodUsed`, `notes`).")
    raw_mean: float = strawberry.field(description="Plain mean of the judge totals.")
    criterion_means: list[CriterionMean]
    judges_counted: int = strawberry.field(description="Totals in the aggregate (two fewer with a trimmed mean).")
    method_used: AggregationMethod
    flags: list[str] = strawberry.field(description="Reasons for re-review, e.g. judges disagree widely.")
    notes: list[str] = strawberry.field(description="Why a fallback method was used for this entry.")
    tie_break_used: str | None = strawberry.field(
        description="The key that placed this entry against an equal aggregate; null without a tie."
    )


@strawberry.type(description="The ranking under one method.")
class WhatIf:
    method: AggregationMethod
    rows: list[LeaderboardRow]


@strawberry.type(description="A round's ranking by a method, with the tie-break and every method side by side.")
class Leaderboard:
    competition: Competition
    round: Round
    method: AggregationMethod = strawberry.field(description="The method asked for.")
    rows: list[LeaderboardRow]
    notes: list[str] = strawberry.field(description="Round-wide fallbacks (e.g. z-scores need more entries per judge).")
    tie_break: list[str]
    what_if: list[WhatIf]


async def _leaderboard_rows(ctx: Context, rows: tuple[cup.LeaderboardRow, ...]) -> list[LeaderboardRow]:
    return [
        LeaderboardRow(
            rank=r.rank,
            entry=await _entry(ctx, r.entry_id),
            aggregate=r.result.aggregate,
            raw_mean=r.result.raw_mean,
            criterion_means=[CriterionMean(criterion=k, mean=v) for k, v in r.result.criterion_means.items()],
            judges_counted=r.result.judges_counted,
            method_used=r.result.method_used,
            flags=list(r.result.flags),
            notes=list(r.result.notes),
            tie_break_used=r.tie_break_used,
        )
        for r in rows
    ]


async def _leaderboard(ctx: Context, board: cup.Leaderboard) -> Leaderboard:
    return Leaderboard(
        competition=Competition.from_model(board.competition),
        round=Round.from_model(board.round),
        method=board.method,
        rows=await _leaderboard_rows(ctx, board.rows),
        notes=list(board.notes),
        tie_break=list(board.tie_break),
        what_if=[WhatIf(method=m, rows=await _leaderboard_rows(ctx, rows)) for m, rows in board.what_if.items()],
    )


def _round_pk(session: Session, competition_id: int, round: str) -> int:
    """A round given by name (``preliminary``) or by its global ID."""
    if round.strip() and not round.strip().isalpha():
        try:
            type_name, pk = decode_global_id(round.strip())
        except ApiError:
            type_name, pk = "", 0
        if type_name == "Round":
            return pk
    found = read_service(lambda: cup.find_round(session, competition_id, round))
    assert found.id is not None
    return found.id


# ------------------------------------------------------------------ inputs


@strawberry.input
class CriterionInput:
    key: str = strawberry.field(description="e.g. innovation; used in scores and the tie-break.")
    label: str = strawberry.field(description="e.g. 创新性.")
    weight: float
    maximum: float


@strawberry.input
class RoundInput:
    name: str = strawberry.field(description="e.g. preliminary, final.")
    advance_count: int | None = strawberry.field(default=None, description="Entries advancing; null for the last.")


@strawberry.input
class AwardTierInput:
    name: str = strawberry.field(description="e.g. 一等奖.")
    count: int


@strawberry.input(description="A competition edition.")
class CompetitionInput:
    name: str
    edition: int
    year: int
    submission_deadline: datetime
    tracks: list[IndustryChain]
    rounds: list[RoundInput]
    criteria: list[CriterionInput]
    award_tiers: list[AwardTierInput] = strawberry.field(default_factory=list)
    method: AggregationMethod = judging.AggregationMethod.MEAN
    tie_break: list[str] = strawberry.field(default_factory=lambda: ["raw_mean"])
    step: float = strawberry.field(default=1.0, description="1 (whole points) or 0.5 (half points).")
    judge_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="The panel (Judge IDs).")


@strawberry.input(description="A team member other than you, or you to name your institution and employer.")
class TeamMemberInput:
    talent_id: strawberry.ID
    institution: str | None = None
    employer: str | None = None


@strawberry.input(description="Entry fields; on update, omitted fields stay and `members` replaces the team.")
class EntryInput:
    title: str | None = None
    summary: str | None = None
    track: IndustryChain | None = None
    stage: EntryStage | None = None
    requested_financing: int | None = strawberry.field(default=None, description="Yuan.")
    links: list[str] | None = None
    members: list[TeamMemberInput] | None = strawberry.field(
        default=None, description="The team; you (the lead) are always in it, first."
    )

    def to_data(self) -> cup.EntryData:
        return cup.EntryData(
            title=self.title,
            summary=self.summary,
            track=self.track.value if self.track else None,
            stage=self.stage.value if self.stage else None,
            requested_financing=self.requested_financing,
            links=self.links,
            members=None
            if self.members is None
            else [
                cup.MemberData(
                    talent_id=decode_id_of(m.talent_id, "Talent"), institution=m.institution, employer=m.employer
                )
                for m in self.members
            ],
        )


@strawberry.input(description="A judge's profile.")
class JudgeProfileInput:
    name: str
    affiliations: list[str] = strawberry.field(default_factory=list, description="Institutions and enterprises.")
    declared_conflicts: list[str] = strawberry.field(
        default_factory=list, description="People or organisations the judge must not judge."
    )
    declared_entry_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    talent_id: strawberry.ID | None = strawberry.field(default=None, description="The judge's own talent profile.")


# ---------------------------------------------------------------- payloads


@strawberry.type
class CompetitionPayload:
    competition: Competition | None
    user_errors: list[UserError]


@strawberry.type
class EntryPayload:
    entry: Entry | None
    user_errors: list[UserError]


@strawberry.type
class JudgePayload:
    judge: Judge | None
    user_errors: list[UserError]


@strawberry.type
class PinPayload:
    kind: PinKind | None
    judge: Judge | None
    entry: Entry | None
    user_errors: list[UserError]


@strawberry.type
class AssignJudgesPayload:
    result: AssignmentResult | None
    user_errors: list[UserError]


@strawberry.type
class ScorePayload:
    score: Score | None
    user_errors: list[UserError]


@strawberry.type
class RecusePayload:
    assignment: JudgeAssignment | None
    replacement: Judge | None = strawberry.field(description="The judge who took the entry; null when none was free.")
    note: str | None
    user_errors: list[UserError]


@strawberry.type
class RoundPayload:
    round: Round | None
    user_errors: list[UserError]


def _judge_pk(judge_id: strawberry.ID) -> int:
    return decode_id_of(judge_id, "Judge")


ADMIN = require_role(enums.Role.ADMIN)
JUDGE = require_role(enums.Role.JUDGE)


@strawberry.type
class CupQuery:
    @strawberry.field(description="Guilu Cup editions, newest first.")
    def competitions(self, info: Info) -> list[Competition]:
        rows = info.context.session.exec(
            select(CompetitionRow).order_by(col(CompetitionRow.year).desc(), col(CompetitionRow.id).desc())
        )
        return [Competition.from_model(r) for r in rows]

    @strawberry.field(description="A Guilu Cup edition by global ID.")
    async def competition(self, info: Info, id: strawberry.ID) -> Competition | None:
        row = await info.context.cup_loaders.competition_by_id.load(decode_id_of(id, "Competition"))
        return Competition.from_model(row) if row else None

    @strawberry.field(description="Your assignments in a round, by entry (judges).", permission_classes=JUDGE)
    def my_assignments(self, info: Info, round_id: strawberry.ID) -> list[JudgeAssignment]:
        rows = info.context.session.exec(
            select(AssignmentRow)
            .where(
                AssignmentRow.round_id == decode_id_of(round_id, "Round"),
                AssignmentRow.judge_account_id == require_viewer(info).id,
            )
            .order_by(col(AssignmentRow.entry_id))
        )
        return [JudgeAssignment(row=r) for r in rows]

    @strawberry.field(
        description="Your entries (talents): those you lead or joined (invitations you have not answered are in "
        "myTeamInvitations).",
        permission_classes=[IsAuthenticated],
    )
    def my_entries(self, info: Info) -> list[Entry]:
        return [Entry.from_model(r) for r in cup.my_entries(info.context.session, require_viewer(info))]

    @strawberry.field(
        description="Entries whose team invited you and you have not answered (talents); answer with "
        "respondToTeamInvitation.",
        permission_classes=[IsAuthenticated],
    )
    def my_team_invitations(self, info: Info) -> list[Entry]:
        return [Entry.from_model(r) for r in cup.team_invitations(info.context.session, require_viewer(info))]

    @strawberry.field(
        description="Every conflict of interest between the panel and the entries, with its reason (admins); "
        "`round` narrows to one round's entries.",
        permission_classes=ADMIN,
    )
    async def conflicts(self, info: Info, competition_id: strawberry.ID, round: str | None = None) -> list[Conflict]:
        session = info.context.session
        pk = decode_id_of(competition_id, "Competition")
        round_pk = _round_pk(session, pk, round) if round is not None else None
        found = read_service(lambda: cup.detect_conflicts(session, pk, round_id=round_pk))
        return await _conflicts(info.context, found)

    @strawberry.field(
        description="A round's ranking (round by name or ID) by `method` (default: the competition's), with "
        "per-criterion means, flags, the tie-break and every method side by side. Admins at any time; "
        "others once the round is closed.",
        permission_classes=[IsAuthenticated],
    )
    async def leaderboard(
        self, info: Info, competition_id: strawberry.ID, round: str, method: AggregationMethod | None = None
    ) -> Leaderboard:
        ctx = info.context
        pk = decode_id_of(competition_id, "Competition")
        board = read_service(lambda: round_leaderboard(ctx.session, require_viewer(info), pk, round, method))
        return await _leaderboard(ctx, board)


def round_leaderboard(
    session: Session, viewer: AccountRow, competition_id: int, round: str, method: judging.AggregationMethod | None
) -> cup.Leaderboard:
    """The leaderboard of a competition's round given by name or global ID, as ``viewer`` may see it."""
    round_row = session.get(RoundRow, _round_pk(session, competition_id, round))
    if round_row is None or round_row.competition_id != competition_id:
        raise ServiceError("round not found in this competition", code=ErrorCode.NOT_FOUND)
    return cup.leaderboard(session, viewer, competition_id, round_row.name, method.value if method else None)


@strawberry.type
class CupMutation:
    @strawberry.mutation(description="Create a Guilu Cup edition (admins).", permission_classes=ADMIN)
    def create_competition(self, info: Info, input: CompetitionInput) -> CompetitionPayload:
        data = cup.CompetitionData(
            name=input.name,
            edition=input.edition,
            year=input.year,
            submission_deadline=input.submission_deadline,
            tracks=[t.value for t in input.tracks],
            rounds=[cup.RoundData(r.name, r.advance_count) for r in input.rounds],
            criteria=[cup.CriterionData(c.key, c.label, c.weight, c.maximum) for c in input.criteria],
            award_tiers=[cup.TierData(t.name, t.count) for t in input.award_tiers],
            method=input.method.value,
            tie_break=list(input.tie_break),
            step=input.step,
            judge_account_ids=[_judge_pk(j) for j in input.judge_ids],
        )
        row, errors = run_mutation(info, lambda s: cup.create_competition(s, require_viewer(info), data))
        return CompetitionPayload(competition=Competition.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(description="Replace a competition's panel of judges (admins).", permission_classes=ADMIN)
    def set_panel(
        self, info: Info, competition_id: strawberry.ID, judge_ids: list[strawberry.ID]
    ) -> CompetitionPayload:
        pk = decode_id_of(competition_id, "Competition")
        ids = [_judge_pk(j) for j in judge_ids]

        def work(session: Session) -> CompetitionRow:
            cup.set_panel(session, require_viewer(info), pk, ids)
            row = session.get(CompetitionRow, pk)
            assert row is not None
            return row

        row, errors = run_mutation(info, work)
        return CompetitionPayload(competition=Competition.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Enter a project as its lead (talents), before the submission deadline, once per edition.",
        permission_classes=[IsAuthenticated],
    )
    def submit_entry(self, info: Info, competition_id: strawberry.ID, input: EntryInput) -> EntryPayload:
        pk = decode_id_of(competition_id, "Competition")
        data = input.to_data()
        row, errors = run_mutation(info, lambda s: cup.submit_entry(s, require_viewer(info), pk, data))
        return EntryPayload(entry=Entry.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Edit your entry until the deadline (its lead).", permission_classes=[IsAuthenticated]
    )
    def update_entry(self, info: Info, id: strawberry.ID, input: EntryInput) -> EntryPayload:
        pk = decode_id_of(id, "Entry")
        data = input.to_data()
        row, errors = run_mutation(info, lambda s: cup.update_entry(s, require_viewer(info), pk, data))
        return EntryPayload(entry=Entry.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Join an entry's team you were invited to, until the submission deadline, or decline, which "
        "takes you off the team; once (the invited talent).",
        permission_classes=[IsAuthenticated],
    )
    def respond_to_team_invitation(self, info: Info, entry_id: strawberry.ID, accept: bool) -> EntryPayload:
        pk = decode_id_of(entry_id, "Entry")
        row, errors = run_mutation(info, lambda s: cup.respond_to_team_invitation(s, require_viewer(info), pk, accept))
        return EntryPayload(entry=Entry.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Set a judge's profile: admins for any judge account (by e-mail), a judge for themself "
        "(leave out `email`).",
        permission_classes=require_role(enums.Role.ADMIN, enums.Role.JUDGE),
    )
    def set_judge_profile(self, info: Info, input: JudgeProfileInput, email: str | None = None) -> JudgePayload:
        viewer = require_viewer(info)
        data = cup.JudgeData(
            name=input.name,
            affiliations=list(input.affiliations),
            declared_conflicts=list(input.declared_conflicts),
            declared_entry_ids=[decode_id_of(e, "Entry") for e in input.declared_entry_ids],
            talent_id=decode_id_of(input.talent_id, "Talent") if input.talent_id else None,
        )

        def work(session: Session) -> cup_models.JudgeProfileRow:
            account_id = viewer.id
            if email is not None:
                account = session.exec(select(AccountRow).where(AccountRow.email == email.strip().lower())).first()
                if account is None:
                    raise ServiceError("no account with this e-mail", code=ErrorCode.NOT_FOUND, field="email")
                account_id = account.id
            assert account_id is not None
            return cup.set_judge_profile(session, viewer, account_id, data)

        row, errors = run_mutation(info, work)
        return JudgePayload(judge=Judge.of(row.account_id, row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Force or forbid a (judge, entry) pair in a round (admins); applies on the next assignJudges.",
        permission_classes=ADMIN,
    )
    async def pin_assignment(
        self, info: Info, round_id: strawberry.ID, judge_id: strawberry.ID, entry_id: strawberry.ID, kind: PinKind
    ) -> PinPayload:
        round_pk, judge_pk, entry_pk = (
            decode_id_of(round_id, "Round"),
            _judge_pk(judge_id),
            decode_id_of(entry_id, "Entry"),
        )
        pin, errors = run_mutation(
            info, lambda s: cup.pin_assignment(s, require_viewer(info), round_pk, judge_pk, entry_pk, kind.value)
        )
        if pin is None:
            return PinPayload(kind=None, judge=None, entry=None, user_errors=errors)
        return PinPayload(
            kind=cup_models.PinKind(pin.kind),
            judge=await Judge.load(info.context, judge_pk),
            entry=await _entry(info.context, entry_pk),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Assign `perEntry` judges to every entry of a round (by name, e.g. preliminary, or ID) with no "
        "conflicts, loads balanced within one where conflicts allow, honouring pins; judges who scored keep their "
        "entries. Deterministic and re-runnable (admins).",
        permission_classes=ADMIN,
    )
    async def assign_judges(
        self, info: Info, competition_id: strawberry.ID, round: str, per_entry: int = cup.DEFAULT_PER_ENTRY
    ) -> AssignJudgesPayload:
        ctx = info.context
        pk = decode_id_of(competition_id, "Competition")

        def work(session: Session) -> cup.AssignmentReport:
            round_row = session.get(RoundRow, _round_pk(session, pk, round))
            if round_row is None or round_row.competition_id != pk:
                raise ServiceError("round not found in this competition", code=ErrorCode.NOT_FOUND, field="round")
            return cup.assign_judges(session, require_viewer(info), pk, round_row.name, per_entry=per_entry)

        report, errors = run_mutation(info, work)
        if report is None:
            return AssignJudgesPayload(result=None, user_errors=errors)
        a = report.assignment
        result = AssignmentResult(
            round=Round.from_model(report.round),
            assignments=[
                EntryJudges(entry=await _entry(ctx, e), judges=[await Judge.load(ctx, j) for j in js])
                for e, js in a.by_entry.items()
            ],
            loads=[JudgeLoad(judge=await Judge.load(ctx, j), load=n) for j, n in sorted(a.loads.items())],
            shortfalls=[
                Shortfall(entry=await _entry(ctx, s.entry_id), assigned=s.assigned, wanted=s.wanted, reason=s.reason)
                for s in a.shortfalls
            ],
            rejected=[
                RejectedPair(
                    judge=await Judge.load(ctx, r.judge_id), entry=await _entry(ctx, r.entry_id), reason=r.reason
                )
                for r in a.rejected
            ],
            conflicts=await _conflicts(ctx, list(report.conflicts)),
        )
        return AssignJudgesPayload(result=result, user_errors=[])

    @strawberry.mutation(
        description="Score an assigned entry, or revise your score, while the round is open (judges). Every "
        "criterion within 0..maximum and on the step. Audited.",
        permission_classes=JUDGE,
    )
    def submit_score(
        self, info: Info, entry_id: strawberry.ID, round_id: strawberry.ID, scores: list[CriterionScoreInput]
    ) -> ScorePayload:
        entry_pk, round_pk = decode_id_of(entry_id, "Entry"), decode_id_of(round_id, "Round")
        values: dict[str, float] = {}
        for item in scores:
            if item.criterion in values:
                return ScorePayload(
                    score=None,
                    user_errors=[UserError(field="scores", message=f"{item.criterion}: scored twice", code="INVALID")],
                )
            values[item.criterion] = item.value
        row, errors = run_mutation(
            info, lambda s: cup.submit_score(s, require_viewer(info), round_pk, entry_pk, values)
        )
        return ScorePayload(score=Score.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Step back from an assigned entry with a reason (judges); a free eligible judge takes it at once.",
        permission_classes=JUDGE,
    )
    async def recuse(self, info: Info, entry_id: strawberry.ID, round_id: strawberry.ID, reason: str) -> RecusePayload:
        entry_pk, round_pk = decode_id_of(entry_id, "Entry"), decode_id_of(round_id, "Round")
        report, errors = run_mutation(info, lambda s: cup.recuse(s, require_viewer(info), round_pk, entry_pk, reason))
        if report is None:
            return RecusePayload(assignment=None, replacement=None, note=None, user_errors=errors)
        replacement = report.replacement_judge_id
        return RecusePayload(
            assignment=JudgeAssignment(row=report.assignment),
            replacement=await Judge.load(info.context, replacement) if replacement is not None else None,
            note=report.note,
            user_errors=[],
        )

    @strawberry.mutation(
        description="Close a round and advance its top entries (admins). Refused while entries are flagged for "
        "disagreement unless `acknowledgeFlags` is true.",
        permission_classes=ADMIN,
    )
    def close_round(self, info: Info, round_id: strawberry.ID, acknowledge_flags: bool = False) -> RoundPayload:
        pk = decode_id_of(round_id, "Round")
        row, errors = run_mutation(
            info, lambda s: cup.close_round(s, require_viewer(info), pk, acknowledge_flags=acknowledge_flags)
        )
        return RoundPayload(round=Round.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Give the awards from the final ranking and freeze the results (admins; the final must be closed).",
        permission_classes=ADMIN,
    )
    def finalise_competition(self, info: Info, competition_id: strawberry.ID) -> CompetitionPayload:
        pk = decode_id_of(competition_id, "Competition")
        row, errors = run_mutation(info, lambda s: cup.finalise_competition(s, require_viewer(info), pk))
        return CompetitionPayload(competition=Competition.from_model(row) if row else None, user_errors=errors)


@strawberry.type
class CupSubscription:
    @strawberry.subscription(
        description="The live leaderboard of a round (by name or ID), for the screen at the final roadshow (admins): "
        "sent now and after every score change in the round. Connect over graphql-transport-ws with "
        '{"Authorization": "Bearer <token>"} in the connection_init payload.'
    )
    async def leaderboard_updated(
        self, info: Info, competition_id: strawberry.ID, round: str
    ) -> AsyncGenerator[Leaderboard, None]:
        ctx = info.context
        viewer = ctx.viewer
        if viewer is None:
            raise unauthenticated()
        if not cup.may_watch_live_leaderboard(viewer):
            raise forbidden("the live leaderboard is for admins (the roadshow screen)")
        pk = decode_id_of(competition_id, "Competition")
        board = read_service(lambda: round_leaderboard(ctx.session, viewer, pk, round, None))
        round_pk = board.round.id
        assert round_pk is not None
        with cup.LEADERBOARD_FEED.subscribe(pk, round_pk) as changes:
            yield await _leaderboard(ctx, board)
            while True:
                await changes.get()
                while not changes.empty():
                    changes.get_nowait()
                ctx.refresh()
                board = read_service(lambda: round_leaderboard(ctx.session, viewer, pk, round, None))
                yield await _leaderboard(ctx, board)


async def cup_node(ctx: Context, type_name: str, pk: int) -> Node | None:
    """``node(id:)`` for the Cup's types; entries and scores only to those who may see them."""
    loaders = ctx.cup_loaders
    if type_name == "Competition":
        competition = await loaders.competition_by_id.load(pk)
        return Competition.from_model(competition) if competition else None
    if type_name == "Round":
        found = await loaders.round_by_id.load(pk)
        return Round.from_model(found) if found else None
    if type_name == "Entry":
        entry = await loaders.entry_by_id.load(pk)
        return Entry.from_model(entry) if entry and await _can_see_entry(ctx, entry) else None
    if type_name == "Judge":
        account = await ctx.loaders.account_by_id.load(pk)
        return await Judge.load(ctx, pk) if account and account.role == enums.Role.JUDGE and ctx.viewer else None
    if type_name == "Score":
        score = ctx.session.get(ScoreRow, pk)
        if score is None or ctx.viewer is None:
            return None
        visible = read_service(lambda: cup.visible_scores(ctx.session, ctx.viewer, score.round_id))  # type: ignore[arg-type]
        return Score.from_model(score) if any(s.id == pk for s in visible) else None
    return None
