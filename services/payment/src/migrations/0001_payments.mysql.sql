CREATE TABLE payments (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    idempotency_key VARCHAR(255) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    order_id VARCHAR(64) NOT NULL,
    amount BIGINT NOT NULL,
    currency CHAR(3) NOT NULL,
    method VARCHAR(64) NOT NULL,
    status VARCHAR(16) NOT NULL,
    failure_code VARCHAR(64) NULL,
    provider_ref VARCHAR(128) NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY payments_idempotency_key (idempotency_key),
    KEY payments_status (status, updated_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE refunds (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    idempotency_key VARCHAR(255) NOT NULL,
    payment_id VARCHAR(36) NOT NULL,
    amount BIGINT NOT NULL,
    provider_ref VARCHAR(128) NULL,
    created_at BIGINT NOT NULL,
    UNIQUE KEY refunds_idempotency_key (idempotency_key),
    UNIQUE KEY refunds_payment (payment_id),
    CONSTRAINT refunds_payment_fk FOREIGN KEY (payment_id) REFERENCES payments (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
