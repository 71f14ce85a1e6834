"""The RFC 5322 form of an EmailEnvelope, shared by every plugin that writes or sends email.

Multipart text + HTML, the files as attachments (ATT-02), Cc and Reply-To when given, a
``Message-ID`` stable per delivery (a resend after a crash carries the same one, so a receiver
that deduplicates by it shows the message once), and, unless it is an emergency,
``List-Unsubscribe`` with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate

from channels.base import EmailEnvelope


def compose_email(envelope: EmailEnvelope, *, from_address: str, message_id_domain: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((envelope.from_name, from_address))
    message["To"] = formataddr((envelope.recipient_name, envelope.to))
    if envelope.cc:
        message["Cc"] = ", ".join(envelope.cc)
    if envelope.reply_to:
        message["Reply-To"] = envelope.reply_to
    message["Subject"] = envelope.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<delivery-{envelope.reference}.{envelope.message_id}@{message_id_domain}>"
    message["X-Homeroom-Delivery"] = envelope.reference
    message["Content-Language"] = envelope.language
    if envelope.unsubscribe_url and not envelope.emergency:
        message["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(envelope.text_body)
    message.add_alternative(envelope.html_body, subtype="html")
    for attachment in envelope.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype or "application",
                               subtype=subtype or "octet-stream", filename=attachment.filename)
    return message
