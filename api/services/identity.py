"""Identity resolution of people, wired to the stored talents and invitations.

The engine (:mod:`matching.people`) scores pairs of :class:`PersonRecord`; here
talents and invitations become records (ids ``talent:5``, ``invitation:12``),
and each decision is stored as an :class:`IdentityLink`:

* score >= :data:`~matching.people.LINK_THRESHOLD` (90) **and** the talent's account proved the
  invitation's address (a verified account e-mail equal to it, :func:`proved_address`): linked
  automatically (status ``auto``) and the outside invitation is attached to the talent;
* any other pair scoring >= :data:`~matching.people.REVIEW_THRESHOLD` (50), a phone, a name, an
  institution or an e-mail the profile merely declares included: queued (``pending``) until an admin
  confirms or rejects it;
* below 50: never linked.

Only an address the person proved counts, because everything else can be typed by anyone: a
stranger could otherwise write an invitee's name and e-mail into a profile and receive the
invitation.  When a firm invites, a match with a hidden (not discoverable) profile is never linked
and never refuses the invitation either: the firm's answer is the same whether or not such a profile
exists, and an admin decides.  When the person acts (saves the profile, :func:`link_new_talent`, or
proves an address, :func:`link_after_verification`), hidden or not makes no difference.

Candidates are found through the block keys of a :class:`~matching.people.PersonIndex` the process
keeps in step with the tables (:func:`person_index`), so an invitation, or each row of an import,
costs its blocks, not the whole tables.

Every decision (automatic or by a person) is written to the audit trail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import UniqueConstraint, delete, func, select, update
from sqlmodel import Session, SQLModel, col

from api.models import Account, IdentityLink, IntroductionOwnership, Invitation, Talent, TalentEducation
from api.models.enums import Role
from api.models.identity import IdentityLinkStatus, RecordKind
from api.services.addresses import normalise_email
from api.services.audit import audit_row, record_audit, snapshot
from api.services.errors import ErrorCode, ServiceError
from api.services.matching import Watermark, WatermarkCache, changed_since, table_mark
from api.timeutil import utcnow
from matching.people import PersonIndex, PersonLink, PersonRecord, find_duplicates, link_records

__all__ = [
    "MergeReport",
    "Resolution",
    "TalentFacts",
    "confirm_identity",
    "duplicate_talents",
    "index_invitation",
    "invitation_record",
    "link_after_verification",
    "link_new_talent",
    "merge_talents",
    "person_index",
    "proved_address",
    "record_key",
    "reject_identity",
    "resolve_person",
    "review_queue",
    "save_link",
    "talent_records",
]

Status = IdentityLinkStatus


def record_key(kind: RecordKind, pk: int) -> str:
    """The engine id of a stored record: ``talent:5``, ``invitation:12``."""
    return f"{kind.value}:{pk}"


def parse_key(key: str | int) -> tuple[RecordKind, int]:
    kind, _, pk = str(key).partition(":")
    return RecordKind(kind), int(pk)


def talent_records(session: Session, ids: Iterable[int] | None = None) -> dict[int, PersonRecord]:
    """Person records of the given talents (all when None): names, e-mail, phone, birth year, institutions."""
    talents = select(Talent)
    education = select(TalentEducation).order_by(TalentEducation.talent_id, TalentEducation.position)
    if ids is not None:
        wanted = list(ids)
        talents = talents.where(col(Talent.id).in_(wanted))
        education = education.where(col(TalentEducation.talent_id).in_(wanted))
    institutions: dict[int, list[str]] = defaultdict(list)
    for row in session.exec(education).scalars():
        institutions[row.talent_id].append(row.institution)
    records = {}
    for t in session.exec(talents).scalars():
        assert t.id is not None
        records[t.id] = PersonRecord(
            id=record_key(RecordKind.TALENT, t.id),
            name_zh=t.name_zh,
            name_pinyin=t.name_pinyin,
            name_en=t.name_en,
            emails=(t.email,) if t.email else (),
            phones=(t.phone,) if t.phone else (),
            birth_year=t.birth_year,
            institutions=tuple(dict.fromkeys(institutions[t.id])),
        )
    return records


def invitation_record(invitation: Invitation, *, key: str | None = None) -> PersonRecord:
    """The person an invitation names, as the engine sees it."""
    if key is None:
        assert invitation.id is not None
        key = record_key(RecordKind.INVITATION, invitation.id)
    return PersonRecord(
        id=key,
        name_zh=invitation.name_zh,
        name_pinyin=invitation.name_pinyin,
        name_en=invitation.name_en,
        emails=(invitation.email,) if invitation.email else (),
        phones=(invitation.phone,) if invitation.phone else (),
        institutions=(invitation.institution,) if invitation.institution else (),
    )


def _evidence(link: PersonLink, *, swapped: bool) -> list[dict[str, Any]]:
    return [
        {
            "field": e.field,
            "left": e.right if swapped else e.left,
            "right": e.left if swapped else e.right,
            "similarity": e.similarity,
            "weight": e.weight,
            "note": e.note,
        }
        for e in link.evidence
    ]


def _order(a: tuple[RecordKind, int], b: tuple[RecordKind, int]) -> bool:
    """Whether ``(a, b)`` must be swapped: an invitation comes before a talent, else the smaller id first."""
    if a[0] != b[0]:
        return a[0] == RecordKind.TALENT
    return a[1] > b[1]


def save_link(
    session: Session, link: PersonLink, status: IdentityLinkStatus, *, actor: Account | None, via: str = "api"
) -> IdentityLink | None:
    """Store the engine's ``link`` with ``status`` unless the pair is stored already (then None)."""
    left, right = parse_key(link.left_id), parse_key(link.right_id)
    swapped = _order(left, right)
    if swapped:
        left, right = right, left
    existing = session.exec(
        select(IdentityLink.id).where(
            IdentityLink.left_kind == left[0].value,
            IdentityLink.left_id == left[1],
            IdentityLink.right_kind == right[0].value,
            IdentityLink.right_id == right[1],
        )
    ).first()
    if existing is not None:
        return None
    decided = status != Status.PENDING
    row = IdentityLink(
        left_kind=left[0].value,
        left_id=left[1],
        right_kind=right[0].value,
        right_id=right[1],
        score=link.score,
        evidence=_evidence(link, swapped=swapped),
        status=status.value,
        decided_by_account_id=actor.id if decided and actor is not None else None,
        decided_at=utcnow() if decided else None,
    )
    audit_row(
        session,
        row,
        actor=actor,
        action=f"identity_link.{status.value}",
        before=None,
        via=via,
    )
    return row


