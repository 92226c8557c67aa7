-- Charges a booking made after its first payment (a dearer seat on a paid booking), so a
-- cancellation refunds each payment, never more than it took.
CREATE TABLE booking_charges (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    payment_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (booking_id, payment_id)
);
