"""One redaction filter for every log line (issue 16 point 8): logs carry ids, never email
addresses, phone numbers, bearer tokens, JWTs, partner-key or webhook secrets, or password and token
values; the app factory and the CLI install it on the handlers there are."""

from __future__ import annotations

import io
import logging

import pytest

from homeroom.log_redaction import RedactionFilter, install_redaction

SECRETS = {
    "email": "ann.lee+pta@example.org",
    "e164": "+13125550147",
    "spaced international": "+44 20 7946 0958",
    "north american": "(312) 555-0199",
    "dotted": "312.555.0142",
    "bearer": "Bearer abc123.def456-ghi789",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLWJ5dGVz",
    "partner key": "hrk_live_8f3Kq9ZtXw2LmN4p",
    "webhook secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "password": "password=hunter2-correct-horse",
    "token": "/unsubscribe?token=s3cr3t-t0k3n&lang=en",
    "path token": "/unsubscribe/eyA1LjE3MDAwMDAwMDAuQUJDREVGR0hJSktMTU5P",
    "dsn": "postgresql://homeroom:db-pa55word@db.internal/homeroom",
}
SECRET_PARTS = ["ann.lee", "3125550147", "7946 0958", "555-0199", "555.0142", "abc123.def456", "eyJhbGciOiJIUzI1NiJ9",
                "8f3Kq9ZtXw2LmN4p", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "hunter2", "s3cr3t-t0k3n",
                "eyA1LjE3MDAwMDAwMDAuQUJDREVGR0hJSktMTU5P", "db-pa55word"]


@pytest.fixture
def captured():
    """A logger with a handler writing to a buffer, as a deployment's handlers are; removed after."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(request_id)s %(message)s"))
    logger = logging.getLogger("homeroom.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, handler, stream
    logger.removeHandler(handler)


def test_issue_16_point_8_every_kind_of_secret_and_personal_datum_is_redacted(captured):
    """Issue 16 point 8: one line per kind, in the message and in its arguments, and in an
    exception's text; the ids and times around them stay."""
    logger, handler, stream = captured
    install_redaction()
    assert any(isinstance(f, RedactionFilter) for f in handler.filters)
    for kind, value in SECRETS.items():
        logger.info("delivery 4711 (%s) to %s at 2026-12-03 14:05:09 from 10.0.0.7", kind, value)
        logger.info(f"inline {kind}: {value} for message 815")
    try:
        raise ValueError(f"SMTP said 550 <{SECRETS['email']}> rejected; call {SECRETS['e164']}")
    except ValueError:
        logger.exception("send of delivery 4712 failed")
    output = stream.getvalue()
    leaked = [part for part in SECRET_PARTS if part in output]
    assert leaked == [], output
    assert output.count("[redacted]") >= 2 * len(SECRETS) + 2
    assert output.count("delivery 4711") == len(SECRETS) and "2026-12-03 14:05:09" in output
    assert "10.0.0.7" in output and "message 815" in output and "delivery 4712" in output
    assert "password=[redacted]" in output and "token=[redacted]&lang=en" in output


def test_issue_16_point_8_the_app_factory_and_the_cli_install_the_filter(runtime):
    """Issue 16 point 8: building the app, and running any `homeroom` command, put the filter on
    every handler there is (here, one added since the session's app was built)."""
    from typer.testing import CliRunner

    from homeroom.app import create_app
    from homeroom.cli.main import app as cli

    for install in (lambda: create_app(runtime=runtime, run_worker=False),
                    lambda: CliRunner().invoke(cli, ["audit", "--help"])):
        handler = logging.StreamHandler(io.StringIO())
        logging.getLogger("homeroom.test.factory").addHandler(handler)
        try:
            install()
            assert any(isinstance(f, RedactionFilter) for f in handler.filters)
        finally:
            logging.getLogger("homeroom.test.factory").removeHandler(handler)


def test_issue_16_point_8_log_lines_carry_the_request_id(client, engine, captured):
    """Issue 16 point 8: a line logged while a request is served names its X-Request-ID, which the
    response echoes and the audit rows carry."""
    from domain.audit.origin import RequestOrigin, request_origin

    logger, _handler, stream = captured
    install_redaction()
    with request_origin(RequestOrigin(request_id="req-42", client_address="10.1.2.3")):
        logger.info("message 9 sent")
    assert "INFO req-42 message 9 sent" in stream.getvalue()
    response = client.get("/healthz", headers={"X-Request-ID": "abc.DEF-1"})
    assert response.headers["x-request-id"] == "abc.DEF-1"
    generated = client.get("/healthz", headers={"X-Request-ID": "not valid: spaces"}).headers["x-request-id"]
    assert generated != "not valid: spaces" and len(generated) == 32


def test_issue_16_point_8_uvicorn_access_lines_keep_their_shape_and_lose_their_tokens(captured):
    """Issue 16 point 8: uvicorn's access formatter unpacks the record's arguments itself; the
    filter keeps them a 5-tuple, with the path's token redacted."""
    from uvicorn.logging import AccessFormatter

    logger, handler, stream = captured
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    install_redaction()
    logger.info('%s - "%s %s HTTP/%s" %d', "10.0.0.9:5123", "GET", "/unsubscribe?token=abcdef123456", "1.1", 200)
    assert stream.getvalue().strip() == '10.0.0.9:5123 - "GET /unsubscribe?token=[redacted] HTTP/1.1" 200 OK'
