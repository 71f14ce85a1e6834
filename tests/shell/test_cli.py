"""The `homeroom` command line as a new user meets it (issue 13 point 25): each failure a user can
fix is one line on stderr naming the problem, with a non-zero exit and no traceback; the port is
checked before any work; `--version`; `seed` reports its phases and a summary.

Every command runs as a subprocess with a controlled environment: no HOMEROOM_ setting unless
the test gives it, and a long random signing secret where a production command needs one."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import pytest
import sqlalchemy as sa

from graph.schema import export_sdl

ROOT = Path(__file__).resolve().parents[2]


def homeroom(*args: str, cwd: Path | None = None, timeout: float = 120, **settings: str):
    """Runs `homeroom ARGS` with only the given HOMEROOM_ settings (keyword NAME -> HOMEROOM_NAME),
    in ``cwd`` or a scratch folder, so a default ./homeroom.db never lands in the checkout."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOMEROOM_")}
    env["HOMEROOM_JWT_SECRET"] = secrets.token_urlsafe(48)
    env.update({f"HOMEROOM_{name.upper()}": value for name, value in settings.items()})
    env["PYTHONPATH"] = str(ROOT)  # the checkout, whatever the working directory
    with tempfile.TemporaryDirectory(prefix="homeroom-cli-") as scratch:
        return subprocess.run([sys.executable, "-m", "homeroom.cli", *args], capture_output=True, text=True,
                              env=env, cwd=cwd or scratch, timeout=timeout)


def one_line_failure(result) -> str:
    """The single stderr line of a failed command (which printed no traceback)."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def busy_port():
    """A port some other program is listening on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_an_unreachable_database_is_one_line_without_the_password():
    """Covers issue 13 point 25: `migrate`, `seed`, `token` and `serve` against a PostgreSQL
    server that is not there say so in one line; the URL's password is never shown."""
    url = f"postgresql+psycopg://homeroom:pw-{secrets.token_hex(8)}@127.0.0.1:{closed_port()}/homeroom"
    password = sa.engine.make_url(url).password
    for args in (["migrate"], ["seed", "--students", "5"], ["token", "--user", "admin"],
                 ["serve", "--host", "127.0.0.1", "--port", str(closed_port())]):
        line = one_line_failure(homeroom(*args, database_url=url))
        assert line.startswith("cannot use the database postgresql+psycopg://homeroom:***@127.0.0.1:"), (args, line)
        assert "Connection refused" in line and password not in line, (args, line)


def test_a_sqlite_file_in_a_missing_folder_is_one_line(tmp_path):
    """Covers issue 13 point 25: a bad SQLite path names the file and what is wrong with it."""
    path = tmp_path / "no" / "such" / "folder" / "homeroom.db"
    line = one_line_failure(homeroom("migrate", database_url=f"sqlite:///{path}"))
    assert line == f"cannot use the database {path}: its folder {path.parent} does not exist"
    assert not path.parent.exists()


