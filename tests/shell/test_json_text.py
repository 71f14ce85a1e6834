"""GraphQL answers over HTTP are encoded by orjson (homeroom.routes.json_text, issue 17 Speed):
the same values the standard library gave, as text, and what orjson cannot encode still encodes
as it did before."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from homeroom.routes.json_text import json_text

ANSWER = {"data": {"viewer": {"id": "VXNlcjox", "firstName": "Zoë", "note": "line\nbreak \u2028 \"quoted\"",
                              "count": 3, "ratio": 0.25, "missing": None, "flags": [True, False]}},
          "errors": [{"message": "Not found", "path": ["node", 0], "extensions": {"code": "NOT_FOUND"}}]}


def test_issue_17_answers_encode_to_the_same_values_as_before():
    text = json_text(ANSWER)
    assert isinstance(text, str)  # a WebSocket frame stays a text frame
    assert json.loads(text) == json.loads(json.dumps(ANSWER)) == ANSWER


def test_issue_17_a_value_orjson_refuses_is_encoded_as_the_standard_library_did():
    assert json_text({"extensions": {"big": 2**70}}) == '{"extensions":{"big":1180591620717411303424}}'
    assert json.loads(json_text({"at": [1, 2**64, "é"]})) == {"at": [1, 2**64, "é"]}
    # A lone surrogate (JSON allows "\ud800"; UTF-8 cannot hold it): escaped, as before, so the
    # text can still be sent as UTF-8.
    lone = json_text({"message": "Unknown operation named \"\ud800\"."})
    assert lone == json.dumps({"message": "Unknown operation named \"\ud800\"."}, separators=(",", ":"))
    lone.encode("utf-8")


@dataclasses.dataclass
class Row:
    name: str


@pytest.mark.parametrize("value", [dt.date(2026, 12, 5), dt.datetime(2026, 12, 5, 12, 0), Row("x")])
def test_issue_17_a_value_the_standard_library_refused_is_still_refused(value):
    """A date or a dataclass is no JSON an answer may carry: encoding it fails loudly, as it did."""
    with pytest.raises(TypeError):
        json_text({"extensions": {"value": value}})


def test_issue_17_a_lone_surrogate_in_an_operation_name_is_a_400_not_a_server_error(client):
    """Found by review: strawberry quotes an unknown operationName in its error, and a lone
    surrogate there made the orjson fallback return text that could not be sent (500)."""
    body = '{"query": "query A { __typename } query B { __typename }", "operationName": "\\ud800"}'
    answered = client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert answered.status_code == 400
    [error] = answered.json()["errors"]
    assert error["message"] == 'Unknown operation named "\ud800".' and error["extensions"]["code"] == "BAD_REQUEST"