def _address(email: str | None) -> str | None:
    """``email`` normalised as accounts store it, or None when it is none or not an address."""
    if not email:
        return None
    try:
        return normalise_email(email)
    except ServiceError:
        return None


def _verified_emails(session: Session, talent_ids: Iterable[int] | None = None) -> dict[int, set[str]]:
    """The addresses each talent's accounts proved, by talent id (all talents when None)."""
    query = select(Account.talent_id, Account.email).where(
        col(Account.email_verified_at).is_not(None), col(Account.talent_id).is_not(None)
    )
    if talent_ids is not None:
        query = query.where(col(Account.talent_id).in_(list(talent_ids)))
    proved: dict[int, set[str]] = defaultdict(set)
    for talent_id, email in session.exec(query):
        proved[talent_id].add(email)
    return proved


def _with_emails(record: PersonRecord, emails: Iterable[str]) -> PersonRecord:
    extra = tuple(e for e in sorted(emails) if e not in record.emails)
    return replace(record, emails=record.emails + extra) if extra else record


@dataclass(frozen=True, slots=True)
class TalentFacts:
    """What linking needs to know of a talent besides the engine's record."""

    discoverable: bool
    verified_emails: frozenset[str]


def proved_address(verified_emails: frozenset[str], email: str | None) -> bool:
    """Whether ``email`` is one of the addresses a talent's accounts proved (``verified_emails``, as
    :class:`TalentFacts` holds them), once normalised: the only evidence that links an invitation to a
    profile automatically."""
    address = _address(email)
    return address is not None and address in verified_emails


def _block_record(
    kind: RecordKind, pk: int, name_zh: str | None, name_pinyin: str | None, name_en: str | None, email: Any, phone: Any
) -> PersonRecord:
    """What block keys are made of: names, e-mail and phone."""
    return PersonRecord(
        id=record_key(kind, pk),
        name_zh=name_zh,
        name_pinyin=name_pinyin,
        name_en=name_en,
        emails=(email,) if email else (),
        phones=(phone,) if phone else (),
    )


def _build_people(session: Session) -> PersonIndex:
    index = PersonIndex()
    _add_people(session, index, None, None)
    return index


