"""Twilio plugins: the shared account config, SMS and voice.

- ``common``: What Homeroom's Twilio plugins share: the account's config, an SDK client whose one HTTP session is reused for a batch, and the X-Twilio-Signature check of callbacks.
- ``sms``: The ``twilio`` SMS plugin, on the official Twilio SDK.
- ``twiml``: Every TwiML document Homeroom answers Twilio with, in one place.
- ``voice``: The ``twilio-voice`` plugin: calls placed with the official Twilio SDK.
"""
