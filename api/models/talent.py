"""Returnee talent profiles: names, contact data, education, skills and languages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.enums import DegreeLevel, LanguageLevelName, check_in
from api.timeutil import utcnow

__all__ = ["Talent", "TalentEducation", "TalentLanguage", "TalentSkill"]


class Talent(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="ck_talent_birth_year"),
        CheckConstraint("years_experience >= 0 AND years_experience <= 80", name="ck_talent_experience"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name_zh: str | None = Field(default=None, max_length=100)
    name_pinyin: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    birth_year: int | None = None
    nationality: str | None = Field(default=None, max_length=2)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    years_experience: int = 0
    current_city: str | None = Field(default=None, max_length=100)
    wished_cities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    wished_industries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    discoverable: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class TalentEducation(SQLModel, table=True):
    __tablename__ = "talent_education"
    __table_args__ = (
        CheckConstraint(check_in("degree", DegreeLevel), name="ck_talent_education_degree"),
        CheckConstraint("year IS NULL OR year BETWEEN 1900 AND 2100", name="ck_talent_education_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    talent_id: int = Field(foreign_key="talent.id", index=True, ondelete="CASCADE")
    degree: str = Field(max_length=16)
    institution: str = Field(max_length=200)
    country: str | None = Field(default=None, max_length=2)
    field_of_study: str | None = Field(default=None, max_length=200)
    year: int | None = None
    position: int = 0


class TalentSkill(SQLModel, table=True):
    __tablename__ = "talent_skill"
    __table_args__ = (UniqueConstraint("talent_id", "name", name="uq_talent_skill"),)

    id: int | None = Field(default=None, primary_key=True)
    talent_id: int = Field(foreign_key="talent.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    position: int = 0


class TalentLanguage(SQLModel, table=True):
    __tablename__ = "talent_language"
    __table_args__ = (
        UniqueConstraint("talent_id", "language", name="uq_talent_language"),
        CheckConstraint(check_in("level", LanguageLevelName), name="ck_talent_language_level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    talent_id: int = Field(foreign_key="talent.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=8)
    level: str = Field(max_length=16)
    position: int = 0
