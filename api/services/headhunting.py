"""Headhunter campaigns and invitations.

Headhunter firms are enterprises; a headhunter account acts for one firm
(``Account.enterprise_id``) and manages only that firm's campaigns; admins may
act for any firm.

Invitation lifecycle::

    draft -> sent -> accepted -> attended
                  -> declined
    draft, sent -> expired   (explicitly, or by itself once the campaign has ended)

The firm sends and marks attendance; the invited talent answers once.

Before an invitation is stored, the invitee is resolved (:mod:`api.services.identity`)
against every invitation and every talent profile:

* the same person already invited in the campaign (score >= 90, or the same
  talent) is refused, naming the earlier invitation;
* a person whose introduction another firm owns is refused, naming that firm;
* grey-zone look-alikes (50 <= score < 90) are queued for an admin to review;
* an outside invitee who is a registered, discoverable talent (score >= 90) is
  attached to the profile only when the talent's account proved the address
  the firm typed (:func:`api.services.identity.proved_address`); every other
  match, and any match with a hidden profile, is queued for an admin instead.
  Matches with hidden profiles never refuse an invitation, so the answer does
  not tell whether such a profile exists.

Who sees what (each rule once, here; GraphQL resolvers and ``node(id:)`` call it):

* a campaign is managed by its firm's headhunters and admins
  (:func:`can_manage_campaign`): they read everything in it;
* an invitation is read by the managers and, once sent, by the invited talent
  (:func:`can_see_invitation`); a campaign by the managers and by talents it
  invited (:func:`can_see_campaign`), who read its name and dates only;
* contact data on an invitation (:func:`invitation_contact_visible`): what the
  firm typed (outside people) is read in full by the firm; a registered
  talent's own contact data is not copied into the invitation, and the firm
  reads it masked until the talent accepts.

The first firm to invite a person owns the introduction for
:data:`OWNERSHIP_PERIOD` from that day; a hire within the period is
attributed to it (:func:`funnel`).
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from api.models import (
    Account,
    Application,
    ApplicationEvent,
    Campaign,
    Enterprise,
    IntroductionOwnership,
    Invitation,
    Talent,
    TalentEducation,
)
from api.models.enums import ApplicationStatus, DegreeLevel, Role
from api.models.headhunting import InvitationStatus
from api.models.identity import IdentityLinkStatus, RecordKind
from api.services import identity
from api.services.addresses import normalise_email
from api.services.audit import audit_row, snapshot
from api.services.errors import ErrorCode, ServiceError
from api.services.matching import talent_profiles, vocabulary
from api.services.validation import clean_list, enum_value, optional_text, required_text
from api.timeutil import utcnow
from matching.people import PersonIndex, PersonRecord
from matching.profiles import Degree, JobProfile
from matching.score import MatchResult, rank_candidates

__all__ = [
    "ALLOWED_TRANSITIONS",
    "OWNERSHIP_PERIOD",
    "CampaignData",
    "CriteriaData",
    "Funnel",
    "ImportReport",
    "ImportRow",
    "PersonData",
    "can_manage",
    "can_manage_campaign",
    "can_see_campaign",
    "can_see_invitation",
    "create_campaign",
    "effective_status",
    "expire_invitation",
    "funnel",
    "funnels_by_firm",
    "import_invitations",
    "invitation_contact_visible",
    "invite_outside_person",
    "invite_talent",
    "invited_to_campaign",
    "mark_attended",
    "my_invitations",
    "respond_to_invitation",
    "send_invitation",
    "suggest_invitees",
]

S = InvitationStatus
OWNERSHIP_PERIOD = timedelta(days=365)
"""How long the first inviting firm owns a person's introduction: 12 months from the first invitation."""

ALLOWED_TRANSITIONS: dict[InvitationStatus, frozenset[InvitationStatus]] = {
    S.DRAFT: frozenset({S.SENT, S.EXPIRED}),
    S.SENT: frozenset({S.ACCEPTED, S.DECLINED, S.EXPIRED}),
    S.ACCEPTED: frozenset({S.ATTENDED}),
}
_TIMESTAMP = {S.SENT: "sent_at", S.ACCEPTED: "responded_at", S.DECLINED: "responded_at", S.EXPIRED: "expired_at"}
_TIMESTAMP[S.ATTENDED] = "attended_at"
_PHONE_CHARS = frozenset("0123456789+-() ")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15
MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ROWS = 2_000
IMPORT_COLUMNS = (
    "name_zh",
    "name_pinyin",
    "name_en",
    "email",
    "phone",
    "institution",
    "country",
    "degree",
    "project_title",
)


