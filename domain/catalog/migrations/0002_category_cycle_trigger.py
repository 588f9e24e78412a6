"""On PostgreSQL, a trigger refuses a category whose parent chain leads back to itself.

Model validation (`Category.clean`) says the same for forms and services; the trigger
keeps the tree sound against any other writer. SQLite keeps only the validation and the
`category_not_own_parent` check.
"""

from django.db import migrations

from domain.common.postgres import run_sql_on_postgresql

CREATE = """
CREATE OR REPLACE FUNCTION catalog_category_refuse_cycle() RETURNS trigger AS $$
DECLARE
    ancestor bigint := NEW.parent_id;
    steps integer := 0;
BEGIN
    WHILE ancestor IS NOT NULL LOOP
        IF ancestor = NEW.id THEN
            RAISE EXCEPTION 'category % cannot be its own ancestor', NEW.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'category_no_cycle';
        END IF;
        steps := steps + 1;
        IF steps > 1000 THEN
            RAISE EXCEPTION 'category tree deeper than 1000 levels'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'category_no_cycle';
        END IF;
        SELECT parent_id INTO ancestor FROM catalog_category WHERE id = ancestor;
    END LOOP;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_category_no_cycle
    BEFORE INSERT OR UPDATE OF parent_id ON catalog_category
    FOR EACH ROW EXECUTE FUNCTION catalog_category_refuse_cycle();
"""

DROP = """
DROP TRIGGER IF EXISTS catalog_category_no_cycle ON catalog_category;
DROP FUNCTION IF EXISTS catalog_category_refuse_cycle();
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [run_sql_on_postgresql(CREATE, DROP)]
