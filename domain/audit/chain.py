"""The hash chain over audit rows and the student sets they name, and ``verify_chain``.

A row's hash is SHA-256 over the previous row's hash and the row's canonical content (its columns
but id and the hashes, as sorted-key JSON); the first row's previous hash is GENESIS_HASH. A
student set's digest is SHA-256 over its sorted ids joined by commas, and a row's content includes
its set's digest and size, so a changed, added or removed row, or a changed set, breaks the
chain at that row. Someone able to rewrite the whole table could recompute every hash after the
row they changed: keep the head hash that ``homeroom audit verify`` prints somewhere else
(docs/operations.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from sqlalchemy import Text, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Connection

from models.audit import GENESIS_HASH, AuditLog, AuditStudentSet

AUDIT = AuditLog.__table__
STUDENT_SETS = AuditStudentSet.__table__

#: The columns a row's hash covers (all but id and the two hashes).
CONTENT_COLUMNS = ("district_id", "actor_user_id", "actor_key_id", "action", "object_type", "object_ids",
                   "students_digest", "student_count", "recipient_count", "request_id", "client_address",
                   "occurred_at")

#: Rows read per statement while verifying.
VERIFY_BATCH = 5000


def canonical(content: dict) -> str:
    """The row's content as hashed: sorted-key JSON, the time as UTC ISO 8601 to the microsecond."""
    shown = {name: content[name] for name in CONTENT_COLUMNS}
    shown["occurred_at"] = content["occurred_at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    shown["object_ids"] = list(content["object_ids"] or [])
    return json.dumps(shown, sort_keys=True, separators=(",", ":"))


def row_hash(prev_hash: str, content: dict) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(content)}".encode()).hexdigest()


def set_digest(student_ids: Iterable[int]) -> str:
    """The digest of a set of student ids (sorted, distinct, joined by commas)."""
    return hashlib.sha256(",".join(str(i) for i in sorted(set(student_ids))).encode()).hexdigest()


def pg_digest_of(column):
    """PostgreSQL computes ``set_digest`` itself over an aggregated integer column."""
    joined = func.string_agg(cast(column, Text), aggregate_order_by(literal_column("','"), column))
    return func.encode(func.sha256(func.convert_to(func.coalesce(joined, ""), "UTF8")), "hex")


@dataclasses.dataclass(frozen=True)
class ChainReport:
    rows: int
    head_hash: str
    first_broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(connection: Connection) -> ChainReport:
    """Walk every row in id order, recomputing each hash and each student set's digest; report the
    first row that does not match (None when the whole chain holds) and the head hash."""
    sets = _student_sets(connection)
    prev, rows, after = GENESIS_HASH, 0, 0
    while True:
        batch = connection.execute(select(AUDIT).where(AUDIT.c.id > after).order_by(AUDIT.c.id)
                                   .limit(VERIFY_BATCH)).mappings().all()
        if not batch:
            return ChainReport(rows, prev)
        for row in batch:
            problem = _problem(row, prev, sets)
            if problem is not None:
                return ChainReport(rows, prev, row["id"], problem)
            prev, rows = row["row_hash"], rows + 1
        after = batch[-1]["id"]


def _problem(row, prev: str, sets: dict[str, tuple[int, str]]) -> str | None:
    if row["prev_hash"] != prev:
        return "its previous hash is not the hash of the row before it (a row was removed, added or reordered)"
    if row["row_hash"] != row_hash(prev, dict(row)):
        return "its content does not match its hash (the row was changed)"
    if row["students_digest"] is not None:
        count, recomputed = sets.get(row["students_digest"], (0, None))
        if recomputed != row["students_digest"] or count != row["student_count"]:
            return "its student set does not match its digest (the set was changed)"
    return None


def _student_sets(connection: Connection) -> dict[str, tuple[int, str]]:
    """Every stored set's size and recomputed digest, by the digest it is stored under."""
    if connection.dialect.name == "postgresql":
        return {digest: (count, recomputed) for digest, count, recomputed in connection.execute(
            select(STUDENT_SETS.c.digest, func.count(), pg_digest_of(STUDENT_SETS.c.student_id))
            .group_by(STUDENT_SETS.c.digest))}
    members: dict[str, list[int]] = {}
    for digest, student_id in connection.execute(select(STUDENT_SETS.c.digest, STUDENT_SETS.c.student_id)):
        members.setdefault(digest, []).append(student_id)
    return {digest: (len(ids), set_digest(ids)) for digest, ids in members.items()}
