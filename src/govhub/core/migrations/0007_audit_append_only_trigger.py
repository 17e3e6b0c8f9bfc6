"""PostgreSQL only: the audit tables refuse UPDATE and DELETE (append-only).

Row-level triggers: they do not fire on TRUNCATE, which the test runner's flush uses.
SQLite gets no trigger (its flush deletes rows); there the application's own rule holds.
"""

from django.db import migrations

TABLES = ("core_auditevent", "core_auditchainlink", "core_auditcheckpoint")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION govhub_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'govhub: % on % refused: the audit trail is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

CREATE_TRIGGER = """
CREATE TRIGGER {table}_append_only
BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION govhub_audit_append_only();
"""

DROP_TRIGGER = "DROP TRIGGER IF EXISTS {table}_append_only ON {table};"
DROP_FUNCTION = "DROP FUNCTION IF EXISTS govhub_audit_append_only();"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(DROP_TRIGGER.format(table=table))
        schema_editor.execute(CREATE_TRIGGER.format(table=table))


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(DROP_TRIGGER.format(table=table))
    schema_editor.execute(DROP_FUNCTION)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0006_audit_chain"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
