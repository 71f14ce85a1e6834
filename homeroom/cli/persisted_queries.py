"""``homeroom persisted-queries build DIR``: the manifest of persisted queries (issue 17 point 6)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from homeroom.cli.support import fail

persisted_app = typer.Typer(help="Persisted queries: build the manifest HOMEROOM_PERSISTED_QUERIES names.",
                            no_args_is_help=True, pretty_exceptions_enable=False)


@persisted_app.command("build")
def build(directory: Path = typer.Argument(..., help="Read every .graphql file under this directory."),
          output: Path = typer.Option(Path("persisted-queries.json"), "--output", "-o",
                                      help="Write the manifest here.")) -> None:
    """Validate each .graphql file under DIRECTORY against the schema and its limits, and write the
    manifest: a JSON object of each file's SHA-256 hash → its text. Clients send that exact text's
    hash (extensions.persistedQuery.sha256Hash). Nothing is written when a file is refused."""
    from graph.limits import GraphQLLimits
    from graph.limits.cost import estimate_cost
    from graph.limits.persisted import document_hash, document_problems
    from graph.schema import build_schema

    if not directory.is_dir():
        fail(f"{directory} is not a directory", 2)
    files = sorted(path for path in directory.rglob("*.graphql") if path.is_file())
    if not files:
        fail(f"no .graphql files under {directory}", 2)
    schema, limits = build_schema(development=False), GraphQLLimits()
    manifest: dict[str, str] = {}
    refused = 0
    for path in files:
        name = path.relative_to(directory)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"{name}: cannot read: {error}", file=sys.stderr)
            refused += 1
            continue
        problems = document_problems(schema, text, limits)
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
        if problems:
            refused += 1
            continue
        from graphql import parse

        cost = estimate_cost(schema._schema, parse(text))
        if cost > limits.max_cost:  # a variable's value may make it smaller: checked per request
            print(f"{name}: warning: up to {cost:,} nodes with default page sizes (limit {limits.max_cost:,})",
                  file=sys.stderr)
        manifest[document_hash(text)] = text
    if refused:
        fail(f"{refused} of {len(files)} documents refused; no manifest written")
    try:
        output.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    print(f"{len(manifest)} persisted queries written to {output}")
