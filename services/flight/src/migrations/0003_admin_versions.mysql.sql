ALTER TABLE flights ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE INDEX flights_departure ON flights (departure_at, id);
