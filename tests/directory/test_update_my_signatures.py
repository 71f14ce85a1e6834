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


def test_issue_17_point_3_a_blank_signature_clears_it_to_null(client, engine):
    """Issue 17 point 3 (absent is null, never ""): a blank signature clears it, and both the
    payload and viewer.settings answer null, as for a signature never saved (SET-07)."""
    token = make_user(engine, Role.TEACHER)
    assert gql(client, SIGNATURES, {"e": "<p>Ms. Ruiz</p>", "s": "- Ms. Ruiz"}, token)["data"]["updateMySignatures"][
        "__typename"] == "Signatures"
    cleared = gql(client, SIGNATURES, {"e": "", "s": "   "}, token)["data"]["updateMySignatures"]
    assert cleared == {"__typename": "Signatures", "emailSignature": None, "smsSignature": None}
    assert gql(client, MINE, token=token)["data"]["viewer"]["settings"] == {"emailSignature": None,
                                                                             "smsSignature": None}
