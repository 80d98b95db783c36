"""The Guilu Cup (归鹭杯): competitions, entries, judges, assignment, scoring, results.

The pure rules (rubric checks, conflicts, balanced assignment, aggregation and
ranking) are :mod:`matching.judging`; this module stores what they decide and
enforces who may do what, when:

* admins create competitions, set judge profiles and the panel, pin pairs,
  assign judges, close rounds and finalise;
* the lead talent submits and edits an entry until the submission deadline;
* an assigned judge scores (and revises) while the round is open, or recuses;
* after finalisation every change is refused: the results are frozen.

Every score change is written to the audit trail in the same transaction.  A
committed score change is announced to :data:`LEADERBOARD_FEED` (in this
process only; with several workers the announcements need a shared channel).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from threading import Lock
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, delete, select

from api.models import (
    Account,
    AssignmentPin,
    Competition,
    CompetitionTrack,
    CupAward,
    CupAwardTier,
    CupCriterion,
    CupResult,
    Enterprise,
    EnterpriseAlias,
    Entry,
    EntryMember,
    EntryRound,
    JudgeAssignment,
    JudgePanel,
    JudgeProfileRow,
    Round,
    Score,
    Talent,
    TalentEducation,
)
from api.models.cup import AssignmentStatus, CompetitionStatus, EntryStage, PinKind, RoundStatus
from api.models.enums import IndustryChain, Role
from api.services.audit import audit_row, record_audit, snapshot
from api.services.errors import ErrorCode, ServiceError, shorten
from api.services.validation import clean_list, enum_value, optional_text, required_text
from api.timeutil import utcnow
from matching import judging
from matching.resolve import OrganisationResolver, OrgRecord

__all__ = [
    "DEFAULT_PER_ENTRY",
    "LEADERBOARD_FEED",
    "AssignmentReport",
    "CompetitionData",
    "CriterionData",
    "EntryData",
    "JudgeData",
    "Leaderboard",
    "LeaderboardFeed",
    "LeaderboardRow",
    "MemberData",
    "RecusalReport",
    "RoundData",
    "TierData",
    "assign_judges",
    "close_round",
    "create_competition",
    "detect_conflicts",
    "finalise_competition",
    "find_round",
    "institution_names",
    "leaderboard",
    "may_see_member_name",
    "may_see_member_profile",
    "my_entries",
    "pin_assignment",
    "recuse",
    "respond_to_team_invitation",
    "rubric_of",
    "set_judge_profile",
    "set_panel",
    "submit_entry",
    "submit_score",
    "team_invitations",
    "update_entry",
    "visible_scores",
]

DEFAULT_PER_ENTRY = 5
MAX_MEMBERS = 10
MAX_LINKS = 10
MAX_PER_ENTRY = 20
FROZEN = "the competition is finalised: results are frozen and cannot change"
_INSTITUTIONS_PATH = Path(__file__).resolve().parent.parent.parent / "seeds" / "institutions.json"
# Institution records get ids below zero, so they never collide with enterprise ids.
_INSTITUTION_ID_BASE = -1


# ------------------------------------------------------------------ inputs


@dataclass(slots=True)
class CriterionData:
    key: str
    label: str
    weight: float
    maximum: float


@dataclass(slots=True)
class RoundData:
    name: str
    advance_count: int | None = None


@dataclass(slots=True)
class TierData:
    name: str
    count: int


@dataclass(slots=True)
class CompetitionData:
    name: str
    edition: int
    year: int
    submission_deadline: datetime
    tracks: list[str]
    rounds: list[RoundData]
    criteria: list[CriterionData]
    award_tiers: list[TierData]
    method: str = judging.AggregationMethod.MEAN.value
    tie_break: list[str] = field(default_factory=lambda: ["raw_mean"])
    step: float = 1.0
    judge_account_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class MemberData:
    """A team member: a talent, and the institution and employer the team names for them."""

    talent_id: int
    institution: str | None = None
    employer: str | None = None


@dataclass(slots=True)
class EntryData:
    """Entry fields; on update, ``None`` leaves a field as it is (``members`` is replaced when given)."""

    title: str | None = None
    summary: str | None = None
    track: str | None = None
    stage: str | None = None
    requested_financing: int | None = None
    links: list[str] | None = None
    members: list[MemberData] | None = None


@dataclass(slots=True)
class JudgeData:
    name: str
    affiliations: list[str] = field(default_factory=list)
    declared_conflicts: list[str] = field(default_factory=list)
    declared_entry_ids: list[int] = field(default_factory=list)
    talent_id: int | None = None


# ------------------------------------------------------------------ helpers


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive timestamps; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _require_admin(actor: Account) -> None:
    if actor.role != Role.ADMIN:
        raise ServiceError("only admins may do this", code=ErrorCode.FORBIDDEN)


def _competition(session: Session, competition_id: int) -> Competition:
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise ServiceError("competition not found", code=ErrorCode.NOT_FOUND, field="competitionId")
    return competition


def _not_frozen(competition: Competition) -> None:
    if competition.status == CompetitionStatus.FINALISED:
        raise ServiceError(FROZEN, code=ErrorCode.INVALID_TRANSITION)


def _round(
    session: Session, round_id: int, *, lock: Literal["share", "update"] | None = None
) -> tuple[Round, Competition]:
    """The round and its competition; ``lock`` takes a row lock on the round until the transaction ends
    (PostgreSQL): ``share`` for writes that need it to stay open, ``update`` for closing it."""
    found = session.get(Round, round_id, with_for_update=_ROW_LOCKS[lock], populate_existing=lock is not None)
    if found is None:
        raise ServiceError("round not found", code=ErrorCode.NOT_FOUND, field="roundId")
    return found, _competition(session, found.competition_id)


# Scores and recusals lock their round for share, closing locks it for update: a score is either in before
# the round closes (and counted by it) or refused after, never stored in a closed round uncounted.
_ROW_LOCKS: dict[str | None, Any] = {None: None, "share": {"read": True}, "update": True}


def find_round(session: Session, competition_id: int, name: str) -> Round:
    """The round of a competition by name (``preliminary``, ``final``)."""
    _competition(session, competition_id)
    found = session.exec(
        select(Round).where(Round.competition_id == competition_id, Round.name == name.strip())
    ).first()
    if found is None:
        names = ", ".join(session.exec(select(Round.name).where(Round.competition_id == competition_id)))
        raise ServiceError(
            f"the competition has no round named {shorten(name)!r} (rounds: {names})",
            code=ErrorCode.NOT_FOUND,
            field="round",
        )
    return found


def _rounds(session: Session, competition_id: int) -> list[Round]:
    return list(session.exec(select(Round).where(Round.competition_id == competition_id).order_by(col(Round.position))))


def rubric_of(session: Session, competition: Competition) -> judging.Rubric:
    rows = session.exec(
        select(CupCriterion).where(CupCriterion.competition_id == competition.id).order_by(col(CupCriterion.position))
    )
    criteria = tuple(judging.Criterion(r.key, r.label, r.weight, r.maximum) for r in rows)
    return judging.Rubric(criteria, step=competition.step)


def _round_open(found: Round, competition: Competition) -> None:
    _not_frozen(competition)
    if found.status != RoundStatus.OPEN:
        raise ServiceError(
            f"round {found.name} is closed: scores and assignments can no longer change",
            code=ErrorCode.INVALID_TRANSITION,
        )


# ------------------------------------------------------------------ competitions


def create_competition(session: Session, actor: Account, data: CompetitionData) -> Competition:
    """A competition edition with its tracks, rubric, rounds, award tiers and panel (admins)."""
    _require_admin(actor)
    name = required_text(data.name, "name", max_length=200)
    if data.edition < 1:
        raise ServiceError("edition must be 1 or more", field="edition")
    if not 2000 <= data.year <= 2100:
        raise ServiceError("year must be between 2000 and 2100", field="year")
    method = enum_value(data.method, judging.AggregationMethod, "method")
    tracks = [enum_value(t, IndustryChain, "tracks") for t in dict.fromkeys(data.tracks)]
    if not tracks:
        raise ServiceError("a competition needs at least one track", field="tracks")
    try:
        rubric = judging.Rubric(
            tuple(
                judging.Criterion(
                    required_text(c.key, "criteria.key", max_length=64),
                    required_text(c.label, "criteria.label", max_length=100),
                    c.weight,
                    c.maximum,
                )
                for c in data.criteria
            ),
            step=data.step,
        )
    except ValueError as error:
        raise ServiceError(f"rubric: {error}", field="criteria") from None
    tie_break = [key.strip() for key in data.tie_break]
    unknown = [key for key in tie_break if key != "raw_mean" and key not in rubric.keys]
    if unknown or len(set(tie_break)) != len(tie_break):
        raise ServiceError(
            f"tieBreak keys must be distinct and each raw_mean or a criterion key ({', '.join(rubric.keys)})",
            field="tieBreak",
        )
    _check_rounds(data.rounds)
    _check_tiers(data.award_tiers)
    if session.exec(
        select(Competition.id).where(Competition.name == name, Competition.edition == data.edition)
    ).first():
        raise ServiceError(
            f"edition {data.edition} of {name} exists already", code=ErrorCode.DUPLICATE, field="edition"
        )

    competition = Competition(
        name=name,
        edition=data.edition,
        year=data.year,
        submission_deadline=_aware(data.submission_deadline),
        method=method,
        tie_break=tie_break or ["raw_mean"],
        step=data.step,
    )
    session.add(competition)
    session.flush()
    cid = competition.id
    assert cid is not None
    session.add_all(CompetitionTrack(competition_id=cid, chain=t, position=i) for i, t in enumerate(tracks))
    session.add_all(
        CupCriterion(competition_id=cid, key=c.key, label=c.label, weight=c.weight, maximum=c.maximum, position=i)
        for i, c in enumerate(rubric.criteria)
    )
    session.add_all(
        Round(competition_id=cid, name=r.name.strip(), position=i, advance_count=r.advance_count)
        for i, r in enumerate(data.rounds)
    )
    session.add_all(
        CupAwardTier(competition_id=cid, name=t.name.strip(), count=t.count, position=i)
        for i, t in enumerate(data.award_tiers)
    )
    session.flush()
    set_panel(session, actor, cid, data.judge_account_ids)
    return competition


def _check_rounds(rounds: Sequence[RoundData]) -> None:
    if not rounds:
        raise ServiceError("a competition needs at least one round", field="rounds")
    names = [required_text(r.name, "rounds.name", max_length=64) for r in rounds]
    if len(set(names)) != len(names):
        raise ServiceError("round names must be distinct", field="rounds")
    for position, data in enumerate(rounds):
        last = position == len(rounds) - 1
        if last and data.advance_count is not None:
            raise ServiceError(f"the last round ({data.name}) advances nobody: leave advanceCount out", field="rounds")
        if not last and (data.advance_count is None or data.advance_count < 1):
            raise ServiceError(f"round {data.name} must say how many entries advance (1 or more)", field="rounds")


def _check_tiers(tiers: Sequence[TierData]) -> None:
    names = [required_text(t.name, "awardTiers.name", max_length=64) for t in tiers]
    if len(set(names)) != len(names):
        raise ServiceError("award tier names must be distinct", field="awardTiers")
    if any(t.count < 1 for t in tiers):
        raise ServiceError("every award tier is given at least once", field="awardTiers")


def set_panel(session: Session, actor: Account, competition_id: int, judge_account_ids: Iterable[int]) -> None:
    """Replace the competition's panel of judges (admins); every account must be a judge."""
    _require_admin(actor)
    competition = _competition(session, competition_id)
    _not_frozen(competition)
    wanted = sorted(set(judge_account_ids))
    roles = {a: r for a, r in session.exec(select(Account.id, Account.role).where(col(Account.id).in_(wanted)))}
    wrong = [str(a) for a in wanted if roles.get(a) != Role.JUDGE]
    if wrong:
        raise ServiceError(f"not judge accounts: {shorten(', '.join(wrong))}", field="judgeIds")
    session.exec(delete(JudgePanel).where(col(JudgePanel.competition_id) == competition_id))  # type: ignore[call-overload]
    session.add_all(JudgePanel(competition_id=competition_id, judge_account_id=a) for a in wanted)
    session.flush()


