"""Foreign keys that PostgreSQL checks once per statement instead of once per row.

A plain foreign key fires a trigger for every inserted row: fanning a 100k-recipient message out
spent 0.4 s of its 1.2 s INSERT … SELECT checking ``delivery.message_id`` row by row, and storing
an all-students selection spent 0.44 s of 0.56 s checking ``message_student``. For these bulk
tables the constraint is enforced instead by triggers: inserted child rows and deleted parent rows
are checked by one anti-join per statement over its transition table; the rare change of a key
itself (``UPDATE OF`` the column, which dispatch's status updates never fire) row by row. Each
raises SQLSTATE 23503 (foreign_key_violation, an IntegrityError) exactly when the plain key would.

The models still declare these keys (ORM joins, and SQLite, where Homeroom's bulk writes are
small, keeps them as plain constraints). Migration 0011 swaps them on PostgreSQL.

Deleting delivery rows is refused while attempts name them, as before; the parent-side check is a
statement trigger on the parent, so it costs one anti-join per DELETE, never per dispatch update
(an UPDATE fires only the row trigger ``UPDATE OF id``, and nothing updates ids).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class StatementKey:
    table: str
    column: str
    parent: str
    constraint: str  # the plain constraint's name, dropped on PostgreSQL

    @property
    def name(self) -> str:
        return f"{self.table}_{self.column}_statement_key"


STATEMENT_KEYS = (
    StatementKey("delivery", "message_id", "message", "delivery_message_id_fkey"),
    StatementKey("message_student", "message_id", "message", "message_student_message_id_fkey"),
    StatementKey("message_student", "student_id", "student", "message_student_student_id_fkey"),
    # Dispatch writes 500 attempts per chunk: 4 ms of per-row checks each time.
    StatementKey("delivery_attempt", "delivery_id", "delivery", "delivery_attempt_delivery_id_fkey"),
)

#: Child side: every non-null key written by the statement must name a parent row.
CHECK_CHILD = """
CREATE OR REPLACE FUNCTION homeroom_check_child_key() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE missing integer;
BEGIN
  EXECUTE format('SELECT w.%2$I FROM written w WHERE w.%2$I IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM %3$I p WHERE p.id = w.%2$I) LIMIT 1',
                 TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) INTO missing;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key "%"', TG_ARGV[0], TG_ARGV[3]
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[1], missing, TG_ARGV[2]);
  END IF;
  RETURN NULL;
END $$;
"""

#: Parent side: no deleted parent key may still be named by a child row.
CHECK_PARENT = """
CREATE OR REPLACE FUNCTION homeroom_check_parent_key() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE orphaned integer;
BEGIN
  EXECUTE format('SELECT o.id FROM removed o WHERE NOT EXISTS (SELECT 1 FROM %3$I p WHERE p.id = o.id)
                    AND EXISTS (SELECT 1 FROM %1$I c WHERE c.%2$I = o.id) LIMIT 1',
                 TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) INTO orphaned;
  IF orphaned IS NOT NULL THEN
    RAISE EXCEPTION 'update or delete on table "%" violates foreign key "%" on table "%"',
          TG_ARGV[2], TG_ARGV[3], TG_ARGV[0]
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', orphaned, TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$;
"""


#: A child row whose key column itself was changed.
CHECK_CHILD_ROW = """
CREATE OR REPLACE FUNCTION homeroom_check_child_key_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE key integer := (to_jsonb(NEW) ->> TG_ARGV[1])::integer; missing boolean;
BEGIN
  EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I WHERE id = $1)', TG_ARGV[2]) INTO missing USING key;
  IF key IS NOT NULL AND missing THEN
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key "%"', TG_ARGV[0], TG_ARGV[3]
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[1], key, TG_ARGV[2]);
  END IF;
  RETURN NULL;
END $$;
"""

#: A parent row whose id itself was changed.
CHECK_PARENT_ROW = """
CREATE OR REPLACE FUNCTION homeroom_check_parent_key_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE referenced boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', TG_ARGV[0], TG_ARGV[1])
    INTO referenced USING OLD.id;
  IF referenced THEN
    RAISE EXCEPTION 'update or delete on table "%" violates foreign key "%" on table "%"',
          TG_ARGV[2], TG_ARGV[3], TG_ARGV[0]
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$;
"""

FUNCTIONS = {"homeroom_check_child_key": CHECK_CHILD, "homeroom_check_parent_key": CHECK_PARENT,
             "homeroom_check_child_key_row": CHECK_CHILD_ROW, "homeroom_check_parent_key_row": CHECK_PARENT_ROW}


def install_statements(key: StatementKey) -> list[str]:
    args = f"'{key.table}', '{key.column}', '{key.parent}', '{key.name}'"
    return [
        f"ALTER TABLE {key.table} DROP CONSTRAINT {key.constraint}",
        f"CREATE TRIGGER {key.name}_insert AFTER INSERT ON {key.table} REFERENCING NEW TABLE AS written "
        f"FOR EACH STATEMENT EXECUTE FUNCTION homeroom_check_child_key({args})",
        f"CREATE TRIGGER {key.name}_update AFTER UPDATE OF {key.column} ON {key.table} FOR EACH ROW "
        f"WHEN (OLD.{key.column} IS DISTINCT FROM NEW.{key.column}) "
        f"EXECUTE FUNCTION homeroom_check_child_key_row({args})",
        f"CREATE TRIGGER {key.name}_delete AFTER DELETE ON {key.parent} REFERENCING OLD TABLE AS removed "
        f"FOR EACH STATEMENT EXECUTE FUNCTION homeroom_check_parent_key({args})",
        f"CREATE TRIGGER {key.name}_renumber AFTER UPDATE OF id ON {key.parent} FOR EACH ROW "
        f"WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION homeroom_check_parent_key_row({args})",
    ]


def remove_statements(key: StatementKey) -> list[str]:
    return [
        *(f"DROP TRIGGER {key.name}_{event} ON {table}" for event, table in (
            ("insert", key.table), ("update", key.table), ("delete", key.parent), ("renumber", key.parent))),
        f"ALTER TABLE {key.table} ADD CONSTRAINT {key.constraint} "
        f"FOREIGN KEY ({key.column}) REFERENCES {key.parent}(id)",
    ]
