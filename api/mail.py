"""Outgoing e-mail: the standard library's SMTP client, run in a worker thread so it never blocks the event loop.

The server is ``GUILU_SMTP_URL``, one of

- ``smtp://[user:password@]host[:port]``: plain SMTP (port 25 by default), for a relay on the same host;
- ``smtp+starttls://[user:password@]host[:port]``: STARTTLS, required (port 587 by default);
- ``smtps://[user:password@]host[:port]``: TLS from the first byte (port 465 by default).

User and password are percent-decoded; TLS checks the server's certificate against the system's authorities.
Without ``GUILU_SMTP_URL``, demo mode logs each message (the ``guilu`` logger, level WARNING) instead of sending
it, and outside demo mode sending fails with :class:`MailNotSent`.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from api.config import Settings

__all__ = ["MailNotSent", "SmtpServer", "compose", "deliver"]

log = logging.getLogger("guilu")

Security = Literal["none", "starttls", "tls"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


class MailNotSent(Exception):
    """The message did not reach the mail server; the text says why, for the user."""


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to hand messages over: parsed from ``GUILU_SMTP_URL``."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """The server ``url`` names; ``ValueError`` (naming ``GUILU_SMTP_URL``, never the password) otherwise."""
        parts = urlsplit(url)
        scheme = _SCHEMES.get(parts.scheme.lower())
        if scheme is None:
            raise ValueError("GUILU_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("GUILU_SMTP_URL has a port that is not a number from 1 to 65535") from None
        if not parts.hostname:
            raise ValueError("GUILU_SMTP_URL names no host, as in smtp://127.0.0.1:8025")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("GUILU_SMTP_URL must be scheme://[user:password@]host[:port], with nothing after")
        security, default_port = scheme
        return cls(
            host=parts.hostname,
            port=port or default_port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )

    def send(self, message: EmailMessage, *, timeout: float) -> None:
        """Hand ``message`` over (blocking); :class:`MailNotSent` when the server cannot be reached or refuses."""
        try:
            if self.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.username is not None:
                    client.login(self.username, self.password or "")
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            log.warning("mail to %s not sent via %s:%d: %r", message["To"], self.host, self.port, error)
            raise MailNotSent("the mail server could not be reached or refused the message; try again later") from None


def compose(*, sender: str, to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text UTF-8 message."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(addr_spec=to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message.set_content(text)
    return message


async def deliver(message: EmailMessage, *, settings: Settings) -> None:
    """Send ``message`` through ``GUILU_SMTP_URL`` off the event loop (or, in demo mode without it, log it).

    Raises
    ------
    MailNotSent
        No server is configured outside demo mode, or the server could not be reached or refused.
    """
    if settings.smtp_url is None:
        if not settings.demo:
            raise MailNotSent("no mail server is configured (GUILU_SMTP_URL), so no message can be sent")
        log.warning(
            "no mail server (GUILU_SMTP_URL unset): demo mode logs the message instead of sending it\n"
            "To: %s\nSubject: %s\n\n%s",
            message["To"],
            message["Subject"],
            message.get_content(),
        )
        return
    server = SmtpServer.from_url(settings.smtp_url.get_secret_value())
    await asyncio.to_thread(server.send, message, timeout=settings.smtp_timeout_seconds)