def set_judge_profile(session: Session, actor: Account, judge_account_id: int, data: JudgeData) -> JudgeProfileRow:
    """A judge's name, affiliations and declared conflicts: admins for anyone, a judge for themself."""
    if actor.role != Role.ADMIN and actor.id != judge_account_id:
        raise ServiceError("judges may change only their own profile", code=ErrorCode.FORBIDDEN)
    account = session.get(Account, judge_account_id)
    if account is None or account.role != Role.JUDGE:
        raise ServiceError("no judge account with this id", code=ErrorCode.NOT_FOUND, field="judgeId")
    if data.talent_id is not None and session.get(Talent, data.talent_id) is None:
        raise ServiceError("talent not found", code=ErrorCode.NOT_FOUND, field="talentId")
    profile = session.exec(select(JudgeProfileRow).where(JudgeProfileRow.account_id == judge_account_id)).first()
    if profile is None:
        profile = JudgeProfileRow(account_id=judge_account_id, name="")
    profile.name = required_text(data.name, "name", max_length=100)
    profile.affiliations = clean_list(data.affiliations, "affiliations", max_items=20, max_length=200)
    profile.declared_conflicts = clean_list(data.declared_conflicts, "declaredConflicts", max_items=50, max_length=200)
    entry_ids = sorted(set(data.declared_entry_ids))
    if entry_ids and len(list(session.exec(select(Entry.id).where(col(Entry.id).in_(entry_ids))))) != len(entry_ids):
        raise ServiceError("a declared entry does not exist", code=ErrorCode.NOT_FOUND, field="declaredEntryIds")
    profile.declared_entry_ids = entry_ids
    profile.talent_id = data.talent_id
    profile.updated_at = utcnow()
    session.add(profile)
    session.flush()
    return profile


