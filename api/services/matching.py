"""The bridge between stored rows and the pure engine in :mod:`matching`.

Each process keeps the engine's indexes (job search, enterprise resolution,
talent profiles) in memory and checks a cheap *watermark* (row count and
latest ``updated_at``) of the underlying tables on every use; when another
request or another worker changed the data, the index catches up before it
answers: job search and talent profiles re-read only the rows changed since
the previous watermark (less :data:`CLOCK_MARGIN`, for transactions that
committed out of order), the small enterprise resolver is rebuilt.  So every
worker sees every committed change on its next request.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from threading import Lock
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api import memory
from api.config import get_settings
from api.models import (
    Application,
    Enterprise,
    EnterpriseAlias,
    Job,
    JobLanguage,
    JobSkill,
    Talent,
    TalentEducation,
    TalentLanguage,
    TalentSkill,
)
from api.models.enums import JobStatus
from api.observability import observe_matching
from api.timeutil import utcnow
from matching.candidates import CandidateIndex, Ranking, TalentRows
from matching.normalise import name_pinyin, normalize_text
from matching.profiles import Degree, JobProfile, LanguageLevel, LanguageSkill, TalentProfile
from matching.resolve import OrganisationResolver, OrgMatch, OrgRecord
from matching.score import MatchResult, rank_candidates, rank_jobs
from matching.search import JobSearchIndex, SearchDoc, SearchHit
from matching.semantic import TextVectors
from matching.vocabulary import SkillVocabulary

__all__ = [
    "IndexState",
    "Watermark",
    "WatermarkCache",
    "applicants_for_job",
    "candidates_for_job",
    "changed_since",
    "index_states",
    "jobs_for_talent",
    "resolve_enterprise_name",
    "search_jobs",
    "search_talents",
    "table_mark",
    "talents_wishing",
    "vocabulary",
    "warm_indexes",
]

T = TypeVar("T")
Watermark = tuple[Any, ...]


@dataclass
class _Cached(Generic[T]):
    watermark: Watermark | None = None
    value: T | None = None
    checked_at: datetime | None = None  # when the watermark of this value was read (the clock of ``updated_at``)


# Rows changed up to this long before the previous watermark are re-read too; a transaction is assumed to
# commit within this long of stamping ``updated_at``.
CLOCK_MARGIN = timedelta(seconds=5)

# (session, value, watermark it was made at, watermark now) -> the value brought up to date.
Updater = Callable[[Session, T, Watermark, Watermark], T]


class WatermarkCache(Generic[T]):
    """A value kept in step with the data it was built from.

    ``build`` makes it from scratch; ``update``, when given, brings an existing
    value up to date from the previous watermark (it must cope with rows
    changed since then, re-read more than once).

    A watermark (row count, newest ``updated_at``) misses a transaction that
    stamped ``updated_at`` before the newest one but committed after the
    watermark was read: the watermark does not move when it commits.  So an
    updatable value is also brought up to date while its last check came
    before its newest change plus :data:`CLOCK_MARGIN` (re-reading every row
    stamped from :data:`CLOCK_MARGIN` before that change), and a value only
    built is built once more after that.  Every worker checks on every
    request, so a change committed through one worker is ranked by all of
    them from their next request.
    """

    def __init__(
        self,
        watermark: Callable[[Session], Watermark],
        build: Callable[[Session], T],
        update: Updater[T] | None = None,
    ) -> None:
        self._watermark = watermark
        self._build = build
        self._update = update
        self._cached: _Cached[T] = _Cached()
        self._lock = Lock()
        # When the value last caught up with the data (monotonic seconds), for /readyz and /metrics.
        self.synced_at: float | None = None

    @property
    def current(self) -> T | None:
        """The value as last brought up to date (None before the first use); nothing is read or built."""
        return self._cached.value

    def get(self, session: Session) -> T:
        checked_at = utcnow()
        mark = self._watermark(session)
        with self._lock:
            cached = self._cached
            if cached.value is None or cached.watermark is None:
                self._cached = _Cached(mark, self._build(session), checked_at)
                memory.settle()  # the first build lives long: out of the collector's way
            else:
                stale = cached.watermark != mark
                late = cached.checked_at is not None and _before_settled(cached.checked_at, mark)
                if self._update is not None and (stale or late):
                    value = self._update(session, cached.value, cached.watermark, mark)
                    self._cached = _Cached(mark, value, checked_at)
                elif stale or (late and not _before_settled(checked_at, mark)):  # rebuilt once the margin is past
                    self._cached = _Cached(mark, self._build(session), checked_at)
            self.synced_at = time.monotonic()
            assert self._cached.value is not None
            return self._cached.value


def _before_settled(moment: datetime, mark: Watermark) -> bool:
    """Whether a transaction stamped before the newest change of ``mark`` may still commit after ``moment``."""
    stamps = [value if value.tzinfo else value.replace(tzinfo=UTC) for value in mark if isinstance(value, datetime)]
    return bool(stamps) and moment < max(stamps) + CLOCK_MARGIN


def changed_since(mark: Watermark, position: int) -> datetime:
    """The ``updated_at`` from which rows are re-read, from a watermark's max at ``position``."""
    latest = mark[position]
    return (latest - CLOCK_MARGIN) if latest is not None else datetime.min


