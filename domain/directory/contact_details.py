"""Phone numbers and email addresses people type in (CSV imports, re-enrolment forms), checked
and written one way: phones in E.164, emails normalised."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

#: Numbers written without a country code are read as numbers of this region.
DEFAULT_PHONE_REGION = "US"


class BadContactDetail(ValueError):
    """The value is not a phone number / email address; the message says why, for the person."""


def normalised_phone(text: str) -> str:
    """The number in E.164 (``+13125550100``), or BadContactDetail."""
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise BadContactDetail(f"{text!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalised_email(text: str) -> str:
    """The address as email-validator normalises it (no deliverability lookup), or BadContactDetail."""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise BadContactDetail(f"{text!r} is not a valid email address: {error}") from None
