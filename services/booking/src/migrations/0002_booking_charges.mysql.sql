-- Charges a booking made after its first payment (a dearer seat on a paid booking), so a
-- cancellation refunds each payment, never more than it took.
CREATE TABLE booking_charges (
    booking_id VARCHAR(36) NOT NULL,
    payment_id VARCHAR(64) NOT NULL,
    amount BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (booking_id, payment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
