"""Real peers the tests talk to, started by fixtures; twilio/ holds Twilio's OpenAPI description.

- ``azure_speech``: a stand-in for Azure AI Speech's REST API, for audio and for service errors.
- ``push_service``: a Web Push service that verifies VAPID and decrypts what it receives.
- ``smtp_sink``: real SMTP servers (aiosmtpd) that record what they are sent.
- ``twilio_api``: Prism serving Twilio's OpenAPI description, refusing what the spec refuses.
- ``webhook_receiver``: a Standard Webhooks receiver that verifies signatures and fails on demand.
"""
