"""Accounts: sign-up, e-mail addresses and the password policy (argon2 hashes), e-mail verification by one-time
codes, log-in with lock-outs, short-lived access tokens (JWT, HS256) renewed by rotating refresh tokens, and
log-out."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import Session, col, select

from api.config import Settings
from api.mail import compose
from api.models import Account, EmailVerification, Enterprise, LoginAttempt, LoginLockout, RefreshToken, Talent
from api.models.enums import Role
from api.services import identity
from api.services.addresses import email_skeleton, normalise_email
from api.services.audit import audit_row, snapshot
from api.services.errors import ErrorCode, ServiceError
from api.services.validation import enum_value
from api.timeutil import utcnow

__all__ = [
    "COMMON_PASSWORDS_PATH",
    "MAX_CODE_ATTEMPTS",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SELF_SERVICE_ROLES",
    "SignedIn",
    "TokenClaims",
    "VerificationCode",
    "account_for_token",
    "authenticate",
    "check_not_locked",
    "check_password",
    "create_account",
    "decode_access_token",
    "discard_verification_code",
    "issue_access_token",
    "issue_verification_code",
    "log_in",
    "log_out",
    "log_out_everywhere",
    "refresh_session",
    "sign_in",
    "sign_up",
    "verify_email",
]

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# The shortest e-mail local part the password may not contain; shorter ones ("li", "ann") are too common.
_MIN_LOCAL_PART_CHECKED = 4
COMMON_PASSWORDS_PATH = Path(__file__).resolve().parents[2] / "seeds" / "common_passwords.txt"
# Roles anyone may sign up for; the others are granted by an operator (guilu create-user).
SELF_SERVICE_ROLES = frozenset({Role.TALENT, Role.EMPLOYER})
_TOKEN_ALGORITHM = "HS256"
_REFRESH_TOKEN_BYTES = 32
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("guilu-timing-equaliser")
_INVALID_TOKEN = "the access token is invalid"
# A token's subject: an account id as ``str(int)`` writes it, within the 32-bit range ids are stored in.
_SUBJECT = re.compile(r"[1-9][0-9]{0,9}")
_MAX_ACCOUNT_ID = 2**31 - 1


def _look_alike_taken(session: Session, address: str) -> bool:
    """Whether an account's address looks like ``address``: local parts are ASCII, so only accounts with the
    same local part can, and their domains are compared by :func:`email_skeleton`."""
    local = address.rpartition("@")[0]
    skeleton = email_skeleton(address)
    same_local = session.exec(select(Account.email).where(col(Account.email).startswith(f"{local}@", autoescape=True)))
    return any(email_skeleton(other) == skeleton for other in same_local)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str | None, *, email: str | None = None) -> str:
    """``password`` when the policy admits it for the account ``email``; a ``password`` refusal otherwise.

    Length outside 10-128 characters is ``INVALID``; a password of one repeated character, one containing
    the e-mail's local part (4 characters or more, any case) or one of the common passwords in
    :data:`COMMON_PASSWORDS_PATH` is ``WEAK_PASSWORD``.  Each message names the rule.
    """
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(f"password must have at most {MAX_PASSWORD_LENGTH} characters", field="password")
    if len(set(password)) == 1:
        raise ServiceError(
            "password must not be one character repeated", field="password", code=ErrorCode.WEAK_PASSWORD
        )
    local = (email or "").strip().lower().partition("@")[0]
    if len(local) >= _MIN_LOCAL_PART_CHECKED and local in password.lower():
        raise ServiceError(
            "password must not contain the e-mail address's name part", field="password", code=ErrorCode.WEAK_PASSWORD
        )
    if password.lower() in _common_passwords():
        raise ServiceError(
            "password is one of the most common passwords; choose another",
            field="password",
            code=ErrorCode.WEAK_PASSWORD,
        )
    return password


def create_account(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    enterprise_id: int | None = None,
    talent_id: int | None = None,
    email_verified: bool = False,
) -> Account:
    """A new account; refused when the e-mail is taken, the password fails :func:`check_password` or a
    link does not exist.

    ``email_verified`` is for accounts whose address is known to be theirs without a code (the demo's);
    every other account proves it with the one-time code sent there.
    """
    address = normalise_email(email)
    role_value = enum_value(role, Role, "role")
    check_password(password, email=address)
    if session.exec(select(Account.id).where(Account.email == address)).first() is not None:
        raise ServiceError("an account with this email already exists", field="email", code=ErrorCode.DUPLICATE)
    if _look_alike_taken(session, address):
        raise ServiceError(
            "an account with an address that looks the same already exists", field="email", code=ErrorCode.DUPLICATE
        )
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
        email_verified_at=utcnow() if email_verified else None,
    )
    session.add(account)
    session.flush()
    return account


def _typed_address(email: str | None) -> str | None:
    """``email`` as :func:`normalise_email` stores it; None when it cannot be an account's address."""
    try:
        return normalise_email(email)
    except ServiceError:
        return None


def authenticate(session: Session, *, email: str, password: str) -> Account:
    """The account with these credentials.

    Every failure, a malformed address included, reads the same ("wrong email or password") and costs one
    argon2 verification, so the answer does not tell whether an address has an account.
    """
    failure = ServiceError("wrong email or password", code=ErrorCode.INVALID_CREDENTIALS)
    address = _typed_address(email)
    account = session.exec(select(Account).where(Account.email == address)).first() if address else None
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        raise failure from None
    if account is None:
        raise failure
    return account


# ------------------------------------------------------------------ access tokens


@dataclass(frozen=True, slots=True)
class TokenClaims:
    account_id: int
    role: str
    issued_at: datetime
    expires_at: datetime


def issue_access_token(account: Account, *, secret: str, minutes: int) -> str:
    """A signed access token for ``account``, valid ``minutes``.

    ``iat`` carries microseconds (a JSON number may), so a token issued just after
    :func:`log_out_everywhere` is never mistaken for one issued before it.
    """
    assert account.id is not None
    now = utcnow()
    payload = {
        "sub": str(account.id),
        "role": account.role,
        "iat": now.timestamp(),
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(payload, secret, algorithm=_TOKEN_ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    """The claims of a valid token; a readable ``UNAUTHENTICATED`` refusal otherwise.

    The subject must be an account id written canonically (``"1"``, not ``" 1"``, ``"+1"``, ``"01"``) within
    1..2**31-1, so no token names an id the database cannot hold.
    """
    try:
        payload = jwt.decode(token, secret, algorithms=[_TOKEN_ALGORITHM], options={"require": ["exp", "sub"]})
        subject = payload["sub"]
        if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject) or int(subject) > _MAX_ACCOUNT_ID:
            raise ValueError(subject)
        return TokenClaims(
            account_id=int(subject),
            role=str(payload["role"]),
            # A token without iat (issued before Guilu added it) counts as issued at the epoch.
            issued_at=datetime.fromtimestamp(float(payload.get("iat", 0)), UTC),
            expires_at=datetime.fromtimestamp(float(payload["exp"]), UTC),
        )
    except jwt.ExpiredSignatureError:
        raise ServiceError("the access token has expired; log in again", code=ErrorCode.UNAUTHENTICATED) from None
    except (jwt.InvalidTokenError, KeyError, ValueError, TypeError, OverflowError):
        raise ServiceError(_INVALID_TOKEN, code=ErrorCode.UNAUTHENTICATED) from None


def _aware(moment: datetime) -> datetime:
    """``moment`` as stored UTC; SQLite hands timestamps back without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def account_for_token(session: Session, claims: TokenClaims) -> Account:
    """The account a valid token speaks for; refused (``UNAUTHENTICATED``, worded as a bad token) when the
    account is gone or the token was issued before the account's ``tokens_valid_after``."""
    account = session.get(Account, claims.account_id)
    if account is None or (
        account.tokens_valid_after is not None and claims.issued_at < _aware(account.tokens_valid_after)
    ):
        raise ServiceError(_INVALID_TOKEN, code=ErrorCode.UNAUTHENTICATED)
    return account


# ------------------------------------------------------------------ refresh tokens and log-in


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A signed-in account: an access token and the refresh token that renews it."""

    account: Account
    access_token: str
    refresh_token: str


def _digest(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


def _user_agent(user_agent: str | None) -> str | None:
    return user_agent[:255] if user_agent else None


def sign_in(
    session: Session, account: Account, *, settings: Settings, user_agent: str | None = None, family_id: str = ""
) -> SignedIn:
    """Issue an access token and a refresh token for ``account``: of a new family, or of ``family_id``
    when rotating.  Only the refresh token's SHA-256 hash is stored."""
    assert account.id is not None
    refresh_token = secrets.token_urlsafe(_REFRESH_TOKEN_BYTES)
    session.add(
        RefreshToken(
            account_id=account.id,
            family_id=family_id or uuid.uuid4().hex,
            token_hash=_digest(refresh_token),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
            user_agent=_user_agent(user_agent),
        )
    )
    session.flush()
    access_token = issue_access_token(account, secret=settings.signing_secret(), minutes=settings.access_token_minutes)
    return SignedIn(account=account, access_token=access_token, refresh_token=refresh_token)


def _active_lockout(session: Session, *, email: str, client_address: str | None, now: datetime) -> datetime | None:
    subjects = [
        and_(LoginLockout.kind == kind, LoginLockout.subject == subject)
        for kind, subject in (("email", email), ("address", client_address))
        if subject
    ]
    if not subjects:
        return None
    until = session.exec(
        select(func.max(LoginLockout.locked_until)).where(or_(*subjects), LoginLockout.locked_until > now)
    ).first()
    return _aware(until) if until is not None else None


def _lock_if_over(session: Session, kind: str, subject: str, limit: int, *, settings: Settings, now: datetime) -> None:
    """Lock ``subject`` when its failures since the window opened (or its last lock-out ended) reach ``limit``."""
    since = now - timedelta(minutes=settings.login_failure_window_minutes)
    last_until = session.exec(
        select(func.max(LoginLockout.locked_until)).where(LoginLockout.kind == kind, LoginLockout.subject == subject)
    ).first()
    if last_until is not None:
        since = max(since, _aware(last_until))
    column = LoginAttempt.email if kind == "email" else LoginAttempt.client_address
    failures = session.exec(
        select(func.count()).select_from(LoginAttempt).where(column == subject, LoginAttempt.attempted_at > since)
    ).one()
    if failures >= limit:
        lockout = LoginLockout(
            kind=kind,
            subject=subject,
            failures=failures,
            created_at=now,
            locked_until=now + timedelta(minutes=settings.login_lockout_minutes),
        )
        audit_row(session, lockout, actor=None, action="login.lock_out", before=None)


def _record_failure(session: Session, *, email: str | None, client_address: str | None, settings: Settings) -> None:
    """Store a failed attempt and any lock-out it triggers, committed at once: the refusal that follows
    rolls the request's transaction back, and the count must survive it."""
    now = utcnow()
    session.add(LoginAttempt(email=email, client_address=client_address, attempted_at=now))
    session.flush()
    if email:
        _lock_if_over(session, "email", email, settings.login_max_failures_per_email, settings=settings, now=now)
    if client_address:
        limit = settings.login_max_failures_per_address
        _lock_if_over(session, "address", client_address, limit, settings=settings, now=now)
    session.commit()


def check_not_locked(session: Session, *, email: str, client_address: str | None) -> None:
    """Refuse with ``TOO_MANY_ATTEMPTS`` while ``email`` or ``client_address`` is locked out."""
    now = utcnow()
    until = _active_lockout(session, email=email, client_address=client_address, now=now)
    if until is not None:
        seconds = max(1, int((until - now).total_seconds()))
        raise ServiceError(
            f"too many failed log-ins; try again in {seconds} seconds (after {until.strftime('%Y-%m-%dT%H:%M:%SZ')})",
            code=ErrorCode.TOO_MANY_ATTEMPTS,
        )


def _client(client_address: str | None) -> str | None:
    return client_address[:64] if client_address else None


def log_in(
    session: Session,
    *,
    email: str,
    password: str,
    settings: Settings,
    client_address: str | None = None,
    user_agent: str | None = None,
) -> SignedIn:
    """Tokens for these credentials, unless the e-mail or the client address is locked out.

    A failure is recorded (and committed) against both the typed e-mail, known or not, and the client
    address; reaching :attr:`Settings.login_max_failures_per_email` or ``..._per_address`` within the
    window locks it for :attr:`Settings.login_lockout_minutes`.  A success forgets the e-mail's failures.
    """
    typed = _typed_address(email)
    address = _client(client_address)
    check_not_locked(session, email=typed or "", client_address=address)
    try:
        account = authenticate(session, email=typed or "", password=password)
    except ServiceError:
        # A malformed address is no account's: its failures count against the client address only.
        _record_failure(session, email=typed, client_address=address, settings=settings)
        raise
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == typed))
    return sign_in(session, account, settings=settings, user_agent=user_agent)


def sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    settings: Settings,
    client_address: str | None = None,
    user_agent: str | None = None,
) -> SignedIn:
    """A new self-service account, signed in.  A taken e-mail is refused (``DUPLICATE``) and counts as a
    failed attempt of the client address, so probing addresses through sign-up is throttled like
    password guessing; a locked-out address cannot sign up."""
    address = _client(client_address)
    check_not_locked(session, email="", client_address=address)
    try:
        account = create_account(session, email=email, password=password, role=role)
    except ServiceError as error:
        if error.code is ErrorCode.DUPLICATE:
            session.rollback()
            _record_failure(session, email=None, client_address=address, settings=settings)
        raise
    return sign_in(session, account, settings=settings, user_agent=user_agent)


def _refresh_refusal(message: str) -> ServiceError:
    return ServiceError(message, field="refreshToken", code=ErrorCode.UNAUTHENTICATED)


def _revoke_family(session: Session, family_id: str, now: datetime) -> int:
    result = session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)


def refresh_session(
    session: Session, *, refresh_token: str, settings: Settings, user_agent: str | None = None
) -> SignedIn:
    """Rotate ``refresh_token``: revoke it and issue a new access token and refresh token of its family.

    Presenting a token that was already rotated or revoked means two parties hold it (theft): the whole
    family is revoked (committed) and the refusal reads ``UNAUTHENTICATED``.
    """
    now = utcnow()
    row = session.exec(select(RefreshToken).where(RefreshToken.token_hash == _digest(refresh_token or ""))).first()
    if row is None:
        raise _refresh_refusal("the refresh token is invalid; log in again")
    if row.revoked_at is None and _aware(row.expires_at) <= now:
        raise _refresh_refusal("the refresh token has expired; log in again")
    # Claimed with a conditional update, so of two concurrent refreshes with one token only one wins.
    claimed = session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == row.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    if not claimed.rowcount:
        _revoke_family(session, row.family_id, now)
        session.commit()
        raise _refresh_refusal("the refresh token was already used; every session it started is closed, log in again")
    account = session.get(Account, row.account_id)
    assert account is not None  # refresh tokens are deleted with their account
    return sign_in(session, account, settings=settings, user_agent=user_agent, family_id=row.family_id)


