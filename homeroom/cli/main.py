"""The ``homeroom`` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from homeroom.cli.audit import audit_app
from homeroom.cli.demo import demo, use_demo_dir
from homeroom.cli.oneroster import export_app, import_app
from homeroom.cli.persisted_queries import persisted_app
from homeroom.cli.support import (
    HomeroomTyper,
    check_port,
    cli_settings,
    describe_channels,
    existing_database,
    fail,
    run_api,
    seed_progress,
)

app = HomeroomTyper(help="Homeroom: district communication over GraphQL.", no_args_is_help=True,
                    pretty_exceptions_enable=False)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(audit_app, name="audit")
app.add_typer(persisted_app, name="persisted-queries")
app.command()(demo)
out = Console()


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        print(f"homeroom {version('homeroom')}")
        raise typer.Exit()


@app.callback()
def _root(_version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                        help="Print the installed version and exit.")) -> None:
    """Homeroom: district communication over GraphQL."""
    from homeroom.log_redaction import install_redaction

    install_redaction()  # issue 16 point 8: commands log ids, never addresses, tokens or secrets


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic upgrade head)."""
    from homeroom.migrate import upgrade

    upgrade(cli_settings().database_url)
    out.print("database is up to date")


@app.command()
def seed(students: int = typer.Option(..., min=1, max=2_000_000, help="How many students."),
         seed: int = typer.Option(1, help="Random seed; the same seed gives the same district.")) -> None:
    """Create a deterministic synthetic district in an empty database."""
    from domain.demo.seeding import seed_district
    from homeroom.migrate import upgrade
    from models.db import engine_for

    settings = cli_settings()
    upgrade(settings.database_url)
    try:
        summary = seed_district(engine_for(settings.database_url), students=students, seed=seed,
                                progress=seed_progress())
    except ValueError as error:
        fail(str(error))
    print(f"seeded {students:,} students (seed {seed}): {summary.total_rows:,} rows in {summary.seconds:.1f} s")
    width = max(map(len, summary.rows))
    for name, count in sorted(summary.rows.items()):
        print(f"  {name:<{width}}  {count:>10,}")


@app.command()
def token(user: str = typer.Option(..., "--user", help="The login of the user."),
          minutes: int = typer.Option(None, min=1, help="Lifetime; defaults to HOMEROOM_JWT_TTL_MINUTES."),
          data_dir: Path = typer.Option(None, help="A demo's data dir: use its database and signing secret.")) -> None:
    """Print a bearer token for a user."""
    from sqlalchemy import select

    if data_dir is not None:
        if not (data_dir / "homeroom.db").exists():
            fail(f"{data_dir} holds no demo database; start `homeroom demo --data-dir {data_dir}` first")
        use_demo_dir(data_dir.expanduser().resolve())

    from homeroom.auth import mint_token
    from models.db import session_scope
    from models.directory import AccountStatus, User

    settings = cli_settings()
    with session_scope(existing_database(settings.database_url)) as session:
        row = session.execute(select(User).where(User.login == user)).scalars().first()
    if row is None:
        fail(f"no user with login {user!r}")
    if row.status != AccountStatus.ACTIVE:
        fail(f"user {user!r} is {row.status.lower()}; tokens are only issued to active users")
    print(mint_token(settings, user_id=row.id, login=row.login, ttl_minutes=minutes))


