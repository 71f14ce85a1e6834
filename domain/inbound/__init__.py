"""Inbound: provider webhooks, inbound email and replies, reply tokens, SMS keywords, opt-outs, unsubscribe.

- ``inbound_email``: Inbound email: replies to reply addresses, auto-replies and bounces (CMP-19, CMP-20, CMP-18).
- ``optouts``: Opt-outs recorded by channels (an SMS STOP, a one-click unsubscribe, a hard bounce).
- ``replies``: Filing a recipient's answer in the conversation it belongs to (CMP-18..CMP-20, INB-12).
- ``reply_mailbox``: JOB-03: queue runs fetch the replies waiting in the district's central reply mailbox (IMAP).
- ``reply_tokens``: Signed mail addresses bound to one delivery: where its answers and its bounces go.
- ``sms_keywords``: The carrier keywords of two-way SMS: an answer that is only STOP (or one of its synonyms) opts the number out of SMS; START, UNSTOP or YES opts it back in; HELP (or INFO) is answered with the district's help text. Any case, surrounding whitespace ignored. Anything else is an ordinary answer.
- ``unsubscribe``: One-click unsubscribe (RFC 8058): signed links per delivery, and what following one does.
- ``webhook_events``: Applying what a channel plugin's webhook reported: delivery statuses and inbound messages.
"""