# ------------------------------------------------------------------ entries


def _clean_entry(session: Session, competition: Competition, data: EntryData, *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if creating or data.title is not None:
        values["title"] = required_text(data.title, "title", max_length=200)
    if data.summary is not None:
        values["summary"] = optional_text(data.summary, "summary", max_length=5000) or ""
    if creating or data.track is not None:
        track = enum_value(required_text(data.track, "track", max_length=32), IndustryChain, "track")
        chains = set(
            session.exec(select(CompetitionTrack.chain).where(CompetitionTrack.competition_id == competition.id))
        )
        if track not in chains:
            raise ServiceError(f"track must be one of this competition's: {', '.join(sorted(chains))}", field="track")
        values["track"] = track
    if creating or data.stage is not None:
        values["stage"] = enum_value(required_text(data.stage, "stage", max_length=16), EntryStage, "stage")
    if data.requested_financing is not None:
        if data.requested_financing < 0:
            raise ServiceError("requestedFinancing must not be negative", field="requestedFinancing")
        values["requested_financing"] = data.requested_financing
    if data.links is not None:
        links = clean_list(data.links, "links", max_items=MAX_LINKS, max_length=500)
        if any(not link.startswith(("https://", "http://")) for link in links):
            raise ServiceError("links must be http(s) addresses", field="links")
        values["links"] = links
    return values


def _write_members(session: Session, entry: Entry, lead_talent_id: int, members: Sequence[MemberData]) -> None:
    """Replace the team; the lead has agreed at once, a member who stays keeps their answer, a new one is invited."""
    ids = [m.talent_id for m in members]
    if len(set(ids)) != len(ids):
        raise ServiceError("a team member is listed twice", field="members")
    others = [m for m in members if m.talent_id != lead_talent_id]
    lead = next((m for m in members if m.talent_id == lead_talent_id), MemberData(lead_talent_id))
    if len(others) + 1 > MAX_MEMBERS:
        raise ServiceError(f"a team has at most {MAX_MEMBERS} members", field="members")
    found = set(session.exec(select(Talent.id).where(col(Talent.id).in_(ids)))) if ids else set()
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ServiceError(f"talents not found: {', '.join(missing)}", code=ErrorCode.NOT_FOUND, field="members")
    entry_id = entry.id
    assert entry_id is not None
    accepted = dict(
        session.exec(
            select(EntryMember.talent_id, EntryMember.accepted_at).where(EntryMember.entry_id == entry_id)
        ).all()
    )
    session.exec(delete(EntryMember).where(col(EntryMember.entry_id) == entry_id))  # type: ignore[call-overload]
    now = utcnow()
    for position, member in enumerate([lead, *others]):
        session.add(
            EntryMember(
                entry_id=entry_id,
                talent_id=member.talent_id,
                is_lead=position == 0,
                institution=optional_text(member.institution, "members.institution", max_length=200),
                employer=optional_text(member.employer, "members.employer", max_length=200),
                position=position,
                accepted_at=(accepted.get(member.talent_id) or now)
                if position == 0
                else accepted.get(member.talent_id),
            )
        )


def _before_deadline(competition: Competition) -> None:
    _not_frozen(competition)
    if utcnow() >= _aware(competition.submission_deadline):
        raise ServiceError(
            f"the submission deadline ({_aware(competition.submission_deadline).isoformat()}) has passed",
            code=ErrorCode.INVALID_TRANSITION,
        )


def submit_entry(session: Session, actor: Account, competition_id: int, data: EntryData) -> Entry:
    """The signed-in talent enters a project as its lead, before the deadline, once per edition."""
    if actor.role != Role.TALENT or actor.talent_id is None:
        raise ServiceError("only a talent with a profile may submit an entry, as its lead", code=ErrorCode.FORBIDDEN)
    competition = _competition(session, competition_id)
    _before_deadline(competition)
    values = _clean_entry(session, competition, data, creating=True)
    if session.exec(
        select(Entry.id).where(Entry.competition_id == competition_id, Entry.lead_talent_id == actor.talent_id)
    ).first():
        raise ServiceError("you lead an entry in this edition already; edit it instead", code=ErrorCode.DUPLICATE)
    entry = Entry(competition_id=competition_id, lead_talent_id=actor.talent_id, **values)
    session.add(entry)
    session.flush()
    _write_members(session, entry, actor.talent_id, data.members or [])
    first = _rounds(session, competition_id)[0]
    assert entry.id is not None and first.id is not None
    session.add(EntryRound(entry_id=entry.id, round_id=first.id))
    session.flush()
    return entry


def update_entry(session: Session, actor: Account, entry_id: int, data: EntryData) -> Entry:
    """The lead edits their entry until the deadline; omitted fields stay, members are replaced when given."""
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise ServiceError("entry not found", code=ErrorCode.NOT_FOUND, field="entryId")
    if actor.talent_id is None or actor.talent_id != entry.lead_talent_id:
        raise ServiceError("only the entry's lead may edit it", code=ErrorCode.FORBIDDEN)
    competition = _competition(session, entry.competition_id)
    _before_deadline(competition)
    for key, value in _clean_entry(session, competition, data, creating=False).items():
        setattr(entry, key, value)
    if data.members is not None:
        _write_members(session, entry, entry.lead_talent_id, data.members)
    entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    return entry


# ------------------------------------------------------------------ team members' consent


def respond_to_team_invitation(session: Session, actor: Account, entry_id: int, accept: bool) -> Entry:
    """The invited talent joins the team (until the deadline) or declines, which takes them off it; once."""
    if actor.role != Role.TALENT or actor.talent_id is None:
        raise ServiceError("only an invited talent answers a team invitation", code=ErrorCode.FORBIDDEN)
    entry = session.get(Entry, entry_id)
    member = (
        session.exec(
            select(EntryMember)
            .where(EntryMember.entry_id == entry_id, EntryMember.talent_id == actor.talent_id)
            .with_for_update()
        ).first()
        if entry is not None
        else None
    )
    if entry is None or member is None:
        raise ServiceError("no invitation to this entry's team for you", code=ErrorCode.NOT_FOUND, field="entryId")
    if member.accepted_at is not None:
        raise ServiceError("you are on this team already", code=ErrorCode.INVALID_TRANSITION, field="entryId")
    if accept:
        _before_deadline(_competition(session, entry.competition_id))
        member.accepted_at = utcnow()
        session.add(member)
    else:
        session.delete(member)
    session.flush()
    return entry


def _entries_of(session: Session, talent_id: int | None, *, accepted: bool) -> list[Entry]:
    if talent_id is None:
        return []
    answered = col(EntryMember.accepted_at).is_not(None) if accepted else col(EntryMember.accepted_at).is_(None)
    members = select(EntryMember.entry_id).where(EntryMember.talent_id == talent_id, answered)
    return list(session.exec(select(Entry).where(col(Entry.id).in_(members)).order_by(col(Entry.id))))


def my_entries(session: Session, actor: Account) -> list[Entry]:
    """The entries the talent ``actor`` acts for leads or joined."""
    return _entries_of(session, actor.talent_id, accepted=True)


def team_invitations(session: Session, actor: Account) -> list[Entry]:
    """The entries whose team invited the talent ``actor`` acts for, not answered yet."""
    return _entries_of(session, actor.talent_id, accepted=False)


def on_panel(session: Session, viewer: Account | None, competition_id: int) -> bool:
    """Whether ``viewer`` is a judge on ``competition_id``'s panel."""
    if viewer is None or viewer.role != Role.JUDGE:
        return False
    found = session.exec(
        select(JudgePanel.id).where(
            JudgePanel.competition_id == competition_id, JudgePanel.judge_account_id == viewer.id
        )
    ).first()
    return found is not None


def may_see_panel_work(viewer: Account, *, on_panel: bool) -> bool:
    """A competition's panel and its list of entries: admins and the competition's judges (``on_panel``)."""
    return viewer.role == Role.ADMIN or on_panel


def may_see_entry(viewer: Account | None, members: Iterable[EntryMember], *, on_panel: bool) -> bool:
    """One entry (``members``: its team): admins, the competition's judges, and its team, invited members
    included (they see what they are asked to join)."""
    if viewer is None:
        return False
    if may_see_panel_work(viewer, on_panel=on_panel):
        return True
    return viewer.talent_id is not None and any(m.talent_id == viewer.talent_id for m in members)


def may_watch_live_leaderboard(viewer: Account) -> bool:
    """The live leaderboard (the roadshow screen): admins; a round's scores stay hidden from others until it
    closes."""
    return viewer.role == Role.ADMIN


def may_see_member_profile(
    viewer: Account | None, member: EntryMember, *, talent_visible: bool, on_panel: bool
) -> bool:
    """A team member's profile, read through the entry's team (who may read the team is the entry's rule).

    Only once the member accepted; then to the competition's panel (judges judge the team; contact data stays
    masked by the talent's own rules) and to whoever the talent rule lets see the profile anyway
    (``talent_visible``: :func:`api.graphql.permissions.can_see_talent`'s answer), never to the lead because
    they typed the talent's ID.
    """
    return viewer is not None and member.accepted_at is not None and (on_panel or talent_visible)


def may_see_member_name(viewer: Account | None, member: EntryMember, *, talent_visible: bool) -> bool:
    """A team member's name: once they accepted, or while invited when their profile is visible anyway."""
    return viewer is not None and (member.accepted_at is not None or talent_visible)


# ------------------------------------------------------------------ conflicts


@cache
def _institution_records(path: Path = _INSTITUTIONS_PATH) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(item["names"]) for item in json.loads(path.read_text(encoding="utf-8"))["institutions"])


