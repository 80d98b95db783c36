"""Closed sets of values stored in the database (as text, with CHECK constraints)."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ApplicationStatus",
    "DegreeLevel",
    "IndustryChain",
    "JobStatus",
    "LanguageLevelName",
    "Role",
    "check_in",
]


class Role(StrEnum):
    TALENT = "talent"
    EMPLOYER = "employer"
    JUDGE = "judge"
    HEADHUNTER = "headhunter"
    CREDIT_OFFICER = "credit_officer"
    BANK_OFFICER = "bank_officer"
    ADMIN = "admin"


class IndustryChain(StrEnum):
    """Xiamen's "4+4+6" modern industry system."""

    # 4 pillar clusters
    ELECTRONIC_INFORMATION = "electronic_information"
    ADVANCED_EQUIPMENT = "advanced_equipment"
    TRADE_LOGISTICS = "trade_logistics"
    FINANCIAL_SERVICES = "financial_services"
    # 4 strategic emerging industries
    BIOMEDICINE = "biomedicine"
    NEW_MATERIALS = "new_materials"
    NEW_ENERGY = "new_energy"
    CULTURE_TOURISM = "culture_tourism"
    # 6 future industries
    THIRD_GEN_SEMICONDUCTORS = "third_gen_semiconductors"
    FUTURE_NETWORKS = "future_networks"
    FRONTIER_MATERIALS = "frontier_materials"
    HYDROGEN_ENERGY_STORAGE = "hydrogen_energy_storage"
    GENE_BIOTECH = "gene_biotech"
    DEEP_SEA_AEROSPACE = "deep_sea_aerospace"


class DegreeLevel(StrEnum):
    BACHELOR = "bachelor"
    MASTER = "master"
    PHD = "phd"
    POSTDOC = "postdoc"


class LanguageLevelName(StrEnum):
    BASIC = "basic"
    INTERMEDIATE = "intermediate"
    FLUENT = "fluent"
    NATIVE = "native"


class JobStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ApplicationStatus(StrEnum):
    APPLIED = "applied"
    SCREENING = "screening"
    INTERVIEW = "interview"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


def check_in(column: str, values: type[StrEnum]) -> str:
    """SQL text of a CHECK constraint that keeps ``column`` within ``values``."""
    quoted = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({quoted})"
