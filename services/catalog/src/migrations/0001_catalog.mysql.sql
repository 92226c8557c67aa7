CREATE TABLE categories (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    position BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- VARCHAR rather than TEXT: with a binary collation MySQL reports TEXT as BLOB, which the
-- portable (Any) driver will not decode as a string.
CREATE TABLE products (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    sku VARCHAR(64) NOT NULL,
    name VARCHAR(200) NOT NULL,
    description VARCHAR(5000) NOT NULL,
    price BIGINT NOT NULL,
    currency CHAR(3) NOT NULL,
    stock BIGINT NOT NULL,
    category_id VARCHAR(64) NOT NULL,
    active BIGINT NOT NULL,
    image_url VARCHAR(500) NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY products_sku (sku),
    KEY products_name (active, name, id),
    KEY products_price (active, price, id),
    KEY products_created (active, created_at, id),
    KEY products_category_name (category_id, active, name, id),
    CONSTRAINT products_category FOREIGN KEY (category_id) REFERENCES categories (id),
    CONSTRAINT products_price_nonnegative CHECK (price >= 0),
    CONSTRAINT products_stock_nonnegative CHECK (stock >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
