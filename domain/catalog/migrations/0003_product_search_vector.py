"""Full-text search: a stored, weighted tsvector on products, a GIN index, and triggers
that keep it current on every write (product insert/update, category rename).

The document is built by one SQL function so both triggers agree: name (weight A), the
category's name (B), the description (C), with the 'english' configuration.
"""

import django.contrib.postgres.search
from django.db import migrations

from domain.common.postgres import run_sql_on_postgresql

CREATE = """
CREATE OR REPLACE FUNCTION catalog_product_search_document(
    product_name text, category_id bigint, description text
) RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('english', coalesce(product_name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(
               (SELECT c.name FROM catalog_category c WHERE c.id = category_id), '')), 'B')
        || setweight(to_tsvector('english', coalesce(description, '')), 'C');
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION catalog_product_search_vector_refresh() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := catalog_product_search_document(NEW.name, NEW.category_id, NEW.description);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_product_search_vector
    BEFORE INSERT OR UPDATE OF name, description, category_id ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_product_search_vector_refresh();

CREATE OR REPLACE FUNCTION catalog_category_search_rename() RETURNS trigger AS $$
BEGIN
    UPDATE catalog_product p
       SET search_vector = catalog_product_search_document(p.name, p.category_id, p.description)
     WHERE p.category_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_category_search_rename
    AFTER UPDATE OF name ON catalog_category
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION catalog_category_search_rename();

UPDATE catalog_product
   SET search_vector = catalog_product_search_document(name, category_id, description);

CREATE INDEX product_search_vector_gin ON catalog_product USING gin (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS product_search_vector_gin;
DROP TRIGGER IF EXISTS catalog_category_search_rename ON catalog_category;
DROP FUNCTION IF EXISTS catalog_category_search_rename();
DROP TRIGGER IF EXISTS catalog_product_search_vector ON catalog_product;
DROP FUNCTION IF EXISTS catalog_product_search_vector_refresh();
DROP FUNCTION IF EXISTS catalog_product_search_document(text, bigint, text);
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_category_cycle_trigger")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False,
                help_text="Weighted name (A), category name (B), description (C); kept by a "
                "PostgreSQL trigger on every write. Unused on SQLite.",
                null=True,
            ),
        ),
        run_sql_on_postgresql(CREATE, DROP),
    ]
