"""Issue 17 point 6: the cost rule estimates the nodes a document can return as GitHub's GraphQL API
counts them, on a small schema of its own (so the rule is shown to read pages by their first/last
arguments, never by field name)."""

from __future__ import annotations

from graphql import build_schema, parse

from graph.limits.cost import UNPAGINATED_LIST_SIZE, estimate_cost

SDL = """
type Query {
  users(first: Int = 10, after: String, last: Int, before: String): UserConnection!
  people(first: Int, last: Int): UserConnection!
  thread(id: ID!, first: Int, last: Int): ThreadView
  recent(first: Int! = 20): [User!]!
  me: User
}
type ThreadView { messages: UserConnection! }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type UserConnection { edges: [UserEdge!]! nodes: [User!]! pageInfo: PageInfo! totalCount: Int! }
type UserEdge { cursor: String! node: User! }
type User {
  name: String!
  nicknames: [String!]!
  tags: [Tag!]!
  friends(first: Int, after: String, last: Int, before: String): UserConnection!
}
type Tag { label: String! }
"""
SCHEMA = build_schema(SDL)
MAX_PAGE = 100


def cost(document: str, variables: dict | None = None, operation_name: str | None = None) -> int:
    return estimate_cost(SCHEMA, parse(document), operation_name=operation_name, variables=variables,
                         max_page_size=MAX_PAGE)


def test_issue_17_point_6_page_sizes_multiply_along_each_path_and_sum_over_the_document():
    """GitHub's example shape: 50 users, each with 10 friends: 50 + 50 × 10 = 550."""
    assert cost("{ users(first: 50) { edges { node { name friends(first: 10) { edges { node { name } } } } } } }") == 550
    assert cost("{ a: users(first: 5) { totalCount } b: users(first: 7) { totalCount } }") == 12


def test_issue_17_point_6_edges_and_nodes_are_one_page_counted_once():
    both = "{ users(first: 30) { edges { node { name } } nodes { name } pageInfo { hasNextPage } } }"
    assert cost(both) == 30 == cost("{ users(first: 30) { nodes { name } } }")


def test_issue_17_point_6_the_page_size_comes_from_the_argument_a_variable_or_a_default():
    query = "query($n: Int) { people(first: $n) { nodes { name } } }"
    assert cost(query, {"n": 7}) == 7
    assert cost("query($n: Int = 9) { people(first: $n) { nodes { name } } }") == 9  # the variable's default
    assert cost("{ users { nodes { name } } }") == 10  # the field's default
    assert cost(query) == MAX_PAGE  # no value, no default: the largest page
    assert cost("{ people(last: 3) { nodes { name } } }") == 3  # last counts as first does
    assert cost(query, {"n": "many"}) == MAX_PAGE  # a value validation refuses counts as the largest page


def test_issue_17_point_6_a_page_held_by_an_object_applies_to_the_lists_below_it():
    """thread(first:) pages the thread's messages: its connection's lists are that page."""
    assert cost("{ thread(id: 1, first: 30) { messages { edges { node { tags { label } } } } } }") == \
        30 + 30 * UNPAGINATED_LIST_SIZE


def test_issue_17_point_6_a_paginated_list_is_its_own_page():
    assert cost("{ recent { name friends(first: 2) { nodes { name } } } }") == 20 + 20 * 2


def test_issue_17_point_6_unpaginated_lists_count_a_fixed_size_and_values_count_nothing():
    assert cost("{ me { name nicknames tags { label } } }") == UNPAGINATED_LIST_SIZE
    assert cost("{ __schema { types { fields { name } } } }") == 0  # introspection: bounded by the schema


def test_issue_17_point_6_fragments_and_inline_fragments_are_followed_where_they_are_spread():
    query = """query { users(first: 4) { nodes { ...F ... on User { friends(first: 3) { nodes { name } } } } } }
      fragment F on User { friends(first: 5) { nodes { name } } }"""
    assert cost(query) == 4 + 4 * 5 + 4 * 3


def test_issue_17_point_6_only_the_operation_that_runs_is_counted():
    document = "query A { users(first: 2) { totalCount } } query B { users(first: 3) { totalCount } }"
    assert cost(document, operation_name="A") == 2 and cost(document, operation_name="B") == 3



def test_issue_17_point_6_nodes_count_one_node_per_id():
    """nodes(ids:) returns one node per id it lists (a literal list or a variable), each times what it
    selects below; a list whose length is not known counts the largest page."""
    schema = build_schema(SDL.replace("  me: User\n", "  me: User\n  nodes(ids: [ID!]!): [User]!\n"))

    def nodes_cost(document: str, variables: dict | None = None) -> int:
        return estimate_cost(schema, parse(document), operation_name=None, variables=variables,
                             max_page_size=MAX_PAGE)

    assert nodes_cost('{ nodes(ids: ["a", "b", "c"]) { name } }') == 3
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { friends(first: 10) { nodes { name } } } }"
    assert nodes_cost(query, {"ids": ["a"] * 7}) == 7 + 7 * 10
    assert nodes_cost(query) == MAX_PAGE + MAX_PAGE * 10
