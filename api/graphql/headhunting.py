"""Headhunter campaigns, invitations, identity review and the programme funnel over GraphQL.

Resolvers are thin: they decode IDs, call :mod:`api.services.headhunting` and
:mod:`api.services.identity`, and map rows to types; relations load through
per-request DataLoaders.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

import strawberry
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from api.graphql.context import Context, Info
from api.graphql.errors import forbidden, read_service
from api.graphql.ids import decode_id_of, encode_global_id
from api.graphql.mutations import UserError, require_viewer, run_mutation
from api.graphql.pagination import Connection, connection_from_slice, page_request
from api.graphql.permissions import IsAuthenticated, can_see_talent, require_role
from api.graphql.types import CandidateMatch, Degree, Enterprise, Node, Talent
from api.models import Account as AccountRow
from api.models import Campaign as CampaignRow
from api.models import IdentityLink as IdentityLinkRow
from api.models import Invitation as InvitationRow
from api.models import Talent as TalentRow
from api.models import enums
from api.models.headhunting import InvitationStatus as InvitationStatusValue
from api.models.identity import IdentityLinkStatus as IdentityLinkStatusValue
from api.models.identity import RecordKind
from api.services import headhunting, identity, talents
from matching.people import PersonLink

__all__ = ["HeadhuntingMutation", "HeadhuntingQuery", "headhunting_node"]

T = TypeVar("T")

InvitationStatus = strawberry.enum(
    InvitationStatusValue,
    description="draft -> sent -> accepted -> attended; sent -> declined; draft or sent -> expired "
    "(explicitly, or once the campaign has ended).",
)
IdentityLinkStatus = strawberry.enum(
    IdentityLinkStatusValue,
    description="AUTO: linked by the engine (score >= 90); PENDING: waiting for an admin (50 <= score < 90); "
    "CONFIRMED or REJECTED by an admin.",
)
HEADHUNTING_ROLES = (enums.Role.HEADHUNTER, enums.Role.ADMIN)


# ------------------------------------------------------------------ loaders


def _by_id(session: Session, model: type[T]) -> DataLoader[int, T | None]:
    async def load(ids: Sequence[int]) -> list[T | None]:
        rows = {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}  # type: ignore[attr-defined]
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)


@dataclass
class HeadhuntingLoaders:
    """This module's loaders, made once per request (kept on the request's context)."""

    session: Session
    campaign_by_id: DataLoader[int, CampaignRow | None] = field(init=False)
    invitation_by_id: DataLoader[int, InvitationRow | None] = field(init=False)

    def __post_init__(self) -> None:
        self.campaign_by_id = _by_id(self.session, CampaignRow)
        self.invitation_by_id = _by_id(self.session, InvitationRow)


def _loaders(ctx: Context) -> HeadhuntingLoaders:
    loaders = ctx.__dict__.get("headhunting_loaders")
    if loaders is None:
        loaders = ctx.__dict__["headhunting_loaders"] = HeadhuntingLoaders(ctx.session)
    return loaders


# ------------------------------------------------------------------ types


@strawberry.type(description="Invitations at each step (drafts left out).")
class Funnel:
    invited: int = strawberry.field(description="Invitations sent (any status but draft).")
    accepted: int = strawberry.field(description="Accepted, attended ones included.")
    attended: int
    with_project: int = strawberry.field(description="Invitees who bring a project.")
    registered: int = strawberry.field(description="Invitees with a talent profile (invited as one, or linked later).")
    applied: int = strawberry.field(description="Registered invitees who applied to at least one job.")
    hired: int = strawberry.field(
        description="Invitees hired while the inviting firm owned their introduction (hires attributed to it)."
    )

    @classmethod
    def from_service(cls, f: headhunting.Funnel) -> Funnel:
        return cls(
            invited=f.invited,
            accepted=f.accepted,
            attended=f.attended,
            with_project=f.with_project,
            registered=f.registered,
            applied=f.applied,
            hired=f.hired,
        )


@strawberry.type(description="Whom a campaign looks for.")
class CampaignCriteria:
    min_degree: Degree | None = strawberry.field(description="Talents below this degree are not suggested.")
    fields: list[str] = strawberry.field(description="Fields of study; they score.")
    skills: list[str] = strawberry.field(description="Skills sought; they score.")
    countries: list[str] = strawberry.field(description="Countries of education (ISO 3166); they filter.")
    has_project: bool | None = strawberry.field(description="Only talents known to bring a project.")


@strawberry.type(
    description="A headhunter firm's invitation drive. Its firm's headhunters and admins read all of it; a talent "
    "it invited reads its name, firm and dates, and is refused (FORBIDDEN) the rest."
)
class Campaign(Node):
    row: strawberry.Private[CampaignRow]

    @classmethod
    def from_model(cls, row: CampaignRow) -> Campaign:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("Campaign", row.id)), row=row)

    def _managed(self, info: Info) -> CampaignRow:
        if not headhunting.can_manage_campaign(info.context.viewer, self.row):
            raise forbidden("only the campaign's firm and admins read this")
        return self.row

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="The headhunter firm running the campaign (an enterprise, with its credit).")
    async def firm(self, info: Info) -> Enterprise:
        row = await info.context.loaders.enterprise_by_id.load(self.row.firm_id)
        assert row is not None
        return Enterprise.from_model(row)

    @strawberry.field
    def starts_on(self) -> date:
        return self.row.starts_on

    @strawberry.field(description="Unanswered invitations expire after this day.")
    def ends_on(self) -> date:
        return self.row.ends_on

    @strawberry.field(description="The firm's and admins' only.")
    def criteria(self, info: Info) -> CampaignCriteria:
        c = self._managed(info).criteria
        return CampaignCriteria(
            min_degree=enums.DegreeLevel(c["min_degree"]) if c.get("min_degree") else None,
            fields=list(c.get("fields") or []),
            skills=list(c.get("skills") or []),
            countries=list(c.get("countries") or []),
            has_project=c.get("has_project"),
        )

    @strawberry.field(description="Most invitations the campaign may hold; null: no limit. The firm's and admins'.")
    def quota(self, info: Info) -> int | None:
        return self._managed(info).quota

    @strawberry.field(
        description="invited, accepted, attended, with a project, registered, applied, hired. The firm's and "
        "admins' only."
    )
    def funnel(self, info: Info) -> Funnel:
        return Funnel.from_service(headhunting.funnel(info.context.session, campaign_id=self._managed(info).id))

    @strawberry.field(description="The campaign's invitations, oldest first. The firm's and admins' only.")
    def invitations(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Invitation]:
        self._managed(info)
        session = info.context.session
        page = page_request(first, after)
        condition = InvitationRow.campaign_id == self.row.id
        total = len(list(session.exec(select(InvitationRow.id).where(condition))))
        rows = session.exec(
            select(InvitationRow).where(condition).order_by(InvitationRow.id).offset(page.offset).limit(page.limit)
        )
        ends_on = {self.row.id: self.row.ends_on}
        return connection_from_slice([Invitation.from_model(r, ends_on) for r in rows], page, total)


@strawberry.type(
    description="An invitation of a registered talent or an outside person; for the firm and admins, "
    "and for the invited talent once sent."
)
class Invitation(Node):
    row: strawberry.Private[InvitationRow]
    ends_on: strawberry.Private[date | None]

    @classmethod
    def from_model(cls, row: InvitationRow, ends_on: dict[int | None, date] | None = None) -> Invitation:
        assert row.id is not None
        known = (ends_on or {}).get(row.campaign_id)
        return cls(id=strawberry.ID(encode_global_id("Invitation", row.id)), row=row, ends_on=known)

    @strawberry.field
    async def campaign(self, info: Info) -> Campaign:
        row = await _loaders(info.context).campaign_by_id.load(self.row.campaign_id)
        assert row is not None
        return Campaign.from_model(row)

    @strawberry.field(description="The inviting firm.")
    async def firm(self, info: Info) -> Enterprise:
        row = await info.context.loaders.enterprise_by_id.load(self.row.firm_id)
        assert row is not None
        return Enterprise.from_model(row)

    @strawberry.field(
        description="The invited talent's profile, as the talent rule allows (a hidden profile reads as null); "
        "null for an outside person not (yet) linked."
    )
    async def talent(self, info: Info) -> Talent | None:
        row = await self._talent(info)
        return Talent.from_model(row) if row and await can_see_talent(info.context, row) else None

    async def _talent(self, info: Info) -> TalentRow | None:
        if self.row.talent_id is None:
            return None
        return await info.context.loaders.talent_by_id.load(self.row.talent_id)

    async def _contact(self, info: Info, name: str, mask: Callable[[str], str]) -> str | None:
        typed: str | None = getattr(self.row, name)
        talent = None if typed is not None else await self._talent(info)
        value: str | None = typed if talent is None else getattr(talent, name)
        if value is None:
            return None
        visible = headhunting.invitation_contact_visible(info.context.viewer, self.row, typed_by_firm=typed is not None)
        return value if visible else mask(value)

    @strawberry.field(description="The status today: a draft or sent invitation reads EXPIRED once its campaign ended.")
    async def status(self, info: Info) -> InvitationStatus:
        ends_on = self.ends_on
        if ends_on is None:
            campaign = await _loaders(info.context).campaign_by_id.load(self.row.campaign_id)
            assert campaign is not None
            ends_on = campaign.ends_on
        return headhunting.effective_status(self.row, ends_on)

    @strawberry.field
    def name_zh(self) -> str | None:
        return self.row.name_zh

    @strawberry.field
    def name_pinyin(self) -> str | None:
        return self.row.name_pinyin

    @strawberry.field
    def name_en(self) -> str | None:
        return self.row.name_en

    @strawberry.field(
        description="The invitee's e-mail: what the firm typed (an outside person), or the registered talent's, "
        "masked for the firm until the talent accepts."
    )
    async def email(self, info: Info) -> str | None:
        return await self._contact(info, "email", talents.mask_email)

    @strawberry.field(description="The invitee's phone, under the same rule as email.")
    async def phone(self, info: Info) -> str | None:
        return await self._contact(info, "phone", talents.mask_phone)

    @strawberry.field
    def institution(self) -> str | None:
        return self.row.institution

    @strawberry.field(description="Country of the institution, ISO 3166 two-letter code.")
    def country(self) -> str | None:
        return self.row.country

    @strawberry.field
    def degree(self) -> Degree | None:
        return enums.DegreeLevel(self.row.degree) if self.row.degree else None

    @strawberry.field(description="The (high-tech) project the invitee brings, if any.")
    def project_title(self) -> str | None:
        return self.row.project_title

    @strawberry.field(description="The CSV line it was imported from, if imported.")
    def source_row(self) -> int | None:
        return self.row.source_row

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def sent_at(self) -> datetime | None:
        return self.row.sent_at

    @strawberry.field(description="When the talent accepted or declined.")
    def responded_at(self) -> datetime | None:
        return self.row.responded_at

    @strawberry.field
    def attended_at(self) -> datetime | None:
        return self.row.attended_at

    @strawberry.field
    def expired_at(self) -> datetime | None:
        return self.row.expired_at


@strawberry.type(description="One observation behind an identity link.")
class IdentityEvidence:
    field: str = strawberry.field(description="email, phone, name, birth or institution.")
    left: str = strawberry.field(description="The left record's value, normalised.")
    right: str
    similarity: float = strawberry.field(description="0 to 1.")
    weight: float = strawberry.field(description="Bits added to the pair; negative when it speaks against.")
    note: str


def _evidence(items: Sequence[dict[str, object]]) -> list[IdentityEvidence]:
    return [
        IdentityEvidence(
            field=str(e["field"]),
            left=str(e["left"]),
            right=str(e["right"]),
            similarity=float(e["similarity"]),  # type: ignore[arg-type]
            weight=float(e["weight"]),  # type: ignore[arg-type]
            note=str(e["note"]),
        )
        for e in items
    ]


@strawberry.type(description="A talent profile or an invitation, as one side of an identity link.")
class PersonRef:
    kind: str = strawberry.field(description="talent or invitation.")
    id: strawberry.ID = strawberry.field(description="The global ID of the Talent or Invitation.")
    display_name: str


async def _ref(ctx: Context, kind: str, pk: int) -> PersonRef:
    if kind == RecordKind.TALENT:
        talent = await ctx.loaders.talent_by_id.load(pk)
        names = (talent.name_zh, talent.name_pinyin, talent.name_en) if talent else ()
        type_name = "Talent"
    else:
        invitation = await _loaders(ctx).invitation_by_id.load(pk)
        names = (invitation.name_zh, invitation.name_pinyin, invitation.name_en) if invitation else ()
        type_name = "Invitation"
    return PersonRef(
        kind=kind,
        id=strawberry.ID(encode_global_id(type_name, pk)),
        display_name=" / ".join(n for n in names if n) or "(deleted)",
    )


@strawberry.type(description="Two records the identity engine scored as possibly one person, and the decision.")
class IdentityLink(Node):
    row: strawberry.Private[IdentityLinkRow]

    @classmethod
    def from_model(cls, row: IdentityLinkRow) -> IdentityLink:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_global_id("IdentityLink", row.id)), row=row)

    @strawberry.field(description="An invitation (or the smaller id of two records of one kind).")
    async def left(self, info: Info) -> PersonRef:
        return await _ref(info.context, self.row.left_kind, self.row.left_id)

    @strawberry.field(description="A talent profile, or another invitation.")
    async def right(self, info: Info) -> PersonRef:
        return await _ref(info.context, self.row.right_kind, self.row.right_id)

    @strawberry.field(description="0 to 100: >= 90 links automatically, 50 to 90 waits for review.")
    def score(self) -> float:
        return self.row.score

    @strawberry.field
    def evidence(self) -> list[IdentityEvidence]:
        return _evidence(self.row.evidence)

    @strawberry.field
    def status(self) -> IdentityLinkStatus:
        return IdentityLinkStatusValue(self.row.status)

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at


@strawberry.type(description="Two talent profiles that look like one person.")
class TalentDuplicate:
    left: Talent
    right: Talent
    score: float = strawberry.field(description="0 to 100: >= 90 is very likely one person; 50 to 90 maybe.")
    evidence: list[IdentityEvidence]

    @classmethod
    def from_link(cls, link: PersonLink, rows: dict[int, TalentRow]) -> TalentDuplicate:
        left, right = identity.parse_key(link.left_id)[1], identity.parse_key(link.right_id)[1]
        return cls(
            left=Talent.from_model(rows[left]),
            right=Talent.from_model(rows[right]),
            score=link.score,
            evidence=_evidence(
                [
                    {
                        "field": e.field,
                        "left": e.left,
                        "right": e.right,
                        "similarity": e.similarity,
                        "weight": e.weight,
                        "note": e.note,
                    }
                    for e in link.evidence
                ]
            ),
        )


@strawberry.type(description="A firm's funnel.")
class FirmFunnel:
    firm: Enterprise
    funnel: Funnel


@strawberry.type(description="The whole programme's invitation funnel, and each firm's.")
class ProgrammeStats:
    total: Funnel
    firms: list[FirmFunnel]


async def headhunting_node(ctx: Context, type_name: str, pk: int) -> Node | None:
    """``node(id:)`` for this module's types; None when it does not exist or you may not see it."""
    viewer = ctx.viewer
    if type_name == "Campaign":
        campaign = await _loaders(ctx).campaign_by_id.load(pk)
        if campaign is None:
            return None
        invited = headhunting.invited_to_campaign(ctx.session, viewer, pk)
        visible = headhunting.can_see_campaign(viewer, campaign, invited=invited)
        return Campaign.from_model(campaign) if visible else None
    if type_name == "Invitation":
        invitation = await _loaders(ctx).invitation_by_id.load(pk)
        if invitation is None or not headhunting.can_see_invitation(viewer, invitation):
            return None
        return Invitation.from_model(invitation)
    link = ctx.session.get(IdentityLinkRow, pk)
    return IdentityLink.from_model(link) if link and viewer and viewer.role == enums.Role.ADMIN else None