def institution_names() -> tuple[tuple[str, ...], ...]:
    """The known institutions (``seeds/institutions.json``), each as its names: legal name first, then aliases."""
    return _institution_records()


def organisation_resolver(session: Session) -> OrganisationResolver:
    """Registered enterprises and the known institutions in one resolver.

    An institution that is also a registered enterprise (厦门大学 is both) becomes
    one record with the names of both, so every spelling resolves to the same id.
    """
    aliases: dict[int, list[str]] = defaultdict(list)
    for alias in session.exec(select(EnterpriseAlias).order_by(col(EnterpriseAlias.position))):
        aliases[alias.enterprise_id].append(alias.name)
    names: dict[int, list[str]] = {
        e.id: [e.legal_name, *aliases[e.id]]
        for e in session.exec(select(Enterprise).order_by(col(Enterprise.id)))
        if e.id is not None
    }
    resolver = OrganisationResolver(OrgRecord(i, tuple(n)) for i, n in names.items())
    for position, institution in enumerate(institution_names()):
        exact = {m.id for name in institution for m in resolver.resolve(name, limit=1) if m.score >= 100.0 and m.id > 0}
        if len(exact) == 1:
            (enterprise_id,) = exact
            merged = tuple(dict.fromkeys([*names[enterprise_id], *institution]))
            resolver.add(OrgRecord(enterprise_id, merged))
        else:
            resolver.add(OrgRecord(_INSTITUTION_ID_BASE - position, institution))
    return resolver


