"""PostgreSQL triggers: duty log entries and anchors refuse UPDATE and DELETE (DT-8).

The only DELETE let through is the retention job's pruning (RT-2): it sets the transaction-local
``estatedesk.duty_log_prune`` flag, and even then only rows past their ``retention_until`` go.
SQLite has no such trigger (the model and QuerySet refuse there); TRUNCATE stays possible so the
test runner can flush tables.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION duty_log_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('estatedesk.duty_log_prune', true) = 'on'
       AND OLD.retention_until < CURRENT_DATE THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'duty log entries are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER duty_log_entry_append_only
    BEFORE UPDATE OR DELETE ON duty_dutylogentry
    FOR EACH ROW EXECUTE FUNCTION duty_log_entry_refuse_change();

CREATE OR REPLACE FUNCTION duty_log_anchor_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'duty log anchors are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER duty_log_anchor_append_only
    BEFORE UPDATE OR DELETE ON duty_dutyloganchor
    FOR EACH ROW EXECUTE FUNCTION duty_log_anchor_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS duty_log_entry_append_only ON duty_dutylogentry;
DROP FUNCTION IF EXISTS duty_log_entry_refuse_change();
DROP TRIGGER IF EXISTS duty_log_anchor_append_only ON duty_dutyloganchor;
DROP FUNCTION IF EXISTS duty_log_anchor_refuse_change();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("duty", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
