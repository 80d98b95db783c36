"""Who may use which operation, and who may see which object.

Operation-level rules are permission classes on the fields; object-level
rules (a talent's profile, an application) are functions the resolvers call,
so ``node(id:)`` and every list apply the same rule.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from strawberry.permission import BasePermission

from api.graphql.context import Context, Info
from api.graphql.dataloaders import resolved
from api.models import Account, Application, Job, Talent
from api.models.enums import Role

__all__ = [
    "IsAuthenticated",
    "can_see_application",
    "can_see_contact",
    "can_see_talent",
    "contact_visibility",
    "mask_email",
    "mask_phone",
    "may_rank_candidates",
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
    """Contact data: the talent, admins, and employers of jobs the talent applied to.

    A plain bool when the answer is known without the database or the talent's loader holds it
    (resolvers stay synchronous), otherwise an awaitable.
    """
    viewer = ctx.viewer
    if viewer is None:
        return False
    if viewer.role == Role.ADMIN or viewer.talent_id == talent.id:
        return True
    if viewer.role != Role.EMPLOYER or viewer.enterprise_id is None:
        return False
    assert talent.id is not None
    enterprise_id = viewer.enterprise_id
    employers = ctx.loaders.employers_applied_to_by_talent_id.get(talent.id)
    return resolved(employers, lambda ids: enterprise_id in ids)


async def can_see_contact(ctx: Context, talent: Talent) -> bool:
    """:func:`contact_visibility`, awaited."""
    visible = contact_visibility(ctx, talent)
    return visible if isinstance(visible, bool) else await visible


async def can_see_talent(ctx: Context, talent: Talent) -> bool:
    """A profile: signed-in accounts see discoverable ones; others only as for contact data."""
    if ctx.viewer is None:
        return False
    return talent.discoverable or await can_see_contact(ctx, talent)


async def can_see_application(ctx: Context, application: Application) -> bool:
    viewer = ctx.viewer
    if viewer is None:
        return False
    if viewer.role == Role.ADMIN or viewer.talent_id == application.talent_id:
        return True
    job: Job | None = await ctx.loaders.job_by_id.load(application.job_id)
    return viewer.role == Role.EMPLOYER and job is not None and viewer.enterprise_id == job.employer_id


def may_rank_candidates(viewer: Account, job: Job) -> bool:
    """A job's ranked candidates: for the job's employer and admins."""
    return viewer.role == Role.ADMIN or (viewer.role == Role.EMPLOYER and viewer.enterprise_id == job.employer_id)


def mask_phone(phone: str) -> str:
    """``+86 138 1234 5678`` -> ``138****5678``: the last four digits and the first three of the number."""
    digits = "".join(c for c in phone if c.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    """``lu.chenyu@example.com`` -> ``l***@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
