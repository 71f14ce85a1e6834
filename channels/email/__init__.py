"""Email plugins: the RFC 5322 form and the smtp plugin.

- ``format``: The RFC 5322 form of an EmailEnvelope, shared by every plugin that writes or sends email.
- ``smtp``: The ``smtp`` email plugin: multipart HTML + text over SMTP (aiosmtplib), one connection per batch.
"""
