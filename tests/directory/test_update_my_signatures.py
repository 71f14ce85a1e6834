"""updateMySignatures (SET-07): an SMS signature past 300 characters is TOO_LONG, a field error
(issue 14 point 5), and neither signature changes."""

from __future__ import annotations

from helpers import gql, make_user
from models.directory import Role

SIGNATURES = """mutation($e: String, $s: String) { updateMySignatures(emailSignature: $e, smsSignature: $s) {
  __typename ... on Signatures { emailSignature smsSignature }
  ... on UpdateMySignaturesErrors { errors { path field code message } } } }"""
MINE = "{ viewer { settings { emailSignature smsSignature } } }"


def test_set_07_an_sms_signature_past_300_characters_is_too_long(client, engine):
    """Covers SET-07: 301 characters are TOO_LONG on smsSignature and nothing is saved; 300 are saved."""
    token = make_user(engine, Role.TEACHER)
    saved = gql(client, SIGNATURES, {"e": "<p>Ms. Ruiz</p>", "s": "- Ms. Ruiz"}, token)["data"]["updateMySignatures"]
    assert saved["__typename"] == "Signatures", saved
    body = gql(client, SIGNATURES, {"e": "<p>Other</p>", "s": "x" * 301}, token)
    assert "errors" not in body, body
    [error] = body["data"]["updateMySignatures"]["errors"]
    assert (error["path"], error["code"]) == (["smsSignature"], "TOO_LONG"), body
    assert gql(client, MINE, token=token)["data"]["viewer"]["settings"] == {
        "emailSignature": saved["emailSignature"], "smsSignature": "- Ms. Ruiz"}
    assert gql(client, SIGNATURES, {"s": "y" * 300}, token)["data"]["updateMySignatures"]["smsSignature"] == "y" * 300
