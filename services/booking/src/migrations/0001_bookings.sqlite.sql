CREATE TABLE bookings (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    pnr TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    failure_code TEXT,
    failure_detail TEXT,
    cabin TEXT NOT NULL,
    fare_family TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    itinerary TEXT NOT NULL,
    seats TEXT NOT NULL,
    fare_total INTEGER NOT NULL,
    seat_total INTEGER NOT NULL,
    total INTEGER NOT NULL,
    currency TEXT NOT NULL,
    payment_method TEXT,
    payment_attempt INTEGER NOT NULL,
    payment_id TEXT,
    refunded_amount INTEGER NOT NULL,
    seat_credit INTEGER NOT NULL,
    cancel_reason TEXT,
    payment_required_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX bookings_user ON bookings (user_id, created_at, id);
CREATE INDEX bookings_status ON bookings (status, updated_at);
CREATE INDEX bookings_expiry ON bookings (status, payment_required_by);
CREATE TABLE passengers (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    PRIMARY KEY (booking_id, idx)
);
CREATE INDEX passengers_family_name ON passengers (family_name);
CREATE TABLE tickets (
    number TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    passenger INTEGER NOT NULL,
    status TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    UNIQUE (booking_id, passenger)
);
CREATE TABLE booking_flights (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    flight_id TEXT NOT NULL,
    PRIMARY KEY (booking_id, flight_id)
);
CREATE INDEX booking_flights_flight ON booking_flights (flight_id);
CREATE TABLE booking_watch (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
