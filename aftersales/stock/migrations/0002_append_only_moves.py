"""Refuse UPDATE and DELETE on the stock move ledger in the database itself.

PostgreSQL: a trigger refuses both (TRUNCATE, used by test flushes, is not affected). SQLite: a
trigger refuses UPDATE; DELETE stays refused by the ORM, because the SQLite test runner flushes
tables with DELETE. The same pattern as ``audit.0003_append_only_triggers``.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION stock_move_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock moves are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stock_move_append_only BEFORE UPDATE OR DELETE ON stock_stockmove
    FOR EACH ROW EXECUTE FUNCTION stock_move_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS stock_move_append_only ON stock_stockmove;
DROP FUNCTION IF EXISTS stock_move_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER stock_move_no_update BEFORE UPDATE ON stock_stockmove
BEGIN SELECT RAISE(ABORT, 'stock moves are append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS stock_move_no_update;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