def _judge_profiles(session: Session, competition_id: int) -> list[judging.JudgeProfile]:
    panel = list(session.exec(select(JudgePanel.judge_account_id).where(JudgePanel.competition_id == competition_id)))
    if not panel:
        return []
    profiles = {
        p.account_id: p for p in session.exec(select(JudgeProfileRow).where(col(JudgeProfileRow.account_id).in_(panel)))
    }
    emails = {a: e for a, e in session.exec(select(Account.id, Account.email).where(col(Account.id).in_(panel)))}
    judges: list[judging.JudgeProfile] = []
    for account_id in sorted(panel):
        profile = profiles.get(account_id)
        judges.append(
            judging.JudgeProfile(
                id=account_id,
                talent_id=profile.talent_id if profile else None,
                name=profile.name if profile else emails.get(account_id, str(account_id)),
                affiliations=tuple(profile.affiliations) if profile else (),
                declared_entry_ids=frozenset(profile.declared_entry_ids) if profile else frozenset(),
                declared_names=tuple(profile.declared_conflicts) if profile else (),
            )
        )
    return judges


def _entry_profiles(session: Session, entry_ids: Sequence[int]) -> list[judging.EntryProfile]:
    if not entry_ids:
        return []
    entries = list(session.exec(select(Entry).where(col(Entry.id).in_(entry_ids)).order_by(col(Entry.id))))
    members = list(
        session.exec(
            select(EntryMember).where(col(EntryMember.entry_id).in_(entry_ids)).order_by(col(EntryMember.position))
        )
    )
    talent_ids = sorted({m.talent_id for m in members})
    talents = (
        {t.id: t for t in session.exec(select(Talent).where(col(Talent.id).in_(talent_ids)))} if talent_ids else {}
    )
    schools: dict[int, list[str]] = defaultdict(list)
    if talent_ids:
        for row in session.exec(
            select(TalentEducation)
            .where(col(TalentEducation.talent_id).in_(talent_ids))
            .order_by(col(TalentEducation.position))
        ):
            schools[row.talent_id].append(row.institution)
    by_entry: dict[int, list[judging.TeamMember]] = defaultdict(list)
    for member in members:
        talent = talents.get(member.talent_id)
        name = (talent.name_zh or talent.name_en or str(member.talent_id)) if talent else str(member.talent_id)
        institutions = [*schools[member.talent_id], *([member.institution] if member.institution else [])]
        by_entry[member.entry_id].append(
            judging.TeamMember(
                talent_id=member.talent_id,
                name=name,
                institutions=tuple(dict.fromkeys(institutions)),
                employers=(member.employer,) if member.employer else (),
            )
        )
    return [judging.EntryProfile(e.id, e.title, tuple(by_entry[e.id])) for e in entries if e.id is not None]


def _round_entry_ids(session: Session, round_id: int) -> list[int]:
    return sorted(session.exec(select(EntryRound.entry_id).where(EntryRound.round_id == round_id)))


def detect_conflicts(session: Session, competition_id: int, *, round_id: int | None = None) -> list[judging.Conflict]:
    """Every conflict between the panel and the competition's entries (those of one round when given)."""
    _competition(session, competition_id)
    if round_id is None:
        found = session.exec(select(Entry.id).where(Entry.competition_id == competition_id))
        entry_ids = sorted(e for e in found if e is not None)
    else:
        entry_ids = _round_entry_ids(session, round_id)
    return judging.detect_conflicts(
        _judge_profiles(session, competition_id),
        _entry_profiles(session, entry_ids),
        resolver=organisation_resolver(session),
    )


# ------------------------------------------------------------------ assignment


@dataclass(frozen=True, slots=True)
class AssignmentReport:
    """What :func:`assign_judges` did: the engine's assignment and the conflicts that shaped it."""

    round: Round
    assignment: judging.Assignment
    conflicts: tuple[judging.Conflict, ...]
    wanted: int


def pin_assignment(
    session: Session, actor: Account, round_id: int, judge_account_id: int, entry_id: int, kind: str
) -> AssignmentPin:
    """Force or forbid one (judge, entry) pair in a round's assignments (admins); takes effect on the next run."""
    _require_admin(actor)
    found, competition = _round(session, round_id)
    _round_open(found, competition)
    kind = enum_value(kind, PinKind, "kind")
    in_panel = session.exec(
        select(JudgePanel.id).where(
            JudgePanel.competition_id == competition.id, JudgePanel.judge_account_id == judge_account_id
        )
    ).first()
    if in_panel is None:
        raise ServiceError("the judge is not on this competition's panel", code=ErrorCode.NOT_FOUND, field="judgeId")
    if entry_id not in _round_entry_ids(session, round_id):
        raise ServiceError("the entry is not in this round", code=ErrorCode.NOT_FOUND, field="entryId")
    pin = session.exec(
        select(AssignmentPin).where(
            AssignmentPin.round_id == round_id,
            AssignmentPin.judge_account_id == judge_account_id,
            AssignmentPin.entry_id == entry_id,
        )
    ).first() or AssignmentPin(round_id=round_id, judge_account_id=judge_account_id, entry_id=entry_id, kind=kind)
    pin.kind = kind
    session.add(pin)
    session.flush()
    return pin


