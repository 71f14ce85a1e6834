"""What every ``homeroom`` command shares: one-line failures, settings, and the checks a command
makes before it starts work (the port is free, the database exists)."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import typer

from homeroom.settings import SettingsError, get_settings

MIGRATE_HINT = "run `homeroom migrate` (or `homeroom demo`) first"


class HomeroomTyper(typer.Typer):
    """A Typer app whose expected failures end as one line on stderr and a non-zero exit: an
    unreachable or missing database, a file it cannot write. Anything else is a bug and keeps its
    traceback; bad options get Typer's usage message."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Exception as error:
            message = describe_failure(error)
            if message is None:
                raise
            print(message, file=sys.stderr)
            sys.exit(1)


def fail(message: str, code: int = 1) -> NoReturn:
    print(message, file=sys.stderr)
    raise typer.Exit(code)


def cli_settings():
    try:
        return get_settings()
    except SettingsError as error:
        fail(str(error), 2)


def database_label(url: str) -> str:
    """The database a URL names, fit for a message: a SQLite file's absolute path, else the URL
    with its password hidden."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database or "").resolve())
    return parsed.render_as_string(hide_password=True)


def describe_failure(error: Exception) -> str | None:
    """One line for a failure the user can fix, or None for a bug."""
    from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

    if isinstance(error, (OperationalError, InterfaceError, ProgrammingError)):
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
        url = cli_settings().database_url
        where = database_label(url)
        if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
            return f"no Homeroom database at {where}: it has no Homeroom tables; {MIGRATE_HINT}"
        if isinstance(error, ProgrammingError):
            return None
        if url.startswith("sqlite") and not Path(where).parent.is_dir():
            reason = f"its folder {Path(where).parent} does not exist"
        return f"cannot use the database {where}: {reason}"
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    return None


def check_port(host: str, port: int) -> None:
    """Stop before any work (migrating, seeding) when ``host:port`` cannot be listened on."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            # As uvicorn binds: a socket of an earlier run left in TIME_WAIT is no obstacle.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")


def existing_database(url: str):
    """The engine of a database `homeroom migrate` has created; one line and exit otherwise.
    A missing SQLite file is never created here."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    from models.db import engine_for
    from models.directory import User

    where = database_label(url)
    if make_url(url).get_backend_name() == "sqlite" and not Path(where).is_file():
        fail(f"no Homeroom database at {where}; {MIGRATE_HINT}")
    engine = engine_for(url)
    if not inspect(engine).has_table(User.__tablename__):
        fail(f"no Homeroom database at {where}: it has no Homeroom tables; {MIGRATE_HINT}")
    return engine


def describe_channels(settings) -> str:
    """Which plugin serves each channel, marking those HOMEROOM_CHANNEL_PLUGINS leaves to the default."""
    return ", ".join(f"{kind}: {plugin}" + (" (default)" if kind in settings.defaulted_channels else "")
                     for kind, plugin in settings.channel_plugins.items())


def run_api(settings, host: str, port: int, *, announce_channels: bool = True) -> None:
    """Build the app (a plugin that fails to load stops it), check the database, then listen."""
    import uvicorn

    from channels.registry import PluginLoadError
    from homeroom.app import create_app, server_options

    try:
        application = create_app(settings)
    except PluginLoadError as error:
        fail(f"cannot start: {error}")
    existing_database(settings.database_url)
    if announce_channels:
        print(f"channels: {describe_channels(settings)}", file=sys.stderr, flush=True)
    uvicorn.run(application, host=host, port=port, log_level="info", **server_options(settings))


def seed_progress() -> Callable[[str], None]:
    """Prints each seeding phase to stderr with the seconds since it started."""
    started = time.perf_counter()

    def report(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {line}", file=sys.stderr, flush=True)

    return report
