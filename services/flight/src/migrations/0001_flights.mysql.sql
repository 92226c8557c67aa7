CREATE TABLE airports (
    code CHAR(3) NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    city VARCHAR(100) NOT NULL,
    country CHAR(2) NOT NULL,
    time_zone VARCHAR(64) NOT NULL,
    latitude DOUBLE NOT NULL,
    longitude DOUBLE NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE aircraft_types (
    code VARCHAR(8) NOT NULL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    seats BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE flights (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    number VARCHAR(8) NOT NULL,
    origin CHAR(3) NOT NULL,
    destination CHAR(3) NOT NULL,
    departure_at BIGINT NOT NULL,
    arrival_at BIGINT NOT NULL,
    aircraft VARCHAR(8) NOT NULL,
    status VARCHAR(16) NOT NULL,
    delay_minutes BIGINT NOT NULL,
    cancel_reason VARCHAR(500) NULL,
    cancelled_at BIGINT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY flights_number_departure (number, departure_at),
    KEY flights_origin (origin, departure_at),
    KEY flights_destination (destination, departure_at),
    KEY flights_cancelled (cancelled_at),
    CONSTRAINT flights_origin_airport FOREIGN KEY (origin) REFERENCES airports (code),
    CONSTRAINT flights_destination_airport FOREIGN KEY (destination) REFERENCES airports (code),
    CONSTRAINT flights_aircraft FOREIGN KEY (aircraft) REFERENCES aircraft_types (code),
    CONSTRAINT flights_arrival_after_departure CHECK (arrival_at > departure_at),
    CONSTRAINT flights_two_airports CHECK (origin <> destination)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE fares (
    flight_id VARCHAR(36) NOT NULL,
    cabin VARCHAR(16) NOT NULL,
    basic BIGINT NOT NULL,
    standard BIGINT NOT NULL,
    flex BIGINT NOT NULL,
    currency CHAR(3) NOT NULL,
    PRIMARY KEY (flight_id, cabin),
    CONSTRAINT fares_flight FOREIGN KEY (flight_id) REFERENCES flights (id),
    CONSTRAINT fares_positive CHECK (basic > 0 AND standard > 0 AND flex > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE aircraft_seats (
    aircraft VARCHAR(8) NOT NULL,
    seat VARCHAR(4) NOT NULL,
    cabin VARCHAR(16) NOT NULL,
    seat_row BIGINT NOT NULL,
    letter CHAR(1) NOT NULL,
    position VARCHAR(8) NOT NULL,
    exit_row BIGINT NOT NULL,
    extra_legroom BIGINT NOT NULL,
    surcharge BIGINT NOT NULL,
    PRIMARY KEY (aircraft, seat),
    CONSTRAINT aircraft_seats_type FOREIGN KEY (aircraft) REFERENCES aircraft_types (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE seat_hold_sets (
    booking_id VARCHAR(64) NOT NULL PRIMARY KEY,
    status VARCHAR(16) NOT NULL,
    fare_family VARCHAR(16) NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    KEY seat_hold_sets_expiry (status, expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE seat_holds (
    flight_id VARCHAR(36) NOT NULL,
    seat VARCHAR(4) NOT NULL,
    cabin VARCHAR(16) NOT NULL,
    booking_id VARCHAR(64) NOT NULL,
    surcharge BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (flight_id, seat),
    KEY seat_holds_booking (booking_id),
    CONSTRAINT seat_holds_flight FOREIGN KEY (flight_id) REFERENCES flights (id),
    CONSTRAINT seat_holds_set FOREIGN KEY (booking_id) REFERENCES seat_hold_sets (booking_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