def today() -> date:
    return utcnow().date()


# ------------------------------------------------------------------ input


@dataclass(slots=True)
class CriteriaData:
    """Whom a campaign looks for; every part is optional."""

    min_degree: str | None = None
    fields: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    has_project: bool | None = None


@dataclass(slots=True)
class CampaignData:
    name: str
    starts_on: date
    ends_on: date
    criteria: CriteriaData = field(default_factory=CriteriaData)
    quota: int | None = None
    firm_id: int | None = None


@dataclass(slots=True)
class PersonData:
    """An outside person as a firm knows them."""

    name_zh: str | None = None
    name_pinyin: str | None = None
    name_en: str | None = None
    email: str | None = None
    phone: str | None = None
    institution: str | None = None
    country: str | None = None
    degree: str | None = None
    project_title: str | None = None


def _country(value: str | None, name: str) -> str | None:
    code = optional_text(value, name, max_length=16)
    if code is None:
        return None
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ServiceError(f"{name} must be a two-letter ISO 3166 country code such as GB", field=name)
    return code.upper()


def _email(value: str | None) -> str | None:
    email = optional_text(value, "email", max_length=254)
    return normalise_email(email) if email is not None else None


def _phone(value: str | None) -> str | None:
    phone = optional_text(value, "phone", max_length=32)
    if phone is None:
        return None
    digits = sum(c.isdigit() for c in phone)
    if not set(phone) <= _PHONE_CHARS or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        raise ServiceError(
            f"phone {phone!r} must have {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits "
            "(spaces, +, - and parentheses allowed)",
            field="phone",
        )
    return phone


def _clean_person(person: PersonData) -> PersonData:
    cleaned = PersonData(
        name_zh=optional_text(person.name_zh, "nameZh", max_length=100),
        name_pinyin=optional_text(person.name_pinyin, "namePinyin", max_length=200),
        name_en=optional_text(person.name_en, "nameEn", max_length=200),
        email=_email(person.email),
        phone=_phone(person.phone),
        institution=optional_text(person.institution, "institution", max_length=200),
        country=_country(person.country, "country"),
        degree=None if not person.degree else enum_value(person.degree.strip().lower(), DegreeLevel, "degree"),
        project_title=optional_text(person.project_title, "projectTitle", max_length=300),
    )
    if not (cleaned.name_zh or cleaned.name_pinyin or cleaned.name_en):
        raise ServiceError("an invitee needs a name in Chinese, pinyin or English", field="nameZh")
    if not (cleaned.email or cleaned.phone):
        raise ServiceError("an outside invitee needs an e-mail address or a phone number", field="email")
    return cleaned


# ------------------------------------------------------------------ access


def _acting_firm(session: Session, account: Account, firm_id: int | None) -> int:
    """The firm ``account`` acts for: its own (headhunters), or ``firm_id`` (admins)."""
    if account.role == Role.ADMIN:
        if firm_id is None:
            raise ServiceError("admins must name the firm", field="firmId")
        if session.get(Enterprise, firm_id) is None:
            raise ServiceError("firm not found", field="firmId", code=ErrorCode.NOT_FOUND)
        return firm_id
    if account.role != Role.HEADHUNTER or account.enterprise_id is None:
        raise ServiceError("only headhunters acting for a firm (and admins) run campaigns", code=ErrorCode.FORBIDDEN)
    if firm_id is not None and firm_id != account.enterprise_id:
        raise ServiceError("headhunters act for their own firm only", field="firmId", code=ErrorCode.FORBIDDEN)
    return account.enterprise_id


def can_manage(account: Account | None, firm_id: int) -> bool:
    """Admins, and headhunters of the firm."""
    if account is None:
        return False
    return account.role == Role.ADMIN or (account.role == Role.HEADHUNTER and account.enterprise_id == firm_id)


def can_manage_campaign(viewer: Account | None, campaign: Campaign) -> bool:
    """Everything in a campaign (criteria, quota, funnel, invitations): its firm's headhunters and admins."""
    return can_manage(viewer, campaign.firm_id)


