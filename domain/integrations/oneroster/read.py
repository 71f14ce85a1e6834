"""Reading a OneRoster 1.1 CSV bundle: the manifest, the files, headers and per-row checks.

Nothing here touches the database. Every problem becomes a :class:`RowError` naming the file, the
row (1-based, the header is row 1, 0 means the file as a whole), the column and a code.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

#: The files the importer reads, in the order it reads them.
KNOWN_FILES = ("orgs.csv", "academicSessions.csv", "users.csv", "courses.csv", "classes.csv",
               "enrollments.csv", "demographics.csv")
#: OneRoster files that carry nothing Homeroom stores (gradebook, resources).
IGNORED_FILES = ("categories.csv", "classResources.csv", "courseResources.csv", "lineItems.csv",
                 "resources.csv", "results.csv")
#: Columns that must be in the header (the 1.1 "required" columns of the fields Homeroom reads).
REQUIRED_COLUMNS = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    "users.csv": ("sourcedId", "enabledUser", "orgSourcedIds", "role", "username", "givenName",
                  "familyName"),
    "courses.csv": ("sourcedId", "title", "orgSourcedId"),
    "classes.csv": ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId",
                    "termSourcedIds"),
    "enrollments.csv": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    "demographics.csv": ("sourcedId",),
}
#: Columns that must hold a value in every row.
REQUIRED_VALUES = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate"),
    "users.csv": ("sourcedId", "enabledUser", "orgSourcedIds", "role", "givenName", "familyName"),
    "courses.csv": ("sourcedId", "title"),
    "classes.csv": ("sourcedId", "title", "schoolSourcedId"),
    "enrollments.csv": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    "demographics.csv": ("sourcedId",),
}
STATUSES = ("", "active", "tobedeleted", "inactive")
MANIFEST_MODES = ("absent", "bulk", "delta")
SOURCED_ID_MAX = 100
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+$")


@dataclasses.dataclass(frozen=True)
class RowError:
    """One problem: ``file``, ``row`` (header = 1, 0 = the whole file), ``column``, ``code``."""

    file: str
    row: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, column {self.column or '-'}: {self.code}: {self.message}"


class Row(dict):
    """A data row: column -> stripped value ("" for a column the file lacks). ``bad`` rows
    failed a check and are only used to know that their sourcedId exists."""

    __slots__ = ("number", "bad")

    def __init__(self, number: int, values) -> None:
        super().__init__(values)
        self.number, self.bad = number, False

    def __missing__(self, column: str) -> str:
        return ""

    @property
    def sourced_id(self) -> str:
        return self["sourcedId"]


@dataclasses.dataclass
class CsvFile:
    name: str
    columns: list[str]
    rows: list[Row]
    mode: str = "bulk"  # bulk: a full snapshot (absent rows are removed); delta: changes only
    broken: bool = False  # a required column is missing: rows are not interpreted


class Bundle:
    """The files of one bundle, plus the errors and notes found while reading and planning."""

    def __init__(self) -> None:
        self.files: dict[str, CsvFile] = {}
        self.errors: list[RowError] = []
        self.notes: list[str] = []

    def error(self, file: str, row: Row | int, column: str, code: str, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        if isinstance(row, Row):
            row.bad = True
        self.errors.append(RowError(file, number, column, code, message))

    def rows(self, name: str) -> list[Row]:
        """The rows of a readable file (none when it is absent or its header is broken)."""
        file = self.files.get(name)
        return file.rows if file is not None and not file.broken else []

    def all_rows(self, name: str) -> list[Row]:
        file = self.files.get(name)
        return file.rows if file is not None else []

    def has(self, name: str) -> bool:
        return name in self.files

    def bulk(self, name: str) -> bool:
        file = self.files.get(name)
        return file is not None and file.mode == "bulk" and not file.broken


def split_list(value: str) -> list[str]:
    """A OneRoster list field ("a,b,c") as its non-empty items, in order."""
    return [item.strip() for item in value.split(",") if item.strip()]


def check_length(bundle: Bundle, file: str, row: Row, column: str, limit: int) -> str | None:
    """The stripped value, or None (and an error) when it is longer than the column allows."""
    value = row[column].strip()
    if len(value) > limit:
        bundle.error(file, row, column, "too_long", f"{len(value)} characters; at most {limit}")
        return None
    return value


def check_email(bundle: Bundle, file: str, row: Row, column: str) -> str | None:
    value = check_length(bundle, file, row, column, 254)
    if value and not _EMAIL.match(value):
        bundle.error(file, row, column, "invalid_value", f"{value!r} is not an email address")
        return None
    return value or None


def check_bool(bundle: Bundle, file: str, row: Row, column: str) -> bool | None:
    value = row[column].strip().lower()
    if value in ("true", "false"):
        return value == "true"
    bundle.error(file, row, column, "invalid_value", f"{row[column]!r} is not true or false")
    return None


def read_bundle(directory: Path) -> Bundle:
    """Read every known file of the bundle in ``directory``; problems land in ``bundle.errors``."""
    bundle = Bundle()
    if not directory.is_dir():
        bundle.error(str(directory), 0, "", "missing_file", "the bundle directory does not exist")
        return bundle
    modes, manifest_rows = _read_manifest(directory, bundle)
    for name in KNOWN_FILES:
        path = directory / name
        mode = modes.get(name, "absent") if modes is not None else (
            "bulk" if path.exists() else "absent")
        if mode == "absent":
            if path.exists():
                bundle.notes.append(f"{name} is present but manifest.csv marks it absent; not read")
            continue
        if not path.exists():
            bundle.error("manifest.csv", manifest_rows.get(name, 0), "value", "missing_file",
                         f"manifest.csv lists {name} as {mode} but the bundle has no {name}")
            continue
        file = _read_csv(path, bundle)
        if file is not None:
            file.mode = mode
            bundle.files[name] = file
    if "users.csv" not in bundle.files and not any(e.file in ("users.csv", "manifest.csv")
                                                   for e in bundle.errors):
        bundle.error("users.csv", 0, "", "missing_file", "a OneRoster bundle needs users.csv")
    for name in IGNORED_FILES:
        if (directory / name).exists():
            bundle.notes.append(f"{name} holds nothing Homeroom stores; ignored")
    _note_strangers(directory, bundle)
    return bundle


def _note_strangers(directory: Path, bundle: Bundle) -> None:
    """A note for each entry of the folder that is no OneRoster file, so a misnamed file
    (``Users.csv``, ``users (1).csv``) is not silently left out."""
    bundle_files = ("manifest.csv", *KNOWN_FILES, *IGNORED_FILES)
    by_lower = {name.lower(): name for name in bundle_files}
    for path in sorted(directory.iterdir(), key=lambda entry: entry.name):
        meant = by_lower.get(path.name.lower())
        if path.name in bundle_files or (meant and (directory / meant).exists()
                                         and path.samefile(directory / meant)):
            continue  # a bundle file (as spelled on a case-insensitive file system)
        name = path.name + ("/" if path.is_dir() else "")
        hint = f" (file names are case-sensitive: did you mean {meant}?)" if meant else ""
        bundle.notes.append(f"{name} is not part of a OneRoster 1.1 bundle; ignored{hint}")


def _read_manifest(directory: Path, bundle: Bundle) -> tuple[dict[str, str] | None, dict[str, int]]:
    """``file.<name>`` modes from manifest.csv, or None when there is no manifest."""
    path = directory / "manifest.csv"
    if not path.exists():
        bundle.notes.append("no manifest.csv: every file present is read as a bulk snapshot")
        return None, {}
    records = _records(path, bundle, "manifest.csv")
    if records is None:
        return {}, {}
    if not records or [c.strip() for c in records[0][:2]] != ["propertyName", "value"]:
        bundle.error("manifest.csv", 1, "propertyName", "missing_column",
                     "manifest.csv must start with the header propertyName,value")
        return {}, {}
    modes, rows = {}, {}
    for number, record in enumerate(records[1:], 2):
        if len(record) < 2:
            continue
        name, value = record[0].strip(), record[1].strip()
        if name == "oneroster.version" and value != "1.1":
            bundle.notes.append(f"manifest.csv declares OneRoster {value}; read as 1.1")
        if name.startswith("file."):
            if value not in MANIFEST_MODES:
                bundle.error("manifest.csv", number, "value", "invalid_value",
                             f"{name} is {value!r}; expected absent, bulk or delta")
                continue
            modes[name.removeprefix("file.") + ".csv"] = value
            rows[name.removeprefix("file.") + ".csv"] = number
    return modes, rows


def _records(path: Path, bundle: Bundle, name: str) -> list[list[str]] | None:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.reader(handle, strict=True))
    except UnicodeDecodeError:
        bundle.error(name, 0, "", "encoding", "the file is not UTF-8 text")
    except csv.Error as error:
        bundle.error(name, 0, "", "malformed_row", f"not a readable CSV file: {error}")
    return None


def _read_csv(path: Path, bundle: Bundle) -> CsvFile | None:
    name = path.name
    records = _records(path, bundle, name)
    if records is None:
        return None
    if not records:
        bundle.error(name, 1, "", "missing_column", "the file is empty; it needs a header row")
        return None
    columns = [column.strip() for column in records[0]]
    file = CsvFile(name, columns, [])
    for column in {c for c in columns if columns.count(c) > 1}:
        bundle.error(name, 1, column, "duplicate_column", f"the header names {column} twice")
        file.broken = True
    for column in REQUIRED_COLUMNS[name]:
        if column not in columns:
            bundle.error(name, 1, column, "missing_column", f"{name} has no {column} column")
            file.broken = True
    seen: dict[str, int] = {}
    for number, record in enumerate(records[1:], 2):
        if not record:
            continue
        row = Row(number, zip(columns, map(str.strip, record)))
        file.rows.append(row)
        if file.broken:
            continue
        if len(record) != len(columns):
            bundle.error(name, row, "", "malformed_row",
                         f"the row has {len(record)} values; the header has {len(columns)}")
            continue
        for column in REQUIRED_VALUES[name]:
            if not row[column]:
                bundle.error(name, row, column, "required", f"{column} must not be empty")
        if len(row.sourced_id) > SOURCED_ID_MAX:
            bundle.error(name, row, "sourcedId", "too_long",
                         f"{len(row.sourced_id)} characters; at most {SOURCED_ID_MAX}")
        if row["status"] not in STATUSES:
            bundle.error(name, row, "status", "invalid_value",
                         f"{row['status']!r}; expected active or tobedeleted")
        if row.sourced_id in seen:
            bundle.error(name, row, "sourcedId", "duplicate_id",
                         f"{row.sourced_id} is already used on row {seen[row.sourced_id]}")
        elif row.sourced_id:
            seen[row.sourced_id] = number
    return file
