"""Per-request loaders (api/graphql/dataloaders.py): freed with their request, repeated objects converted once."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from starlette.requests import Request

from api.config import Settings
from api.graphql.context import Context
from api.graphql.dataloaders import BatchLoader
from api.models import Job


@pytest.fixture
def no_garbage_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_closed_context_frees_its_loaders_and_rows_without_the_garbage_collector(
    settings: Settings, engine: Engine, no_garbage_collector: None
) -> None:
    # given: a request's loaders that read a page of jobs, their skills, employers and credit
    context = Context(request=Request({"type": "http", "headers": []}), settings=settings, engine=engine)
    jobs = list(context.session.exec(select(Job).order_by(col(Job.id)).limit(5)))
    context.loaders.expect_jobs(jobs)
    job_id, employer_id = jobs[0].id, jobs[0].employer_id
    assert job_id is not None
    skills = context.loaders.skills_by_job_id.get(job_id)
    assert isinstance(skills, list) and skills
    employer = context.loaders.enterprise_by_id.get(employer_id)
    assert employer is not None
    assert context.loaders.credit_by_enterprise_id.get(employer_id) is not None
    loaders, row = weakref.ref(context.loaders), weakref.ref(employer)
    del jobs, skills, employer

    # when
    context.close()

    # then: nothing held them in a reference cycle, so they went at once, with the garbage collector off
    assert loaders() is None
    assert row() is None


def test_a_value_asked_for_again_is_converted_once() -> None:
    # given
    fetched: list[Sequence[int]] = []

    def fetch(keys: Sequence[int]) -> list[int]:
        fetched.append(keys)
        return [key * 10 for key in keys]

    converted: list[int] = []

    def convert(value: int) -> list[int]:
        converted.append(value)
        return [value]

    loader = BatchLoader(fetch)
    loader.expect([1, 2])

    # when
    first, again, other = (
        loader.get_converted(1, convert),
        loader.get_converted(1, convert),
        loader.get_converted(2, convert),
    )

    # then: one fetch for the announced keys, one conversion per key, the same object each time
    assert first is again and first == [10] and other == [20]
    assert converted == [10, 20]
    assert fetched == [[1, 2]]