def table_mark(session: Session, model: Any) -> Watermark:
    row = session.exec(select(func.count(model.id), func.max(model.updated_at))).one()
    return tuple(row)


_vocabulary: SkillVocabulary | None = None


def vocabulary() -> SkillVocabulary:
    """The skill vocabulary from ``seeds/skills.json``, loaded once per process, with its semantic space
    (``GUILU_SEMANTIC_SIMILARITY``): the vectors of ``seeds/skill_vectors.npz`` and of the cache file
    ``GUILU_TEXT_VECTORS_PATH``."""
    global _vocabulary
    if _vocabulary is None:
        settings = get_settings()
        vectors = None
        if settings.semantic_similarity:
            vectors = TextVectors(path=settings.text_vectors_path, preload=[settings.skill_vectors_path])
        _vocabulary = SkillVocabulary.load(settings.skills_path, vectors=vectors)
    return _vocabulary


# ---------------------------------------------------------------- profiles


def _degree(value: str | None) -> Degree | None:
    return Degree[value.upper()] if value else None


def _language(language: str, level: str) -> LanguageSkill:
    return LanguageSkill(language, LanguageLevel[level.upper()])


def _languages(rows: Iterable[TalentLanguage | JobLanguage]) -> tuple[LanguageSkill, ...]:
    return tuple(_language(r.language, r.level) for r in rows)


