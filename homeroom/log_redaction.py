"""One redaction filter for every log line (issue 16 point 8): logs carry ids, never email
addresses, phone numbers, bearer tokens, JWTs, partner-key or webhook secrets, or ``password=`` /
``token=`` values.

``RedactionFilter`` rewrites a record's message (its arguments merged in) and its exception text;
``install_redaction`` puts it on every handler there is, root's included, and on Python's last-resort
handler. The app factory (and again when the server starts, after uvicorn configured its loggers),
the worker and the CLI install it. It also stamps each record with the request id
(``%(request_id)s`` in a format) so a line can be matched with the audit trail.

Patterns over-redact rather than leak: a number written like a phone number is redacted too.
"""

from __future__ import annotations

import logging
import re

from domain.audit.origin import current_origin

REDACTED = "[redacted]"

#: (pattern, replacement), applied in order: secrets and tokens before the shapes inside them.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # password=…, token=… in query strings, form bodies and DSNs (the name stays, the value goes)
    (re.compile(r"(?i)\b((?:[a-z_]*password|passwd|pwd|[a-z_]*token|[a-z_]*secret|api_?key|signature|sig)"
                r"[\"']?\s*[=:]\s*[\"']?)([^&\s\"',;)]+)"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),  # a JWT
    (re.compile(r"\b(?:hrk|whsec|hrr|hrt)_[A-Za-z0-9_+/=-]+"), REDACTED),  # Homeroom's and webhook secrets
    # the capability tokens some routes carry in their path (uvicorn's access log prints paths)
    (re.compile(r"(/(?:unsubscribe|forms/reenrolment|voice/audio|voice/recording|voice))/[A-Za-z0-9._~=-]{16,}"),
     rf"\1/{REDACTED}"),
    # user:password@ in a URL
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"), rf"\1{REDACTED}@"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), REDACTED),  # an email
    (re.compile(r"(?<![\w+])\+[1-9](?:[\s().-]?\d){6,14}\b"), REDACTED),  # E.164, with or without spacing
    # North American and similar: (555) 123-4567, 555-123-4567, 555.123.4567, 1-555-123-4567
    (re.compile(r"(?<![\w.-])(?:1[\s.-])?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"), REDACTED),
)


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactionFilter(logging.Filter):
    """Rewrites the record in place (so every handler after it sees the redacted line); never drops
    one. The message and each argument are redacted apart, keeping the arguments' shape: formatters
    such as uvicorn's access log unpack ``record.args`` themselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "_homeroom_redacted", False):
            if isinstance(record.msg, str):
                record.msg = redact(record.msg)
            else:
                record.msg = redact(str(record.msg))
            if isinstance(record.args, tuple):
                record.args = tuple(_redacted(arg) for arg in record.args)
            elif isinstance(record.args, dict):
                record.args = {key: _redacted(value) for key, value in record.args.items()}
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
            record._homeroom_redacted = True
        if not hasattr(record, "request_id"):
            record.request_id = current_origin().request_id or "-"
        return True


def _redacted(value):
    """An argument as its redacted text; numbers and None stay as they are (``%d`` still formats them)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact(value if isinstance(value, str) else str(value))


_FILTER = RedactionFilter()


def install_redaction() -> None:
    """Put the filter on every handler: root's, every named logger's, and the last-resort one."""
    handlers = list(logging.getLogger().handlers)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            handlers += logger.handlers
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        if not any(isinstance(existing, RedactionFilter) for existing in handler.filters):
            handler.addFilter(_FILTER)