def can_see_invitation(viewer: Account | None, invitation: Invitation) -> bool:
    """An invitation: its firm's headhunters and admins, and the invited talent once it is sent."""
    if can_manage(viewer, invitation.firm_id):
        return True
    return (
        viewer is not None
        and viewer.talent_id is not None
        and viewer.talent_id == invitation.talent_id
        and invitation.status != S.DRAFT
    )


def can_see_campaign(viewer: Account | None, campaign: Campaign, *, invited: bool) -> bool:
    """A campaign's name, dates and firm: its managers, and talents ``invited`` to it (a sent invitation)."""
    return can_manage_campaign(viewer, campaign) or (viewer is not None and invited)


def invited_to_campaign(session: Session, viewer: Account | None, campaign_id: int) -> bool:
    """Whether the talent ``viewer`` acts for holds a sent (not draft) invitation of the campaign."""
    if viewer is None or viewer.talent_id is None:
        return False
    query = select(Invitation.id).where(
        Invitation.campaign_id == campaign_id,
        Invitation.talent_id == viewer.talent_id,
        Invitation.status != S.DRAFT.value,
    )
    return session.exec(query.limit(1)).first() is not None


def invitation_contact_visible(viewer: Account | None, invitation: Invitation, *, typed_by_firm: bool) -> bool:
    """Whether ``viewer`` reads a contact value of ``invitation`` in full (else masked).

    ``typed_by_firm``: the value is the one the firm typed (an outside person's), not the registered
    talent's own profile data.  Admins and the invited talent read it in full; the firm reads what it
    typed, and a registered talent's own data once the talent accepted (accepted or attended); nobody
    else reaches an invitation (:func:`can_see_invitation`).
    """
    if viewer is None:
        return False
    if viewer.role == Role.ADMIN or (viewer.talent_id is not None and viewer.talent_id == invitation.talent_id):
        return True
    if not can_manage(viewer, invitation.firm_id):
        return False
    return typed_by_firm or invitation.status in (S.ACCEPTED.value, S.ATTENDED.value)


def _campaign(session: Session, account: Account, campaign_id: int, *, field_name: str = "campaignId") -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ServiceError("campaign not found", field=field_name, code=ErrorCode.NOT_FOUND)
    if not can_manage_campaign(account, campaign):
        raise ServiceError(
            "only the firm's headhunters and admins manage this campaign", field=field_name, code=ErrorCode.FORBIDDEN
        )
    return campaign


# ------------------------------------------------------------------ campaigns


def _clean_criteria(criteria: CriteriaData) -> dict[str, object]:
    return {
        "min_degree": None
        if not criteria.min_degree
        else enum_value(criteria.min_degree, DegreeLevel, "criteria.minDegree"),
        "fields": clean_list(criteria.fields, "criteria.fields", max_items=20, max_length=200),
        "skills": clean_list(criteria.skills, "criteria.skills", max_items=50, max_length=100),
        "countries": [c for c in (_country(v, "criteria.countries") for v in criteria.countries) if c is not None],
        "has_project": criteria.has_project,
    }


def create_campaign(session: Session, account: Account, data: CampaignData) -> Campaign:
    """A campaign of the firm the account acts for (headhunters; admins name the firm)."""
    firm_id = _acting_firm(session, account, data.firm_id)
    if data.ends_on < data.starts_on:
        raise ServiceError("endsOn must not be before startsOn", field="endsOn")
    if data.quota is not None and not 1 <= data.quota <= 100_000:
        raise ServiceError("quota must be between 1 and 100000", field="quota")
    campaign = Campaign(
        firm_id=firm_id,
        name=required_text(data.name, "name", max_length=200),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        criteria=_clean_criteria(data.criteria),
        quota=data.quota,
        created_by_account_id=account.id,
    )
    session.add(campaign)
    session.flush()
    return campaign


def visible_campaign_ids(session: Session, account: Account) -> list[int]:
    """Campaigns the account manages, by id: all for admins, its firm's for headhunters."""
    query = select(Campaign.id).order_by(Campaign.id)
    if account.role != Role.ADMIN:
        if account.role != Role.HEADHUNTER or account.enterprise_id is None:
            return []
        query = query.where(Campaign.firm_id == account.enterprise_id)
    return list(session.exec(query).scalars())


