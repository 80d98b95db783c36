"""SQLModel tables, one module per domain.  Importing this package registers them all."""

from api.models.account import Account, EmailVerification, LoginAttempt, LoginLockout, RefreshToken
from api.models.application import Application, ApplicationEvent
from api.models.audit import AuditEntry
from api.models.credit import CreditMatchReview, CreditRecord, PersonalCreditScore
from api.models.cup import (
    AssignmentPin,
    Competition,
    CompetitionTrack,
    CupAward,
    CupAwardTier,
    CupCriterion,
    CupResult,
    Entry,
    EntryMember,
    EntryRound,
    JudgeAssignment,
    JudgePanel,
    JudgeProfileRow,
    Round,
    Score,
)
from api.models.enterprise import Enterprise, EnterpriseAlias
from api.models.financing import BidContract, EnterpriseFinancialYear, FinancingApplication, LoanProduct
from api.models.headhunting import Campaign, IntroductionOwnership, Invitation
from api.models.identity import IdentityLink
from api.models.job import Job, JobLanguage, JobSkill
from api.models.talent import Talent, TalentEducation, TalentLanguage, TalentSkill

__all__ = [
    "Account",
    "Application",
    "ApplicationEvent",
    "AssignmentPin",
    "AuditEntry",
    "BidContract",
    "Campaign",
    "Competition",
    "CompetitionTrack",
    "CreditMatchReview",
    "CreditRecord",
    "CupAward",
    "CupAwardTier",
    "CupCriterion",
    "CupResult",
    "EmailVerification",
    "Enterprise",
    "EnterpriseAlias",
    "EnterpriseFinancialYear",
    "Entry",
    "EntryMember",
    "EntryRound",
    "FinancingApplication",
    "IdentityLink",
    "IntroductionOwnership",
    "Invitation",
    "Job",
    "JobLanguage",
    "JobSkill",
    "JudgeAssignment",
    "JudgePanel",
    "JudgeProfileRow",
    "LoanProduct",
    "LoginAttempt",
    "LoginLockout",
    "PersonalCreditScore",
    "RefreshToken",
    "Round",
    "Score",
    "Talent",
    "TalentEducation",
    "TalentLanguage",
    "TalentSkill",
]