def log_out(session: Session, *, refresh_token: str) -> int:
    """Revoke the family of ``refresh_token`` (the log-in it came from); how many tokens were still live.

    An unknown token is refused (``UNAUTHENTICATED``); an already revoked one is not an error.
    """
    row = session.exec(select(RefreshToken).where(RefreshToken.token_hash == _digest(refresh_token or ""))).first()
    if row is None:
        raise _refresh_refusal("the refresh token is invalid")
    return _revoke_family(session, row.family_id, utcnow())


def log_out_everywhere(session: Session, account: Account, *, via: str = "api") -> int:
    """Revoke every refresh token of ``account`` and every access token issued until now; audited.

    Returns how many refresh tokens were still live.
    """
    now = utcnow()
    result = session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.account_id) == account.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    before = snapshot(account, exclude=("password_hash",))
    account.tokens_valid_after = now
    audit_row(
        session,
        account,
        actor=account,
        action="account.log_out_everywhere",
        before=before,
        exclude=("password_hash",),
        via=via,
    )
    return int(result.rowcount or 0)


# ------------------------------------------------------------------ e-mail verification

CODE_DIGITS = 8
# Wrong codes one code survives; the next refusal is TOO_MANY_ATTEMPTS and a new code must be asked for.
MAX_CODE_ATTEMPTS = 5
_CODE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
_CODE_SEPARATORS = str.maketrans("", "", " -")