# ------------------------------------------------------------------ suggestions


def _talents_with_project(session: Session) -> set[int]:
    """Talents known to bring a project: a project title on one of their invitations.

    The Guilu Cup's entries are not consulted (they live in another domain);
    see the README.
    """
    query = select(Invitation.talent_id).where(
        col(Invitation.talent_id).is_not(None), func.coalesce(Invitation.project_title, "") != ""
    )
    return {tid for tid in session.exec(query.distinct()).scalars() if tid is not None}


def _target(campaign: Campaign) -> JobProfile:
    """The campaign's criteria as the job-like target the scorer ranks talents for.

    Skills are required skills, so the scorer's rule for a job holds: a talent
    matching none of them is left out, and coverage orders the rest.  Fields of
    study score; in a campaign without skills they also filter (hard), so a
    talent with no field close to one of them is left out.  The minimum degree
    filters.  A campaign naming neither skills nor fields suggests everyone its
    filters (degree, countries, project) let through.
    """
    criteria = campaign.criteria
    min_degree = criteria.get("min_degree")
    skills = tuple(criteria.get("skills") or ())
    fields = tuple(criteria.get("fields") or ())
    hard = {"degree"} if min_degree else set()
    if fields and not skills:
        hard.add("field_of_study")
    return JobProfile(
        id=campaign.id or 0,
        required_skills=skills,
        min_degree=Degree[min_degree.upper()] if min_degree else None,
        fields_of_study=fields,
        hard=frozenset(hard),
    )


def suggest_invitees(session: Session, account: Account, campaign_id: int) -> list[MatchResult]:
    """Discoverable talents ranked against the campaign's criteria, best first, explained.

    Countries (of any degree) and ``has_project`` filter the pool; the criteria
    become a target for the scorer (:func:`_target`), which leaves out the
    talents matching nothing the campaign asks for.  People already invited in
    the campaign are left out.
    """
    campaign = _campaign(session, account, campaign_id)
    criteria = campaign.criteria
    pool = select(Talent.id).where(col(Talent.discoverable).is_(True))
    if criteria.get("countries"):
        studied = select(TalentEducation.talent_id).where(col(TalentEducation.country).in_(criteria["countries"]))
        pool = pool.where(col(Talent.id).in_(studied))
    invited = select(Invitation.talent_id).where(
        Invitation.campaign_id == campaign_id, col(Invitation.talent_id).is_not(None)
    )
    pool = pool.where(col(Talent.id).not_in(invited))
    ids = set(session.exec(pool).scalars())
    if criteria.get("has_project"):
        ids &= _talents_with_project(session)
    profiles = talent_profiles(session, sorted(ids))
    return rank_candidates(_target(campaign), list(profiles.values()), vocabulary())


# ------------------------------------------------------------------ invitations


def effective_status(invitation: Invitation, campaign_ends_on: date, on: date | None = None) -> InvitationStatus:
    """The status as of ``on`` (today): a draft or sent invitation expires when its campaign has ended."""
    status = S(invitation.status)
    if status in (S.DRAFT, S.SENT) and campaign_ends_on < (on or today()):
        return S.EXPIRED
    return status


def expire_overdue(session: Session) -> int:
    """Store ``expired`` on draft and sent invitations whose campaign has ended; how many changed."""
    ended = select(Campaign.id).where(col(Campaign.ends_on) < today())
    now = utcnow()
    result = session.exec(
        update(Invitation)
        .where(col(Invitation.status).in_([S.DRAFT.value, S.SENT.value]), col(Invitation.campaign_id).in_(ended))
        .values(status=S.EXPIRED.value, expired_at=now, updated_at=now)
    )
    return int(result.rowcount or 0)


def _display_name(invitation: Invitation) -> str:
    return " / ".join(n for n in (invitation.name_zh, invitation.name_pinyin, invitation.name_en) if n) or "?"


def _active_ownerships(
    session: Session, talent_ids: Iterable[int], invitation_ids: Iterable[int], on: date
) -> list[IntroductionOwnership]:
    talents, invitations = list(talent_ids), list(invitation_ids)
    if not talents and not invitations:
        return []
    query = select(IntroductionOwnership).where(
        col(IntroductionOwnership.owned_from) <= on,
        col(IntroductionOwnership.owned_until) >= on,
        col(IntroductionOwnership.talent_id).in_(talents) | col(IntroductionOwnership.invitation_id).in_(invitations),
    )
    return list(session.exec(query.order_by(IntroductionOwnership.id)).scalars())