# ------------------------------------------------------------------ queries


@strawberry.type
class HeadhuntingQuery:
    @strawberry.field(
        description="Campaigns you manage, by id: your firm's (headhunters) or all (admins).",
        permission_classes=require_role(*HEADHUNTING_ROLES),
    )
    def campaigns(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Campaign]:
        page = page_request(first, after)
        session = info.context.session
        ids = headhunting.visible_campaign_ids(session, require_viewer(info))
        chosen = ids[page.offset : page.offset + page.limit]
        rows = {r.id: r for r in session.exec(select(CampaignRow).where(col(CampaignRow.id).in_(chosen)))}
        return connection_from_slice([Campaign.from_model(rows[i]) for i in chosen], page, len(ids))

    @strawberry.field(
        description="A campaign you manage; null when it does not exist or is another firm's.",
        permission_classes=require_role(*HEADHUNTING_ROLES),
    )
    async def campaign(self, info: Info, id: strawberry.ID) -> Campaign | None:
        row = await _loaders(info.context).campaign_by_id.load(decode_id_of(id, "Campaign"))
        return Campaign.from_model(row) if row and headhunting.can_manage_campaign(info.context.viewer, row) else None

    @strawberry.field(
        description="Discoverable talents ranked against the campaign's criteria by the matching engine, best "
        "first, explained; people already invited in the campaign are left out. Countries, hasProject and the "
        "minimum degree filter. Skills work as a job's required skills: a talent matching none of them is not "
        "suggested. Fields of study score, and filter in a campaign without skills.",
        permission_classes=require_role(*HEADHUNTING_ROLES),
    )
    def suggest_invitees(
        self, info: Info, campaign_id: strawberry.ID, first: int | None = 20, after: str | None = None
    ) -> Connection[CandidateMatch]:
        ctx = info.context
        page = page_request(first, after)
        pk = decode_id_of(campaign_id, "Campaign")
        results = read_service(lambda: headhunting.suggest_invitees(ctx.session, require_viewer(info), pk))
        chosen = results[page.offset : page.offset + page.limit]
        ids = [m.talent_id for m in chosen]
        rows = {r.id: r for r in ctx.session.exec(select(TalentRow).where(col(TalentRow.id).in_(ids)))}
        return connection_from_slice(
            [CandidateMatch.from_result(m, rows[m.talent_id]) for m in chosen], page, len(results)
        )

    @strawberry.field(
        description="Invitations sent to you, newest first (talents); answer with respondToInvitation.",
        permission_classes=[IsAuthenticated],
    )
    def my_invitations(self, info: Info) -> list[Invitation]:
        return [
            Invitation.from_model(r) for r in headhunting.my_invitations(info.context.session, require_viewer(info))
        ]

    @strawberry.field(
        description="Identity links waiting for a decision, highest score first (admins): confirmIdentity or "
        "rejectIdentity.",
        permission_classes=require_role(enums.Role.ADMIN),
    )
    def identity_review_queue(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[IdentityLink]:
        page = page_request(first, after)
        rows = read_service(lambda: identity.review_queue(info.context.session, require_viewer(info)))
        chosen = rows[page.offset : page.offset + page.limit]
        return connection_from_slice([IdentityLink.from_model(r) for r in chosen], page, len(rows))

    @strawberry.field(
        description="Pairs of talent profiles that look like one person (score >= 50), best first (admins); "
        "merge them with mergeTalents. Pairs an admin rejected are left out.",
        permission_classes=require_role(enums.Role.ADMIN),
    )
    def duplicate_talents(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[TalentDuplicate]:
        session = info.context.session
        page = page_request(first, after)
        links = read_service(lambda: identity.duplicate_talents(session, require_viewer(info)))
        chosen = links[page.offset : page.offset + page.limit]
        ids = {identity.parse_key(k)[1] for link in chosen for k in (link.left_id, link.right_id)}
        rows = {r.id: r for r in session.exec(select(TalentRow).where(col(TalentRow.id).in_(ids)))}
        return connection_from_slice([TalentDuplicate.from_link(link, rows) for link in chosen], page, len(links))

    @strawberry.field(
        description="The invitation funnel of the whole programme and of each firm (public figures, like the "
        "article's: 50 overseas PhDs invited, 21 with high-tech projects)."
    )
    async def programme_stats(self, info: Info) -> ProgrammeStats:
        session = info.context.session
        by_firm = headhunting.funnels_by_firm(session)
        firms = await info.context.loaders.enterprise_by_id.load_many(list(by_firm))
        return ProgrammeStats(
            total=Funnel.from_service(headhunting.funnel(session)),
            firms=[
                FirmFunnel(firm=Enterprise.from_model(row), funnel=Funnel.from_service(by_firm[row.id]))
                for row in firms
                if row is not None and row.id is not None
            ],
        )


# ------------------------------------------------------------------ inputs and payloads


@strawberry.input(description="Whom a campaign looks for; every part is optional.")
class CampaignCriteriaInput:
    min_degree: Degree | None = None
    fields: list[str] = strawberry.field(default_factory=list, description="Fields of study.")
    skills: list[str] = strawberry.field(default_factory=list)
    countries: list[str] = strawberry.field(default_factory=list, description="ISO 3166 codes of education.")
    has_project: bool | None = None


@strawberry.input
class CampaignInput:
    name: str
    starts_on: date
    ends_on: date
    criteria: CampaignCriteriaInput | None = None
    quota: int | None = None
    firm_id: strawberry.ID | None = strawberry.field(
        default=None, description="Admins name the firm; headhunters act for their own."
    )


@strawberry.input(description="An outside person: a name (Chinese, pinyin or English) and an e-mail or a phone.")
class OutsidePersonInput:
    name_zh: str | None = None
    name_pinyin: str | None = None
    name_en: str | None = None
    email: str | None = None
    phone: str | None = None
    institution: str | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166 two-letter code.")
    degree: Degree | None = None
    project_title: str | None = None

    def to_data(self) -> headhunting.PersonData:
        return headhunting.PersonData(
            name_zh=self.name_zh,
            name_pinyin=self.name_pinyin,
            name_en=self.name_en,
            email=self.email,
            phone=self.phone,
            institution=self.institution,
            country=self.country,
            degree=self.degree.value if self.degree else None,
            project_title=self.project_title,
        )


@strawberry.type
class CampaignPayload:
    campaign: Campaign | None
    user_errors: list[UserError]


@strawberry.type
class InvitationPayload:
    invitation: Invitation | None
    user_errors: list[UserError]


@strawberry.type
class IdentityLinkPayload:
    identity_link: IdentityLink | None
    user_errors: list[UserError]


@strawberry.type(description="How many rows of a table moved to the kept profile (or were dropped as duplicates).")
class MovedRows:
    table: str = strawberry.field(description="table.column, e.g. application.talent_id.")
    count: int


@strawberry.type
class MergeTalentsPayload:
    talent: Talent | None = strawberry.field(description="The kept profile.")
    moved: list[MovedRows]
    dropped: list[MovedRows] = strawberry.field(description="Skills, languages or degrees both profiles had.")
    user_errors: list[UserError]


@strawberry.type(description="What happened to one CSV row.")
class ImportRowReport:
    line: int = strawberry.field(description="Line in the file (the header is line 1).")
    outcome: str = strawberry.field(description="accepted, unchanged (imported before) or refused.")
    message: str
    invitation: Invitation | None


@strawberry.type
class ImportInvitationsPayload:
    rows: list[ImportRowReport]
    accepted: int
    unchanged: int
    refused: int
    user_errors: list[UserError]


def _invitation_payload(info: Info, work: Callable[[Session], InvitationRow]) -> InvitationPayload:
    def run(session: Session) -> InvitationRow:
        headhunting.expire_overdue(session)
        return work(session)

    row, errors = run_mutation(info, run)
    return InvitationPayload(invitation=Invitation.from_model(row) if row else None, user_errors=errors)


def _link_payload(info: Info, work: Callable[[Session], IdentityLinkRow]) -> IdentityLinkPayload:
    row, errors = run_mutation(info, work)
    return IdentityLinkPayload(identity_link=IdentityLink.from_model(row) if row else None, user_errors=errors)


def _moved(counts: dict[str, int]) -> list[MovedRows]:
    return [MovedRows(table=k, count=v) for k, v in sorted(counts.items())]


# ------------------------------------------------------------------ mutations


@strawberry.type
class HeadhuntingMutation:
    @strawberry.mutation(
        description="Create a campaign for your firm (headhunters; admins name the firm).",
        permission_classes=require_role(*HEADHUNTING_ROLES),
    )
    def create_campaign(self, info: Info, input: CampaignInput) -> CampaignPayload:
        c = input.criteria or CampaignCriteriaInput()
        data = headhunting.CampaignData(
            name=input.name,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            criteria=headhunting.CriteriaData(
                min_degree=c.min_degree.value if c.min_degree else None,
                fields=list(c.fields),
                skills=list(c.skills),
                countries=list(c.countries),
                has_project=c.has_project,
            ),
            quota=input.quota,
            firm_id=decode_id_of(input.firm_id, "Enterprise") if input.firm_id else None,
        )
        row, errors = run_mutation(info, lambda s: headhunting.create_campaign(s, require_viewer(info), data))
        return CampaignPayload(campaign=Campaign.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Invite a registered talent (a draft until sent). Refused when the person is already "
        "invited in the campaign or another firm owns their introduction.",
        permission_classes=require_role(*HEADHUNTING_ROLES),
    )
    def invite_talent(
        self, info: Info, campaign_id: strawberry.ID, talent_id: strawberry.ID, project_title: str | None = None
    ) -> InvitationPayload:
        campaign, talent = decode_id_of(campaign_id, "Campaign"), decode_id_of(talent_id, "Talent")
        return _invitation_payload(
            info, lambda s: headhunting.invite_talent(s, require_viewer(info), campaign, talent, project_title)
        )

    @strawberry.mutation(
        description="Invite someone who may not be registered (a draft until sent). Their names in any script "
        "are matched against profiles and earlier invitations: the same person already invited in the campaign, "
        "or owned by another firm, is refused; a registered talent is linked; look-alikes go to review.",
        permission_classes=require_role(*HEADHUNTING_ROLES),
    )
    def invite_outside_person(
        self, info: Info, campaign_id: strawberry.ID, person: OutsidePersonInput
    ) -> InvitationPayload:
        campaign = decode_id_of(campaign_id, "Campaign")
        data = person.to_data()
        return _invitation_payload(
            info, lambda s: headhunting.invite_outside_person(s, require_viewer(info), campaign, data)
        )

    @strawberry.mutation(description="draft -> sent (the firm).", permission_classes=require_role(*HEADHUNTING_ROLES))
    def send_invitation(self, info: Info, id: strawberry.ID) -> InvitationPayload:
        pk = decode_id_of(id, "Invitation")
        return _invitation_payload(info, lambda s: headhunting.send_invitation(s, require_viewer(info), pk))

    @strawberry.mutation(
        description="Accept or decline an invitation sent to you, once (the invited talent).",
        permission_classes=[IsAuthenticated],
    )
    def respond_to_invitation(self, info: Info, id: strawberry.ID, accept: bool) -> InvitationPayload:
        pk = decode_id_of(id, "Invitation")
        return _invitation_payload(
            info, lambda s: headhunting.respond_to_invitation(s, require_viewer(info), pk, accept)
        )

    @strawberry.mutation(
        description="accepted -> attended (the firm).", permission_classes=require_role(*HEADHUNTING_ROLES)
    )
    def mark_attended(self, info: Info, id: strawberry.ID) -> InvitationPayload:
        pk = decode_id_of(id, "Invitation")
        return _invitation_payload(info, lambda s: headhunting.mark_attended(s, require_viewer(info), pk))

    @strawberry.mutation(
        description="draft or sent -> expired (the firm).", permission_classes=require_role(*HEADHUNTING_ROLES)
    )
    def expire_invitation(self, info: Info, id: strawberry.ID) -> InvitationPayload:
        pk = decode_id_of(id, "Invitation")
        return _invitation_payload(info, lambda s: headhunting.expire_invitation(s, require_viewer(info), pk))

    @strawberry.mutation(
        description="Import outside invitees from CSV (header: some of name_zh, name_pinyin, name_en, email, "
        "phone, institution, country, degree, project_title) as drafts, in one transaction, with a report per "
        "row. Idempotent: a row imported before (same e-mail, or same name and phone) is unchanged. Runs off the "
        "event loop and is refused whole (nothing imported) when it nears the operation time limit.",
        permission_classes=require_role(*HEADHUNTING_ROLES),
    )
    async def import_invitations(
        self, info: Info, campaign_id: strawberry.ID, content: str
    ) -> ImportInvitationsPayload:
        campaign = decode_id_of(campaign_id, "Campaign")
        ctx = info.context
        viewer_id = require_viewer(info).id
        # The import runs in a worker thread with a session of its own, so the event loop keeps serving;
        # it stops itself a little before the operation's time limit, which cannot interrupt a thread.
        deadline = time.monotonic() + 0.9 * ctx.settings.operation_timeout_seconds

        def run() -> tuple[headhunting.ImportReport | None, list[UserError]]:
            with Session(ctx.engine, expire_on_commit=False) as session:
                account = session.get(AccountRow, viewer_id)
                assert account is not None
                return run_mutation(
                    info,
                    lambda s: headhunting.import_invitations(s, account, campaign, content, deadline=deadline),
                    session=session,
                )

        report, errors = await run_in_threadpool(run)
        if report is None:
            return ImportInvitationsPayload(rows=[], accepted=0, unchanged=0, refused=0, user_errors=errors)
        return ImportInvitationsPayload(
            rows=[
                ImportRowReport(
                    line=r.line,
                    outcome=r.outcome,
                    message=r.message,
                    invitation=Invitation.from_model(r.invitation) if r.invitation else None,
                )
                for r in report.rows
            ],
            accepted=report.count("accepted"),
            unchanged=report.count("unchanged"),
            refused=report.count("refused"),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Confirm a pending identity link (admins); an invitation confirmed as a talent is linked "
        "to the profile.",
        permission_classes=require_role(enums.Role.ADMIN),
    )
    def confirm_identity(self, info: Info, id: strawberry.ID) -> IdentityLinkPayload:
        pk = decode_id_of(id, "IdentityLink")
        return _link_payload(info, lambda s: identity.confirm_identity(s, require_viewer(info), pk))

    @strawberry.mutation(
        description="Reject a pending identity link (admins): the records stay apart.",
        permission_classes=require_role(enums.Role.ADMIN),
    )
    def reject_identity(self, info: Info, id: strawberry.ID) -> IdentityLinkPayload:
        pk = decode_id_of(id, "IdentityLink")
        return _link_payload(info, lambda s: identity.reject_identity(s, require_viewer(info), pk))

    @strawberry.mutation(
        description="Merge the profile mergeId into keepId (admins): every application, invitation, ownership, "
        "competition entry and other row that points to it moves to keepId, then it is deleted. Refused when "
        "both profiles hold a row that may exist once (e.g. applications to the same job).",
        permission_classes=require_role(enums.Role.ADMIN),
    )
    def merge_talents(self, info: Info, keep_id: strawberry.ID, merge_id: strawberry.ID) -> MergeTalentsPayload:
        keep, merge = decode_id_of(keep_id, "Talent"), decode_id_of(merge_id, "Talent")
        report, errors = run_mutation(info, lambda s: identity.merge_talents(s, require_viewer(info), keep, merge))
        if report is None:
            return MergeTalentsPayload(talent=None, moved=[], dropped=[], user_errors=errors)
        return MergeTalentsPayload(
            talent=Talent.from_model(report.talent),
            moved=_moved(report.moved),
            dropped=_moved(report.dropped),
            user_errors=[],
        )
