"""Email plugins: the RFC 5322 form and the smtp plugin.

- ``format``: The RFC 5322 form of an EmailEnvelope, shared by every plugin that writes or sends email.
- ``wire``: An email as the bytes SMTP's DATA carries, with what the emails of one message share built once.
- ``connection``: SMTP connections for the ``smtp`` plugin: one per worker thread, reused across batches.
- ``transfer``: Mail transactions over one SMTP connection, pipelined where the server offers it (RFC 2920).
- ``smtp``: The ``smtp`` email plugin: multipart HTML + text over SMTP, one connection per worker thread,
  pipelined where the server offers it.
"""