def assign_judges(
    session: Session, actor: Account, competition_id: int, round_name: str, *, per_entry: int = DEFAULT_PER_ENTRY
) -> AssignmentReport:
    """Assign ``per_entry`` judges to every entry of a round (admins); see :func:`matching.judging.assign_judges`.

    Blocked: detected conflicts, forbidden pins and recusals.  Forced pins are
    assigned; judges who already scored an entry keep it, so a re-run never
    loses a score.  Deterministic: the same data gives the same assignment.
    """
    _require_admin(actor)
    if not 1 <= per_entry <= MAX_PER_ENTRY:
        raise ServiceError(f"perEntry must be between 1 and {MAX_PER_ENTRY}", field="perEntry")
    found = find_round(session, competition_id, round_name)
    competition = _competition(session, competition_id)
    _round_open(found, competition)
    assert found.id is not None
    entry_ids = _round_entry_ids(session, found.id)
    judges = _judge_profiles(session, competition_id)
    conflicts = tuple(
        judging.detect_conflicts(judges, _entry_profiles(session, entry_ids), resolver=organisation_resolver(session))
    )
    pins = list(session.exec(select(AssignmentPin).where(AssignmentPin.round_id == found.id)))
    rows = list(session.exec(select(JudgeAssignment).where(JudgeAssignment.round_id == found.id)))
    blocked = {(c.judge_id, c.entry_id) for c in conflicts}
    blocked |= {(p.judge_account_id, p.entry_id) for p in pins if p.kind == PinKind.FORBIDDEN}
    blocked |= {(r.judge_account_id, r.entry_id) for r in rows if r.status == AssignmentStatus.RECUSED}
    forced = {(p.judge_account_id, p.entry_id) for p in pins if p.kind == PinKind.FORCED}
    keep: dict[int, set[int]] = defaultdict(set)
    for judge_id, entry_id in session.exec(
        select(Score.judge_account_id, Score.entry_id).where(Score.round_id == found.id)
    ):
        keep[entry_id].add(judge_id)
    result = judging.assign_judges(
        entry_ids, [j.id for j in judges], per_entry=per_entry, blocked=blocked, forced=forced, keep=keep
    )
    current = {(r.judge_account_id, r.entry_id): r for r in rows if r.status == AssignmentStatus.ASSIGNED}
    for pair, row in current.items():
        if pair not in result.pairs:
            session.delete(row)
    for judge_id, entry_id in sorted(result.pairs - current.keys()):
        session.add(JudgeAssignment(round_id=found.id, judge_account_id=judge_id, entry_id=entry_id))
    record_audit(
        session,
        actor=actor,
        action="cup_round.assign_judges",
        entity_type="cup_round",
        entity_id=found.id,
        before={"pairs": sorted(current)},
        after={"pairs": sorted(result.pairs), "per_entry": per_entry},
    )
    session.flush()
    return AssignmentReport(round=found, assignment=result, conflicts=conflicts, wanted=per_entry)


@dataclass(frozen=True, slots=True)
class RecusalReport:
    assignment: JudgeAssignment
    replacement_judge_id: int | None
    note: str


def recuse(session: Session, actor: Account, round_id: int, entry_id: int, reason: str) -> RecusalReport:
    """An assigned judge steps back from an entry, with a reason; a free eligible judge takes it at once.

    A score the judge already gave is withdrawn (and the withdrawal audited).
    The replacement is the panel judge with the lowest load in the round (then
    the lowest id) who has no conflict, pin or earlier recusal with the entry
    and is not already assigned to it.
    """
    found, competition = _round(session, round_id, lock="share")
    _round_open(found, competition)
    text = required_text(reason, "reason", max_length=500)
    assignment = _assignment_of(session, actor, round_id, entry_id)
    score = _score_row(session, round_id, actor.id, entry_id)
    if score is not None:
        record_audit(
            session,
            actor=actor,
            action="cup_score.withdraw",
            entity_type="cup_score",
            entity_id=score.id or 0,
            before=snapshot(score),
            after=None,
        )
        session.delete(score)
        _announce(session, competition.id, round_id)
    assignment.status = AssignmentStatus.RECUSED.value
    assignment.recusal_reason = text
    session.add(assignment)
    session.flush()

    rows = list(session.exec(select(JudgeAssignment).where(JudgeAssignment.round_id == round_id)))
    taken = {r.judge_account_id for r in rows if r.entry_id == entry_id}
    loads: dict[int, int] = defaultdict(int)
    for r in rows:
        if r.status == AssignmentStatus.ASSIGNED:
            loads[r.judge_account_id] += 1
    assert competition.id is not None
    judges = _judge_profiles(session, competition.id)
    conflicted = {
        c.judge_id
        for c in judging.detect_conflicts(
            judges, _entry_profiles(session, [entry_id]), resolver=organisation_resolver(session)
        )
    }
    forbidden = set(
        session.exec(
            select(AssignmentPin.judge_account_id).where(
                AssignmentPin.round_id == round_id,
                AssignmentPin.entry_id == entry_id,
                AssignmentPin.kind == PinKind.FORBIDDEN.value,
            )
        )
    )
    free = [j.id for j in judges if j.id not in taken | conflicted | forbidden]
    remaining = sum(1 for r in rows if r.entry_id == entry_id and r.status == AssignmentStatus.ASSIGNED)
    if not free:
        note = (
            f"no other judge on the panel is free of conflicts with this entry; it now has {remaining} judge(s) "
            "- add a judge to the panel and run assignJudges again"
        )
        return RecusalReport(assignment=assignment, replacement_judge_id=None, note=note)
    replacement = min(free, key=lambda j: (loads[j], j))
    session.add(JudgeAssignment(round_id=round_id, judge_account_id=replacement, entry_id=entry_id))
    session.flush()
    return RecusalReport(
        assignment=assignment,
        replacement_judge_id=replacement,
        note=f"reassigned to judge {replacement}; the entry has {remaining + 1} judge(s)",
    )


