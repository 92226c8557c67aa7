-- Versions for the back office's optimistic concurrency (ETag / If-Match): every change of a
-- product or a category moves it to the next version.
ALTER TABLE products ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE categories ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- The back office lists every product newest first, and finds those low on stock.
CREATE INDEX products_admin_created ON products (created_at DESC, id DESC);
CREATE INDEX products_stock ON products (active, stock, id);
