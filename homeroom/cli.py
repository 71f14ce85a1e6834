"""The ``homeroom`` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from homeroom.cli_import import export_app, import_app
from homeroom.settings import SettingsError, get_settings, reset_settings_cache

app = typer.Typer(help="Homeroom: district communication over GraphQL.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
out = Console()

DEMO_STUDENTS = 400
DEMO_SEED = 2026


def _settings():
    try:
        return get_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise typer.Exit(2) from None


def _fail(message: str, code: int = 1) -> None:
    print(message, file=sys.stderr)
    raise typer.Exit(code)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic upgrade head)."""
    from homeroom.migrate import upgrade

    upgrade(_settings().database_url)
    out.print("database is up to date")


@app.command()
def seed(students: int = typer.Option(..., min=1, max=2_000_000, help="How many students."),
         seed: int = typer.Option(1, help="Random seed; the same seed gives the same district.")) -> None:
    """Create a deterministic synthetic district in an empty database."""
    from domain.seeding import seed_district
    from homeroom.migrate import upgrade
    from models.db import engine_for

    settings = _settings()
    upgrade(settings.database_url)
    try:
        summary = seed_district(engine_for(settings.database_url), students=students, seed=seed)
    except ValueError as error:
        _fail(str(error))
    out.print(summary)


@app.command()
def token(user: str = typer.Option(..., "--user", help="The login of the user."),
          minutes: int = typer.Option(None, min=1, help="Lifetime; defaults to HOMEROOM_JWT_TTL_MINUTES."),
          data_dir: Path = typer.Option(None, help="A demo's data dir: use its database and signing secret.")) -> None:
    """Print a bearer token for a user."""
    from sqlalchemy import select

    if data_dir is not None:
        if not (data_dir / "homeroom.db").exists():
            _fail(f"{data_dir} holds no demo database; start `homeroom demo --data-dir {data_dir}` first")
        _use_demo_dir(data_dir.expanduser().resolve())

    from homeroom.auth import mint_token
    from models.db import engine_for, session_scope
    from models.directory import AccountStatus, User

    settings = _settings()
    with session_scope(engine_for(settings.database_url)) as session:
        row = session.execute(select(User).where(User.login == user)).scalars().first()
    if row is None:
        _fail(f"no user with login {user!r}")
    if row.status != AccountStatus.ACTIVE:
        _fail(f"user {user!r} is {row.status.lower()}; tokens are only issued to active users")
    print(mint_token(settings, user_id=row.id, login=row.login, ttl_minutes=minutes))


