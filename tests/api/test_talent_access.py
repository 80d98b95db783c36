"""The profile rule and its SQL twin agree: for every demo account, the talents a list shows
(``talents.visible_profiles``) are exactly those ``talents.may_see_profile`` lets the account see one by one."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.models import Account, Application, Job, Talent
from api.services import talents


@pytest.fixture(scope="module")
def applied_to(engine: Engine) -> dict[int, set[int]]:
    """Each talent's enterprises applied to, read straight from the rows."""
    found: dict[int, set[int]] = defaultdict(set)
    with Session(engine) as session:
        for talent_id, employer_id in session.exec(
            select(Application.talent_id, Job.employer_id).join(Job, col(Job.id) == col(Application.job_id))
        ):
            found[talent_id].add(employer_id)
    return found


def test_lists_and_single_profiles_apply_one_rule(engine: Engine, applied_to: dict[int, set[int]]) -> None:
    with Session(engine) as session:
        every = session.exec(select(Talent)).all()
        accounts = session.exec(select(Account).order_by(col(Account.id))).all()
        assert {a.role for a in accounts} >= {"talent", "employer", "judge", "headhunter", "admin"}
        hidden = [t for t in every if not t.discoverable]
        assert hidden, "the demo data has hidden profiles"
        for viewer in accounts:
            # given the viewer, when the list's condition and the one-by-one rule are asked
            condition = talents.visible_profiles(viewer)
            listed = set(
                session.exec(select(Talent.id).where(condition) if condition is not None else select(Talent.id))
            )
            one_by_one = {t.id for t in every if talents.may_see_profile(viewer, t, applied_to.get(t.id or 0, set()))}

            # then they agree
            assert listed == one_by_one, viewer.email


def test_hidden_profiles_are_seen_by_the_talent_admins_and_employers_applied_to(
    engine: Engine, applied_to: dict[int, set[int]]
) -> None:
    with Session(engine) as session:
        hidden = session.exec(select(Talent).where(col(Talent.discoverable).is_(False))).all()
        admin = session.exec(select(Account).where(Account.role == "admin")).first()
        judge = session.exec(select(Account).where(Account.role == "judge")).first()
        assert admin is not None and judge is not None
        for talent in hidden:
            employers = applied_to.get(talent.id or 0, set())
            assert talents.may_see_profile(admin, talent, employers)
            assert not talents.may_see_profile(judge, talent, employers)
            assert not talents.may_see_profile(None, talent, employers)
            assert not talents.may_see_contact(judge, talent, employers)
