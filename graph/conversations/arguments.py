"""The arguments the thread and message mutations share, described once (issue 17 point 3)."""

from __future__ import annotations

from typing import Annotated

import strawberry

ThreadIdArgument = Annotated[strawberry.ID, strawberry.argument(description=(
    "One of your threads (InboxThread.id); another user's thread answers NOT_FOUND, like a missing one."))]
ReceivedMessageIdArgument = Annotated[strawberry.ID, strawberry.argument(description=(
    "A message you received in one of your threads (ThreadMessage.id); any other answers NOT_FOUND, like a missing "
    "one."))]
