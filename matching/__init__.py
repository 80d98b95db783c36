"""Guilu's matching engine: pure Python over rapidfuzz and numpy, usable without the service.

It never imports the web stack or the database: callers convert their records
into the frozen dataclasses below and get frozen dataclasses back.

Normalisation
    :func:`normalize_text`, :func:`to_pinyin`, :func:`name_pinyin`,
    :func:`canonical_company_name` (legal forms and places stripped, branches
    kept as a qualifier).
Skills
    :class:`SkillVocabulary` (``SkillVocabulary.load("seeds/skills.json")``)
    resolves free text to a canonical :class:`Skill`; :func:`skill_similarity`.
    Given ``vectors=TextVectors(...)`` it grades meaning too
    (:mod:`matching.semantic`: ``碳化硅`` meets ``silicon carbide``).
Candidate scoring
    :func:`score_candidate`, :func:`rank_candidates`, :func:`rank_jobs` over
    :class:`TalentProfile` and :class:`JobProfile`, giving explained
    :class:`MatchResult` values (0-100, weights in :data:`WEIGHTS`);
    :class:`CandidateIndex` ranks millions of talents the same way, exactly,
    touching only those that can reach the top (a :class:`Ranking`).
Job search
    :class:`JobSearchIndex` over :class:`SearchDoc`, giving :class:`SearchHit`.
Organisation resolution
    :class:`OrganisationResolver` over :class:`OrgRecord`, giving :class:`OrgMatch`.
Enterprise and personal credit
    One rules table (:data:`RULES`) for every :class:`RecordKind`;
    :func:`assess_credit` gives an explained :class:`CreditAssessment`
    (score, :class:`CreditLevel`, reasons); :func:`is_verified`,
    :func:`check_repair`; :func:`map_to_home_scale` for partner cities' scores.
Competition judging
    :class:`Rubric`, :func:`detect_conflicts`, :func:`assign_judges`
    (conflict-free, loads balanced within one), :func:`aggregate` (mean,
    trimmed mean, per-judge z-scores), :func:`rank_entries`, :func:`what_if`.
People
    :func:`link_records` and :func:`find_duplicates` over :class:`PersonRecord`
    (blocking, then scoring with evidence), giving :class:`PersonLink`.
Financing
    :func:`evaluate`, :func:`financing_options` and
    :func:`rank_financing_candidates` over :class:`LoanProduct` and
    :class:`BorrowerFacts` (its kind from :func:`classify_borrower`), giving
    :class:`Offer` with the sizing step by step and :class:`FinancingRanking`.

Example
-------
>>> from matching import JobProfile, SkillVocabulary, TalentProfile, rank_candidates
>>> vocabulary = SkillVocabulary.from_records(
...     [{"id": "python", "zh": "Python编程", "en": "Python", "chain": "general", "aliases": ["py"]}]
... )
>>> job = JobProfile(id=1, required_skills=("Python",))
>>> [m.talent_id for m in rank_candidates(job, [TalentProfile(id=7, skills=("py",))], vocabulary)]
[7]
"""

from matching.candidates import CandidateIndex, Ranking
from matching.company import CompanyName, canonical_company_name
from matching.credit import (
    RULES,
    CreditAssessment,
    CreditLevel,
    CreditReason,
    CreditRecord,
    PersonalCredit,
    RecordKind,
    RecordStatus,
    TaxRating,
    assess_credit,
    check_repair,
    is_verified,
    map_to_home_scale,
    record_status,
    verification_failures,
)
from matching.financing import (
    BorrowerFacts,
    BorrowerKind,
    FinancingRanking,
    LoanProduct,
    Offer,
    RankedCandidate,
    SizingRule,
    SizingStep,
    StartUpTest,
    classify_borrower,
    evaluate,
    financing_options,
    rank_financing_candidates,
)
from matching.judging import (
    AggregationMethod,
    Criterion,
    EntryProfile,
    JudgeProfile,
    JudgeScore,
    Rubric,
    TeamMember,
    aggregate,
    assign_judges,
    detect_conflicts,
    rank_entries,
    what_if,
)
from matching.normalise import has_han, name_pinyin, normalize_text, to_pinyin
from matching.people import (
    LINK_THRESHOLD,
    REVIEW_THRESHOLD,
    PersonLink,
    PersonRecord,
    find_duplicates,
    link_records,
)
from matching.profiles import (
    HARD_REQUIREMENTS,
    Degree,
    JobProfile,
    LanguageLevel,
    LanguageSkill,
    TalentProfile,
)
from matching.resolve import RESOLVE_THRESHOLD, OrganisationResolver, OrgMatch, OrgRecord
from matching.score import (
    WEIGHTS,
    ComponentScore,
    MatchResult,
    SkillMatch,
    rank_candidates,
    rank_jobs,
    score_candidate,
)
from matching.search import JobSearchIndex, SearchDoc, SearchHit
from matching.semantic import SemanticSpace, TextVectors
from matching.vocabulary import (
    FUZZY_RESOLVE_THRESHOLD,
    SIMILARITY_FLOOR,
    Skill,
    SkillResolution,
    SkillVocabulary,
    skill_similarity,
)

__all__ = [
    "FUZZY_RESOLVE_THRESHOLD",
    "HARD_REQUIREMENTS",
    "LINK_THRESHOLD",
    "RESOLVE_THRESHOLD",
    "REVIEW_THRESHOLD",
    "RULES",
    "SIMILARITY_FLOOR",
    "WEIGHTS",
    "AggregationMethod",
    "BorrowerFacts",
    "BorrowerKind",
    "CandidateIndex",
    "CompanyName",
    "ComponentScore",
    "CreditAssessment",
    "CreditLevel",
    "CreditReason",
    "CreditRecord",
    "Criterion",
    "Degree",
    "EntryProfile",
    "FinancingRanking",
    "JobProfile",
    "JobSearchIndex",
    "JudgeProfile",
    "JudgeScore",
    "LanguageLevel",
    "LanguageSkill",
    "LoanProduct",
    "MatchResult",
    "Offer",
    "OrgMatch",
    "OrgRecord",
    "OrganisationResolver",
    "PersonLink",
    "PersonRecord",
    "PersonalCredit",
    "RankedCandidate",
    "Ranking",
    "RecordKind",
    "RecordStatus",
    "Rubric",
    "SearchDoc",
    "SearchHit",
    "SemanticSpace",
    "SizingRule",
    "SizingStep",
    "Skill",
    "SkillMatch",
    "SkillResolution",
    "SkillVocabulary",
    "StartUpTest",
    "TalentProfile",
    "TaxRating",
    "TeamMember",
    "TextVectors",
    "aggregate",
    "assess_credit",
    "assign_judges",
    "canonical_company_name",
    "check_repair",
    "classify_borrower",
    "detect_conflicts",
    "evaluate",
    "financing_options",
    "find_duplicates",
    "has_han",
    "is_verified",
    "link_records",
    "map_to_home_scale",
    "name_pinyin",
    "normalize_text",
    "rank_candidates",
    "rank_entries",
    "rank_financing_candidates",
    "rank_jobs",
    "record_status",
    "score_candidate",
    "skill_similarity",
    "to_pinyin",
    "verification_failures",
    "what_if",
]
