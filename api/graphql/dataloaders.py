"""DataLoaders, made per request: one SQL statement per relation per page, whatever its size.

Every loader is a :class:`BatchLoader`: a strawberry DataLoader that also answers at once, without an
awaitable, for keys announced in advance.  The resolvers of a page announce what they hold (the page's
talents; the employers of its jobs, announced when the jobs load), so the fields of the page's objects
resolve synchronously, each relation in one statement over the whole page.  A value graphql-core gets
directly costs it a function call; an awaitable costs a coroutine, an asyncio task and turns of the event
loop, per field.
"""

from __future__ import annotations

from asyncio import Future
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import CoroutineType
from typing import Any, TypeVar, cast

from sqlmodel import Session, col, select
from strawberry.dataloader import DataLoader

from api.models import (
    Account,
    Application,
    ApplicationEvent,
    CreditRecord,
    Enterprise,
    EnterpriseAlias,
    Job,
    JobLanguage,
    JobSkill,
    LoanProduct,
    PersonalCreditScore,
    Talent,
    TalentEducation,
    TalentLanguage,
    TalentSkill,
)
from api.services.credit import EnterpriseCredit, assess_enterprises, latest_personal_credit
from api.services.financing import ProductStats, product_stats

__all__ = ["BatchLoader", "Loaders", "resolved"]

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")
RowT = TypeVar("RowT")
# What loaders and resolved() hand out while a value is still to come; checked by type, as graphql-core
# does, because inspect.isawaitable costs several times more on every field.
_PENDING = (Future, CoroutineType)


class BatchLoader(DataLoader[K, V]):
    """A DataLoader over a synchronous ``fetch`` (keys -> values in the same order) that can answer now.

    :meth:`expect` announces keys; the first :meth:`get` or :meth:`load` of an announced key fetches
    every announced key not yet loaded in one call.  :meth:`get` returns the value itself when it is
    loaded or announced, and the DataLoader's awaitable (batched with the other keys asked for in the
    same turn of the event loop) otherwise.
    """

    def __init__(self, fetch: Callable[[Sequence[K]], Sequence[V]]) -> None:
        known: dict[K, V] = {}

        # Closes over the dict, not over ``self``: a loader in no reference cycle is freed, with every row it
        # holds, as soon as its request lets go of it, instead of waiting for the garbage collector.
        async def load(keys: Sequence[K]) -> Sequence[V]:
            values = fetch(keys)
            known.update(zip(keys, values, strict=True))
            return values

        super().__init__(load_fn=load)
        self._fetch = fetch
        self._values = known
        self._expected: dict[K, None] = {}
        self._converted: dict[tuple[K, Callable[[V], Any]], Any] = {}

    def expect(self, keys: Iterable[K]) -> None:
        """Announce keys the request will probably ask for; nothing is fetched yet."""
        for key in keys:
            if key not in self._values:
                self._expected[key] = None

    def _fetch_expected(self) -> None:
        keys = [key for key in self._expected if key not in self._values]
        self._expected.clear()
        self._values.update(zip(keys, self._fetch(keys), strict=True))

    def get(self, key: K) -> V | Awaitable[V]:
        """The value of ``key`` when it is loaded or announced, else an awaitable of it."""
        try:
            return self._values[key]
        except KeyError:
            pass
        if key in self._expected:
            self._fetch_expected()
            return self._values[key]
        return super().load(key)

    def get_converted(self, key: K, convert: Callable[[V], R]) -> R:
        """``convert`` of the value of ``key``, as :func:`resolved` gives it, converted once per key.

        For the objects a page repeats (the employer of each of its jobs): every field that asks for one
        gets the same converted object.  ``convert`` must be the same function at every call (no lambda).
        """
        memo_key = (key, convert)
        try:
            converted: R = self._converted[memo_key]
            return converted
        except KeyError:
            pass
        value = self.get(key)
        if isinstance(value, _PENDING):
            return resolved(cast(Awaitable[V], value), convert)
        converted = self._converted[memo_key] = convert(cast(V, value))
        return converted

    def load(self, key: K) -> Awaitable[V]:
        value = self.get(key)
        if isinstance(value, _PENDING):
            return cast(Awaitable[V], value)
        future = self.loop.create_future()
        future.set_result(value)
        return future


async def _convert(pending: Awaitable[V], convert: Callable[[V], R]) -> R:
    return convert(await pending)


def resolved(value: V | Awaitable[V], convert: Callable[[V], R]) -> R:
    """``convert(value)``, now when ``value`` is one, or as an awaitable when it is still to come.

    For resolvers: graphql-core awaits a resolver's result only when it is awaitable, so a resolver
    returning this stays synchronous whenever its loader could answer at once.  Typed as ``R`` because
    that is what the field resolves to either way.
    """
    if isinstance(value, _PENDING):
        return cast(R, _convert(cast(Awaitable[V], value), convert))
    return convert(cast(V, value))


