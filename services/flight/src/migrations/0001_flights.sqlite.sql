CREATE TABLE airports (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL
);
CREATE TABLE aircraft_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seats INTEGER NOT NULL
);
CREATE TABLE flights (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    origin TEXT NOT NULL REFERENCES airports (code),
    destination TEXT NOT NULL REFERENCES airports (code),
    departure_at INTEGER NOT NULL,
    arrival_at INTEGER NOT NULL,
    aircraft TEXT NOT NULL REFERENCES aircraft_types (code),
    status TEXT NOT NULL,
    delay_minutes INTEGER NOT NULL,
    cancel_reason TEXT,
    cancelled_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (number, departure_at),
    CHECK (arrival_at > departure_at),
    CHECK (origin <> destination)
);
CREATE INDEX flights_origin ON flights (origin, departure_at);
CREATE INDEX flights_destination ON flights (destination, departure_at);
CREATE INDEX flights_cancelled ON flights (cancelled_at);
CREATE TABLE fares (
    flight_id TEXT NOT NULL REFERENCES flights (id),
    cabin TEXT NOT NULL,
    basic INTEGER NOT NULL CHECK (basic > 0),
    standard INTEGER NOT NULL CHECK (standard > 0),
    flex INTEGER NOT NULL CHECK (flex > 0),
    currency TEXT NOT NULL,
    PRIMARY KEY (flight_id, cabin)
);
CREATE TABLE aircraft_seats (
    aircraft TEXT NOT NULL REFERENCES aircraft_types (code),
    seat TEXT NOT NULL,
    cabin TEXT NOT NULL,
    seat_row INTEGER NOT NULL,
    letter TEXT NOT NULL,
    position TEXT NOT NULL,
    exit_row INTEGER NOT NULL,
    extra_legroom INTEGER NOT NULL,
    surcharge INTEGER NOT NULL,
    PRIMARY KEY (aircraft, seat)
);
CREATE TABLE seat_hold_sets (
    booking_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    fare_family TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX seat_hold_sets_expiry ON seat_hold_sets (status, expires_at);
CREATE TABLE seat_holds (
    flight_id TEXT NOT NULL REFERENCES flights (id),
    seat TEXT NOT NULL,
    cabin TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES seat_hold_sets (booking_id),
    surcharge INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (flight_id, seat)
);
CREATE INDEX seat_holds_booking ON seat_holds (booking_id);