def _add_people(session: Session, index: PersonIndex, invitations_since: Any, talents_since: Any) -> None:
    i = Invitation
    invitations = select(i.id, i.name_zh, i.name_pinyin, i.name_en, i.email, i.phone).order_by(i.id)
    talents = select(
        Talent.id, Talent.name_zh, Talent.name_pinyin, Talent.name_en, Talent.email, Talent.phone
    ).order_by(Talent.id)
    if invitations_since is not None:
        invitations = invitations.where(col(Invitation.updated_at) >= invitations_since)
    if talents_since is not None:
        talents = talents.where(col(Talent.updated_at) >= talents_since)
    for row in session.exec(invitations):
        index.add(_block_record(RecordKind.INVITATION, *row))
    for row in session.exec(talents):
        index.add(_block_record(RecordKind.TALENT, *row))


def _update_people(session: Session, index: PersonIndex, mark: Watermark, now: Watermark) -> PersonIndex:
    """Re-index the rows changed since ``mark``; entries of changed or deleted rows may linger (harmless:
    the index only proposes candidates, which are read afresh)."""
    _add_people(session, index, *(None if mark[p] is None else changed_since(mark, p) for p in (1, 3)))
    return index


# Every invitation and profile of this process by block key, kept in step with the tables (see
# :mod:`api.services.matching`): a new invitation is resolved against its blocks, not the whole tables.
_people = WatermarkCache(lambda s: table_mark(s, Invitation) + table_mark(s, Talent), _build_people, _update_people)


def person_index(session: Session) -> PersonIndex:
    """The process's index of every stored invitation and profile by block key, brought up to date.

    An import takes it once and adds each invitation it creates (:func:`index_invitation`), so later rows
    meet earlier ones; entries of a transaction that is rolled back only propose candidates that are
    then not found.
    """
    return _people.get(session)


def index_invitation(index: PersonIndex, invitation: Invitation) -> None:
    """Add a new invitation to ``index``."""
    index.add(invitation_record(invitation))


@dataclass(frozen=True, slots=True)
class Resolution:
    """The links of one record (score >= 50) and the stored rows they name, read afresh."""

    links: list[PersonLink]
    invitations: dict[int, Invitation]
    talents: dict[int, TalentFacts]


def resolve_person(session: Session, index: PersonIndex, record: PersonRecord) -> Resolution:
    """Links of ``record`` to the invitations and talents it shares a block with, and to the talents whose
    accounts proved one of its addresses.

    Candidates are read afresh, so the index may be behind or hold stale entries: talents are scored on
    their stored profile (institutions and birth year included) and the addresses their accounts proved.
    """
    invitation_ids: list[int] = []
    talent_ids: set[int] = set()
    for candidate in index.candidates(record):
        kind, pk = parse_key(candidate.id)
        if kind == RecordKind.INVITATION:
            invitation_ids.append(pk)
        else:
            talent_ids.add(pk)
    addresses = [a for a in (_address(e) for e in record.emails) if a is not None]
    if addresses:
        talent_ids.update(
            session.exec(
                select(Account.talent_id).where(
                    col(Account.email).in_(addresses),
                    col(Account.email_verified_at).is_not(None),
                    col(Account.talent_id).is_not(None),
                )
            ).scalars()
        )
    invitations = {
        inv.id: inv
        for inv in session.exec(select(Invitation).where(col(Invitation.id).in_(invitation_ids))).scalars()
        if inv.id is not None
    }
    talents: dict[int, TalentFacts] = {}
    scored = [invitation_record(inv) for inv in invitations.values()]
    if talent_ids:
        proved = _verified_emails(session, talent_ids)
        discoverable: dict[int, bool] = dict(
            session.exec(select(Talent.id, Talent.discoverable).where(col(Talent.id).in_(talent_ids))).all()
        )
        for pk, profile in talent_records(session, talent_ids).items():
            facts = TalentFacts(discoverable=bool(discoverable[pk]), verified_emails=frozenset(proved.get(pk, ())))
            talents[pk] = facts
            scored.append(_with_emails(profile, facts.verified_emails))
    links = link_records([record], scored) if scored else []
    return Resolution(links=links, invitations=invitations, talents=talents)


def _stored_link(session: Session, invitation_id: int, talent_id: int) -> IdentityLink | None:
    return session.exec(
        select(IdentityLink).where(
            IdentityLink.left_kind == RecordKind.INVITATION.value,
            IdentityLink.left_id == invitation_id,
            IdentityLink.right_kind == RecordKind.TALENT.value,
            IdentityLink.right_id == talent_id,
        )
    ).scalar_one_or_none()


