"""The audit trail: every change to audited data is written with who, when, before and after.

Call :func:`record_audit` in the same transaction as the change, so the entry
exists exactly when the change does.

Who reads the trail: :func:`can_read_audit_entry` (one entry) and its SQL twin
:func:`readable_audit_entries` (lists) say the same.  Admins read every entry;
credit officers the entries of :data:`CREDIT_AUDIT_TABLES`, the tables they keep
and read directly (their rows carry no data hidden from them: records, review
items and personal scores they see anyway, written by credit officers or the
loaders); nobody else reads the trail.  Cup scores, judge assignments,
invitations, identity links, accounts, log-in lock-outs and financing rows are
thus for admins only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, SQLModel, col

from api.models import Account, AuditEntry
from api.models.enums import Role

__all__ = [
    "CREDIT_AUDIT_TABLES",
    "audit_row",
    "can_read_audit_entry",
    "readable_audit_entries",
    "record_audit",
    "snapshot",
]

# The tables whose audit entries credit officers read: the credit registry, its review queue, personal credit.
CREDIT_AUDIT_TABLES = ("credit_record", "credit_match_review", "personal_credit_score")


def _readable_tables(viewer: Account | None) -> tuple[str, ...] | None:
    """The tables whose entries ``viewer`` reads; ``None``: every table."""
    if viewer is not None and viewer.role == Role.ADMIN:
        return None
    if viewer is not None and viewer.role == Role.CREDIT_OFFICER:
        return CREDIT_AUDIT_TABLES
    return ()


def can_read_audit_entry(viewer: Account | None, entry: AuditEntry) -> bool:
    """Whether ``viewer`` may read ``entry`` (see the module's docstring)."""
    tables = _readable_tables(viewer)
    return tables is None or entry.entity_type in tables


def readable_audit_entries(viewer: Account | None) -> ColumnElement[bool]:
    """:func:`can_read_audit_entry` as a where-clause over ``audit_entry``."""
    tables = _readable_tables(viewer)
    if tables is None:
        return true()
    return col(AuditEntry.entity_type).in_(tables) if tables else false()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(row: SQLModel, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The columns of ``row`` as JSON-ready values (dates as ISO text), for ``before``/``after``."""
    skipped = set(exclude)
    return {name: _plain(getattr(row, name)) for name in type(row).model_fields if name not in skipped}


def record_audit(
    session: Session,
    *,
    actor: Account | None,
    action: str,
    entity_type: str,
    entity_id: int,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    via: str = "api",
) -> AuditEntry:
    """Write one audit entry: ``actor`` (None when no account acted) did ``action`` to the entity.

    Parameters
    ----------
    action
        A dotted verb such as ``credit_record.repair``.
    entity_type, entity_id
        The table name and primary key of the changed row.
    before, after
        The row as it was and as it is (:func:`snapshot`); ``None`` for a
        creation (before) or a deletion (after).
    via
        What the change came through: ``api``, ``cli`` or ``seed``.
    """
    entry = AuditEntry(
        actor_account_id=actor.id if actor is not None else None,
        via=via,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=None if before is None else _plain(before),
        after=None if after is None else _plain(after),
    )
    session.add(entry)
    return entry


def audit_row(
    session: Session,
    row: SQLModel,
    *,
    actor: Account | None,
    action: str,
    before: Mapping[str, Any] | None,
    exclude: Iterable[str] = (),
    via: str = "api",
) -> AuditEntry:
    """Audit a change to one stored ``row``: its table and id name the entity, its current
    columns (:func:`snapshot`, less ``exclude``) are the ``after``.  Flushes first, so a new
    row has its id."""
    session.add(row)
    session.flush()
    entity_id = getattr(row, "id", None)
    assert entity_id is not None
    return record_audit(
        session,
        actor=actor,
        action=action,
        entity_type=str(type(row).__tablename__),
        entity_id=entity_id,
        before=before,
        after=snapshot(row, exclude=exclude),
        via=via,
    )