_NEW = identity.record_key(RecordKind.INVITATION, 0)


def _create(
    session: Session,
    account: Account,
    campaign: Campaign,
    invitation: Invitation,
    *,
    index: PersonIndex | None = None,
    record: PersonRecord | None = None,
) -> Invitation:
    """Check ``invitation`` against the campaign, identities and ownership, then store it.

    ``index`` is the block-key index of stored invitations and profiles (an import takes it once and
    passes it for each row); the new invitation is added to it.  ``record`` is the
    person as identity resolution sees them (by default the invitation's own fields).

    Every refusal happens before anything is written, so an import can go on
    with its next row in the same transaction.
    """
    if campaign.ends_on < today():
        ended = campaign.ends_on.isoformat()
        raise ServiceError(f"the campaign ended on {ended}", field="campaignId", code=ErrorCode.INVALID_TRANSITION)
    if campaign.quota is not None:
        used = session.exec(select(func.count(col(Invitation.id))).where(Invitation.campaign_id == campaign.id)).one()
        if used[0] >= campaign.quota:
            raise ServiceError(f"the campaign's quota of {campaign.quota} is reached", field="campaignId")
    if index is None:
        index = identity.person_index(session)
    person = record or identity.invitation_record(invitation, key=_NEW)
    resolution = identity.resolve_person(session, index, replace(person, id=_NEW))
    links = resolution.links
    talent_ids: set[int] = {invitation.talent_id} if invitation.talent_id else set()
    proved_talents: list[int] = []
    same_invitations: set[int] = set()
    for link in links:
        if link.decision != "link":
            continue
        kind, pk = identity.parse_key(link.right_id)
        if kind == RecordKind.TALENT:
            facts = resolution.talents[pk]
            if not facts.discoverable:
                continue  # never linked nor refused on a hidden profile: an admin decides (pending link below)
            talent_ids.add(pk)
            if identity.proved_address(facts.verified_emails, invitation.email):
                proved_talents.append(pk)
        else:
            same_invitations.add(pk)
            if resolution.invitations[pk].talent_id:
                talent_ids.add(resolution.invitations[pk].talent_id)  # type: ignore[arg-type]
    earlier = [resolution.invitations[pk] for pk in same_invitations]
    earlier = [inv for inv in earlier if inv.campaign_id == campaign.id]
    if talent_ids:
        earlier += session.exec(
            select(Invitation).where(Invitation.campaign_id == campaign.id, col(Invitation.talent_id).in_(talent_ids))
        ).scalars()
    if earlier:
        other = min(earlier, key=lambda inv: inv.id or 0)
        raise ServiceError(
            f"already invited as {_display_name(other)} (invitation #{other.id})",
            field="person",
            code=ErrorCode.DUPLICATE,
        )
    on = today()
    owners = _active_ownerships(session, talent_ids, same_invitations, on)
    foreign = [o for o in owners if o.firm_id != campaign.firm_id]
    if foreign:
        firm = session.get(Enterprise, foreign[0].firm_id)
        assert firm is not None
        raise ServiceError(
            f"the introduction of {_display_name(invitation)} is owned by {firm.legal_name} "
            f"until {foreign[0].owned_until.isoformat()}",
            field="person",
            code=ErrorCode.FORBIDDEN,
        )
    attached = None
    if invitation.talent_id is None and len(set(proved_talents)) == 1:
        attached = proved_talents[0]
    own_talent = invitation.talent_id
    invitation.campaign_id = campaign.id  # type: ignore[assignment]
    invitation.firm_id = campaign.firm_id
    invitation.created_by_account_id = account.id
    session.add(invitation)
    session.flush()
    assert invitation.id is not None
    key = identity.record_key(RecordKind.INVITATION, invitation.id)
    for link in links:
        kind, pk = identity.parse_key(link.right_id)
        stored = replace(link, left_id=key)
        if kind == RecordKind.TALENT:
            if pk != own_talent:
                identity.settle_talent_link(session, stored, invitation, pk, attach=pk == attached, actor=account)
            continue
        status = IdentityLinkStatus.AUTO if link.decision == "link" else IdentityLinkStatus.PENDING
        identity.save_link(session, stored, status, actor=account)
    if not owners:
        session.add(
            IntroductionOwnership(
                person_key=identity.record_key(RecordKind.TALENT, invitation.talent_id)
                if invitation.talent_id
                else key,
                firm_id=campaign.firm_id,
                talent_id=invitation.talent_id,
                invitation_id=invitation.id,
                owned_from=on,
                owned_until=on + OWNERSHIP_PERIOD,
            )
        )
    audit_row(
        session,
        invitation,
        actor=account,
        action="invitation.create",
        before=None,
    )
    session.flush()
    identity.index_invitation(index, invitation)
    return invitation


