"""``homeroom demo``: everything on embedded defaults in one data dir, with a seeded district."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path

import typer
from homeroom.cli.support import (
    check_port,
    cli_settings,
    describe_channels,
    fail,
    run_api,
    seed_progress,
)
from homeroom.settings import reset_settings_cache

DEMO_STUDENTS = 400
DEMO_SEED = 2026


def demo(port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
         data_dir: Path = typer.Option(Path("homeroom-data"), help="Where the SQLite file and outbox live."),
         host: str = typer.Option("127.0.0.1")) -> None:
    """Run everything on embedded defaults: SQLite, in-process worker, outbox plugin, a seeded district."""
    data_dir = prepare_data_dir(data_dir)
    check_port(host, port)
    use_demo_dir(data_dir, public_base_url=f"http://{host}:{port}")
    settings = cli_settings()

    from sqlalchemy import select

    from domain.demo.seeding import seed_district
    from homeroom.auth import mint_token
    from homeroom.migrate import upgrade
    from models.db import engine_for, session_scope
    from models.directory import District, User

    upgrade(settings.database_url)
    engine = engine_for(settings.database_url)
    with session_scope(engine) as session:
        seeded = session.execute(select(District.id)).first() is not None
    if not seeded:
        print(f"seeding a demo district ({DEMO_STUDENTS} students) into {data_dir} …", flush=True)
        summary = seed_district(engine, students=DEMO_STUDENTS, seed=DEMO_SEED, progress=seed_progress())
        print(f"seeded {summary.total_rows:,} rows in {summary.seconds:.1f} s", flush=True)
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
    admin_token = mint_token(settings, user_id=admin.id, login=admin.login)
    print(f"GraphiQL:     {settings.public_base_url}/graphql")
    print(f"Outbox:       {data_dir / 'outbox'}")
    print(f"Channels:     {describe_channels(settings)}")
    print("Admin token (send as 'Authorization: Bearer <token>'):")
    print(admin_token, flush=True)
    run_api(settings, host, port, announce_channels=False)


def prepare_data_dir(data_dir: Path) -> Path:
    """The data dir as an absolute path, created if missing; one line and exit when it cannot be
    written, before anything else happens."""
    data_dir = data_dir.expanduser().resolve()
    if data_dir.exists() and not data_dir.is_dir():
        fail(f"cannot use {data_dir} as the data dir: it is a file, not a folder")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        fail(f"cannot use {data_dir} as the data dir: {error.strerror or error}")
    return data_dir


def use_demo_dir(data_dir: Path, *, public_base_url: str | None = None) -> None:
    """Settings rooted in a demo's data dir: its SQLite file and signing secret, development mode,
    no Redis. The user's channel plugins, plugin config and public URL are kept; the demo's outbox
    directory applies only where the user's outbox config names none (issue 13 point 24)."""
    os.environ.pop("HOMEROOM_REDIS_URL", None)
    os.environ.update({
        "HOMEROOM_ENVIRONMENT": "development",
        "HOMEROOM_DATABASE_URL": f"sqlite:///{data_dir / 'homeroom.db'}",
        "HOMEROOM_JWT_SECRET": _demo_secret(data_dir),
    })
    config = _merged_plugin_config({"outbox": {"directory": str(data_dir / "outbox")}},
                                   os.environ.get("HOMEROOM_PLUGIN_CONFIG"))
    if config is not None:
        os.environ["HOMEROOM_PLUGIN_CONFIG"] = config
    if public_base_url:
        os.environ.setdefault("HOMEROOM_PUBLIC_BASE_URL", public_base_url)
    reset_settings_cache()


def _merged_plugin_config(defaults: dict[str, dict], user_value: str | None) -> str | None:
    """The user's HOMEROOM_PLUGIN_CONFIG merged per plugin and key over ``defaults``, as JSON; None
    when the user's value is malformed, so settings validation names it as it is."""
    try:
        user = json.loads(user_value) if user_value else {}
    except ValueError:
        return None
    if not isinstance(user, dict) or not all(isinstance(config, dict) for config in user.values()):
        return None
    return json.dumps({name: {**defaults.get(name, {}), **user.get(name, {})}
                       for name in {**defaults, **user}})


def _demo_secret(data_dir: Path) -> str:
    """A per-data-dir random secret, so demo tokens survive restarts but never ship."""
    path = data_dir / "jwt-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
