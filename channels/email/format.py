"""The RFC 5322 form of an EmailEnvelope, shared by every plugin that writes or sends email.

Multipart text + HTML, the files as attachments (ATT-02), Cc and Reply-To when given, a
``Message-ID`` stable per delivery (a resend after a crash carries the same one, so a receiver
that deduplicates by it shows the message once), and, unless it is an emergency,
``List-Unsubscribe`` with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), and
``Auto-Submitted: auto-replied`` on an automatic answer (RFC 3834, SET-08).

Cc addresses get a copy of their own (:func:`compose_cc_copy`), sent apart from the delivery's
message: the same text and headers, but without the reply address, the one-click unsubscribe link
and the signed return path, which stand for the delivery's own recipient. An outside address on
Cc can then neither answer into the family's conversation nor switch off the family's email by an
unsubscribe or a forged bounce (issue 13 point 2).

Header text is one line. Input refuses control characters in subjects and names (issue 13
point 10), but rows written before that may hold them, so display names and the subject are folded
onto one line here rather than raising for the whole batch. An address cannot be folded into
another address: one with control characters raises :class:`UnsendableEmail`, which a plugin
reports as that one delivery's permanent failure. So does one that is not ASCII: no header can
carry it without SMTPUTF8 (RFC 6531), which Homeroom does not use.
"""

from __future__ import annotations

import dataclasses
import re
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from channels.base import EmailEnvelope

#: Characters that never belong in a header: C0 controls (tab and line breaks included), DEL, C1
#: controls, and the Unicode line and paragraph separators (Python's email package folds lines at
#: these as it does at CR and LF).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: The PermanentFailure code for an email whose recipient or Cc address cannot be written.
INVALID_ADDRESS = "INVALID_ADDRESS"


class UnsendableEmail(ValueError):
    """The envelope holds an address no email can carry; the message names the field, not the value."""


def one_line(text: str) -> str:
    """``text`` with each run of control characters (CR/LF among them) folded into one space."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split()) if CONTROL_CHARACTERS.search(text) else text


def _address(value: str, field: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise UnsendableEmail(f"the {field} address contains control characters")
    if not value.isascii():  # a header address must be ASCII (formataddr); SMTPUTF8 is not supported
        raise UnsendableEmail(f"the {field} address is not ASCII")
    return value


def recipient_field(envelope: EmailEnvelope) -> str:
    """The To header's value: the recipient's name (on one line) and address."""
    return formataddr((one_line(envelope.recipient_name), _address(envelope.to, "recipient")))


def cc_field(envelope: EmailEnvelope) -> str | None:
    """The Cc header's value, or None without Cc."""
    return ", ".join(_address(address, "Cc") for address in envelope.cc) if envelope.cc else None


def message_id_field(envelope: EmailEnvelope, message_id_domain: str, *, cc_copy: bool = False) -> str:
    """The Message-ID, stable per delivery (and per delivery's Cc copy)."""
    copy = ".cc" if cc_copy else ""
    return f"<delivery-{envelope.reference}.{envelope.message_id}{copy}@{message_id_domain}>"


def unsubscribe_field(envelope: EmailEnvelope) -> str | None:
    """List-Unsubscribe's value (RFC 8058 one-click), or None: emergencies carry none."""
    return f"<{envelope.unsubscribe_url}>" if envelope.unsubscribe_url and not envelope.emergency else None


#: List-Unsubscribe-Post's one value, sent with every List-Unsubscribe (RFC 8058).
ONE_CLICK = "List-Unsubscribe=One-Click"


def cc_copy_envelope(envelope: EmailEnvelope) -> EmailEnvelope:
    """What the Cc copy is composed from: the delivery without its reply address, unsubscribe
    link and signed return path, which stand for the delivery's own recipient."""
    return dataclasses.replace(envelope, reply_to=None, unsubscribe_url=None, return_path=None)


def compose_email(envelope: EmailEnvelope, *, from_address: str, message_id_domain: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((one_line(envelope.from_name), from_address))
    message["To"] = recipient_field(envelope)
    if envelope.cc:
        message["Cc"] = cc_field(envelope)
    if envelope.reply_to:
        message["Reply-To"] = envelope.reply_to
    message["Subject"] = one_line(envelope.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id_field(envelope, message_id_domain)
    message["X-Homeroom-Delivery"] = envelope.reference
    if envelope.auto_replied:  # RFC 3834 section 5: an automatic response says so
        message["Auto-Submitted"] = "auto-replied"
    unsubscribe = unsubscribe_field(envelope)
    if unsubscribe:
        message["List-Unsubscribe"] = unsubscribe
        message["List-Unsubscribe-Post"] = ONE_CLICK
    message.set_content(envelope.text_body)
    message.add_alternative(envelope.html_body, subtype="html")
    # After the bodies: set_content clears every Content-* header set before it. The language of
    # the text the email carries (TRN-01); attachments move it onto the text's part, where it applies.
    message["Content-Language"] = envelope.language
    for attachment in envelope.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype or "application",
                               subtype=subtype or "octet-stream", filename=attachment.filename)
    return message


def compose_cc_copy(envelope: EmailEnvelope, *, from_address: str, message_id_domain: str) -> EmailMessage | None:
    """The copy the envelope's Cc addresses get, or None without Cc: as the delivery's message
    (To and Cc shown alike), without its reply address and unsubscribe link, with a Message-ID of
    its own. Send it with the plugin's own envelope sender, never the delivery's return path."""
    if not envelope.cc:
        return None
    message = compose_email(cc_copy_envelope(envelope), from_address=from_address, message_id_domain=message_id_domain)
    message.replace_header("Message-ID", message_id_field(envelope, message_id_domain, cc_copy=True))
    del message["X-Homeroom-Delivery"]
    return message
