"""INB-11, INB-13: a message containing a flagged word is flagged; its emails open with the fixed
disclaimer (checked on what a real SMTP server received) and the report marks it (RPT-01)."""

from __future__ import annotations

from factories import add_contact, add_student, email, first_school_id
from helpers import gid, gql, token_for
from peers.smtp_sink import send_through
from shared_steps import REPORT

DISCLAIMER = ("Disclaimer: The following message has been automatically flagged for inappropriate content. "
              "Reader discretion is advised.")
MESSAGE = """query($id: ID!) { message(id: $id) { flagged } }"""
THREAD = """query($id: ID!) { recipientThread(recipientKind: CONTACT, recipientId: $id) {
  entries { edges { node { message { flagged htmlBody } } } } } }"""


def test_inb_11_inb_13_a_flagged_message_is_marked_and_its_email_opens_with_the_disclaimer(
        client, engine, mailbox):  # noqa: F811
    """Covers INB-11, INB-13, RPT-01: with "fight" on the district's list, a message whose body
    says "FIGHT," (any case, a whole word) is flagged; its content is hidden behind the
    placeholder in the conversation, even from its author; the email the family receives opens
    with the disclaimer in both parts; the report and the message show the flag. A message with
    "firefighter" (not the whole word) is neither flagged, hidden nor prefixed."""
    token = token_for(engine, "admin")
    gql(client, """mutation { setFlaggedWords(words: ["fight"]) { __typename } }""", token=token)
    try:
        kids = [add_student(engine, first_school_id(engine)) for _ in range(2)]
        contacts = [add_contact(engine, kid, email=email()) for kid in kids]
        flagged = send_through(engine, mailbox, [kids[0]], html_body="<p>There was a FIGHT, at recess.</p>",
                               subject="Recess report")
        clean = send_through(engine, mailbox, [kids[1]], html_body="<p>The firefighter visits Friday.</p>",
                             subject="Recess report")
    finally:
        gql(client, "mutation { setFlaggedWords(words: []) { __typename } }", token=token)
    [(_, flagged_email), (_, clean_email)] = mailbox.received
    assert flagged_email.get_body(preferencelist=("plain",)).get_content().startswith(DISCLAIMER)
    html = flagged_email.get_body(preferencelist=("html",)).get_content()
    assert html.index(DISCLAIMER) < html.index("There was a FIGHT")
    assert DISCLAIMER not in clean_email.get_body(preferencelist=("plain",)).get_content()
    assert gql(client, MESSAGE, {"id": gid("Message", flagged)}, token)["data"]["message"] == {"flagged": True}
    assert gql(client, MESSAGE, {"id": gid("Message", clean)}, token)["data"]["message"] == {"flagged": False}
    rows = gql(client, REPORT, {"filter": {"search": "Recess report"}, "first": 10}, token)["data"]
    marks = {edge["node"]["message"]["id"]: edge["node"]["flagged"] for edge in rows["communicationReport"]["edges"]}
    assert marks == {gid("Message", flagged): True, gid("Message", clean): False}
    [flagged_entry] = gql(client, THREAD, {"id": gid("Contact", contacts[0])}, token)["data"]["recipientThread"]["entries"]["edges"]
    assert flagged_entry["node"]["message"] == {"flagged": True, "htmlBody": "<p>Message Content Flagged</p>"}
    [clean_entry] = gql(client, THREAD, {"id": gid("Contact", contacts[1])}, token)["data"]["recipientThread"]["entries"]["edges"]
    assert clean_entry["node"]["message"] == {"flagged": False, "htmlBody": "<p>The firefighter visits Friday.</p>"}
