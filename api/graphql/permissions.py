"""Who may use which operation, and who may see which object.

Operation-level rules are permission classes on the fields. Object-level rules live in the domain's service
as plain functions over (viewer, row) (:mod:`api.services.talents`, :mod:`api.services.applications`, ...);
the functions here only read the facts a rule needs through the request's loaders and ask it, so
``node(id:)``, nested fields, lists and exports all apply the same rule.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from strawberry.permission import BasePermission

from api.graphql.context import Context, Info
from api.graphql.dataloaders import resolved
from api.models import Application, Job, Talent
from api.models.enums import Role
from api.services import applications, talents

__all__ = [
    "IsAuthenticated",
    "can_see_application",
    "can_see_contact",
    "can_see_talent",
    "contact_visibility",
    "require_role",
]


class IsAuthenticated(BasePermission):
    message = "log in first: send Authorization: Bearer <token>"
    error_extensions: ClassVar[dict[str, Any]] = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.viewer is not None


def require_role(*roles: Role) -> list[type[BasePermission]]:
    """Permission classes for a field only accounts with one of ``roles`` may use.

    Anonymous callers are told to log in (``UNAUTHENTICATED``); signed-in
    callers with another role are refused (``FORBIDDEN``).
    """
    names = ", ".join(r.value for r in roles)

    class HasRole(BasePermission):
        message = f"only these roles may do this: {names}"
        error_extensions: ClassVar[dict[str, Any]] = {"code": "FORBIDDEN"}

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            viewer = info.context.viewer
            return viewer is not None and viewer.role in roles

    HasRole.__name__ = f"HasRole_{'_'.join(r.value for r in roles)}"
    return [IsAuthenticated, HasRole]


def contact_visibility(ctx: Context, talent: Talent) -> bool | Awaitable[bool]:
    """:func:`api.services.talents.may_see_contact` for the request's viewer, the enterprises the talent applied to
    read through the request's loader.

    A plain bool when the answer is known without the database or the talent's loader holds it
    (resolvers stay synchronous), otherwise an awaitable.
    """
    viewer = ctx.viewer
    decided = talents.contact_decided_by_account(viewer, talent)
    if decided is not None:
        return decided
    assert talent.id is not None
    employers = ctx.loaders.employers_applied_to_by_talent_id.get(talent.id)
    return resolved(employers, lambda ids: talents.may_see_contact(viewer, talent, ids))


async def can_see_contact(ctx: Context, talent: Talent) -> bool:
    """:func:`contact_visibility`, awaited."""
    visible = contact_visibility(ctx, talent)
    return visible if isinstance(visible, bool) else await visible


async def can_see_talent(ctx: Context, talent: Talent) -> bool:
    """:func:`api.services.talents.may_see_profile` for the request's viewer (a hidden profile: as its contact data)."""
    if ctx.viewer is None or talent.discoverable:
        return talents.may_see_profile(ctx.viewer, talent, ())
    return await can_see_contact(ctx, talent)


async def can_see_application(ctx: Context, application: Application) -> bool:
    """:func:`api.services.applications.may_see_application` for the request's viewer."""
    viewer = ctx.viewer
    if viewer is None or viewer.talent_id == application.talent_id:
        return applications.may_see_application(viewer, application, None)
    job: Job | None = await ctx.loaders.job_by_id.load(application.job_id)
    return applications.may_see_application(viewer, application, job)