def settle_talent_link(
    session: Session,
    link: PersonLink,
    invitation: Invitation,
    talent_id: int,
    *,
    attach: bool,
    actor: Account | None,
    via: str = "api",
) -> None:
    """Store the engine's ``link`` of ``invitation`` to a talent: ``auto`` and attached when ``attach``
    (the caller checked the proved address), else ``pending`` for an admin.

    A pair stored already keeps an admin's decision; a pending one becomes ``auto`` when ``attach``.
    """
    stored = _stored_link(session, invitation.id or 0, talent_id)
    if not attach:
        if stored is None:
            save_link(session, link, Status.PENDING, actor=actor, via=via)
        return
    if stored is None:
        save_link(session, link, Status.AUTO, actor=actor, via=via)
    elif stored.status == Status.PENDING:
        before = snapshot(stored)
        stored.status = Status.AUTO.value
        stored.decided_at = utcnow()
        stored.decided_by_account_id = None
        session.add(stored)
        audit_row(session, stored, actor=actor, action="identity_link.auto", before=before, via=via)
    elif stored.status == Status.REJECTED:
        return
    if invitation.talent_id is None:
        attach_invitation(session, invitation, talent_id, actor=actor, via=via)


def _talent_record(session: Session, talent_id: int, proved: Iterable[str]) -> PersonRecord:
    return _with_emails(talent_records(session, [talent_id])[talent_id], proved)


def link_new_talent(session: Session, talent: Talent, *, actor: Account | None = None, via: str = "api") -> None:
    """Resolve outside invitations against a new or changed talent profile.

    An invitation scoring >= 90 at an address the talent's account proved is attached to the talent
    (``auto``), hidden profile or not; every other match (>= 50) is queued for review, so a profile that
    merely declares someone's e-mail or phone gets nothing.
    """
    assert talent.id is not None
    session.flush()
    proved = _verified_emails(session, [talent.id]).get(talent.id, set())
    record = _talent_record(session, talent.id, proved)
    outside = list(session.exec(select(Invitation).where(col(Invitation.talent_id).is_(None))).scalars())
    _settle_outside(session, talent.id, record, frozenset(proved), outside, actor=actor, via=via)


def link_after_verification(session: Session, account: Account) -> None:
    """Link the outside invitations sent to the address ``account`` has just proved to its talent.

    Called right after the account verified its e-mail.  Each invitation whose e-mail equals the address
    (normalised) and scores >= 90 against the profile is attached (``auto``), hidden profile or not: the
    person proved the address is theirs; a pending link of that pair is decided ``auto`` the same way.
    Lower scores are queued for review; pairs an admin rejected stay apart.  Nothing happens for an
    account that has not verified its address or has no talent profile.
    """
    if account.email_verified_at is None or account.talent_id is None:
        return
    address = _address(account.email)
    if address is None:
        return
    outside = list(
        session.exec(
            select(Invitation).where(col(Invitation.talent_id).is_(None), func.lower(Invitation.email) == address)
        ).scalars()
    )
    if not outside:
        return
    record = _talent_record(session, account.talent_id, {address})
    _settle_outside(
        session, account.talent_id, record, frozenset({address}), outside, actor=account, via="verification"
    )


def _settle_outside(
    session: Session,
    talent_id: int,
    record: PersonRecord,
    proved: frozenset[str],
    outside: list[Invitation],
    *,
    actor: Account | None,
    via: str,
) -> None:
    if not outside:
        return
    by_id = {inv.id: inv for inv in outside}
    for link in link_records([record], [invitation_record(inv) for inv in outside]):
        invitation = by_id[parse_key(link.right_id)[1]]
        attach = link.decision == "link" and proved_address(proved, invitation.email)
        settle_talent_link(
            session,
            link,
            invitation,
            talent_id,
            attach=attach,
            actor=actor,
            via=via,
        )


def attach_invitation(
    session: Session, invitation: Invitation, talent_id: int, *, actor: Account | None, via: str = "api"
) -> None:
    """Mark ``invitation`` as addressed to the registered talent ``talent_id`` (and its ownership)."""
    before = snapshot(invitation)
    invitation.talent_id = talent_id
    invitation.updated_at = utcnow()
    session.add(invitation)
    session.exec(
        update(IntroductionOwnership)
        .where(col(IntroductionOwnership.invitation_id) == invitation.id)
        .where(col(IntroductionOwnership.talent_id).is_(None))
        .values(talent_id=talent_id)
    )
    session.flush()
    assert invitation.id is not None
    audit_row(
        session,
        invitation,
        actor=actor,
        action="invitation.link_talent",
        before=before,
        via=via,
    )


