"""The one error type services raise for a request they refuse."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["MAX_ECHO", "ErrorCode", "ServiceError", "shorten"]

# Characters of a caller's own input an error message repeats: whoever sends a megabyte does not get it back.
MAX_ECHO = 64


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    MAIL_UNAVAILABLE = "MAIL_UNAVAILABLE"


class ServiceError(Exception):
    """A refused request: which input ``field`` (or None), a readable message, a stable code."""

    def __init__(self, message: str, *, code: ErrorCode = ErrorCode.INVALID, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` as an error message may repeat it: its first ``limit`` characters, then an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit] + "…"
