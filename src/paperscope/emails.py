"""E-mail addresses as people type them: checked against the limits of RFC 5321 (64
characters before the @, 254 in all) and the syntax email-validator knows, and
returned in the normalised form that is stored. Accounts and subscriptions share it."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LOCAL_PART = 64
MAX_ADDRESS = 254


class InvalidEmail(ValueError):
    """The address cannot be used; the message says why."""


def normalise_email(text: str) -> str:
    address = text.strip()
    local, at, _domain = address.rpartition("@")
    if at and len(local) > MAX_LOCAL_PART:
        raise InvalidEmail(
            f"The part before the @ is {len(local)} characters long; "
            f"e-mail addresses allow at most {MAX_LOCAL_PART} there."
        )
    if len(address) > MAX_ADDRESS:
        raise InvalidEmail(
            f"The address is {len(address)} characters long; at most {MAX_ADDRESS} are allowed."
        )
    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from None
