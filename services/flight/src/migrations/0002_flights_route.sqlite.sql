CREATE INDEX flights_route ON flights (origin, destination, departure_at);