def invite_talent(
    session: Session, account: Account, campaign_id: int, talent_id: int, project_title: str | None = None
) -> Invitation:
    """A draft invitation of a registered, discoverable talent.

    The talent's e-mail and phone are not copied into the invitation (the firm reads them masked until
    the talent accepts, :func:`invitation_contact_visible`); identity resolution still uses them, so the
    same person invited elsewhere as an outside person is recognised.
    """
    campaign = _campaign(session, account, campaign_id)
    talent = session.get(Talent, talent_id)
    if talent is None or not talent.discoverable:
        raise ServiceError("talent not found", field="talentId", code=ErrorCode.NOT_FOUND)
    education = list(
        session.exec(
            select(TalentEducation).where(TalentEducation.talent_id == talent_id).order_by(TalentEducation.position)
        ).scalars()
    )
    order = list(DegreeLevel)
    highest = max(education, key=lambda e: order.index(DegreeLevel(e.degree)), default=None)
    invitation = Invitation(
        campaign_id=campaign_id,
        firm_id=campaign.firm_id,
        talent_id=talent_id,
        name_zh=talent.name_zh,
        name_pinyin=talent.name_pinyin,
        name_en=talent.name_en,
        institution=highest.institution if highest else None,
        country=highest.country if highest else None,
        degree=highest.degree if highest else None,
        project_title=optional_text(project_title, "projectTitle", max_length=300),
    )
    contact = replace(
        identity.invitation_record(invitation, key=_NEW),
        emails=(talent.email,) if talent.email else (),
        phones=(talent.phone,) if talent.phone else (),
    )
    return _create(session, account, campaign, invitation, record=contact)


def _outside(campaign: Campaign, person: PersonData) -> Invitation:
    cleaned = _clean_person(person)
    return Invitation(
        campaign_id=campaign.id,
        firm_id=campaign.firm_id,
        name_zh=cleaned.name_zh,
        name_pinyin=cleaned.name_pinyin,
        name_en=cleaned.name_en,
        email=cleaned.email,
        phone=cleaned.phone,
        institution=cleaned.institution,
        country=cleaned.country,
        degree=cleaned.degree,
        project_title=cleaned.project_title,
    )


def invite_outside_person(session: Session, account: Account, campaign_id: int, person: PersonData) -> Invitation:
    """A draft invitation of someone who may not be registered; attached to their profile when they are."""
    campaign = _campaign(session, account, campaign_id)
    return _create(session, account, campaign, _outside(campaign, person))


def _move(session: Session, actor: Account, invitation: Invitation, target: InvitationStatus, ends_on: date) -> None:
    current = effective_status(invitation, ends_on)
    if target not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        if current in (S.ACCEPTED, S.DECLINED) and target in (S.ACCEPTED, S.DECLINED):
            message = f"this invitation was already answered ({current.value})"
        else:
            message = f"an invitation cannot move from {current.value} to {target.value}"
        raise ServiceError(message, field="id", code=ErrorCode.INVALID_TRANSITION)
    before = snapshot(invitation)
    now = utcnow()
    invitation.status = target.value
    setattr(invitation, _TIMESTAMP[target], now)
    invitation.updated_at = now
    audit_row(
        session,
        invitation,
        actor=actor,
        action=f"invitation.{target.value}",
        before=before,
    )


def _managed_invitation(session: Session, account: Account, invitation_id: int) -> tuple[Invitation, Campaign]:
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None:
        raise ServiceError("invitation not found", field="id", code=ErrorCode.NOT_FOUND)
    campaign = _campaign(session, account, invitation.campaign_id, field_name="id")
    return invitation, campaign


