"""GraphQL for conversations: the viewer's threads, a thread's messages, read state, and the
sender's view of one recipient.

- ``loaders``: Loaders of conversation relations: read receipts counts and channel states of messages.
- ``mutations/``: openThread and markMessageUnread, one a module.
- ``queries``: inbox, sent, archive, thread(id), and recipientThread (RCP-26).
- ``types``: InboxThread, ThreadView, ThreadMessage and their connections; inbox_thread() for mutation payloads.
"""
