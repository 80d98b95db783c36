"""Migrations: an empty database upgraded to head matches the models; an upgrade keeps the data it finds.

Each test gets a database of its own: a new SQLite file, or a new PostgreSQL database beside the test database
when the suite runs on PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from api import migrate
from api.db import init_db
from api.models import Enterprise, Job, LoanProduct, Talent, TalentSkill


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        engine = create_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        engine.dispose()
        return
    name = f"guilu_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(url).set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_an_empty_database_upgraded_to_head_matches_the_models(empty_engine: Engine) -> None:
    # when
    init_db(empty_engine)

    # then
    assert migrate.current(empty_engine) == migrate.head()
    assert _differences(empty_engine) == []


def test_upgrading_from_the_previous_revision_keeps_every_row(empty_engine: Engine) -> None:
    # given a database at the revision before head, with data in it
    script = ScriptDirectory(str(Path(migrate.__file__).parent / "migrations"))
    previous = script.get_revision(migrate.head()).down_revision
    assert isinstance(previous, str), "head has exactly one parent"
    migrate.upgrade(empty_engine, previous)
    now = datetime(2026, 11, 28, tzinfo=UTC)
    with empty_engine.begin() as connection:
        connection.execute(
            Enterprise.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "id": 1,
                    "legal_name": "厦门测试科技有限公司",
                    "uscc": "91350200MA2XXXXXX0",
                    "industry_chain": "new_energy",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        connection.execute(
            Talent.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "id": i,
                    "name_zh": f"测试{i}",
                    "years_experience": i,
                    "wished_cities": [],
                    "wished_industries": [],
                    "discoverable": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, 51)
            ],
        )
        connection.execute(
            TalentSkill.__table__.insert(),  # type: ignore[attr-defined]
            [{"talent_id": i, "name": "Python", "position": 0} for i in range(1, 51)],
        )
        connection.execute(
            Job.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "id": 1,
                    "employer_id": 1,
                    "title": "电池工程师",
                    "description": "",
                    "fields_of_study": [],
                    "hard_requirements": [],
                    "min_years_experience": 0,
                    "headcount": 1,
                    "status": "open",
                    "posted_on": date(2026, 11, 1),
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )

        connection.execute(
            text(
                "INSERT INTO loan_product (id, bank, name, amount_cap, term_months, min_credit_level, eligible_chains,"
                " eligible_parks, sizing, tax_multiplier, per_insured_employee, contract_share, fixed_amount, active,"
                " created_at, updated_at) VALUES (1, '测试银行', '测试贷', 1000000, 12, 'B', '[]', '[]', 'fixed', 0, 0,"
                " 0, 500000, :active, :now, :now)"
            ),
            {"active": True, "now": now},
        )

    # when
    init_db(empty_engine)

    # then nothing is lost and the schema is the models'
    with empty_engine.connect() as connection:
        counts = {
            model.__tablename__: connection.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Enterprise, Talent, TalentSkill, Job)
        }
        titles = connection.execute(select(Job.title)).scalars().all()
        product = connection.execute(
            select(LoanProduct.borrower_kinds, LoanProduct.start_up_max_years)  # type: ignore[call-overload]
        ).one()
    assert tuple(product) == (["enterprise", "project"], None), "an existing product keeps lending as it did"
    assert counts == {"enterprise": 1, "talent": 50, "talent_skill": 50, "job": 1}
    assert titles == ["电池工程师"]
    assert migrate.current(empty_engine) == migrate.head()
    assert _differences(empty_engine) == []


def test_a_database_made_before_migrations_is_adopted(empty_engine: Engine) -> None:
    # given tables made by the models of revision 0001 without Alembic's version table
    migrate.upgrade(empty_engine, migrate.FIRST_REVISION)
    with empty_engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))

    # when
    init_db(empty_engine)

    # then
    assert migrate.current(empty_engine) == migrate.head()
    assert _differences(empty_engine) == []