def _require_admin(account: Account) -> None:
    if account.role != Role.ADMIN:
        raise ServiceError("only admins decide on identities", code=ErrorCode.FORBIDDEN)


def review_queue(session: Session, account: Account) -> list[IdentityLink]:
    """Pending links, highest score first, then oldest first (admins)."""
    _require_admin(account)
    query = (
        select(IdentityLink)
        .where(IdentityLink.status == Status.PENDING.value)
        .order_by(col(IdentityLink.score).desc(), IdentityLink.id)
    )
    return list(session.exec(query).scalars())


def _pending(session: Session, account: Account, link_id: int) -> IdentityLink:
    _require_admin(account)
    link = session.get(IdentityLink, link_id, with_for_update=True)
    if link is None:
        raise ServiceError("identity link not found", field="id", code=ErrorCode.NOT_FOUND)
    if link.status != Status.PENDING:
        raise ServiceError(
            f"this link was already decided ({link.status})", field="id", code=ErrorCode.INVALID_TRANSITION
        )
    return link


def _decide(session: Session, account: Account, link: IdentityLink, status: IdentityLinkStatus) -> None:
    before = snapshot(link)
    link.status = status.value
    link.decided_by_account_id = account.id
    link.decided_at = utcnow()
    audit_row(
        session,
        link,
        actor=account,
        action=f"identity_link.{status.value}",
        before=before,
    )


def confirm_identity(session: Session, account: Account, link_id: int) -> IdentityLink:
    """Confirm a pending link (admins); an invitation confirmed as a talent is attached to that talent."""
    link = _pending(session, account, link_id)
    if link.left_kind == RecordKind.INVITATION and link.right_kind == RecordKind.TALENT:
        invitation = session.get(Invitation, link.left_id)
        if invitation is None or session.get(Talent, link.right_id) is None:
            raise ServiceError("a record of this link no longer exists", field="id", code=ErrorCode.NOT_FOUND)
        if invitation.talent_id not in (None, link.right_id):
            raise ServiceError(
                "the invitation is already linked to another talent", field="id", code=ErrorCode.INVALID_TRANSITION
            )
        if invitation.talent_id is None:
            attach_invitation(session, invitation, link.right_id, actor=account)
    _decide(session, account, link, Status.CONFIRMED)
    return link


def reject_identity(session: Session, account: Account, link_id: int) -> IdentityLink:
    """Reject a pending link (admins): the two records stay apart and the pair is not proposed again."""
    link = _pending(session, account, link_id)
    _decide(session, account, link, Status.REJECTED)
    return link


def duplicate_talents(session: Session, account: Account) -> list[PersonLink]:
    """Pairs of talent profiles that look like one person (score >= 50), best first (admins).

    Pairs an admin rejected are left out.
    """
    _require_admin(account)
    records = talent_records(session)
    rejected = {
        (row.left_id, row.right_id)
        for row in session.exec(
            select(IdentityLink).where(
                IdentityLink.left_kind == RecordKind.TALENT.value,
                IdentityLink.right_kind == RecordKind.TALENT.value,
                IdentityLink.status == Status.REJECTED.value,
            )
        ).scalars()
    }
    found = []
    for link in find_duplicates([records[k] for k in sorted(records)]):
        pair = sorted((parse_key(link.left_id)[1], parse_key(link.right_id)[1]))
        if (pair[0], pair[1]) not in rejected:
            found.append(link)
    return found


@dataclass(frozen=True, slots=True)
class MergeReport:
    """The kept talent and how many rows of each ``table.column`` moved to it."""

    talent: Talent
    moved: dict[str, int]
    dropped: dict[str, int]


def _talent_references() -> list[tuple[Any, Any]]:
    """(table, column) of every foreign key to ``talent.id``, in dependency order."""
    talent_id = SQLModel.metadata.tables["talent"].c.id
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is talent_id:
                found.append((table, fk.parent))
    return found


def _unique_sets(table: Any, column: Any) -> list[list[Any]]:
    """The other columns of each unique constraint or index of ``table`` that includes ``column``."""
    sets = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and column.name in constraint.columns:
            sets.append([c for c in constraint.columns if c.name != column.name])
    for index in table.indexes:
        if index.unique and column.name in index.columns:
            sets.append([c for c in index.columns if c.name != column.name])
    return sets


