"""What the sign-in tests share: the trusting app's settings and the rows a refusal must not write."""

from __future__ import annotations

from sqlalchemy import func, select

from helpers import gql

#: The email domain the trusting app links (issue 16 point 1: allowed_email_domains).
ALLOWED_DOMAIN = "staff.example.org"
#: A browser app's origin the trusting app allows (issue 16 point 2).
APP_ORIGIN = "https://app.district.example.org"
VIEWER = "{ viewer { login } }"


def sign_in_rows(engine) -> dict[str, int]:
    """What a refused sign-in must leave unchanged: identities and refresh tokens."""
    from models.sign_in import RefreshToken, SignInIdentity

    with engine.connect() as connection:
        return {table.__tablename__: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (SignInIdentity, RefreshToken)}


def viewer_login(client, token: str) -> str | None:
    """The viewer's login with this bearer token, or None when it is refused (UNAUTHENTICATED)."""
    body = gql(client, VIEWER, token=token)
    if body.get("errors"):
        assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"], body
        return None
    return body["data"]["viewer"]["login"]


def refusal(client, token: str) -> str:
    """The message of the UNAUTHENTICATED error a token gets."""
    body = gql(client, VIEWER, token=token)
    assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], body
    return body["errors"][0]["message"]
