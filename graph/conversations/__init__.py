"""GraphQL for conversations: the thread between the viewer and one recipient.

- ``mutations``: one module per mutation: replying, continuing as a compose, archiving, flagging, viewing a flagged message, referrals.
- ``queries``: The thread query: the conversation between the viewer and one recipient (RCP-26).
- ``referral_requests``: the ReferralRequest type and the referralRequests subscription (INB-09).
- ``types``: Conversation types: the thread between the viewer and one recipient (RCP-26).
"""