def send_invitation(session: Session, account: Account, invitation_id: int) -> Invitation:
    """draft -> sent (the firm)."""
    invitation, campaign = _managed_invitation(session, account, invitation_id)
    _move(session, account, invitation, S.SENT, campaign.ends_on)
    return invitation


def mark_attended(session: Session, account: Account, invitation_id: int) -> Invitation:
    """accepted -> attended (the firm)."""
    invitation, campaign = _managed_invitation(session, account, invitation_id)
    _move(session, account, invitation, S.ATTENDED, campaign.ends_on)
    return invitation


def expire_invitation(session: Session, account: Account, invitation_id: int) -> Invitation:
    """draft or sent -> expired (the firm)."""
    invitation, campaign = _managed_invitation(session, account, invitation_id)
    _move(session, account, invitation, S.EXPIRED, campaign.ends_on)
    return invitation


def respond_to_invitation(session: Session, account: Account, invitation_id: int, accept: bool) -> Invitation:
    """sent -> accepted or declined, once, by the invited talent."""
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None or invitation.status == S.DRAFT:
        raise ServiceError("invitation not found", field="id", code=ErrorCode.NOT_FOUND)
    if account.role != Role.TALENT or account.talent_id is None or account.talent_id != invitation.talent_id:
        raise ServiceError("only the invited talent answers an invitation", field="id", code=ErrorCode.FORBIDDEN)
    campaign = session.get(Campaign, invitation.campaign_id)
    assert campaign is not None
    _move(session, account, invitation, S.ACCEPTED if accept else S.DECLINED, campaign.ends_on)
    return invitation


def my_invitations(session: Session, account: Account) -> list[Invitation]:
    """The invitations sent to the talent ``account`` acts for, newest first (drafts are not shown)."""
    if account.talent_id is None:
        return []
    query = (
        select(Invitation)
        .where(Invitation.talent_id == account.talent_id, Invitation.status != S.DRAFT.value)
        .order_by(col(Invitation.id).desc())
    )
    return list(session.exec(query).scalars())


# ------------------------------------------------------------------ import


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One row of an import: ``outcome`` is accepted, unchanged or refused."""

    line: int
    outcome: str
    message: str
    invitation: Invitation | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: list[ImportRow]

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.rows)


def import_key(person: PersonData) -> str:
    """The row key that makes an import idempotent: the e-mail, else the name and the phone's digits."""
    if person.email:
        return "email:" + person.email.strip().lower()
    name = next(n for n in (person.name_zh, person.name_pinyin, person.name_en) if n)
    digits = "".join(c for c in person.phone or "" if c.isdigit())
    return "name-phone:" + "".join(name.casefold().split()) + "|" + digits


def import_invitations(
    session: Session, account: Account, campaign_id: int, content: str, *, deadline: float | None = None
) -> ImportReport:
    """Draft invitations of outside people from CSV, in one transaction, with a report per row.

    The header names columns among :data:`IMPORT_COLUMNS`.  A row already
    imported into the campaign (same e-mail, or same name and phone) is
    ``unchanged``, so importing a file twice changes nothing; a row that
    fails a check is ``refused`` with the reason and the others go on.

    Identity resolution takes the block-key index of stored invitations and
    profiles once for the whole file, and each row reads only its candidates,
    so the work grows with the rows, not with rows times the table.  Past ``deadline`` (a ``time.monotonic()``
    value) the import is refused whole, so a caller's time limit also stops
    work running outside the event loop.
    """
    campaign = _campaign(session, account, campaign_id)
    if len(content.encode()) > MAX_IMPORT_BYTES:
        raise ServiceError(f"the file is larger than {MAX_IMPORT_BYTES} bytes", field="content")
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if not header or unknown:
        raise ServiceError(
            f"unknown columns {', '.join(unknown) or '(none)'}; expected some of {', '.join(IMPORT_COLUMNS)}",
            field="content",
        )
    existing = {
        inv.import_key: inv
        for inv in session.exec(
            select(Invitation).where(Invitation.campaign_id == campaign_id, col(Invitation.import_key).is_not(None))
        ).scalars()
    }
    rows: list[ImportRow] = []
    index = identity.person_index(session)
    for number, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_IMPORT_ROWS:
            raise ServiceError(f"the file has more than {MAX_IMPORT_ROWS} rows", field="content")
        if deadline is not None and time.monotonic() > deadline:
            raise ServiceError(
                f"the import took too long and was stopped at line {number}; nothing was imported: "
                "split the file and import the parts",
                field="content",
            )
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if not any(values.values()):
            continue
        person = PersonData(**{k: values.get(k) or None for k in IMPORT_COLUMNS})
        try:
            cleaned = _clean_person(person)
            key = import_key(cleaned)
            if key in existing:
                rows.append(ImportRow(number, "unchanged", "already imported", existing[key]))
                continue
            invitation = _outside(campaign, cleaned)
            invitation.import_key = key
            invitation.source_row = number
            created = _create(session, account, campaign, invitation, index=index)
        except ServiceError as error:
            rows.append(ImportRow(number, "refused", error.message))
            continue
        existing[key] = created
        rows.append(ImportRow(number, "accepted", "invited (draft)", created))
    return ImportReport(rows)