@app.command()
def plugins(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List installed channel, writing-assistant and translator plugins, what they serve and whether their config is valid."""
    from homeroom.cli.plugin_report import plugin_report

    settings = cli_settings()
    report = plugin_report(settings.channel_plugins, settings.plugin_config, settings.defaulted_channels,
                           settings.assistant_plugin, settings.assistant_config,
                           settings.translator_plugin, settings.translator_config)
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    table = Table("plugin", "serves", "configured for", "config", "settings (secrets redacted)",
                  caption="(default): a channel HOMEROOM_CHANNEL_PLUGINS does not name keeps the default plugin")
    for row in report:
        configured = [kind + (" (default)" if kind in row["defaulted_for"] else "") for kind in row["configured_for"]]
        table.add_row(row["name"], ", ".join(row["serves"]), ", ".join(configured) or "-",
                      row["status"], json.dumps(row["config"], default=str))
    out.print(table)


@app.command("export-schema")
def export_schema(output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")) -> None:
    """Print the GraphQL SDL that schema.graphql must equal."""
    from graph.schema import export_sdl

    sdl = export_sdl()
    if output:
        try:
            output.write_text(sdl, encoding="utf-8")
        except OSError as error:
            fail(f"cannot write {output}: {error.strerror or error}")
    else:
        sys.stdout.write(sdl)


@app.command()
def serve(host: str = typer.Option("0.0.0.0"),
          port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on.")) -> None:
    """Run the API (production: PostgreSQL + Redis; workers run separately)."""
    settings = cli_settings()
    check_port(host, port)
    run_api(settings, host, port)


@app.command()
def worker(processes: int = typer.Option(1, min=1), threads: int = typer.Option(4, min=1),
           lanes: str = typer.Option(
               "emergency,priority,normal", help="The lanes this worker serves, comma-separated. Webhooks and "
               "printing go with normal; a worker serving emergency and another lane keeps threads for "
               "emergencies alone."),
           emergency_threads: int = typer.Option(
               2, min=1, help="Threads per process kept for the emergency lane when it is served with others.")
           ) -> None:
    """Run Dramatiq worker processes for the hand-on and dispatch jobs (needs HOMEROOM_REDIS_URL)."""
    from channels.registry import ChannelRegistry, PluginLoadError
    from jobs.worker_lanes import UnknownLane, parse_lanes

    try:
        served = parse_lanes(lanes)
    except UnknownLane as error:
        fail(f"invalid --lanes: {error}")
    settings = cli_settings()
    if settings.embedded:
        fail("homeroom worker needs HOMEROOM_REDIS_URL; without Redis the API runs its own worker")
    from homeroom.runtime import build_translator

    try:
        ChannelRegistry.from_settings(settings.channel_plugins, settings.plugin_config)
        build_translator(settings).close()
    except PluginLoadError as error:
        fail(f"cannot start: {error}")
    print(f"channels: {describe_channels(settings)}; lanes: {', '.join(lane.value for lane in served)}",
          file=sys.stderr, flush=True)
    # Each worker process builds and installs its runtime as it imports homeroom.worker, which
    # reads the lanes from here (jobs.worker_lanes turns them into Dramatiq's queue whitelist).
    os.environ["HOMEROOM_WORKER_LANES"] = ",".join(lane.value for lane in served)
    os.environ["HOMEROOM_WORKER_EMERGENCY_THREADS"] = str(emergency_threads)
    os.execvp(sys.executable, [sys.executable, "-m", "dramatiq", "homeroom.worker",
                               "--processes", str(processes), "--threads", str(threads)])


@app.command()
def scheduler(interval: float = typer.Option(None, min=0.1, help="Seconds between queue runs "
                                             "(default HOMEROOM_QUEUE_INTERVAL_SECONDS, 60).")) -> None:
    """Run the communication queue: every interval, release deliveries whose call window opened and
    re-dispatch queued work whose job was lost. Run one per deployment."""
    import signal
    import threading

    settings = cli_settings()
    if settings.embedded:
        fail("homeroom scheduler needs HOMEROOM_REDIS_URL; without Redis the API runs the queue itself")
    from homeroom.runtime import start_runtime
    from jobs.queue_clock import run_forever

    start_runtime(settings)  # the Redis broker the queue runs enqueue on

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out.print(f"communication queue: a run every {interval or settings.queue_interval_seconds:g} s")
    try:
        run_forever(stop, interval)
    except KeyboardInterrupt:
        pass


@app.command("inbound-smtp")
def inbound_smtp(host: str = typer.Option("0.0.0.0"),
                 port: int = typer.Option(2525, min=1, max=65535, help="Port to listen on.")) -> None:
    """Receive email replies and bounces for HOMEROOM_REPLY_DOMAIN and file them in conversations."""
    import signal
    import threading

    settings = cli_settings()
    if not settings.reply_domain:
        fail("homeroom inbound-smtp needs HOMEROOM_REPLY_DOMAIN (the domain of reply+…@ addresses)")
    from domain.support.signed_ids import signing_keys
    from homeroom.inbound_smtp import start
    from homeroom.runtime import build_runtime

    check_port(host, port)
    runtime = build_runtime(settings)  # replies hand their notifications on through its broker
    controller = start(runtime.engine, settings.reply_domain, host, port, signing_keys(settings),
                       runtime.reply_filer)
    out.print(f"receiving mail for {settings.reply_domain} on {host}:{port}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
