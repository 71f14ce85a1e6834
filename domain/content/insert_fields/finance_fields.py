"""The finance insert fields (SMS-05, VOI-08): the fixed assets a delivery's or letter's person
holds, from ``fixed_asset`` (models/finance.py), which an integration fills.

Whose assets: the student's the message is about when there is one (a family is reminded of
their child's Chromebook, not of anything the parent holds), otherwise the recipient user's, as
custodian (a staff member's laptop and projector).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import or_, select
from sqlmodel import Session

from domain.content.insert_fields.registry import (
    ID_CHUNK, InsertField, InsertFieldCategory as Category, InsertFieldSource, Subject,
)
from models.finance import FixedAsset


def _holder(subject: Subject) -> tuple[str, int] | None:
    if subject.student_id is not None:
        return ("student", subject.student_id)
    if subject.user_id is not None:
        return ("user", subject.user_id)
    return None


def _asset_values(session: Session, subjects: Collection[Subject]) -> dict[Subject, dict[str, str]]:
    holders = sorted({holder for subject in subjects if (holder := _holder(subject))})
    held: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    for start in range(0, len(holders), ID_CHUNK):  # one statement for a dispatch batch
        chunk = holders[start:start + ID_CHUNK]
        students = [key for kind, key in chunk if kind == "student"]
        users = [key for kind, key in chunk if kind == "user"]
        for row in session.execute(
                select(FixedAsset.student_id, FixedAsset.user_id, FixedAsset.asset_tag, FixedAsset.description)
                .where(or_(FixedAsset.student_id.in_(students), FixedAsset.user_id.in_(users)))
                .order_by(FixedAsset.asset_tag)):
            holder = ("student", row.student_id) if row.student_id is not None else ("user", row.user_id)
            held[holder].append((row.asset_tag, row.description))
    values = {}
    for subject in subjects:
        holder = _holder(subject)
        if holder is None:
            continue
        assets = held.get(holder, [])
        values[subject] = {
            "finance.asset_tags": ", ".join(tag for tag, _ in assets),
            "finance.asset_descriptions": ", ".join(description for _, description in assets),
            "finance.assets": ", ".join(f"{tag} ({description})" if description else tag
                                        for tag, description in assets),
            "finance.asset_count": str(len(assets)),
        }
    return values


FINANCE = InsertFieldSource(Category.FINANCE, (
    InsertField("finance.asset_tags", "The tags of the fixed assets the student holds (or the recipient user, as "
                                      "custodian, when the message is about no student), comma-separated.",
                "CB-1042, CALC-77"),
    InsertField("finance.asset_descriptions", "The descriptions of those fixed assets, comma-separated.",
                "Chromebook 11, Graphing calculator"),
    InsertField("finance.assets", "Those fixed assets as tag (description), comma-separated.",
                "CB-1042 (Chromebook 11), CALC-77 (Graphing calculator)"),
    InsertField("finance.asset_count", "How many fixed assets the student (or the custodian) holds.", "2"),
), _asset_values)