def test_a_data_dir_that_cannot_be_written_is_one_line_and_nothing_starts(tmp_path):
    """Covers issue 13 point 25: `demo --data-dir` on a path that cannot be a writable folder."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    below_a_file = a_file / "demo"
    line = one_line_failure(homeroom("demo", "--data-dir", str(below_a_file), "--port", str(closed_port())))
    assert line == f"cannot use {below_a_file} as the data dir: Not a directory"
    line = one_line_failure(homeroom("demo", "--data-dir", str(a_file), "--port", str(closed_port())))
    assert line == f"cannot use {a_file} as the data dir: it is a file, not a folder"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_export_schema_to_a_missing_folder_is_one_line(tmp_path):
    """Covers issue 13 point 25."""
    target = tmp_path / "missing" / "schema.graphql"
    line = one_line_failure(homeroom("export-schema", "-o", str(target)))
    assert line == f"cannot write {target}: No such file or directory"
    written = tmp_path / "schema.graphql"
    assert homeroom("export-schema", "-o", str(written)).returncode == 0
    assert written.read_text(encoding="utf-8") == export_sdl()


def test_token_without_a_database_says_so_and_creates_none(tmp_path):
    """Covers issue 13 point 25: `token` with no environment names the database it looked for
    and does not create ./homeroom.db; an empty file or database gets the same answer."""
    line = one_line_failure(homeroom("token", "--user", "admin", cwd=tmp_path))
    assert line == (f"no Homeroom database at {tmp_path / 'homeroom.db'}; "
                    "run `homeroom migrate` (or `homeroom demo`) first")
    assert list(tmp_path.iterdir()) == []
    empty = tmp_path / "empty.db"
    empty.touch()  # an empty file is an empty SQLite database
    for args in (["token", "--user", "admin"], ["export", "oneroster", str(tmp_path / "bundle")]):
        line = one_line_failure(homeroom(*args, database_url=f"sqlite:///{empty}"))
        assert line == (f"no Homeroom database at {empty}: it has no Homeroom tables; "
                        "run `homeroom migrate` (or `homeroom demo`) first"), args
    assert not (tmp_path / "bundle").exists()


@pytest.mark.parametrize("command", ["serve", "demo"])
@pytest.mark.parametrize("port", ["0", "99999", "-1"])
def test_ports_outside_1_to_65535_are_refused(tmp_path, command, port):
    """Covers issue 13 point 25: a port outside 1-65535 is a usage error, not another port."""
    result = homeroom(command, "--port", port, "--data-dir", str(tmp_path / "d")) if command == "demo" \
        else homeroom(command, "--port", port)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Invalid value for '--port'" in result.stderr
    assert not (tmp_path / "d").exists()


def test_a_port_in_use_fails_before_migrating_or_seeding(tmp_path, busy_port):
    """Covers issue 13 point 25: the demo checks the port before it migrates and seeds, and
    `serve` before it starts."""
    data_dir = tmp_path / "demo"
    line = one_line_failure(homeroom("demo", "--port", str(busy_port), "--data-dir", str(data_dir)))
    assert line == f"cannot listen on 127.0.0.1:{busy_port}: Address already in use"
    assert not (data_dir / "homeroom.db").exists() and not (data_dir / "jwt-secret").exists()
    line = one_line_failure(homeroom("serve", "--host", "127.0.0.1", "--port", str(busy_port),
                                     database_url=f"sqlite:///{tmp_path / 'serve.db'}"))
    assert line == f"cannot listen on 127.0.0.1:{busy_port}: Address already in use"
    assert not (tmp_path / "serve.db").exists()


def test_version_is_the_installed_package_version():
    """Covers issue 13 point 25."""
    result = homeroom("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"homeroom {version('homeroom')}\n"


def test_seed_shows_its_phases_and_a_summary_of_rows_per_table(tmp_path):
    """Covers issue 13 point 25: progress on stderr, a phase a line with counts; the summary
    (rows per table, total, seconds) on stdout, matching the database."""
    database = tmp_path / "seeded.db"
    result = homeroom("seed", "--students", "60", "--seed", "3", database_url=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    phases = [re.sub(r"^\[\s*[\d.]+ s\] ", "", line) for line in result.stderr.strip().splitlines()]
    assert phases[0] == "building a district of 60 students (seed 3)"
    assert re.fullmatch(r"families: 60 students, \d+ contacts, \d+ sibling links", phases[1])
    assert re.fullmatch(r"schools and staff: \d+ schools, \d+ accounts, \d+ sections, \d+ enrollments", phases[2])
    assert re.fullmatch(r"writing [\d,]+ rows into \d+ tables", phases[3])
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        counts = {table: connection.scalar(sa.text(f'SELECT count(*) FROM "{table}"'))
                  for table in ("student", "contact", "app_user", "section", "enrollment")}
    engine.dispose()
    title = re.search(r"seeded 60 students \(seed 3\): ([\d,]+) rows in [\d.]+ s", result.stdout)
    assert title, result.stdout
    listed = {name: int(count.replace(",", "")) for name, count in
              re.findall(r"^  ([a-z_]+) +([\d,]+)$", result.stdout, re.M)}
    assert {table: listed[table] for table in counts} == counts
    assert int(title.group(1).replace(",", "")) == sum(listed.values())
    assert f"{counts['contact']} contacts" in phases[1]