def _assignment_of(session: Session, actor: Account, round_id: int, entry_id: int) -> JudgeAssignment:
    if actor.role != Role.JUDGE:
        raise ServiceError("only judges score and recuse", code=ErrorCode.FORBIDDEN)
    assignment = session.exec(
        select(JudgeAssignment).where(
            JudgeAssignment.round_id == round_id,
            JudgeAssignment.judge_account_id == actor.id,
            JudgeAssignment.entry_id == entry_id,
            JudgeAssignment.status == AssignmentStatus.ASSIGNED.value,
        )
    ).first()
    if assignment is None:
        raise ServiceError(
            "you are not assigned to this entry in this round", code=ErrorCode.FORBIDDEN, field="entryId"
        )
    return assignment


# ------------------------------------------------------------------ scores


def _score_row(session: Session, round_id: int, judge_id: int | None, entry_id: int) -> Score | None:
    return session.exec(
        select(Score).where(Score.round_id == round_id, Score.judge_account_id == judge_id, Score.entry_id == entry_id)
    ).first()


def submit_score(session: Session, actor: Account, round_id: int, entry_id: int, values: Mapping[str, float]) -> Score:
    """An assigned judge scores an entry, or revises the score, while the round is open (audited)."""
    found, competition = _round(session, round_id, lock="share")
    _round_open(found, competition)
    _assignment_of(session, actor, round_id, entry_id)
    rubric = rubric_of(session, competition)
    errors = rubric.score_errors(values)
    if errors:
        raise ServiceError("; ".join(errors), field="scores")
    criteria = {key: float(values[key]) for key in rubric.keys}
    total = rubric.weighted_total(criteria)
    score = _score_row(session, round_id, actor.id, entry_id)
    before = snapshot(score) if score is not None else None
    now = utcnow()
    if score is None:
        assert actor.id is not None
        score = Score(round_id=round_id, judge_account_id=actor.id, entry_id=entry_id, criteria=criteria, total=total)
    else:
        score.criteria = criteria
        score.total = total
        score.updated_at = now
    audit_row(
        session,
        score,
        actor=actor,
        action="cup_score.submit" if before is None else "cup_score.revise",
        before=before,
    )
    _announce(session, competition.id, round_id)
    return score


def visible_scores(session: Session, viewer: Account, round_id: int) -> list[Score]:
    """The round's scores the viewer may see: admins all; a judge their own until the round closes, then all
    (the competition's panel only)."""
    found, _ = _round(session, round_id)
    query = select(Score).where(Score.round_id == round_id).order_by(col(Score.entry_id), col(Score.judge_account_id))
    on_panel = session.exec(
        select(JudgePanel.id).where(
            JudgePanel.competition_id == found.competition_id, JudgePanel.judge_account_id == viewer.id
        )
    ).first()
    if viewer.role == Role.ADMIN or (on_panel is not None and found.status == RoundStatus.CLOSED):
        return list(session.exec(query))
    if viewer.role == Role.JUDGE:
        return list(session.exec(query.where(Score.judge_account_id == viewer.id)))
    return []


# ------------------------------------------------------------------ leaderboard


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    rank: int
    entry_id: int
    result: judging.EntryResult
    tie_break_used: str | None


@dataclass(frozen=True, slots=True)
class Leaderboard:
    competition: Competition
    round: Round
    method: judging.AggregationMethod
    rows: tuple[LeaderboardRow, ...]
    notes: tuple[str, ...]
    tie_break: tuple[str, ...]
    what_if: Mapping[judging.AggregationMethod, tuple[LeaderboardRow, ...]]


def _rows(ranked: Iterable[judging.RankedEntry]) -> tuple[LeaderboardRow, ...]:
    return tuple(LeaderboardRow(r.rank, r.entry_id, r.result, r.tie_break_used) for r in ranked)


def _judge_scores(session: Session, round_id: int) -> list[judging.JudgeScore]:
    entries = set(_round_entry_ids(session, round_id))
    return [
        judging.JudgeScore(s.judge_account_id, s.entry_id, s.total, dict(s.criteria))
        for s in session.exec(select(Score).where(Score.round_id == round_id))
        if s.entry_id in entries
    ]


def _ranking(
    session: Session, competition: Competition, found: Round, method: judging.AggregationMethod
) -> tuple[judging.Aggregation, tuple[judging.RankedEntry, ...]]:
    assert found.id is not None
    aggregation = judging.aggregate(_judge_scores(session, found.id), method=method)
    return aggregation, judging.rank_entries(aggregation, tie_break=competition.tie_break)


def leaderboard(
    session: Session, viewer: Account, competition_id: int, round_name: str, method: str | None = None
) -> Leaderboard:
    """A round's ranking by ``method`` (default: the competition's) and under every method side by side.

    Admins see it at any time; other signed-in accounts once the round is closed.
    """
    found = find_round(session, competition_id, round_name)
    competition = _competition(session, competition_id)
    if viewer.role != Role.ADMIN and found.status != RoundStatus.CLOSED:
        raise ServiceError(
            "the leaderboard of an open round is for admins; judges see it when the round closes",
            code=ErrorCode.FORBIDDEN,
        )
    chosen = judging.AggregationMethod(enum_value(method or competition.method, judging.AggregationMethod, "method"))
    aggregation, ranked = _ranking(session, competition, found, chosen)
    assert found.id is not None
    side_by_side = judging.what_if(_judge_scores(session, found.id), tie_break=competition.tie_break)
    return Leaderboard(
        competition=competition,
        round=found,
        method=chosen,
        rows=_rows(ranked),
        notes=aggregation.notes,
        tie_break=tuple(competition.tie_break),
        what_if={m: _rows(r) for m, r in side_by_side.items()},
    )


