CREATE TABLE stock_reservations (
    order_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    status TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX stock_reservations_expiry ON stock_reservations (status, expires_at);
