-- Every listing order has an index that yields it directly, so a page is read in index order
-- and never by sorting the whole table: descending sorts (price_desc, newest) order
-- `key DESC, id ASC`, which only an index with a descending key part serves (MariaDB 10.8+,
-- MySQL 8). A category filter gets the same per category.
CREATE INDEX products_price_desc ON products (active, price DESC, id);
CREATE INDEX products_created_desc ON products (active, created_at DESC, id);
CREATE INDEX products_category_price ON products (category_id, active, price, id);
CREATE INDEX products_category_price_desc ON products (category_id, active, price DESC, id);
CREATE INDEX products_category_created_desc ON products (category_id, active, created_at DESC, id);
-- Newest is the only order by created_at, and it is descending.
DROP INDEX products_created ON products;