# ------------------------------------------------------------------ closing and finalising


def close_round(session: Session, actor: Account, round_id: int, *, acknowledge_flags: bool = False) -> Round:
    """Close a round (admins) and advance its top ``advance_count`` entries to the next round.

    Earlier rounds must be closed first.  While an entry is flagged because
    its judges disagree widely, closing is refused unless ``acknowledge_flags``
    says the flags were re-reviewed.  The ranking uses the competition's method.
    """
    _require_admin(actor)
    found, competition = _round(session, round_id, lock="update")
    _round_open(found, competition)
    earlier = [r for r in _rounds(session, found.competition_id) if r.position < found.position]
    still_open = [r.name for r in earlier if r.status == RoundStatus.OPEN]
    if still_open:
        raise ServiceError(
            f"close the earlier rounds first: {', '.join(still_open)}", code=ErrorCode.INVALID_TRANSITION
        )
    _, ranked = _ranking(session, competition, found, judging.AggregationMethod(competition.method))
    flagged = [r for r in ranked if r.result.flags]
    if flagged and not acknowledge_flags:
        listed = "; ".join(f"entry {r.entry_id}: {r.result.flags[0]}" for r in flagged)
        raise ServiceError(
            f"{len(flagged)} entries are flagged for re-review ({listed}); re-review them, or close with "
            "acknowledgeFlags: true",
            code=ErrorCode.INVALID_TRANSITION,
            field="acknowledgeFlags",
        )
    found.status = RoundStatus.CLOSED.value
    found.closed_at = utcnow()
    session.add(found)
    following = [r for r in _rounds(session, found.competition_id) if r.position > found.position]
    if following and found.advance_count:
        next_id = following[0].id
        assert next_id is not None
        present = set(_round_entry_ids(session, next_id))
        for row in ranked[: found.advance_count]:
            if row.entry_id not in present:
                session.add(EntryRound(entry_id=row.entry_id, round_id=next_id))
    record_audit(
        session,
        actor=actor,
        action="cup_round.close",
        entity_type="cup_round",
        entity_id=found.id or 0,
        before={"status": "open"},
        after={"status": "closed", "advanced": [r.entry_id for r in ranked[: found.advance_count or 0]]},
    )
    session.flush()
    return found


def finalise_competition(session: Session, actor: Account, competition_id: int) -> Competition:
    """Give the awards by tier counts from the final ranking and freeze the results (admins)."""
    _require_admin(actor)
    competition = _competition(session, competition_id)
    _not_frozen(competition)
    rounds = _rounds(session, competition_id)
    final = rounds[-1]
    if final.status != RoundStatus.CLOSED:
        raise ServiceError(f"close the final round ({final.name}) first", code=ErrorCode.INVALID_TRANSITION)
    _, ranked = _ranking(session, competition, final, judging.AggregationMethod(competition.method))
    tiers = list(
        session.exec(
            select(CupAwardTier)
            .where(CupAwardTier.competition_id == competition_id)
            .order_by(col(CupAwardTier.position))
        )
    )
    awards: dict[int, str] = {}
    queue = iter(ranked)
    for tier in tiers:
        for _ in range(tier.count):
            row = next(queue, None)
            if row is not None:
                awards[row.entry_id] = tier.name
    for row in ranked:
        tier_name = awards.get(row.entry_id)
        if tier_name is not None:
            session.add(CupAward(competition_id=competition_id, entry_id=row.entry_id, tier=tier_name, rank=row.rank))
        session.add(
            CupResult(
                competition_id=competition_id,
                entry_id=row.entry_id,
                rank=row.rank,
                aggregate=row.result.aggregate,
                raw_mean=row.result.raw_mean,
                method=row.result.method_used.value,
                judges_counted=row.result.judges_counted,
                award=tier_name,
            )
        )
    competition.status = CompetitionStatus.FINALISED.value
    competition.finalised_at = utcnow()
    session.add(competition)
    record_audit(
        session,
        actor=actor,
        action="cup_competition.finalise",
        entity_type="cup_competition",
        entity_id=competition_id,
        before={"status": "open"},
        after={"status": "finalised", "awards": {str(k): v for k, v in awards.items()}},
    )
    session.flush()
    return competition


# ------------------------------------------------------------------ live leaderboard feed


class LeaderboardFeed:
    """In-process announcements that a round's scores changed, per (competition id, round id).

    Subscribers get an :class:`asyncio.Queue` on their own event loop;
    :meth:`publish` may be called from any thread.  One process only: with
    several workers, a shared channel (e.g. PostgreSQL LISTEN/NOTIFY) must
    carry the announcements between them.
    """

    def __init__(self) -> None:
        self._lock = Lock()
        self._subscribers: dict[tuple[int, int], set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[None]]]] = (
            defaultdict(set)
        )

    @contextmanager
    def subscribe(self, competition_id: int, round_id: int) -> Iterator[asyncio.Queue[None]]:
        queue: asyncio.Queue[None] = asyncio.Queue()
        subscriber = (asyncio.get_running_loop(), queue)
        key = (competition_id, round_id)
        with self._lock:
            self._subscribers[key].add(subscriber)
        try:
            yield queue
        finally:
            with self._lock:
                self._subscribers[key].discard(subscriber)

    def publish(self, competition_id: int, round_id: int) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get((competition_id, round_id), ()))
        for loop, queue in subscribers:
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, None)


LEADERBOARD_FEED = LeaderboardFeed()
_PENDING = "cup_changed_rounds"


def _announce(session: Session, competition_id: int | None, round_id: int) -> None:
    """Announce the round's change once the transaction commits (never for a rolled-back one)."""
    assert competition_id is not None
    session.info.setdefault(_PENDING, set()).add((competition_id, round_id))


@event.listens_for(OrmSession, "after_commit")
def _publish_after_commit(session: OrmSession) -> None:
    for competition_id, round_id in session.info.pop(_PENDING, set()):
        LEADERBOARD_FEED.publish(competition_id, round_id)


@event.listens_for(OrmSession, "after_rollback")
def _forget_after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)
