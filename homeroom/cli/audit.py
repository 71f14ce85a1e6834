"""``homeroom audit verify``: walk the audit trail's hash chain (issue 16 point 8)."""

from __future__ import annotations

import sys

import typer

from homeroom.cli.support import cli_settings, existing_database

audit_app = typer.Typer(help="The audit trail: verify its hash chain.", no_args_is_help=True,
                        pretty_exceptions_enable=False)


@audit_app.command("verify")
def verify() -> None:
    """Recompute every row's hash and student set; print the head hash, or the first broken row and exit 1."""
    # Keep the head hash somewhere else: a later verify must still pass through it (docs/operations.md).
    from domain.audit.chain import verify_chain

    engine = existing_database(cli_settings().database_url)
    with engine.connect() as connection:
        report = verify_chain(connection)
    if not report.ok:
        print(f"audit chain broken at row {report.first_broken_id}: {report.reason} "
              f"({report.rows} rows before it verified)", file=sys.stderr)
        raise typer.Exit(1)
    print(f"audit chain verified: {report.rows} rows, head hash {report.head_hash}")
