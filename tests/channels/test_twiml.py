"""channels.twilio.twiml builds every TwiML document Homeroom answers Twilio with (issue 14 point 1:
channels/twilio owns all TwiML); what a sender wrote is escaped and never becomes markup (VOI-07)."""

from __future__ import annotations

from channels.twilio import twiml

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def test_say_reads_the_script_in_its_locale_and_escapes_it():
    assert twiml.say("Ben <Jr> & co", "es-MX") == (
        f'{DECLARATION}<Response><Say language="es-US">Ben &lt;Jr&gt; &amp; co</Say></Response>')
    assert 'language="en-US"' in twiml.say("Hello", "xx")  # an unknown language: US English


def test_play_hangup_inline_say_and_message():
    assert twiml.play("https://hr.example.org/voice/audio/a&b") == (
        f"{DECLARATION}<Response><Play>https://hr.example.org/voice/audio/a&amp;b</Play></Response>")
    assert twiml.hangup() == f"{DECLARATION}<Response><Hangup/></Response>"
    assert twiml.inline_say("Test <call>") == "<Response><Say>Test &lt;call&gt;</Say></Response>"
    assert twiml.message("Reply STOP & save") == (
        f"{DECLARATION}<Response><Message>Reply STOP &amp; save</Message></Response>")
    assert twiml.MEDIA_TYPE == "application/xml"
