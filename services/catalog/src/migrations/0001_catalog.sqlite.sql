CREATE TABLE categories (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE products (
    id TEXT PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    price INTEGER NOT NULL CHECK (price >= 0),
    currency TEXT NOT NULL,
    stock INTEGER NOT NULL CHECK (stock >= 0),
    category_id TEXT NOT NULL REFERENCES categories (id),
    active INTEGER NOT NULL,
    image_url TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX products_name ON products (active, name, id);
CREATE INDEX products_price ON products (active, price, id);
CREATE INDEX products_created ON products (active, created_at, id);
CREATE INDEX products_category_name ON products (category_id, active, name, id);
