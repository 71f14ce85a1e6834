"""The Node interface and node(id:)/nodes(ids:) (issue 17 point 1), as Relay clients expect: any
object with an opaque global id (domain.support.global_ids) that a client may want to refetch is
a Node, and ``node(id:)`` answers it again, authorized exactly like the type's own query.

Each kind a Node can be registers one authorized loader (graph/node_loaders.py): given the row
ids asked for, it answers those the viewer may see through the type's own query, and nothing for
the rest, so an id the viewer may not see, another district's, a missing row's, another kind's or
no id at all all answer null alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from domain.access.permissions import Perm
from domain.access.scopes import Scope
from domain.access.viewer import Viewer
from domain.support.global_ids import Kind, decoded
from graph.audit.disclosures import partner_read
from graph.context import Info
from graph.pagination import MAX_PAGE_SIZE
from graph.permissions import requires


@strawberry.interface(description=(
    "An object with an opaque global id: refetch it with node(id:). Every id the API shows is such an "
    "id (a string to store and send back as it is, never to parse), including ids of objects that "
    "are not Nodes."))
class Node:
    id: strawberry.ID = strawberry.field(description="The object's opaque global id.")


Loader = Callable[[Info, list[int]], dict[int, Any]]


class NodeKind:
    """What one kind of id needs before its loader runs: the permissions and partner-key scopes of
    the type's own query (a viewer without them sees nothing of this kind), and the loader."""

    def __init__(self, loader: Loader, perms: tuple[Perm, ...], scopes: tuple[Scope, ...]):
        self.loader, self.perms, self.scopes = loader, perms, scopes

    def allows(self, viewer: Viewer) -> bool:
        if viewer.key is not None and not (self.scopes and viewer.key.allows(*self.scopes)):
            return False
        return all(viewer.permissions.has(perm) for perm in self.perms)


LOADERS: dict[Kind, NodeKind] = {}
#: The partner-key scopes of the queries whose types are Nodes (graph/node_loaders.py checks that
#: every loader's scopes are among them): a key with neither reads no Node, and is refused.
NODE_SCOPES = (Scope.DIRECTORY_READ, Scope.MESSAGES_READ)


def loads_nodes(kind: Kind, *perms: Perm, scopes: tuple[Scope, ...] = ()) -> Callable[[Loader], Loader]:
    """Registers the authorized loader of ``kind``: ``perms`` and ``scopes`` are its own query's."""
    def register(loader: Loader) -> Loader:
        assert kind not in LOADERS, f"{kind} has two node loaders"
        assert set(scopes) <= set(NODE_SCOPES), f"node(id:) does not name the scopes of {kind}"
        LOADERS[kind] = NodeKind(loader, perms, scopes)
        return loader
    return register


def resolve_nodes(info: Info, ids: Iterable[str]) -> list[Any | None]:
    """Each id's object, or None where the viewer may not see it; one loader call per kind."""
    ids = list(ids)
    parsed = [decoded(value) for value in ids]
    wanted: dict[Kind, set[int]] = {}
    for found in parsed:
        if found is not None and found[0] in LOADERS:
            wanted.setdefault(found[0], set()).add(found[1])
    viewer, answers = info.context.viewer, {}
    for kind, pks in wanted.items():
        node_kind = LOADERS[kind]
        if node_kind.allows(viewer):
            partner_read(info, viewer, node_kind.scopes)  # a key reading student data is audited
            answers[kind] = node_kind.loader(info, sorted(pks))
    return [None if found is None else answers.get(found[0], {}).get(found[1]) for found in parsed]


NodeIds = Annotated[list[strawberry.ID], strawberry.argument(description=(
    f"The ids, at most {MAX_PAGE_SIZE}; the answer has one entry per id, in the same order."))]


@strawberry.type
class NodeQueries:
    @strawberry.field(**requires(
        "The object this global id names, refetched as the type's own query would show it and authorized the "
        "same way; null when it does not exist or the viewer may not see it (the two answer alike). Partner keys "
        "see the kinds their scopes' queries show.", Perm.COMMUNICATION, scopes=NODE_SCOPES))
    def node(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="Any object's id (Node.id).")]) -> Node | None:
        return resolve_nodes(info, [id])[0]

    @strawberry.field(**requires(
        "The objects these global ids name, each as node(id:) answers it (null where it would be null), in "
        "the order asked.", Perm.COMMUNICATION, scopes=NODE_SCOPES))
    def nodes(self, info: Info, ids: NodeIds) -> list[Node | None]:
        if len(ids) > MAX_PAGE_SIZE:
            raise GraphQLError(f"ids may hold at most {MAX_PAGE_SIZE} ids", extensions={
                "code": "BAD_USER_INPUT", "argument": "ids", "maxLength": MAX_PAGE_SIZE})
        return resolve_nodes(info, ids)
