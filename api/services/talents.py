"""Talent profiles: creation by a talent account, updates by their owner."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, delete, select

from api.models import Account, Application, Job, Talent, TalentEducation, TalentLanguage, TalentSkill
from api.models.enums import DegreeLevel, IndustryChain, Role
from api.services import identity
from api.services.addresses import normalise_email
from api.services.errors import ErrorCode, ServiceError
from api.services.validation import (
    LanguageData,
    clean_languages,
    clean_list,
    enum_value,
    optional_text,
    required_text,
)
from api.timeutil import utcnow

__all__ = [
    "EducationData",
    "TalentData",
    "contact_decided_by_account",
    "create_talent_profile",
    "mask_email",
    "mask_phone",
    "may_see_contact",
    "may_see_profile",
    "update_talent_profile",
    "visible_profiles",
]

MAX_SKILLS = 100
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(slots=True)
class EducationData:
    degree: str
    institution: str
    country: str | None = None
    field_of_study: str | None = None
    year: int | None = None


@dataclass(slots=True)
class TalentData:
    """Profile fields; on update, ``None`` leaves a field as it is."""

    name_zh: str | None = None
    name_pinyin: str | None = None
    name_en: str | None = None
    birth_year: int | None = None
    nationality: str | None = None
    email: str | None = None
    phone: str | None = None
    years_experience: int | None = None
    current_city: str | None = None
    wished_cities: list[str] | None = None
    wished_industries: list[str] | None = None
    discoverable: bool | None = None
    skills: list[str] | None = None
    education: list[EducationData] | None = None
    languages: list[LanguageData] | None = None


def _country(value: str | None, field: str) -> str | None:
    code = optional_text(value, field, max_length=2)
    if code is None:
        return None
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ServiceError(f"{field} must be a two-letter ISO 3166 country code", field=field)
    return code.upper()


def _year(value: int | None, field: str) -> int | None:
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise ServiceError(f"{field} must be between {MIN_YEAR} and {MAX_YEAR}", field=field)
    return value


def _apply(session: Session, talent: Talent, data: TalentData) -> None:
    """Check ``data`` and write it onto ``talent`` and its child rows."""
    for name, field in (
        ("name_zh", "nameZh"),
        ("name_pinyin", "namePinyin"),
        ("name_en", "nameEn"),
        ("current_city", "currentCity"),
    ):
        value = getattr(data, name)
        if value is not None:
            setattr(talent, name, optional_text(value, field, max_length=100 if name != "name_pinyin" else 200))
    if data.email is not None:
        email = optional_text(data.email, "email", max_length=254)
        talent.email = normalise_email(email) if email is not None else None
    if data.phone is not None:
        talent.phone = optional_text(data.phone, "phone", max_length=32)
        if talent.phone and not all(c.isdigit() or c in "+- ()" for c in talent.phone):
            raise ServiceError("phone may contain only digits, spaces, +, - and parentheses", field="phone")
    if data.birth_year is not None:
        talent.birth_year = _year(data.birth_year, "birthYear")
    if data.nationality is not None:
        talent.nationality = _country(data.nationality, "nationality")
    if data.years_experience is not None:
        if not 0 <= data.years_experience <= 80:
            raise ServiceError("yearsExperience must be between 0 and 80", field="yearsExperience")
        talent.years_experience = data.years_experience
    if data.wished_cities is not None:
        talent.wished_cities = clean_list(data.wished_cities, "wishedCities", max_items=20, max_length=100)
    if data.wished_industries is not None:
        talent.wished_industries = [
            enum_value(v, IndustryChain, "wishedIndustries")
            for v in clean_list(data.wished_industries, "wishedIndustries", max_items=14, max_length=40)
        ]
    if data.discoverable is not None:
        talent.discoverable = data.discoverable
    if not (talent.name_zh or talent.name_pinyin or talent.name_en):
        raise ServiceError("a profile needs a name in Chinese, pinyin or English", field="nameZh")
    talent.updated_at = utcnow()
    session.add(talent)
    session.flush()
    assert talent.id is not None
    _replace_children(session, talent.id, data)


def _replace_children(session: Session, talent_id: int, data: TalentData) -> None:
    if data.skills is not None:
        skills = clean_list(data.skills, "skills", max_items=MAX_SKILLS, max_length=100)
        session.exec(delete(TalentSkill).where(col(TalentSkill.talent_id) == talent_id))
        session.add_all(TalentSkill(talent_id=talent_id, name=s, position=i) for i, s in enumerate(skills))
    if data.education is not None:
        if len(data.education) > 20:
            raise ServiceError("education has more than 20 entries", field="education")
        rows = [
            TalentEducation(
                talent_id=talent_id,
                degree=enum_value(e.degree, DegreeLevel, "education.degree"),
                institution=required_text(e.institution, "education.institution", max_length=200),
                country=_country(e.country, "education.country"),
                field_of_study=optional_text(e.field_of_study, "education.fieldOfStudy", max_length=200),
                year=_year(e.year, "education.year"),
                position=i,
            )
            for i, e in enumerate(data.education)
        ]
        session.exec(delete(TalentEducation).where(col(TalentEducation.talent_id) == talent_id))
        session.add_all(rows)
    if data.languages is not None:
        languages = clean_languages(data.languages)
        session.exec(delete(TalentLanguage).where(col(TalentLanguage.talent_id) == talent_id))
        session.add_all(
            TalentLanguage(talent_id=talent_id, language=code, level=level, position=i)
            for i, (code, level) in enumerate(languages.items())
        )
    session.flush()


def create_talent_profile(session: Session, account: Account, data: TalentData) -> Talent:
    """The talent profile of ``account`` (a talent account without one yet)."""
    if account.role != Role.TALENT:
        raise ServiceError("only talent accounts create talent profiles", code=ErrorCode.FORBIDDEN)
    if account.talent_id is not None:
        raise ServiceError("this account already has a talent profile", code=ErrorCode.DUPLICATE)
    talent = Talent(discoverable=True if data.discoverable is None else data.discoverable)
    if data.email is None:
        data.email = account.email
    _apply(session, talent, data)
    account.talent_id = talent.id
    session.add(account)
    session.flush()
    identity.link_new_talent(session, talent, actor=account)
    return talent


def update_talent_profile(session: Session, account: Account, talent_id: int, data: TalentData) -> Talent:
    """Change the profile ``talent_id``; only its own account (or an admin) may."""
    talent = session.get(Talent, talent_id)
    if talent is None:
        raise ServiceError("talent not found", field="id", code=ErrorCode.NOT_FOUND)
    if account.role != Role.ADMIN and account.talent_id != talent_id:
        raise ServiceError("you may only change your own profile", field="id", code=ErrorCode.FORBIDDEN)
    _apply(session, talent, data)
    identity.link_new_talent(session, talent, actor=account)
    return talent


# ------------------------------------------------------------------ who sees a profile and its contact data


def contact_decided_by_account(viewer: Account | None, talent: Talent) -> bool | None:
    """:func:`may_see_contact` where the viewer's account alone decides it; None where it turns on whether
    the talent applied to a job of the viewer's enterprise."""
    if viewer is None:
        return False
    if viewer.role == Role.ADMIN or viewer.talent_id == talent.id:
        return True
    if viewer.role != Role.EMPLOYER or viewer.enterprise_id is None:
        return False
    return None


