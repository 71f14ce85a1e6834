"""Seed a synthetic district and print how long it took.

    python bench/seed.py --students 50000 --seed 7 [--database-url URL]

Without a URL the district goes into a temporary SQLite file. A PostgreSQL database is wiped:
every Homeroom table is dropped and created again first. The last line printed is one line of
``name=value`` pairs for collecting results.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
# Run as a file, this script's folder is first on sys.path, where bench/email.py would shadow the
# standard library's email; the project root goes there instead, and siblings are bench.<name>.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import models  # noqa: E402,F401  (registers every table on SQLModel.metadata)
from domain.demo.seeding import seed_district  # noqa: E402
from models.db import make_engine  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="homeroom-bench-") as scratch:
        url = args.database_url or f"sqlite:///{scratch}/seed.db"
        engine = make_engine(url)
        backend = engine.dialect.name
        if backend == "postgresql":
            SQLModel.metadata.drop_all(engine)
        SQLModel.metadata.create_all(engine)
        try:
            summary = seed_district(engine, students=args.students, seed=args.seed)
        finally:
            engine.dispose()

    width = max(len(name) for name in summary.rows)
    print(f"backend {backend}, {args.students} students, seed {args.seed}")
    for name, count in sorted(summary.rows.items(), key=lambda item: -item[1]):
        print(f"  {name:<{width}} {count:>9,}")
    print(f"  {'total':<{width}} {summary.total_rows:>9,}")
    per_second = args.students / summary.seconds if summary.seconds else 0.0
    rows_per_second = summary.total_rows / summary.seconds if summary.seconds else 0.0
    print(f"{summary.seconds:.1f} s, {per_second:,.0f} students/s, {rows_per_second:,.0f} rows/s")
    print(f"bench=seed backend={backend} students={args.students} seed={args.seed} "
          f"rows={summary.total_rows} seconds={summary.seconds:.1f} "
          f"students_per_s={per_second:.0f} rows_per_s={rows_per_second:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
