"""The district's flagged words (issue 13 point 6): a district administration power, bounded in
size, matched by a matcher built once per version of the list."""

from __future__ import annotations

import re

from sqlalchemy import select

from factories import add_user, email, first_school_id, unique
from helpers import gid, gql, pk_of, token_for
from models.db import session_scope
from models.directory import District
from models.messaging import Message

FLAGGED = """mutation($w: [String!]!) { setFlaggedWords(words: $w) { __typename
  ... on FlaggedWords { words } ... on SetFlaggedWordsErrors { errors { field code message } } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id flagged } } } }"""


def stored_words(engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.execute(select(District.flagged_words)).scalar_one())


def test_inb_11_perm_41_a_teacher_with_flag_messages_cannot_rewrite_the_list(client, engine):
    """Covers INB-11, PERM-41 (issue 13 point 6): "Flag Messages" is for flagging messages, not for
    the district's list: the seeded teacher.1 (who holds it) is FORBIDDEN to replace or empty the
    list, which stays as the district administrator set it."""
    admin, teacher = token_for(engine, "admin"), token_for(engine, "teacher.1")
    assert gql(client, FLAGGED, {"w": ["fight"]}, admin)["data"]["setFlaggedWords"] == {
        "__typename": "FlaggedWords", "words": ["fight"]}
    try:
        for words in ([], ["harmless"]):
            body = gql(client, FLAGGED, {"w": words}, teacher)
            assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert body["errors"][0]["extensions"]["permission"] == "Communication District Settings"
        assert stored_words(engine) == ["fight"]
    finally:
        gql(client, FLAGGED, {"w": []}, admin)


def test_inb_11_the_list_is_bounded_and_a_refused_list_changes_nothing(client, engine):
    """Covers INB-11, INB-12 (issue 13 point 6): more than 1,000 words is TOO_MANY on "words", a word
    of more than 100 characters is TOO_LONG at its index; either way the stored list is unchanged.
    1,000 words of 100 characters are accepted; an empty list turns flagging off."""
    admin = token_for(engine, "admin")
    gql(client, FLAGGED, {"w": ["fight"]}, admin)
    try:
        too_many = gql(client, FLAGGED, {"w": [f"word{n}" for n in range(1_001)]}, admin)["data"]["setFlaggedWords"]
        assert too_many["__typename"] == "SetFlaggedWordsErrors"
        assert [(e["field"], e["code"]) for e in too_many["errors"]] == [("words", "TOO_MANY")]
        too_long = gql(client, FLAGGED, {"w": ["fine", "x" * 101]}, admin)["data"]["setFlaggedWords"]
        assert [(e["field"], e["code"]) for e in too_long["errors"]] == [("words.1", "TOO_LONG")]
        assert stored_words(engine) == ["fight"]
        largest = [f"{n:04d}" + "w" * 96 for n in range(1_000)]
        accepted = gql(client, FLAGGED, {"w": largest}, admin)["data"]["setFlaggedWords"]
        assert accepted["__typename"] == "FlaggedWords" and len(accepted["words"]) == 1_000
        assert gql(client, FLAGGED, {"w": []}, admin)["data"]["setFlaggedWords"]["words"] == []
        assert stored_words(engine) == []
    finally:
        gql(client, FLAGGED, {"w": []}, admin)


def test_inb_11_the_matcher_is_built_once_per_version_of_the_list(client, engine):
    """Covers INB-11 (issue 13 point 6): sends check the list without rebuilding its matcher: two
    sends after a change build it once, the next change builds a new one; flagging is still whole
    word and case-blind."""
    from domain.content import flagging

    admin = token_for(engine, "admin")
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                         email=email("colleague"))

    def send(body: str) -> bool:
        result = gql(client, SEND, {"input": {"subject": unique("Flag check "), "htmlBody": f"<p>{body}</p>",
                                              "channels": ["EMAIL"], "staffIds": [gid("User", colleague)]}}, admin)
        sent = result["data"]["sendMessage"]
        assert sent["__typename"] == "SendMessageSuccess", result
        with session_scope(engine) as session:
            assert session.get(Message, pk_of(sent["message"]["id"])).flagged is sent["message"]["flagged"]
        return sent["message"]["flagged"]

    flagging.matcher_for.cache_clear()
    gql(client, FLAGGED, {"w": ["fight", "no way!"]}, admin)
    try:
        assert send("There was a FIGHT, at recess.") is True
        assert send("The firefighter visits Friday.") is False
        assert send("No way! Not again.") is True
        assert flagging.matcher_for.cache_info().misses == 1
        gql(client, FLAGGED, {"w": ["recess"]}, admin)
        assert send("There was a fight at recess.") is True
        assert flagging.matcher_for.cache_info().misses == 2
    finally:
        gql(client, FLAGGED, {"w": []}, admin)


def test_inb_11_the_matcher_flags_exactly_what_whole_word_matching_flags():
    """Covers INB-11, INB-12: the built matcher agrees with matching each word on its own as
    (?<!\\w)word(?!\\w), case-blind, on words, phrases and punctuation."""
    from domain.content.flagging import matcher_for

    words = ("fight", "no way!", "f*ck", "été", "x_y", "#tag", "hate you")
    texts = ("FIGHT!", "firefighter", "fights", "No Way! again", "no wayfarer", "What the F*CK.", "été chaud",
             "étés", "x_y", "x_yz", "a #tag here", "a#tag", "I hate you", "I hate youth", "", "fight\nback")

    def one_by_one(text: str) -> bool:
        lowered = text.lower()
        return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered) for word in words)

    matcher = matcher_for(words)
    assert [matcher.search(text) for text in texts] == [one_by_one(text) for text in texts]
    assert sum(one_by_one(text) for text in texts) >= 7
