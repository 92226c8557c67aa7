CREATE TABLE stock_reservations (
    order_id VARCHAR(64) NOT NULL,
    product_id VARCHAR(36) NOT NULL,
    quantity BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (order_id, product_id),
    KEY stock_reservations_expiry (status, expires_at),
    CONSTRAINT stock_reservations_quantity_positive CHECK (quantity > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
