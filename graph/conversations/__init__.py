"""GraphQL for conversations: the thread between the viewer and one recipient.

- ``mutations``: replyInThread, continueThreadAsCompose, archiveThread, unarchiveThread.
- ``queries``: The thread query: the conversation between the viewer and one recipient (RCP-26).
- ``types``: Conversation types: the thread between the viewer and one recipient (RCP-26).
"""
