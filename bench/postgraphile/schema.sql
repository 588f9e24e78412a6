-- What the PostGraphile peer sees of shop_bench: a schema of views over the project's tables,
-- exposing only the heavy read's data, with smart tags for keys, relations and names.
-- The visibility rules are the selectors' (domain/catalog/selectors.py) for an anonymous
-- reader: published, not deleted products; reviews of those products only.
DROP SCHEMA IF EXISTS bench_pgl CASCADE;
CREATE SCHEMA bench_pgl;

CREATE VIEW bench_pgl.categories AS
  SELECT id, name, slug FROM public.catalog_category;
COMMENT ON VIEW bench_pgl.categories IS E'@name category\n@primaryKey id\n@behavior -insert -update -delete';

CREATE VIEW bench_pgl.users AS
  SELECT id, display_name FROM public.accounts_user;
COMMENT ON VIEW bench_pgl.users IS E'@name user\n@primaryKey id\n@behavior -insert -update -delete';

CREATE VIEW bench_pgl.products AS
  SELECT id, name, slug, price, currency, stock, rating_avg, review_count, category_id, created_at
    FROM public.catalog_product
   WHERE is_published AND deleted_at IS NULL;
COMMENT ON VIEW bench_pgl.products IS E'@name product\n@primaryKey id\n@behavior -insert -update -delete\n@foreignKey (category_id) references bench_pgl.categories (id)|@fieldName category|@foreignFieldName products';

CREATE VIEW bench_pgl.product_images AS
  SELECT id, product_id, '/media/' || image AS url, alt_text, position
    FROM public.catalog_productimage;
COMMENT ON VIEW bench_pgl.product_images IS E'@name productImage\n@primaryKey id\n@behavior -insert -update -delete\n@foreignKey (product_id) references bench_pgl.products (id)|@fieldName product|@foreignFieldName images';

CREATE VIEW bench_pgl.reviews AS
  SELECT review.id, review.product_id, review.author_id, review.rating, review.title,
         review.body, review.created_at
    FROM public.catalog_review review
   WHERE review.product_id IN (SELECT id FROM bench_pgl.products);
COMMENT ON VIEW bench_pgl.reviews IS E'@name review\n@primaryKey id\n@behavior -insert -update -delete\n@foreignKey (product_id) references bench_pgl.products (id)|@fieldName product|@foreignFieldName reviews\n@foreignKey (author_id) references bench_pgl.users (id)|@fieldName author|@foreignFieldName reviews';
