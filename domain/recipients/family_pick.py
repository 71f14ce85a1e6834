"""Once per family (RCP-08…RCP-10): sibling groups, the random pick of one student in each, and the
contacts of the picked student, as SQL that domain.recipients.resolution puts into its one statement.

The pick is uniform and reproducible. Each message records a random seed (``Message.family_seed``,
drawn when it is created, or the one a plan showed the sender, so the send is the plan). The seed
gives two numbers, a multiplier and an offset; a family whose smallest student id is ``f`` and whose
``k`` pickable students are numbered 0…k-1 by id takes number ``((multiplier·f + offset) mod P) mod
k``, with P = 2³¹−1. Over seeds that number is uniform (up to k/P) for every family, and two families
draw independently, so no child is favoured by its id.
"""

from __future__ import annotations

import dataclasses
import hashlib

from sqlalchemy import BigInteger, and_, bindparam, case, cast, exists, func, literal, or_, select, true
from sqlalchemy.orm import aliased

from domain.recipients.statement import ACTIVE, Shape, student_excluded
from models.directory import AccountStatus, Contact, Student, StudentLink, User
from models.messaging import FAMILY_SEED_LIMIT

#: The modulus of the draw: a prime just below 2³¹, so every product fits a 64-bit integer on both
#: backends; seeds are below it too.
DRAW_MODULUS = FAMILY_SEED_LIMIT
FAMILY_MULTIPLIER = bindparam("resolve_family_multiplier", type_=BigInteger)
FAMILY_OFFSET = bindparam("resolve_family_offset", type_=BigInteger)


def valid_family_seed(seed: int) -> bool:
    """Whether a seed a sender passes back (from a plan) is one a message could have drawn."""
    return 0 <= seed < DRAW_MODULUS


@dataclasses.dataclass(frozen=True)
class FamilyDraw:
    """The two numbers a seed gives the draw (see the module's note)."""

    multiplier: int
    offset: int

    @classmethod
    def of(cls, seed: int) -> FamilyDraw:
        digest = hashlib.sha256(f"homeroom family draw {seed}".encode()).digest()
        return cls(multiplier=1 + int.from_bytes(digest[:8], "big") % (DRAW_MODULUS - 1),
                   offset=int.from_bytes(digest[8:16], "big") % DRAW_MODULUS)

    def params(self) -> dict:
        return {FAMILY_MULTIPLIER.key: self.multiplier, FAMILY_OFFSET.key: self.offset}


def seeded_draw(seed):
    """The draw's two numbers as SQL computed from a seed column, for rows that carry their own seed and
    are drawn many at once in one statement (announcements, ANN-04): the multiplier in 1…P−1 and the
    offset in 0…P−1, each a different affine map of the seed (seed·constant < 2⁴⁸, so no overflow)."""
    seed = cast(seed, BigInteger)
    return (literal(1, BigInteger) + (seed * 48271) % literal(DRAW_MODULUS - 1, BigInteger),
            (seed * 16807 + 12345) % literal(DRAW_MODULUS, BigInteger))


def _addressed_by_family_rule(contact):
    """RCP-09: the picked student's custodial contacts and its sort-order-1 contact."""
    return or_(contact.custodial == true(), contact.sort_order == 1)


def picked_family_students(shape: Shape, selected, *, carry: tuple[str, ...] = (), draw=None):
    """RCP-08/RCP-09: sibling groups are the transitive Linked Students components of the selected
    students; from each, one selected student is picked at random among those a message may reach:
    active (MRG-03), not at a school excluded for this sender (RCP-25), with an active contact that
    the family rule addresses.

    ``carry`` names further columns of ``selected`` (an announcement's id and seed when many
    announcements draw in one statement): each value of them draws separately and rides along on the
    result; ``draw(columns)`` gives (multiplier, offset) from those columns (default: the message's
    bound FamilyDraw)."""
    kept = [selected.c[name] for name in carry]
    base = select(selected.c.student_id.label("root"), selected.c.student_id.label("member"), *kept)
    reach = base.cte("family_reach", recursive=True)
    # RCP-08: a Linked Students entry joins two students both ways, whichever way it was stored. (An
    # OR over both indexed columns: joining a UNION ALL of both directions made PostgreSQL estimate
    # 450M rows for the walk and plan the rest of the statement 100 times slower.)
    sibling = case((StudentLink.student_id == reach.c.member, StudentLink.linked_student_id),
                   else_=StudentLink.student_id)
    reach = reach.union(select(reach.c.root, sibling, *[reach.c[name] for name in carry]).join(StudentLink, or_(
        StudentLink.student_id == reach.c.member, StudentLink.linked_student_id == reach.c.member)))
    carried = [reach.c[name] for name in carry]
    families = (select(reach.c.root, func.min(reach.c.member).label("family"), *carried)
                .group_by(reach.c.root, *carried).subquery())
    has_contact = exists(select(Contact.id).where(
        Contact.student_id == families.c.root, Contact.status == ACTIVE, _addressed_by_family_rule(Contact)))
    partition = (families.c.family, *[families.c[name] for name in carry])
    pickable = (
        select(families.c.root.label("student_id"), families.c.family, *[families.c[name] for name in carry],
               (func.row_number().over(partition_by=partition, order_by=families.c.root) - 1)
               .label("number"),
               func.count().over(partition_by=partition).label("size"))
        .join(Student, Student.id == families.c.root)
        .where(Student.status == ACTIVE, ~student_excluded(shape, Student.school_id), has_contact)
        .subquery("pickable")
    )
    multiplier, offset = draw(pickable.c) if draw is not None else (FAMILY_MULTIPLIER, FAMILY_OFFSET)
    # family·multiplier < 2⁶², and PostgreSQL computes an int4·int8 product in int8.
    drawn = (pickable.c.family * multiplier + offset) % literal(DRAW_MODULUS, BigInteger)
    return (select(pickable.c.student_id, *[pickable.c[name] for name in carry])
            .where(pickable.c.number == drawn % pickable.c.size).subquery("picked_students"))


def family_contacts(picked, *, carry: tuple[str, ...] = ()):
    """RCP-09: custodial contacts plus the sort-order-1 contact of each picked student; RCP-10: two
    of them linked to the same active user become one recipient (an inactive or deleted account
    merges nothing, MRG-03). ``carry``: as for picked_family_students."""
    linked = aliased(User)
    kept = [picked.c[name] for name in carry]
    ranked = (
        select(Contact.id.label("contact_id"), *kept, func.row_number().over(
            partition_by=(Contact.student_id, func.coalesce(linked.id, -Contact.id), *kept),
            order_by=(Contact.sort_order, Contact.id)).label("rank"))
        .join(picked, picked.c.student_id == Contact.student_id)
        .outerjoin(linked, and_(linked.id == Contact.user_id, linked.status == ACTIVE))
        .where(Contact.status != AccountStatus.DELETED.value, _addressed_by_family_rule(Contact))
        .subquery("family_candidates")
    )
    return (select(ranked.c.contact_id, *[ranked.c[name] for name in carry])
            .where(ranked.c.rank == 1).subquery("family_contacts"))
