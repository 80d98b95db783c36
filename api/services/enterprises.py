"""Enterprises: registration with a validated USCC, and their names for resolution."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from api.models import Enterprise, EnterpriseAlias
from api.models.enums import IndustryChain
from api.services.errors import ErrorCode, ServiceError
from api.services.validation import clean_list, enum_value, optional_text, required_text
from api.timeutil import utcnow
from api.uscc import InvalidUSCC, validate_uscc

__all__ = ["EnterpriseData", "register_enterprise"]

# No enterprise on record in Xiamen is older than this (the founding date on a business licence).
_EARLIEST_FOUNDING = date(1800, 1, 1)


@dataclass(slots=True)
class EnterpriseData:
    legal_name: str
    uscc: str
    industry_chain: str
    district: str | None = None
    park: str | None = None
    aliases: list[str] = field(default_factory=list)
    founded_on: date | None = None


def register_enterprise(session: Session, data: EnterpriseData) -> Enterprise:
    """A new enterprise; refused when the USCC is malformed or already registered."""
    legal_name = required_text(data.legal_name, "legalName", max_length=200)
    try:
        uscc = validate_uscc(data.uscc or "")
    except InvalidUSCC as error:
        raise ServiceError(f"uscc is invalid: {error}", field="uscc") from None
    chain = enum_value(data.industry_chain, IndustryChain, "industryChain")
    district = optional_text(data.district, "district", max_length=40)
    park = optional_text(data.park, "park", max_length=40)
    aliases = [a for a in clean_list(data.aliases, "aliases", max_items=20, max_length=200) if a != legal_name]
    if data.founded_on is not None and not _EARLIEST_FOUNDING <= data.founded_on <= utcnow().date():
        raise ServiceError(f"foundedOn must be between {_EARLIEST_FOUNDING.isoformat()} and today", field="foundedOn")
    if session.exec(select(Enterprise.id).where(Enterprise.uscc == uscc)).first() is not None:
        raise ServiceError("an enterprise with this USCC is already registered", field="uscc", code=ErrorCode.DUPLICATE)
    enterprise = Enterprise(
        legal_name=legal_name,
        uscc=uscc,
        industry_chain=chain,
        district=district,
        park=park,
        founded_on=data.founded_on,
    )
    session.add(enterprise)
    session.flush()
    assert enterprise.id is not None
    session.add_all(EnterpriseAlias(enterprise_id=enterprise.id, name=a, position=i) for i, a in enumerate(aliases))
    session.flush()
    return enterprise