# ------------------------------------------------------------------ funnel


@dataclass(frozen=True, slots=True)
class Funnel:
    """Invitations (drafts left out) at each step; ``hired`` counts hires attributed to the inviting firm."""

    invited: int = 0
    accepted: int = 0
    attended: int = 0
    with_project: int = 0
    registered: int = 0
    applied: int = 0
    hired: int = 0


def _hires(session: Session, talent_ids: list[int]) -> dict[int, list[datetime]]:
    query = (
        select(Application.talent_id, ApplicationEvent.at)
        .join(ApplicationEvent, col(ApplicationEvent.application_id) == col(Application.id))
        .where(ApplicationEvent.to_status == ApplicationStatus.HIRED.value, col(Application.talent_id).in_(talent_ids))
    )
    hires: dict[int, list[datetime]] = defaultdict(list)
    for talent_id, at in session.exec(query):
        hires[talent_id].append(at)
    return hires


def _funnel_of(session: Session, invitations: list[Invitation]) -> Funnel:
    invited = [i for i in invitations if i.status != S.DRAFT.value]
    talent_ids = sorted({i.talent_id for i in invited if i.talent_id is not None})
    applied = set(
        session.exec(select(Application.talent_id).where(col(Application.talent_id).in_(talent_ids)).distinct())
        .scalars()
        .all()
    )
    hires = _hires(session, talent_ids)
    owned: dict[int, list[IntroductionOwnership]] = defaultdict(list)
    for row in session.exec(
        select(IntroductionOwnership).where(col(IntroductionOwnership.talent_id).in_(talent_ids))
    ).scalars():
        assert row.talent_id is not None
        owned[row.talent_id].append(row)

    def attributed(inv: Invitation) -> bool:
        if inv.talent_id is None:
            return False
        return any(
            o.firm_id == inv.firm_id and o.owned_from <= at.date() <= o.owned_until
            for at in hires.get(inv.talent_id, [])
            for o in owned[inv.talent_id]
        )

    return Funnel(
        invited=len(invited),
        accepted=sum(i.status in (S.ACCEPTED.value, S.ATTENDED.value) for i in invited),
        attended=sum(i.status == S.ATTENDED.value for i in invited),
        with_project=sum(bool(i.project_title) for i in invited),
        registered=sum(i.talent_id is not None for i in invited),
        applied=sum(i.talent_id in applied for i in invited),
        hired=sum(attributed(i) for i in invited),
    )


def funnel(session: Session, *, campaign_id: int | None = None, firm_id: int | None = None) -> Funnel:
    """The funnel of one campaign, one firm, or (neither given) the whole programme."""
    query = select(Invitation)
    if campaign_id is not None:
        query = query.where(Invitation.campaign_id == campaign_id)
    if firm_id is not None:
        query = query.where(Invitation.firm_id == firm_id)
    return _funnel_of(session, list(session.exec(query).scalars()))


def funnels_by_firm(session: Session) -> dict[int, Funnel]:
    """The funnel of every firm that has a campaign, by firm id."""
    firms = sorted(set(session.exec(select(Campaign.firm_id)).scalars()))
    return {firm: funnel(session, firm_id=firm) for firm in firms}