def _by_id(
    session: Session, model: type[RowT], then: Callable[[list[RowT]], None] | None = None
) -> BatchLoader[int, RowT | None]:
    """Rows by primary key; ``then`` gets each batch of rows found (to announce their relations)."""

    def fetch(ids: Sequence[int]) -> list[RowT | None]:
        rows = {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}  # type: ignore[attr-defined]
        if then is not None:
            then(list(rows.values()))
        return [rows.get(i) for i in ids]

    return BatchLoader(fetch)


def _many_by(session: Session, model: type[RowT], key: str, order: Any) -> BatchLoader[int, list[RowT]]:
    column = getattr(model, key)

    def fetch(keys: Sequence[int]) -> list[list[RowT]]:
        grouped: dict[int, list[RowT]] = defaultdict(list)
        for row in session.exec(select(model).where(col(column).in_(keys)).order_by(column, order)):
            grouped[getattr(row, key)].append(row)
        return [grouped[k] for k in keys]

    return BatchLoader(fetch)


def _columns_by(session: Session, key: Any, *columns: Any, order: Any) -> BatchLoader[int, list[Any]]:
    """Per key, its rows' ``columns`` (one column: the values; several: tuples), in ``order``.

    For the short lists a page shows many of (the skills of twenty jobs): plain values read straight from the
    result, without the ORM object, identity-map entry and state that each row of :func:`_many_by` costs.
    """
    one = len(columns) == 1

    def fetch(keys: Sequence[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in session.execute(select(key, *columns).where(col(key).in_(keys)).order_by(key, order)):
            grouped[row[0]].append(row[1] if one else tuple(row[1:]))
        return [grouped[k] for k in keys]

    return BatchLoader(fetch)


def _announcer(
    relations: Sequence[BatchLoader[int, Any]], employers: BatchLoader[int, Any] | None = None
) -> Callable[[Iterable[Any]], None]:
    """A function announcing the ids of the rows it gets to ``relations`` (and their ``employer_id`` to ``employers``).

    It holds those loaders only, never :class:`Loaders`: a loader holding the object that holds it would make a
    reference cycle, and every row the request read would wait for the garbage collector instead of being freed.
    """

    def announce(rows: Iterable[Any]) -> None:
        rows = list(rows)
        ids = [row.id for row in rows if row.id is not None]
        for loader in relations:
            loader.expect(ids)
        if employers is not None:
            employers.expect(row.employer_id for row in rows)

    return announce


def _employers_applied_to(session: Session) -> BatchLoader[int, frozenset[int]]:
    """Talent id -> ids of the enterprises whose jobs the talent applied to."""

    def fetch(talent_ids: Sequence[int]) -> list[frozenset[int]]:
        grouped: dict[int, set[int]] = defaultdict(set)
        query = (
            select(Application.talent_id, Job.employer_id)
            .join(Job, col(Job.id) == col(Application.job_id))
            .where(col(Application.talent_id).in_(talent_ids))
        )
        for talent_id, employer_id in session.exec(query):
            grouped[talent_id].add(employer_id)
        return [frozenset(grouped[t]) for t in talent_ids]

    return BatchLoader(fetch)


def _financing_stats(session: Session) -> BatchLoader[int, ProductStats]:
    def fetch(product_ids: Sequence[int]) -> list[ProductStats]:
        stats = product_stats(session, product_ids)
        return [stats[p] for p in product_ids]

    return BatchLoader(fetch)


def _credit_by_enterprise(session: Session) -> BatchLoader[int, EnterpriseCredit | None]:
    """Enterprise id -> its credit today (two statements per batch, nothing cached across requests)."""

    def fetch(ids: Sequence[int]) -> list[EnterpriseCredit | None]:
        found = assess_enterprises(session, ids)
        return [found.get(i) for i in ids]

    return BatchLoader(fetch)


def _personal_credit_by_talent(session: Session) -> BatchLoader[int, PersonalCreditScore | None]:
    def fetch(ids: Sequence[int]) -> list[PersonalCreditScore | None]:
        found = latest_personal_credit(session, ids)
        return [found.get(i) for i in ids]

    return BatchLoader(fetch)


@dataclass
class Loaders:
    """Every loader of one request, named ``<thing>_by_<key>``."""

    session: Session
    account_by_id: BatchLoader[int, Account | None] = field(init=False)
    enterprise_by_id: BatchLoader[int, Enterprise | None] = field(init=False)
    aliases_by_enterprise_id: BatchLoader[int, list[EnterpriseAlias]] = field(init=False)
    talent_by_id: BatchLoader[int, Talent | None] = field(init=False)
    skills_by_talent_id: BatchLoader[int, list[str]] = field(init=False)
    education_by_talent_id: BatchLoader[int, list[TalentEducation]] = field(init=False)
    languages_by_talent_id: BatchLoader[int, list[TalentLanguage]] = field(init=False)
    employers_applied_to_by_talent_id: BatchLoader[int, frozenset[int]] = field(init=False)
    job_by_id: BatchLoader[int, Job | None] = field(init=False)
    skills_by_job_id: BatchLoader[int, list[tuple[str, str]]] = field(init=False)  # (kind, name)
    languages_by_job_id: BatchLoader[int, list[JobLanguage]] = field(init=False)
    application_by_id: BatchLoader[int, Application | None] = field(init=False)
    events_by_application_id: BatchLoader[int, list[ApplicationEvent]] = field(init=False)
    loan_product_by_id: BatchLoader[int, LoanProduct | None] = field(init=False)
    financing_stats_by_product_id: BatchLoader[int, ProductStats] = field(init=False)
    credit_by_enterprise_id: BatchLoader[int, EnterpriseCredit | None] = field(init=False)
    credit_record_by_id: BatchLoader[int, CreditRecord | None] = field(init=False)
    credit_records_by_enterprise_id: BatchLoader[int, list[CreditRecord]] = field(init=False)
    personal_credit_by_talent_id: BatchLoader[int, PersonalCreditScore | None] = field(init=False)
    _announce_talents: Callable[[Iterable[Talent]], None] = field(init=False, repr=False)
    _announce_jobs: Callable[[Iterable[Job]], None] = field(init=False, repr=False)
    _announce_enterprises: Callable[[Iterable[Enterprise]], None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        s = self.session
        self.account_by_id = _by_id(s, Account)
        self.aliases_by_enterprise_id = _many_by(s, EnterpriseAlias, "enterprise_id", EnterpriseAlias.position)
        self.credit_by_enterprise_id = _credit_by_enterprise(s)
        self.credit_records_by_enterprise_id = _many_by(s, CreditRecord, "enterprise_id", CreditRecord.id)
        self._announce_enterprises = _announcer(
            (self.aliases_by_enterprise_id, self.credit_by_enterprise_id, self.credit_records_by_enterprise_id)
        )
        self.enterprise_by_id = _by_id(s, Enterprise, self._announce_enterprises)
        self.skills_by_talent_id = _columns_by(s, TalentSkill.talent_id, TalentSkill.name, order=TalentSkill.position)
        self.education_by_talent_id = _many_by(s, TalentEducation, "talent_id", TalentEducation.position)
        self.languages_by_talent_id = _many_by(s, TalentLanguage, "talent_id", TalentLanguage.position)
        self.employers_applied_to_by_talent_id = _employers_applied_to(s)
        self.personal_credit_by_talent_id = _personal_credit_by_talent(s)
        self._announce_talents = _announcer(
            (
                self.skills_by_talent_id,
                self.education_by_talent_id,
                self.languages_by_talent_id,
                self.employers_applied_to_by_talent_id,
                self.personal_credit_by_talent_id,
            )
        )
        self.talent_by_id = _by_id(s, Talent, self._announce_talents)
        self.skills_by_job_id = _columns_by(s, JobSkill.job_id, JobSkill.kind, JobSkill.name, order=JobSkill.position)
        self.languages_by_job_id = _many_by(s, JobLanguage, "job_id", JobLanguage.position)
        self._announce_jobs = _announcer((self.skills_by_job_id, self.languages_by_job_id), self.enterprise_by_id)
        self.job_by_id = _by_id(s, Job, self._announce_jobs)
        self.application_by_id = _by_id(s, Application)
        self.events_by_application_id = _many_by(s, ApplicationEvent, "application_id", ApplicationEvent.id)
        self.loan_product_by_id = _by_id(s, LoanProduct)
        self.financing_stats_by_product_id = _financing_stats(s)
        self.credit_record_by_id = _by_id(s, CreditRecord)

    def expect_talents(self, talents: Iterable[Talent]) -> None:
        """Announce the relations of these talents (a page of them) to their loaders."""
        self._announce_talents(talents)

    def expect_jobs(self, jobs: Iterable[Job]) -> None:
        """Announce the relations of these jobs, their employers included, to their loaders."""
        self._announce_jobs(jobs)

    def expect_enterprises(self, enterprises: Iterable[Enterprise]) -> None:
        """Announce the relations of these enterprises to their loaders."""
        self._announce_enterprises(enterprises)
