"""GraphQL for conversations: the viewer's threads, a thread's messages, read state, and the
sender's view of one recipient.

- ``loaders``: Loaders of conversation relations: read receipts counts and channel states of messages.
- ``mutations/``: one module per mutation: opening a thread, marking unread, replying, continuing as a compose, archiving, flagging, viewing a flagged message, referrals.
- ``queries``: inbox, sent, archive, thread(id), and recipientThread (RCP-26).
- ``referral_requests``: the ReferralRequest type and the referralRequests subscription (INB-09).
- ``types``: InboxThread, ThreadView, ThreadMessage and their connections; inbox_thread() for mutation payloads.
"""
