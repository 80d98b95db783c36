"""Service settings, read from the environment (and a ``.env`` file) by pydantic-settings."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.mail import SmtpServer

__all__ = ["DEVELOPMENT_SECRET", "Settings", "demo_secret", "get_settings"]

# Signed demo tokens until Guilu 0.1 and is public, so it is refused as GUILU_SECRET_KEY in every mode.
DEVELOPMENT_SECRET = "guilu-development-secret-not-for-production"

_REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    ``DATABASE_URL`` has no prefix (the usual name for it); every other
    variable starts with ``GUILU_``.
    """

    model_config = SettingsConfigDict(env_prefix="GUILU_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///guilu.db",
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; postgresql+psycopg://user@host/db selects PostgreSQL.",
    )
    secret_key: str | None = Field(
        default=None, min_length=32, description="Signs access tokens (HS256); at least 32 characters."
    )
    demo: bool = Field(
        default=False, description="Demo mode: demo data, and tokens signed with a random secret when none is set."
    )
    access_token_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Lifetime of an access token; refresh tokens renew it."
    )
    refresh_token_days: int = Field(default=30, ge=1, le=365, description="Lifetime of a refresh token.")
    login_max_failures_per_email: int = Field(
        default=5, ge=1, description="Failed log-ins for one e-mail within the window that lock it."
    )
    login_max_failures_per_address: int = Field(
        default=20, ge=1, description="Failed log-ins from one client address within the window that lock it."
    )
    login_failure_window_minutes: int = Field(default=15, ge=1, description="How far back failed log-ins count.")
    login_lockout_minutes: int = Field(default=15, ge=1, description="How long a lock-out lasts.")
    smtp_url: SecretStr | None = Field(
        default=None,
        description="smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]: where mail is sent "
        "(see api/mail.py); unset: demo mode logs messages, otherwise they cannot be sent.",
    )
    mail_from: str = Field(
        default="Guilu <noreply@guilu.localhost>", max_length=254, description="The From of every message sent."
    )
    smtp_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How long to wait for each answer of the mail server; keep it below the operation timeout.",
    )
    email_code_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="How long an e-mail verification code stays valid."
    )
    email_codes_per_hour: int = Field(
        default=5, ge=1, description="Verification codes one account may be sent within an hour."
    )
    seeds_dir: Path = Field(default=_REPO_ROOT / "seeds", description="Vocabularies and demo data.")
    max_page_size: int = 100
    max_string_length: int = 10_000
    max_query_cost: int = Field(
        default=1000, ge=1, description="Most points one operation may cost (see api/graphql/cost.py)."
    )
    throttle_capacity: int = Field(
        default=5000, ge=1, description="Points a client's full bucket holds: a burst of five maximum-cost queries."
    )
    throttle_restore_rate: float = Field(default=100, gt=0, description="Points restored to a bucket per second.")
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db: throttle buckets shared by every worker; in process if unset."
    )
    redis_key_prefix: str = Field(default="guilu:", description="Put before every key Guilu writes to Redis.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="`json`: every log record of `guilu serve` as one JSON object per line."
    )
    production: bool = Field(
        default=False,
        description="Production mode: refuses to start without a real secret or in demo mode; "
        "introspection and field suggestions default to off.",
    )
    introspection: bool | None = Field(
        default=None, description="Allow schema introspection; by default on outside production, off in it."
    )
    field_suggestions: bool | None = Field(
        default=None, description='"Did you mean ...?" in error messages; by default on outside production, off in it.'
    )
    trusted_documents: Path | None = Field(
        default=None,
        description="A JSON manifest {sha256 hex: document}; when set, only its documents are executed.",
    )
    max_body_bytes: int = Field(
        default=6 * 1024 * 1024,
        ge=1,
        description="Largest request body accepted (HTTP 413); room for a 5 MB importCreditRecords file. "
        "1048576 (1 MiB) is enough when credit files are imported with the command line only.",
    )
    ops_endpoints: Literal["public", "private"] | None = Field(
        default=None,
        description="`/metrics` and `/readyz`: `public` answers anyone; `private` answers local clients (127.0.0.1, "
        "::1) and requests with `Authorization: Bearer <GUILU_METRICS_TOKEN>`, others get 403. "
        "By default private in production, public outside it.",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=32,
        description="Opens private `/metrics` and `/readyz` to a remote scraper or probe (as a bearer token).",
    )
    operation_timeout_seconds: float = Field(
        default=10.0, gt=0, description="An operation running longer is stopped with a TIMEOUT error."
    )
    semantic_similarity: bool = Field(
        default=True,
        description="Grade skills and fields of study by meaning too (matching.semantic), beyond the vocabulary.",
    )
    text_vectors_path: Path | None = Field(
        default=Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "guilu" / "text-vectors.npz",
        description="Cache file of the embeddings of texts outside the vocabulary (written by the engine; "
        "empty: kept in memory only).",
    )

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_names_a_server(cls, url: SecretStr | None) -> SecretStr | None:
        if url is None or not url.get_secret_value():
            return None  # GUILU_SMTP_URL= (empty) reads as unset
        SmtpServer.from_url(url.get_secret_value())
        return url

    @property
    def skills_path(self) -> Path:
        return self.seeds_dir / "skills.json"

    @property
    def skill_vectors_path(self) -> Path:
        """Embeddings of the vocabulary's surface forms (``guilu embed-vocabulary`` writes them)."""
        return self.seeds_dir / "skill_vectors.npz"

    @property
    def introspection_enabled(self) -> bool:
        """``GUILU_INTROSPECTION`` if set, else on outside production mode."""
        return self.introspection if self.introspection is not None else not self.production

    @property
    def field_suggestions_enabled(self) -> bool:
        """``GUILU_FIELD_SUGGESTIONS`` if set, else on outside production mode."""
        return self.field_suggestions if self.field_suggestions is not None else not self.production

    @property
    def ops_endpoints_private(self) -> bool:
        """``GUILU_OPS_ENDPOINTS`` if set, else private in production mode."""
        return self.ops_endpoints == "private" if self.ops_endpoints is not None else self.production

    def check_production(self) -> None:
        """Refuse settings unfit for production when ``GUILU_PRODUCTION`` is on.

        Raises
        ------
        RuntimeError
            Naming every problem: demo mode, no ``GUILU_SECRET_KEY``, or the development secret.
        """
        if not self.production:
            return
        problems = []
        if self.demo:
            problems.append("demo mode is on (GUILU_DEMO or --demo)")
        if not self.secret_key:
            problems.append("GUILU_SECRET_KEY is not set")
        elif self.secret_key == DEVELOPMENT_SECRET:
            problems.append("GUILU_SECRET_KEY is the development secret")
        if problems:
            raise RuntimeError("refusing to start in production mode (GUILU_PRODUCTION): " + "; ".join(problems) + ".")

    def signing_secret(self) -> str:
        """The token secret: ``GUILU_SECRET_KEY``, or in demo mode without it a random one of this process.

        ``guilu serve --demo`` draws that secret once and hands it to its workers as ``GUILU_SECRET_KEY``,
        so they accept each other's tokens. The public :data:`DEVELOPMENT_SECRET` is refused in every mode.
        """
        if self.secret_key == DEVELOPMENT_SECRET:
            raise RuntimeError(
                "GUILU_SECRET_KEY is the public development secret, with which anyone can sign tokens; "
                "set a random one (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if self.secret_key:
            return self.secret_key
        if self.demo:
            return demo_secret()
        raise RuntimeError("GUILU_SECRET_KEY is not set; set it, or run in demo mode (guilu serve --demo).")


@lru_cache(maxsize=1)
def demo_secret() -> str:
    """A random token secret drawn once per process, for demo mode without ``GUILU_SECRET_KEY``."""
    return secrets.token_urlsafe(32)


@lru_cache
def get_settings() -> Settings:
    return Settings()