@app.command()
def plugins(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List installed channel plugins, the channels they serve and whether their config is valid."""
    from channels.plugin_report import plugin_report

    report = plugin_report(_settings())
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    table = Table("plugin", "serves", "configured for", "config", "settings (secrets redacted)")
    for row in report:
        table.add_row(row["name"], ", ".join(row["serves"]), ", ".join(row["configured_for"]) or "-",
                      row["status"], json.dumps(row["config"], default=str))
    out.print(table)


@app.command("export-schema")
def export_schema(output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")) -> None:
    """Print the GraphQL SDL that schema.graphql must equal."""
    from graph.schema import export_sdl

    sdl = export_sdl()
    if output:
        output.write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)


def _serve(host: str, port: int) -> None:
    import uvicorn

    from channels.registry import PluginLoadError
    from homeroom.app import create_app

    try:
        application = create_app(_settings())
    except PluginLoadError as error:
        _fail(f"cannot start: {error}")
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command()
def serve(host: str = typer.Option("0.0.0.0"), port: int = typer.Option(8000)) -> None:
    """Run the API (production: PostgreSQL + Redis; workers run separately)."""
    _serve(host, port)


@app.command()
def worker(processes: int = typer.Option(1, min=1), threads: int = typer.Option(4, min=1)) -> None:
    """Run Dramatiq worker processes for fan-out and dispatch (needs HOMEROOM_REDIS_URL)."""
    from channels.registry import PluginLoadError
    from jobs.runtime import channel_registry

    settings = _settings()
    if settings.embedded:
        _fail("homeroom worker needs HOMEROOM_REDIS_URL; without Redis the API runs its own worker")
    try:
        channel_registry()
    except PluginLoadError as error:
        _fail(f"cannot start: {error}")
    os.execvp(sys.executable, [sys.executable, "-m", "dramatiq", "jobs",
                               "--processes", str(processes), "--threads", str(threads)])


@app.command()
def scheduler(interval: float = typer.Option(None, min=0.1, help="Seconds between queue runs "
                                             "(default HOMEROOM_QUEUE_INTERVAL_SECONDS, 60).")) -> None:
    """Run the communication queue: every interval, release deliveries whose call window opened and
    re-dispatch queued work whose job was lost. Run one per deployment."""
    import signal
    import threading

    settings = _settings()
    if settings.embedded:
        _fail("homeroom scheduler needs HOMEROOM_REDIS_URL; without Redis the API runs the queue itself")
    import jobs  # noqa: F401  (the Redis broker)
    from jobs.scheduler import run_forever

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out.print(f"communication queue: a run every {interval or settings.queue_interval_seconds:g} s")
    try:
        run_forever(stop, interval)
    except KeyboardInterrupt:
        pass


@app.command("inbound-smtp")
def inbound_smtp(host: str = typer.Option("0.0.0.0"), port: int = typer.Option(2525)) -> None:
    """Receive email replies and bounces for HOMEROOM_REPLY_DOMAIN and file them in conversations."""
    import signal
    import threading

    settings = _settings()
    if not settings.reply_domain:
        _fail("homeroom inbound-smtp needs HOMEROOM_REPLY_DOMAIN (the domain of reply+…@ addresses)")
    from homeroom.inbound_smtp import start
    from models.db import engine_for

    controller = start(engine_for(settings.database_url), settings.reply_domain, host, port)
    out.print(f"receiving mail for {settings.reply_domain} on {host}:{port}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@app.command()
def demo(port: int = typer.Option(8000, help="Port to listen on."),
         data_dir: Path = typer.Option(Path("homeroom-data"), help="Where the SQLite file and outbox live."),
         host: str = typer.Option("127.0.0.1")) -> None:
    """Run everything on embedded defaults: SQLite, in-process worker, outbox plugin, a seeded district."""
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    _use_demo_dir(data_dir)
    os.environ["HOMEROOM_PUBLIC_BASE_URL"] = f"http://{host}:{port}"
    reset_settings_cache()
    settings = _settings()

    from sqlalchemy import select

    from domain.seeding import seed_district
    from homeroom.auth import mint_token
    from homeroom.migrate import upgrade
    from models.db import engine_for, session_scope
    from models.directory import District, User

    upgrade(settings.database_url)
    engine = engine_for(settings.database_url)
    with session_scope(engine) as session:
        seeded = session.execute(select(District.id)).first() is not None
    if not seeded:
        out.print(f"seeding a demo district ({DEMO_STUDENTS} students) into {data_dir} …")
        seed_district(engine, students=DEMO_STUDENTS, seed=DEMO_SEED)
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
    admin_token = mint_token(settings, user_id=admin.id, login=admin.login)
    out.print(f"GraphiQL:     http://{host}:{port}/graphql", highlight=False)
    out.print(f"Outbox:       {data_dir / 'outbox'}", highlight=False)
    out.print("Admin token (send as 'Authorization: Bearer <token>'):", highlight=False)
    print(admin_token, flush=True)
    _serve(host, port)


def _use_demo_dir(data_dir: Path) -> None:
    """Embedded defaults rooted in one folder: SQLite file, outbox, signing secret; no Redis."""
    os.environ.pop("HOMEROOM_REDIS_URL", None)
    os.environ.update({
        "HOMEROOM_ENVIRONMENT": "development",
        "HOMEROOM_DATABASE_URL": f"sqlite:///{data_dir / 'homeroom.db'}",
        "HOMEROOM_CHANNEL_PLUGINS": json.dumps({kind: "outbox" for kind in ("email", "sms", "voice", "push")}),
        "HOMEROOM_PLUGIN_CONFIG": json.dumps({"outbox": {"directory": str(data_dir / "outbox")}}),
        "HOMEROOM_JWT_SECRET": _demo_secret(data_dir),
    })
    reset_settings_cache()


def _demo_secret(data_dir: Path) -> str:
    """A per-data-dir random secret, so demo tokens survive restarts but never ship."""
    import secrets

    path = data_dir / "jwt-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
