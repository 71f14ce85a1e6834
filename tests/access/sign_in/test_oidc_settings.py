"""HOMEROOM_OIDC_ISSUERS is validated at start-up with a message naming the entry and the field
(issue 16 point 1)."""

from __future__ import annotations

import json

import pytest


def _load(monkeypatch, issuers):
    from homeroom.settings import load_settings

    monkeypatch.setenv("HOMEROOM_OIDC_ISSUERS", issuers if isinstance(issuers, str) else json.dumps(issuers))
    return load_settings()


def test_a_good_list_is_read(monkeypatch):
    """Issue 16 point 1: issuer, audience (one or a list), user_claim (default email), domains."""
    settings = _load(monkeypatch, [
        {"issuer": "https://accounts.google.com", "audience": "1234.apps.googleusercontent.com",
         "allowed_email_domains": ["District.example.org"]},
        {"issuer": "https://login.microsoftonline.com/tenant-id/v2.0", "audience": ["client-id", "api://homeroom"],
         "user_claim": "preferred_username"},
    ])
    google, entra = settings.oidc_issuers
    assert google.audience == ["1234.apps.googleusercontent.com"] and google.user_claim == "email"
    assert google.allowed_email_domains == ["district.example.org"]
    assert entra.audience == ["client-id", "api://homeroom"] and entra.user_claim == "preferred_username"


@pytest.mark.parametrize(("issuers", "message"), [
    ("not json", "not valid JSON"),
    ([{"issuer": "http://idp.example.org", "audience": "x"}], "(entry 1, issuer): issuer 'http://idp.example.org' "
                                                              "must use https"),
    ([{"issuer": "https://idp.example.org"}], "(entry 1, audience): Field required"),
    ([{"issuer": "https://idp.example.org", "audience": []}], "(entry 1, audience): audience must be"),
    ([{"issuer": "https://idp.example.org", "audience": "x", "user_claim": "a b"}], "is not a claim name"),
    ([{"issuer": "https://idp.example.org", "audience": "x", "allowed_email_domains": ["not a domain"]}],
     "is not a domain name"),
    ([{"issuer": "https://idp.example.org", "audience": "x", "client_secret": "s"}], "Extra inputs"),
    ([{"issuer": "https://idp.example.org", "audience": "x", "user_claim": "upn", "allowed_email_domains": ["a.org"]}],
     "applies only with user_claim \"email\""),
    ([{"issuer": "https://idp.example.org", "audience": "x"}, {"issuer": "https://idp.example.org", "audience": "y"}],
     "more than once"),
])
def test_bad_issuers_stop_start_up_with_a_clear_message(monkeypatch, issuers, message):
    """Issue 16 point 1: each bad entry stops start-up naming HOMEROOM_OIDC_ISSUERS and what is wrong."""
    from homeroom.settings import SettingsError

    with pytest.raises(SettingsError) as stopped:
        _load(monkeypatch, issuers)
    assert str(stopped.value).startswith("invalid setting HOMEROOM_OIDC_ISSUERS"), str(stopped.value)
    assert message in str(stopped.value)
