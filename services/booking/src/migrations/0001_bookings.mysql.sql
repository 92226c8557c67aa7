CREATE TABLE bookings (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL,
    idempotency_key VARCHAR(255) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    pnr CHAR(6) NOT NULL,
    status VARCHAR(16) NOT NULL,
    failure_code VARCHAR(64) NULL,
    failure_detail VARCHAR(500) NULL,
    cabin VARCHAR(16) NOT NULL,
    fare_family VARCHAR(16) NOT NULL,
    contact_email VARCHAR(254) NOT NULL,
    itinerary VARCHAR(6000) NOT NULL,
    seats VARCHAR(3000) NOT NULL,
    fare_total BIGINT NOT NULL,
    seat_total BIGINT NOT NULL,
    total BIGINT NOT NULL,
    currency CHAR(3) NOT NULL,
    payment_method VARCHAR(64) NULL,
    payment_attempt BIGINT NOT NULL,
    payment_id VARCHAR(36) NULL,
    refunded_amount BIGINT NOT NULL,
    seat_credit BIGINT NOT NULL,
    cancel_reason VARCHAR(600) NULL,
    payment_required_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY bookings_pnr (pnr),
    UNIQUE KEY bookings_idempotency (user_id, idempotency_key),
    KEY bookings_user (user_id, created_at, id),
    KEY bookings_status (status, updated_at),
    KEY bookings_expiry (status, payment_required_by)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE passengers (
    booking_id VARCHAR(36) NOT NULL,
    idx BIGINT NOT NULL,
    kind VARCHAR(8) NOT NULL,
    given_name VARCHAR(100) NOT NULL,
    family_name VARCHAR(100) NOT NULL,
    birth_date CHAR(10) NOT NULL,
    PRIMARY KEY (booking_id, idx),
    KEY passengers_family_name (family_name),
    CONSTRAINT passengers_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE tickets (
    number CHAR(13) NOT NULL PRIMARY KEY,
    booking_id VARCHAR(36) NOT NULL,
    passenger BIGINT NOT NULL,
    status VARCHAR(8) NOT NULL,
    issued_at BIGINT NOT NULL,
    UNIQUE KEY tickets_passenger (booking_id, passenger),
    CONSTRAINT tickets_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE booking_flights (
    booking_id VARCHAR(36) NOT NULL,
    flight_id VARCHAR(36) NOT NULL,
    PRIMARY KEY (booking_id, flight_id),
    KEY booking_flights_flight (flight_id),
    CONSTRAINT booking_flights_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE booking_watch (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
