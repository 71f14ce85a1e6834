"""Finding a user's side of a thread: the one way every conversation operation reaches a thread,
so another user's thread is not found exactly like a missing one."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from domain.support.errors import FieldProblem, InvalidInput
from models.conversations import Thread, ThreadSide


class ThreadNotFound(InvalidInput):
    """No thread of the viewer's has that id (another user's answers the same)."""

    def __init__(self, path: tuple[str | int, ...] = ("threadId",)):
        super().__init__([FieldProblem(path, "NOT_FOUND", "No thread of yours has that id.")])


def side_for(session: Session, user_id: int, thread_id: int | None, *, lock: bool = False,
             path: tuple[str | int, ...] = ("threadId",)) -> ThreadSide:
    """``user_id``'s side of the thread, or ThreadNotFound; ``lock`` holds it for an update."""
    query = select(ThreadSide).where(ThreadSide.thread_id == thread_id, ThreadSide.user_id == user_id)
    side = session.execute(query.with_for_update() if lock else query).scalars().first() if thread_id else None
    if side is None:
        raise ThreadNotFound(path)
    return side


def thread_between(session: Session, user_id: int, other_id: int) -> Thread | None:
    """The thread of a pair of users, if they have written to each other."""
    low, high = sorted((user_id, other_id))
    return session.execute(select(Thread).where(Thread.low_user_id == low, Thread.high_user_id == high)
                           ).scalars().first()
