"""Accounts: who signs in, with which role, acting for which enterprise or talent; their refresh
tokens, failed log-ins and lock-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Index
from sqlmodel import Field, SQLModel

from api.models.enums import Role, check_in
from api.timeutil import utcnow

__all__ = ["Account", "EmailVerification", "LoginAttempt", "LoginLockout", "RefreshToken"]


class Account(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(check_in("role", Role), name="ck_account_role"),
        CheckConstraint("email = lower(email)", name="ck_account_email_lower"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased, so the unique index makes e-mail addresses case-insensitive.
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True, ondelete="RESTRICT")
    talent_id: int | None = Field(default=None, foreign_key="talent.id", index=True, ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow)
    # Access tokens issued (``iat``) before this moment are refused: set by logOutEverywhere.
    tokens_valid_after: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    # When the account proved it receives mail at ``email`` (a one-time code sent there); null until then.
    # Nothing that grants access (an invitation, an identity link) attaches to an unverified account.
    email_verified_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    # The bank a BANK_OFFICER acts for, spelled as ``loan_product.bank``; officers decide only its products.
    bank: str | None = Field(default=None, max_length=200)


class RefreshToken(SQLModel, table=True):
    """One refresh token, known only by its SHA-256 hash.  Rotation keeps the ``family_id``, so reuse
    of a rotated token can revoke every token descended from the same log-in."""

    __tablename__ = "refresh_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    family_id: str = Field(max_length=32, index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    user_agent: str | None = Field(default=None, max_length=255)


class LoginAttempt(SQLModel, table=True):
    """A refused log-in (or a sign-up with a taken e-mail), counted towards lock-outs.

    ``email`` is what was typed, normalised, whether or not an account has it; null for sign-ups,
    which count towards the client address only.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "attempted_at"),
        Index("ix_login_attempt_address_at", "client_address", "attempted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str | None = Field(default=None, max_length=254)
    client_address: str | None = Field(default=None, max_length=64)
    attempted_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class LoginLockout(SQLModel, table=True):
    """An e-mail address or a client address refused log-ins until ``locked_until``."""

    __tablename__ = "login_lockout"
    __table_args__ = (
        CheckConstraint("kind IN ('email', 'address')", name="ck_login_lockout_kind"),
        Index("ix_login_lockout_subject", "kind", "subject", "locked_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    subject: str = Field(max_length=254)
    failures: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    locked_until: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class EmailVerification(SQLModel, table=True):
    """A one-time code sent to ``email`` to prove the account receives mail there.

    Only the code's SHA-256 hash is kept; a code is used once, expires, and allows a few wrong tries.
    """

    __tablename__ = "email_verification"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    code_hash: str = Field(max_length=64)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
