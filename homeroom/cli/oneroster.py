"""``homeroom import oneroster DIR`` and ``homeroom export oneroster DIR``."""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from homeroom.cli.support import cli_settings, existing_database

import_app = typer.Typer(help="Import directory data into Homeroom.", no_args_is_help=True,
                         pretty_exceptions_enable=False)
export_app = typer.Typer(help="Export directory data from Homeroom.", no_args_is_help=True,
                         pretty_exceptions_enable=False)
out = Console()
MAX_PRINTED_ERRORS = 200


@import_app.command("oneroster")
def import_oneroster_command(
        directory: Path = typer.Argument(..., help="A folder holding a OneRoster 1.1 CSV bundle "
                                                   "(manifest.csv, orgs.csv, users.csv, ...).")) -> None:
    """Import a OneRoster 1.1 CSV bundle, all or nothing; re-importing updates by sourcedId."""
    from domain.integrations.oneroster.importer import import_oneroster
    from homeroom.migrate import upgrade
    from models.db import engine_for

    url = cli_settings().database_url
    upgrade(url)
    report = import_oneroster(engine_for(url), directory)
    table = Table("entity", "created", "updated", "unchanged", "removed", "skipped", "rejected",
                  title=f"OneRoster import of {directory}")
    for entity, counts in report.counts.items():
        if counts:
            table.add_row(entity, *(str(n) for n in (counts.created, counts.updated, counts.unchanged,
                                                     counts.removed, counts.skipped, counts.rejected)))
    if table.row_count:
        out.print(table)
    for note in report.notes:
        out.print(f"note: {note}", highlight=False, soft_wrap=True)
    if report.errors:
        print(f"rejected: {len(report.errors)} errors; nothing was written. Errors by code:", file=sys.stderr)
        for code, count in collections.Counter(error.code for error in report.errors).most_common():
            print(f"  {code}: {count:,}", file=sys.stderr)
        print("file, row, column: code: message (the header is row 1):", file=sys.stderr)
        for error in report.errors[:MAX_PRINTED_ERRORS]:
            print(error, file=sys.stderr)
        if len(report.errors) > MAX_PRINTED_ERRORS:
            print(f"... and {len(report.errors) - MAX_PRINTED_ERRORS} more", file=sys.stderr)
        raise typer.Exit(1)
    out.print(f"imported in {report.seconds:.1f} s", highlight=False)


@export_app.command("oneroster")
def export_oneroster_command(
        directory: Path = typer.Argument(..., help="Where to write the bundle (created if missing).")) -> None:
    """Write the directory as a OneRoster 1.1 CSV bundle that `homeroom import oneroster` reads."""
    from domain.integrations.oneroster.export import export_oneroster

    written = export_oneroster(existing_database(cli_settings().database_url), directory)
    for name, rows in written.items():
        out.print(f"{name}: {rows} rows", highlight=False)
    out.print(f"wrote {directory / 'manifest.csv'}", highlight=False)