def may_see_contact(viewer: Account | None, talent: Talent, applied_to: Collection[int]) -> bool:
    """Whether ``viewer`` reads ``talent``'s e-mail, phone and birth year in full: the talent, admins, and the
    accounts of an employer whose job the talent applied to (``applied_to``: the ids of those enterprises)."""
    decided = contact_decided_by_account(viewer, talent)
    if decided is not None:
        return decided
    assert viewer is not None
    return viewer.enterprise_id in applied_to


def may_see_profile(viewer: Account | None, talent: Talent, applied_to: Collection[int]) -> bool:
    """Whether ``viewer`` sees ``talent``'s profile at all: signed-in accounts see discoverable profiles; a
    hidden one, only those who read its contact data (:func:`may_see_contact`). SQL twin: :func:`visible_profiles`."""
    return viewer is not None and (talent.discoverable or may_see_contact(viewer, talent, applied_to))


def visible_profiles(viewer: Account) -> ColumnElement[bool] | None:
    """:func:`may_see_profile` as a condition on ``talent`` rows, for lists; None where every row is visible."""
    if viewer.role == Role.ADMIN:
        return None
    visible = col(Talent.discoverable).is_(True) | (col(Talent.id) == (viewer.talent_id or -1))
    if viewer.role == Role.EMPLOYER and viewer.enterprise_id is not None:
        applied = select(Application.talent_id).join(Job, col(Job.id) == col(Application.job_id))
        visible = visible | col(Talent.id).in_(applied.where(Job.employer_id == viewer.enterprise_id))
    return visible


def mask_phone(phone: str) -> str:
    """``+86 138 1234 5678`` -> ``138****5678``: the last four digits and the first three of the number."""
    digits = "".join(c for c in phone if c.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    """``lu.chenyu@example.com`` -> ``l***@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