_VERIFICATION_SUBJECT = "归鹭 Guilu 邮箱验证码 / e-mail verification code"
_VERIFICATION_TEXT = """\
您好：

您的归鹭 Guilu 邮箱验证码是 {code}，{minutes} 分钟内有效，只能使用一次。
请在归鹭中输入此验证码，以确认 {email} 是您的邮箱。如果您没有注册归鹭，请忽略本邮件。

Hello,

Your Guilu verification code is {code}. It is valid for {minutes} minutes and works once.
Enter it in Guilu to confirm that {email} is your address. If you did not sign up for Guilu, ignore this message.
"""


@dataclass(frozen=True, slots=True)
class VerificationCode:
    """A code just issued: the row that keeps its hash, and the message that carries the code."""

    verification_id: int
    message: EmailMessage


def _code_digest(account_id: int, email: str, code: str) -> str:
    """The stored form of ``code``: bound to the account and the address it was sent to."""
    return hashlib.sha256(f"{account_id}:{email}:{code}".encode()).hexdigest()


def issue_verification_code(session: Session, account: Account, *, settings: Settings) -> VerificationCode:
    """A fresh code for ``account``'s address, valid :attr:`Settings.email_code_minutes`; it replaces the
    codes sent before.  Only its hash is stored; the caller sends the message once this is committed.

    Refused: an account already verified (``INVALID_TRANSITION``), and more than
    :attr:`Settings.email_codes_per_hour` codes for one account within an hour (``TOO_MANY_ATTEMPTS``).
    """
    assert account.id is not None
    if account.email_verified_at is not None:
        raise ServiceError("the e-mail address is already verified", code=ErrorCode.INVALID_TRANSITION)
    now = utcnow()
    sent = session.exec(
        select(func.count())
        .select_from(EmailVerification)
        .where(EmailVerification.account_id == account.id, EmailVerification.created_at > now - timedelta(hours=1))
    ).one()
    if sent >= settings.email_codes_per_hour:
        raise ServiceError(
            f"{sent} codes were sent within the last hour; use the newest, or ask again later",
            code=ErrorCode.TOO_MANY_ATTEMPTS,
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = EmailVerification(
        account_id=account.id,
        email=account.email,
        code_hash=_code_digest(account.id, account.email, code),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.email_code_minutes),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    text = _VERIFICATION_TEXT.format(code=code, minutes=settings.email_code_minutes, email=account.email)
    message = compose(sender=settings.mail_from, to=account.email, subject=_VERIFICATION_SUBJECT, text=text)
    return VerificationCode(verification_id=row.id, message=message)


def discard_verification_code(session: Session, verification_id: int) -> None:
    """Forget a code whose message could not be sent, so it counts against no limit."""
    session.exec(delete(EmailVerification).where(col(EmailVerification.id) == verification_id))


def verify_email(session: Session, account: Account, code: str) -> Account:
    """Mark ``account``'s address verified when ``code`` is the newest code sent there, unexpired and unused.

    A wrong code counts (committed, as the refusal rolls back) against that code; after
    :data:`MAX_CODE_ATTEMPTS` it is dead (``TOO_MANY_ATTEMPTS``).  A code that is not 8 digits (spaces and
    hyphens aside) is refused without counting.  Refusals are ``INVALID`` on field ``code``; an account
    already verified is ``INVALID_TRANSITION``.  Audited (``account.verify_email``).
    """
    assert account.id is not None
    if account.email_verified_at is not None:
        raise ServiceError("the e-mail address is already verified", code=ErrorCode.INVALID_TRANSITION)
    typed = (code or "").translate(_CODE_SEPARATORS)
    if not _CODE.fullmatch(typed):
        raise ServiceError(f"the code has {CODE_DIGITS} digits", field="code")
    row = session.exec(
        select(EmailVerification)
        .where(EmailVerification.account_id == account.id)
        .order_by(col(EmailVerification.id).desc())
        .limit(1)
    ).first()
    now = utcnow()
    if row is None or row.email != account.email or row.used_at is not None:
        raise ServiceError("no code was sent to this address; ask for one (requestEmailVerification)", field="code")
    if row.attempts >= MAX_CODE_ATTEMPTS:
        raise ServiceError(
            "too many wrong codes; ask for a new one (requestEmailVerification)",
            field="code",
            code=ErrorCode.TOO_MANY_ATTEMPTS,
        )
    if _aware(row.expires_at) <= now:
        raise ServiceError("the code has expired; ask for a new one (requestEmailVerification)", field="code")
    live = (
        col(EmailVerification.id) == row.id,
        col(EmailVerification.used_at).is_(None),
        col(EmailVerification.attempts) < MAX_CODE_ATTEMPTS,
    )
    if not secrets.compare_digest(row.code_hash, _code_digest(account.id, account.email, typed)):
        left = max(MAX_CODE_ATTEMPTS - row.attempts - 1, 0)
        # Counted in the database, so concurrent guesses cannot share one try.
        session.exec(update(EmailVerification).where(*live).values(attempts=EmailVerification.attempts + 1))
        session.commit()
        raise ServiceError(f"the code is wrong; {left} tries left", field="code")
    if not session.exec(update(EmailVerification).where(*live).values(used_at=now)).rowcount:
        raise ServiceError("the code was already used", field="code")
    before = snapshot(account, exclude=("password_hash",))
    account.email_verified_at = now
    audit_row(session, account, actor=account, action="account.verify_email", before=before, exclude=("password_hash",))
    # The address is proved: what was waiting for it (invitations sent there) attaches now.
    identity.link_after_verification(session, account)
    return account
