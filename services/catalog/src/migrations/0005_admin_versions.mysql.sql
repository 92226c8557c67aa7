-- Versions for the back office's optimistic concurrency (ETag / If-Match): every change of a
-- product or a category moves it to the next version (an instant ADD COLUMN on MariaDB).
ALTER TABLE products ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE categories ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
-- The back office lists every product newest first. (No index on stock: every checkout
-- changes it, and the dashboard's low-stock list is not worth slowing the hottest write.)
CREATE INDEX products_admin_created ON products (created_at DESC, id DESC);
