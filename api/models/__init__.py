"""SQLModel tables, one module per domain.  Importing this package registers them all."""

from api.models.account import Account
from api.models.application import Application, ApplicationEvent
from api.models.enterprise import Enterprise, EnterpriseAlias
from api.models.job import Job, JobLanguage, JobSkill
from api.models.talent import Talent, TalentEducation, TalentLanguage, TalentSkill

__all__ = [
    "Account",
    "Application",
    "ApplicationEvent",
    "Enterprise",
    "EnterpriseAlias",
    "Job",
    "JobLanguage",
    "JobSkill",
    "Talent",
    "TalentEducation",
    "TalentLanguage",
    "TalentSkill",
]
