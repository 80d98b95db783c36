"""Service settings, read from the environment (and a ``.env`` file) by pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEVELOPMENT_SECRET", "Settings", "get_settings"]

# Used only when the service runs in demo mode; never accepted otherwise.
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
    demo: bool = Field(default=False, description="Demo mode: demo data and the development secret allowed.")
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    seeds_dir: Path = Field(default=_REPO_ROOT / "seeds", description="Vocabularies and demo data.")
    max_page_size: int = 100
    max_string_length: int = 10_000

    @property
    def skills_path(self) -> Path:
        return self.seeds_dir / "skills.json"

    def signing_secret(self) -> str:
        """The token secret; the development secret only in demo mode."""
        if self.secret_key:
            return self.secret_key
        if self.demo:
            return DEVELOPMENT_SECRET
        raise RuntimeError("GUILU_SECRET_KEY is not set; set it, or run in demo mode (guilu serve --demo).")


@lru_cache
def get_settings() -> Settings:
    return Settings()
