"""One SMTP connection that sends many messages, and a verdict for every failure:

* transient  (4xx, refused connection, timeout, dropped connection): retry later;
* permanent  (5xx for this recipient or this message): stop, count a bounce;
* fatal      (our own set-up is wrong: login refused, sender refused, TLS
              impossible): stop the whole run, touch no address.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from types import TracebackType

from paperscope.config import Settings


@dataclass
class DeliveryError(Exception):
    kind: str  # transient | permanent | fatal
    detail: str
    code: int | None = None
    connection_lost: bool = False  # the connection is gone: stop using it

    def __str__(self) -> str:
        code = f"{self.code} " if self.code else ""
        return f"{code}{self.detail}"


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else raw


def _by_code(code: int, detail: str) -> DeliveryError:
    kind = "permanent" if 500 <= code < 600 else "transient"
    return DeliveryError(kind, detail, code)


class SmtpConnection:
    """Opened lazily on the first message and reused; closed by the context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{s.smtp_host}:{s.smtp_port}"
        try:
            if s.smtp_tls == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=s.smtp_timeout_seconds,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            smtp.ehlo()
            if s.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                "fatal",
                f"SMTP login as {s.smtp_user!r} refused by {where}: "
                f"{_text(exc.smtp_error)}; check PAPERSCOPE_SMTP_USER/PASSWORD",
                exc.smtp_code,
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(
                "fatal", f"{where} does not support what PAPERSCOPE_SMTP_TLS asks ({exc})"
            ) from exc
        except ssl.SSLError as exc:
            raise DeliveryError("fatal", f"TLS with {where} failed: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                "transient",
                f"{where} refused the session: {_text(exc.smtp_error)}",
                exc.smtp_code,
                connection_lost=True,
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                "transient", f"cannot reach SMTP server {where}: {exc}", connection_lost=True
            ) from exc
        return smtp

    def send(self, *, sender: str, recipient: str, body: bytes) -> None:
        """Hand one message to the server; returns once it answered 250 to DATA."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.sendmail(sender, [recipient], body)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _by_code(code, f"recipient {recipient} refused: {_text(reply)}") from exc
        except smtplib.SMTPSenderRefused as exc:
            if 500 <= exc.smtp_code < 600:
                raise DeliveryError(
                    "fatal",
                    f"sender {sender} refused: {_text(exc.smtp_error)}; "
                    "check PAPERSCOPE_SMTP_SENDER",
                    exc.smtp_code,
                ) from exc
            raise _by_code(exc.smtp_code, f"sender refused: {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPDataError as exc:
            raise _by_code(exc.smtp_code, f"message refused: {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            raise DeliveryError(
                "transient", f"connection lost: {exc}", connection_lost=True
            ) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _by_code(exc.smtp_code, _text(exc.smtp_error)) from exc
        except OSError as exc:  # timeouts, resets
            self._drop()
            raise DeliveryError("transient", f"network error: {exc}", connection_lost=True) from exc

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None