def merge_talents(session: Session, account: Account, keep_id: int, merge_id: int) -> MergeReport:
    """Fold the profile ``merge_id`` into ``keep_id`` (admins) and delete it.

    Every row of every table with a foreign key to ``talent.id`` moves to the
    kept profile, so applications, invitations, ownerships, credit scores and
    any later table come along.  Where a unique constraint would clash:

    * rows owned by the profile (foreign key ``ON DELETE CASCADE``: skills,
      languages, education) are dropped, the kept profile's version wins;
    * other rows (an application to the same job, say) refuse the merge,
      naming what clashes, so nothing of value is lost silently.
    """
    _require_admin(account)
    if keep_id == merge_id:
        raise ServiceError("a talent cannot be merged into itself", field="mergeId")
    keep = session.get(Talent, keep_id)
    merged = session.get(Talent, merge_id)
    if keep is None:
        raise ServiceError("talent to keep not found", field="keepId", code=ErrorCode.NOT_FOUND)
    if merged is None:
        raise ServiceError("talent to merge not found", field="mergeId", code=ErrorCode.NOT_FOUND)
    before = {"kept": snapshot(keep), "merged": snapshot(merged)}
    connection = session.connection()
    moved: dict[str, int] = {}
    dropped: dict[str, int] = {}
    plans = []
    for table, column in _talent_references():
        primary = list(table.primary_key.columns)
        drop: set[Any] = set()
        for others in _unique_sets(table, column):
            if not others:
                continue
            kept_values = {tuple(r) for r in connection.execute(select(*others).where(column == keep_id))}
            for row in connection.execute(select(*primary, *others).where(column == merge_id)):
                values = tuple(row[len(primary) :])
                if values not in kept_values:
                    continue
                if column.foreign_keys and next(iter(column.foreign_keys)).ondelete == "CASCADE":
                    drop.add(tuple(row[: len(primary)]))
                else:
                    shown = ", ".join(f"{c.name} {v}" for c, v in zip(others, values, strict=True))
                    raise ServiceError(
                        f"both profiles have a {table.name} row with {shown}; resolve it before merging",
                        field="mergeId",
                        code=ErrorCode.INVALID_TRANSITION,
                    )
        plans.append((table, column, primary, drop))
    for table, column, primary, drop in plans:
        name = f"{table.name}.{column.name}"
        for key in drop:
            condition = [c == v for c, v in zip(primary, key, strict=True)]
            connection.execute(delete(table).where(*condition))
        if drop:
            dropped[name] = len(drop)
        count = connection.execute(update(table).where(column == merge_id).values({column.name: keep_id})).rowcount
        if count:
            moved[name] = count
    _move_identity_links(session, merge_id, keep_id)
    session.expire_all()
    merged = session.get(Talent, merge_id)
    assert merged is not None
    session.delete(merged)
    keep = session.get(Talent, keep_id)
    assert keep is not None
    keep.updated_at = utcnow()
    session.add(keep)
    session.flush()
    record_audit(
        session,
        actor=account,
        action="talent.merge",
        entity_type="talent",
        entity_id=keep_id,
        before=before,
        after={"kept": snapshot(keep), "moved": moved, "dropped": dropped, "deleted_talent_id": merge_id},
    )
    return MergeReport(talent=keep, moved=moved, dropped=dropped)


def _move_identity_links(session: Session, merge_id: int, keep_id: int) -> None:
    """Identity links name records by kind and id, not by foreign key: rewrite them by hand."""
    talent = RecordKind.TALENT.value
    rows = list(
        session.exec(
            select(IdentityLink).where(
                ((IdentityLink.left_kind == talent) & (IdentityLink.left_id == merge_id))
                | ((IdentityLink.right_kind == talent) & (IdentityLink.right_id == merge_id))
            )
        ).scalars()
    )
    for row in rows:
        left = (row.left_kind, keep_id if (row.left_kind, row.left_id) == (talent, merge_id) else row.left_id)
        right = (row.right_kind, keep_id if (row.right_kind, row.right_id) == (talent, merge_id) else row.right_id)
        clash = session.exec(
            select(func.count(col(IdentityLink.id))).where(
                IdentityLink.left_kind == left[0],
                IdentityLink.left_id == left[1],
                IdentityLink.right_kind == right[0],
                IdentityLink.right_id == right[1],
            )
        ).one()
        if left == right or clash[0]:
            session.delete(row)
        else:
            row.left_id, row.right_id = left[1], right[1]
            session.add(row)
    session.flush()
