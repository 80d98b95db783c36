"""Accounts: sign-up, password checks (argon2) and access tokens (JWT, HS256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from api.models import Account, Enterprise, Talent
from api.models.enums import Role
from api.services.errors import ErrorCode, ServiceError
from api.services.validation import enum_value, required_text
from api.timeutil import utcnow

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "SELF_SERVICE_ROLES",
    "TokenClaims",
    "authenticate",
    "create_account",
    "decode_access_token",
    "issue_access_token",
    "normalise_email",
]

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
# Roles anyone may sign up for; the others are granted by an operator (guilu create-user).
SELF_SERVICE_ROLES = frozenset({Role.TALENT, Role.EMPLOYER})
_TOKEN_ALGORITHM = "HS256"
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("guilu-timing-equaliser")


def normalise_email(email: str | None) -> str:
    """Trimmed, lower-cased e-mail address, refused when it is not one."""
    text = required_text(email, "email", max_length=254).lower()
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or " " in text or domain.startswith(".") or domain.endswith("."):
        raise ServiceError("email is not a valid e-mail address", field="email")
    return text


def _check_password(password: str | None) -> str:
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(f"password must have at most {MAX_PASSWORD_LENGTH} characters", field="password")
    return password


def create_account(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    enterprise_id: int | None = None,
    talent_id: int | None = None,
) -> Account:
    """A new account; refused when the e-mail is taken or a link does not exist."""
    address = normalise_email(email)
    role_value = enum_value(role, Role, "role")
    _check_password(password)
    if session.exec(select(Account.id).where(Account.email == address)).first() is not None:
        raise ServiceError("an account with this email already exists", field="email", code=ErrorCode.DUPLICATE)
    if enterprise_id is not None and session.get(Enterprise, enterprise_id) is None:
        raise ServiceError("enterprise not found", field="enterpriseId", code=ErrorCode.NOT_FOUND)
    if talent_id is not None and session.get(Talent, talent_id) is None:
        raise ServiceError("talent not found", field="talentId", code=ErrorCode.NOT_FOUND)
    account = Account(
        email=address,
        password_hash=_hasher.hash(password),
        role=role_value,
        enterprise_id=enterprise_id,
        talent_id=talent_id,
    )
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, *, email: str, password: str) -> Account:
    """The account with these credentials.

    Every failure reads the same ("wrong email or password"), so the answer
    does not tell whether an address has an account.
    """
    failure = ServiceError("wrong email or password", code=ErrorCode.INVALID_CREDENTIALS)
    address = (email or "").strip().lower()
    account = session.exec(select(Account).where(Account.email == address)).first() if address else None
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        raise failure from None
    if account is None:
        raise failure
    return account


@dataclass(frozen=True, slots=True)
class TokenClaims:
    account_id: int
    role: str


def issue_access_token(account: Account, *, secret: str, minutes: int) -> str:
    assert account.id is not None
    now = utcnow()
    payload = {
        "sub": str(account.id),
        "role": account.role,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(payload, secret, algorithm=_TOKEN_ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    """The claims of a valid token; a readable ``UNAUTHENTICATED`` refusal otherwise."""
    try:
        payload = jwt.decode(token, secret, algorithms=[_TOKEN_ALGORITHM], options={"require": ["exp", "sub"]})
        return TokenClaims(account_id=int(payload["sub"]), role=str(payload["role"]))
    except jwt.ExpiredSignatureError:
        raise ServiceError("the access token has expired; log in again", code=ErrorCode.UNAUTHENTICATED) from None
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise ServiceError("the access token is invalid", code=ErrorCode.UNAUTHENTICATED) from None
