-- Every listing order has an index that yields it directly (see the MySQL text).
CREATE INDEX products_price_desc ON products (active, price DESC, id);
CREATE INDEX products_created_desc ON products (active, created_at DESC, id);
CREATE INDEX products_category_price ON products (category_id, active, price, id);
CREATE INDEX products_category_price_desc ON products (category_id, active, price DESC, id);
CREATE INDEX products_category_created_desc ON products (category_id, active, created_at DESC, id);
DROP INDEX products_created;