def _group(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def talent_profiles(session: Session, talent_ids: Iterable[int] | None = None) -> dict[int, TalentProfile]:
    """Engine profiles of the given talents (all when ``talent_ids`` is None), four queries in all."""
    return {p.id: p for p in iter_talent_profiles(session, talent_ids)}


def iter_talent_profiles(session: Session, talent_ids: Iterable[int] | None = None) -> Iterator[TalentProfile]:
    """Engine profiles by talent id, streamed: four queries read side by side, no ORM objects.

    Memory stays flat however many talents there are (the candidate index of
    the whole city reads :func:`talent_rows` instead: no object per talent).
    """
    ids = None if talent_ids is None else list(talent_ids)

    def ordered(model: Any, *columns: Any) -> Generator[Any, None, None]:
        return _talent_table_rows(session, model, *columns, talent_ids=ids)

    talents = ordered(
        Talent, Talent.years_experience, Talent.current_city, Talent.wished_cities, Talent.wished_industries
    )
    streams = (
        ordered(TalentSkill, TalentSkill.name),
        ordered(TalentEducation, TalentEducation.degree, TalentEducation.field_of_study),
        ordered(TalentLanguage, TalentLanguage.language, TalentLanguage.level),
    )
    with contextlib.ExitStack() as cursors:
        for stream in (talents, *streams):
            cursors.callback(stream.close)
        yield from _profiles_from(talents, *map(_Follower, streams))


def talent_rows(session: Session, *, discoverable_only: bool = False) -> TalentRows:
    """Every talent (every discoverable one with ``discoverable_only``) as plain rows for
    :meth:`~matching.candidates.CandidateIndex.from_rows`: four queries, each run when the index reads its stream,
    degrees and levels converted by the database, no object per talent."""
    discoverable = {"discoverable_only": discoverable_only}
    degree = case({d.name.lower(): int(d) for d in Degree}, value=TalentEducation.degree)
    level = case({level.name.lower(): int(level) for level in LanguageLevel}, value=TalentLanguage.level)
    talents = _talent_table_rows(
        session, Talent, Talent.years_experience, Talent.current_city, Talent.wished_cities, **discoverable
    )
    return TalentRows(
        talents=((talent_id, years, city, _listed(wished)) for talent_id, years, city, wished in talents),
        skills=_talent_table_rows(session, TalentSkill, TalentSkill.name, **discoverable),
        education=_talent_table_rows(
            session, TalentEducation, degree, func.nullif(TalentEducation.field_of_study, ""), **discoverable
        ),
        languages=_talent_table_rows(session, TalentLanguage, TalentLanguage.language, level, **discoverable),
    )


def _talent_table_rows(
    session: Session,
    model: Any,
    *columns: Any,
    talent_ids: list[int] | None = None,
    discoverable_only: bool = False,
) -> Generator[Any, None, None]:
    """``(talent id, *columns)`` of a talent table's rows, by talent id then position, from a plain DBAPI cursor
    (millions of rows are read, and SQLAlchemy's row objects cost more than the rows); the query runs on the
    first read."""
    dialect = session.get_bind().dialect
    key = model.id if model is Talent else model.talent_id
    query = sa_select(key, *columns).order_by(key, *([] if model is Talent else [model.position]))
    if talent_ids is not None:
        query = query.where(col(key).in_(talent_ids))
    if discoverable_only:
        visible = col(Talent.discoverable).is_(True)
        query = query.where(visible if model is Talent else col(key).in_(select(Talent.id).where(visible)))
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    driver = session.connection().connection
    if dialect.name == "postgresql":  # a server-side cursor streams instead of loading everything
        cursor = driver.cursor(name=f"guilu_profiles_{uuid.uuid4().hex}")
        cursor.itersize = _STREAM_BATCH
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        yield from cursor
    finally:
        cursor.close()


def _profiles_from(
    talents: Iterator[Any],
    skills: _Follower,
    education: _Follower,
    languages: _Follower,
) -> Iterator[TalentProfile]:
    for talent_id, years, city, wished_cities, wished_industries in talents:
        studies = education.rows_of(talent_id)
        degrees = [d for d in (_degree(degree) for degree, _ in studies) if d is not None]
        yield TalentProfile(
            id=talent_id,
            skills=tuple(name for (name,) in skills.rows_of(talent_id)),
            highest_degree=max(degrees, default=None),
            fields_of_study=tuple(field for _, field in studies if field),
            languages=tuple(_language(language, level) for language, level in languages.rows_of(talent_id)),
            years_experience=float(years),
            current_city=city,
            wished_cities=_listed(wished_cities),
            wished_industries=_listed(wished_industries),
        )


def _listed(value: Any) -> tuple[str, ...]:
    """A JSON list column as read by a plain cursor (text on SQLite, already parsed on PostgreSQL)."""
    return tuple(orjson.loads(value) if isinstance(value, str) else value)


# Rows fetched per round trip when streaming profiles.
_STREAM_BATCH = 10_000


class _Follower:
    """Rows ordered by talent id, grouped by it, consumed in step with the talents they belong to.

    Each group is a tuple of rows without the talent id (``itertools.groupby`` does the grouping in C).
    """

    __slots__ = ("_groups", "_id", "_rows")

    def __init__(self, rows: Iterator[Any]) -> None:
        self._groups = groupby(rows, key=itemgetter(0))
        self._id, self._rows = self._advance()

    def _advance(self) -> tuple[int | None, tuple[Any, ...]]:
        for talent_id, rows in self._groups:
            return talent_id, tuple(row[1:] for row in rows)
        return None, ()

    def rows_of(self, talent_id: int) -> tuple[Any, ...]:
        while self._id is not None and self._id < talent_id:
            self._id, self._rows = self._advance()
        if self._id == talent_id:
            found = self._rows
            self._id, self._rows = self._advance()
            return found
        return ()


def job_profiles(session: Session, jobs: list[Job]) -> dict[int, JobProfile]:
    """Engine profiles of ``jobs``, two queries for their skills and languages."""
    ids = [j.id for j in jobs]
    skills = _group(
        session.exec(
            select(JobSkill).where(col(JobSkill.job_id).in_(ids)).order_by(JobSkill.job_id, JobSkill.position)
        ),
        "job_id",
    )
    languages = _group(
        session.exec(
            select(JobLanguage)
            .where(col(JobLanguage.job_id).in_(ids))
            .order_by(JobLanguage.job_id, JobLanguage.position)
        ),
        "job_id",
    )
    return {
        j.id: JobProfile(
            id=j.id,
            required_skills=tuple(s.name for s in skills[j.id] if s.kind == "required"),
            preferred_skills=tuple(s.name for s in skills[j.id] if s.kind == "preferred"),
            min_degree=_degree(j.min_degree),
            fields_of_study=tuple(j.fields_of_study),
            languages=_languages(languages[j.id]),
            min_years_experience=float(j.min_years_experience),
            city=j.city,
            industry=j.industry_chain,
            hard=frozenset(j.hard_requirements),
        )
        for j in jobs
    }


def _open_job_profiles(session: Session) -> dict[int, JobProfile]:
    return job_profiles(session, list(session.exec(select(Job).where(Job.status == JobStatus.OPEN))))


def _wished_industries(session: Session, since: datetime | None = None) -> dict[int, tuple[str, ...]]:
    """Talent id -> wished industry chains (of the talents changed since ``since``, or of all)."""
    query = select(Talent.id, Talent.wished_industries)
    if since is not None:
        query = query.where(col(Talent.updated_at) >= since)
    return {talent_id: tuple(wished) for talent_id, wished in session.exec(query)}


def _update_wished_industries(
    session: Session, wished: dict[int, tuple[str, ...]], mark: Watermark, _now: Watermark
) -> dict[int, tuple[str, ...]]:
    return {**wished, **_wished_industries(session, changed_since(mark, 1))}


_wished = WatermarkCache(lambda s: table_mark(s, Talent), _wished_industries, _update_wished_industries)


def _update_open_jobs(
    session: Session, jobs: dict[int, JobProfile], mark: Watermark, _now: Watermark
) -> dict[int, JobProfile]:
    """Re-read the jobs changed since ``mark``: open ones (re)enter, closed ones leave (jobs are never deleted)."""
    changed = list(session.exec(select(Job).where(col(Job.updated_at) >= changed_since(mark, 1))))
    changed_ids = {j.id for j in changed}
    kept = {job_id: job for job_id, job in jobs.items() if job_id not in changed_ids}
    fresh = job_profiles(session, [j for j in changed if j.status == JobStatus.OPEN])
    return dict(sorted({**kept, **fresh}.items()))


# Every open job, whatever its closing day: a deadline passes without a write the watermark could see, so whether
# a job still takes applications is asked of the database at each request (api.services.credit.recommended_jobs).
_open_jobs = WatermarkCache(lambda s: table_mark(s, Job), _open_job_profiles, _update_open_jobs)


def talents_wishing(session: Session, industry: str) -> list[int]:
    """Ids of talents who wish to work in ``industry`` (a chain code), from the cached wishes."""
    return [tid for tid, wished in _wished.get(session).items() if industry in wished]


def _candidate_index(session: Session) -> CandidateIndex:
    return CandidateIndex.from_rows(talent_rows(session, discoverable_only=True), vocabulary())


def _update_candidate_index(session: Session, index: CandidateIndex, mark: Watermark, now: Watermark) -> CandidateIndex:
    """Apply the talents changed since ``mark`` (no rebuild); rebuild when rows vanished or the overlay grew large."""
    changed = list(
        session.exec(select(Talent.id, Talent.discoverable).where(col(Talent.updated_at) >= changed_since(mark, 1)))
    )
    for talent_id in (talent_id for talent_id, discoverable in changed if not discoverable):
        index.remove(talent_id)
    visible = [talent_id for talent_id, discoverable in changed if discoverable]
    for profile in iter_talent_profiles(session, visible):
        index.upsert(profile)
    if now != mark and len(index) != _discoverable_count(session):  # a talent was deleted (merged profiles)
        return _candidate_index(session)
    if index.overlay_size > max(OVERLAY_LIMIT, len(index) // 20):
        return index.compacted()
    return index


def _discoverable_count(session: Session) -> int:
    return session.exec(select(func.count(col(Talent.id))).where(col(Talent.discoverable).is_(True))).one()


# Changed profiles kept beside the index arrays before they are folded in (or 5% of the index when larger).
OVERLAY_LIMIT = 2_000

_candidates = WatermarkCache(lambda s: table_mark(s, Talent), _candidate_index, _update_candidate_index)


def candidates_for_job(session: Session, job: Job, *, limit: int | None = None, offset: int = 0) -> Ranking:
    """Ranked eligible candidates: discoverable talents and everyone who applied to ``job``.

    The discoverable talents come from the process's :class:`~matching.candidates.CandidateIndex`
    (kept in step with the database by its watermark); applicants who are not discoverable join
    the ranking as extra profiles.  ``total`` counts every eligible candidate.
    """
    assert job.id is not None
    index = _candidates.get(session)
    applicants = session.exec(select(Application.talent_id).where(Application.job_id == job.id)).all()
    hidden = [talent_id for talent_id in applicants if talent_id not in index]
    extra = iter_talent_profiles(session, hidden) if hidden else ()
    profile = job_profiles(session, [job])[job.id]
    with observe_matching("rank_candidates"):
        return index.rank(profile, limit=limit, offset=offset, extra=extra)


def applicants_for_job(
    session: Session, job: Job, talent_ids: Collection[int], *, limit: int | None = None
) -> list[MatchResult]:
    """The talents ``talent_ids`` (applicants of ``job``) ranked for it and explained, discoverable or not;
    the first ``limit`` of them (all when None).

    Those meeting every hard requirement come first, then the others (their ``failed_hard`` says why), each
    part by score, then talent id.  A job has few applicants: they are scored exhaustively, by the scorer the
    candidate index agrees with, so an applicant scores here as in :func:`candidates_for_job`; only the
    results returned are explained.
    """
    assert job.id is not None
    if not talent_ids:
        return []
    profile = job_profiles(session, [job])[job.id]
    applicants = iter_talent_profiles(session, talent_ids)
    with observe_matching("rank_applicants"):
        return rank_candidates(profile, applicants, vocabulary(), limit=limit, include_ineligible=True)


def jobs_for_talent(
    session: Session,
    talent_id: int,
    job_ids: Collection[int],
    *,
    employer_verified: Mapping[int, bool] | None = None,
) -> list[MatchResult]:
    """The open jobs among ``job_ids`` ranked for one talent by the same scorer.

    The profiles come from the process's cache of open jobs (kept in step by the
    watermark of the job table); which jobs count (deadline, applications,
    employer credit) is the caller's query, run at each request
    (:func:`api.services.credit.recommended_jobs`).  The talent's wished
    industries and cities are in the profile; ``employer_verified`` (job id ->
    whether its employer is credit-verified) adds the engine's
    ``employer_credit`` component (:func:`matching.score.rank_jobs`).
    """
    profile = talent_profiles(session, [talent_id])[talent_id]
    wanted = set(job_ids)
    jobs = [job for job_id, job in _open_jobs.get(session).items() if job_id in wanted]
    return rank_jobs(profile, jobs, vocabulary(), employer_verified=employer_verified)


# ------------------------------------------------------------- job search


def _skill_labels(skills: Iterable[str]) -> tuple[str, ...]:
    """Skills as written, then the Chinese and English labels of the canonical skills they resolve to,
    so a search in one language finds jobs whose skills are written in the other."""
    vocab = vocabulary()
    written = list(skills)
    labels = []
    for text in written:
        resolved = vocab.resolve(text)
        if resolved is not None:
            labels += [resolved.skill.zh, resolved.skill.en]
    return tuple(dict.fromkeys([*written, *labels]))


def _search_docs(session: Session, job_ids: list[int] | None = None) -> list[SearchDoc]:
    """Search documents of the given jobs (all when None)."""
    names = dict(session.exec(select(Enterprise.id, Enterprise.legal_name)).all())
    skill_query = select(JobSkill).order_by(JobSkill.job_id, JobSkill.position)
    job_query = select(Job)
    if job_ids is not None:
        skill_query = skill_query.where(col(JobSkill.job_id).in_(job_ids))
        job_query = job_query.where(col(Job.id).in_(job_ids))
    skills = _group(session.exec(skill_query), "job_id")
    return [
        SearchDoc(
            id=j.id,
            title=j.title,
            skills=_skill_labels(s.name for s in skills[j.id]),
            employer_name=names.get(j.employer_id, ""),
            description=j.description,
        )
        for j in session.exec(job_query)
    ]


def _job_search_index(session: Session) -> JobSearchIndex:
    return JobSearchIndex(_search_docs(session))


def _update_job_search_index(
    session: Session, index: JobSearchIndex, mark: Watermark, _now: Watermark
) -> JobSearchIndex:
    """Re-index jobs changed since ``mark``, and every job of an enterprise changed since then."""
    renamed = select(Enterprise.id).where(col(Enterprise.updated_at) >= changed_since(mark, 3))
    changed = select(Job.id).where((col(Job.updated_at) >= changed_since(mark, 1)) | col(Job.employer_id).in_(renamed))
    for doc in _search_docs(session, list(session.exec(changed))):
        index.add(doc)
    return index


def _jobs_and_employers_mark(session: Session) -> Watermark:
    return table_mark(session, Job) + table_mark(session, Enterprise)


_job_search = WatermarkCache(_jobs_and_employers_mark, _job_search_index, _update_job_search_index)


def search_jobs(
    session: Session,
    query: str,
    *,
    among: Collection[int] | None = None,
    limit: int | None = None,
    count: bool = True,
) -> tuple[list[SearchHit], int | None]:
    """The first ``limit`` jobs matching ``query`` (all when None), best first (exact above prefix above fuzzy),
    and how many match in all (None with ``count=False``); only the jobs in ``among`` (a set, best) when given.

    Only the hits asked for are scored; the total is counted without scoring
    (:meth:`~matching.search.JobSearchIndex.search_page`), and not at all without ``count``.
    """
    index = _job_search.get(session)
    with observe_matching("search_jobs"):
        if not count:
            return index.search(query, limit=limit, among=among), None
        page = index.search_page(query, limit=limit, among=among)
    return page.hits, page.total


# ------------------------------------------------------ enterprise resolution


def _enterprise_resolver(session: Session) -> OrganisationResolver:
    aliases = _group(session.exec(select(EnterpriseAlias).order_by(EnterpriseAlias.position)), "enterprise_id")
    records = [
        OrgRecord(id=e.id, names=(e.legal_name, *(a.name for a in aliases[e.id])))
        for e in session.exec(select(Enterprise).order_by(Enterprise.id))
    ]
    return OrganisationResolver(records)


_resolver = WatermarkCache(lambda s: table_mark(s, Enterprise), _enterprise_resolver)


def resolve_enterprise_name(session: Session, name: str, *, limit: int) -> list[OrgMatch]:
    """Confident matches of ``name`` among registered enterprises, best first."""
    resolver = _resolver.get(session)
    with observe_matching("resolve_enterprise"):
        return resolver.resolve(name, limit=limit)


# ------------------------------------------------------------ talent search


@dataclass(frozen=True, slots=True)
class _TalentKeys:
    id: int
    names: tuple[str, ...]
    skill_ids: frozenset[str]
    skills: tuple[str, ...]


def _talent_keys(session: Session) -> list[_TalentKeys]:
    vocab = vocabulary()
    skills = _group(
        session.exec(select(TalentSkill).order_by(TalentSkill.talent_id, TalentSkill.position)), "talent_id"
    )
    keys = []
    for t in session.exec(select(Talent).order_by(Talent.id)):
        names = [normalize_text(n) for n in (t.name_zh, t.name_pinyin, t.name_en) if n]
        if t.name_zh:
            names.append(name_pinyin(t.name_zh).replace(" ", ""))
        if t.name_pinyin:
            names.append(normalize_text(t.name_pinyin).replace(" ", ""))
        resolved = (vocab.resolve(s.name) for s in skills[t.id])
        keys.append(
            _TalentKeys(
                id=t.id,
                names=tuple(dict.fromkeys(names)),
                skill_ids=frozenset(r.skill.id for r in resolved if r is not None),
                skills=tuple(normalize_text(s.name) for s in skills[t.id]),
            )
        )
    return keys


_talent_search = WatermarkCache(lambda s: table_mark(s, Talent), _talent_keys)


def search_talents(session: Session, query: str) -> list[int]:
    """Ids of talents whose name (Chinese, pinyin, English) or a skill matches ``query``, by id.

    A name matches when it contains the query (spaces ignored for pinyin); a
    skill matches when both resolve to the same canonical skill or the query
    is part of the skill as written.
    """
    needle = normalize_text(query)
    if not needle:
        return []
    compact = needle.replace(" ", "")
    resolved = vocabulary().resolve(query)
    hits = []
    for keys in _talent_search.get(session):
        if (
            any(needle in n or compact in n.replace(" ", "") for n in keys.names)
            or (resolved is not None and resolved.skill.id in keys.skill_ids)
            or any(needle in s for s in keys.skills)
        ):
            hits.append(keys.id)
    return hits


# ------------------------------------------------------------ index states


@dataclass(frozen=True, slots=True)
class IndexState:
    """Whether one of the process's matching indexes is built, how large it is and when it last caught up."""

    name: str
    loaded: bool
    entries: int
    synced_seconds_ago: float | None


def index_states() -> list[IndexState]:
    """The state of every matching index of this process (nothing is built by asking)."""
    now = time.monotonic()
    caches: list[tuple[str, WatermarkCache[Any]]] = [
        ("candidates", _candidates),
        ("job_search", _job_search),
        ("enterprise_resolver", _resolver),
    ]
    return [
        IndexState(
            name=name,
            loaded=cache.current is not None,
            entries=len(cache.current) if cache.current is not None else 0,
            synced_seconds_ago=None if cache.synced_at is None else now - cache.synced_at,
        )
        for name, cache in caches
    ]


def warm_indexes(session: Session) -> None:
    """Build (or bring up to date) every matching index of this process."""
    for cache in (_candidates, _job_search, _resolver):
        cache.get(session)
